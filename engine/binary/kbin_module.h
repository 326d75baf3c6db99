/*
** kbin_module.h -- the decoded description of a WebAssembly module.
**
** binary/ fills it from bytes (kbin_decode); valid/ checks it and fills in the
** fields marked "set by valid/"; compile/ and rt/ read it. It is immutable once
** validated and shared by every store and thread (DESIGN.md, Ownership 1).
**
** Index spaces follow the spec (core spec 2.5.1): imports come first in the
** function, table, memory, global and tag spaces, then the module's own
** definitions. Function bodies and constant expressions are kept as byte
** ranges into 'bytes' (a private copy of the module's binary) and are decoded
** again by whoever needs them, with kbin_reader (kbin_reader.h).
*/
#ifndef KBIN_MODULE_H
#define KBIN_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/kb_error.h"

/* ---------------------------------------------------------------- types */

/* Value type kinds: the binary encoding's first byte (spec 5.3.3-5.3.5). */
enum {
    KVT_I32 = 0x7F,
    KVT_I64 = 0x7E,
    KVT_F32 = 0x7D,
    KVT_F64 = 0x7C,
    KVT_V128 = 0x7B,
    KVT_I8 = 0x78,  /* packed storage type (struct/array fields only) */
    KVT_I16 = 0x77, /* packed storage type */
    KVT_REF = 0x64, /* (ref null? ht): see 'nullable' and 'heap' */
    KVT_BOT = 0x00  /* the validator's bottom type (unreachable code); never in a module */
};

/* Abstract heap types, stored in kbin_valtype.heap as KHT_ABS(code) (spec 5.3.4). */
#define KHT_ABS(code) (0xFFFFFF00u | (uint32_t)(code))
#define KHT_IS_ABS(h) ((uint32_t)(h) >= 0xFFFFFF00u)
#define KHT_CODE(h) ((uint8_t)((h) & 0xFF))
enum {
    KHT_NOEXN = KHT_ABS(0x74),
    KHT_NOFUNC = KHT_ABS(0x73),
    KHT_NOEXTERN = KHT_ABS(0x72),
    KHT_NONE = KHT_ABS(0x71),
    KHT_FUNC = KHT_ABS(0x70),
    KHT_EXTERN = KHT_ABS(0x6F),
    KHT_ANY = KHT_ABS(0x6E),
    KHT_EQ = KHT_ABS(0x6D),
    KHT_I31 = KHT_ABS(0x6C),
    KHT_STRUCT = KHT_ABS(0x6B),
    KHT_ARRAY = KHT_ABS(0x6A),
    KHT_EXN = KHT_ABS(0x69),
    KHT_BOT = KHT_ABS(0x00) /* validator-internal bottom heap type */
};

/*
** A value or storage type. For KVT_REF, 'heap' is an abstract heap type
** (KHT_*) or a type index into the module's type section (concrete type).
** Passed by value; compare with kbin_valtype_eq (module-local identity).
*/
typedef struct kbin_valtype {
    uint8_t kind;     /* KVT_* */
    uint8_t nullable; /* 1 for (ref null ht), 0 for (ref ht); 0 for non-references */
    uint8_t exact;    /* custom-descriptors 'exact' references; 0 otherwise */
    uint8_t pad_;
    uint32_t heap;    /* KVT_REF only */
} kbin_valtype;

static inline kbin_valtype kbin_vt(uint8_t kind) {
    kbin_valtype t = {kind, 0, 0, 0, 0};
    return t;
}
static inline kbin_valtype kbin_ref(bool nullable, uint32_t heap) {
    kbin_valtype t = {KVT_REF, (uint8_t)(nullable ? 1 : 0), 0, 0, heap};
    return t;
}
static inline bool kbin_valtype_eq(kbin_valtype a, kbin_valtype b) {
    return a.kind == b.kind && a.nullable == b.nullable && a.exact == b.exact &&
           (a.kind != KVT_REF || a.heap == b.heap);
}

