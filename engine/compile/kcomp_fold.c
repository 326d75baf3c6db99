/*
** kcomp_fold.c -- compile/: constant folding. A numeric instruction whose
** operands are all constants is evaluated while compiling and becomes a
** constant (kcomp.c emit_unary/emit_binary): no instruction, and often no
** constant written to a slot either.
**
** The evaluation is the interpreter's own: exec/kexec_numops.h lists every
** numeric instruction once, written with the interpreter's operand macros,
** and is included here with those macros reading the two constants instead
** of frame slots. So a folded value is bit for bit what the instruction
** would compute at run time (core spec 4.3, 4.4.1). Not folded: what can
** trap (division, remainder, trapping float-to-int truncation: the trap must
** happen when and if the instruction runs), and float results that are NaN
** (which NaN the host produces is left to the run, as before).
*/
#include "compile/kcomp_int.h"

#include <math.h>

#include "exec/kexec_numeric.h"

/* Operand n (2: the first, 3: the second) and the result, as in kexec_interp.c. */
#define OPND(n) ((n) == 2 ? x : y)
#define R(n) OPND(n)
#define U32(n) ((uint32_t)OPND(n))
#define F32(n) kexec_num_f32_from_bits((uint32_t)OPND(n))
#define F64(n) kexec_num_f64_from_bits(OPND(n))
#define SET32(n, v) (r = (uint32_t)(v))
#define SET64(n, v) (r = (uint64_t)(v))
#define SETF32(n, v) (r = kexec_num_f32_bits(v), isf = 1)
#define SETF64(n, v) (r = kexec_num_f64_bits(v), isf = 2)
#define NEXT(k) break
#define vmcase(l) case l:

/* The interpreter's shapes; the trapping ones are not folded. */
#include "exec/kexec_numshapes.h"
#define DIV32(kx, f)
#define DIV64(kx, f)
#define TRUNC(kx, f, RT, arg, set)

bool kcomp_fold(uint32_t kx, uint64_t x, uint64_t y, uint64_t *out) {
    uint64_t r = 0;
    int isf = 0;
    switch (kx) {
#include "exec/kexec_numops.h"
    default:
        return false;
    }
    if (isf == 1 && isnan(kexec_num_f32_from_bits((uint32_t)r))) return false;
    if (isf == 2 && isnan(kexec_num_f64_from_bits(r))) return false;
    *out = r;
    return true;
}
