/*
** kval_code.c -- validation of function bodies and constant expressions
** (core spec 3.0, 3.3 "Instructions" and the algorithm of the appendix
** "Validation Algorithm", with 3.0's local initialisation tracking).
**
** The operand stack holds canonical value types (kval_types.h), KVT_BOT for
** the unknown type of unreachable code. The control stack is an explicit
** array: nesting depth costs memory, never C stack. Every instruction is
** read once: most by kval_fast.c's fast path straight from the bytes, the
** others with kbin_read_instr; simple instructions are typed from the
** signature table kval_sigs.def, the rest by hand below.
*/
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "base/kb_buf.h"
#include "binary/kbin_reader.h"
#include "valid/kval.h"
#include "valid/kval_int.h"

/* ---------------------------------------------------------------- signatures */

typedef struct ksig {
    const char *sig;  /* "params:results" in type letters, NULL when typed by hand */
    int8_t align;     /* natural alignment (log2) of memory instructions, -1 otherwise */
    uint8_t lanes;    /* lane count bounding a lane immediate, 0 otherwise */
} ksig;

static const ksig sigs[KOP_COUNT_] = {
#define KSIG(NAME, s, a, l) [KOP_##NAME] = {s, a, l},
#include "valid/kval_sigs.def"
};

/* The signatures decoded once per process (kval_int.h), and the fast path's tables with them. */
typedef kval_csig csig;
typedef kval_frame frame;

static csig csigs[KOP_COUNT_];
static pthread_once_t csigs_once = PTHREAD_ONCE_INIT;

/* What run() notes of an instruction for kval_code_loop_consts (kval_int.h). */
enum { NK_NONE = 0, NK_LOOP, NK_END, NK_CONST, NK_IF, NK_RARE };
static uint8_t note_kind[KOP_COUNT_];

static uint8_t sig_kind(char ch) {
    switch (ch) {
    case 'i': return KVT_I32;
    case 'I': return KVT_I64;
    case 'f': return KVT_F32;
    case 'F': return KVT_F64;
    case 'v': return KVT_V128;
    default: return 0; /* 'a' */
    }
}

static void csigs_init(void) {
    for (uint32_t op = 0; op < KOP_COUNT_; op++) {
        const char *sig = sigs[op].sig;
        csigs[op].align = sigs[op].align;
        const char *colon = sig ? strchr(sig, ':') : NULL;
        if (colon == NULL) continue;
        size_t np = (size_t)(colon - sig), nr = strlen(colon + 1);
        if (np > KSIG_MAX_PARAMS || nr > KSIG_MAX_RESULTS) continue;
        csig *cs = &csigs[op];
        cs->np = (uint8_t)np;
        cs->nr = (uint8_t)nr;
        for (size_t i = 0; i < np; i++) cs->p[i] = sig_kind(sig[i]);
        for (size_t i = 0; i < nr; i++) cs->r[i] = sig_kind(colon[1 + i]);
        cs->ok = true;
        unsigned imm = kbin_ops[op].imm;
        cs->plain = imm != KIMM_MEMARG && imm != KIMM_MEMARG_LANE && imm != KIMM_LANE && imm != KIMM_SHUFFLE;
        bool numeric = true; /* no address-typed ('a') operand or result */
        for (size_t i = 0; i < np; i++) numeric = numeric && cs->p[i] != 0;
        for (size_t i = 0; i < nr; i++) numeric = numeric && cs->r[i] != 0;
        if (cs->plain && numeric && np == 1 && nr == 1) cs->fast = VF_UN;
        else if (cs->plain && numeric && np == 2 && nr == 1) cs->fast = VF_BIN;
        else if (imm == KIMM_MEMARG && kbin_ops[op].prefix != 0xFE && np == 1 && nr == 1 && cs->p[0] == 0 &&
                 cs->r[0] != 0)
            cs->fast = VF_LOAD;
        else if (imm == KIMM_MEMARG && kbin_ops[op].prefix != 0xFE && np == 2 && nr == 0 && cs->p[0] == 0 &&
                 cs->p[1] != 0)
            cs->fast = VF_STORE;
    }
    csigs[KOP_LOCAL_GET].fast = VF_LOCAL_GET;
    csigs[KOP_LOCAL_SET].fast = VF_LOCAL_SET;
    csigs[KOP_LOCAL_TEE].fast = VF_LOCAL_TEE;
    csigs[KOP_I32_CONST].fast = VF_CONST, csigs[KOP_I32_CONST].r[0] = KVT_I32;
    csigs[KOP_I64_CONST].fast = VF_CONST, csigs[KOP_I64_CONST].r[0] = KVT_I64;
    csigs[KOP_F32_CONST].fast = VF_CONST, csigs[KOP_F32_CONST].r[0] = KVT_F32;
    csigs[KOP_F64_CONST].fast = VF_CONST, csigs[KOP_F64_CONST].r[0] = KVT_F64;
    csigs[KOP_DROP].fast = VF_DROP;
    csigs[KOP_SELECT].fast = VF_SELECT;
    csigs[KOP_BLOCK].fast = VF_BLOCK;
    csigs[KOP_LOOP].fast = VF_BLOCK;
    csigs[KOP_IF].fast = VF_IF;
    csigs[KOP_ELSE].fast = VF_ELSE;
    csigs[KOP_END].fast = VF_END;
    csigs[KOP_BR].fast = VF_BR;
    csigs[KOP_BR_IF].fast = VF_BR_IF;
    csigs[KOP_CALL].fast = VF_CALL;
    for (uint32_t op = 0; op < KOP_COUNT_; op++)
        if (kbin_ops[op].prefix == 0xFB || kbin_ops[op].prefix == 0xFD) note_kind[op] = NK_RARE;
    note_kind[KOP_LOOP] = NK_LOOP;
    note_kind[KOP_END] = note_kind[KOP_DELEGATE] = NK_END;
    note_kind[KOP_I32_CONST] = note_kind[KOP_I64_CONST] = NK_CONST;
    note_kind[KOP_F32_CONST] = note_kind[KOP_F64_CONST] = NK_CONST;
    note_kind[KOP_IF] = NK_IF;
    note_kind[KOP_TRY] = NK_RARE;
    kval_fast_init(csigs);
}

/* ---------------------------------------------------------------- state */

kval_code *kval_code_new(kval_registry *reg, const kbin_module *m) {
    pthread_once(&csigs_once, csigs_init);
    kval_code *c = kb_calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->reg = reg;
    c->m = m;
    return c;
}

void kval_code_free(kval_code *c) {
    if (c == NULL) return;
    kb_vec_free(&c->vals);
    kb_vec_free(&c->ctrls);
    kb_vec_free(&c->locals);
    kb_vec_free(&c->inited);
    kb_vec_free(&c->undo);
    kb_vec_free(&c->rec);
    kb_free(c->consts);
    kb_free(c);
}

/* ---------------------------------------------------------------- errors */

#define BOT_T kbin_vt(KVT_BOT)

static kb_error *fail(kval_code *c, const char *fmt, uint32_t x) {
    int64_t off = c->in ? (int64_t)c->in->offset : -1;
    return kb_error_at(KB_ERR_INVALID, off, fmt, x);
}
static kb_error *mismatch(kval_code *c) { return fail(c, "type mismatch%.0u", 0); }

/* Text form of a canonical value type for messages ("i32", "funcref", "(ref null 3)"). */
static void vt_name(kbin_valtype t, char *buf, size_t n) {
    static const char *const abs_names[] = {
        [0x74] = "noexn", [0x73] = "nofunc", [0x72] = "noextern", [0x71] = "none",
        [0x70] = "func", [0x6F] = "extern", [0x6E] = "any", [0x6D] = "eq",
        [0x6C] = "i31", [0x6B] = "struct", [0x6A] = "array", [0x69] = "exn"};
    switch (t.kind) {
    case KVT_I32: snprintf(buf, n, "i32"); return;
    case KVT_I64: snprintf(buf, n, "i64"); return;
    case KVT_F32: snprintf(buf, n, "f32"); return;
    case KVT_F64: snprintf(buf, n, "f64"); return;
    case KVT_V128: snprintf(buf, n, "v128"); return;
    case KVT_REF: break;
    default: snprintf(buf, n, "(unknown)"); return;
    }
    const char *an = NULL;
    if (KHT_IS_ABS(t.heap) && KHT_CODE(t.heap) <= 0x74 && KHT_CODE(t.heap) >= 0x69) an = abs_names[KHT_CODE(t.heap)];
    if (an && t.nullable) snprintf(buf, n, "%sref", an);
    else if (an) snprintf(buf, n, "(ref %s)", an);
    else if (KHT_IS_ABS(t.heap)) snprintf(buf, n, t.nullable ? "(ref null bot)" : "(ref bot)");
    else snprintf(buf, n, t.nullable ? "(ref null canon:%u)" : "(ref canon:%u)", t.heap);
}

