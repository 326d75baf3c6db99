/*
** kcomp_int.h -- compile/-private: the translator's state (the compile-time
** operand stack, the control stack, the function being compiled) and its
** emission and operand-stack helpers, and the control stack's interface
** (kcomp_ctrl.c). Included by the compile/ sources only; see kcomp.c's top
** comment for the entry kinds and the lazy values.
*/
#ifndef KCOMP_INT_H
#define KCOMP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/kb_alloc.h"
#include "base/kb_buf.h"
#include "binary/kbin_reader.h"
#include "compile/kcomp.h"

/* ---------------------------------------------------------------- state */

enum { E_TEMP = 0, E_LOCAL, E_CONST, E_ADDI, E_ADDR };

typedef struct entry {
    uint8_t kind;   /* E_* */
    uint8_t width;  /* slots: 2 for v128 */
    uint8_t type;   /* KVT_* */
    uint32_t slot;  /* E_LOCAL: where the value is; E_ADDI/E_ADDR: the left operand */
    uint32_t home;
    uint64_t c;     /* E_CONST: the value; E_ADDI: the 32-bit constant; E_ADDR: the right slot */
} entry;

enum { CK_FUNC, CK_BLOCK, CK_LOOP, CK_IF, CK_ELSE, CK_TRY, CK_CATCH, CK_TRY_TABLE };

typedef struct ctrl {
    uint8_t kind;
    bool unreachable;
    uint32_t height;        /* stack entries below the params */
    uint32_t base;          /* home slot of the first param/result */
    uint32_t nparams, nresults;
    const kbin_valtype *params, *results;
    kbin_valtype single;    /* storage for a one-result block type */
    bool has_single;        /* 'results' points at 'single' (re-pointed when ctrls move) */
    uint32_t loop_pc;       /* CK_LOOP: branch target, just after the header's loop_check */
    uint32_t patches;       /* offset words to point at the end: a list in comp.plinks
                               (1 + index of the first pair, 0: none) */
    uint32_t else_patch;    /* CK_IF: the br_unless offset word, or UINT32_MAX */
    uint32_t saved;         /* CK_IF with params: hidden slots holding them */
    bool dead_else;         /* CK_IF on a constant true condition: 'else' starts dead code */
    int32_t handler;        /* CK_TRY/CK_CATCH/CK_TRY_TABLE: handler index, else -1 */
    uint32_t exn_slot;      /* CK_TRY/CK_CATCH: hidden slot of the caught exnref */
    KB_VEC(kcomp_clause) clauses; /* CK_TRY/CK_CATCH: clauses collected so far */
} ctrl;

typedef struct comp {
    const kbin_module *m;
    kbin_reader r;
    KB_VEC(uint32_t) code;
    KB_VEC(uint32_t) pcmap;          /* pairs */
    KB_VEC(entry) stack;
    KB_VEC(ctrl) ctrls;
    KB_VEC(kcomp_handler) handlers;
    KB_VEC(kcomp_clause) clauses;
    /* The body as the pre-scan decoded it: the main pass replays it instead
       of decoding every instruction a second time (issue 10). Reused by
       every function of the module. */
    KB_VEC(kbin_instr) instrs;
    /* The body the main pass translates: c->instrs (kcomp_prescan) or the
       validator's record of it (kcomp_prescan_instrs). */
    const kbin_instr *ins;
    size_t nins;
    /* Every block's forward-branch patch list, as pairs (offset word, 1 +
       index of the next pair or 0): one buffer for the whole module instead
       of a heap vector per block (issue 10). */
    KB_VEC(uint32_t) plinks;
    size_t local_cap;                /* capacity of local_slot and local_type */
    uint32_t *local_slot;            /* slot of each local (params first) */
    kbin_valtype *local_type;
    uint32_t local_count;
    uint32_t temps_base;             /* first operand-stack slot */
    uint32_t hidden_next;            /* next free hidden slot */
    uint32_t max_slots;
    uint32_t result_slots;
    uint32_t last_dst;               /* code position of the dst operand of the last single-result op */
    uint32_t last_op;                /* code position of the last emitted op */
    uint32_t prev_op;                /* ... and of the one before, when straight-line */
    uint64_t pool[32];               /* constants kept in slots for the whole call */
    uint32_t pool_count;
    uint32_t pool_base;              /* slot of pool[0] */
    bool oom;
} comp;

