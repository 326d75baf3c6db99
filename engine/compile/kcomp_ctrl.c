/*
** kcomp_ctrl.c -- the translator's control stack: blocks, labels and
** branches (core spec 3.3.8 "Control instructions", 4.4.8 for what a branch
** carries). A branch copies the label's values into the label's slots (the
** homes of the positions just above the label's height), so that every path
** reaches a label with its values in the same slots; forward branches are
** patched when their block ends (kcomp_end_block). The translation of the
** instructions themselves is kcomp.c's.
*/
#include <string.h>

#include "base/kb_buf.h"
#include "compile/kcomp_int.h"

/* Arity and types of a branch to 'k' (spec 3.3.x: a loop's label takes its params). */
static uint32_t label_arity(const ctrl *k, const kbin_valtype **types) {
    if (k->kind == CK_LOOP) { *types = k->params; return k->nparams; }
    *types = k->results;
    return k->nresults;
}

static void block_sig(comp *c, const kbin_blocktype *bt, ctrl *k) {
    k->nparams = k->nresults = 0;
    k->params = k->results = NULL;
    if (bt->kind == KBT_VAL) {
        k->single = bt->val;
        k->has_single = true;
        k->nresults = 1;
    } else if (bt->kind == KBT_TYPE && bt->index < c->m->type_count) {
        const kbin_type *t = &c->m->types[bt->index];
        k->params = t->params;
        k->nparams = t->param_count;
        k->results = kbin_type_results(t);
        k->nresults = t->result_count;
    }
}

/*
** Copies the top 'n' entries into the slots starting at 'dst' without
** changing the entries (the code may be on a conditional path). Values read
** from a slot inside the destination range are first copied to their own
** home, which is free on this path (only returns can have such sources).
*/
static void transfer(comp *c, uint32_t n, uint32_t dst) {
    if (n == 0 || c->stack.len < n) return;
    entry *src = &c->stack.items[c->stack.len - n];
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++) total += src[i].width;
    uint32_t d = dst;
    uint32_t from[n > 0 ? n : 1];
    bool direct[n > 0 ? n : 1]; /* a lazy add computed straight into its destination */
    for (uint32_t i = 0; i < n; i++) {
        entry *e = &src[i];
        from[i] = e->kind == E_LOCAL ? e->slot : e->home;
        direct[i] = false;
        if (e->kind == E_LOCAL && e->slot >= dst && e->slot < dst + total && e->slot != d) {
            emit_copy(c, e->home, e->slot, e->width);
            from[i] = e->home;
        } else if (is_add(e)) {
            /* A source among the destinations already written (below 'd')
               would be read overwritten: compute into the home first (free
               on this path). Sources at or above 'd' are read before written. */
            bool hazard = (e->slot >= dst && e->slot < d) ||
                          (e->kind == E_ADDR && e->c >= dst && e->c < d);
            if (hazard) emit_add(c, e->home, e);
            else direct[i] = true;
        }
        d += e->width;
    }
    d = dst;
    for (uint32_t i = 0; i < n; i++) {
        entry *e = &src[i];
        if (e->kind == E_CONST) emit_const(c, d, e->c, e->type);
        else if (direct[i]) emit_add(c, d, e);
        else emit_copy(c, d, from[i], e->width);
        d += e->width;
    }
}

/* True when a branch to 'k' needs no copies. */
bool kcomp_transfer_free(comp *c, ctrl *k) {
    const kbin_valtype *types;
    uint32_t n = label_arity(k, &types);
    if (n == 0) return true;
    if (c->stack.len < n) return true;
    uint32_t dst = k->kind == CK_FUNC ? 0 : k->base;
    entry *src = &c->stack.items[c->stack.len - n];
    for (uint32_t i = 0; i < n; i++) {
        entry *e = &src[i];
        uint32_t at = e->kind == E_LOCAL ? e->slot : e->home;
        if (e->kind == E_CONST || is_add(e) || at != dst) return false;
        dst += e->width;
    }
    return true;
}

/* Adds offset word 'at' to the words patched at the end of 'k'. */
static void add_patch(comp *c, ctrl *k, uint32_t at) {
    if (!kb_vec_reserve(&c->plinks, 2) || c->plinks.len / 2 >= UINT32_MAX - 1) {
        c->oom = true;
        return;
    }
    c->plinks.items[c->plinks.len] = at;
    c->plinks.items[c->plinks.len + 1] = k->patches;
    k->patches = (uint32_t)(c->plinks.len / 2 + 1);
    c->plinks.len += 2;
}

/* Emits the jump part of a branch to 'k' (after the values were transferred). */
void kcomp_jump_to(comp *c, ctrl *k) {
    if (k->kind == CK_FUNC) {
        op(c, KX_RETURN);
        return;
    }
    op(c, KX_BR);
    if (k->kind == CK_LOOP) {
        w_off(c, k->loop_pc);
    } else {
        add_patch(c, k, pos(c));
        w(c, 0);
    }
}

/* Adds an offset word (already emitted at 'at') to the branch targets of 'k'. */
void kcomp_target_word(comp *c, ctrl *k, uint32_t at) {
    if (k->kind == CK_LOOP) {
        if (!c->oom) c->code.items[at] = (uint32_t)((int32_t)k->loop_pc - (int32_t)at);
    } else {
        add_patch(c, k, at);
    }
}

