/*
** kcomp.c -- translating validated function bodies into slot-machine code.
**
** One pass over each body, after a pre-scan that decodes it with the shared
** instruction reader (kbin_reader.h) into a buffer the pass replays, counts
** hidden slots and finds instructions outside the interpreter's scope.
**
** The compile-time operand stack mirrors the wasm operand stack (core spec
** 3.3: its height is static). Each entry has a 'home' slot (its fixed frame
** slot) and is one of
**   E_TEMP   the value is in its home slot;
**   E_LOCAL  the value is in another slot that wasm cannot write behind our
**            back except by local.set/local.tee (a local, or a hidden slot):
**            'local.get' emits nothing;
**   E_CONST  a constant not yet written anywhere;
**   E_ADDI   an i32.add of 'slot' and the constant 'c' not yet computed;
**   E_ADDR   an i32.add of 'slot' and slot 'c' not yet computed.
** The two lazy adds exist so that address arithmetic can be folded into the
** load or store that consumes it (kcomp_ops.def _AI/_AR forms). Their
** sources are locals (hidden slots included) or the entry's own home, so
** nothing but local.set/tee can overwrite them while they wait, and
** protect_slot covers those.
** Lazy entries are written to their home ("materialised") when needed: before
** a local.set/tee of the same local overwrites it, at block boundaries, for
** call arguments and branch values.
**
** Branches copy the label's values into the label's slots (the homes of the
** positions just above the label's height), so every path reaches a label
** with the values in the same slots. Copies go in ascending slot order, which
** is safe because a value's home is never below its destination.
*/
#include "compile/kcomp.h"

#include <pthread.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "base/kb_buf.h"
#include "binary/kbin_reader.h"
#include "compile/kcomp_forms.h"
#include "valid/kval.h"

#include "compile/kcomp_int.h"

/* Per-opcode facts asked of every instruction: one table lookup instead of
   a switch each (issue 10); filled once by init_op_flags. */
enum { OPF_INDEX = 2, OPF_QUIET = 4, OPF_ATOMIC = 8, OPF_LAZY = 16 };
static uint8_t op_flags[KOP_COUNT_];
/* The main loop's own translations (compile_func), else MC_OTHER: emit_instr. */
enum { MC_OTHER = 0, MC_LOCAL_GET, MC_I32_CONST, MC_I64_CONST, MC_F32_CONST, MC_F64_CONST, MC_LOCAL_SET,
       MC_UN, MC_BIN, MC_LD, MC_ST };
static uint8_t op_class[KOP_COUNT_];
static pthread_once_t op_flags_once = PTHREAD_ONCE_INIT;

/*
** compile_func's main loop, written once for both builds (STYLE.md, as Lua's
** vmdispatch). MC_NOTE records the instruction's pc-map pair (a lazy
** instruction's quiet pair past the first two would only remove a pair at
** this position, which the next instruction's pair does as well: it starts
** here too) and looks up its translation. With GCC's labels-as-values each
** of the main loop's own translations ends in its own indirect jump to the
** next instruction's (issue 10: one shared jump mispredicts on most
** instructions); none of them changes the control stack, so the next one is
** live code too. Elsewhere a plain switch in the loop.
*/
#define MC_NOTE()                                                            \
    do {                                                                     \
        fl = op_flags[in->op];                                               \
        quiet = (fl & OPF_QUIET) && (!huge || in->offset < PC_QUIET);        \
        if (!(fl & OPF_LAZY) || !quiet || c->pcmap.len <= 4) pc_note(c, in->offset, quiet); \
        d = &direct[in->op];                                                 \
    } while (0)
#if defined(__GNUC__) && !defined(KEEL_NO_COMPUTED_GOTO)
#define MC_GOTO 1
/* GCC would merge the cases' identical dispatch tails back into one jump. */
#if defined(__clang__)
#define MC_ATTR
#else
#define MC_ATTR __attribute__((optimize("no-crossjumping")))
#endif
#define MC_DISPATCH(x) goto *mc_label[x];
#define MC_CASE(l) L_##l
#define MC_NEXT()                                        \
    do {                                                 \
        if (++in >= in_end || c->oom) goto body_done;    \
        MC_NOTE();                                       \
        goto *mc_label[op_class[in->op]];                \
    } while (0)
#else
#define MC_GOTO 0
#define MC_ATTR
#define MC_DISPATCH(x) switch (x)
#define MC_CASE(l) case l
#define MC_NEXT() continue
#endif

/* ---------------------------------------------------------------- instructions */

/*
** When 'cond' was produced by the instruction just emitted and that is a
** compare with a fused branch form, removes it and emits the fused branch
** ('table': br_form or inverse) with its offset word left 0; returns the
** offset word's position, else NO_POS (nothing emitted).
*/
static uint32_t fuse_branch(comp *c, const entry *cond, const uint16_t *table) {
    if (c->oom || cond->kind != E_TEMP || c->last_dst == NO_POS || c->last_op == NO_POS ||
        c->last_dst != c->last_op + 1 || c->code.items[c->last_dst] != cond->home)
        return NO_POS;
    uint32_t kx = c->code.items[c->last_op];
    if (kx >= KX_COUNT_ || table[kx] == 0) return NO_POS;
    uint32_t a = c->code.items[c->last_op + 2];
    uint32_t b = kcomp_ops[kx].words == 3 ? c->code.items[c->last_op + 3] : 0;
    c->code.len = c->last_op;
    op(c, table[kx]); w(c, a);
    if (kcomp_ops[kx].words == 3) w(c, b);
    uint32_t at = pos(c);
    w(c, 0);
    return at;
}

static void emit_unary(comp *c, const direct_op *d) {
    entry a = pop(c);
    uint64_t v;
    if (a.kind == E_CONST && a.width == 1 && kcomp_fold(d->kx, a.c, 0, &v)) {
        push_kind(c, E_CONST, d->type)->c = v;
        return;
    }
    uint32_t sa = use(c, &a);
    entry *r = push_kind(c, E_TEMP, d->type);
    op3(c, d->kx, r->home, sa);
}

/*
** i32.add (and i32.sub of a constant) stays a lazy E_ADDI/E_ADDR entry when
** its operands allow it (see the top of the file): a load or store folds it
** into its address, a local.set computes it straight into the local.
*/
static bool lazy_add(comp *c, const direct_op *d, entry *a, entry *b) {
    if (d->kx != KX_I32_ADD && d->kx != KX_I32_SUB) return false;
    if (a->kind == E_CONST) return false;
    uint8_t kind;
    uint64_t right;
    if (b->kind == E_CONST) {
        kind = E_ADDI;
        right = d->kx == KX_I32_SUB ? (uint32_t)(0u - (uint32_t)b->c) : (uint32_t)b->c;
    } else if (b->kind == E_LOCAL && d->kx == KX_I32_ADD) {
        kind = E_ADDR;
        right = b->slot;
    } else {
        return false;
    }
    uint32_t sa = use(c, a); /* a local, or a's home: the new entry's home */
    entry *r = push_kind(c, kind, KVT_I32);
    r->slot = sa;
    r->c = right;
    c->last_dst = NO_POS;
    return true;
}

/*
** An add (or sub) with an operand that is a product computed into a temporary
** only it reads becomes one multiply-add (kcomp_forms.h madd_form); the mul
** is taken back. Either the mul is the last op (no code came after it, so
** its operands still hold), or the mul is followed by the one op 'p' that
** computed the other operand: 'p' then moves in front of the product (the
** mul is pure), writing the product's free home (or the free slot above)
** if its own would clobber a mul operand. The pc map pairs of the two swap too (traps in 'p').
*/
static uint32_t madd_op(const madd_shape *f, uint32_t kx, bool left) {
    if (kx == f->mul) return left ? f->left : f->right;
    return kx == f->mul_i && f->mul_i ? f->imm : 0;
}

