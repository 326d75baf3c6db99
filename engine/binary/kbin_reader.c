/*
** kbin_reader.c -- decoding single instructions and their immediates
** (core spec 3.0, 5.4 "Instructions"; 5.3 "Types" for the type immediates).
*/
#include "binary/kbin_reader.h"

#include <string.h>

#include "base/kb_leb.h"

/* ---------------------------------------------------------------- tables */

const kbin_opinfo kbin_ops[KOP_COUNT_] = {
#define KOP(NAME, text, prefix, code, imm) {text, prefix, imm, code},
#include "binary/kbin_opcodes.def"
};

const char *kbin_op_name(unsigned op) {
    return op < KOP_COUNT_ ? kbin_ops[op].name : "<bad op>";
}

/*
** Opcode lookup: one 512-entry page per prefix (none, FB, FC, FD, FE),
** holding KOP_* + 1 (0 = illegal). Built at compile time from the same table
** with designated initialisers, so decoding needs no setup and no locking.
*/
#define KPAGE(prefix)                                                        \
    ((prefix) == 0 ? 0 : (prefix) == 0xFB ? 1 : (prefix) == 0xFC ? 2         \
                       : (prefix) == 0xFD ? 3 : 4)
#define KPAGE_SIZE 512

static const uint16_t op_lookup[5 * KPAGE_SIZE] = {
#define KOP(NAME, text, prefix, code, imm) [KPAGE(prefix) * KPAGE_SIZE + (code)] = KOP_##NAME + 1,
#include "binary/kbin_opcodes.def"
};

/*
** The inline decoder's table (kbin_reader.h): for one-byte opcodes whose
** immediate shape the fast path knows, KOP_* + 1 and the shape. Prefixed
** opcodes and the other shapes stay 0 (kbin_read_instr_full).
*/
#define KFAST(imm) ((imm) == KIMM_NONE || (imm) == KIMM_INDEX || (imm) == KIMM_I32 || \
                    (imm) == KIMM_I64 || (imm) == KIMM_F32 || (imm) == KIMM_F64 ||   \
                    (imm) == KIMM_BLOCK || (imm) == KIMM_MEMARG)
/* Rows are selected by pasting the prefix as written in the table (0x00 for
   one-byte opcodes), so every index is initialised at most once. */
#define KFAST_ROW_0x00(NAME, code, imm) [code] = KFAST(imm) ? ((uint32_t)(imm) << 16 | (KOP_##NAME + 1u)) : 0,
#define KFAST_ROW_0xFB(NAME, code, imm)
#define KFAST_ROW_0xFC(NAME, code, imm)
#define KFAST_ROW_0xFD(NAME, code, imm)
#define KFAST_ROW_0xFE(NAME, code, imm)
const uint32_t kbin_fast[256] = {
#define KOP(NAME, text, prefix, code, imm) KFAST_ROW_##prefix(NAME, code, imm)
#include "binary/kbin_opcodes.def"
};

/* ---------------------------------------------------------------- errors */

kb_error *kbin_leb_error(int status, size_t offset) {
    /* Inside a section or body, running out of bytes is reported with the
       reference interpreter's wording, which contains "unexpected end". */
    const char *msg = status == KB_LEB_END ? "unexpected end of section or function"
                                           : kb_leb_message((kb_leb_status)status);
    return kb_error_at(KB_ERR_MALFORMED, (int64_t)offset, "%s", msg);
}

static kb_error *malformed(size_t offset, const char *msg) {
    return kb_error_at(KB_ERR_MALFORMED, (int64_t)offset, "%s", msg);
}

/* ---------------------------------------------------------------- primitives */

kb_error *kbin_read_byte(kbin_reader *r, uint8_t *out) {
    if (r->pos >= r->end) return kbin_leb_error(KB_LEB_END, r->pos);
    *out = r->bytes[r->pos++];
    return NULL;
}

