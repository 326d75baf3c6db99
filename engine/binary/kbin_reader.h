/*
** kbin_reader.h -- the instruction reader: decodes one instruction at a time.
**
** Used by binary/ (to find the extent of constant expressions), by valid/
** (to type-check function bodies) and by compile/ (to translate them). It
** never allocates: a kbin_reader is a cursor over a byte range, and
** kbin_read_instr fills a caller-provided kbin_instr.
**
** Typical use, over a function body taken from kbin_module:
**
**     kbin_reader r = kbin_reader_make(m->bytes, f->body.offset,
**                                      f->body.offset + f->body.len);
**     kbin_instr in;
**     while (!kbin_reader_done(&r)) {
**         if ((err = kbin_read_instr(&r, &in)) != NULL) goto done;
**         switch (in.op) { case KOP_I32_ADD: ...; }
**     }
**
** Offsets ('pos', 'end', kbin_instr.offset, kb_error.offset) are absolute
** offsets in 'bytes', which for module code is the whole module binary, so
** errors carry the offset a spec runner reports.
**
** Errors are KB_ERR_MALFORMED with the spec test suite's wording:
** "unexpected end" (as "unexpected end of section or function", which contains
** it), "integer representation too long", "integer too large",
** "illegal opcode XX", "malformed memop flags", "malformed value type",
** "malformed reference type", "malformed heap type", "zero byte expected".
*/
#ifndef KBIN_READER_H
#define KBIN_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/kb_error.h"
#include "binary/kbin_module.h"

/* ---------------------------------------------------------------- opcodes */

/* Immediate shapes (the last column of kbin_opcodes.def). */
enum {
    KIMM_NONE = 0,
    KIMM_INDEX,       /* one u32 index: imm.index */
    KIMM_INDEX2,      /* two u32 indices: imm.idx2.a, imm.idx2.b (order: see kbin_instr) */
    KIMM_BLOCK,       /* block type: imm.block */
    KIMM_BR_TABLE,    /* imm.br_table */
    KIMM_SELECT_T,    /* typed select: imm.select */
    KIMM_I32,         /* imm.i32 */
    KIMM_I64,         /* imm.i64 */
    KIMM_F32,         /* imm.f32 (raw bits) */
    KIMM_F64,         /* imm.f64 (raw bits) */
    KIMM_V128,        /* imm.v128 (16 bytes, little endian) */
    KIMM_MEMARG,      /* imm.mem */
    KIMM_MEMARG_LANE, /* imm.mem including imm.mem.lane */
    KIMM_LANE,        /* imm.lane */
    KIMM_SHUFFLE,     /* imm.v128 holds the 16 lane indices */
    KIMM_HEAPTYPE,    /* ref.null: imm.ref (nullable = 1, heap) */
    KIMM_REFTYPE,     /* ref.test/ref.cast: imm.ref (nullable from the opcode, heap) */
    KIMM_BR_ON_CAST,  /* imm.br_on_cast */
    KIMM_TRY_TABLE,   /* imm.try_table */
    KIMM_ZERO_BYTE,   /* atomic.fence: one reserved 0x00 byte, nothing stored */
    KIMM_COUNT_
};

/* Dense internal instruction numbers, in row order of kbin_opcodes.def (ORDER OP). */
enum {
#define KOP(NAME, text, prefix, code, imm) KOP_##NAME,
#include "binary/kbin_opcodes.def"
    KOP_COUNT_
};

/* Static facts about one instruction (ORDER OP). */
typedef struct kbin_opinfo {
    const char *name; /* text-format name, e.g. "i32.add" */
    uint8_t prefix;   /* 0 or 0xFB/0xFC/0xFD/0xFE */
    uint8_t imm;      /* KIMM_* */
    uint16_t code;    /* opcode byte or sub-opcode */
} kbin_opinfo;

/* Indexed by KOP_*. */
extern const kbin_opinfo kbin_ops[KOP_COUNT_];

