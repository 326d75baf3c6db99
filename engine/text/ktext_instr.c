/*
** ktext_instr.c -- instructions in the text format (core spec 6.5
** "Instructions"): plain and folded forms, structured control with labels,
** and every immediate kind of the instruction table (ktext_optab.h),
** encoded straight into binary (spec 5.4).
*/
#include <pthread.h>
#include <string.h>

#include "text/ktext_mod.h"
#include "text/ktext_optab.h"

/* ORDER IMM: immediate kinds used by ktext_optab.h */
enum {
    KTEXT_IMM_NONE, KTEXT_IMM_STRUCT, KTEXT_IMM_BLOCK, KTEXT_IMM_LABEL, KTEXT_IMM_BR_TABLE,
    KTEXT_IMM_FUNC, KTEXT_IMM_CALL_INDIRECT, KTEXT_IMM_TYPE, KTEXT_IMM_SELECT, KTEXT_IMM_LOCAL,
    KTEXT_IMM_GLOBAL, KTEXT_IMM_TABLE, KTEXT_IMM_MEMARG, KTEXT_IMM_MEM, KTEXT_IMM_I32,
    KTEXT_IMM_I64, KTEXT_IMM_F32, KTEXT_IMM_F64, KTEXT_IMM_HEAPTYPE, KTEXT_IMM_TYPE_FIELD,
    KTEXT_IMM_TYPE_U32, KTEXT_IMM_TYPE_DATA, KTEXT_IMM_TYPE_ELEM, KTEXT_IMM_TYPE_TYPE,
    KTEXT_IMM_REFTYPE, KTEXT_IMM_BR_ON_CAST, KTEXT_IMM_MEM_INIT, KTEXT_IMM_DATA,
    KTEXT_IMM_MEM_COPY, KTEXT_IMM_TABLE_INIT, KTEXT_IMM_ELEM, KTEXT_IMM_TABLE_COPY,
    KTEXT_IMM_V128, KTEXT_IMM_SHUFFLE, KTEXT_IMM_LANE, KTEXT_IMM_MEMARG_LANE, KTEXT_IMM_FENCE,
    KTEXT_IMM_TAG
};

typedef struct op_row {
    const char *name;
    uint8_t prefix;
    uint32_t code;
    uint8_t imm;
    uint8_t arg;
} op_row;

#define KTEXT_ROW(name, prefix, code, imm, arg) {name, prefix, code, KTEXT_IMM_##imm, arg},
static const op_row ops[] = {KTEXT_OPTAB(KTEXT_ROW)};
#undef KTEXT_ROW
#define NOPS (sizeof ops / sizeof ops[0])

/* ---------------------------------------------------- keyword lookup */

#define OPHASH_SIZE 2048 /* power of two, > 2 * NOPS */
static uint16_t ophash[OPHASH_SIZE]; /* row index + 1, 0 = empty */
static pthread_once_t ophash_once = PTHREAD_ONCE_INIT;

