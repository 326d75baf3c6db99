/*
** kval_int.h -- valid/-private: the code validator's state (kval_code.c) and
** the fast path over the common instructions of function bodies
** (kval_fast.c), which reads and updates that state directly.
*/
#ifndef KVAL_INT_H
#define KVAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/kb_buf.h"
#include "binary/kbin_reader.h"
#include "valid/kval.h"

/*
** Signature strings decoded once per process (kval_code_new): parameter and
** result kinds per opcode, 0 standing for the address type 'a'. A string too
** long for the slots keeps 'ok' false and is applied from the text.
*/
#define KSIG_MAX_PARAMS 4
#define KSIG_MAX_RESULTS 2
typedef struct kval_csig {
    bool ok;
    bool plain;       /* ok, and no immediate to check (no memarg, lane or shuffle) */
    uint8_t np, nr;
    uint8_t p[KSIG_MAX_PARAMS], r[KSIG_MAX_RESULTS];
    uint8_t fast;     /* VF_*: how step() types the instruction without the general path */
    int8_t align;     /* natural alignment (log2) of memory instructions, -1 otherwise */
} kval_csig;

/*
** The shapes step() checks inline (issue 10: most instructions of a body are
** one of these). Each fast path only ever accepts: anything unusual (a value
** of another type, the frame's bottom, unreachable code, a second memory)
** falls through to the general rules, which then give the error.
*/
enum {
    VF_NONE = 0,
    VF_UN,        /* plain [t1] -> [t2] */
    VF_BIN,       /* plain [t1 t2] -> [t3] */
    VF_LOAD,      /* memarg [a] -> [t], not atomic */
    VF_STORE,     /* memarg [a t] -> [], not atomic */
    VF_LOCAL_GET,
    VF_LOCAL_SET,
    VF_LOCAL_TEE,
    VF_CONST,     /* [] -> [t] */
    VF_CONST_LEB, /* vbytes only: an integer constant */
    VF_FC,        /* vbytes only: the 0xFC prefix (its plain numeric instructions, vfc) */
    VF_CALL,
    VF_DROP,
    VF_SELECT,    /* untyped */
    VF_BLOCK,     /* block, loop */
    VF_IF,
    VF_ELSE,
    VF_END,
    VF_BR,
    VF_BR_IF
};

/* A control frame (spec appendix: ctrl_frame). */
typedef struct kval_frame {
    uint16_t op;          /* KOP_BLOCK/LOOP/IF/TRY/TRY_TABLE; KOP_CALL for the function itself */
    uint8_t state;        /* IF: 1 after 'else'; TRY: 1 in 'catch', 2 in 'catch_all' */
    bool unreachable;
    uint32_t height;      /* operand stack height at entry */
    uint32_t init_height; /* height of the local-initialisation undo log at entry */
    uint32_t br_stamp;    /* br_table that last checked this label (see KOP_BR_TABLE) */
    kbin_blocktype bt;    /* module-local block type */
} kval_frame;

struct kval_code {
    const kval_registry *reg;
    const kbin_module *m;
    KB_VEC(kbin_valtype) vals;
    KB_VEC(kval_frame) ctrls;
    KB_VEC(kbin_valtype) locals; /* canonical */
    KB_VEC(uint8_t) inited;
    KB_VEC(uint32_t) undo;       /* locals set since some frame's entry (spec 3.0 init tracking) */
    bool const_mode;
    uint32_t global_limit;
    const kbin_instr *in;        /* the instruction being checked, for error offsets */
    uint32_t br_gen;             /* counts br_table instructions */
    /* The body's instructions as kbin_read_instr decodes them, in order,
       recorded while they are checked (kval_code_instrs: the compiler's
       input, so a body is decoded once; issue 10). */
    KB_VEC(kbin_instr) rec;
    /* What compile/'s pre-scan would look for in them, noted on the way
       (kval_code_loop_consts): the indices in 'rec' of the constants met
       while 'loops' loops at nesting depth < KVAL_LOOP_DEPTH were open, and
       whether an instruction the note does not cover (KVAL_RARE) occurred.
       'consts' has the capacity of 'rec'. */
    uint32_t *consts;
    size_t nconsts;
    uint32_t loops;
    bool rare;
};

/* Loops deeper than this do not count for kval_code_loop_consts (kval.h). */
#define KVAL_LOOP_DEPTH 64

/* A frame at 'index' of the control stack (0: the function) is a loop the
   note counts: nesting depth index - 1 < KVAL_LOOP_DEPTH. */
static inline uint32_t kval_counted_loop(uint16_t op, size_t index) {
    return op == KOP_LOOP && index <= KVAL_LOOP_DEPTH;
}

/* Operand stack bound: far beyond real code, it caps what unreachable code
   can make the validator allocate. */
#define KVAL_MAX_STACK (1u << 20)

/* Forgets local initialisations made since frame 'f' began (spec 3.0). */
static inline void kval_reset_inits(kval_code *c, const kval_frame *f) {
    while (c->undo.len > f->init_height) c->inited.items[c->undo.items[--c->undo.len]] = 0;
}

static inline bool kval_is_num_vec(kbin_valtype t) {
    return t.kind == KVT_I32 || t.kind == KVT_I64 || t.kind == KVT_F32 || t.kind == KVT_F64 ||
           t.kind == KVT_V128 || t.kind == KVT_BOT;
}

/* Builds kval_fast_run's tables from the decoded signatures; once, from kval_code_new's setup. */
void kval_fast_init(const kval_csig *csigs);

/*
** Checks the common instructions of a function body from 'pos' on (see
** kval_fast.c) and records each in c->rec; returns the position of the first
** one left to the general path (also when c->rec is full). Never fails:
** anything unusual is left untouched.
*/
size_t kval_fast_run(kval_code *c, const uint8_t *bytes, size_t pos, size_t lim);

#endif