/* The text name of 'op' ("i32.add"), or "<bad op>" when out of range. */
const char *kbin_op_name(unsigned op);

/* ---------------------------------------------------------------- reader */

typedef struct kbin_reader {
    const uint8_t *bytes; /* the whole buffer; positions are absolute */
    size_t pos;           /* next byte to read */
    size_t end;           /* one past the last readable byte */
} kbin_reader;

static inline kbin_reader kbin_reader_make(const uint8_t *bytes, size_t pos, size_t end) {
    kbin_reader r = {bytes, pos, end};
    return r;
}
static inline bool kbin_reader_done(const kbin_reader *r) { return r->pos >= r->end; }

/* Block types (spec 5.4.1): empty, one value type, or a type index. */
enum { KBT_EMPTY = 0, KBT_VAL = 1, KBT_TYPE = 2 };

typedef struct kbin_blocktype {
    uint8_t kind;     /* KBT_* */
    uint32_t index;   /* KBT_TYPE: type index (not checked against the module here) */
    kbin_valtype val; /* KBT_VAL */
} kbin_blocktype;

typedef struct kbin_memarg {
    uint32_t align;   /* log2 of the alignment hint (< 64) */
    uint32_t memory;  /* memory index (0 unless flag bit 6 was set, multi-memory) */
    uint64_t offset;  /* u64 in the binary; validation checks it against the index type */
    uint8_t lane;     /* KIMM_MEMARG_LANE only */
} kbin_memarg;

/* try_table catch clause kinds (exception handling 3.0, binary 0x00-0x03). */
enum { KCATCH = 0, KCATCH_REF = 1, KCATCH_ALL = 2, KCATCH_ALL_REF = 3 };

typedef struct kbin_catch {
    uint8_t kind;   /* KCATCH_* */
    uint32_t tag;   /* KCATCH and KCATCH_REF only */
    uint32_t label;
} kbin_catch;

/*
** One decoded instruction. Two-index immediates (imm.idx2.a then .b):
**   call_indirect, return_call_indirect: type, table
**   table.copy, memory.copy: destination, source
**   table.init: elem segment, table       memory.init: data segment, memory
**   struct.get/_s/_u, struct.set: type, field
**   array.copy: destination type, source type
**   array.new_fixed: type, count
**   array.new_data, array.init_data: type, data segment
**   array.new_elem, array.init_elem: type, elem segment
** One-index immediates (imm.index): the obvious index (label for br/br_if/
** br_on_null/br_on_non_null/rethrow/delegate, tag for throw/catch, memory for
** memory.size/grow/fill, table for table.*, data for data.drop, elem for
** elem.drop, type for call_ref/return_call_ref/struct.new, array.new and the array instructions ...).
*/
typedef struct kbin_instr {
    uint16_t op;     /* KOP_* */
    uint32_t offset; /* absolute offset of the instruction's first byte */
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32;       /* raw IEEE bits */
        uint64_t f64;       /* raw IEEE bits */
        uint8_t v128[16];   /* v128.const bytes, or i8x16.shuffle lane indices */
        uint32_t index;
        struct { uint32_t a, b; } idx2;
        kbin_memarg mem;
        kbin_blocktype block;
        uint8_t lane;
        kbin_valtype ref;   /* ref.null (heap type), ref.test/ref.cast (nullable + heap) */
        struct {
            uint32_t count;     /* number of types in the vector (valid only when 1) */
            kbin_valtype type;  /* the first type when count >= 1 */
        } select;
        struct {
            uint32_t count;     /* number of labels before the default */
            size_t labels;      /* position of the first label: use kbin_br_table_next */
            uint32_t default_label;
        } br_table;
        struct {
            kbin_blocktype block;
            uint32_t count;     /* catch clause count */
            size_t clauses;     /* position of the first clause: use kbin_catch_next */
        } try_table;
        struct {
            uint8_t flags;      /* bit 0: source nullable, bit 1: target nullable */
            uint32_t label;
            kbin_valtype from;  /* rt1 (nullable from flags bit 0) */
            kbin_valtype to;    /* rt2 (nullable from flags bit 1) */
        } br_on_cast;
    } imm;
} kbin_instr;