/*
** LEB128 numbers shorter than the last byte their width permits need none of
** the spec's range checks (5.2.2: only the last permitted byte has unused
** bits): up to 4 bytes for 32-bit numbers, 9 for 64-bit ones. Decodes such a
** number into *raw (not sign-extended) and returns its length, or 0 when it
** is longer or runs past the input (kb_leb_u/kb_leb_s then decide).
*/
static inline unsigned leb_short(const kbin_reader *r, unsigned max_bytes, uint64_t *raw) {
    if (r->pos >= r->end) return 0;
    const uint8_t *p = r->bytes + r->pos;
    size_t avail = r->end - r->pos;
    uint64_t v = 0;
    for (unsigned i = 0; i < max_bytes && i < avail; i++) {
        v |= (uint64_t)(p[i] & 0x7F) << (7 * i);
        if (!(p[i] & 0x80)) {
            *raw = v;
            return i + 1;
        }
    }
    return 0;
}

/* Sign-extends an n-byte signed LEB's raw bits (n <= 9). */
static inline int64_t leb_sext(uint64_t raw, unsigned n) {
    unsigned shift = 7 * n;
    if (raw & ((uint64_t)1 << (shift - 1))) raw |= ~(uint64_t)0 << shift;
    return (int64_t)raw;
}

kb_error *kbin_read_u32(kbin_reader *r, uint32_t *out) {
    /* Fast path: one-byte LEB, by far the most common index encoding. */
    if (r->pos < r->end && r->bytes[r->pos] < 0x80) {
        *out = r->bytes[r->pos++];
        return NULL;
    }
    uint64_t v;
    unsigned n = leb_short(r, 4, &v);
    if (n != 0) {
        r->pos += n;
        *out = (uint32_t)v;
        return NULL;
    }
    size_t start = r->pos;
    kb_leb_status st = kb_leb_u(r->bytes, r->end, &r->pos, 32, &v);
    if (st != KB_LEB_OK) return kbin_leb_error(st, start);
    *out = (uint32_t)v;
    return NULL;
}

kb_error *kbin_read_u64(kbin_reader *r, uint64_t *out) {
    unsigned n = leb_short(r, 9, out);
    if (n != 0) {
        r->pos += n;
        return NULL;
    }
    size_t start = r->pos;
    kb_leb_status st = kb_leb_u(r->bytes, r->end, &r->pos, 64, out);
    return st == KB_LEB_OK ? NULL : kbin_leb_error(st, start);
}

kb_error *kbin_read_s32(kbin_reader *r, int32_t *out) {
    int64_t v;
    uint64_t raw;
    unsigned n = leb_short(r, 4, &raw);
    if (n != 0) {
        r->pos += n;
        *out = (int32_t)leb_sext(raw, n);
        return NULL;
    }
    size_t start = r->pos;
    kb_leb_status st = kb_leb_s(r->bytes, r->end, &r->pos, 32, &v);
    if (st != KB_LEB_OK) return kbin_leb_error(st, start);
    *out = (int32_t)v;
    return NULL;
}

kb_error *kbin_read_s64(kbin_reader *r, int64_t *out) {
    uint64_t raw;
    unsigned n = leb_short(r, 9, &raw);
    if (n != 0) {
        r->pos += n;
        *out = leb_sext(raw, n);
        return NULL;
    }
    size_t start = r->pos;
    kb_leb_status st = kb_leb_s(r->bytes, r->end, &r->pos, 64, out);
    return st == KB_LEB_OK ? NULL : kbin_leb_error(st, start);
}

static kb_error *read_fixed(kbin_reader *r, void *out, size_t n) {
    if (r->end - r->pos < n || r->pos > r->end) return kbin_leb_error(KB_LEB_END, r->pos);
    memcpy(out, r->bytes + r->pos, n);
    r->pos += n;
    return NULL;
}

/* Abstract heap type codes (spec 3.0, 5.3.4 "absheaptype"). */
static bool is_abs_heap(uint8_t b) {
    return (b >= 0x69 && b <= 0x74);
}