#define NO_POS UINT32_MAX

static inline uint32_t width_of(kbin_valtype t) { return t.kind == KVT_V128 ? 2u : 1u; }

/* ---------------------------------------------------------------- emission */

static inline uint32_t pos(comp *c) { return (uint32_t)c->code.len; }

static inline void w(comp *c, uint32_t word) {
    if (!kb_vec_push(&c->code, word)) c->oom = true;
}

/* Starts an instruction; every emission goes through here. */
static inline void op(comp *c, uint32_t kx) {
    c->prev_op = c->last_op;
    c->last_op = pos(c);
    c->last_dst = NO_POS;
    w(c, kx);
}

/*
** The common shapes 'kx dst x' and 'kx dst x y' (dst is last_dst) in one
** reservation: what op() and w() would emit (issue 10).
*/
static inline void op3(comp *c, uint32_t kx, uint32_t dst, uint32_t x) {
    if (!kb_vec_reserve(&c->code, 3)) {
        c->oom = true;
        return;
    }
    uint32_t at = pos(c), *p = c->code.items + at;
    p[0] = kx, p[1] = dst, p[2] = x;
    c->code.len = at + 3;
    c->prev_op = c->last_op;
    c->last_op = at;
    c->last_dst = at + 1;
}

static inline void op4(comp *c, uint32_t kx, uint32_t dst, uint32_t x, uint32_t y) {
    if (!kb_vec_reserve(&c->code, 4)) {
        c->oom = true;
        return;
    }
    uint32_t at = pos(c), *p = c->code.items + at;
    p[0] = kx, p[1] = dst, p[2] = x, p[3] = y;
    c->code.len = at + 4;
    c->prev_op = c->last_op;
    c->last_op = at;
    c->last_dst = at + 1;
}

static inline void w64(comp *c, uint64_t v) {
    w(c, (uint32_t)v);
    w(c, (uint32_t)(v >> 32));
}

/* A branch offset word pointing at 'target' (relative to the word itself). */
static inline void w_off(comp *c, uint32_t target) { w(c, (uint32_t)((int32_t)target - (int32_t)pos(c))); }

/* Binds pending offset words to the current position. */
static inline void patch_here(comp *c, uint32_t at) {
    if (c->oom || at == NO_POS) return;
    c->code.items[at] = (uint32_t)((int32_t)pos(c) - (int32_t)at);
}

/* The current position becomes a branch target: no peephole may look back. */
static inline void label_here(comp *c) {
    c->last_dst = NO_POS;
    c->last_op = c->prev_op = NO_POS;
}

static inline void emit_const(comp *c, uint32_t dst, uint64_t v, uint8_t type) {
    if (type == KVT_I32 || type == KVT_F32 || (v >> 32) == 0) {
        op(c, KX_CONST32); w(c, dst); w(c, (uint32_t)v);
    } else {
        op(c, KX_CONST64); w(c, dst); w64(c, v);
    }
}

static inline void emit_copy(comp *c, uint32_t dst, uint32_t src, uint32_t width) {
    if (dst == src) return;
    op(c, width == 2 ? KX_COPY2 : KX_COPY); w(c, dst); w(c, src);
}

/* ---------------------------------------------------------------- operand stack */

static inline uint32_t top_home(comp *c) {
    if (c->stack.len == 0) return c->temps_base;
    entry *e = &c->stack.items[c->stack.len - 1];
    return e->home + e->width;
}