static bool fuse_madd(comp *c, const direct_op *d, const entry *a, const entry *b, uint32_t sa, uint32_t sb) {
    const madd_shape *f = &madd_form[d->kx];
    uint32_t *code = c->code.items, at = c->last_op, p = c->prev_op, other = 0, fused = 0, x, y;
    if (!f->mul || c->oom || at == NO_POS || c->last_dst != at + 1) return false;
    if (b->kind == E_TEMP && code[at + 1] == b->home && (fused = madd_op(f, code[at], false)) != 0) {
        other = sa;
    } else if (a->kind == E_TEMP && code[at + 1] == a->home && (fused = madd_op(f, code[at], true)) != 0) {
        other = sb;
    } else if (b->kind == E_TEMP && code[at + 1] == b->home && a->kind == E_TEMP && p != NO_POS &&
               p + 4 == at && code[p + 1] == a->home && (fused = madd_op(f, code[p], true)) != 0) {
        uint32_t len = pos(c) - at;
        bool imm = code[p] == f->mul_i;
        x = code[p + 2], y = code[p + 3];
        other = b->home;
        if (other == x || (!imm && other == y)) other = a->home;
        if (other == x || (!imm && other == y)) { /* both taken: the free slot above b */
            other = b->home + 1;
            if (other + 1 > c->max_slots) c->max_slots = other + 1;
        }
        memmove(&code[p], &code[at], len * sizeof *code);
        code[p + 1] = other;
        uint32_t *pm = c->pcmap.items;
        size_t n = c->pcmap.len / 2;
        /* The add's own pair is quiet, so not recorded (pc_note): the last
           pairs are those of the mul (at 'p') and of the op after it, if any. */
        if (n >= 2 && pm[2 * (n - 1)] == at && pm[2 * (n - 2)] == p) {
            uint32_t t = pm[2 * (n - 2) + 1];
            pm[2 * (n - 2) + 1] = pm[2 * (n - 1) + 1];
            pm[2 * (n - 1)] = p + len, pm[2 * (n - 1) + 1] = t;
        } else if (n >= 1 && pm[2 * (n - 1)] == at) {
            pm[2 * (n - 1)] = p;
        }
        c->code.len = p + len;
        goto emit;
    }
    if (!fused) return false;
    x = code[at + 2], y = code[at + 3];
    c->code.len = at;
emit:;
    entry *r = push_kind(c, E_TEMP, d->type);
    op(c, fused); w(c, r->home); c->last_dst = pos(c) - 1; w(c, x); w(c, y); w(c, other);
    return true;
}

static void emit_binary(comp *c, const direct_op *d) {
    entry a, b;
    size_t len = c->stack.len;
    if (len >= (size_t)c->ctrls.items[c->ctrls.len - 1].height + 2) { /* pop's common case, twice */
        b = c->stack.items[len - 1];
        a = c->stack.items[len - 2];
        c->stack.len = len - 2;
    } else {
        b = pop(c);
        a = pop(c);
    }
    uint64_t v;
    if (a.kind == E_CONST && b.kind == E_CONST && a.width == 1 && kcomp_fold(d->kx, a.c, b.c, &v)) {
        push_kind(c, E_CONST, d->type)->c = v;
        return;
    }
    /* A constant left operand of a commutative op or a compare goes right
       (the compare mirrored) so that the constant-operand form applies. */
    direct_op swapped;
    if (a.kind == E_CONST && b.kind != E_CONST && swap_form[d->kx]) {
        entry t = a;
        a = b, b = t;
        swapped = *d;
        swapped.kx = swap_form[d->kx];
        d = &swapped;
    }
    /* Shift counts are taken modulo the width (core spec 4.3.2): an i64
       count always fits the constant-operand form. */
    if (b.kind == E_CONST && (d->kx == KX_I64_SHL || d->kx == KX_I64_SHR_S || d->kx == KX_I64_SHR_U))
        b.c &= 63;
    if (lazy_add(c, d, &a, &b)) return;
    /* A float constant goes into the code unless a pool slot holds it (a
       constant in a loop: the slot is as fast and the code shorter). */
    if (fimm_form[d->kx] && b.kind == E_CONST && (c->pool_count == 0 || pool_slot(c, b.c) == NO_POS)) {
        uint32_t sa = use(c, &a);
        entry *r = push_kind(c, E_TEMP, d->type);
        op(c, fimm_form[d->kx]); w(c, r->home); c->last_dst = pos(c) - 1; w(c, sa);
        if (d->type == KVT_F64) w64(c, b.c);
        else w(c, (uint32_t)b.c);
        return;
    }
    uint16_t imm = imm_form[d->kx];
    bool fits = b.kind == E_CONST &&
                (b.type == KVT_I32 || (int64_t)b.c == (int64_t)(int32_t)(uint32_t)b.c);
    if (imm && fits) {
        uint32_t sa = use(c, &a);
        entry *r = push_kind(c, E_TEMP, d->type);
        op4(c, imm, r->home, sa, (uint32_t)b.c);
        return;
    }
    uint32_t sa = use(c, &a);
    uint32_t sb = use(c, &b);
    if (fuse_madd(c, d, &a, &b, sa, sb)) return;
    entry *r = push_kind(c, E_TEMP, d->type);
    op4(c, d->kx, r->home, sa, sb);
}

static bool mem_fast(comp *c, const kbin_memarg *ma) {
    return ma->memory == 0 && c->m->memory_count > 0 && !c->m->memories[0].limits.is64 &&
           ma->offset <= UINT32_MAX;
}

static void emit_load(comp *c, const kbin_instr *in, const direct_op *d) {
    entry a = pop(c);
    if (is_add(&a) && mem_fast(c, &in->imm.mem)) {
        entry *r = push_kind(c, E_TEMP, d->type);
        op(c, addr_form[d->kx][a.kind == E_ADDR]); w(c, r->home); c->last_dst = pos(c) - 1;
        w(c, a.slot); w(c, (uint32_t)a.c); w(c, (uint32_t)in->imm.mem.offset);
        return;
    }
    uint32_t sa = use(c, &a);
    entry *r = push_kind(c, E_TEMP, d->type);
    if (mem_fast(c, &in->imm.mem)) {
        op(c, d->kx); w(c, r->home); c->last_dst = pos(c) - 1; w(c, sa); w(c, (uint32_t)in->imm.mem.offset);
    } else {
        op(c, KX_LOAD_G); w(c, r->home); c->last_dst = pos(c) - 1; w(c, sa);
        w64(c, in->imm.mem.offset); w(c, in->imm.mem.memory); w(c, in->op);
    }
}

static void emit_store(comp *c, const kbin_instr *in, const direct_op *d) {
    entry v = pop(c);
    entry a = pop(c);
    if (is_add(&a) && mem_fast(c, &in->imm.mem)) {
        /* Materialising 'v' writes v's home only, never a source of 'a'. */
        uint32_t sv = use(c, &v);
        op(c, addr_form[d->kx][a.kind == E_ADDR]); w(c, a.slot); w(c, (uint32_t)a.c); w(c, sv);
        w(c, (uint32_t)in->imm.mem.offset);
        return;
    }
    uint32_t sa = use(c, &a);
    uint32_t sv = use(c, &v);
    if (mem_fast(c, &in->imm.mem)) {
        op(c, d->kx); w(c, sa); w(c, sv); w(c, (uint32_t)in->imm.mem.offset);
    } else {
        op(c, KX_STORE_G); w(c, sa); w(c, sv); w64(c, in->imm.mem.offset);
        w(c, in->imm.mem.memory); w(c, in->op);
    }
}

/* Pops the call arguments into their homes; returns the base slot. */
static uint32_t call_args(comp *c, const kbin_type *t) {
    uint32_t n = t->param_count;
    if (c->stack.len < n) n = (uint32_t)c->stack.len;
    for (size_t i = c->stack.len - n; i < c->stack.len; i++) materialize(c, &c->stack.items[i]);
    uint32_t base = n ? c->stack.items[c->stack.len - n].home : top_home(c);
    c->stack.len -= n;
    return base;
}

static void call_results(comp *c, const kbin_type *t) {
    push_types(c, t->result_count, kbin_type_results(t));
}

static const kbin_type *type_at(comp *c, uint32_t index) {
    static kbin_type empty;
    return index < c->m->type_count ? &c->m->types[index] : &empty;
}

/* br_if: a fused compare-and-branch when possible, else a conditional jump
   around the value transfer. */