/* Composite type kinds (spec 3.0, 2.3.8). */
enum { KCT_FUNC = 0, KCT_STRUCT = 1, KCT_ARRAY = 2 };

typedef struct kbin_field {
    kbin_valtype type; /* storage type: may be KVT_I8/KVT_I16 */
    bool mutable_;
} kbin_field;

#define KBIN_NO_INDEX UINT32_MAX

/*
** One entry of the type section: a subtype with its composite type, and the
** recursion group it belongs to (spec 2.3.9-2.3.11).
*/
typedef struct kbin_type {
    uint8_t comp;        /* KCT_* */
    bool final;          /* 'sub final' (the default for a plain composite type) */
    uint32_t super;      /* declared supertype's type index, or KBIN_NO_INDEX */
    uint32_t rec_start;  /* index of the first type of its rec group */
    uint32_t rec_size;   /* number of types in the group */
    /* KCT_FUNC: params[0..param_count) then results[0..result_count), one array. */
    uint32_t param_count;
    uint32_t result_count;
    kbin_valtype *params; /* owned; results = params + param_count */
    /* KCT_STRUCT: fields[0..field_count); KCT_ARRAY: field_count == 1. */
    uint32_t field_count;
    kbin_field *fields;   /* owned */
    /* Set by valid/: the canonical type id shared by every equivalent type in
       the engine (spec 3.0 type equivalence via rec-group canonicalisation). */
    uint32_t canon;
} kbin_type;

static inline const kbin_valtype *kbin_type_results(const kbin_type *t) {
    return t->params + t->param_count;
}

/* Limits of a memory or table (spec 2.3.13). */
typedef struct kbin_limits {
    uint64_t min;
    uint64_t max;       /* valid when has_max */
    bool has_max;
    bool is64;          /* memory64 / table64: the index type is i64 */
    bool shared;        /* threads: shared memory */
    uint8_t page_log2;  /* memories: log2 of the page size (16 by default; custom-page-sizes) */
} kbin_limits;

typedef struct kbin_tabletype {
    kbin_valtype elem; /* a reference type */
    kbin_limits limits;
} kbin_tabletype;

typedef struct kbin_globaltype {
    kbin_valtype type;
    bool mutable_;
} kbin_globaltype;

/* External kinds: the binary's export/import descriptor byte (spec 5.5.5). */
enum { KEXT_FUNC = 0, KEXT_TABLE = 1, KEXT_MEMORY = 2, KEXT_GLOBAL = 3, KEXT_TAG = 4 };

/* A byte range in kbin_module.bytes. */
typedef struct kbin_range {
    uint32_t offset;
    uint32_t len;
} kbin_range;

/* ---------------------------------------------------------------- sections */

typedef struct kbin_import {
    char *module;  /* in the imports block, NUL-terminated UTF-8 (may contain NUL: see module_len) */
    char *name;    /* in the imports block */
    uint32_t module_len, name_len;
    uint8_t kind;  /* KEXT_* */
    union {
        uint32_t func_type;     /* KEXT_FUNC: type index */
        kbin_tabletype table;   /* KEXT_TABLE */
        kbin_limits memory;     /* KEXT_MEMORY */
        kbin_globaltype global; /* KEXT_GLOBAL */
        uint32_t tag_type;      /* KEXT_TAG: type index of a function type */
    } desc;
} kbin_import;

typedef struct kbin_export {
    char *name;    /* NUL-terminated, in the exports block */
    uint32_t name_len;
    uint8_t kind;  /* KEXT_* */
    uint32_t index;
} kbin_export;

typedef struct kbin_func {
    uint32_t type;      /* type index (a function type) */
    bool imported;
    /* Defined functions only: */
    uint32_t local_count;     /* locals after the parameters */
    kbin_valtype *locals;     /* owned, expanded from the compressed form; NULL when decoded
                                 with KBIN_FEATURE_TRUSTED_BODIES (only valid/ and compile/
                                 read it, and they never see such a module) */
    kbin_range body;          /* instruction bytes after the local declarations, up to and including the final 'end' */
    uint32_t code_offset;     /* offset of the function's entry in 'bytes' (for backtraces) */
} kbin_func;