kb_error *kbin_read_heaptype(kbin_reader *r, uint32_t *out) {
    if (r->pos >= r->end) return kbin_leb_error(KB_LEB_END, r->pos);
    uint8_t b = r->bytes[r->pos];
    if (is_abs_heap(b)) {
        r->pos++;
        *out = KHT_ABS(b);
        return NULL;
    }
    /* A type index, encoded as a non-negative s33 (spec 5.3.4). */
    size_t start = r->pos;
    int64_t v;
    kb_leb_status st = kb_leb_s(r->bytes, r->end, &r->pos, 33, &v);
    if (st != KB_LEB_OK) return kbin_leb_error(st, start);
    if (v < 0) return malformed(start, "malformed heap type");
    if (v >= (int64_t)0xFFFFFF00) return malformed(start, "type index too large");
    *out = (uint32_t)v;
    return NULL;
}

/* Reads the rest of a reference type whose first byte 'b' was consumed. */
static kb_error *ref_after(kbin_reader *r, uint8_t b, size_t start, kbin_valtype *out) {
    if (b == 0x63 || b == 0x64) {
        uint32_t ht;
        kb_error *err = kbin_read_heaptype(r, &ht);
        if (err) return err;
        *out = kbin_ref(b == 0x63, ht);
        return NULL;
    }
    if (is_abs_heap(b)) {
        *out = kbin_ref(true, KHT_ABS(b)); /* shorthand: (ref null ht) */
        return NULL;
    }
    return malformed(start, "malformed reference type");
}

kb_error *kbin_read_reftype(kbin_reader *r, kbin_valtype *out) {
    size_t start = r->pos;
    uint8_t b = 0;
    kb_error *err = kbin_read_byte(r, &b);
    if (err) return err;
    return ref_after(r, b, start, out);
}

kb_error *kbin_read_valtype(kbin_reader *r, kbin_valtype *out) {
    size_t start = r->pos;
    uint8_t b = 0;
    kb_error *err = kbin_read_byte(r, &b);
    if (err) return err;
    switch (b) {
    case KVT_I32: case KVT_I64: case KVT_F32: case KVT_F64: case KVT_V128:
        *out = kbin_vt(b);
        return NULL;
    default:
        if (b == 0x63 || b == 0x64 || is_abs_heap(b)) return ref_after(r, b, start, out);
        return malformed(start, "malformed value type");
    }
}

kb_error *kbin_read_storagetype(kbin_reader *r, kbin_valtype *out) {
    if (r->pos < r->end && (r->bytes[r->pos] == KVT_I8 || r->bytes[r->pos] == KVT_I16)) {
        *out = kbin_vt(r->bytes[r->pos++]);
        return NULL;
    }
    return kbin_read_valtype(r, out);
}

kb_error *kbin_read_blocktype(kbin_reader *r, kbin_blocktype *out) {
    if (r->pos >= r->end) return kbin_leb_error(KB_LEB_END, r->pos);
    uint8_t b = r->bytes[r->pos];
    memset(out, 0, sizeof *out);
    if (b == 0x40) {
        r->pos++;
        out->kind = KBT_EMPTY;
        return NULL;
    }
    /* One-byte negative s33 values are value types (spec 5.4.1 "blocktype"). */
    if (b >= 0x40 && b < 0x80) {
        out->kind = KBT_VAL;
        return kbin_read_valtype(r, &out->val);
    }
    size_t start = r->pos;
    int64_t v;
    kb_leb_status st = kb_leb_s(r->bytes, r->end, &r->pos, 33, &v);
    if (st != KB_LEB_OK) return kbin_leb_error(st, start);
    if (v < 0 || v > (int64_t)UINT32_MAX) return malformed(start, "malformed block type");
    out->kind = KBT_TYPE;
    out->index = (uint32_t)v;
    return NULL;
}

/* ---------------------------------------------------------------- immediates */

/* memarg (spec 3.0, 5.4.7): flags bit 6 announces an explicit memory index. */
static kb_error *read_memarg(kbin_reader *r, kbin_memarg *m) {
    uint32_t flags = 0;
    size_t start = r->pos;
    kb_error *err = kbin_read_u32(r, &flags);
    if (err) return err;
    if (flags >= 128) return malformed(start, "malformed memop flags");
    m->memory = 0;
    if (flags & 0x40) {
        if ((err = kbin_read_u32(r, &m->memory)) != NULL) return err;
        flags &= ~0x40u;
    }
    m->align = flags;
    m->lane = 0;
    return kbin_read_u64(r, &m->offset);
}