void kcomp_branch(comp *c, uint32_t depth) {
    ctrl *k = ctrl_at(c, depth);
    const kbin_valtype *types;
    uint32_t n = label_arity(k, &types);
    if (k->kind == CK_FUNC && n == 1 && c->stack.len > 0 && !c->oom) {
        /* A single result computed by the instruction just emitted: let it
           write the result slot directly (nothing runs after it but return). */
        entry *e = &c->stack.items[c->stack.len - 1];
        if (e->kind == E_TEMP && e->width == 1 && c->last_dst != NO_POS &&
            c->code.items[c->last_dst] == e->home) {
            c->code.items[c->last_dst] = 0;
            op(c, KX_RETURN);
            return;
        }
        if ((e->kind == E_LOCAL || e->kind == E_TEMP) && e->width == 1) {
            /* One value from any slot: move and return in one instruction. */
            uint32_t src = e->kind == E_LOCAL ? e->slot : e->home;
            if (src != 0) {
                op(c, KX_RETURN1); w(c, src);
                return;
            }
        }
    }
    transfer(c, n, k->kind == CK_FUNC ? 0 : k->base);
    kcomp_jump_to(c, k);
}

/*
** Materialises what must be in place at a block boundary: every lazy local
** read (a local.set inside the block would otherwise have to materialise it
** on only one path) and the block's params.
*/
void kcomp_settle_for_block(comp *c, uint32_t nparams) {
    size_t first_param = c->stack.len >= nparams ? c->stack.len - nparams : 0;
    for (size_t i = 0; i < c->stack.len; i++) {
        entry *e = &c->stack.items[i];
        if (e->kind == E_LOCAL || is_add(e) || (i >= first_param && e->kind == E_CONST)) materialize(c, e);
    }
}

/* Innermost handler whose code range is still open (try body or try_table). */
int32_t kcomp_active_handler(comp *c, size_t from_ctrl) {
    for (size_t i = from_ctrl; i-- > 0;) {
        ctrl *k = &c->ctrls.items[i];
        if (k->kind == CK_TRY || k->kind == CK_TRY_TABLE) return k->handler;
    }
    return -1;
}

ctrl *kcomp_push_ctrl(comp *c, uint8_t kind, const kbin_blocktype *bt) {
    ctrl *old = c->ctrls.items;
    if (!kb_vec_reserve(&c->ctrls, 1)) {
        c->oom = true;
        return NULL;
    }
    if (c->ctrls.items != old) {
        /* The vector moved: re-point every block's one-result type. */
        for (size_t i = 0; i < c->ctrls.len; i++)
            if (c->ctrls.items[i].has_single) c->ctrls.items[i].results = &c->ctrls.items[i].single;
    }
    /* Built in place (issue 10: a block start is one instruction in ten). */
    ctrl *k = &c->ctrls.items[c->ctrls.len];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->else_patch = NO_POS;
    k->handler = -1;
    c->prev_op = NO_POS; /* fuse_madd never moves code across a block start */
    if (bt) block_sig(c, bt, k);
    if (k->has_single) k->results = &k->single;
    k->height = (uint32_t)(c->stack.len >= k->nparams ? c->stack.len - k->nparams : 0);
    k->base = k->height < c->stack.len ? c->stack.items[k->height].home : top_home(c);
    c->ctrls.len++;
    return k;
}

/* Reserves a handler entry starting here. */
int32_t kcomp_open_handler(comp *c, uint32_t kind) {
    kcomp_handler h;
    memset(&h, 0, sizeof h);
    h.start = pos(c);
    h.end = pos(c);
    h.kind = kind;
    /* Called right after the try's own ctrl was pushed: skip it. */
    h.parent = kcomp_active_handler(c, c->ctrls.len - 1);
    h.delegate = -1;
    if (!kb_vec_push(&c->handlers, h)) {
        c->oom = true;
        return -1;
    }
    return (int32_t)c->handlers.len - 1;
}

/* Ends the reachable fall-through of a block: its results are put home. */
void kcomp_settle_results(comp *c, ctrl *k) {
    if (k->unreachable) return;
    size_t n = k->nresults;
    for (size_t i = c->stack.len >= n ? c->stack.len - n : 0; i < c->stack.len; i++)
        materialize(c, &c->stack.items[i]);
}

static void flush_clauses(comp *c, ctrl *k) {
    if (k->handler < 0 || c->oom) return;
    kcomp_handler *h = &c->handlers.items[k->handler];
    h->clause_first = (uint32_t)c->clauses.len;
    h->clause_count = (uint32_t)k->clauses.len;
    for (size_t i = 0; i < k->clauses.len; i++)
        if (!kb_vec_push(&c->clauses, k->clauses.items[i])) c->oom = true;
}

/* 'end' of a block, loop, if, try or try_table (not the function's). */
void kcomp_end_block(comp *c) {
    ctrl *k = &c->ctrls.items[c->ctrls.len - 1];
    kcomp_settle_results(c, k);
    if (k->kind == CK_TRY_TABLE && k->handler >= 0) c->handlers.items[k->handler].end = pos(c);
    if (k->kind == CK_TRY && k->handler >= 0) c->handlers.items[k->handler].end = pos(c);
    if (k->kind == CK_TRY || k->kind == CK_CATCH) flush_clauses(c, k);
    label_here(c);
    if (k->else_patch != NO_POS) patch_here(c, k->else_patch);
    for (uint32_t p = k->patches; p != 0; p = c->plinks.items[2 * (size_t)(p - 1) + 1])
        patch_here(c, c->plinks.items[2 * (size_t)(p - 1)]);
    uint32_t height = k->height, n = k->nresults;
    const kbin_valtype *results = k->results;
    kbin_valtype single = k->single;
    if (results == &k->single) results = &single;
    free_ctrl(k);
    c->ctrls.len--;
    c->stack.len = height;
    push_types(c, n, results);
}
