/*
** kcomp_scan.c -- the pre-scan of a function body, before its translation
** (kcomp.c): decodes the body into the buffer the main pass replays, counts
** the hidden slots it needs, collects the constant pool and finds the first
** instruction outside the interpreter's scope, in one pass with one
** dispatch per instruction (issue 10).
*/
#include <stdbool.h>
#include <string.h>

#include "base/kb_buf.h"
#include "binary/kbin_reader.h"
#include "compile/kcomp_forms.h"
#include "compile/kcomp_int.h"

static bool scan_op[KOP_COUNT_];

/* What kcomp_prescan_instrs does for an instruction; filled by kcomp_scan_init. */
enum { SK_NONE = 0, SK_BLOCK, SK_LOOP, SK_IF, SK_TRY, SK_END, SK_I32, SK_I64, SK_F32, SK_F64, SK_UNSUPPORTED };
static uint8_t scan_kind[KOP_COUNT_];

/*
** The pre-scan's view of a body's first byte, for the shapes kbin_read_instr
** decodes inline (kbin_fast): PS_GENERAL takes the reader and the general
** analysis. Filled once by kcomp_scan_init. One dispatch per instruction both
** decodes it and does what the pre-scan needs of it (issue 10).
*/
enum { PS_GENERAL = 0, PS_PLAIN, PS_INDEX, PS_I32, PS_I64, PS_F32, PS_F64, PS_BLOCK, PS_END, PS_MEMARG, PS_FC };
static uint8_t ps_class[256];
static uint16_t ps_op[256];
static uint16_t ps_fc[128]; /* 0xFC sub-opcodes PS_FC takes: KOP_* + 1, else 0 */

/* Bytes the pre-scan's inline decoding may read past an instruction's first. */
#define PS_LOOKAHEAD 12

/*
** The pre-scan's dispatch, written once for both builds (STYLE.md, as Lua's
** vmdispatch): with GCC's labels-as-values each case ends in its own
** indirect jump straight to the next instruction's case while the inline
** decoding applies, which the branch predictor tells apart (issue 10);
** elsewhere a plain switch in a loop. PS_NEXT counts the record just filled.
*/
#if defined(__GNUC__) && !defined(KEEL_NO_COMPUTED_GOTO)
#define PS_GOTO 1
#define PS_DISPATCH(x) goto *ps_label[x];
#define PS_CASE(l) L_##l
#define PS_DEFAULT L_PS_GENERAL
#define PS_NEXT()                                          \
    do {                                                   \
        n++;                                               \
        if (pos >= fast_end || n == cap) goto ps_top;      \
        in = &items[n];                                    \
        b = bytes + pos;                                   \
        cls = ps_class[b[0]];                              \
        in->op = ps_op[b[0]];                              \
        in->offset = (uint32_t)pos;                        \
        if (pending && cls != PS_FC && cls != PS_GENERAL) { \
            pool_decide(c, in->op, ptype, pv);             \
            pending = false;                               \
        }                                                  \
        goto *ps_label[cls];                               \
    } while (0)
#else
#define PS_GOTO 0
#define PS_DISPATCH(x) switch (x)
#define PS_CASE(l) case l
#define PS_DEFAULT default
#define PS_NEXT()    \
    {                \
        n++;         \
        goto ps_top; \
    }
#endif

/*
** Constant pool: a constant inside a loop that an instruction will read from
** a slot (a float operand, an integer operand no immediate form takes) gets a
** slot written once at function entry instead of a const instruction per
** iteration. Decides on constant 'pv' of type 'ptype' now that the
** instruction reading it, 'op', is known.
*/
static void pool_decide(comp *c, uint16_t op, uint8_t ptype, uint64_t pv) {
    const direct_op *d = &direct[op];
    bool fits = ptype == KVT_I32 || (int64_t)pv == (int64_t)(int32_t)(uint32_t)pv;
    bool want;
    if (ptype == KVT_F32 || ptype == KVT_F64)
        want = op != KOP_LOCAL_SET && op != KOP_LOCAL_TEE && d->cls != KC_ST;
    else
        want = d->cls == KC_BIN && !(imm_form[d->kx] && fits);
    if (want && pool_slot(c, pv) == NO_POS && c->pool_count < 32) c->pool[c->pool_count++] = pv;
}

