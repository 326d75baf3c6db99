/*
** kval_fast.c -- the validator's fast path (issue 10): the instructions that
** make up most function bodies -- locals, constants, numeric operators,
** loads and stores of memory 0, calls with numeric signatures, blocks
** without parameters, branches without values -- checked straight from
** their bytes, with the stack height, the top frame and the locals in
** registers. It only ever accepts: an instruction with anything unusual is
** left to the general path (kval_code.c), which checks it again and gives
** any error with the spec's words. The rules are those of core spec 3.3
** ("Instructions"), as kval_code.c's step and step_control apply them.
*/
#include <string.h>

#include "valid/kval_int.h"

/*
** kval_fast_run's view of a body's first byte (one-byte opcodes only), built
** by kval_fast_init from kbin_fast and the signatures: one lookup per
** instruction.
*/
typedef struct vbyte {
    uint8_t fast;   /* VF_*, or VF_NONE: the general path */
    uint8_t p0, p1; /* operand kinds (VF_UN: p0; VF_BIN: p0 p1; VF_STORE: p1 is the value's) */
    uint8_t r0;     /* result kind */
    uint8_t n;      /* VF_CONST: length; VF_CONST_LEB: most LEB bytes taken */
    int8_t align;   /* VF_LOAD/VF_STORE: natural alignment (log2) */
    uint16_t op;    /* KOP_* */
} vbyte;
static vbyte vbytes[256];
static vbyte vfc[128]; /* 0xFC sub-opcodes of one LEB byte: VF_UN and VF_BIN only */

void kval_fast_init(const kval_csig *csigs) {
    vbytes[0xFC].fast = VF_FC;
    for (uint32_t op = 0; op < KOP_COUNT_; op++) {
        const kval_csig *cs = &csigs[op];
        if (kbin_ops[op].prefix != 0xFC || kbin_ops[op].code >= 128 || kbin_ops[op].imm != KIMM_NONE) continue;
        if (cs->fast != VF_UN && cs->fast != VF_BIN) continue;
        vbyte *vb = &vfc[kbin_ops[op].code];
        vb->fast = cs->fast;
        vb->p0 = cs->p[0], vb->p1 = cs->p[1], vb->r0 = cs->r[0];
        vb->op = (uint16_t)op;
    }
    for (unsigned b = 0; b < 256; b++) {
        uint32_t e = kbin_fast[b];
        if (e == 0) continue;
        uint16_t op = (uint16_t)((e & 0xFFFF) - 1);
        unsigned shape = e >> 16;
        const kval_csig *cs = &csigs[op];
        vbyte *vb = &vbytes[b];
        vb->fast = cs->fast;
        vb->p0 = cs->p[0], vb->p1 = cs->p[1], vb->r0 = cs->r[0];
        vb->align = cs->align;
        vb->op = op;
        if ((cs->fast == VF_UN || cs->fast == VF_BIN) && shape != KIMM_NONE) vb->fast = VF_NONE;
        if (cs->fast == VF_CONST) {
            if (shape == KIMM_F32) vb->n = 5;
            else if (shape == KIMM_F64) vb->n = 9;
            else vb->fast = VF_CONST_LEB, vb->n = shape == KIMM_I32 ? 4 : 9;
        }
    }
}

/*
** Bytes kval_fast_run may look at past an instruction's first: the longest
** shape it takes (f64.const, i64.const) and a little more.
*/
#define FAST_LOOKAHEAD 12

