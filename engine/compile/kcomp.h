/*
** kcomp.h -- compile/: validated wasm function bodies to Keel's internal code.
**
** The internal code is a register (slot) machine, not a stack machine: every
** function frame is an array of 64-bit slots (krt.h slot layout) holding the
** parameters, the declared locals, a few hidden slots the compiler needs, and
** one slot per position of the wasm operand stack (whose height is static at
** every point, core spec 3.3 validation). Instructions name their operand
** slots directly (i32.add dst, a, b). Locals are read in place; constants and
** local.get are materialised lazily (see kcomp.c).
**
** One kcomp_code holds the code of every defined function of a module in one
** position-independent array of 32-bit words: operands are slot numbers,
** immediates, function/type/table indices and branch offsets relative to the
** word holding them, never pointers, so the array can be written to a file and
** mapped back unchanged (DESIGN.md compile/, code/).
**
** Layout of one function inside kcomp_code.words (all uint32_t):
**   kcomp_func header | code words | pc map pairs | handlers | catch clauses
*/
#ifndef KCOMP_H
#define KCOMP_H

#include <stddef.h>
#include <stdint.h>

#include "base/kb_error.h"
#include "binary/kbin_module.h"
#include "rt/krt.h"
#include "valid/kval_types.h"

/* Internal op numbers (ORDER KX: rows of kcomp_ops.def). */
enum {
#define KX(NAME, text, words) KX_##NAME,
#define KD(NAME, text, words, cls, type) KX_##NAME,
#include "compile/kcomp_ops.def"
    KX_COUNT_
};

/* Atomic operation kinds in KX_ATOMIC's last word (bits 24..31). */
enum { KA_LOAD = 1, KA_STORE, KA_ADD, KA_SUB, KA_AND, KA_OR, KA_XOR, KA_XCHG, KA_CMPXCHG,
       KA_WAIT, KA_NOTIFY };

/* Translation classes of KD rows in kcomp_ops.def. */
enum { KC_UN = 1, KC_BIN, KC_LD, KC_ST };

/* Static facts about one internal op (ORDER KX). */
typedef struct kcomp_opinfo {
    const char *name;
    int8_t words; /* operand words after the op word; -1 for br_table */
} kcomp_opinfo;
extern const kcomp_opinfo kcomp_ops[KX_COUNT_];

/*
** The header of one compiled function, at a 4-byte aligned word offset in
** kcomp_code.words. krt_func.code points at it (kcomp_func_entry). All
** offsets are in words relative to the header itself.
*/
typedef struct kcomp_func {
    uint32_t func_index;    /* index in the module's function space */
    uint32_t param_slots;   /* slots taken by the parameters */
    uint32_t zero_slots;    /* slots after the params zeroed at entry (locals + hidden) */
    uint32_t result_slots;  /* slots taken by the results (written to fp[0..]) */
    uint32_t frame_slots;   /* total frame size in slots (>= params, results) */
    uint32_t code_len;      /* code words after the header */
    uint32_t pcmap_off;     /* pairs (code word offset, wasm byte offset), ascending */
    uint32_t pcmap_count;
    uint32_t handler_off;   /* kcomp_handler entries (exception handling) */
    uint32_t handler_count;
    uint32_t clause_off;    /* kcomp_clause entries */
    uint32_t clause_count;
} kcomp_func;

static inline const uint32_t *kcomp_func_code(const kcomp_func *f) {
    return (const uint32_t *)(f + 1);
}

/* Handler kinds. */
enum {
    KH_TRY_TABLE = 0, /* try_table: clauses in order */
    KH_TRY = 1,       /* legacy try/catch: clauses in order, exn kept in exn_slot */
    KH_DELEGATE = 2   /* legacy try/delegate: continue at handler 'delegate' */
};