static inline entry *push(comp *c, uint8_t kind, kbin_valtype t) {
    size_t len = c->stack.len;
    if (!kb_vec_reserve(&c->stack, 1)) {
        c->oom = true;
        static entry dummy;
        return &dummy;
    }
    /* Built in place, every field from values read before the first store. */
    entry *items = c->stack.items;
    uint32_t home = len ? items[len - 1].home + items[len - 1].width : c->temps_base;
    uint8_t width = (uint8_t)width_of(t);
    if (home + width > c->max_slots) c->max_slots = home + width;
    c->stack.len = len + 1;
    entry *e = &items[len];
    e->kind = kind, e->width = width, e->type = t.kind, e->slot = 0, e->home = home, e->c = 0;
    return e;
}

static inline entry *push_kind(comp *c, uint8_t kind, uint8_t type) { return push(c, kind, kbin_vt(type)); }

static inline entry pop(comp *c) {
    ctrl *k = &c->ctrls.items[c->ctrls.len - 1];
    /* Validated code never pops below the block's height when reachable. */
    if (c->stack.len <= k->height) {
        entry e = {E_CONST, 1, KVT_I32, 0, top_home(c), 0};
        return e;
    }
    return c->stack.items[--c->stack.len];
}

static inline bool is_add(const entry *e) { return e->kind == E_ADDI || e->kind == E_ADDR; }

/* Computes a lazy add into slot 'dst'. */
static inline void emit_add(comp *c, uint32_t dst, const entry *e) {
    if (e->kind == E_ADDI) {
        op(c, KX_I32_ADD_I); w(c, dst); w(c, e->slot); w(c, (uint32_t)e->c);
    } else {
        op(c, KX_I32_ADD); w(c, dst); w(c, e->slot); w(c, (uint32_t)e->c);
    }
}

/* Writes a lazy entry to its home. */
static inline void materialize(comp *c, entry *e) {
    if (e->kind == E_LOCAL) emit_copy(c, e->home, e->slot, e->width);
    else if (e->kind == E_CONST) emit_const(c, e->home, e->c, e->type);
    else if (is_add(e)) emit_add(c, e->home, e);
    e->kind = E_TEMP;
}

/* The constant pool slot holding 'v', or NO_POS (see prescan). */
static inline uint32_t pool_slot(const comp *c, uint64_t v) {
    for (uint32_t i = 0; i < c->pool_count; i++)
        if (c->pool[i] == v) return c->pool_base + i;
    return NO_POS;
}

/* use() for constants and lazy adds: a pool slot, or written home first. */
static inline uint32_t use_lazy(comp *c, entry *e) {
    if (e->kind == E_CONST && e->width == 1 && c->pool_count > 0) {
        uint32_t ps = pool_slot(c, e->c);
        if (ps != NO_POS) return ps;
    }
    materialize(c, e);
    return e->home;
}

/* The slot an instruction reads an entry from (constants and adds are written home first). */
static inline uint32_t use(comp *c, entry *e) {
    if (e->kind == E_LOCAL) return e->slot;
    if (e->kind == E_TEMP) return e->home;
    return use_lazy(c, e);
}

/* The entry is lazy and reads slot 's'. */
static inline bool reads_slot(const entry *e, uint32_t s) {
    return ((e->kind == E_LOCAL || is_add(e)) && e->slot == s) || (e->kind == E_ADDR && e->c == s);
}

/* Materialises every entry that reads slot 's' (before 's' is overwritten). */
static inline void protect_slot(comp *c, uint32_t s) {
    for (size_t i = 0; i < c->stack.len; i++) {
        entry *e = &c->stack.items[i];
        if (reads_slot(e, s)) materialize(c, e);
    }
}

static inline bool slot_is_read(comp *c, uint32_t s) {
    for (size_t i = 0; i < c->stack.len; i++)
        if (reads_slot(&c->stack.items[i], s)) return true;
    return false;
}