static kb_error *read_catch(kbin_reader *r, kbin_catch *c) {
    size_t start = r->pos;
    uint8_t kind = 0;
    kb_error *err = kbin_read_byte(r, &kind);
    if (err) return err;
    if (kind > KCATCH_ALL_REF) return malformed(start, "malformed catch clause");
    c->kind = kind;
    c->tag = 0;
    if (kind == KCATCH || kind == KCATCH_REF) {
        if ((err = kbin_read_u32(r, &c->tag)) != NULL) return err;
    }
    return kbin_read_u32(r, &c->label);
}

uint32_t kbin_br_table_next(const kbin_reader *r, size_t *pos) {
    if (*pos < r->end && r->bytes[*pos] < 0x80) return r->bytes[(*pos)++]; /* one-byte label */
    uint64_t v = 0;
    kb_leb_status st = kb_leb_u(r->bytes, r->end, pos, 32, &v);
    (void)st; /* checked when the instruction was read */
    return (uint32_t)v;
}

void kbin_catch_next(const kbin_reader *r, size_t *pos, kbin_catch *out) {
    kbin_reader tmp = {r->bytes, *pos, r->end};
    kb_error *err = read_catch(&tmp, out);
    if (err) { /* cannot happen for an accepted instruction */
        kb_error_free(err);
        memset(out, 0, sizeof *out);
    }
    *pos = tmp.pos;
}