/*
** Decodes the instruction at r->pos and all its immediates into *out and
** advances r->pos past it. Returns NULL or a KB_ERR_MALFORMED error (r->pos is
** then unspecified). Checks the encoding only: indices are not checked against
** the module (that is validation).
**
** Every function body is read this way by binary/, valid/ and compile/, so
** the common shapes are decoded inline (issue 10): a one-byte opcode with no
** immediate, a one-byte index (local.get 3), a one-byte signed constant
** (i32.const -2) or a memarg whose flags and offset take a byte each. Each
** row of 'kbin_fast' is KOP_* + 1 in its low 16 bits (0: take the full
** decoder, kbin_read_instr_full) and the KIMM_* shape above them.
*/
kb_error *kbin_read_instr_full(kbin_reader *r, kbin_instr *out);
extern const uint32_t kbin_fast[256];

static inline kb_error *kbin_read_instr(kbin_reader *r, kbin_instr *out) {
    size_t p = r->pos;
    if (r->end - p >= 3 && p < r->end) {
        const uint8_t *b = r->bytes + p;
        uint32_t e = kbin_fast[b[0]];
        if (e != 0) {
            uint16_t op = (uint16_t)((e & 0xFFFF) - 1);
            /* The two most common shapes by far (local.get 3, end) are
               tested before the switch: two predictable branches are
               cheaper than its indirect jump. Rows with other shapes fall
               through to it. */
            if (e < (1u << 16)) { /* KIMM_NONE */
                out->op = op;
                out->offset = (uint32_t)p;
                r->pos = p + 1;
                return NULL;
            }
            if ((e >> 16) == KIMM_INDEX && b[1] < 0x80) {
                out->op = op;
                out->offset = (uint32_t)p;
                out->imm.index = b[1];
                r->pos = p + 2;
                return NULL;
            }
            switch (e >> 16) {
            case KIMM_INDEX:
                if (b[2] < 0x80) { /* two bytes (one was taken above): call 200, global.get 130 */
                    out->op = op;
                    out->offset = (uint32_t)p;
                    out->imm.index = (uint32_t)(b[1] & 0x7F) | (uint32_t)b[2] << 7;
                    r->pos = p + 3;
                    return NULL;
                }
                break;
            case KIMM_I32:
            case KIMM_I64: {
                /* Signed LEBs shorter than their last permitted byte (4 bytes
                   for i32, 9 for i64) need no range check (spec 5.2.2). */
                size_t avail = r->end - p - 1;
                unsigned max = (e >> 16) == KIMM_I32 ? 4 : 9;
                uint64_t v = 0;
                for (unsigned i = 0; i < max && i < avail; i++) {
                    v |= (uint64_t)(b[1 + i] & 0x7F) << (7 * i);
                    if (!(b[1 + i] & 0x80)) {
                        unsigned shift = 7 * (i + 1);
                        if (v & ((uint64_t)1 << (shift - 1))) v |= ~(uint64_t)0 << shift;
                        out->op = op;
                        out->offset = (uint32_t)p;
                        if (max == 4) out->imm.i32 = (int32_t)(int64_t)v;
                        else out->imm.i64 = (int64_t)v;
                        r->pos = p + 2 + i;
                        return NULL;
                    }
                }
                break;
            }
            case KIMM_F32:
                if (r->end - p >= 5) {
                    out->op = op;
                    out->offset = (uint32_t)p;
                    out->imm.f32 = (uint32_t)b[1] | (uint32_t)b[2] << 8 | (uint32_t)b[3] << 16 |
                                   (uint32_t)b[4] << 24;
                    r->pos = p + 5;
                    return NULL;
                }
                break;
            case KIMM_F64:
                if (r->end - p >= 9) {
                    uint64_t v = 0;
                    for (int i = 8; i >= 1; i--) v = v << 8 | b[i];
                    out->op = op;
                    out->offset = (uint32_t)p;
                    out->imm.f64 = v;
                    r->pos = p + 9;
                    return NULL;
                }
                break;
            case KIMM_BLOCK:
                /* Empty (0x40) or one value type byte (spec 5.4.1 "blocktype"). */
                if (b[1] == 0x40 || (b[1] >= KVT_V128 && b[1] <= KVT_I32)) {
                    out->op = op;
                    out->offset = (uint32_t)p;
                    out->imm.block.kind = b[1] == 0x40 ? KBT_EMPTY : KBT_VAL;
                    out->imm.block.index = 0;
                    out->imm.block.val = b[1] == 0x40 ? kbin_vt(0) : kbin_vt(b[1]);
                    r->pos = p + 2;
                    return NULL;
                }
                break;
            case KIMM_MEMARG:
                /* flags < 0x40: no memory index; an offset of one or two bytes. */
                if (b[1] < 0x40 && (b[2] < 0x80 || (r->end - p >= 4 && b[3] < 0x80))) {
                    out->op = op;
                    out->offset = (uint32_t)p;
                    out->imm.mem.align = b[1];
                    out->imm.mem.memory = 0;
                    out->imm.mem.lane = 0;
                    if (b[2] < 0x80) {
                        out->imm.mem.offset = b[2];
                        r->pos = p + 3;
                    } else {
                        out->imm.mem.offset = (uint64_t)(b[2] & 0x7F) | (uint64_t)b[3] << 7;
                        r->pos = p + 4;
                    }
                    return NULL;
                }
                break;
            default:
                break;
            }
        }
    }
    return kbin_read_instr_full(r, out);
}