typedef struct kbin_table {
    kbin_tabletype type;
    bool imported;
    bool has_init;      /* 3.0 table with an initialiser expression */
    kbin_range init;    /* constant expression, including its 'end' */
} kbin_table;

typedef struct kbin_memory {
    kbin_limits limits;
    bool imported;
} kbin_memory;

typedef struct kbin_global {
    kbin_globaltype type;
    bool imported;
    kbin_range init;    /* defined globals: constant expression, including 'end' */
} kbin_global;

typedef struct kbin_tag {
    uint32_t type;      /* function type index (results must be empty) */
    bool imported;
} kbin_tag;

enum { KSEG_ACTIVE = 0, KSEG_PASSIVE = 1, KSEG_DECLARATIVE = 2 };

typedef struct kbin_elem {
    uint8_t mode;           /* KSEG_* */
    uint32_t table;         /* active: table index */
    kbin_range offset;      /* active: constant expression including 'end' */
    kbin_valtype type;      /* element reference type */
    uint32_t count;
    /* Either function indices (uses_exprs == false) or constant expressions. */
    bool uses_exprs;
    uint32_t *func_indices; /* owned, count entries */
    kbin_range *exprs;      /* owned, count entries, each including 'end' */
} kbin_elem;

typedef struct kbin_data {
    uint8_t mode;           /* KSEG_ACTIVE or KSEG_PASSIVE */
    uint32_t memory;        /* active: memory index */
    kbin_range offset;      /* active: constant expression including 'end' */
    kbin_range init;        /* the data bytes */
} kbin_data;

typedef struct kbin_custom {
    char *name;             /* owned */
    kbin_range content;
} kbin_custom;

/* A name from the name section (spec 7.4.2). */
typedef struct kbin_name {
    uint32_t index;
    char *name;             /* NUL-terminated, in the same block as func_names */
} kbin_name;

/* ---------------------------------------------------------------- module */

typedef struct kbin_module {
    uint8_t *bytes;          /* owned copy of the binary, never written after decoding;
                                borrowed when 'bytes_borrowed' (kbin_module_borrow_bytes) */
    size_t size;
    bool bytes_borrowed;

    kbin_type *types;        uint32_t type_count;
    kbin_import *imports;    uint32_t import_count;
    kbin_func *funcs;        uint32_t func_count;      /* imported + defined */
    kbin_table *tables;      uint32_t table_count;
    kbin_memory *memories;   uint32_t memory_count;
    kbin_global *globals;    uint32_t global_count;
    kbin_tag *tags;          uint32_t tag_count;
    kbin_export *exports;    uint32_t export_count;
    kbin_elem *elems;        uint32_t elem_count;
    kbin_data *datas;        uint32_t data_count;
    kbin_custom *customs;    uint32_t custom_count;

    uint32_t imported_funcs, imported_tables, imported_memories, imported_globals, imported_tags;
    uint32_t start;          /* start function index or KBIN_NO_INDEX */
    uint32_t features;       /* the KBIN_FEATURE_* flags it was decoded with */
    bool has_data_count;     /* a data count section was present */
    uint32_t data_count_value;

    /* Name section (all optional; a malformed name section is ignored, spec 7.4). */
    char *name;              /* module name or NULL */
    kbin_name *func_names;   uint32_t func_name_count; /* sorted by index */

    /* Set by valid/: */
    bool validated;
    const struct kval_registry *registry; /* the registry 'canon' ids refer to (kval_types.h) */
    uint32_t *declared_funcs; /* sorted function indices that may be used by ref.func (spec 3.4.x "C.refs"), owned */
    uint32_t declared_func_count;
} kbin_module;