static kb_error *read_imm(kbin_reader *r, kbin_instr *in, unsigned imm) {
    kb_error *err = NULL;
    switch (imm) {
    case KIMM_NONE:
        return NULL;
    case KIMM_INDEX:
        return kbin_read_u32(r, &in->imm.index);
    case KIMM_INDEX2:
        if ((err = kbin_read_u32(r, &in->imm.idx2.a)) != NULL) return err;
        return kbin_read_u32(r, &in->imm.idx2.b);
    case KIMM_BLOCK:
        return kbin_read_blocktype(r, &in->imm.block);
    case KIMM_BR_TABLE: {
        uint32_t n = 0, label;
        if ((err = kbin_read_u32(r, &n)) != NULL) return err;
        in->imm.br_table.count = n;
        in->imm.br_table.labels = r->pos;
        /* Check every label now so kbin_br_table_next cannot fail. A count
           larger than the remaining bytes fails at the end of the input. */
        for (uint32_t i = 0; i < n; i++) {
            if (r->pos < r->end && r->bytes[r->pos] < 0x80) { /* one-byte label */
                r->pos++;
                continue;
            }
            if ((err = kbin_read_u32(r, &label)) != NULL) return err;
        }
        return kbin_read_u32(r, &in->imm.br_table.default_label);
    }
    case KIMM_SELECT_T: {
        uint32_t n = 0;
        kbin_valtype t;
        if ((err = kbin_read_u32(r, &n)) != NULL) return err;
        in->imm.select.count = n;
        in->imm.select.type = kbin_vt(KVT_BOT);
        for (uint32_t i = 0; i < n; i++) {
            if ((err = kbin_read_valtype(r, &t)) != NULL) return err;
            if (i == 0) in->imm.select.type = t;
        }
        return NULL;
    }
    case KIMM_I32:
        return kbin_read_s32(r, &in->imm.i32);
    case KIMM_I64:
        return kbin_read_s64(r, &in->imm.i64);
    case KIMM_F32: {
        uint8_t b[4] = {0};
        if ((err = read_fixed(r, b, 4)) != NULL) return err;
        in->imm.f32 = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                      (uint32_t)b[3] << 24;
        return NULL;
    }
    case KIMM_F64: {
        uint8_t b[8] = {0};
        if ((err = read_fixed(r, b, 8)) != NULL) return err;
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
        in->imm.f64 = v;
        return NULL;
    }
    case KIMM_V128:
    case KIMM_SHUFFLE:
        return read_fixed(r, in->imm.v128, 16);
    case KIMM_MEMARG:
        return read_memarg(r, &in->imm.mem);
    case KIMM_MEMARG_LANE:
        if ((err = read_memarg(r, &in->imm.mem)) != NULL) return err;
        return kbin_read_byte(r, &in->imm.mem.lane);
    case KIMM_LANE:
        return kbin_read_byte(r, &in->imm.lane);
    case KIMM_HEAPTYPE: {
        uint32_t ht;
        if ((err = kbin_read_heaptype(r, &ht)) != NULL) return err;
        in->imm.ref = kbin_ref(true, ht);
        return NULL;
    }
    case KIMM_REFTYPE: {
        uint32_t ht;
        if ((err = kbin_read_heaptype(r, &ht)) != NULL) return err;
        bool nullable = in->op == KOP_REF_TEST_NULL || in->op == KOP_REF_CAST_NULL;
        in->imm.ref = kbin_ref(nullable, ht);
        return NULL;
    }
    case KIMM_BR_ON_CAST: {
        uint32_t h1, h2;
        size_t start = r->pos;
        if ((err = kbin_read_byte(r, &in->imm.br_on_cast.flags)) != NULL) return err;
        if (in->imm.br_on_cast.flags > 3) return malformed(start, "malformed br_on_cast flags");
        if ((err = kbin_read_u32(r, &in->imm.br_on_cast.label)) != NULL) return err;
        if ((err = kbin_read_heaptype(r, &h1)) != NULL) return err;
        if ((err = kbin_read_heaptype(r, &h2)) != NULL) return err;
        in->imm.br_on_cast.from = kbin_ref(in->imm.br_on_cast.flags & 1, h1);
        in->imm.br_on_cast.to = kbin_ref(in->imm.br_on_cast.flags & 2, h2);
        return NULL;
    }
    case KIMM_TRY_TABLE: {
        uint32_t n = 0;
        kbin_catch c;
        if ((err = kbin_read_blocktype(r, &in->imm.try_table.block)) != NULL) return err;
        if ((err = kbin_read_u32(r, &n)) != NULL) return err;
        in->imm.try_table.count = n;
        in->imm.try_table.clauses = r->pos;
        for (uint32_t i = 0; i < n; i++)
            if ((err = read_catch(r, &c)) != NULL) return err;
        return NULL;
    }
    case KIMM_ZERO_BYTE: {
        size_t start = r->pos;
        uint8_t b = 0;
        if ((err = kbin_read_byte(r, &b)) != NULL) return err;
        return b == 0 ? NULL : malformed(start, "zero byte expected");
    }
    }
    return malformed(r->pos, "internal: bad immediate kind");
}

/* ---------------------------------------------------------------- instructions */

kb_error *kbin_read_instr_full(kbin_reader *r, kbin_instr *out) {
    size_t start = r->pos;
    if (start >= r->end) return kbin_leb_error(KB_LEB_END, start);
    uint8_t b = r->bytes[r->pos++];
    unsigned page;
    uint32_t code = b;
    switch (b) {
    case 0xFB: page = 1; break;
    case 0xFC: page = 2; break;
    case 0xFD: page = 3; break;
    case 0xFE: page = 4; break;
    default: page = 0; break;
    }
    if (page != 0) {
        /* Sub-opcodes are u32 LEBs (spec 5.4: "0xFC 32:u32"). */
        kb_error *err = kbin_read_u32(r, &code);
        if (err) return err;
    }
    uint16_t op = code < KPAGE_SIZE ? op_lookup[page * KPAGE_SIZE + code] : 0;
    if (op == 0) {
        if (page == 0) return kb_error_at(KB_ERR_MALFORMED, (int64_t)start, "illegal opcode %02x", b);
        return kb_error_at(KB_ERR_MALFORMED, (int64_t)start, "illegal opcode %02x %x", b, code);
    }
    out->op = (uint16_t)(op - 1);
    out->offset = (uint32_t)start;
    return read_imm(r, out, kbin_ops[out->op].imm);
}
