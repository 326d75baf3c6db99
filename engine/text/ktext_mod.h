/*
** ktext_mod.h -- the module context shared by the module, type and
** instruction parsers of engine/text (core spec 6.6 "Modules").
**
** A module is encoded in passes over its token array:
**   1. scan: every field's identifiers are bound in their index space
**      (spec 6.6.x identifier context), imports first by construction;
**   2. types: every explicit type definition is parsed and encoded;
**   3. fields: everything else, in text order, straight into the bytes of
**      its binary section. Inline function types (spec 6.6.x "type uses")
**      are appended after the explicit types in first-use order.
*/
#ifndef KTEXT_MOD_H
#define KTEXT_MOD_H

#include "text/ktext_int.h"

/* Index spaces (spec 2.5.1 indices). */
enum {
    KTEXT_SP_TYPE, KTEXT_SP_FUNC, KTEXT_SP_TABLE, KTEXT_SP_MEM, KTEXT_SP_GLOBAL,
    KTEXT_SP_TAG, KTEXT_SP_ELEM, KTEXT_SP_DATA, KTEXT_SP_COUNT
};

/* Binary section ids (spec 5.5.2). */
enum {
    KTEXT_SEC_CUSTOM = 0, KTEXT_SEC_TYPE = 1, KTEXT_SEC_IMPORT = 2, KTEXT_SEC_FUNC = 3,
    KTEXT_SEC_TABLE = 4, KTEXT_SEC_MEM = 5, KTEXT_SEC_GLOBAL = 6, KTEXT_SEC_EXPORT = 7,
    KTEXT_SEC_START = 8, KTEXT_SEC_ELEM = 9, KTEXT_SEC_CODE = 10, KTEXT_SEC_DATA = 11,
    KTEXT_SEC_DATACOUNT = 12, KTEXT_SEC_TAG = 13, KTEXT_SEC_COUNT = 14
};

/* Abstract heap type bytes (spec 5.3.x). */
enum {
    KTEXT_HT_NOEXN = 0x74, KTEXT_HT_NOCONT = 0x75, KTEXT_HT_NOFUNC = 0x73,
    KTEXT_HT_NOEXTERN = 0x72, KTEXT_HT_NONE = 0x71, KTEXT_HT_FUNC = 0x70,
    KTEXT_HT_EXTERN = 0x6F, KTEXT_HT_ANY = 0x6E, KTEXT_HT_EQ = 0x6D, KTEXT_HT_I31 = 0x6C,
    KTEXT_HT_STRUCT = 0x6B, KTEXT_HT_ARRAY = 0x6A, KTEXT_HT_EXN = 0x69, KTEXT_HT_CONT = 0x68
};

#define KTEXT_VT_REF 0x64 /* 'code' of every reference type */

/* A value or storage type. */
typedef struct ktext_vt {
    uint8_t code;  /* numeric/vector/packed type byte, or KTEXT_VT_REF */
    uint8_t null;  /* refs: nullable */
    uint8_t exact; /* refs: exact (custom descriptors) */
    uint8_t habs;  /* refs: abstract heap type byte, 0 for a type index */
    uint32_t idx;  /* refs: type index when habs == 0 */
} ktext_vt;

/* What the parsers need to know about a defined type. */
typedef struct ktext_type {
    uint8_t kind;        /* 0x60 func, 0x5F struct, 0x5E array, 0x5D cont */
    uint8_t final_;      /* 'sub final' or plain */
    uint8_t has_super;
    uint8_t parsed;
    uint32_t group_size; /* members of its rec group */
    uint32_t nparams, nresults; /* func: vts = params then results */
    uint32_t nfields;           /* struct/array: vts = field types */
    ktext_vt *vts;
    ktext_map fields;           /* struct field names */
} ktext_type;

typedef struct ktext_label {
    const char *key; /* NULL when the label has no identifier */
    size_t klen;
    const char *shown; /* parameters: an (@name ...) for the name section, or NULL */
    size_t slen;
} ktext_label;

/* A branch hint of the function being parsed (branch hinting proposal). */
typedef struct ktext_hint {
    uint32_t off;  /* offset of the hinted opcode in the function's instructions */
    uint8_t value; /* 0: likely not taken, 1: likely taken */
} ktext_hint;

typedef struct ktext_mod {
    ktext_p *p;
    ktext_map names[KTEXT_SP_COUNT];
    uint32_t counts[KTEXT_SP_COUNT];
    KB_VEC(ktext_type) types;      /* explicit, then implicit */
    uint32_t explicit_types;
    KB_VEC(uint8_t) mem64;         /* per memory: 1 for i64 addresses */
    KB_VEC(uint8_t) table64;       /* per table: 1 for i64 addresses */
    kb_buf sec[KTEXT_SEC_COUNT];
    uint32_t sec_count[KTEXT_SEC_COUNT];
    uint32_t type_groups;          /* entries of the type section */
    bool uses_data_count;          /* code refers to data segments */
    bool has_start;
    /* the function being parsed */
    ktext_map locals;
    uint32_t nlocals;
    KB_VEC(ktext_label) labels;
    /* name section contents (spec 7.4 "name section") */
    kb_buf func_names;
    uint32_t func_name_count;
    kb_buf local_names;
    uint32_t local_name_funcs;
    kb_buf tag_names;
    uint32_t tag_name_count;
    /* annotations (ktext_annot.c) */
    const char *mod_name;          /* (@name ...) of the module, overrides $id */
    size_t mod_name_len;
    bool has_mod_name;
    KB_VEC(size_t) customs;        /* claimed (@custom ...) annotations, text order */
    bool in_func;                  /* parsing a function body: branch hints allowed */
    int hint_next;                 /* hint for the folded block being entered, or -1 */
    KB_VEC(ktext_hint) hints;      /* the function's hints, in code order */
    kb_buf hint_sec;               /* metadata.code.branch_hint entries */
    uint32_t hint_funcs;
} ktext_mod;