/*
** The reference interpreter's wording for an operand that does not match
** (throw.wast, try_catch.wast): "type mismatch: instruction requires [t] but
** stack has [u]" (u empty when the stack had nothing to give).
*/
static kb_error *mismatch_operand(kval_code *c, kbin_valtype want, const kbin_valtype *got) {
    char w[48], g[48] = "";
    vt_name(want, w, sizeof w);
    if (got) vt_name(*got, g, sizeof g);
    int64_t off = c->in ? (int64_t)c->in->offset : -1;
    return kb_error_at(KB_ERR_INVALID, off, "type mismatch: instruction requires [%s] but stack has [%s]", w, g);
}
static kb_error *oom(void) { return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory"); }

/* ---------------------------------------------------------------- types */

static inline kbin_valtype canon(kval_code *c, kbin_valtype t) {
    return t.kind == KVT_REF ? kval_canon_vt(c->m, t) : t; /* numeric and vector types are their own */
}

static kbin_valtype unpack(kbin_valtype t) {
    return (t.kind == KVT_I8 || t.kind == KVT_I16) ? kbin_vt(KVT_I32) : t;
}

static bool defaultable(kbin_valtype t) { return t.kind != KVT_REF || t.nullable; }

/* A module-local value type is well-formed (its type index exists). */
static kb_error *check_vt(kval_code *c, kbin_valtype t) {
    if (t.kind == KVT_REF && !KHT_IS_ABS(t.heap) && t.heap >= c->m->type_count)
        return fail(c, "unknown type %u", t.heap);
    return NULL;
}

static kb_error *type_of_kind(kval_code *c, uint32_t idx, uint8_t comp, const kbin_type **out) {
    if (idx >= c->m->type_count) return fail(c, "unknown type %u", idx);
    if (c->m->types[idx].comp != comp) return mismatch(c);
    *out = &c->m->types[idx];
    return NULL;
}

static kbin_valtype ref_to(kval_code *c, bool nullable, uint32_t type_idx) {
    return kbin_ref(nullable, c->m->types[type_idx].canon);
}

/* Block type arity and types (module-local bt, canonical results). */
static uint32_t bt_nparams(kval_code *c, const kbin_blocktype *bt) {
    return bt->kind == KBT_TYPE ? c->m->types[bt->index].param_count : 0;
}
static uint32_t bt_nresults(kval_code *c, const kbin_blocktype *bt) {
    return bt->kind == KBT_EMPTY ? 0 : bt->kind == KBT_VAL ? 1 : c->m->types[bt->index].result_count;
}
static kbin_valtype bt_param(kval_code *c, const kbin_blocktype *bt, uint32_t i) {
    return canon(c, c->m->types[bt->index].params[i]);
}
static kbin_valtype bt_result(kval_code *c, const kbin_blocktype *bt, uint32_t i) {
    if (bt->kind == KBT_VAL) return canon(c, bt->val);
    return canon(c, kbin_type_results(&c->m->types[bt->index])[i]);
}

static kb_error *check_bt(kval_code *c, const kbin_blocktype *bt) {
    if (bt->kind == KBT_VAL) return check_vt(c, bt->val);
    if (bt->kind == KBT_TYPE) {
        const kbin_type *t;
        return type_of_kind(c, bt->index, KCT_FUNC, &t);
    }
    return NULL;
}

/* The types a branch to frame 'f' carries: a loop's parameters, else its results. */
static uint32_t label_arity(kval_code *c, const frame *f) {
    return f->op == KOP_LOOP ? bt_nparams(c, &f->bt) : bt_nresults(c, &f->bt);
}
static kbin_valtype label_type(kval_code *c, const frame *f, uint32_t i) {
    return f->op == KOP_LOOP ? bt_param(c, &f->bt, i) : bt_result(c, &f->bt, i);
}

/* ---------------------------------------------------------------- stacks */

static kb_error *push_slow(kval_code *c, kbin_valtype t) {
    if (c->vals.len >= KVAL_MAX_STACK) return kb_error_new(KB_ERR_LIMIT, "operand stack too deep");
    if (!kb_vec_push(&c->vals, t)) return oom();
    return NULL;
}

/* Every instruction pushes: the common case (room left) is inline. */
static inline kb_error *push(kval_code *c, kbin_valtype t) {
    if (c->vals.len < c->vals.cap && c->vals.len < KVAL_MAX_STACK) {
        c->vals.items[c->vals.len++] = t;
        return NULL;
    }
    return push_slow(c, t);
}

static kb_error *pop(kval_code *c, kbin_valtype *out) {
    frame *f = &c->ctrls.items[c->ctrls.len - 1];
    if (c->vals.len == f->height) {
        if (f->unreachable) {
            *out = BOT_T;
            return NULL;
        }
        return mismatch(c);
    }
    *out = c->vals.items[--c->vals.len];
    return NULL;
}

static kb_error *pop_expect_slow(kval_code *c, kbin_valtype want, kbin_valtype *out) {
    kbin_valtype t;
    frame *f = &c->ctrls.items[c->ctrls.len - 1];
    if (c->vals.len == f->height && !f->unreachable) return mismatch_operand(c, want, NULL);
    kb_error *err = pop(c, &t);
    if (err) return err;
    if (!kval_vt_sub(c->reg, t, want)) return mismatch_operand(c, want, &t);
    if (out) *out = t;
    return NULL;
}

/*
** The common case inline: a value above the frame's height of exactly the
** wanted numeric or vector type (kval_vt_sub is then true without asking
** the registry). References, the unknown type and errors take the full path.
*/
static inline kb_error *pop_expect(kval_code *c, kbin_valtype want, kbin_valtype *out) {
    size_t len = c->vals.len;
    if (want.kind != KVT_REF && len > c->ctrls.items[c->ctrls.len - 1].height &&
        c->vals.items[len - 1].kind == want.kind) {
        c->vals.len = len - 1;
        if (out) *out = c->vals.items[len - 1];
        return NULL;
    }
    return pop_expect_slow(c, want, out);
}

static kb_error *pop_t(kval_code *c, kbin_valtype want) { return pop_expect(c, want, NULL); }

/* Pops a reference (or the unknown type, as (ref bot)). */
static kb_error *pop_ref(kval_code *c, kbin_valtype *out) {
    kbin_valtype t;
    kb_error *err = pop(c, &t);
    if (err) return err;
    if (t.kind == KVT_BOT) t = kbin_ref(false, KHT_BOT);
    else if (t.kind != KVT_REF) return mismatch(c);
    *out = t;
    return NULL;
}

static kb_error *pop_label(kval_code *c, const frame *f) {
    kb_error *err;
    for (uint32_t i = label_arity(c, f); i-- > 0;)
        if ((err = pop_t(c, label_type(c, f, i))) != NULL) return err;
    return NULL;
}

static kb_error *push_label(kval_code *c, const frame *f) {
    kb_error *err;
    uint32_t n = label_arity(c, f);
    for (uint32_t i = 0; i < n; i++)
        if ((err = push(c, label_type(c, f, i))) != NULL) return err;
    return NULL;
}

/* Applies a signature string ("ii:i"); 'addr' is the type letter 'a'. */
static kb_error *apply_sig_text(kval_code *c, const char *sig, kbin_valtype addr) {
    const char *colon = strchr(sig, ':');
    kb_error *err;
    for (const char *p = colon; p-- > sig;) {
        kbin_valtype t;
        switch (*p) {
        case 'i': t = kbin_vt(KVT_I32); break;
        case 'I': t = kbin_vt(KVT_I64); break;
        case 'f': t = kbin_vt(KVT_F32); break;
        case 'F': t = kbin_vt(KVT_F64); break;
        case 'v': t = kbin_vt(KVT_V128); break;
        default: t = addr; break;
        }
        if ((err = pop_t(c, t)) != NULL) return err;
    }
    for (const char *p = colon + 1; *p; p++) {
        kbin_valtype t;
        switch (*p) {
        case 'i': t = kbin_vt(KVT_I32); break;
        case 'I': t = kbin_vt(KVT_I64); break;
        case 'f': t = kbin_vt(KVT_F32); break;
        case 'F': t = kbin_vt(KVT_F64); break;
        case 'v': t = kbin_vt(KVT_V128); break;
        default: t = addr; break;
        }
        if ((err = push(c, t)) != NULL) return err;
    }
    return NULL;
}

static inline kb_error *apply_csig(kval_code *c, const csig *cs, kbin_valtype addr) {
    kb_error *err;
    for (uint32_t i = cs->np; i-- > 0;)
        if ((err = pop_t(c, cs->p[i] ? kbin_vt(cs->p[i]) : addr)) != NULL) return err;
    for (uint32_t i = 0; i < cs->nr; i++)
        if ((err = push(c, cs->r[i] ? kbin_vt(cs->r[i]) : addr)) != NULL) return err;
    return NULL;
}

static kb_error *apply_sig(kval_code *c, uint16_t op, kbin_valtype addr) {
    const csig *cs = &csigs[op];
    if (!cs->ok) return apply_sig_text(c, sigs[op].sig, addr);
    return apply_csig(c, cs, addr);
}

static kb_error *push_frame(kval_code *c, uint16_t op, const kbin_blocktype *bt) {
    if (!kb_vec_reserve(&c->ctrls, 1)) return oom();
    frame *f = &c->ctrls.items[c->ctrls.len++]; /* built in place */
    f->op = op;
    f->state = 0;
    f->unreachable = false;
    f->height = (uint32_t)c->vals.len;
    f->init_height = (uint32_t)c->undo.len;
    f->br_stamp = 0;
    f->bt = *bt;
    if (bt->kind != KBT_TYPE) return NULL;
    /* Block parameters go back on the stack inside the block. */
    uint32_t n = bt_nparams(c, bt);
    for (uint32_t i = 0; i < n; i++) {
        kb_error *err = push(c, bt_param(c, bt, i));
        if (err) return err;
    }
    return NULL;
}

/* Checks the frame's results are on the stack, exactly (end/else/catch). */
static kb_error *pop_results(kval_code *c, const frame *f) {
    kb_error *err;
    /* The common blocks, without results or with one numeric result, when
       the stack holds exactly that (the general rules below otherwise). */
    if (f->bt.kind == KBT_EMPTY && c->vals.len == f->height) return NULL;
    if (f->bt.kind == KBT_VAL && f->bt.val.kind != KVT_REF && c->vals.len == (size_t)f->height + 1 &&
        c->vals.items[f->height].kind == f->bt.val.kind) {
        c->vals.len--;
        return NULL;
    }
    for (uint32_t i = bt_nresults(c, &f->bt); i-- > 0;)
        if ((err = pop_t(c, bt_result(c, &f->bt, i))) != NULL) return err;
    if (c->vals.len != f->height) {
        /* Values left over: "type mismatch: block requires [] but stack has [i32]"
           (the wording of try_catch.wast for a block without results). */
        if (bt_nresults(c, &f->bt) == 0 && c->vals.len == f->height + 1) {
            char g[48];
            vt_name(c->vals.items[f->height], g, sizeof g);
            int64_t off = c->in ? (int64_t)c->in->offset : -1;
            return kb_error_at(KB_ERR_INVALID, off, "type mismatch: block requires [] but stack has [%s]", g);
        }
        return mismatch(c);
    }
    return NULL;
}

static void set_unreachable(kval_code *c) {
    frame *f = &c->ctrls.items[c->ctrls.len - 1];
    c->vals.len = f->height;
    f->unreachable = true;
}

static kb_error *label_frame(kval_code *c, uint32_t depth, frame **out) {
    if (depth >= c->ctrls.len) return fail(c, "unknown label %u", depth);
    *out = &c->ctrls.items[c->ctrls.len - 1 - depth];
    return NULL;
}

/* ---------------------------------------------------------------- index checks */

static kb_error *get_func(kval_code *c, uint32_t x, const kbin_type **ft) {
    if (x >= c->m->func_count) return fail(c, "unknown function %u", x);
    return type_of_kind(c, c->m->funcs[x].type, KCT_FUNC, ft);
}

static kb_error *get_table(kval_code *c, uint32_t x, const kbin_tabletype **tt) {
    if (x >= c->m->table_count) return fail(c, "unknown table %u", x);
    *tt = &c->m->tables[x].type;
    return NULL;
}

static kb_error *get_memory(kval_code *c, uint32_t x, kbin_valtype *addr) {
    if (x >= c->m->memory_count) return fail(c, "unknown memory %u", x);
    *addr = kbin_vt(c->m->memories[x].limits.is64 ? KVT_I64 : KVT_I32);
    return NULL;
}

static kb_error *get_tag(kval_code *c, uint32_t x, const kbin_type **ft) {
    if (x >= c->m->tag_count) return fail(c, "unknown tag %u", x);
    return type_of_kind(c, c->m->tags[x].type, KCT_FUNC, ft);
}

static kb_error *get_elem(kval_code *c, uint32_t x, kbin_valtype *type) {
    if (x >= c->m->elem_count) return fail(c, "unknown elem segment %u", x);
    *type = canon(c, c->m->elems[x].type);
    return NULL;
}

static kb_error *check_data(kval_code *c, uint32_t x) {
    /* An encoding rule (spec 5.5.16) the decoder's body scan checks; with
       KBIN_FEATURE_DEFER_BODIES that scan only runs when validation fails,
       so a function body must be refused here too, with the same words. */
    if (!c->const_mode && !c->m->has_data_count)
        return kb_error_at(KB_ERR_MALFORMED, c->in ? (int64_t)c->in->offset : -1, "data count section required");
    uint32_t n = c->m->has_data_count ? c->m->data_count_value : c->m->data_count;
    if (x >= n) return fail(c, "unknown data segment %u", x);
    return NULL;
}

static kbin_valtype table_addr(const kbin_tabletype *tt) {
    return kbin_vt(tt->limits.is64 ? KVT_I64 : KVT_I32);
}

static bool declared_func(const kbin_module *m, uint32_t x) {
    uint32_t lo = 0, hi = m->declared_func_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->declared_funcs[mid] == x) return true;
        if (m->declared_funcs[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return false;
}

/* memarg (spec 3.0, 3.3.7): memory exists, alignment at most natural, offset fits. */
static kb_error *check_memarg(kval_code *c, const kbin_memarg *ma, const ksig *s, bool atomic,
                              kbin_valtype *addr) {
    kb_error *err = get_memory(c, ma->memory, addr);
    if (err) return err;
    if ((int)ma->align > s->align) return fail(c, "alignment must not be larger than natural%.0u", 0);
    if (atomic && (int)ma->align != s->align) return fail(c, "alignment must be exactly natural%.0u", 0);
    if (addr->kind == KVT_I32 && ma->offset > UINT32_MAX) return fail(c, "offset out of range%.0u", 0);
    return NULL;
}

/* ---------------------------------------------------------------- calls */

static kb_error *pop_params(kval_code *c, const kbin_type *ft) {
    kb_error *err;
    for (uint32_t i = ft->param_count; i-- > 0;)
        if ((err = pop_t(c, canon(c, ft->params[i]))) != NULL) return err;
    return NULL;
}

static kb_error *push_results(kval_code *c, const kbin_type *ft) {
    kb_error *err;
    const kbin_valtype *r = kbin_type_results(ft);
    for (uint32_t i = 0; i < ft->result_count; i++)
        if ((err = push(c, canon(c, r[i]))) != NULL) return err;
    return NULL;
}

/* Tail calls (spec 3.0, return_call): the callee's results match the caller's. */
static kb_error *check_tail(kval_code *c, const kbin_type *callee) {
    const frame *fn = &c->ctrls.items[0];
    uint32_t n = bt_nresults(c, &fn->bt);
    if (callee->result_count != n) return mismatch(c);
    const kbin_valtype *r = kbin_type_results(callee);
    for (uint32_t i = 0; i < n; i++)
        if (!kval_vt_sub(c->reg, canon(c, r[i]), bt_result(c, &fn->bt, i))) return mismatch(c);
    return NULL;
}

/* ---------------------------------------------------------------- exceptions */

static kb_error *check_catch(kval_code *c, const kbin_catch *k) {
    frame *f = NULL;
    kb_error *err = label_frame(c, k->label, &f);
    if (err) return err;
    const kbin_type *ft = NULL;
    uint32_t n = 0;
    if (k->kind == KCATCH || k->kind == KCATCH_REF) {
        if ((err = get_tag(c, k->tag, &ft)) != NULL) return err;
        n = ft->param_count;
    }
    bool with_ref = k->kind == KCATCH_REF || k->kind == KCATCH_ALL_REF;
    if (label_arity(c, f) != n + with_ref) return mismatch(c);
    for (uint32_t i = 0; i < n; i++)
        if (!kval_vt_sub(c->reg, canon(c, ft->params[i]), label_type(c, f, i))) return mismatch(c);
    if (with_ref && !kval_vt_sub(c->reg, kbin_ref(false, KHT_EXN), label_type(c, f, n))) return mismatch(c);
    return NULL;
}

/* ---------------------------------------------------------------- GC */

static kb_error *get_struct_field(kval_code *c, uint32_t t, uint32_t f, const kbin_type **st) {
    kb_error *err = type_of_kind(c, t, KCT_STRUCT, st);
    if (err) return err;
    if (f >= (*st)->field_count) return fail(c, "unknown field %u", f);
    return NULL;
}

static bool packed(kbin_valtype t) { return t.kind == KVT_I8 || t.kind == KVT_I16; }

/* br_on_cast / br_on_cast_fail (spec 3.0, 3.3.x). */
static kb_error *check_br_on_cast(kval_code *c, const kbin_instr *in) {
    kb_error *err;
    kbin_valtype rt1 = in->imm.br_on_cast.from, rt2 = in->imm.br_on_cast.to;
    if ((err = check_vt(c, rt1)) != NULL || (err = check_vt(c, rt2)) != NULL) return err;
    rt1 = canon(c, rt1);
    rt2 = canon(c, rt2);
    if (!kval_vt_sub(c->reg, rt2, rt1)) return mismatch(c);
    frame *f = NULL;
    if ((err = label_frame(c, in->imm.br_on_cast.label, &f)) != NULL) return err;
    uint32_t n = label_arity(c, f);
    if (n == 0) return mismatch(c);
    kbin_valtype diff = kbin_ref(rt1.nullable && !rt2.nullable, rt1.heap);
    bool fail_variant = in->op == KOP_BR_ON_CAST_FAIL;
    kbin_valtype to_label = fail_variant ? diff : rt2;
    kbin_valtype fallthrough = fail_variant ? rt2 : diff;
    if ((err = pop_t(c, rt1)) != NULL) return err;
    if ((err = push(c, to_label)) != NULL) return err;
    f = &c->ctrls.items[c->ctrls.len - 1 - in->imm.br_on_cast.label];
    if ((err = pop_label(c, f)) != NULL) return err;
    for (uint32_t i = 0; i + 1 < n; i++)
        if ((err = push(c, label_type(c, f, i))) != NULL) return err;
    return push(c, fallthrough);
}

/* ---------------------------------------------------------------- instructions */

static bool allowed_in_const(uint16_t op) {
    switch (op) {
    case KOP_I32_CONST: case KOP_I64_CONST: case KOP_F32_CONST: case KOP_F64_CONST:
    case KOP_V128_CONST: case KOP_REF_NULL: case KOP_REF_FUNC: case KOP_GLOBAL_GET:
    case KOP_I32_ADD: case KOP_I32_SUB: case KOP_I32_MUL:
    case KOP_I64_ADD: case KOP_I64_SUB: case KOP_I64_MUL:
    case KOP_REF_I31: case KOP_STRUCT_NEW: case KOP_STRUCT_NEW_DEFAULT:
    case KOP_ARRAY_NEW: case KOP_ARRAY_NEW_DEFAULT: case KOP_ARRAY_NEW_FIXED:
    case KOP_ANY_CONVERT_EXTERN: case KOP_EXTERN_CONVERT_ANY: case KOP_END:
        return true;
    default:
        return false;
    }
}

static kb_error *step_control(kval_code *c, const kbin_instr *in, const kbin_reader *r);
static kb_error *step_other(kval_code *c, const kbin_instr *in);

static kb_error *step(kval_code *c, const kbin_instr *in, const kbin_reader *r) {
    c->in = in;
    /* Most instructions of a body take one of the VF_* shapes: checked here
       in place, with the same rules as below, and only when they hold. */
    const csig *cs = &csigs[in->op];
    if (!c->const_mode) {
        kbin_valtype *v = c->vals.items;
        size_t len = c->vals.len, h = c->ctrls.items[c->ctrls.len - 1].height;
        uint32_t x = in->imm.index;
        switch (cs->fast) {
        case VF_UN:
            if (len > h && v[len - 1].kind == cs->p[0]) {
                v[len - 1] = kbin_vt(cs->r[0]);
                return NULL;
            }
            break;
        case VF_BIN:
            if (len >= h + 2 && v[len - 1].kind == cs->p[1] && v[len - 2].kind == cs->p[0]) {
                v[len - 2] = kbin_vt(cs->r[0]);
                c->vals.len = len - 1;
                return NULL;
            }
            break;
        case VF_LOAD:
        case VF_STORE: {
            /* check_memarg's rules for memory 0 of type i32 (spec 3.3.7). */
            const kbin_memarg *ma = &in->imm.mem;
            if (ma->memory != 0 || c->m->memory_count == 0 || c->m->memories[0].limits.is64 ||
                (int)ma->align > sigs[in->op].align || ma->offset > UINT32_MAX)
                break;
            if (cs->fast == VF_LOAD && len > h && v[len - 1].kind == KVT_I32) {
                v[len - 1] = kbin_vt(cs->r[0]);
                return NULL;
            }
            if (cs->fast == VF_STORE && len >= h + 2 && v[len - 1].kind == cs->p[1] && v[len - 2].kind == KVT_I32) {
                c->vals.len = len - 2;
                return NULL;
            }
            break;
        }
        case VF_LOCAL_GET:
            if (x < c->locals.len && c->inited.items[x]) return push(c, c->locals.items[x]);
            break;
        case VF_LOCAL_SET:
        case VF_LOCAL_TEE:
            if (x < c->locals.len && c->inited.items[x]) {
                kb_error *err = pop_t(c, c->locals.items[x]);
                if (err != NULL || cs->fast == VF_LOCAL_SET) return err;
                return push(c, c->locals.items[x]);
            }
            break;
        case VF_CONST:
            return push(c, kbin_vt(cs->r[0]));
        default:
            if (cs->plain) return apply_csig(c, cs, kbin_vt(KVT_I32));
            break;
        }
    }
    if (c->const_mode && !allowed_in_const(in->op)) return fail(c, "constant expression required%.0u", 0);
    const ksig *s = &sigs[in->op];
    if (s->sig != NULL) {
        kbin_valtype addr = kbin_vt(KVT_I32);
        kb_error *err;
        unsigned imm = kbin_ops[in->op].imm;
        if (imm == KIMM_MEMARG || imm == KIMM_MEMARG_LANE) {
            bool atomic = kbin_ops[in->op].prefix == 0xFE;
            if ((err = check_memarg(c, &in->imm.mem, s, atomic, &addr)) != NULL) return err;
            if (imm == KIMM_MEMARG_LANE && in->imm.mem.lane >= s->lanes)
                return fail(c, "invalid lane index%.0u", 0);
        } else if (imm == KIMM_LANE) {
            if (in->imm.lane >= s->lanes) return fail(c, "invalid lane index%.0u", 0);
        } else if (imm == KIMM_SHUFFLE) {
            for (int i = 0; i < 16; i++)
                if (in->imm.v128[i] >= 32) return fail(c, "invalid lane index%.0u", 0);
        }
        return apply_sig(c, in->op, addr);
    }
    switch (in->op) {
    case KOP_UNREACHABLE: case KOP_NOP: case KOP_BLOCK: case KOP_LOOP: case KOP_IF: case KOP_ELSE:
    case KOP_END: case KOP_BR: case KOP_BR_IF: case KOP_BR_TABLE: case KOP_RETURN:
    case KOP_TRY: case KOP_CATCH: case KOP_CATCH_ALL: case KOP_DELEGATE: case KOP_RETHROW:
    case KOP_THROW: case KOP_THROW_REF: case KOP_TRY_TABLE: case KOP_BR_ON_NULL:
    case KOP_BR_ON_NON_NULL: case KOP_BR_ON_CAST: case KOP_BR_ON_CAST_FAIL:
    case KOP_CALL: case KOP_CALL_INDIRECT: case KOP_CALL_REF: case KOP_RETURN_CALL:
    case KOP_RETURN_CALL_INDIRECT: case KOP_RETURN_CALL_REF:
        return step_control(c, in, r);
    default:
        return step_other(c, in);
    }
}

static kb_error *step_control(kval_code *c, const kbin_instr *in, const kbin_reader *r) {
    kb_error *err;
    frame *f = NULL;
    const kbin_type *ft = NULL;
    switch (in->op) {
    case KOP_UNREACHABLE:
        set_unreachable(c);
        return NULL;
    case KOP_NOP:
        return NULL;
    case KOP_BLOCK:
    case KOP_LOOP:
    case KOP_IF:
    case KOP_TRY: {
        const kbin_blocktype *bt = &in->imm.block;
        if ((err = check_bt(c, bt)) != NULL) return err;
        if (in->op == KOP_IF && (err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        for (uint32_t i = bt_nparams(c, bt); i-- > 0;)
            if ((err = pop_t(c, bt_param(c, bt, i))) != NULL) return err;
        return push_frame(c, in->op, bt);
    }
    case KOP_TRY_TABLE: {
        const kbin_blocktype *bt = &in->imm.try_table.block;
        if ((err = check_bt(c, bt)) != NULL) return err;
        /* Catch labels are relative to the context outside the block. */
        size_t p = in->imm.try_table.clauses;
        for (uint32_t i = 0; i < in->imm.try_table.count; i++) {
            kbin_catch k;
            kbin_catch_next(r, &p, &k);
            if ((err = check_catch(c, &k)) != NULL) return err;
        }
        for (uint32_t i = bt_nparams(c, bt); i-- > 0;)
            if ((err = pop_t(c, bt_param(c, bt, i))) != NULL) return err;
        return push_frame(c, KOP_TRY_TABLE, bt);
    }
    case KOP_ELSE:
        f = &c->ctrls.items[c->ctrls.len - 1];
        if (f->op != KOP_IF || f->state != 0)
            return kb_error_at(KB_ERR_MALFORMED, in->offset, "else without if");
        if ((err = pop_results(c, f)) != NULL) return err;
        f->state = 1;
        f->unreachable = false;
        kval_reset_inits(c, f);
        for (uint32_t i = 0; i < bt_nparams(c, &f->bt); i++)
            if ((err = push(c, bt_param(c, &f->bt, i))) != NULL) return err;
        return NULL;
    case KOP_CATCH:
    case KOP_CATCH_ALL:
        f = &c->ctrls.items[c->ctrls.len - 1];
        if (f->op != KOP_TRY || f->state == 2)
            return kb_error_at(KB_ERR_MALFORMED, in->offset, "catch without try");
        if (in->op == KOP_CATCH && (err = get_tag(c, in->imm.index, &ft)) != NULL) return err;
        if ((err = pop_results(c, f)) != NULL) return err;
        f->state = in->op == KOP_CATCH ? 1 : 2;
        f->unreachable = false;
        kval_reset_inits(c, f);
        if (in->op == KOP_CATCH) {
            for (uint32_t i = 0; i < ft->param_count; i++)
                if ((err = push(c, canon(c, ft->params[i]))) != NULL) return err;
        }
        return NULL;
    case KOP_END:
    case KOP_DELEGATE: {
        f = &c->ctrls.items[c->ctrls.len - 1];
        if (in->op == KOP_DELEGATE && (f->op != KOP_TRY || f->state != 0))
            return kb_error_at(KB_ERR_MALFORMED, in->offset, "delegate without try");
        if ((err = pop_results(c, f)) != NULL) return err;
        /* 'if' without 'else': the implicit else passes the parameters through. */
        if (f->op == KOP_IF && f->state == 0) {
            uint32_t np = bt_nparams(c, &f->bt), nr = bt_nresults(c, &f->bt);
            if (np != nr) return mismatch(c);
            for (uint32_t i = 0; i < np; i++)
                if (!kval_vt_sub(c->reg, bt_param(c, &f->bt, i), bt_result(c, &f->bt, i))) return mismatch(c);
        }
        kval_reset_inits(c, f);
        frame done = *f;
        c->ctrls.len--;
        if (in->op == KOP_DELEGATE) {
            frame *target = NULL;
            if ((err = label_frame(c, in->imm.index, &target)) != NULL) return err;
        }
        if (c->ctrls.len == 0) return NULL; /* the function's own end */
        for (uint32_t i = 0; i < bt_nresults(c, &done.bt); i++)
            if ((err = push(c, bt_result(c, &done.bt, i))) != NULL) return err;
        return NULL;
    }
    case KOP_BR:
        if ((err = label_frame(c, in->imm.index, &f)) != NULL) return err;
        if ((err = pop_label(c, f)) != NULL) return err;
        set_unreachable(c);
        return NULL;
    case KOP_BR_IF:
        if ((err = label_frame(c, in->imm.index, &f)) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop_label(c, f)) != NULL) return err;
        return push_label(c, f);
    case KOP_BR_TABLE: {
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        frame *def = NULL;
        if ((err = label_frame(c, in->imm.br_table.default_label, &def)) != NULL) return err;
        uint32_t arity = label_arity(c, def);
        size_t p = in->imm.br_table.labels;
        /* Each distinct target is checked once per br_table: the operands do
           not change between labels, so a repeat gives the same answer. This
           keeps hostile tables from costing labels x arity. */
        uint32_t stamp = ++c->br_gen;
        if (stamp == 0) {
            for (size_t k = 0; k < c->ctrls.len; k++) c->ctrls.items[k].br_stamp = 0;
            stamp = c->br_gen = 1;
        }
        for (uint32_t i = 0; i <= in->imm.br_table.count; i++) {
            uint32_t l = i < in->imm.br_table.count ? kbin_br_table_next(r, &p) : in->imm.br_table.default_label;
            if ((err = label_frame(c, l, &f)) != NULL) return err;
            if (label_arity(c, f) != arity) return mismatch(c);
            if (f->br_stamp == stamp) continue;
            f->br_stamp = stamp;
            /* Check the operands against this label without consuming them. */
            size_t saved_len = c->vals.len;
            for (uint32_t k = arity; k-- > 0;) {
                if ((err = pop_t(c, label_type(c, f, k))) != NULL) return err;
            }
            c->vals.len = saved_len; /* pop only shrinks: the entries are intact */
        }
        set_unreachable(c);
        return NULL;
    }
    case KOP_RETURN:
        if ((err = pop_label(c, &c->ctrls.items[0])) != NULL) return err;
        set_unreachable(c);
        return NULL;
    case KOP_THROW:
        if ((err = get_tag(c, in->imm.index, &ft)) != NULL) return err;
        if ((err = pop_params(c, ft)) != NULL) return err;
        set_unreachable(c);
        return NULL;
    case KOP_THROW_REF:
        if ((err = pop_t(c, kbin_ref(true, KHT_EXN))) != NULL) return err;
        set_unreachable(c);
        return NULL;
    case KOP_RETHROW:
        if ((err = label_frame(c, in->imm.index, &f)) != NULL) return err;
        if (f->op != KOP_TRY || f->state == 0) return fail(c, "invalid rethrow label%.0u", 0);
        set_unreachable(c);
        return NULL;
    case KOP_BR_ON_NULL: {
        kbin_valtype rt;
        if ((err = label_frame(c, in->imm.index, &f)) != NULL) return err;
        if ((err = pop_ref(c, &rt)) != NULL) return err;
        if ((err = pop_label(c, f)) != NULL) return err;
        f = &c->ctrls.items[c->ctrls.len - 1 - in->imm.index];
        if ((err = push_label(c, f)) != NULL) return err;
        return push(c, kbin_ref(false, rt.heap));
    }
    case KOP_BR_ON_NON_NULL: {
        kbin_valtype rt;
        if ((err = label_frame(c, in->imm.index, &f)) != NULL) return err;
        uint32_t n = label_arity(c, f);
        if (n == 0 || label_type(c, f, n - 1).kind != KVT_REF) return mismatch(c);
        if ((err = pop_ref(c, &rt)) != NULL) return err;
        if ((err = push(c, kbin_ref(false, rt.heap))) != NULL) return err;
        if ((err = pop_label(c, f)) != NULL) return err;
        for (uint32_t i = 0; i + 1 < n; i++)
            if ((err = push(c, label_type(c, f, i))) != NULL) return err;
        return NULL;
    }
    case KOP_BR_ON_CAST:
    case KOP_BR_ON_CAST_FAIL:
        return check_br_on_cast(c, in);
    case KOP_CALL:
    case KOP_RETURN_CALL:
        if ((err = get_func(c, in->imm.index, &ft)) != NULL) return err;
        goto call;
    case KOP_CALL_INDIRECT:
    case KOP_RETURN_CALL_INDIRECT: {
        const kbin_tabletype *tt = NULL;
        if ((err = get_table(c, in->imm.idx2.b, &tt)) != NULL) return err;
        if (!kval_vt_sub(c->reg, canon(c, tt->elem), kbin_ref(true, KHT_FUNC))) return mismatch(c);
        if ((err = type_of_kind(c, in->imm.idx2.a, KCT_FUNC, &ft)) != NULL) return err;
        if ((err = pop_t(c, table_addr(tt))) != NULL) return err;
        goto call;
    }
    case KOP_CALL_REF:
    case KOP_RETURN_CALL_REF:
        if ((err = type_of_kind(c, in->imm.index, KCT_FUNC, &ft)) != NULL) return err;
        if ((err = pop_t(c, ref_to(c, true, in->imm.index))) != NULL) return err;
        goto call;
    default:
        return fail(c, "internal: unhandled control op %u", in->op);
    }
call:
    if ((err = pop_params(c, ft)) != NULL) return err;
    if (in->op == KOP_RETURN_CALL || in->op == KOP_RETURN_CALL_INDIRECT || in->op == KOP_RETURN_CALL_REF) {
        if ((err = check_tail(c, ft)) != NULL) return err;
        set_unreachable(c);
        return NULL;
    }
    return push_results(c, ft);
}

static kb_error *step_other(kval_code *c, const kbin_instr *in) {
    kb_error *err;
    kbin_valtype t, t2, addr, addr2;
    const kbin_tabletype *tt = NULL, *tt2 = NULL;
    const kbin_type *st = NULL, *st2 = NULL;
    const kbin_module *m = c->m;
    switch (in->op) {
    /* ---- parametric */
    case KOP_DROP:
        return pop(c, &t);
    case KOP_SELECT:
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop(c, &t)) != NULL) return err;
        if ((err = pop(c, &t2)) != NULL) return err;
        /* Untyped select is for numeric and vector operands only (3.0). */
        if (!kval_is_num_vec(t) || !kval_is_num_vec(t2)) return mismatch(c);
        if (t.kind != t2.kind && t.kind != KVT_BOT && t2.kind != KVT_BOT) return mismatch(c);
        return push(c, t.kind == KVT_BOT ? t2 : t);
    case KOP_SELECT_T:
        if (in->imm.select.count != 1) return fail(c, "invalid result arity%.0u", 0);
        if ((err = check_vt(c, in->imm.select.type)) != NULL) return err;
        t = canon(c, in->imm.select.type);
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop_t(c, t)) != NULL) return err;
        if ((err = pop_t(c, t)) != NULL) return err;
        return push(c, t);

    /* ---- variables */
    case KOP_LOCAL_GET:
        if (in->imm.index >= c->locals.len) return fail(c, "unknown local %u", in->imm.index);
        if (!c->inited.items[in->imm.index]) return fail(c, "uninitialized local %u", in->imm.index);
        return push(c, c->locals.items[in->imm.index]);
    case KOP_LOCAL_SET:
    case KOP_LOCAL_TEE: {
        uint32_t x = in->imm.index;
        if (x >= c->locals.len) return fail(c, "unknown local %u", x);
        if ((err = pop_t(c, c->locals.items[x])) != NULL) return err;
        if (!c->inited.items[x]) {
            c->inited.items[x] = 1;
            if (!kb_vec_push(&c->undo, x)) return oom();
        }
        return in->op == KOP_LOCAL_TEE ? push(c, c->locals.items[x]) : NULL;
    }
    case KOP_GLOBAL_GET:
        if (in->imm.index >= m->global_count) return fail(c, "unknown global %u", in->imm.index);
        if (c->const_mode) {
            if (in->imm.index >= c->global_limit) return fail(c, "unknown global %u", in->imm.index);
            if (m->globals[in->imm.index].type.mutable_) return fail(c, "constant expression required%.0u", 0);
        }
        return push(c, canon(c, m->globals[in->imm.index].type.type));
    case KOP_GLOBAL_SET:
        if (in->imm.index >= m->global_count) return fail(c, "unknown global %u", in->imm.index);
        if (!m->globals[in->imm.index].type.mutable_) return fail(c, "immutable global %u", in->imm.index);
        return pop_t(c, canon(c, m->globals[in->imm.index].type.type));

    /* ---- tables */
    case KOP_TABLE_GET:
        if ((err = get_table(c, in->imm.index, &tt)) != NULL) return err;
        if ((err = pop_t(c, table_addr(tt))) != NULL) return err;
        return push(c, canon(c, tt->elem));
    case KOP_TABLE_SET:
        if ((err = get_table(c, in->imm.index, &tt)) != NULL) return err;
        if ((err = pop_t(c, canon(c, tt->elem))) != NULL) return err;
        return pop_t(c, table_addr(tt));
    case KOP_TABLE_SIZE:
        if ((err = get_table(c, in->imm.index, &tt)) != NULL) return err;
        return push(c, table_addr(tt));
    case KOP_TABLE_GROW:
        if ((err = get_table(c, in->imm.index, &tt)) != NULL) return err;
        if ((err = pop_t(c, table_addr(tt))) != NULL) return err;
        if ((err = pop_t(c, canon(c, tt->elem))) != NULL) return err;
        return push(c, table_addr(tt));
    case KOP_TABLE_FILL:
        if ((err = get_table(c, in->imm.index, &tt)) != NULL) return err;
        if ((err = pop_t(c, table_addr(tt))) != NULL) return err;
        if ((err = pop_t(c, canon(c, tt->elem))) != NULL) return err;
        return pop_t(c, table_addr(tt));
    case KOP_TABLE_COPY:
        if ((err = get_table(c, in->imm.idx2.a, &tt)) != NULL) return err;
        if ((err = get_table(c, in->imm.idx2.b, &tt2)) != NULL) return err;
        if (!kval_vt_sub(c->reg, canon(c, tt2->elem), canon(c, tt->elem))) return mismatch(c);
        /* memory64/table64: the length has the smaller of the two index types. */
        t = (tt->limits.is64 && tt2->limits.is64) ? kbin_vt(KVT_I64) : kbin_vt(KVT_I32);
        if ((err = pop_t(c, t)) != NULL) return err;
        if ((err = pop_t(c, table_addr(tt2))) != NULL) return err;
        return pop_t(c, table_addr(tt));
    case KOP_TABLE_INIT:
        /* The table is checked first (table_init.wast expects "unknown table"). */
        if ((err = get_table(c, in->imm.idx2.b, &tt)) != NULL) return err;
        if ((err = get_elem(c, in->imm.idx2.a, &t)) != NULL) return err;
        if (!kval_vt_sub(c->reg, t, canon(c, tt->elem))) return mismatch(c);
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        return pop_t(c, table_addr(tt));
    case KOP_ELEM_DROP:
        return get_elem(c, in->imm.index, &t);

    /* ---- memories */
    case KOP_MEMORY_SIZE:
        if ((err = get_memory(c, in->imm.index, &addr)) != NULL) return err;
        return push(c, addr);
    case KOP_MEMORY_GROW:
        if ((err = get_memory(c, in->imm.index, &addr)) != NULL) return err;
        if ((err = pop_t(c, addr)) != NULL) return err;
        return push(c, addr);
    case KOP_MEMORY_FILL:
        if ((err = get_memory(c, in->imm.index, &addr)) != NULL) return err;
        if ((err = pop_t(c, addr)) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        return pop_t(c, addr);
    case KOP_MEMORY_COPY:
        if ((err = get_memory(c, in->imm.idx2.a, &addr)) != NULL) return err;
        if ((err = get_memory(c, in->imm.idx2.b, &addr2)) != NULL) return err;
        t = (addr.kind == KVT_I64 && addr2.kind == KVT_I64) ? addr : kbin_vt(KVT_I32);
        if ((err = pop_t(c, t)) != NULL) return err;
        if ((err = pop_t(c, addr2)) != NULL) return err;
        return pop_t(c, addr);
    case KOP_MEMORY_INIT:
        /* The memory is checked first (memory_init.wast expects "unknown memory"). */
        if ((err = get_memory(c, in->imm.idx2.b, &addr)) != NULL) return err;
        if ((err = check_data(c, in->imm.idx2.a)) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        return pop_t(c, addr);
    case KOP_DATA_DROP:
        return check_data(c, in->imm.index);
    case KOP_ATOMIC_FENCE:
        return NULL;

    /* ---- constants */
    case KOP_I32_CONST: return push(c, kbin_vt(KVT_I32));
    case KOP_I64_CONST: return push(c, kbin_vt(KVT_I64));
    case KOP_F32_CONST: return push(c, kbin_vt(KVT_F32));
    case KOP_F64_CONST: return push(c, kbin_vt(KVT_F64));

    /* ---- references */
    case KOP_REF_NULL:
        if ((err = check_vt(c, in->imm.ref)) != NULL) return err;
        return push(c, canon(c, in->imm.ref));
    case KOP_REF_IS_NULL:
        if ((err = pop_ref(c, &t)) != NULL) return err;
        return push(c, kbin_vt(KVT_I32));
    case KOP_REF_AS_NON_NULL:
        if ((err = pop_ref(c, &t)) != NULL) return err;
        return push(c, kbin_ref(false, t.heap));
    case KOP_REF_FUNC:
        if ((err = get_func(c, in->imm.index, &st)) != NULL) return err;
        /* In function bodies only declared functions may be referenced (3.4.x C.refs). */
        if (!c->const_mode && !declared_func(m, in->imm.index))
            return fail(c, "undeclared function reference %u", in->imm.index);
        return push(c, ref_to(c, false, m->funcs[in->imm.index].type));
    case KOP_REF_EQ:
        if ((err = pop_t(c, kbin_ref(true, KHT_EQ))) != NULL) return err;
        if ((err = pop_t(c, kbin_ref(true, KHT_EQ))) != NULL) return err;
        return push(c, kbin_vt(KVT_I32));
    case KOP_REF_TEST:
    case KOP_REF_TEST_NULL:
    case KOP_REF_CAST:
    case KOP_REF_CAST_NULL:
        if ((err = check_vt(c, in->imm.ref)) != NULL) return err;
        t = canon(c, in->imm.ref);
        if ((err = pop_t(c, kbin_ref(true, kval_heap_top(c->reg, t.heap)))) != NULL) return err;
        return push(c, (in->op == KOP_REF_TEST || in->op == KOP_REF_TEST_NULL) ? kbin_vt(KVT_I32) : t);
    case KOP_REF_I31:
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        return push(c, kbin_ref(false, KHT_I31));
    case KOP_I31_GET_S:
    case KOP_I31_GET_U:
        if ((err = pop_t(c, kbin_ref(true, KHT_I31))) != NULL) return err;
        return push(c, kbin_vt(KVT_I32));
    case KOP_ANY_CONVERT_EXTERN:
    case KOP_EXTERN_CONVERT_ANY: {
        bool to_any = in->op == KOP_ANY_CONVERT_EXTERN;
        if ((err = pop_ref(c, &t)) != NULL) return err;
        if (!kval_heap_sub(c->reg, t.heap, to_any ? KHT_EXTERN : KHT_ANY)) return mismatch(c);
        return push(c, kbin_ref(t.nullable, to_any ? KHT_ANY : KHT_EXTERN));
    }

    /* ---- structs */
    case KOP_STRUCT_NEW:
    case KOP_STRUCT_NEW_DEFAULT:
        if ((err = type_of_kind(c, in->imm.index, KCT_STRUCT, &st)) != NULL) return err;
        for (uint32_t i = st->field_count; i-- > 0;) {
            t = canon(c, st->fields[i].type);
            if (in->op == KOP_STRUCT_NEW_DEFAULT) {
                if (!defaultable(t)) return mismatch(c);
            } else if ((err = pop_t(c, unpack(t))) != NULL) {
                return err;
            }
        }
        return push(c, ref_to(c, false, in->imm.index));
    case KOP_STRUCT_GET:
    case KOP_STRUCT_GET_S:
    case KOP_STRUCT_GET_U:
        if ((err = get_struct_field(c, in->imm.idx2.a, in->imm.idx2.b, &st)) != NULL) return err;
        t = st->fields[in->imm.idx2.b].type;
        if (packed(t) != (in->op != KOP_STRUCT_GET)) return mismatch(c);
        if ((err = pop_t(c, ref_to(c, true, in->imm.idx2.a))) != NULL) return err;
        return push(c, unpack(canon(c, t)));
    case KOP_STRUCT_SET:
        if ((err = get_struct_field(c, in->imm.idx2.a, in->imm.idx2.b, &st)) != NULL) return err;
        if (!st->fields[in->imm.idx2.b].mutable_) return fail(c, "immutable field %u", in->imm.idx2.b);
        if ((err = pop_t(c, unpack(canon(c, st->fields[in->imm.idx2.b].type)))) != NULL) return err;
        return pop_t(c, ref_to(c, true, in->imm.idx2.a));

    /* ---- arrays */
    case KOP_ARRAY_NEW:
    case KOP_ARRAY_NEW_DEFAULT:
        if ((err = type_of_kind(c, in->imm.index, KCT_ARRAY, &st)) != NULL) return err;
        t = canon(c, st->fields[0].type);
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if (in->op == KOP_ARRAY_NEW_DEFAULT) {
            if (!defaultable(t)) return mismatch(c);
        } else if ((err = pop_t(c, unpack(t))) != NULL) {
            return err;
        }
        return push(c, ref_to(c, false, in->imm.index));
    case KOP_ARRAY_NEW_FIXED:
        if ((err = type_of_kind(c, in->imm.idx2.a, KCT_ARRAY, &st)) != NULL) return err;
        t = unpack(canon(c, st->fields[0].type));
        for (uint32_t i = 0; i < in->imm.idx2.b; i++) {
            if ((err = pop_t(c, t)) != NULL) return err;
            /* Past the stack's height only the unknown type remains: stop early. */
            if (c->vals.len == c->ctrls.items[c->ctrls.len - 1].height &&
                c->ctrls.items[c->ctrls.len - 1].unreachable)
                break;
        }
        return push(c, ref_to(c, false, in->imm.idx2.a));
    case KOP_ARRAY_NEW_DATA:
    case KOP_ARRAY_INIT_DATA:
        if ((err = type_of_kind(c, in->imm.idx2.a, KCT_ARRAY, &st)) != NULL) return err;
        t = st->fields[0].type;
        if (t.kind == KVT_REF) return fail(c, "array type is not numeric or vector%.0u", 0);
        if (in->op == KOP_ARRAY_INIT_DATA && !st->fields[0].mutable_) return fail(c, "immutable array%.0u", 0);
        if ((err = check_data(c, in->imm.idx2.b)) != NULL) return err;
        goto array_seg;
    case KOP_ARRAY_NEW_ELEM:
    case KOP_ARRAY_INIT_ELEM:
        if ((err = type_of_kind(c, in->imm.idx2.a, KCT_ARRAY, &st)) != NULL) return err;
        if (in->op == KOP_ARRAY_INIT_ELEM && !st->fields[0].mutable_) return fail(c, "immutable array%.0u", 0);
        if ((err = get_elem(c, in->imm.idx2.b, &t)) != NULL) return err;
        if (!kval_vt_sub(c->reg, t, canon(c, st->fields[0].type))) return mismatch(c);
    array_seg:
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if (in->op == KOP_ARRAY_NEW_DATA || in->op == KOP_ARRAY_NEW_ELEM)
            return push(c, ref_to(c, false, in->imm.idx2.a));
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        return pop_t(c, ref_to(c, true, in->imm.idx2.a));
    case KOP_ARRAY_GET:
    case KOP_ARRAY_GET_S:
    case KOP_ARRAY_GET_U:
        if ((err = type_of_kind(c, in->imm.index, KCT_ARRAY, &st)) != NULL) return err;
        t = st->fields[0].type;
        if (packed(t) != (in->op != KOP_ARRAY_GET)) return mismatch(c);
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop_t(c, ref_to(c, true, in->imm.index))) != NULL) return err;
        return push(c, unpack(canon(c, t)));
    case KOP_ARRAY_SET:
        if ((err = type_of_kind(c, in->imm.index, KCT_ARRAY, &st)) != NULL) return err;
        if (!st->fields[0].mutable_) return fail(c, "immutable array%.0u", 0);
        if ((err = pop_t(c, unpack(canon(c, st->fields[0].type)))) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        return pop_t(c, ref_to(c, true, in->imm.index));
    case KOP_ARRAY_LEN:
        if ((err = pop_t(c, kbin_ref(true, KHT_ARRAY))) != NULL) return err;
        return push(c, kbin_vt(KVT_I32));
    case KOP_ARRAY_FILL:
        if ((err = type_of_kind(c, in->imm.index, KCT_ARRAY, &st)) != NULL) return err;
        if (!st->fields[0].mutable_) return fail(c, "immutable array%.0u", 0);
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop_t(c, unpack(canon(c, st->fields[0].type)))) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        return pop_t(c, ref_to(c, true, in->imm.index));
    case KOP_ARRAY_COPY: {
        if ((err = type_of_kind(c, in->imm.idx2.a, KCT_ARRAY, &st)) != NULL) return err;
        if ((err = type_of_kind(c, in->imm.idx2.b, KCT_ARRAY, &st2)) != NULL) return err;
        if (!st->fields[0].mutable_) return fail(c, "immutable array%.0u", 0);
        kbin_valtype dst = canon(c, st->fields[0].type), src = canon(c, st2->fields[0].type);
        bool ok = (packed(dst) || packed(src)) ? dst.kind == src.kind : kval_vt_sub(c->reg, src, dst);
        if (!ok) return fail(c, "array types do not match%.0u", 0);
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        if ((err = pop_t(c, ref_to(c, true, in->imm.idx2.b))) != NULL) return err;
        if ((err = pop_t(c, kbin_vt(KVT_I32))) != NULL) return err;
        return pop_t(c, ref_to(c, true, in->imm.idx2.a));
    }
    default:
        return fail(c, "internal: unhandled instruction %u", in->op);
    }
}