static void emit_br_if(comp *c, uint32_t depth) {
    ctrl *k = ctrl_at(c, depth);
    entry cond = pop(c);
    /* Fused compare+branch: the condition was produced by the previous instruction. */
    if (kcomp_transfer_free(c, k) && k->kind != CK_FUNC) {
        uint32_t at = fuse_branch(c, &cond, br_form);
        if (at != NO_POS) {
            kcomp_target_word(c, k, at);
            return;
        }
    }
    /* A counted loop's step and test (i += imm; br_if i): the i32.add_i just
       emitted computes the condition, into a temporary or a local. */
    uint32_t *code = c->code.items, at = c->last_op;
    if (kcomp_transfer_free(c, k) && k->kind != CK_FUNC && !c->oom && at != NO_POS && pos(c) == at + 4 &&
        code[at] == KX_I32_ADD_I && (cond.kind == E_TEMP || cond.kind == E_LOCAL) &&
        code[at + 1] == (cond.kind == E_LOCAL ? cond.slot : cond.home)) {
        uint32_t dst = code[at + 1], a = code[at + 2], imm = code[at + 3];
        c->code.len = at;
        op(c, KX_BR_I32_ADD_I_NZ); w(c, dst); w(c, a); w(c, imm); w(c, 0);
        kcomp_target_word(c, k, pos(c) - 1);
        return;
    }
    uint32_t sc = use(c, &cond);
    if (kcomp_transfer_free(c, k) && k->kind != CK_FUNC) {
        op(c, KX_BR_IF); w(c, sc); w(c, 0);
        kcomp_target_word(c, k, pos(c) - 1);
        return;
    }
    op(c, KX_BR_UNLESS); w(c, sc);
    uint32_t skip = pos(c);
    w(c, 0);
    kcomp_branch(c, depth);
    label_here(c);
    patch_here(c, skip);
}

static void emit_br_table(comp *c, const kbin_instr *in) {
    entry idx = pop(c);
    uint32_t si = use(c, &idx);
    uint32_t n = in->imm.br_table.count;
    op(c, KX_BR_TABLE); w(c, si); w(c, n);
    uint32_t table = pos(c);
    for (uint32_t i = 0; i <= n; i++) w(c, 0);
    if (c->oom) return;
    size_t lp = in->imm.br_table.labels;
    for (uint32_t i = 0; i <= n; i++) {
        uint32_t depth = i < n ? kbin_br_table_next(&c->r, &lp) : in->imm.br_table.default_label;
        if (depth >= c->ctrls.len) continue;
        ctrl *k = ctrl_at(c, depth);
        if (kcomp_transfer_free(c, k) && k->kind != CK_FUNC) {
            kcomp_target_word(c, k, table + i);
        } else {
            /* A stub that moves the values and jumps. */
            label_here(c);
            if (!c->oom) c->code.items[table + i] = (uint32_t)((int32_t)pos(c) - (int32_t)(table + i));
            kcomp_branch(c, depth);
        }
    }
    set_unreachable(c);
}

/* try_table: stubs for the catch clauses, then the handler's range opens. */
static void emit_try_table(comp *c, const kbin_instr *in) {
    size_t cp = in->imm.try_table.clauses;
    uint32_t count = in->imm.try_table.count;
    kcomp_clause cl[count > 0 ? count : 1];
    op(c, KX_BR);
    uint32_t over = pos(c);
    w(c, 0);
    for (uint32_t i = 0; i < count; i++) {
        kbin_catch kc;
        kbin_catch_next(&c->r, &cp, &kc);
        cl[i].kind = kc.kind;
        cl[i].tag = kc.tag;
        cl[i].dest = 0;
        cl[i].target = pos(c);
        if (kc.label >= c->ctrls.len) continue;
        ctrl *k = ctrl_at(c, kc.label);
        cl[i].dest = k->kind == CK_FUNC ? 0 : k->base;
        label_here(c);
        kcomp_jump_to(c, k);
    }
    label_here(c);
    patch_here(c, over);
    kcomp_settle_for_block(c, 0);
    ctrl *k = kcomp_push_ctrl(c, CK_TRY_TABLE, &in->imm.try_table.block);
    if (k == NULL) return;
    kcomp_settle_for_block(c, k->nparams);
    k->handler = kcomp_open_handler(c, KH_TRY_TABLE);
    if (k->handler < 0) return;
    kcomp_handler *h = &c->handlers.items[k->handler];
    h->start = pos(c);
    h->clause_first = (uint32_t)c->clauses.len;
    h->clause_count = count;
    for (uint32_t i = 0; i < count; i++)
        if (!kb_vec_push(&c->clauses, cl[i])) c->oom = true;
}

static void emit_unsupported(comp *c, uint32_t kop) {
    op(c, KX_UNSUPPORTED); w(c, kop);
    set_unreachable(c);
}

/* Legacy 'catch'/'catch_all' (exception handling, legacy): closes the previous section. */
static void emit_legacy_catch(comp *c, const kbin_instr *in) {
    ctrl *k = &c->ctrls.items[c->ctrls.len - 1];
    kcomp_settle_results(c, k);
    if (!k->unreachable) kcomp_jump_to(c, k);
    if (k->kind == CK_TRY && k->handler >= 0) c->handlers.items[k->handler].end = pos(c);
    k->kind = CK_CATCH;
    k->unreachable = false;
    c->stack.len = k->height;
    label_here(c);
    kcomp_clause cl = {in->op == KOP_CATCH ? KCATCH : KCATCH_ALL,
                       in->op == KOP_CATCH ? in->imm.index : 0, k->base, pos(c)};
    if (!kb_vec_push(&k->clauses, cl)) c->oom = true;
    if (in->op == KOP_CATCH && in->imm.index < c->m->tag_count) {
        const kbin_type *t = type_at(c, c->m->tags[in->imm.index].type);
        push_types(c, t->param_count, t->params);
    }
}

/* Legacy 'delegate l': the try's exceptions go to the handler around label l. */
static void emit_delegate(comp *c, uint32_t label) {
    ctrl *k = &c->ctrls.items[c->ctrls.len - 1];
    if (k->handler >= 0) {
        kcomp_handler *h = &c->handlers.items[k->handler];
        h->end = pos(c);
        h->kind = KH_DELEGATE;
        /* Label l counts from the block around the try (index len - 2). */
        size_t target = c->ctrls.len >= (size_t)label + 2 ? c->ctrls.len - 2 - label : 0;
        h->delegate = target == 0 ? -1 : kcomp_active_handler(c, target + 1);
    }
    c->ctrls.items[c->ctrls.len - 1].kind = CK_BLOCK;
    kcomp_end_block(c);
}

/*
** Index immediates in range. valid/ guarantees this; the check keeps an
** unvalidated module from producing code that indexes past an instance's
** arrays (input never crashes the engine).
*/
static bool indices_ok(const comp *c, const kbin_instr *in) {
    const kbin_module *m = c->m;
    uint32_t a = in->imm.idx2.a, b = in->imm.idx2.b, x = in->imm.index;
    switch (in->op) {
    case KOP_CALL: case KOP_RETURN_CALL: case KOP_REF_FUNC: return x < m->func_count;
    case KOP_CALL_INDIRECT: case KOP_RETURN_CALL_INDIRECT:
        return a < m->type_count && m->types[a].comp == KCT_FUNC && b < m->table_count;
    case KOP_CALL_REF: case KOP_RETURN_CALL_REF: return x < m->type_count && m->types[x].comp == KCT_FUNC;
    case KOP_GLOBAL_GET: case KOP_GLOBAL_SET: return x < m->global_count;
    case KOP_TABLE_GET: case KOP_TABLE_SET: case KOP_TABLE_SIZE: case KOP_TABLE_GROW:
    case KOP_TABLE_FILL:
        return x < m->table_count;
    case KOP_TABLE_COPY: return a < m->table_count && b < m->table_count;
    case KOP_TABLE_INIT: return a < m->elem_count && b < m->table_count;
    case KOP_ELEM_DROP: return x < m->elem_count;
    case KOP_MEMORY_SIZE: case KOP_MEMORY_GROW: case KOP_MEMORY_FILL: return x < m->memory_count;
    case KOP_MEMORY_COPY: return a < m->memory_count && b < m->memory_count;
    case KOP_MEMORY_INIT: return a < m->data_count && b < m->memory_count;
    case KOP_DATA_DROP: return x < m->data_count;
    case KOP_THROW: case KOP_CATCH: return x < m->tag_count;
    case KOP_LOCAL_GET: case KOP_LOCAL_SET: case KOP_LOCAL_TEE: return x < c->local_count;
    case KOP_BR: case KOP_BR_IF: case KOP_BR_ON_NULL: case KOP_BR_ON_NON_NULL:
    case KOP_RETHROW: case KOP_DELEGATE:
        return x < c->ctrls.len;
    default:
        if (kbin_ops[in->op].imm == KIMM_MEMARG) return in->imm.mem.memory < m->memory_count;
        return true;
    }
}