/* ------------------------------------------------------ types (ktext_types.c) */

/* Parses a heap type (abstract keyword or type index). */
bool ktext_heaptype(ktext_mod *m, ktext_vt *vt);
/* Parses a value type (spec 6.4.x valtype). */
bool ktext_valtype(ktext_mod *m, ktext_vt *vt);
/* Parses a reference type: '(ref null? ht)' or a shorthand. */
bool ktext_reftype(ktext_mod *m, ktext_vt *vt);
/* True when the current token starts a value type. */
bool ktext_at_valtype(const ktext_mod *m);
bool ktext_vt_emit(kb_buf *b, const ktext_vt *vt);
bool ktext_vt_eq(const ktext_vt *a, const ktext_vt *b);
/* Encodes a heap type (s33) for instructions like ref.null. */
bool ktext_ht_emit(kb_buf *b, const ktext_vt *vt);

/* Parses one '(type ...)' or '(rec ...)' field into the type section. */
bool ktext_typefield(ktext_mod *m);

/* Parameter names bound by a type use in a function header. */
typedef struct ktext_param_names {
    KB_VEC(ktext_label) names; /* one per parameter, key NULL if unnamed */
} ktext_param_names;

/*
** Parses a type use (spec 6.6.x): '(type x)'? '(param ...)'* '(result ...)'*.
** 'names' (may be NULL, then identifiers are an error) receives parameter
** names. Inserts an implicit type when needed and sets *idx.
*/
bool ktext_typeuse(ktext_mod *m, uint32_t *idx, ktext_param_names *names);
/* Block type (spec 6.5.2): returns the encoded blocktype in 'out'. */
bool ktext_blocktype(ktext_mod *m, kb_buf *out);
/* Resolves an index (number or identifier) in index space 'sp'. */
bool ktext_index(ktext_mod *m, int sp, uint32_t *out);
/* True when the current token is an index (number or identifier). */
bool ktext_at_index(const ktext_mod *m);
/* Field index of struct type 'type'. */
bool ktext_field_index(ktext_mod *m, uint32_t type, uint32_t *out);

/* ---------------------------------------------- instructions (ktext_instr.c) */

/* Parses instructions up to ')' or EOF (not consumed) into 'out'. */
bool ktext_instrs(ktext_mod *m, kb_buf *out);
/* Parses exactly one instruction (plain or folded). */
bool ktext_instr1(ktext_mod *m, kb_buf *out);
/* Parses an expression: instructions then 'end' (0x0B). */
bool ktext_expr(ktext_mod *m, kb_buf *out);
/* True when the atom at the current token names an instruction. */
bool ktext_is_instr_token(const ktext_mod *m, const ktext_tok *t);

/* ------------------------------------------- annotations (ktext_annot.c) */

/* Custom-section slots: before first, before and after each of the 13
** section kinds, after last. */
#define KTEXT_SLOTS 28

/*
** Checks the syntax of every kept annotation of the module whose tokens are
** [start, end] (annotations proposal; custom sections appendix; branch
** hinting), duplicates included, before anything else of the module.
*/
bool ktext_annot_check(ktext_mod *m, size_t start, size_t end);
/* Claims the (@custom ...) annotations standing at token 'at' (a field boundary). */
bool ktext_annot_claim_customs(ktext_mod *m, size_t at);
/* Claims the (@name ...) at the current token, if any: k and n receive the name. */
bool ktext_annot_name(ktext_mod *m, const char **k, size_t *n);
/* Claims the branch hint at the current token: -1 if none, else its value.
** Fails (returns -2) when the next instruction is not 'if' or 'br_if'. */
int ktext_annot_hint(ktext_mod *m);
/* Records a hint for the opcode at offset 'off' of the current function's code. */
bool ktext_hint_add(ktext_mod *m, int value, size_t off);
/* Ends a function: its hints go to the section, offsets moved by 'base'
** (the bytes of the body before the instructions). */
bool ktext_hint_func_done(ktext_mod *m, uint32_t funcidx, size_t base);
/* Fails on any annotation of [start, end] that no part of the module claimed. */
bool ktext_annot_unclaimed(ktext_mod *m, size_t start, size_t end);
/* Emits the claimed custom sections of slot 'slot' (0: before first, 2k+1:
** before the k-th section of the binary order, 2k+2: after it, KTEXT_SLOTS - 1:
** after last). */
bool ktext_annot_emit_customs(ktext_mod *m, kb_buf *out, unsigned slot);
/* True when a claimed (@custom ...) has the section name 'name'. */
bool ktext_annot_has_custom(ktext_mod *m, const char *name);
/* Emits the metadata.code.branch_hint section, if any hint was given. */
bool ktext_hint_emit(ktext_mod *m, kb_buf *out);

#endif