/*
** kval_fast_run's dispatch, written once for both builds (STYLE.md, as Lua's
** vmdispatch): with GCC's labels-as-values every case ends in its own
** indirect jump to the next instruction's case, which the branch predictor
** tells apart (issue 10: one shared jump mispredicts on most instructions);
** elsewhere a plain switch in a loop. VF_NEXT consumes the 'n' bytes of the
** instruction just checked.
*/
#if defined(__GNUC__) && !defined(KEEL_NO_COMPUTED_GOTO)
#define FAST_GOTO 1
/* GCC would merge the cases' identical dispatch tails back into one jump. */
#if defined(__clang__)
#define FAST_DISPATCH_ATTR
#else
#define FAST_DISPATCH_ATTR __attribute__((optimize("no-crossjumping", "no-gcse")))
#endif
#define VF_DISPATCH(x) goto *vf_label[x];
#define VF_CASE(l) L_##l
#define VF_DEFAULT L_VF_NONE
#define VF_NEXT()                                 \
    do {                                          \
        pos += n;                                 \
        rn++;                                     \
        if (pos >= stop || rn == rcap) goto out;  \
        b = bytes + pos;                          \
        vb = &vbytes[b[0]];                       \
        in = &rec[rn];                            \
        in->op = vb->op;                          \
        in->offset = (uint32_t)pos;               \
        goto *vf_label[vb->fast];                 \
    } while (0)
#else
#define FAST_GOTO 0
#define FAST_DISPATCH_ATTR
#define VF_DISPATCH(x) switch (x)
#define VF_CASE(l) case l
#define VF_DEFAULT default
#define VF_NEXT()  \
    {              \
        pos += n;  \
        rn++;      \
        continue;  \
    }
#endif

/* Little-endian 8 bytes (an f64.const's immediate, spec 5.2.3). */
static inline uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Index of the lowest byte whose bit 7 is set in 'stops' (not 0). */
static inline unsigned last_byte(uint64_t stops) {
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(stops) >> 3;
#else
    unsigned i = 0;
    while (!(stops & 0x80)) stops >>= 8, i++;
    return i;
#endif
}

/*
** The value bits of a LEB128 number whose bytes 0..i (i < 8) are the low
** bytes of 'x' (little-endian): the 7-bit groups gathered pairwise, with no
** loop over the bytes (spec 5.2.2; issue 10).
*/
static inline uint64_t leb_bits(uint64_t x, unsigned i) {
    if (i < 7) x &= ((uint64_t)1 << (8 * (i + 1))) - 1;
    x &= 0x7F7F7F7F7F7F7F7Fu;
    x = (x & 0x007F007F007F007Fu) | (x & 0x7F007F007F007F00u) >> 1;
    x = (x & 0x00003FFF00003FFFu) | (x & 0x3FFF00003FFF0000u) >> 2;
    return (x & 0x000000000FFFFFFFu) | (x & 0x0FFFFFFF00000000u) >> 4;
}

/* A label that carries no values: a block without results, a loop without params. */
static inline bool label_empty(const kval_frame *f) {
    return f->bt.kind == KBT_EMPTY || (f->op == KOP_LOOP && f->bt.kind == KBT_VAL);
}