/*
** An exception handler covering code words [start, end) of its function
** (offsets relative to the function's code). Handlers are in the order
** their blocks start, so the innermost handler containing a pc is the last
** one that contains it. 'parent' is the enclosing handler (-1 for none).
*/
typedef struct kcomp_handler {
    uint32_t start, end;
    int32_t parent;
    uint32_t kind;          /* KH_* */
    int32_t delegate;       /* KH_DELEGATE: the handler to continue with, -1: the caller */
    uint32_t exn_slot;      /* KH_TRY: slot that receives the caught exnref (for rethrow) */
    uint32_t clause_first;  /* index into the function's clauses */
    uint32_t clause_count;
} kcomp_handler;

/* Clause kinds: the try_table ones (KCATCH_* of kbin_reader.h) and legacy catch. */
typedef struct kcomp_clause {
    uint32_t kind;          /* KCATCH, KCATCH_REF, KCATCH_ALL, KCATCH_ALL_REF */
    uint32_t tag;           /* tag index (KCATCH, KCATCH_REF) */
    uint32_t dest;          /* first slot receiving the payload (then the exnref for _REF) */
    uint32_t target;        /* code word offset to continue at */
} kcomp_clause;

struct kcomp_code {
    uint32_t *words;        /* owned: every function, position independent */
    size_t word_count;
    uint32_t func_count;    /* module function space (imports included) */
    uint32_t *func_offsets; /* owned: word offset of each defined function's header; UINT32_MAX for imports */
    uint32_t unsupported_funcs; /* functions compiled to an "unsupported instruction" stub */
    /* Code memory (code/kcode.h). NULL while the words are still on the heap
       (just compiled); once set, 'words' and 'func_offsets' point into its
       read-only image and are not owned: kcomp_code_free releases 'mem'. */
    struct kcode_mem *mem;
};

/* Changes whenever compile/ is rebuilt: part of the code cache's engine build id. */
extern const char kcomp_build_stamp[];

/*
** Compiles every defined function of the validated module 'm'. 'engine' may
** be NULL (limits and features are then the defaults). Errors:
** KB_ERR_OUT_OF_MEMORY, KB_ERR_LIMIT (a function needs more than 2^24 frame
** slots), KB_ERR_MALFORMED (undecodable code: valid/ normally rejects it
** first). Instructions outside the interpreter's scope (SIMD, GC heap
** operations) do not fail compilation: the function that holds one traps
** with KB_ERR_UNSUPPORTED "unsupported instruction <name>" when called.
** Does not take ownership of 'm' (which must outlive nothing: the code keeps
** no pointer into it). Gives ownership of *out to the caller.
*/
kb_error *kcomp_compile(const krt_engine *engine, const kbin_module *m, kcomp_code **out);

/*
** Validates 'm' (kval_module's checks and errors) and compiles it in one go:
** each function body is compiled right after the validator checked it, from
** the instructions it decoded (a body is decoded once and is still in the
** cache; issue 10). Returns the validation error, if any (then *out is
** NULL); else NULL, with either *out or *compile_err (kcomp_compile's
** errors) set, so that the caller can rank its own checks of the valid
** module before compile errors. Canonicalises the types into 'reg' as
** kval_module does; sets m->validated. Gives ownership of *out and
** *compile_err to the caller.
*/
kb_error *kcomp_compile_validate(const krt_engine *engine, kval_registry *reg, kbin_module *m, kcomp_code **out,
                                 kb_error **compile_err);

/* Frees the code; NULL is a no-op. */
void kcomp_code_free(kcomp_code *code);

/*
** The entry of defined function 'func_index' (a const kcomp_func *), for
** krt_func.code; NULL for an imported function or an index out of range.
** Valid until the code is freed.
*/
const void *kcomp_func_entry(const kcomp_code *code, uint32_t func_index);

/* Size of the compiled code in bytes (for stats and the code cache). */
size_t kcomp_code_size(const kcomp_code *code);

/*
** The wasm byte offset of the instruction at code word 'pc' of 'f' (for
** backtraces), or UINT32_MAX when unknown.
*/
uint32_t kcomp_wasm_offset(const kcomp_func *f, uint32_t pc);

/* Prints the function's code, one instruction per line, for tests and debugging. */
void kcomp_dump(const kcomp_func *f, void *file /* FILE * */);

#endif