/*
** Decodes 'size' bytes (copied; the caller keeps 'bytes'). On failure returns a
** KB_ERR_MALFORMED error carrying the byte offset and the spec's wording and
** leaves *out NULL; also KB_ERR_INVALID for a subtype with several declared
** supertypes (a validation rule the binary can express), KB_ERR_LIMIT for
** implementation limits (more than 50000 locals in a function, 16M in a
** module, modules over 4 GiB) and KB_ERR_OUT_OF_MEMORY.
**
** Besides the sections, every function body's encoding is checked here
** (each instruction decodes, blocks nest, the body ends with 'end';
** memory.init/data.drop/array.new_data/array.init_data need the data count
** section), as the reference decoder does; valid/ checks their meaning.
** Element segments in the function-index encodings 0-3 have type (ref func),
** encoding 4 has (ref null func) (spec 3.0, 5.5.12).
**
** Gives ownership of *out to the caller (kbin_module_free).
*/
kb_error *kbin_decode(const uint8_t *bytes, size_t size, kbin_module **out);

/*
** Optional decoding features (proposals beyond 3.0 that change what is
** malformed). kbin_decode uses KBIN_FEATURES_DEFAULT (plain 3.0 plus threads
** and wide arithmetic, which change no malformedness rule).
*/
enum {
    KBIN_FEATURE_CUSTOM_PAGE_SIZES = 1u << 0, /* memory limits flag 0x08 + page size log2 */
    KBIN_FEATURE_SINGLE_MEMORY = 1u << 1,     /* pre-3.0 suites: at most one memory and one table
                                                 (valid/ reports "multiple memories"/"multiple tables") */
    KBIN_FEATURE_TRUSTED_BODIES = 1u << 2,    /* skip the per-instruction scan of function bodies:
                                                 ONLY for bytes this engine build already decoded and
                                                 validated (a checksummed code-cache entry, issue 7) */
    KBIN_FEATURE_DEFER_BODIES = 1u << 3,      /* leave the per-instruction scan of function bodies to
                                                 kval_module, which reads every instruction anyway
                                                 (issue 10: one pass instead of two). The module MUST
                                                 then go through kval_module before any other use:
                                                 kval_module reports the scan's errors with the
                                                 scan's precedence (kbin_scan_bodies), so the errors
                                                 are exactly those of a plain decode + validate */
    KBIN_FEATURE_BORROW_BYTES = 1u << 4,      /* decode 'bytes' in place instead of copying them:
                                                 the caller keeps them alive and unchanged for the
                                                 module's whole life (rt/ decodes a cache hit from
                                                 the entry's mapped wasm copy, which the module
                                                 retains: no private copy, issue 7) */
    KBIN_FEATURES_DEFAULT = 0
};

/* kbin_decode with explicit KBIN_FEATURE_* flags. */
kb_error *kbin_decode_ex(const uint8_t *bytes, size_t size, uint32_t features, kbin_module **out);

/*
** binary/-internal: decodes the name section at m->bytes[pos .. end) into
** m->name / m->func_names, leniently (a damaged name section is ignored,
** spec 7.4). Called by kbin_decode.
*/
void kbin_decode_names(kbin_module *m, size_t pos, size_t end);

/*
** Scans the bodies of the first 'count' defined functions the way kbin_decode
** does (encoding, nesting, data count, size): NULL, or the first error in
** function order. For modules decoded with KBIN_FEATURE_DEFER_BODIES, whose
** validation found an error: an encoding error in a body takes precedence
** over any validation error, as it would have without the flag.
*/
kb_error *kbin_scan_bodies(const kbin_module *m, uint32_t count);

/*
** Replaces the module's private copy of its binary by 'bytes', an identical
** copy the caller keeps alive and unchanged for the module's whole life (rt/
** uses the wasm bytes inside the module's read-only code image, which the
** module retains: one copy of the binary instead of two, issue 10).
*/
void kbin_module_borrow_bytes(kbin_module *m, const uint8_t *bytes);

/* Frees the module and everything it owns; NULL is a no-op. */
void kbin_module_free(kbin_module *m);

/* The function type of function 'func_index' (imports included). */
const kbin_type *kbin_func_type(const kbin_module *m, uint32_t func_index);

/* The name of function 'func_index' from the name section, or NULL. */
const char *kbin_func_name(const kbin_module *m, uint32_t func_index);

#endif