static uint32_t name_hash(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static void ophash_build(void) {
    for (size_t i = 0; i < NOPS; i++) {
        uint32_t j = name_hash(ops[i].name, strlen(ops[i].name)) & (OPHASH_SIZE - 1);
        while (ophash[j]) j = (j + 1) & (OPHASH_SIZE - 1);
        ophash[j] = (uint16_t)(i + 1);
    }
}

static const op_row *op_lookup(const char *s, size_t n) {
    pthread_once(&ophash_once, ophash_build);
    uint32_t j = name_hash(s, n) & (OPHASH_SIZE - 1);
    while (ophash[j]) {
        const op_row *r = &ops[ophash[j] - 1];
        if (strlen(r->name) == n && memcmp(r->name, s, n) == 0) return r;
        j = (j + 1) & (OPHASH_SIZE - 1);
    }
    return NULL;
}

static const op_row *tok_op(const ktext_p *p, const ktext_tok *t) {
    if (t->kind != KTEXT_T_ATOM) return NULL;
    return op_lookup(p->src + t->off, t->len);
}

bool ktext_is_instr_token(const ktext_mod *m, const ktext_tok *t) {
    return tok_op(m->p, t) != NULL;
}

/* ------------------------------------------------------------ helpers */

#define OOM(m) ktext_oom((m)->p)
#define EMIT_BYTE(m, b, x) do { if (!kb_buf_byte((b), (x))) return OOM(m); } while (0)
#define EMIT_U(m, b, x) do { if (!kb_buf_uleb((b), (x))) return OOM(m); } while (0)
#define EMIT_S(m, b, x) do { if (!kb_buf_sleb((b), (x))) return OOM(m); } while (0)

static bool emit_op(ktext_mod *m, kb_buf *b, const op_row *op, uint32_t code) {
    if (op->prefix) {
        EMIT_BYTE(m, b, op->prefix);
        EMIT_U(m, b, code);
    } else {
        EMIT_BYTE(m, b, (uint8_t)code);
    }
    return true;
}

/* The opcode and two u32 immediates (type+field, type+segment, ...). */
static bool emit_op_pair(ktext_mod *m, kb_buf *b, const op_row *op, uint32_t x, uint32_t y) {
    if (!emit_op(m, b, op, op->code)) return false;
    EMIT_U(m, b, x);
    EMIT_U(m, b, y);
    return true;
}

static bool push_label(ktext_mod *m, const char *k, size_t n) {
    ktext_label l = {k, n, NULL, 0};
    if (!kb_vec_push(&m->labels, l)) return OOM(m);
    return true;
}

/* Optional label identifier after a block keyword (spec 6.5.2 label). */
static bool opt_label(ktext_mod *m, const char **k, size_t *n) {
    *k = NULL;
    *n = 0;
    const ktext_tok *t = ktext_peek(m->p);
    if (t->kind != KTEXT_T_ID) return true;
    if (!ktext_id_key(m->p, t, k, n)) return false;
    m->p->i++;
    return true;
}

/* Optional identifier after 'end'/'else'/'catch' that must repeat the label. */
static bool check_end_label(ktext_mod *m, const char *k, size_t n) {
    const ktext_tok *t = ktext_peek(m->p);
    if (t->kind != KTEXT_T_ID) return true;
    const char *k2;
    size_t n2;
    if (!ktext_id_key(m->p, t, &k2, &n2)) return false;
    if (k == NULL || n != n2 || memcmp(k, k2, n) != 0)
        return ktext_fail(m->p, t, "mismatching label");
    m->p->i++;
    return true;
}

static bool label_index(ktext_mod *m, uint32_t *out) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_ID) {
        const char *k;
        size_t n;
        if (!ktext_id_key(p, t, &k, &n)) return false;
        for (size_t i = m->labels.len; i-- > 0;) {
            const ktext_label *l = &m->labels.items[i];
            if (l->key && l->klen == n && memcmp(l->key, k, n) == 0) {
                *out = (uint32_t)(m->labels.len - 1 - i);
                p->i++;
                return true;
            }
        }
        return ktext_fail(p, t, "unknown label $%.*s", (int)(n > 60 ? 60 : n), k);
    }
    if (t->kind != KTEXT_T_ATOM) return ktext_unexpected(p);
    return ktext_parse_u32(p, out);
}

static bool local_index(ktext_mod *m, uint32_t *out) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_ID) {
        const char *k;
        size_t n;
        if (!ktext_id_key(p, t, &k, &n)) return false;
        if (!ktext_map_get(&m->locals, k, n, out))
            return ktext_fail(p, t, "unknown local $%.*s", (int)(n > 60 ? 60 : n), k);
        p->i++;
        return true;
    }
    if (t->kind != KTEXT_T_ATOM) return ktext_unexpected(p);
    return ktext_parse_u32(p, out);
}

/* Counts consecutive index tokens (numbers or identifiers) at the cursor. */
static unsigned count_indices(const ktext_mod *m) {
    unsigned n = 0;
    size_t i = m->p->i;
    while (i < m->p->n) {
        const ktext_tok *t = &m->p->t[i];
        if (t->kind == KTEXT_T_ID) n++;
        else if (t->kind == KTEXT_T_ATOM && m->p->src[t->off] >= '0' && m->p->src[t->off] <= '9') n++;
        else break;
        i++;
    }
    return n;
}

static bool opt_index(ktext_mod *m, int sp, uint32_t *out) {
    *out = 0;
    if (!ktext_at_index(m)) return true;
    return ktext_index(m, sp, out);
}