/* local.set and local.tee of local 'in->imm.index' (in range). */
static void emit_local_set(comp *c, const kbin_instr *in) {
    uint32_t ls = c->local_slot[in->imm.index];
    entry v = pop(c);
    bool retarget = v.kind == E_TEMP && c->last_dst != NO_POS && !c->oom &&
                    c->code.items[c->last_dst] == v.home && v.width == 1 && !slot_is_read(c, ls);
    if (retarget) {
        /* The producing instruction writes the local directly. */
        c->code.items[c->last_dst] = ls;
        c->last_dst = NO_POS;
    } else if (!(v.kind == E_LOCAL && v.slot == ls)) {
        protect_slot(c, ls);
        if (v.kind == E_CONST) emit_const(c, ls, v.c, v.type);
        else if (is_add(&v)) emit_add(c, ls, &v);
        else emit_copy(c, ls, v.kind == E_LOCAL ? v.slot : v.home, v.width);
    }
    if (in->op == KOP_LOCAL_TEE) {
        entry *e = push(c, E_LOCAL, c->local_type[in->imm.index]);
        e->slot = ls;
    }
}

static void emit_instr(comp *c, const kbin_instr *in) {
    const kbin_module *m = c->m;
    ctrl *k = &c->ctrls.items[c->ctrls.len - 1];
    const direct_op *d = &direct[in->op];
    if (op_flags[in->op] & OPF_ATOMIC) { /* 0xFE prefix */
        kcomp_emit_atomic(c, in);
        return;
    }
    switch (d->cls) {
    case KC_UN: emit_unary(c, d); return;
    case KC_BIN: emit_binary(c, d); return;
    case KC_LD: emit_load(c, in, d); return;
    case KC_ST: emit_store(c, in, d); return;
    default: break;
    }
    switch (in->op) {
    case KOP_UNREACHABLE:
        op(c, KX_UNREACHABLE);
        set_unreachable(c);
        break;
    case KOP_NOP:
        break;
    case KOP_BLOCK: case KOP_LOOP: {
        kcomp_settle_for_block(c, 0);
        ctrl *n = kcomp_push_ctrl(c, in->op == KOP_BLOCK ? CK_BLOCK : CK_LOOP, &in->imm.block);
        if (n == NULL) break;
        kcomp_settle_for_block(c, n->nparams);
        if (in->op == KOP_LOOP) {
            label_here(c);
            op(c, KX_LOOP_CHECK);
            /* Back-edges target the word after the check and do it
               themselves (exec's BACK_EDGE): one dispatch less per iteration. */
            n->loop_pc = pos(c);
        }
        break;
    }
    case KOP_IF: {
        entry cond = pop(c);
        bool known = cond.kind == E_CONST;
        uint32_t sc = known ? 0 : use(c, &cond);
        kcomp_settle_for_block(c, 0);
        ctrl *n = kcomp_push_ctrl(c, CK_IF, &in->imm.block);
        if (n == NULL) break;
        kcomp_settle_for_block(c, n->nparams);
        if (known && n->nparams == 0) {
            /* A constant condition (often one folded) picks the arm now: the
               other is dead code, skipped as after a br (core spec 4.4.8:
               'if' runs exactly one arm). No branch is emitted. */
            if (cond.c != 0) n->dead_else = true;
            else set_unreachable(c);
            break;
        }
        if (known) sc = use(c, &cond); /* its home is above the params */
        if (n->nparams > 0) {
            /* The else branch needs the params the then branch consumes. */
            n->saved = c->hidden_next;
            for (uint32_t i = 0; i < n->nparams; i++) {
                entry *e = &c->stack.items[n->height + i];
                emit_copy(c, c->hidden_next, e->home, e->width);
                c->hidden_next += e->width;
            }
        }
        n->else_patch = n->nparams ? NO_POS : fuse_branch(c, &cond, inverse);
        if (n->else_patch == NO_POS) {
            op(c, KX_BR_UNLESS); w(c, sc);
            n->else_patch = pos(c);
            w(c, 0);
        }
        break;
    }
    case KOP_ELSE: {
        kcomp_settle_results(c, k);
        if (k->dead_else) { /* the then arm falls through to the end: no code in between */
            k->kind = CK_ELSE;
            set_unreachable(c);
            break;
        }
        if (!k->unreachable) kcomp_jump_to(c, k);
        label_here(c);
        patch_here(c, k->else_patch);
        k->else_patch = NO_POS;
        k->kind = CK_ELSE;
        k->unreachable = false;
        c->stack.len = k->height;
        uint32_t s = k->saved;
        for (uint32_t i = 0; i < k->nparams; i++) {
            entry *e = push(c, E_LOCAL, k->params[i]);
            e->slot = s;
            s += e->width;
        }
        break;
    }
    case KOP_END:
        if (c->ctrls.len == 1) {
            /* The function's end: an implicit return. */
            if (!k->unreachable) kcomp_branch(c, 0);
            free_ctrl(k);
            c->ctrls.len = 0;
        } else {
            kcomp_end_block(c);
        }
        break;
    case KOP_BR:
        if (in->imm.index < c->ctrls.len) kcomp_branch(c, in->imm.index);
        set_unreachable(c);
        break;
    case KOP_BR_IF:
        if (in->imm.index < c->ctrls.len) emit_br_if(c, in->imm.index);
        break;
    case KOP_BR_TABLE:
        emit_br_table(c, in);
        break;
    case KOP_RETURN:
        kcomp_branch(c, (uint32_t)c->ctrls.len - 1);
        set_unreachable(c);
        break;
    case KOP_BR_ON_NULL: case KOP_BR_ON_NON_NULL: {
        if (in->imm.index >= c->ctrls.len || c->stack.len <= k->height) break;
        bool on_null = in->op == KOP_BR_ON_NULL;
        uint32_t sr = use(c, &c->stack.items[c->stack.len - 1]);
        entry ref = c->stack.items[c->stack.len - 1];
        if (on_null) c->stack.len--; /* br_on_null's branch does not carry the ref */
        op(c, on_null ? KX_BR_IF_NONNULL : KX_BR_IF_NULL); w(c, sr);
        uint32_t skip = pos(c);
        w(c, 0);
        kcomp_branch(c, in->imm.index);
        label_here(c);
        patch_here(c, skip);
        if (on_null) {
            if (!kb_vec_push(&c->stack, ref)) c->oom = true;
        } else {
            c->stack.len--; /* not taken: br_on_non_null drops the null */
        }
        break;
    }
    case KOP_CALL: {
        const kbin_type *t = kbin_func_type(m, in->imm.index);
        if (t == NULL) break;
        uint32_t base = call_args(c, t);
        op(c, KX_CALL); w(c, in->imm.index); w(c, base);
        call_results(c, t);
        break;
    }
    case KOP_RETURN_CALL: {
        const kbin_type *t = kbin_func_type(m, in->imm.index);
        if (t == NULL) break;
        uint32_t base = call_args(c, t);
        op(c, KX_RETURN_CALL); w(c, in->imm.index); w(c, base);
        set_unreachable(c);
        break;
    }
    case KOP_CALL_INDIRECT: case KOP_RETURN_CALL_INDIRECT: {
        const kbin_type *t = type_at(c, in->imm.idx2.a);
        entry idx = pop(c);
        materialize(c, &idx);
        uint32_t base = call_args(c, t);
        /* The index sits above the arguments' homes; the callee frame starts
           at 'base', so read it before the frame is set up (exec does). */
        op(c, in->op == KOP_CALL_INDIRECT ? KX_CALL_INDIRECT : KX_RETURN_CALL_INDIRECT);
        w(c, in->imm.idx2.a); w(c, in->imm.idx2.b); w(c, base); w(c, idx.home);
        if (in->op == KOP_CALL_INDIRECT) call_results(c, t);
        else set_unreachable(c);
        break;
    }
    case KOP_CALL_REF: case KOP_RETURN_CALL_REF: {
        const kbin_type *t = type_at(c, in->imm.index);
        entry ref = pop(c);
        materialize(c, &ref);
        uint32_t base = call_args(c, t);
        op(c, in->op == KOP_CALL_REF ? KX_CALL_REF : KX_RETURN_CALL_REF);
        w(c, base); w(c, ref.home);
        if (in->op == KOP_CALL_REF) call_results(c, t);
        else set_unreachable(c);
        break;
    }
    case KOP_DROP:
        pop(c);
        break;
    case KOP_SELECT: case KOP_SELECT_T: {
        entry cond = pop(c);
        entry b = pop(c);
        entry a = pop(c);
        kbin_valtype t = kbin_vt(a.type);
        if (in->op == KOP_SELECT_T) t = in->imm.select.type;
        else if (a.width == 2) t = kbin_vt(KVT_V128);
        if (cond.kind == E_CONST && a.width == 1) {
            /* A constant condition picks the operand now (core spec 4.4.4):
               'a' stays as it is; 'b' moves down to a's home, lazily when
               it is a local or a constant. */
            if (cond.c != 0 || b.kind == E_LOCAL || b.kind == E_CONST) {
                entry pick = cond.c != 0 ? a : b;
                entry *r = push(c, pick.kind, t);
                r->slot = pick.slot;
                r->c = pick.c;
            } else {
                uint32_t sb = use(c, &b);
                entry *r = push(c, E_TEMP, t);
                emit_copy(c, r->home, sb, 1);
            }
            break;
        }
        uint32_t sc = use(c, &cond), sb = use(c, &b), sa = use(c, &a);
        entry *r = push(c, E_TEMP, t);
        op(c, r->width == 2 ? KX_SELECT2 : KX_SELECT); w(c, r->home);
        c->last_dst = r->width == 2 ? NO_POS : pos(c) - 1;
        w(c, sa); w(c, sb); w(c, sc);
        break;
    }
    case KOP_LOCAL_GET: {
        if (in->imm.index >= c->local_count) break;
        entry *e = push(c, E_LOCAL, c->local_type[in->imm.index]);
        e->slot = c->local_slot[in->imm.index];
        break;
    }
    case KOP_LOCAL_SET: case KOP_LOCAL_TEE:
        if (in->imm.index < c->local_count) emit_local_set(c, in);
        break;
    case KOP_GLOBAL_GET: {
        if (in->imm.index >= m->global_count) break;
        entry *r = push(c, E_TEMP, m->globals[in->imm.index].type.type);
        op(c, r->width == 2 ? KX_GLOBAL_GET2 : KX_GLOBAL_GET); w(c, r->home);
        c->last_dst = r->width == 2 ? NO_POS : pos(c) - 1;
        w(c, in->imm.index);
        break;
    }
    case KOP_GLOBAL_SET: {
        entry v = pop(c);
        uint32_t sv = use(c, &v);
        op(c, v.width == 2 ? KX_GLOBAL_SET2 : KX_GLOBAL_SET); w(c, in->imm.index); w(c, sv);
        break;
    }
    case KOP_I32_CONST: push_kind(c, E_CONST, KVT_I32)->c = (uint32_t)in->imm.i32; break;
    case KOP_I64_CONST: push_kind(c, E_CONST, KVT_I64)->c = (uint64_t)in->imm.i64; break;
    case KOP_F32_CONST: push_kind(c, E_CONST, KVT_F32)->c = in->imm.f32; break;
    case KOP_F64_CONST: push_kind(c, E_CONST, KVT_F64)->c = in->imm.f64; break;
    /* Reinterpretations change the type, never the bits (slot layout). */
    case KOP_I32_REINTERPRET_F32: case KOP_I64_REINTERPRET_F64:
    case KOP_F32_REINTERPRET_I32: case KOP_F64_REINTERPRET_I64: {
        static const uint8_t to[4] = {KVT_I32, KVT_I64, KVT_F32, KVT_F64};
        if (c->stack.len > k->height)
            c->stack.items[c->stack.len - 1].type = to[in->op - KOP_I32_REINTERPRET_F32];
        break;
    }
    case KOP_MEMORY_SIZE: {
        entry *r = push_kind(c, E_TEMP, KVT_I32);
        if (in->imm.index < m->memory_count && m->memories[in->imm.index].limits.is64) r->type = KVT_I64;
        op(c, KX_MEMORY_SIZE); w(c, r->home); w(c, in->imm.index);
        break;
    }
    case KOP_MEMORY_GROW: {
        entry delta = pop(c);
        uint32_t sd = use(c, &delta);
        entry *r = push_kind(c, E_TEMP, delta.type);
        op(c, KX_MEMORY_GROW); w(c, r->home); w(c, sd); w(c, in->imm.index);
        break;
    }
    case KOP_MEMORY_FILL: case KOP_MEMORY_COPY: case KOP_MEMORY_INIT:
    case KOP_TABLE_FILL: case KOP_TABLE_COPY: case KOP_TABLE_INIT: {
        entry n = pop(c), s = pop(c), dd = pop(c);
        uint32_t sn = use(c, &n), ss = use(c, &s), sd = use(c, &dd);
        uint32_t kx = in->op == KOP_MEMORY_FILL ? KX_MEMORY_FILL
                    : in->op == KOP_MEMORY_COPY ? KX_MEMORY_COPY
                    : in->op == KOP_MEMORY_INIT ? KX_MEMORY_INIT
                    : in->op == KOP_TABLE_FILL ? KX_TABLE_FILL
                    : in->op == KOP_TABLE_COPY ? KX_TABLE_COPY : KX_TABLE_INIT;
        op(c, kx); w(c, sd); w(c, ss); w(c, sn);
        if (kx == KX_MEMORY_FILL || kx == KX_TABLE_FILL) {
            w(c, in->imm.index);
        } else if (kx == KX_MEMORY_INIT || kx == KX_TABLE_INIT) {
            w(c, in->imm.idx2.a); w(c, in->imm.idx2.b); /* segment, memory/table */
        } else {
            w(c, in->imm.idx2.a); w(c, in->imm.idx2.b); /* destination, source */
        }
        break;
    }
    case KOP_DATA_DROP: op(c, KX_DATA_DROP); w(c, in->imm.index); break;
    case KOP_ELEM_DROP: op(c, KX_ELEM_DROP); w(c, in->imm.index); break;
    case KOP_TABLE_GET: {
        entry i = pop(c);
        uint32_t si = use(c, &i);
        kbin_valtype t = in->imm.index < m->table_count ? m->tables[in->imm.index].type.elem : kbin_vt(KVT_REF);
        entry *r = push(c, E_TEMP, t);
        op(c, KX_TABLE_GET); w(c, r->home); w(c, si); w(c, in->imm.index);
        break;
    }
    case KOP_TABLE_SET: {
        entry v = pop(c), i = pop(c);
        uint32_t sv = use(c, &v), si = use(c, &i);
        op(c, KX_TABLE_SET); w(c, si); w(c, sv); w(c, in->imm.index);
        break;
    }
    case KOP_TABLE_SIZE: {
        entry *r = push_kind(c, E_TEMP, KVT_I32);
        if (in->imm.index < m->table_count && m->tables[in->imm.index].type.limits.is64) r->type = KVT_I64;
        op(c, KX_TABLE_SIZE); w(c, r->home); w(c, in->imm.index);
        break;
    }
    case KOP_TABLE_GROW: {
        entry n = pop(c), init = pop(c);
        uint32_t sn = use(c, &n), sinit = use(c, &init);
        entry *r = push_kind(c, E_TEMP, n.type);
        op(c, KX_TABLE_GROW); w(c, r->home); w(c, sinit); w(c, sn); w(c, in->imm.index);
        break;
    }
    case KOP_REF_NULL: push(c, E_CONST, kbin_ref(true, in->imm.ref.heap))->c = 0; break;
    case KOP_REF_IS_NULL: {
        entry a = pop(c);
        uint32_t sa = use(c, &a);
        entry *r = push_kind(c, E_TEMP, KVT_I32);
        op(c, KX_REF_IS_NULL); w(c, r->home); c->last_dst = pos(c) - 1; w(c, sa);
        break;
    }
    case KOP_REF_FUNC: {
        entry *r = push(c, E_TEMP, kbin_ref(false, KHT_FUNC));
        op(c, KX_REF_FUNC); w(c, r->home); w(c, in->imm.index);
        break;
    }
    case KOP_REF_EQ: {
        entry b = pop(c), a = pop(c);
        uint32_t sb = use(c, &b), sa = use(c, &a);
        entry *r = push_kind(c, E_TEMP, KVT_I32);
        op(c, KX_REF_EQ); w(c, r->home); c->last_dst = pos(c) - 1; w(c, sa); w(c, sb);
        break;
    }
    case KOP_REF_AS_NON_NULL: {
        if (c->stack.len <= k->height) break;
        uint32_t sa = use(c, &c->stack.items[c->stack.len - 1]);
        op(c, KX_REF_AS_NON_NULL); w(c, sa);
        break;
    }
    case KOP_I64_ADD128: case KOP_I64_SUB128: {
        entry bh = pop(c), bl = pop(c), ah = pop(c), al = pop(c);
        uint32_t s4 = use(c, &bh), s3 = use(c, &bl), s2 = use(c, &ah), s1 = use(c, &al);
        entry *r = push_kind(c, E_TEMP, KVT_I64);
        push_kind(c, E_TEMP, KVT_I64);
        op(c, in->op == KOP_I64_ADD128 ? KX_I64_ADD128 : KX_I64_SUB128);
        w(c, r->home); w(c, s1); w(c, s2); w(c, s3); w(c, s4);
        break;
    }
    case KOP_I64_MUL_WIDE_S: case KOP_I64_MUL_WIDE_U: {
        entry b = pop(c), a = pop(c);
        uint32_t sb = use(c, &b), sa = use(c, &a);
        entry *r = push_kind(c, E_TEMP, KVT_I64);
        push_kind(c, E_TEMP, KVT_I64);
        op(c, in->op == KOP_I64_MUL_WIDE_S ? KX_I64_MUL_WIDE_S : KX_I64_MUL_WIDE_U);
        w(c, r->home); w(c, sa); w(c, sb);
        break;
    }
    case KOP_TRY: {
        kcomp_settle_for_block(c, 0);
        ctrl *n = kcomp_push_ctrl(c, CK_TRY, &in->imm.block);
        if (n == NULL) break;
        kcomp_settle_for_block(c, n->nparams);
        label_here(c);
        n->exn_slot = c->hidden_next++;
        n->handler = kcomp_open_handler(c, KH_TRY);
        if (n->handler >= 0) c->handlers.items[n->handler].exn_slot = n->exn_slot;
        break;
    }
    case KOP_CATCH: case KOP_CATCH_ALL:
        emit_legacy_catch(c, in);
        break;
    case KOP_DELEGATE:
        emit_delegate(c, in->imm.index);
        break;
    case KOP_TRY_TABLE:
        emit_try_table(c, in);
        break;
    case KOP_THROW: {
        if (in->imm.index >= m->tag_count) break;
        const kbin_type *t = type_at(c, m->tags[in->imm.index].type);
        uint32_t base = call_args(c, t);
        op(c, KX_THROW); w(c, in->imm.index); w(c, base);
        set_unreachable(c);
        break;
    }
    case KOP_THROW_REF: {
        entry e = pop(c);
        uint32_t se = use(c, &e);
        op(c, KX_THROW_REF); w(c, se);
        set_unreachable(c);
        break;
    }
    case KOP_RETHROW: {
        /* The label names a legacy catch block (validation); anything else
           would read a slot that holds no exception. */
        ctrl *t = in->imm.index < c->ctrls.len ? ctrl_at(c, in->imm.index) : NULL;
        if (t != NULL && t->kind == CK_CATCH) {
            op(c, KX_RETHROW); w(c, t->exn_slot);
        } else {
            op(c, KX_UNREACHABLE);
        }
        set_unreachable(c);
        break;
    }
    default:
        emit_unsupported(c, in->op);
        break;
    }
}