/* ---------------------------------------------------------------- control (kcomp_ctrl.c) */

static inline ctrl *ctrl_at(comp *c, uint32_t depth) {
    return &c->ctrls.items[c->ctrls.len - 1 - depth];
}

static inline void set_unreachable(comp *c) {
    ctrl *k = &c->ctrls.items[c->ctrls.len - 1];
    k->unreachable = true;
    c->stack.len = k->height;
}

/* Pushes the values of 'types' as temps in their homes (after a label). */
static inline void push_types(comp *c, uint32_t n, const kbin_valtype *types) {
    for (uint32_t i = 0; i < n; i++) push(c, E_TEMP, types[i]);
}

static inline void free_ctrl(ctrl *k) {
    if (k->clauses.items != NULL) kb_vec_free(&k->clauses); /* only legacy try blocks have any */
}

/* True when a branch to 'k' needs no copies. */
bool kcomp_transfer_free(comp *c, ctrl *k);
/* Emits the jump part of a branch to 'k' (after the values were transferred). */
void kcomp_jump_to(comp *c, ctrl *k);
/* Adds an offset word (already emitted at 'at') to the branch targets of 'k'. */
void kcomp_target_word(comp *c, ctrl *k, uint32_t at);
/* A branch to the label 'depth' blocks out: its values, then the jump. */
void kcomp_branch(comp *c, uint32_t depth);
/* Materialises what must be in place at a block boundary (lazy reads, the block's params). */
void kcomp_settle_for_block(comp *c, uint32_t nparams);
/* Innermost handler whose code range is still open, among ctrls [0, from_ctrl). */
int32_t kcomp_active_handler(comp *c, size_t from_ctrl);
/* Opens a block of 'kind' with type 'bt' (NULL: none); NULL when out of memory. */
ctrl *kcomp_push_ctrl(comp *c, uint8_t kind, const kbin_blocktype *bt);
/* Reserves a handler entry starting here; its index, or -1 when out of memory. */
int32_t kcomp_open_handler(comp *c, uint32_t kind);
/* Ends the reachable fall-through of a block: its results are put home. */
void kcomp_settle_results(comp *c, ctrl *k);
/* 'end' of a block, loop, if, try or try_table (not the function's). */
void kcomp_end_block(comp *c);

/* ---------------------------------------------------------------- pre-scan (kcomp_scan.c) */

/*
** Decodes the body of 'f' into c->instrs, counts the hidden slots it needs,
** fills the constant pool (c->pool) and sets *unsupported to the first
** instruction outside the interpreter's scope (or -1). NULL or a decoding
** error.
*/
kb_error *kcomp_prescan(comp *c, const kbin_func *f, uint32_t *hidden, int *unsupported);
/*
** The same for a body already decoded (and validated) into 'ins[0..n)',
** which the main pass then translates: counts, pool and first unsupported
** instruction as kcomp_prescan finds them. 'loop_consts', unless NULL, is
** the validator's note (kval_code_loop_consts): then only those constants
** are looked at. Cannot fail.
*/
void kcomp_prescan_instrs(comp *c, const kbin_instr *ins, size_t n, const uint32_t *loop_consts,
                          size_t nloop_consts, uint32_t *hidden, int *unsupported);
/* Builds the pre-scan's tables; once, before any kcomp_prescan (kcomp_compile does). */
void kcomp_scan_init(void);

/*
** Constant folding (kcomp_fold.c): the value numeric op 'kx' (a KD row of
** class KC_UN or KC_BIN) computes from constant operand slot values x (and
** y), in *out; false when it is not folded (it may trap, gives a NaN, or is
** not numeric).
*/
bool kcomp_fold(uint32_t kx, uint64_t x, uint64_t y, uint64_t *out);

/* Emits an atomic instruction (0xFE prefix; kcomp_atomic.c). */
void kcomp_emit_atomic(comp *c, const kbin_instr *in);

#endif