/* memarg (spec 6.5.6): memidx? 'offset='u64? 'align='u32? */
static bool memarg(ktext_mod *m, kb_buf *b, unsigned natural, bool allow_memidx) {
    ktext_p *p = m->p;
    uint32_t mem = 0;
    if (allow_memidx && ktext_at_index(m)) {
        /* a number directly after a lane instruction is its lane, not a memory */
        if (!ktext_index(m, KTEXT_SP_MEM, &mem)) return false;
    }
    uint64_t offset = 0;
    uint32_t align_log = natural;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_ATOM && t->len > 7 && memcmp(p->src + t->off, "offset=", 7) == 0) {
        ktext_num_status st = ktext_num_u(p->src + t->off + 7, t->len - 7, 64, &offset);
        if (st == KTEXT_NUM_RANGE) return ktext_fail(p, t, "i64 constant out of range");
        if (st != KTEXT_NUM_OK) return ktext_fail(p, t, "unknown operator '%.*s'", (int)t->len, p->src + t->off);
        p->i++;
        t = ktext_peek(p);
    }
    if (t->kind == KTEXT_T_ATOM && t->len > 6 && memcmp(p->src + t->off, "align=", 6) == 0) {
        uint64_t a;
        ktext_num_status st = ktext_num_u(p->src + t->off + 6, t->len - 6, 64, &a);
        if (st != KTEXT_NUM_OK) {
            if (st == KTEXT_NUM_RANGE) return ktext_fail(p, t, "alignment constant out of range");
            return ktext_fail(p, t, "unknown operator '%.*s'", (int)t->len, p->src + t->off);
        }
        if (a == 0 || (a & (a - 1)) != 0) return ktext_fail(p, t, "alignment must be a power of two");
        align_log = 0;
        while (((uint64_t)1 << align_log) < a) align_log++;
        p->i++;
    }
    uint32_t flags = align_log;
    if (mem != 0) flags |= 0x40;
    EMIT_U(m, b, flags);
    if (mem != 0) EMIT_U(m, b, mem);
    EMIT_U(m, b, offset);
    return true;
}

static bool lane_literal(ktext_mod *m, uint8_t *out) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    uint64_t v;
    ktext_num_status st = t->kind == KTEXT_T_ATOM ? ktext_num_u(p->src + t->off, t->len, 8, &v) : KTEXT_NUM_SYNTAX;
    if (st == KTEXT_NUM_RANGE) return ktext_fail(p, t, "malformed lane index");
    if (st != KTEXT_NUM_OK) {
        if (t->kind == KTEXT_T_ATOM) return ktext_fail(p, t, "unknown operator: expected lane index");
        return ktext_fail(p, t, "unexpected token: expected lane index");
    }
    p->i++;
    *out = (uint8_t)v;
    return true;
}

/* v128.const shape lanes (spec 6.5.x vector instructions) */
static bool v128_const(ktext_mod *m, kb_buf *b) {
    ktext_p *p = m->p;
    const ktext_tok *shape = ktext_peek(p);
    static const struct {
        const char *name;
        unsigned lanes, bits;
        bool fl;
    } shapes[] = {{"i8x16", 16, 8, false}, {"i16x8", 8, 16, false}, {"i32x4", 4, 32, false},
                  {"i64x2", 2, 64, false}, {"f32x4", 4, 32, true},  {"f64x2", 2, 64, true}};
    size_t s = 0;
    while (s < 6 && !ktext_tok_is(p, shape, shapes[s].name)) s++;
    if (s == 6) {
        if (shape->kind == KTEXT_T_ATOM) return ktext_fail(p, shape, "unknown operator: expected vector shape");
        return ktext_unexpected(p);
    }
    p->i++;
    uint8_t bytes[16];
    unsigned w = shapes[s].bits / 8;
    for (unsigned l = 0; l < shapes[s].lanes; l++) {
        const ktext_tok *t = ktext_peek(p);
        if (t->kind != KTEXT_T_ATOM) return ktext_fail(p, t, "wrong number of lane literals");
        uint64_t v = 0;
        bool ok;
        if (shapes[s].fl && w == 4) {
            uint32_t f;
            ok = ktext_parse_f32(p, &f);
            v = f;
        } else if (shapes[s].fl) {
            ok = ktext_parse_f64(p, &v);
        } else {
            ktext_num_status st = ktext_num_i(p->src + t->off, t->len, shapes[s].bits, &v);
            if (st == KTEXT_NUM_RANGE) return ktext_fail(p, t, "constant out of range");
            if (st != KTEXT_NUM_OK) return ktext_fail(p, t, "unknown operator '%.*s'", (int)t->len, p->src + t->off);
            p->i++;
            ok = true;
        }
        if (!ok) return false;
        for (unsigned k = 0; k < w; k++) bytes[l * w + k] = (uint8_t)(v >> (8 * k));
    }
    if (ktext_peek(p)->kind == KTEXT_T_ATOM && ktext_at_num(p))
        return ktext_fail(p, NULL, "wrong number of lane literals");
    if (!kb_buf_append(b, bytes, 16)) return OOM(m);
    return true;
}