/* ---------------------------------------------------------------- functions */

#define HDR_WORDS (sizeof(kcomp_func) / sizeof(uint32_t))
#define MAX_FRAME_SLOTS (1u << 24)

typedef KB_VEC(uint32_t) word_vec;

static bool append_words(word_vec *out, const void *p, size_t nwords) {
    if (nwords == 0) return true;
    if (!kb_vec_reserve(out, nwords)) return false;
    memcpy(out->items + out->len, p, nwords * sizeof(uint32_t));
    out->len += nwords;
    return true;
}

/* Translates the body of defined function 'fidx' and appends it to 'out'. */
/*
** The pc map only needs the positions a lookup can ask about (kcomp.h): where
** a trap is raised, the calls and loop headers a frame's position is published
** at (kexec_sample.h), and the function's start. Pairs of instructions that
** can do none of these are marked PC_QUIET while compiling (so that the
** peepholes can still move them) and dropped here; a third of the code size.
*/
#define PC_QUIET 0x80000000u

static bool pc_quiet(uint32_t kop) {
    switch (kop) {
    case KOP_LOCAL_GET: case KOP_LOCAL_SET: case KOP_LOCAL_TEE: case KOP_GLOBAL_GET: case KOP_GLOBAL_SET:
    case KOP_I32_CONST: case KOP_I64_CONST: case KOP_F32_CONST: case KOP_F64_CONST: case KOP_DROP:
    case KOP_SELECT: case KOP_SELECT_T: case KOP_NOP: case KOP_BLOCK: case KOP_BR: case KOP_BR_IF:
    case KOP_BR_TABLE: case KOP_ELSE: case KOP_END:
        return true;
    case KOP_I32_DIV_S: case KOP_I32_DIV_U: case KOP_I32_REM_S: case KOP_I32_REM_U: case KOP_I64_DIV_S:
    case KOP_I64_DIV_U: case KOP_I64_REM_S: case KOP_I64_REM_U: case KOP_I32_TRUNC_F32_S:
    case KOP_I32_TRUNC_F32_U: case KOP_I32_TRUNC_F64_S: case KOP_I32_TRUNC_F64_U: case KOP_I64_TRUNC_F32_S:
    case KOP_I64_TRUNC_F32_U: case KOP_I64_TRUNC_F64_S: case KOP_I64_TRUNC_F64_U:
        return false;
    default:
        return kop < KOP_COUNT_ && (direct[kop].cls == KC_UN || direct[kop].cls == KC_BIN);
    }
}