/* ---------------------------------------------------------------- drivers */

/* Runs the instructions of [start, end) until the outermost frame closes. */
static kb_error *run(kval_code *c, size_t start, size_t end) {
    kbin_reader r = kbin_reader_make(c->m->bytes, start, end);
    kbin_instr in;
    kb_error *err;
    while (c->ctrls.len > 0) {
        if (r.pos >= r.end)
            return kb_error_at(KB_ERR_MALFORMED, (int64_t)r.pos, "unexpected end of section or function");
        if (!c->const_mode) {
            r.pos = kval_fast_run(c, r.bytes, r.pos, r.end);
            if (r.pos >= r.end) continue; /* (reported above) */
        }
        if ((err = kbin_read_instr(&r, &in)) != NULL) return err;
        /* The note for kval_code_loop_consts, as kval_fast_run keeps it. */
        uint8_t k = note_kind[in.op];
        uint32_t popped = k == NK_END ? kval_counted_loop(c->ctrls.items[c->ctrls.len - 1].op, c->ctrls.len - 1) : 0;
        if ((err = step(c, &in, &r)) != NULL) return err;
        if (c->rec.len == c->rec.cap) {
            size_t cap = c->rec.cap;
            if (!kb_vec_reserve(&c->rec, 64)) return oom(); /* also room for kval_fast_run */
            uint32_t *consts = kb_realloc(c->consts, c->rec.cap * sizeof *consts);
            if (consts == NULL) {
                c->rec.cap = cap; /* 'consts' keeps the capacity of 'rec' */
                return oom();
            }
            c->consts = consts;
        }
        switch (k) {
        case NK_LOOP: c->loops += kval_counted_loop(KOP_LOOP, c->ctrls.len - 1); break;
        case NK_END: c->loops -= popped; break;
        case NK_CONST: if (c->loops) c->consts[c->nconsts++] = (uint32_t)c->rec.len; break;
        case NK_IF: if (in.imm.block.kind == KBT_TYPE) c->rare = true; break;
        case NK_RARE: c->rare = true; break;
        default: break;
        }
        c->rec.items[c->rec.len++] = in;
    }
    c->in = NULL;
    if (r.pos != r.end) return kb_error_at(KB_ERR_MALFORMED, (int64_t)r.pos, "section size mismatch");
    return NULL;
}