/* ----------------------------------------------- plain instructions */

/*
** Immediates of a plain (non-block) instruction 'op' (spec 6.5.x), emitting
** the opcode and its immediates into 'b'.
*/
static bool plain_immediates(ktext_mod *m, const op_row *op, const ktext_tok *at, kb_buf *b) {
    ktext_p *p = m->p;
    uint32_t x = 0, y = 0;
    switch (op->imm) {
    case KTEXT_IMM_NONE:
        return emit_op(m, b, op, op->code);
    case KTEXT_IMM_STRUCT:
    case KTEXT_IMM_BLOCK:
        return ktext_fail(p, at, "unexpected token '%s'", op->name);
    case KTEXT_IMM_LABEL:
        if (!label_index(m, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    case KTEXT_IMM_BR_TABLE: {
        KB_VEC(uint32_t) ls = {0};
        bool ok = true;
        while (ok && ktext_at_index(m)) ok = label_index(m, &x) && (kb_vec_push(&ls, x) || OOM(m));
        if (ok && ls.len == 0) ok = ktext_unexpected(p);
        if (ok) ok = emit_op(m, b, op, op->code) && (kb_buf_uleb(b, ls.len - 1) || OOM(m));
        for (size_t i = 0; ok && i < ls.len; i++) ok = kb_buf_uleb(b, ls.items[i]) || OOM(m);
        kb_vec_free(&ls);
        return ok;
    }
    case KTEXT_IMM_FUNC:
        if (!ktext_index(m, KTEXT_SP_FUNC, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    case KTEXT_IMM_CALL_INDIRECT:
        if (!opt_index(m, KTEXT_SP_TABLE, &y) || !ktext_typeuse(m, &x, NULL)) return false;
        if (!emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        EMIT_U(m, b, y);
        return true;
    case KTEXT_IMM_TYPE:
        if (!ktext_index(m, KTEXT_SP_TYPE, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    case KTEXT_IMM_SELECT: {
        kb_buf tb = {0};
        uint32_t n = 0;
        bool typed = false, ok = true;
        while (ok && ktext_at_sexpr(p, "result")) {
            p->i += 2;
            typed = true;
            while (ok && ktext_peek(p)->kind != KTEXT_T_RPAR) {
                ktext_vt vt;
                ok = ktext_valtype(m, &vt) && (ktext_vt_emit(&tb, &vt) || OOM(m));
                n++;
            }
            if (ok) ok = ktext_expect_rpar(p);
        }
        if (ok) {
            if (typed) ok = (kb_buf_byte(b, 0x1C) && kb_buf_uleb(b, n) && kb_buf_append(b, tb.data, tb.len)) || OOM(m);
            else ok = kb_buf_byte(b, 0x1B) || OOM(m);
        }
        kb_buf_free(&tb);
        return ok;
    }
    case KTEXT_IMM_LOCAL:
        if (!local_index(m, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    case KTEXT_IMM_GLOBAL:
        if (!ktext_index(m, KTEXT_SP_GLOBAL, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    case KTEXT_IMM_TABLE:
        if (!opt_index(m, KTEXT_SP_TABLE, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    case KTEXT_IMM_MEMARG:
        if (!emit_op(m, b, op, op->code)) return false;
        return memarg(m, b, op->arg, true);
    case KTEXT_IMM_MEMARG_LANE: {
        /* memidx? memarg lane: with two numbers the first is the memory */
        if (!emit_op(m, b, op, op->code)) return false;
        const ktext_tok *t2 = ktext_peek2(p);
        bool memidx = ktext_peek(p)->kind == KTEXT_T_ID ||
                      (ktext_at_num(p) && t2->kind == KTEXT_T_ATOM &&
                       ((p->src[t2->off] >= '0' && p->src[t2->off] <= '9') ||
                        (t2->len > 6 && (memcmp(p->src + t2->off, "offset=", 7) == 0 ||
                                         memcmp(p->src + t2->off, "align=", 6) == 0))));
        uint8_t lane;
        return memarg(m, b, op->arg, memidx) && lane_literal(m, &lane) && (kb_buf_byte(b, lane) || OOM(m));
    }
    case KTEXT_IMM_MEM:
        if (!opt_index(m, KTEXT_SP_MEM, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    case KTEXT_IMM_I32: {
        uint32_t v;
        if (!ktext_parse_i32(p, &v) || !emit_op(m, b, op, op->code)) return false;
        EMIT_S(m, b, (int32_t)v);
        return true;
    }
    case KTEXT_IMM_I64: {
        uint64_t v;
        if (!ktext_parse_i64(p, &v) || !emit_op(m, b, op, op->code)) return false;
        EMIT_S(m, b, (int64_t)v);
        return true;
    }
    case KTEXT_IMM_F32: {
        uint32_t v;
        if (!ktext_parse_f32(p, &v) || !emit_op(m, b, op, op->code)) return false;
        uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
        if (!kb_buf_append(b, le, 4)) return OOM(m);
        return true;
    }
    case KTEXT_IMM_F64: {
        uint64_t v;
        if (!ktext_parse_f64(p, &v) || !emit_op(m, b, op, op->code)) return false;
        uint8_t le[8];
        for (int k = 0; k < 8; k++) le[k] = (uint8_t)(v >> (8 * k));
        if (!kb_buf_append(b, le, 8)) return OOM(m);
        return true;
    }
    case KTEXT_IMM_HEAPTYPE: {
        ktext_vt vt;
        if (!ktext_heaptype(m, &vt) || !emit_op(m, b, op, op->code)) return false;
        if (!ktext_ht_emit(b, &vt)) return OOM(m);
        return true;
    }
    case KTEXT_IMM_TYPE_FIELD:
        if (!ktext_index(m, KTEXT_SP_TYPE, &x) || !ktext_field_index(m, x, &y)) return false;
        return emit_op_pair(m, b, op, x, y);
    case KTEXT_IMM_TYPE_U32:
        if (!ktext_index(m, KTEXT_SP_TYPE, &x) || !ktext_parse_u32(p, &y)) return false;
        return emit_op_pair(m, b, op, x, y);
    case KTEXT_IMM_TYPE_DATA:
        m->uses_data_count = true;
        if (!ktext_index(m, KTEXT_SP_TYPE, &x) || !ktext_index(m, KTEXT_SP_DATA, &y)) return false;
        return emit_op_pair(m, b, op, x, y);
    case KTEXT_IMM_TYPE_ELEM:
        if (!ktext_index(m, KTEXT_SP_TYPE, &x) || !ktext_index(m, KTEXT_SP_ELEM, &y)) return false;
        return emit_op_pair(m, b, op, x, y);
    case KTEXT_IMM_TYPE_TYPE:
        if (!ktext_index(m, KTEXT_SP_TYPE, &x) || !ktext_index(m, KTEXT_SP_TYPE, &y)) return false;
        return emit_op_pair(m, b, op, x, y);
    case KTEXT_IMM_REFTYPE: {
        /* ref.test/ref.cast (ref null? ht): the null form is the next opcode */
        ktext_vt vt;
        if (!ktext_reftype(m, &vt)) return false;
        if (!emit_op(m, b, op, op->code + (vt.null ? 1 : 0))) return false;
        if (!ktext_ht_emit(b, &vt)) return OOM(m);
        return true;
    }
    case KTEXT_IMM_BR_ON_CAST: {
        ktext_vt a, c;
        if (!label_index(m, &x) || !ktext_reftype(m, &a) || !ktext_reftype(m, &c)) return false;
        if (!emit_op(m, b, op, op->code)) return false;
        EMIT_BYTE(m, b, (uint8_t)((a.null ? 1 : 0) | (c.null ? 2 : 0)));
        EMIT_U(m, b, x);
        if (!ktext_ht_emit(b, &a) || !ktext_ht_emit(b, &c)) return OOM(m);
        return true;
    }
    case KTEXT_IMM_MEM_INIT:
        m->uses_data_count = true;
        if (count_indices(m) >= 2 && !ktext_index(m, KTEXT_SP_MEM, &y)) return false;
        if (!ktext_index(m, KTEXT_SP_DATA, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        EMIT_U(m, b, y);
        return true;
    case KTEXT_IMM_DATA:
        m->uses_data_count = true;
        if (!ktext_index(m, KTEXT_SP_DATA, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    case KTEXT_IMM_MEM_COPY:
    case KTEXT_IMM_TABLE_COPY: {
        int sp = op->imm == KTEXT_IMM_MEM_COPY ? KTEXT_SP_MEM : KTEXT_SP_TABLE;
        if (ktext_at_index(m) && (!ktext_index(m, sp, &x) || !ktext_index(m, sp, &y))) return false;
        if (!emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        EMIT_U(m, b, y);
        return true;
    }
    case KTEXT_IMM_TABLE_INIT:
        if (count_indices(m) >= 2 && !ktext_index(m, KTEXT_SP_TABLE, &y)) return false;
        if (!ktext_index(m, KTEXT_SP_ELEM, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        EMIT_U(m, b, y);
        return true;
    case KTEXT_IMM_ELEM:
        if (!ktext_index(m, KTEXT_SP_ELEM, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    case KTEXT_IMM_V128:
        return emit_op(m, b, op, op->code) && v128_const(m, b);
    case KTEXT_IMM_SHUFFLE: {
        if (!emit_op(m, b, op, op->code)) return false;
        for (int l = 0; l < 16; l++) {
            uint8_t lane;
            if (!ktext_at_num(p)) return ktext_fail(p, NULL, "invalid lane length");
            if (!lane_literal(m, &lane)) return false;
            EMIT_BYTE(m, b, lane);
        }
        if (ktext_at_num(p)) return ktext_fail(p, NULL, "invalid lane length");
        return true;
    }
    case KTEXT_IMM_LANE: {
        uint8_t lane;
        return lane_literal(m, &lane) && emit_op(m, b, op, op->code) && (kb_buf_byte(b, lane) || OOM(m));
    }
    case KTEXT_IMM_FENCE:
        return emit_op(m, b, op, op->code) && (kb_buf_byte(b, 0) || OOM(m));
    case KTEXT_IMM_TAG:
        if (!ktext_index(m, KTEXT_SP_TAG, &x) || !emit_op(m, b, op, op->code)) return false;
        EMIT_U(m, b, x);
        return true;
    default:
        return ktext_fail(p, at, "internal: immediate kind");
    }
}

/* --------------------------------------------------- block structure */

static bool instr(ktext_mod *m, kb_buf *b);
static bool folded(ktext_mod *m, kb_buf *b);

static bool is_kw(const ktext_mod *m, const char *kw) {
    return ktext_tok_is(m->p, ktext_peek(m->p), kw);
}

/* Instructions up to ')' or one of the block keywords (not consumed). */
static bool body(ktext_mod *m, kb_buf *b) {
    ktext_p *p = m->p;
    for (;;) {
        const ktext_tok *t = ktext_peek(p);
        if (t->kind == KTEXT_T_RPAR || t->kind == KTEXT_T_EOF) return true;
        if (t->kind == KTEXT_T_ATOM) {
            const op_row *op = tok_op(p, t);
            if (op && op->imm == KTEXT_IMM_STRUCT) return true;
        }
        if (!instr(m, b)) return false;
    }
}

/* try_table catch clauses (spec 6.5.x): resolved outside the block's label */
static bool catches(ktext_mod *m, kb_buf *b) {
    ktext_p *p = m->p;
    kb_buf cb = {0};
    uint32_t n = 0;
    bool ok = true;
    for (;;) {
        int kind = ktext_at_sexpr(p, "catch") ? 0 : ktext_at_sexpr(p, "catch_ref") ? 1
                 : ktext_at_sexpr(p, "catch_all") ? 2 : ktext_at_sexpr(p, "catch_all_ref") ? 3 : -1;
        if (kind < 0) break;
        p->i += 2;
        uint32_t tag = 0, l = 0;
        ok = (kb_buf_byte(&cb, (uint8_t)kind) || OOM(m));
        if (ok && kind < 2) ok = ktext_index(m, KTEXT_SP_TAG, &tag) && (kb_buf_uleb(&cb, tag) || OOM(m));
        if (ok) ok = label_index(m, &l) && (kb_buf_uleb(&cb, l) || OOM(m));
        if (ok) ok = ktext_expect_rpar(p);
        if (!ok) break;
        n++;
    }
    if (ok) ok = (kb_buf_uleb(b, n) && kb_buf_append(b, cb.data, cb.len)) || OOM(m);
    kb_buf_free(&cb);
    return ok;
}

static bool depth_enter(ktext_mod *m) {
    if (++m->p->depth > KTEXT_MAX_DEPTH)
        return ktext_fail(m->p, NULL, "nesting too deep (more than %d levels)", KTEXT_MAX_DEPTH);
    return true;
}

/* Flat block: 'block' label bt instr* 'end' id? (spec 6.5.2) */
static bool flat_block(ktext_mod *m, const op_row *op, kb_buf *b) {
    ktext_p *p = m->p;
    const char *k;
    size_t n;
    int hint = m->hint_next;
    m->hint_next = -1;
    if (!opt_label(m, &k, &n)) return false;
    if (!ktext_hint_add(m, hint, b->len)) return false;
    if (!emit_op(m, b, op, op->code) || !ktext_blocktype(m, b)) return false;
    if (op->code == 0x1F && !catches(m, b)) return false;
    if (!push_label(m, k, n)) return false;
    if (!body(m, b)) return false;
    if (op->code == 0x04 && is_kw(m, "else")) {
        p->i++;
        if (!check_end_label(m, k, n)) return false;
        size_t at = b->len;
        EMIT_BYTE(m, b, 0x05);
        if (!body(m, b)) return false;
        if (b->len == at + 1) b->len = at; /* an empty else is omitted, as the spec's encoder does */
    }
    if (op->code == 0x06) { /* legacy try: catch/catch_all clauses or delegate */
        bool any = false, seen_all = false;
        while (is_kw(m, "catch") || is_kw(m, "catch_all")) {
            bool all = is_kw(m, "catch_all");
            if (seen_all) return ktext_unexpected(p);
            seen_all = all;
            any = true;
            p->i++;
            if (!all) {
                uint32_t tag;
                if (!ktext_index(m, KTEXT_SP_TAG, &tag)) return false;
                EMIT_BYTE(m, b, 0x07);
                EMIT_U(m, b, tag);
            } else {
                EMIT_BYTE(m, b, 0x19);
            }
            if (!body(m, b)) return false;
        }
        if (is_kw(m, "delegate")) {
            if (any) return ktext_unexpected(p);
            p->i++;
            m->labels.len--;
            uint32_t l;
            if (!label_index(m, &l)) return false;
            EMIT_BYTE(m, b, 0x18);
            EMIT_U(m, b, l);
            return true;
        }
    }
    if (!is_kw(m, "end")) return ktext_unexpected(p);
    p->i++;
    if (!check_end_label(m, k, n)) return false;
    EMIT_BYTE(m, b, 0x0B);
    m->labels.len--;
    return true;
}

/* Folded block forms (spec 6.5.x folded instructions). Cursor after keyword. */
static bool folded_block(ktext_mod *m, const op_row *op, kb_buf *b) {
    ktext_p *p = m->p;
    const char *k;
    size_t n;
    int hint = m->hint_next;
    m->hint_next = -1;
    if (!opt_label(m, &k, &n)) return false;
    if (op->code == 0x04) {
        /* (if label bt folded* (then instr*) (else instr*)?) */
        kb_buf bt = {0};
        bool ok = ktext_blocktype(m, &bt);
        while (ok && ktext_peek(p)->kind == KTEXT_T_LPAR && !ktext_at_sexpr(p, "then")) ok = folded(m, b);
        /* the hint is for the 'if' opcode, after its folded condition */
        if (ok) ok = ktext_hint_add(m, hint, b->len);
        if (ok) ok = (emit_op(m, b, op, op->code) && (kb_buf_append(b, bt.data, bt.len) || OOM(m)));
        kb_buf_free(&bt);
        if (!ok || !push_label(m, k, n)) return false;
        if (!ktext_expect_open(p, "then") || !body(m, b) || !ktext_expect_rpar(p)) return false;
        if (ktext_at_sexpr(p, "else")) {
            p->i += 2;
            size_t at = b->len;
            EMIT_BYTE(m, b, 0x05);
            if (!body(m, b) || !ktext_expect_rpar(p)) return false;
            if (b->len == at + 1) b->len = at; /* empty else omitted */
        }
        EMIT_BYTE(m, b, 0x0B);
        m->labels.len--;
        return ktext_expect_rpar(p);
    }
    if (!emit_op(m, b, op, op->code) || !ktext_blocktype(m, b)) return false;
    if (op->code == 0x1F && !catches(m, b)) return false;
    if (!push_label(m, k, n)) return false;
    if (op->code == 0x06) {
        /* (try label bt (do instr*) (catch x instr*)* (catch_all instr*)?) or (delegate l) */
        if (!ktext_expect_open(p, "do") || !body(m, b) || !ktext_expect_rpar(p)) return false;
        bool any = false, seen_all = false;
        while (ktext_at_sexpr(p, "catch") || ktext_at_sexpr(p, "catch_all")) {
            bool all = ktext_at_sexpr(p, "catch_all");
            if (seen_all) return ktext_unexpected(p);
            seen_all = all;
            any = true;
            p->i += 2;
            if (!all) {
                uint32_t tag;
                if (!ktext_index(m, KTEXT_SP_TAG, &tag)) return false;
                EMIT_BYTE(m, b, 0x07);
                EMIT_U(m, b, tag);
            } else {
                EMIT_BYTE(m, b, 0x19);
            }
            if (!body(m, b) || !ktext_expect_rpar(p)) return false;
        }
        if (ktext_at_sexpr(p, "delegate")) {
            if (any) return ktext_unexpected(p);
            p->i += 2;
            m->labels.len--;
            uint32_t l;
            if (!label_index(m, &l) || !ktext_expect_rpar(p)) return false;
            EMIT_BYTE(m, b, 0x18);
            EMIT_U(m, b, l);
            return ktext_expect_rpar(p);
        }
    } else if (!body(m, b)) {
        return false;
    }
    EMIT_BYTE(m, b, 0x0B);
    m->labels.len--;
    return ktext_expect_rpar(p);
}

/* '(' instruction ')' (spec 6.5.x folded instructions); cursor at '(' */
static bool folded(ktext_mod *m, kb_buf *b) {
    ktext_p *p = m->p;
    int hint = p->nan ? ktext_annot_hint(m) : -1;
    if (hint == -2) return false;
    if (!depth_enter(m)) return false;
    p->i++; /* '(' */
    const ktext_tok *t = ktext_peek(p);
    const op_row *op = tok_op(p, t);
    bool ok;
    if (op == NULL) {
        if (t->kind == KTEXT_T_ATOM)
            ok = ktext_fail(p, t, "unknown operator '%.*s'", (int)(t->len > 40 ? 40 : t->len), p->src + t->off);
        else
            ok = ktext_unexpected(p);
    } else if (op->imm == KTEXT_IMM_BLOCK) {
        p->i++;
        m->hint_next = hint;
        ok = folded_block(m, op, b);
    } else if (op->imm == KTEXT_IMM_STRUCT) {
        ok = ktext_unexpected(p);
    } else {
        p->i++;
        kb_buf self = {0};
        ok = plain_immediates(m, op, t, &self);
        while (ok && ktext_peek(p)->kind == KTEXT_T_LPAR) ok = folded(m, b);
        if (ok) ok = ktext_hint_add(m, hint, b->len); /* br_if, after its operands */
        if (ok) ok = kb_buf_append(b, self.data, self.len) || OOM(m);
        kb_buf_free(&self);
        if (ok) ok = ktext_expect_rpar(p);
    }
    p->depth--;
    return ok;
}

/* One instruction, plain or folded. */
static bool instr(ktext_mod *m, kb_buf *b) {
    ktext_p *p = m->p;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind == KTEXT_T_LPAR) return folded(m, b);
    int hint = p->nan ? ktext_annot_hint(m) : -1;
    if (hint == -2) return false;
    const op_row *op = tok_op(p, t);
    if (op == NULL) {
        if (t->kind == KTEXT_T_ATOM)
            return ktext_fail(p, t, "unknown operator '%.*s'", (int)(t->len > 40 ? 40 : t->len), p->src + t->off);
        return ktext_unexpected(p);
    }
    if (op->imm == KTEXT_IMM_STRUCT) return ktext_unexpected(p);
    p->i++;
    if (op->imm == KTEXT_IMM_BLOCK) {
        if (!depth_enter(m)) return false;
        m->hint_next = hint;
        bool ok = flat_block(m, op, b);
        p->depth--;
        return ok;
    }
    return ktext_hint_add(m, hint, b->len) && plain_immediates(m, op, t, b);
}

bool ktext_instrs(ktext_mod *m, kb_buf *out) {
    ktext_p *p = m->p;
    while (ktext_peek(p)->kind != KTEXT_T_RPAR && ktext_peek(p)->kind != KTEXT_T_EOF)
        if (!instr(m, out)) return false;
    return true;
}

bool ktext_instr1(ktext_mod *m, kb_buf *out) { return instr(m, out); }

bool ktext_expr(ktext_mod *m, kb_buf *out) {
    if (!ktext_instrs(m, out)) return false;
    if (!kb_buf_byte(out, 0x0B)) return OOM(m);
    return true;
}