/* OPF_INDEX: indices_ok refuses only by comparing with a count, so a module
   with no entities and all-ones immediates finds exactly those opcodes. */
static void init_op_flags(void) {
    static const kbin_module none;
    comp c = {.m = &none};
    kbin_instr in;
    for (uint32_t op = 0; op < KOP_COUNT_; op++) {
        uint8_t f = 0;
        memset(&in, 0xFF, sizeof in);
        in.op = (uint16_t)op;
        if (!indices_ok(&c, &in)) f |= OPF_INDEX;
        if (pc_quiet(op)) f |= OPF_QUIET;
        if (kbin_ops[op].prefix == 0xFE) f |= OPF_ATOMIC;
        /* OPF_LAZY: only pushes a lazy entry, never emits code. */
        if (op == KOP_LOCAL_GET || op == KOP_I32_CONST || op == KOP_I64_CONST || op == KOP_F32_CONST ||
            op == KOP_F64_CONST)
            f |= OPF_LAZY;
        op_flags[op] = f;
        uint8_t mc = MC_OTHER;
        switch (op) {
        case KOP_LOCAL_GET: mc = MC_LOCAL_GET; break;
        case KOP_I32_CONST: mc = MC_I32_CONST; break;
        case KOP_I64_CONST: mc = MC_I64_CONST; break;
        case KOP_F32_CONST: mc = MC_F32_CONST; break;
        case KOP_F64_CONST: mc = MC_F64_CONST; break;
        case KOP_LOCAL_SET: case KOP_LOCAL_TEE: mc = MC_LOCAL_SET; break;
        default:
            if (f & OPF_ATOMIC) break; /* kcomp_emit_atomic, from emit_instr */
            if (direct[op].cls == KC_UN) mc = MC_UN;
            else if (direct[op].cls == KC_BIN) mc = MC_BIN;
            else if (direct[op].cls == KC_LD) mc = MC_LD;
            else if (direct[op].cls == KC_ST) mc = MC_ST;
            break;
        }
        op_class[op] = mc;
    }
    kcomp_scan_init();
}