static void reset(kval_code *c) {
    c->vals.len = 0;
    c->ctrls.len = 0;
    c->undo.len = 0;
    c->locals.len = 0;
    c->inited.len = 0;
    c->rec.len = 0;
    c->nconsts = 0;
    c->loops = 0;
    c->rare = false;
    c->in = NULL;
}

kb_error *kval_code_func(kval_code *c, uint32_t func_index) {
    const kbin_module *m = c->m;
    const kbin_func *f = &m->funcs[func_index];
    kb_error *err;
    reset(c);
    c->const_mode = false;
    if (f->type >= m->type_count || m->types[f->type].comp != KCT_FUNC)
        return kb_error_new(KB_ERR_INVALID, "unknown type %u", f->type);
    const kbin_type *ft = &m->types[f->type];
    size_t n = (size_t)ft->param_count + f->local_count;
    if (!kb_vec_reserve(&c->locals, n) || !kb_vec_reserve(&c->inited, n)) return oom();
    for (uint32_t i = 0; i < ft->param_count; i++) {
        c->locals.items[c->locals.len++] = canon(c, ft->params[i]);
        c->inited.items[c->inited.len++] = 1;
    }
    for (uint32_t i = 0; i < f->local_count; i++) {
        if ((err = check_vt(c, f->locals[i])) != NULL) return err;
        kbin_valtype t = canon(c, f->locals[i]);
        c->locals.items[c->locals.len++] = t;
        c->inited.items[c->inited.len++] = defaultable(t);
    }
    kbin_blocktype bt;
    memset(&bt, 0, sizeof bt);
    bt.kind = KBT_TYPE;
    bt.index = f->type;
    /* The function frame takes no parameters from the stack (they are locals). */
    frame fr;
    memset(&fr, 0, sizeof fr);
    fr.op = KOP_CALL;
    fr.bt = bt;
    if (!kb_vec_push(&c->ctrls, fr)) return oom();
    /* A function frame's label is its results, like a block's; bt_nparams is
       not used for it because the parameters were never pushed. */
    return run(c, f->body.offset, (size_t)f->body.offset + f->body.len);
}

const kbin_instr *kval_code_instrs(const kval_code *c, size_t *count) {
    *count = c->rec.len;
    return c->rec.items;
}

bool kval_code_loop_consts(const kval_code *c, const uint32_t **consts, size_t *count) {
    *consts = c->consts;
    *count = c->nconsts;
    return !c->rare;
}

kb_error *kval_code_const(kval_code *c, kbin_range expr, kbin_valtype want, uint32_t global_limit) {
    kb_error *err;
    reset(c);
    c->const_mode = true;
    c->global_limit = global_limit;
    if ((err = check_vt(c, want)) != NULL) return err;
    frame fr;
    memset(&fr, 0, sizeof fr);
    fr.op = KOP_BLOCK;
    fr.bt.kind = KBT_VAL;
    fr.bt.val = want;
    if (!kb_vec_push(&c->ctrls, fr)) return oom();
    err = run(c, expr.offset, (size_t)expr.offset + expr.len);
    c->const_mode = false;
    return err;
}