/*
** Reads the next br_table label at *pos and advances *pos. Only valid for the
** list of an instruction kbin_read_instr has accepted (the encoding is already
** checked, so this cannot fail). 'r' is the reader that read the instruction.
*/
uint32_t kbin_br_table_next(const kbin_reader *r, size_t *pos);

/* Same for try_table catch clauses. */
void kbin_catch_next(const kbin_reader *r, size_t *pos, kbin_catch *out);

/* ---------------------------------------------------------------- primitives */

/* Each returns NULL on success or a KB_ERR_MALFORMED error at the offending byte. */
kb_error *kbin_read_byte(kbin_reader *r, uint8_t *out);
kb_error *kbin_read_u32(kbin_reader *r, uint32_t *out);
kb_error *kbin_read_u64(kbin_reader *r, uint64_t *out);
kb_error *kbin_read_s32(kbin_reader *r, int32_t *out);
kb_error *kbin_read_s64(kbin_reader *r, int64_t *out);
/* A value type (numeric, vector or reference; spec 5.3.5). */
kb_error *kbin_read_valtype(kbin_reader *r, kbin_valtype *out);
/* A reference type (0x63/0x64 forms and the one-byte abbreviations). */
kb_error *kbin_read_reftype(kbin_reader *r, kbin_valtype *out);
/* A heap type: abstract (KHT_*) or a type index (spec 5.3.4). */
kb_error *kbin_read_heaptype(kbin_reader *r, uint32_t *out);
/* A storage type: a value type or packed i8 (0x78) / i16 (0x77). */
kb_error *kbin_read_storagetype(kbin_reader *r, kbin_valtype *out);
kb_error *kbin_read_blocktype(kbin_reader *r, kbin_blocktype *out);

/* A KB_ERR_MALFORMED error at 'offset' with "unexpected end" / LEB wording for 'status'. */
kb_error *kbin_leb_error(int status, size_t offset);

#endif