/*
** Records that the instruction at wasm offset 'off' starts at the current
** code position. A quiet pair would only be dropped at the end: past the
** first two pairs (the first is always kept, and fuse_madd may swap it with
** the second) it is not recorded, and it removes a pair of the same position,
** which its code follows. Same result as recording every pair and dropping
** the quiet ones (issue 10: most instructions are quiet).
*/
static inline void pc_note(comp *c, uint32_t off, bool quiet) {
    uint32_t at = pos(c);
    size_t n = c->pcmap.len;
    if (n >= 2 && c->pcmap.items[n - 2] == at) {
        if (quiet && n > 4) c->pcmap.len = n - 2;
        else c->pcmap.items[n - 1] = quiet ? off | PC_QUIET : off;
        return;
    }
    if (quiet && n >= 4) return;
    uint32_t pair[2] = {at, quiet ? off | PC_QUIET : off};
    if (!append_words((word_vec *)&c->pcmap, pair, 2)) c->oom = true;
}

static void drop_quiet_pairs(comp *c) {
    uint32_t *pm = c->pcmap.items;
    size_t n = 0;
    for (size_t i = 0; i < c->pcmap.len; i += 2) {
        if (i > 0 && (pm[i + 1] & PC_QUIET)) continue;
        pm[n++] = pm[i];
        pm[n++] = pm[i + 1] & ~PC_QUIET;
    }
    c->pcmap.len = n;
}

/*
** Compiles defined function 'fidx' into 'out': from 'ins[0..nins)', its body
** as the validator recorded it, or when 'ins' is NULL from its bytes.
*/
MC_ATTR static kb_error *compile_func(comp *c, uint32_t fidx, word_vec *out, bool *unsupported_out,
                                      const kbin_instr *ins, size_t nins, const uint32_t *loop_consts,
                                      size_t nloop_consts) {
    const kbin_module *m = c->m;
    const kbin_func *f = &m->funcs[fidx];
    const kbin_type *t = kbin_func_type(m, fidx);
    kb_error *err = NULL;
    static const kbin_type empty;
    if (t == NULL) t = &empty;

    c->code.len = c->pcmap.len = c->stack.len = c->ctrls.len = 0;
    c->handlers.len = c->clauses.len = 0;
    c->oom = false;
    c->last_dst = c->last_op = c->prev_op = NO_POS;
    c->local_count = t->param_count + f->local_count;
    c->plinks.len = 0;
    if ((size_t)c->local_count + 1 > c->local_cap) {
        size_t cap = (size_t)c->local_count + 1;
        if (cap < 2 * c->local_cap) cap = 2 * c->local_cap;
        kb_free(c->local_slot);
        kb_free(c->local_type);
        c->local_slot = kb_malloc(cap * sizeof *c->local_slot);
        c->local_type = kb_malloc(cap * sizeof *c->local_type);
        c->local_cap = cap;
        if (c->local_slot == NULL || c->local_type == NULL) {
            c->local_cap = 0;
            err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory compiling function %u", fidx);
            goto done;
        }
    }
    uint32_t slot = 0, param_slots = 0, result_slots = 0;
    for (uint32_t i = 0; i < c->local_count; i++) {
        kbin_valtype vt = i < t->param_count ? t->params[i] : f->locals[i - t->param_count];
        c->local_type[i] = vt;
        c->local_slot[i] = slot;
        slot += width_of(vt);
        if (i + 1 == t->param_count) param_slots = slot;
        if (slot >= MAX_FRAME_SLOTS) break;
    }
    for (uint32_t i = 0; i < t->result_count; i++) result_slots += width_of(kbin_type_results(t)[i]);
    c->result_slots = result_slots;

    uint32_t hidden;
    int unsupported;
    if (ins != NULL) kcomp_prescan_instrs(c, ins, nins, loop_consts, nloop_consts, &hidden, &unsupported);
    else if ((err = kcomp_prescan(c, f, &hidden, &unsupported)) != NULL) goto done;
    if ((uint64_t)slot + hidden >= MAX_FRAME_SLOTS) {
        err = kb_error_new(KB_ERR_LIMIT, "function %u needs too many frame slots", fidx);
        goto done;
    }
    c->hidden_next = slot;
    c->pool_base = slot + hidden;
    c->temps_base = c->pool_base + c->pool_count;
    c->max_slots = c->temps_base;

    if (unsupported >= 0) {
        /* SIMD and GC heap instructions are outside the interpreter: the whole
           function becomes a stub that traps when called. */
        *unsupported_out = true;
        op(c, KX_UNSUPPORTED); w(c, (uint32_t)unsupported);
        uint32_t pair[2] = {0, f->code_offset};
        append_words((word_vec *)&c->pcmap, pair, 2);
    } else {
        ctrl fk;
        memset(&fk, 0, sizeof fk);
        fk.kind = CK_FUNC;
        fk.results = kbin_type_results(t);
        fk.nresults = t->result_count;
        fk.else_patch = NO_POS;
        fk.handler = -1;
        if (!kb_vec_push(&c->ctrls, fk)) c->oom = true;
        if (c->pool_count > 0) {
            /* The pool's writes map to the function's start (backtraces, samples). */
            uint32_t pair[2] = {0, f->code_offset};
            if (!append_words((word_vec *)&c->pcmap, pair, 2)) c->oom = true;
        }
        for (uint32_t i = 0; i < c->pool_count; i++)
            emit_const(c, c->pool_base + i, c->pool[i], (c->pool[i] >> 32) == 0 ? KVT_I32 : KVT_I64);
        /* Function entry is not a loop header but its interrupt check lives in exec's call path. */
        c->r = kbin_reader_make(m->bytes, f->body.offset, (size_t)f->body.offset + f->body.len);
        uint32_t skip_depth = 0;
        /* c->r stays set: br_table labels and catch clauses are read from it. */
        const kbin_instr *in = c->ins, *in_end = in + c->nins;
        /* Offsets at or past PC_QUIET keep their pairs (never in practice). */
        bool huge = (uint64_t)f->body.offset + f->body.len >= PC_QUIET;
        /* Only emit_instr changes the control stack or makes code unreachable
           (set_unreachable), and only it can close the function's block (its
           'end'): the top frame's flag is read again after it only (issue 10:
           not once per instruction). */
        bool dead = false;
        uint8_t fl;
        bool quiet;
        const direct_op *d;
#if MC_GOTO
        /* ORDER MC: one entry per MC_* class. */
        static const void *const mc_label[] = {&&L_MC_OTHER, &&L_MC_LOCAL_GET, &&L_MC_I32_CONST,
                                               &&L_MC_I64_CONST, &&L_MC_F32_CONST, &&L_MC_F64_CONST,
                                               &&L_MC_LOCAL_SET, &&L_MC_UN, &&L_MC_BIN, &&L_MC_LD, &&L_MC_ST};
        _Static_assert(sizeof mc_label / sizeof mc_label[0] == MC_ST + 1, "mc_label follows MC_*");
#endif
        for (; in < in_end && !c->oom; in++) {
            if (dead) {
                /* Dead code (spec 3.3: stack-polymorphic): skip to the matching else/end. */
                switch (in->op) {
                case KOP_BLOCK: case KOP_LOOP: case KOP_IF: case KOP_TRY: case KOP_TRY_TABLE:
                    skip_depth++;
                    continue;
                case KOP_END: case KOP_DELEGATE:
                    if (skip_depth) { skip_depth--; continue; }
                    break;
                case KOP_ELSE: case KOP_CATCH: case KOP_CATCH_ALL:
                    if (skip_depth) continue;
                    break;
                default:
                    continue;
                }
            }
            MC_NOTE();
            /* The most common instructions (four in five of a typical body)
               translated here, as emit_instr would: one dispatch. */
            MC_DISPATCH(op_class[in->op]) {
            MC_CASE(MC_LOCAL_GET):
                if (in->imm.index >= c->local_count) goto other;
                push(c, E_LOCAL, c->local_type[in->imm.index])->slot = c->local_slot[in->imm.index];
                MC_NEXT();
            MC_CASE(MC_I32_CONST): push_kind(c, E_CONST, KVT_I32)->c = (uint32_t)in->imm.i32; MC_NEXT();
            MC_CASE(MC_I64_CONST): push_kind(c, E_CONST, KVT_I64)->c = (uint64_t)in->imm.i64; MC_NEXT();
            MC_CASE(MC_F32_CONST): push_kind(c, E_CONST, KVT_F32)->c = in->imm.f32; MC_NEXT();
            MC_CASE(MC_F64_CONST): push_kind(c, E_CONST, KVT_F64)->c = in->imm.f64; MC_NEXT();
            MC_CASE(MC_LOCAL_SET):
                if (in->imm.index >= c->local_count) goto other;
                emit_local_set(c, in);
                MC_NEXT();
            MC_CASE(MC_UN): emit_unary(c, d); MC_NEXT();
            MC_CASE(MC_BIN): emit_binary(c, d); MC_NEXT();
            MC_CASE(MC_LD):
                if ((fl & OPF_INDEX) && !indices_ok(c, in)) goto other;
                emit_load(c, in, d);
                MC_NEXT();
            MC_CASE(MC_ST):
                if ((fl & OPF_INDEX) && !indices_ok(c, in)) goto other;
                emit_store(c, in, d);
                MC_NEXT();
            MC_CASE(MC_OTHER):
                goto other; /* not 'break': no switch with computed goto */
            }
        other:
            if ((fl & OPF_INDEX) && !indices_ok(c, in)) {
                err = kb_error_at(KB_ERR_INVALID, (int64_t)in->offset, "unknown index in %s (module not validated?)",
                                  kbin_op_name(in->op));
                goto done;
            }
            emit_instr(c, in);
            if (c->ctrls.len == 0) break;
            dead = c->ctrls.items[c->ctrls.len - 1].unreachable;
        }
#if MC_GOTO
    body_done:;
#endif
    }
    if (c->oom) {
        err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory compiling function %u", fidx);
        goto done;
    }
    uint32_t frame = c->max_slots;
    if (frame < param_slots) frame = param_slots;
    if (frame < result_slots) frame = result_slots;
    if (frame >= MAX_FRAME_SLOTS) {
        err = kb_error_new(KB_ERR_LIMIT, "function %u needs too many frame slots", fidx);
        goto done;
    }

    drop_quiet_pairs(c);
    kcomp_func h;
    memset(&h, 0, sizeof h);
    h.func_index = fidx;
    h.param_slots = param_slots;
    h.zero_slots = c->temps_base - param_slots;
    h.result_slots = result_slots;
    h.frame_slots = frame;
    h.code_len = (uint32_t)c->code.len;
    h.pcmap_off = (uint32_t)(HDR_WORDS + c->code.len);
    h.pcmap_count = (uint32_t)(c->pcmap.len / 2);
    h.handler_off = (uint32_t)(h.pcmap_off + c->pcmap.len);
    h.handler_count = (uint32_t)c->handlers.len;
    h.clause_off = (uint32_t)(h.handler_off + c->handlers.len * (sizeof(kcomp_handler) / 4));
    h.clause_count = (uint32_t)c->clauses.len;
    if (!append_words(out, &h, HDR_WORDS) || !append_words(out, c->code.items, c->code.len) ||
        !append_words(out, c->pcmap.items, c->pcmap.len) ||
        !append_words(out, c->handlers.items, c->handlers.len * (sizeof(kcomp_handler) / 4)) ||
        !append_words(out, c->clauses.items, c->clauses.len * (sizeof(kcomp_clause) / 4)))
        err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory compiling function %u", fidx);
done:
    for (size_t i = 0; i < c->ctrls.len; i++) free_ctrl(&c->ctrls.items[i]);
    c->ctrls.len = 0;
    return err;
}