/*
** The common instructions of function bodies, checked straight from their
** bytes from 'pos' on, while there are at least FAST_LOOKAHEAD bytes before
** 'lim' (issue 10: no kbin_instr is filled and no second dispatch is made
** for them, and the stack height, the top frame and the locals stay in
** registers). Returns the position of the first instruction it did not
** take: one with anything unusual -- a longer encoding, a type that is not
** exactly the one wanted, the frame's bottom, unreachable code, a label
** with values, the function's own end -- which is left untouched for the
** general path (kbin_read_instr and step) to check and report with its
** usual words. The rules are step's and step_control's for the same cases.
*/
FAST_DISPATCH_ATTR size_t kval_fast_run(kval_code *c, const uint8_t *bytes, size_t pos, size_t lim) {
    kbin_valtype *v = c->vals.items;
    size_t len = c->vals.len;
    size_t room = c->vals.cap < KVAL_MAX_STACK ? c->vals.cap : KVAL_MAX_STACK;
    kval_frame *f = &c->ctrls.items[c->ctrls.len - 1];
    size_t h = f->height;
    const kbin_valtype *locals = c->locals.items;
    const uint8_t *inited = c->inited.items;
    size_t nlocals = c->locals.len;
    const kbin_module *m = c->m;
    bool mem32 = m->memory_count > 0 && !m->memories[0].limits.is64;
    size_t stop = lim > FAST_LOOKAHEAD ? lim - FAST_LOOKAHEAD : 0;
    /* Each instruction taken is recorded as kbin_read_instr decodes it. */
    kbin_instr *rec = c->rec.items, *in;
    size_t rn = c->rec.len, rcap = c->rec.cap;
    /* ... and the note for kval_code_loop_consts kept (c->consts has rcap entries). */
    uint32_t *consts = c->consts, loops = c->loops;
    size_t nc = c->nconsts;
    const uint8_t *b;
    const vbyte *vb;
    size_t n;
#if FAST_GOTO
    /* ORDER VF: one entry per VF_* value (kval_int.h). */
    static const void *const vf_label[] = {
        &&L_VF_NONE, &&L_VF_UN, &&L_VF_BIN, &&L_VF_LOAD, &&L_VF_STORE, &&L_VF_LOCAL_GET, &&L_VF_LOCAL_SET,
        &&L_VF_LOCAL_TEE, &&L_VF_CONST, &&L_VF_CONST_LEB, &&L_VF_FC, &&L_VF_CALL, &&L_VF_DROP,
        &&L_VF_SELECT, &&L_VF_BLOCK, &&L_VF_IF, &&L_VF_ELSE, &&L_VF_END, &&L_VF_BR, &&L_VF_BR_IF};
    _Static_assert(sizeof vf_label / sizeof vf_label[0] == VF_BR_IF + 1, "vf_label follows VF_*");
#endif
    for (;;) {
        if (pos >= stop || rn == rcap) goto out;
        b = bytes + pos;
        vb = &vbytes[b[0]];
        in = &rec[rn];
        in->op = vb->op;
        in->offset = (uint32_t)pos;
        VF_DISPATCH(vb->fast) {
        VF_CASE(VF_UN):
            if (len <= h || v[len - 1].kind != vb->p0) goto out;
            v[len - 1] = kbin_vt(vb->r0);
            n = 1;
            VF_NEXT();
        VF_CASE(VF_BIN):
            if (len < h + 2 || v[len - 1].kind != vb->p1 || v[len - 2].kind != vb->p0) goto out;
            v[len - 2] = kbin_vt(vb->r0);
            len--;
            n = 1;
            VF_NEXT();
        VF_CASE(VF_CONST):
            if (len + 1 >= room) goto out;
            v[len++] = kbin_vt(vb->r0);
            consts[nc] = (uint32_t)rn;
            nc += loops != 0;
            n = vb->n;
            if (n == 5) in->imm.f32 = (uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 24;
            else in->imm.f64 = le64(b + 1);
            VF_NEXT();
        VF_CASE(VF_CONST_LEB): {
            /* Signed LEBs shorter than their last permitted byte (spec 5.2.2). */
            uint64_t x = le64(b + 1);
            uint64_t stops = ~x & 0x8080808080808080u; /* bytes without a continuation bit */
            if (stops == 0) goto out;
            unsigned i = last_byte(stops);
            if (i >= vb->n || len + 1 >= room) goto out;
            x = leb_bits(x, i);
            unsigned shift = 7 * (i + 1);
            if (x & ((uint64_t)1 << (shift - 1))) x |= ~(uint64_t)0 << shift;
            if (vb->n == 4) in->imm.i32 = (int32_t)(int64_t)x;
            else in->imm.i64 = (int64_t)x;
            consts[nc] = (uint32_t)rn;
            nc += loops != 0;
            v[len++] = kbin_vt(vb->r0);
            n = 2 + i;
            VF_NEXT();
        }
        VF_CASE(VF_FC): {
            const vbyte *sub = &vfc[b[1] & 0x7F];
            if (b[1] >= 0x80) goto out;
            if (sub->fast == VF_UN) {
                if (len <= h || v[len - 1].kind != sub->p0) goto out;
                v[len - 1] = kbin_vt(sub->r0);
            } else if (sub->fast == VF_BIN) {
                if (len < h + 2 || v[len - 1].kind != sub->p1 || v[len - 2].kind != sub->p0) goto out;
                v[len - 2] = kbin_vt(sub->r0);
                len--;
            } else {
                goto out;
            }
            in->op = sub->op;
            n = 2;
            VF_NEXT();
        }
        VF_CASE(VF_CALL): {
            /* A call whose signature is numeric: get_func, pop_params, push_results. */
            uint32_t x;
            if (b[1] < 0x80) x = b[1], n = 2;
            else if (b[2] < 0x80) x = (uint32_t)(b[1] & 0x7F) | (uint32_t)b[2] << 7, n = 3;
            else goto out;
            if (x >= m->func_count || m->funcs[x].type >= m->type_count) goto out;
            const kbin_type *ft = &m->types[m->funcs[x].type];
            uint32_t np = ft->param_count, nr = ft->result_count;
            if (ft->comp != KCT_FUNC || len < h + np || len - np + nr >= room) goto out;
            for (uint32_t i = 0; i < np; i++)
                if (ft->params[i].kind == KVT_REF || v[len - np + i].kind != ft->params[i].kind) goto out;
            const kbin_valtype *res = kbin_type_results(ft);
            for (uint32_t i = 0; i < nr; i++)
                if (res[i].kind == KVT_REF) goto out;
            len -= np;
            for (uint32_t i = 0; i < nr; i++) v[len++] = kbin_vt(res[i].kind);
            in->imm.index = x;
            VF_NEXT();
        }
        VF_CASE(VF_LOCAL_GET):
            if (b[1] >= 0x80 || b[1] >= nlocals || !inited[b[1]] || len + 1 >= room) goto out;
            v[len++] = locals[b[1]];
            in->imm.index = b[1];
            n = 2;
            VF_NEXT();
        VF_CASE(VF_LOCAL_SET):
        VF_CASE(VF_LOCAL_TEE): {
            if (b[1] >= 0x80 || b[1] >= nlocals || !inited[b[1]]) goto out;
            kbin_valtype t = locals[b[1]];
            if (t.kind == KVT_REF || len <= h || v[len - 1].kind != t.kind) goto out;
            if (vb->fast == VF_LOCAL_SET) len--;
            else v[len - 1] = t;
            in->imm.index = b[1];
            n = 2;
            VF_NEXT();
        }
        VF_CASE(VF_LOAD):
        VF_CASE(VF_STORE):
            /* A memarg of memory 0 (flags < 0x40) with a one- or two-byte offset. */
            if (b[1] >= 0x40 || !mem32 || (int)b[1] > vb->align) goto out;
            if (b[2] < 0x80) n = 3;
            else if (b[3] < 0x80) n = 4;
            else goto out;
            if (vb->fast == VF_LOAD) {
                if (len <= h || v[len - 1].kind != KVT_I32) goto out;
                v[len - 1] = kbin_vt(vb->r0);
            } else {
                if (len < h + 2 || v[len - 1].kind != vb->p1 || v[len - 2].kind != KVT_I32) goto out;
                len -= 2;
            }
            in->imm.mem.align = b[1];
            in->imm.mem.memory = 0;
            in->imm.mem.lane = 0;
            in->imm.mem.offset = n == 3 ? b[2] : (uint64_t)(b[2] & 0x7F) | (uint64_t)b[3] << 7;
            VF_NEXT();
        VF_CASE(VF_DROP):
            if (len <= h) goto out;
            len--;
            n = 1;
            VF_NEXT();
        VF_CASE(VF_SELECT): {
            if (len < h + 3 || v[len - 1].kind != KVT_I32) goto out;
            uint8_t k = v[len - 2].kind;
            if (k != v[len - 3].kind || k == KVT_REF || k == KVT_BOT || !kval_is_num_vec(v[len - 2])) goto out;
            v[len - 3] = v[len - 2];
            len -= 2;
            n = 1;
            VF_NEXT();
        }
        VF_CASE(VF_IF):
        VF_CASE(VF_BLOCK): {
            /* Block type: empty or one numeric/vector value type (spec 5.4.1). */
            uint8_t bt = b[1];
            if (bt != 0x40 && !(bt >= KVT_V128 && bt <= KVT_I32)) goto out;
            size_t at = len;
            if (vb->fast == VF_IF) {
                if (len <= h || v[len - 1].kind != KVT_I32) goto out;
                at = len - 1;
            }
            if (!kb_vec_reserve(&c->ctrls, 1)) goto out;
            len = at;
            f = &c->ctrls.items[c->ctrls.len++];
            f->op = vb->op;
            f->state = 0;
            f->unreachable = false;
            f->height = (uint32_t)len;
            f->init_height = (uint32_t)c->undo.len;
            f->br_stamp = 0;
            memset(&f->bt, 0, sizeof f->bt);
            f->bt.kind = bt == 0x40 ? KBT_EMPTY : KBT_VAL;
            f->bt.val = kbin_vt(bt == 0x40 ? 0 : bt);
            in->imm.block.kind = f->bt.kind;
            in->imm.block.index = 0;
            in->imm.block.val = f->bt.val;
            loops += kval_counted_loop(vb->op, c->ctrls.len - 1);
            h = len;
            n = 2;
            VF_NEXT();
        }
        VF_CASE(VF_ELSE):
            /* 'else' of an 'if' whose then-arm left exactly its results. */
            if (f->op != KOP_IF || f->state != 0) goto out;
            if (f->bt.kind == KBT_EMPTY) {
                if (len != h) goto out;
            } else if (f->bt.kind == KBT_VAL) {
                if (len != h + 1 || f->bt.val.kind == KVT_REF || v[h].kind != f->bt.val.kind) goto out;
            } else {
                goto out;
            }
            f->state = 1;
            f->unreachable = false;
            kval_reset_inits(c, f);
            len = h;
            n = 1;
            VF_NEXT();
        VF_CASE(VF_END):
            /* A block's end with exactly its results on the stack ('if' without
               'else' only when it has none: the implicit else passes nothing). */
            if (c->ctrls.len < 2) goto out;
            if (f->bt.kind == KBT_EMPTY) {
                if (len != h) goto out;
            } else if (f->bt.kind == KBT_VAL) {
                if (len != h + 1 || f->bt.val.kind == KVT_REF || v[h].kind != f->bt.val.kind) goto out;
                if (f->op == KOP_IF && f->state == 0) goto out;
            } else {
                goto out;
            }
            kval_reset_inits(c, f);
            loops -= kval_counted_loop(f->op, c->ctrls.len - 1);
            c->ctrls.len--;
            f = &c->ctrls.items[c->ctrls.len - 1];
            h = f->height;
            n = 1;
            VF_NEXT();
        VF_CASE(VF_BR):
        VF_CASE(VF_BR_IF): {
            uint32_t l = b[1];
            if (l >= 0x80 || l >= c->ctrls.len || !label_empty(&c->ctrls.items[c->ctrls.len - 1 - l])) goto out;
            if (vb->fast == VF_BR) {
                len = h;
                f->unreachable = true;
            } else {
                if (len <= h || v[len - 1].kind != KVT_I32) goto out;
                len--;
            }
            in->imm.index = l;
            n = 2;
            VF_NEXT();
        }
        VF_DEFAULT:
            goto out;
        }
    }
out:
    c->vals.len = len;
    c->rec.len = rn;
    c->nconsts = nc;
    c->loops = loops;
    return pos;
}