/*
** Decodes the body into c->instrs (the main pass replays it), counts the
** hidden slots it needs (saved params of 'if' blocks with params, caught
** exceptions of legacy 'try'), collects the constant pool and finds the first
** instruction outside the interpreter's scope. Returns NULL or a decoding
** error. The inline cases decode exactly as kbin_read_instr does.
*/
kb_error *kcomp_prescan(comp *c, const kbin_func *f, uint32_t *hidden, int *unsupported) {
    const uint8_t *bytes = c->m->bytes;
    size_t pos = f->body.offset, end = (size_t)f->body.offset + f->body.len;
    *hidden = 0;
    *unsupported = -1;
    c->pool_count = 0;
    /* 'in_loop' counts the open loops (for the pool). */
    uint32_t depth = 0, in_loop = 0;
    uint64_t loop_bits = 0; /* bit i: nesting level i is a loop (levels < 64) */
    bool pending = false;
    uint64_t pv = 0;
    uint8_t ptype = 0;
    /* The buffer's length and capacity stay in locals (stores into the
       records may alias anything) and go back to c->instrs at the end. */
    kbin_instr *items = c->instrs.items;
    size_t n = 0, cap = c->instrs.cap;
    /* Instructions starting before 'fast_end' may be decoded inline. */
    size_t fast_end = end > PS_LOOKAHEAD ? end - PS_LOOKAHEAD : 0;
    kbin_instr *in;
    const uint8_t *b;
    unsigned cls;
#if PS_GOTO
    /* ORDER PS: one entry per PS_* class. */
    static const void *const ps_label[] = {&&L_PS_GENERAL, &&L_PS_PLAIN, &&L_PS_INDEX, &&L_PS_I32,
                                           &&L_PS_I64, &&L_PS_F32, &&L_PS_F64, &&L_PS_BLOCK,
                                           &&L_PS_END, &&L_PS_MEMARG, &&L_PS_FC};
    _Static_assert(sizeof ps_label / sizeof ps_label[0] == PS_FC + 1, "ps_label follows PS_*");
#endif
ps_top:
    while (pos < end) {
        if (n == cap) {
            c->instrs.len = n;
            if (!kb_vec_reserve(&c->instrs, 64))
                return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory compiling a function");
            items = c->instrs.items, cap = c->instrs.cap;
        }
        in = &items[n];
        b = bytes + pos;
        cls = pos < fast_end ? ps_class[b[0]] : PS_GENERAL;
        if (cls != PS_GENERAL) {
            in->op = ps_op[b[0]];
            in->offset = (uint32_t)pos;
            if (pending && cls != PS_FC) {
                pool_decide(c, in->op, ptype, pv);
                pending = false;
            }
        }
        PS_DISPATCH(cls) {
        PS_CASE(PS_PLAIN):
            pos += 1;
            PS_NEXT();
        PS_CASE(PS_INDEX):
            if (b[1] < 0x80) {
                in->imm.index = b[1];
                pos += 2;
            } else if (b[2] < 0x80) { /* two bytes: call 200 */
                in->imm.index = (uint32_t)(b[1] & 0x7F) | (uint32_t)b[2] << 7;
                pos += 3;
            } else {
                goto general;
            }
            PS_NEXT();
        PS_CASE(PS_FC):
            /* 0xFC with a one-byte sub-opcode of no immediate (saturating truncations). */
            if (b[1] >= 0x80 || ps_fc[b[1]] == 0) goto general;
            in->op = (uint16_t)(ps_fc[b[1]] - 1);
            if (pending) {
                pool_decide(c, in->op, ptype, pv);
                pending = false;
            }
            pos += 2;
            PS_NEXT();
        PS_CASE(PS_I32):
        PS_CASE(PS_I64): {
            /* Signed LEBs shorter than their last permitted byte (spec 5.2.2). */
            unsigned max = cls == PS_I32 ? 4 : 9, i = 0;
            uint64_t v = 0;
            for (; i < max; i++) {
                v |= (uint64_t)(b[1 + i] & 0x7F) << (7 * i);
                if (!(b[1 + i] & 0x80)) break;
            }
            if (i == max) goto general;
            unsigned shift = 7 * (i + 1);
            if (v & ((uint64_t)1 << (shift - 1))) v |= ~(uint64_t)0 << shift;
            if (cls == PS_I32) {
                in->imm.i32 = (int32_t)(int64_t)v;
                pv = (uint32_t)in->imm.i32, ptype = KVT_I32;
            } else {
                in->imm.i64 = (int64_t)v;
                pv = (uint64_t)in->imm.i64, ptype = KVT_I64;
            }
            pending = in_loop > 0;
            pos += 2 + i;
            PS_NEXT();
        }
        PS_CASE(PS_F32):
            in->imm.f32 = (uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 24;
            pv = in->imm.f32, ptype = KVT_F32;
            pending = in_loop > 0;
            pos += 5;
            PS_NEXT();
        PS_CASE(PS_F64): {
            uint64_t v = 0;
            for (int i = 8; i >= 1; i--) v = v << 8 | b[i];
            in->imm.f64 = v;
            pv = v, ptype = KVT_F64;
            pending = in_loop > 0;
            pos += 9;
            PS_NEXT();
        }
        PS_CASE(PS_BLOCK):
            /* Empty (0x40) or one value type byte (spec 5.4.1 "blocktype"). */
            if (b[1] != 0x40 && !(b[1] >= KVT_V128 && b[1] <= KVT_I32)) goto general;
            in->imm.block.kind = b[1] == 0x40 ? KBT_EMPTY : KBT_VAL;
            in->imm.block.index = 0;
            in->imm.block.val = b[1] == 0x40 ? kbin_vt(0) : kbin_vt(b[1]);
            pos += 2;
            if (depth < 64 && in->op == KOP_LOOP) { loop_bits |= 1ull << depth; in_loop++; }
            depth++;
            if (in->op == KOP_TRY) *hidden += 1;
            PS_NEXT();
        PS_CASE(PS_END):
            pos += 1;
            if (depth > 0) {
                depth--;
                if (depth < 64 && (loop_bits >> depth & 1)) { loop_bits &= ~(1ull << depth); in_loop--; }
            }
            PS_NEXT();
        PS_CASE(PS_MEMARG):
            /* flags < 0x40: no memory index; an offset of one or two bytes. */
            if (b[1] >= 0x40 || (b[2] >= 0x80 && b[3] >= 0x80)) goto general;
            in->imm.mem.align = b[1];
            in->imm.mem.memory = 0;
            in->imm.mem.lane = 0;
            if (b[2] < 0x80) {
                in->imm.mem.offset = b[2];
                pos += 3;
            } else {
                in->imm.mem.offset = (uint64_t)(b[2] & 0x7F) | (uint64_t)b[3] << 7;
                pos += 4;
            }
            PS_NEXT();
        PS_DEFAULT:
        general: {
            kbin_reader r = kbin_reader_make(bytes, pos, end);
            kb_error *err = kbin_read_instr(&r, in);
            if (err != NULL) return err;
            pos = r.pos;
            if (pending) {
                pool_decide(c, in->op, ptype, pv);
                pending = false;
            }
            if (!scan_op[in->op]) PS_NEXT(); /* nothing below applies */
            switch (in->op) {
            case KOP_BLOCK: case KOP_IF: case KOP_TRY: case KOP_TRY_TABLE: case KOP_LOOP:
                if (depth < 64 && in->op == KOP_LOOP) { loop_bits |= 1ull << depth; in_loop++; }
                depth++;
                break;
            case KOP_END: case KOP_DELEGATE:
                if (depth > 0) {
                    depth--;
                    if (depth < 64 && (loop_bits >> depth & 1)) { loop_bits &= ~(1ull << depth); in_loop--; }
                }
                break;
            case KOP_I32_CONST: pending = in_loop > 0; pv = (uint32_t)in->imm.i32; ptype = KVT_I32; break;
            case KOP_I64_CONST: pending = in_loop > 0; pv = (uint64_t)in->imm.i64; ptype = KVT_I64; break;
            case KOP_F32_CONST: pending = in_loop > 0; pv = in->imm.f32; ptype = KVT_F32; break;
            case KOP_F64_CONST: pending = in_loop > 0; pv = in->imm.f64; ptype = KVT_F64; break;
            default: break;
            }
            uint8_t prefix = kbin_ops[in->op].prefix;
            if (prefix == 0xFD || prefix == 0xFB) {
                c->instrs.len = n + 1;
                c->ins = items, c->nins = n + 1;
                *unsupported = in->op;
                return NULL;
            }
            if (in->op == KOP_IF && in->imm.block.kind == KBT_TYPE && in->imm.block.index < c->m->type_count) {
                const kbin_type *t = &c->m->types[in->imm.block.index];
                for (uint32_t i = 0; i < t->param_count; i++) *hidden += width_of(t->params[i]);
            } else if (in->op == KOP_TRY) {
                *hidden += 1;
            }
            PS_NEXT();
        }
        }
    }
    c->instrs.len = n;
    c->ins = items, c->nins = n;
    return NULL;
}

void kcomp_prescan_instrs(comp *c, const kbin_instr *ins, size_t count, const uint32_t *loop_consts,
                          size_t nloop_consts, uint32_t *hidden, int *unsupported) {
    *hidden = 0;
    *unsupported = -1;
    c->pool_count = 0;
    c->ins = ins, c->nins = count;
    if (loop_consts != NULL) {
        /* The validator noted the constants in loops: the rest needs nothing. */
        for (size_t i = 0; i < nloop_consts; i++) {
            const kbin_instr *in = &ins[loop_consts[i]];
            uint16_t next = ins[loop_consts[i] + 1].op;
            switch (scan_kind[in->op]) {
            case SK_I32: pool_decide(c, next, KVT_I32, (uint32_t)in->imm.i32); break;
            case SK_I64: pool_decide(c, next, KVT_I64, (uint64_t)in->imm.i64); break;
            case SK_F32: pool_decide(c, next, KVT_F32, in->imm.f32); break;
            default: pool_decide(c, next, KVT_F64, in->imm.f64); break;
            }
        }
        return;
    }
    uint32_t depth = 0, in_loop = 0;
    uint64_t loop_bits = 0; /* bit i: nesting level i is a loop (levels < 64) */
    /* What kcomp_prescan's general analysis does, by kind (scan_kind: most
       instructions need nothing). A constant in a loop is decided on at once
       from the instruction after it (a body ends with 'end', so there is one). */
    for (size_t n = 0; n < count; n++) {
        const kbin_instr *in = &ins[n];
        unsigned k = scan_kind[in->op];
        if (k == SK_NONE) continue;
        switch (k) {
        case SK_LOOP:
            if (depth < 64) { loop_bits |= 1ull << depth; in_loop++; }
            depth++;
            break;
        case SK_BLOCK:
            depth++;
            break;
        case SK_IF:
            depth++;
            if (in->imm.block.kind == KBT_TYPE && in->imm.block.index < c->m->type_count) {
                const kbin_type *t = &c->m->types[in->imm.block.index];
                for (uint32_t i = 0; i < t->param_count; i++) *hidden += width_of(t->params[i]);
            }
            break;
        case SK_TRY:
            depth++;
            *hidden += 1;
            break;
        case SK_END:
            if (depth > 0) {
                depth--;
                if (depth < 64 && (loop_bits >> depth & 1)) { loop_bits &= ~(1ull << depth); in_loop--; }
            }
            break;
        case SK_I32: if (in_loop && n + 1 < count) pool_decide(c, in[1].op, KVT_I32, (uint32_t)in->imm.i32); break;
        case SK_I64: if (in_loop && n + 1 < count) pool_decide(c, in[1].op, KVT_I64, (uint64_t)in->imm.i64); break;
        case SK_F32: if (in_loop && n + 1 < count) pool_decide(c, in[1].op, KVT_F32, in->imm.f32); break;
        case SK_F64: if (in_loop && n + 1 < count) pool_decide(c, in[1].op, KVT_F64, in->imm.f64); break;
        case SK_UNSUPPORTED:
            c->nins = n + 1;
            *unsupported = in->op;
            return;
        }
    }
}

void kcomp_scan_init(void) {
    /* scan_op: what the general analysis looks at (blocks, ends, constants, SIMD/GC). */
    for (uint32_t op = 0; op < KOP_COUNT_; op++) {
        switch (op) {
        case KOP_BLOCK: case KOP_IF: case KOP_TRY: case KOP_TRY_TABLE: case KOP_LOOP: case KOP_END:
        case KOP_DELEGATE: case KOP_I32_CONST: case KOP_I64_CONST: case KOP_F32_CONST: case KOP_F64_CONST:
            scan_op[op] = true;
            break;
        default:
            scan_op[op] = kbin_ops[op].prefix == 0xFD || kbin_ops[op].prefix == 0xFB;
            break;
        }
    }
    for (uint32_t op = 0; op < KOP_COUNT_; op++) {
        uint8_t k = SK_NONE;
        switch (op) {
        case KOP_BLOCK: case KOP_TRY_TABLE: k = SK_BLOCK; break;
        case KOP_LOOP: k = SK_LOOP; break;
        case KOP_IF: k = SK_IF; break;
        case KOP_TRY: k = SK_TRY; break;
        case KOP_END: case KOP_DELEGATE: k = SK_END; break;
        case KOP_I32_CONST: k = SK_I32; break;
        case KOP_I64_CONST: k = SK_I64; break;
        case KOP_F32_CONST: k = SK_F32; break;
        case KOP_F64_CONST: k = SK_F64; break;
        default:
            if (kbin_ops[op].prefix == 0xFD || kbin_ops[op].prefix == 0xFB) k = SK_UNSUPPORTED;
            break;
        }
        scan_kind[op] = k;
    }
    /* ps_class: the shapes kbin_read_instr decodes inline; instructions the
       general analysis looks at stay PS_GENERAL unless inlined below. */
    for (unsigned b = 0; b < 256; b++) {
        uint32_t e = kbin_fast[b];
        if (e == 0) continue;
        uint16_t op = (uint16_t)((e & 0xFFFF) - 1);
        unsigned shape = e >> 16, cls = PS_GENERAL;
        bool scan = scan_op[op];
        if (shape == KIMM_NONE) cls = op == KOP_END ? PS_END : scan ? PS_GENERAL : PS_PLAIN;
        else if (shape == KIMM_INDEX) cls = scan ? PS_GENERAL : PS_INDEX;
        else if (shape == KIMM_I32 && op == KOP_I32_CONST) cls = PS_I32;
        else if (shape == KIMM_I64 && op == KOP_I64_CONST) cls = PS_I64;
        else if (shape == KIMM_F32 && op == KOP_F32_CONST) cls = PS_F32;
        else if (shape == KIMM_F64 && op == KOP_F64_CONST) cls = PS_F64;
        else if (shape == KIMM_BLOCK && (op == KOP_BLOCK || op == KOP_LOOP || op == KOP_IF || op == KOP_TRY))
            cls = PS_BLOCK;
        else if (shape == KIMM_MEMARG && !scan) cls = PS_MEMARG;
        ps_class[b] = (uint8_t)cls;
        ps_op[b] = op;
    }
    ps_class[0xFC] = PS_FC;
    for (uint32_t op = 0; op < KOP_COUNT_; op++) {
        if (kbin_ops[op].prefix == 0xFC && kbin_ops[op].code < 128 && kbin_ops[op].imm == KIMM_NONE &&
            !scan_op[op])
            ps_fc[kbin_ops[op].code] = (uint16_t)(op + 1);
    }
}