/*
** kcomp_compile, and kcomp_compile_validate when 'vc' is not NULL: each body
** is then validated (kval_code_func) just before it is compiled from the
** validator's record of it. A validation error goes to *verr and ends it; a
** compile error stops the compiling, not the validation of the bodies after.
*/
static kb_error *compile_module(const kbin_module *m, kval_code *vc, kb_error **verr, kcomp_code **out) {
    *out = NULL;
    kb_error *err = NULL;
    pthread_once(&op_flags_once, init_op_flags);
    comp c;
    memset(&c, 0, sizeof c);
    c.m = m;
    word_vec words = {0};
    uint32_t i = 0;
    kcomp_code *code = kb_calloc(1, sizeof *code);
    if (code == NULL) {
        err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory compiling module");
        goto done;
    }
    code->func_count = m->func_count;
    code->func_offsets = kb_malloc(((size_t)m->func_count + 1) * sizeof *code->func_offsets);
    if (code->func_offsets == NULL) {
        err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory compiling module");
        goto done;
    }
    /* Sized from the bodies (~a word per byte of code; issue 10), only a hint. */
    size_t hint = 0;
    for (uint32_t j = 0; j < m->func_count; j++)
        if (!m->funcs[j].imported) hint += (size_t)m->funcs[j].body.len + HDR_WORDS + 4;
    if (hint > 0 && hint < ((size_t)1 << 28)) (void)kb_vec_reserve(&words, hint);
    for (; i < m->func_count; i++) {
        code->func_offsets[i] = UINT32_MAX;
        if (m->funcs[i].imported) continue;
        const kbin_instr *ins = NULL;
        const uint32_t *loop_consts = NULL;
        size_t nins = 0, nloop_consts = 0;
        if (vc != NULL) {
            if ((*verr = kval_code_func(vc, i)) != NULL) goto done;
            if (err != NULL) continue;
            ins = kval_code_instrs(vc, &nins);
            if (!kval_code_loop_consts(vc, &loop_consts, &nloop_consts)) loop_consts = NULL;
        }
        code->func_offsets[i] = (uint32_t)words.len;
        bool unsupported = false;
        if ((err = compile_func(&c, i, &words, &unsupported, ins, nins, loop_consts, nloop_consts)) != NULL) {
            if (vc == NULL) goto done;
            continue;
        }
        if (unsupported) code->unsupported_funcs++;
    }
    if (err != NULL) goto done;
    code->words = words.items;
    code->word_count = words.len;
    words.items = NULL;
done:
    /* After an early failure the bodies are still all checked (kval_module's errors first). */
    for (; vc != NULL && *verr == NULL && i < m->func_count; i++)
        if (!m->funcs[i].imported) *verr = kval_code_func(vc, i);
    kb_vec_free(&words);
    kb_vec_free(&c.code);
    kb_vec_free(&c.pcmap);
    kb_vec_free(&c.stack);
    kb_vec_free(&c.ctrls);
    kb_vec_free(&c.handlers);
    kb_vec_free(&c.clauses);
    kb_vec_free(&c.instrs);
    kb_vec_free(&c.plinks);
    kb_free(c.local_slot);
    kb_free(c.local_type);
    if (err != NULL || (verr != NULL && *verr != NULL)) {
        kcomp_code_free(code);
        return err;
    }
    *out = code;
    return NULL;
}

kb_error *kcomp_compile(const krt_engine *engine, const kbin_module *m, kcomp_code **out) {
    (void)engine;
    return compile_module(m, NULL, NULL, out);
}

kb_error *kcomp_compile_validate(const krt_engine *engine, kval_registry *reg, kbin_module *m, kcomp_code **out,
                                 kb_error **compile_err) {
    (void)engine;
    *out = NULL;
    *compile_err = NULL;
    kval_code *vc;
    kb_error *err = kval_module_begin(reg, m, &vc);
    if (err != NULL) return err;
    kb_error *cerr = compile_module(m, vc, &err, out);
    if ((err = kval_module_end(m, vc, err)) != NULL) {
        kb_error_free(cerr);
        kcomp_code_free(*out);
        *out = NULL;
        return err;
    }
    *compile_err = cerr;
    return NULL;
}


const char kcomp_build_stamp[] = __DATE__ " " __TIME__;
