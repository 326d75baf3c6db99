/*
** kexec_numshapes.h -- the shapes of the non-trapping numeric ops of
** kexec_numops.h, written once for the interpreter (kexec_interp.c) and the
** compiler's constant folder (compile/kcomp_fold.c), so a folded value is
** computed by exactly the code the interpreter runs. The includer defines
** vmcase, NEXT, the operand readers U32/R/F32/F64 and the result writers
** SET32/SET64/SETF32/SETF64, then the trapping shapes DIV32, DIV64 and
** TRUNC itself. Not a header to include anywhere else.
*/
#define UN32(kx, e) vmcase(kx) { uint32_t a = U32(2); SET32(1, e); NEXT(3); }
#define UN64(kx, e) vmcase(kx) { uint64_t a = R(2); SET64(1, e); NEXT(3); }
#define BI32(kx, e) vmcase(kx) { uint32_t a = U32(2), b = U32(3); SET32(1, e); NEXT(4); }
#define BI64(kx, e) vmcase(kx) { uint64_t a = R(2), b = R(3); SET64(1, e); NEXT(4); }
#define CMP64(kx, e) vmcase(kx) { uint64_t a = R(2), b = R(3); SET32(1, e); NEXT(4); }
#define CMPF32(kx, f) vmcase(kx) { SET32(1, f(F32(2), F32(3))); NEXT(4); }
#define CMPF64(kx, f) vmcase(kx) { SET32(1, f(F64(2), F64(3))); NEXT(4); }
#define BF32(kx, f) vmcase(kx) { SETF32(1, f(F32(2), F32(3))); NEXT(4); }
#define BF64(kx, f) vmcase(kx) { SETF64(1, f(F64(2), F64(3))); NEXT(4); }
#define UF32(kx, f) vmcase(kx) { SETF32(1, f(F32(2))); NEXT(3); }
#define UF64(kx, f) vmcase(kx) { SETF64(1, f(F64(2))); NEXT(3); }
