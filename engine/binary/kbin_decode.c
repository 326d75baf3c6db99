/*
** kbin_decode.c -- the module decoder: bytes to kbin_module
** (core spec 3.0, chapter 5 "Binary Format", 5.5 "Modules").
**
** Every section is decoded here except function bodies and constant
** expressions, which are kept as byte ranges (their extent is found here,
** their meaning is checked by valid/). Allocation is proportional to the
** input: a count is never trusted for an allocation larger than the bytes
** that could hold that many entries, so hostile counts fail with
** "unexpected end" instead of exhausting memory.
**
** Error wording follows the spec test suite (binary.wast, binary-leb128.wast,
** custom.wast, utf8-*.wast), which a spec runner compares by substring.
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "base/kb_leb.h"
#include "base/kb_utf8.h"
#include "binary/kbin_module.h"
#include "binary/kbin_reader.h"

/* Implementation limits (not spec rules): sizes an engine may refuse. */
#define KBIN_MAX_LOCALS 50000u          /* per function, as in web engines */
#define KBIN_MAX_MODULE_LOCALS 0x1000000u /* expanded locals across a module */

typedef struct dec {
    kbin_module *m;
    kbin_reader r;       /* reads from the current section up to the end of the input */
    size_t sec_end;      /* end of the current section's contents */
    uint32_t features;
    /* Capacities of the growing arrays in 'm'. */
    size_t types_cap, funcs_cap, tables_cap, memories_cap, globals_cap, tags_cap, customs_cap;
    bool has_func_section, has_code_section;
    uint32_t defined_funcs;   /* from the function section */
    uint32_t code_count;      /* from the code section */
    bool has_data_section;
    uint64_t module_locals;
    size_t name_section;      /* custom 'name' section contents, decoded last */
    size_t name_section_end;
    bool has_name_section;
    uint32_t bodies_done;     /* defined functions whose entry was read (KBIN_FEATURE_DEFER_BODIES) */
} dec;

/* ---------------------------------------------------------------- helpers */

static kb_error *malformed(size_t offset, const char *msg) {
    return kb_error_at(KB_ERR_MALFORMED, (int64_t)offset, "%s", msg);
}

static kb_error *oom(void) { return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory"); }

/* Grows '*items' (of '*cap' elements) to hold 'need' elements. */
static bool grow(void **items, size_t *cap, size_t elem, size_t need) {
    if (need <= *cap) return true;
    size_t n = *cap ? *cap * 2 : 8;
    while (n < need) n *= 2;
    size_t bytes;
    if (kb_mul_size(n, elem, &bytes) != 0) return false;
    void *p = kb_realloc(*items, bytes);
    if (p == NULL) return false;
    memset((char *)p + *cap * elem, 0, (n - *cap) * elem);
    *items = p;
    *cap = n;
    return true;
}

#define GROW(d, field, countfield, capfield, extra)                                  \
    grow((void **)&(d)->m->field, &(d)->capfield, sizeof(*(d)->m->field),           \
         (size_t)(d)->m->countfield + (extra))

/*
** Reads a vector count and checks it against the bytes left: every entry
** takes at least 'min_entry' bytes, so a larger count cannot be satisfied and
** fails now with the wording it would fail with later.
*/
static kb_error *read_count(dec *d, uint32_t *n, size_t min_entry) {
    kb_error *err = kbin_read_u32(&d->r, n);
    if (err) return err;
    if ((uint64_t)*n * min_entry > d->r.end - d->r.pos)
        return malformed(d->r.end, "unexpected end of section or function");
    return NULL;
}

/*
** A name (spec 5.2.4): a length-prefixed UTF-8 string, copied NUL-terminated
** to '*text' (which moves past it) when given, else to a new allocation.
*/
static kb_error *read_name_to(dec *d, char **text, char **out, uint32_t *len_out) {
    uint32_t len;
    size_t start = d->r.pos;
    kb_error *err = kbin_read_u32(&d->r, &len);
    if (err) return err;
    if (len > d->r.end - d->r.pos) return malformed(start, "length out of bounds");
    const uint8_t *s = d->r.bytes + d->r.pos;
    if (!kb_utf8_valid(s, len)) return malformed(d->r.pos, "malformed UTF-8 encoding");
    if (text != NULL) {
        *out = *text;
        memcpy(*out, s, len);
        (*out)[len] = '\0';
        *text += (size_t)len + 1;
    } else if ((*out = kb_strndup((const char *)s, len)) == NULL) {
        return oom();
    }
    if (len_out) *len_out = len;
    d->r.pos += len;
    return NULL;
}

static kb_error *read_name(dec *d, char **out, uint32_t *len_out) { return read_name_to(d, NULL, out, len_out); }

/*
** An array of 'n' entries of 'size' bytes, zeroed, followed by room for the
** NUL-terminated names of a section (at most its remaining bytes plus one
** NUL per name): import and export names then cost one allocation per
** section, not one per name (every load decodes them, cache hits included:
** issue 7). '*text' receives the start of the room.
*/
static void *entries_with_names(dec *d, uint32_t n, size_t size, char **text) {
    size_t head = ((size_t)n + 1) * size, room = (d->r.end - d->r.pos) + (size_t)n * 2;
    uint8_t *p = kb_malloc(head + room);
    if (p == NULL) return NULL;
    memset(p, 0, head);
    *text = (char *)p + head;
    return p;
}

/*
** Finds the extent of a constant expression: instructions up to the 'end'
** that closes it (blocks cannot appear in constant expressions, but nesting
** is tracked anyway so the extent is right whatever the validator says).
*/
static kb_error *scan_expr(dec *d, kbin_range *out) {
    size_t start = d->r.pos;
    uint32_t depth = 0;
    kbin_instr in;
    for (;;) {
        kb_error *err = kbin_read_instr(&d->r, &in);
        if (err) return err;
        switch (in.op) {
        case KOP_BLOCK: case KOP_LOOP: case KOP_IF: case KOP_TRY: case KOP_TRY_TABLE:
            depth++;
            break;
        case KOP_END:
            if (depth == 0) {
                out->offset = (uint32_t)start;
                out->len = (uint32_t)(d->r.pos - start);
                return NULL;
            }
            depth--;
            break;
        case KOP_DELEGATE:
            if (depth > 0) depth--;
            break;
        default:
            break;
        }
    }
}

/* ---------------------------------------------------------------- types */

static kb_error *read_mut(dec *d, bool *out) {
    size_t start = d->r.pos;
    uint8_t b;
    kb_error *err = kbin_read_byte(&d->r, &b);
    if (err) return err;
    if (b > 1) return malformed(start, "malformed mutability");
    *out = b == 1;
    return NULL;
}

/* Limits (spec 3.0, 5.3.7 plus memory64, threads, custom-page-sizes flags). */
static kb_error *read_limits(dec *d, kbin_limits *l, bool memory) {
    size_t start = d->r.pos;
    uint8_t flags;
    kb_error *err = kbin_read_byte(&d->r, &flags);
    if (err) return err;
    uint32_t allowed = memory ? 0x07u : 0x05u;
    if (memory && (d->features & KBIN_FEATURE_CUSTOM_PAGE_SIZES)) allowed |= 0x08u;
    if ((flags & ~allowed) != 0) return malformed(start, "malformed limits flags");
    memset(l, 0, sizeof *l);
    l->has_max = flags & 1;
    l->shared = (flags & 2) != 0;
    l->is64 = (flags & 4) != 0;
    l->page_log2 = 16;
    /* Read as u64 whatever the index type: the range is a validation rule
       (binary-leb128.wast expects "integer too large" only past 64 bits). */
    unsigned bits = 64;
    size_t p = d->r.pos;
    kb_leb_status st = kb_leb_u(d->r.bytes, d->r.end, &d->r.pos, bits, &l->min);
    if (st != KB_LEB_OK) return kbin_leb_error(st, p);
    if (l->has_max) {
        p = d->r.pos;
        st = kb_leb_u(d->r.bytes, d->r.end, &d->r.pos, bits, &l->max);
        if (st != KB_LEB_OK) return kbin_leb_error(st, p);
    }
    if (flags & 8) {
        uint32_t log2;
        p = d->r.pos;
        if ((err = kbin_read_u32(&d->r, &log2)) != NULL) return err;
        /* Only 0 and 16 are valid (validation); keep anything small for it to judge. */
        if (log2 > 64) return malformed(p, "invalid custom page size");
        l->page_log2 = (uint8_t)log2;
    }
    return NULL;
}

static kb_error *read_tabletype(dec *d, kbin_tabletype *t) {
    kb_error *err = kbin_read_reftype(&d->r, &t->elem);
    if (err) return err;
    return read_limits(d, &t->limits, false);
}

static kb_error *read_globaltype(dec *d, kbin_globaltype *g) {
    kb_error *err = kbin_read_valtype(&d->r, &g->type);
    if (err) return err;
    return read_mut(d, &g->mutable_);
}

/* A composite type (spec 3.0, 5.3.6): func 0x60, struct 0x5F, array 0x5E. */
static kb_error *read_comptype(dec *d, kbin_type *t) {
    size_t start = d->r.pos;
    uint8_t b;
    uint32_t n;
    kb_error *err = kbin_read_byte(&d->r, &b);
    if (err) return err;
    /* The reference decoder reads this byte as an s7: a continuation bit
       is an over-long integer (binary-leb128.wast). */
    if (b & 0x80) return malformed(start, "integer representation too long");
    switch (b) {
    case 0x60: {
        t->comp = KCT_FUNC;
        uint32_t np, nr;
        if ((err = read_count(d, &np, 1)) != NULL) return err;
        /* Read into a growing buffer: results come after params. */
        kbin_valtype *v = kb_malloc(((size_t)np + 1) * sizeof *v);
        if (v == NULL) return oom();
        t->params = v;
        for (uint32_t i = 0; i < np; i++)
            if ((err = kbin_read_valtype(&d->r, &v[i])) != NULL) return err;
        t->param_count = np;
        if ((err = read_count(d, &nr, 1)) != NULL) return err;
        v = kb_realloc(t->params, ((size_t)np + nr + 1) * sizeof *v);
        if (v == NULL) return oom();
        t->params = v;
        for (uint32_t i = 0; i < nr; i++)
            if ((err = kbin_read_valtype(&d->r, &v[np + i])) != NULL) return err;
        t->result_count = nr;
        return NULL;
    }
    case 0x5F:
    case 0x5E: {
        t->comp = b == 0x5F ? KCT_STRUCT : KCT_ARRAY;
        if (b == 0x5F) {
            if ((err = read_count(d, &n, 1)) != NULL) return err;
        } else {
            n = 1;
        }
        t->fields = kb_calloc((size_t)n + 1, sizeof *t->fields);
        if (t->fields == NULL) return oom();
        for (uint32_t i = 0; i < n; i++) {
            if ((err = kbin_read_storagetype(&d->r, &t->fields[i].type)) != NULL) return err;
            if ((err = read_mut(d, &t->fields[i].mutable_)) != NULL) return err;
            t->field_count = i + 1;
        }
        return NULL;
    }
    default:
        return malformed(start, "malformed definition type");
    }
}

/* A subtype (spec 3.0, 5.3.8): 0x50/0x4F with supertypes, or a bare composite type. */
static kb_error *read_subtype(dec *d, kbin_type *t) {
    kb_error *err;
    t->final = true;
    t->super = KBIN_NO_INDEX;
    if (d->r.pos < d->r.end && (d->r.bytes[d->r.pos] == 0x50 || d->r.bytes[d->r.pos] == 0x4F)) {
        t->final = d->r.bytes[d->r.pos] == 0x4F;
        d->r.pos++;
        size_t start = d->r.pos;
        uint32_t n;
        if ((err = read_count(d, &n, 1)) != NULL) return err;
        /* The binary allows a vector; validation allows at most one supertype. */
        if (n > 1) return kb_error_at(KB_ERR_INVALID, (int64_t)start, "multiple supertypes");
        if (n == 1 && (err = kbin_read_u32(&d->r, &t->super)) != NULL) return err;
    }
    return read_comptype(d, t);
}

static kb_error *sec_type(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    for (uint32_t g = 0; g < n; g++) {
        uint32_t group = 1;
        bool rec = false;
        if (d->r.pos < d->r.end && d->r.bytes[d->r.pos] == 0x4E) {
            d->r.pos++;
            if ((err = read_count(d, &group, 1)) != NULL) return err;
            rec = true;
        }
        if ((uint64_t)m->type_count + group > 0x0FFFFFFFu)
            return kb_error_at(KB_ERR_LIMIT, (int64_t)d->r.pos, "too many types");
        if (!GROW(d, types, type_count, types_cap, group)) return oom();
        uint32_t first = m->type_count;
        for (uint32_t i = 0; i < group; i++) {
            kbin_type *t = &m->types[m->type_count++];
            memset(t, 0, sizeof *t);
            t->rec_start = first;
            t->rec_size = group;
            t->canon = KBIN_NO_INDEX;
            if ((err = read_subtype(d, t)) != NULL) return err;
        }
        (void)rec;
    }
    return NULL;
}

/* ---------------------------------------------------------------- imports, functions */

static kb_error *sec_import(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    char *text;
    m->imports = entries_with_names(d, n, sizeof *m->imports, &text);
    if (m->imports == NULL) return oom();
    for (uint32_t i = 0; i < n; i++) {
        kbin_import *im = &m->imports[i];
        m->import_count = i + 1;
        if ((err = read_name_to(d, &text, &im->module, &im->module_len)) != NULL) return err;
        if ((err = read_name_to(d, &text, &im->name, &im->name_len)) != NULL) return err;
        size_t kpos = d->r.pos;
        uint8_t kind;
        if ((err = kbin_read_byte(&d->r, &kind)) != NULL) return err;
        im->kind = kind;
        switch (kind) {
        case KEXT_FUNC:
            if ((err = kbin_read_u32(&d->r, &im->desc.func_type)) != NULL) return err;
            if (!GROW(d, funcs, func_count, funcs_cap, 1)) return oom();
            m->funcs[m->func_count].type = im->desc.func_type;
            m->funcs[m->func_count].imported = true;
            m->func_count++;
            m->imported_funcs++;
            break;
        case KEXT_TABLE:
            if ((err = read_tabletype(d, &im->desc.table)) != NULL) return err;
            if (!GROW(d, tables, table_count, tables_cap, 1)) return oom();
            m->tables[m->table_count].type = im->desc.table;
            m->tables[m->table_count].imported = true;
            m->table_count++;
            m->imported_tables++;
            break;
        case KEXT_MEMORY:
            if ((err = read_limits(d, &im->desc.memory, true)) != NULL) return err;
            if (!GROW(d, memories, memory_count, memories_cap, 1)) return oom();
            m->memories[m->memory_count].limits = im->desc.memory;
            m->memories[m->memory_count].imported = true;
            m->memory_count++;
            m->imported_memories++;
            break;
        case KEXT_GLOBAL:
            if ((err = read_globaltype(d, &im->desc.global)) != NULL) return err;
            if (!GROW(d, globals, global_count, globals_cap, 1)) return oom();
            m->globals[m->global_count].type = im->desc.global;
            m->globals[m->global_count].imported = true;
            m->global_count++;
            m->imported_globals++;
            break;
        case KEXT_TAG: {
            uint8_t attr;
            size_t apos = d->r.pos;
            if ((err = kbin_read_byte(&d->r, &attr)) != NULL) return err;
            if (attr != 0) return malformed(apos, "malformed tag attribute");
            if ((err = kbin_read_u32(&d->r, &im->desc.tag_type)) != NULL) return err;
            if (!GROW(d, tags, tag_count, tags_cap, 1)) return oom();
            m->tags[m->tag_count].type = im->desc.tag_type;
            m->tags[m->tag_count].imported = true;
            m->tag_count++;
            m->imported_tags++;
            break;
        }
        default:
            return malformed(kpos, "malformed import kind");
        }
    }
    return NULL;
}

static kb_error *sec_function(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    if (!GROW(d, funcs, func_count, funcs_cap, n)) return oom();
    for (uint32_t i = 0; i < n; i++) {
        kbin_func *f = &m->funcs[m->func_count];
        memset(f, 0, sizeof *f);
        if ((err = kbin_read_u32(&d->r, &f->type)) != NULL) return err;
        m->func_count++;
    }
    d->has_func_section = true;
    d->defined_funcs = n;
    return NULL;
}

static kb_error *sec_table(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    if (!GROW(d, tables, table_count, tables_cap, n)) return oom();
    for (uint32_t i = 0; i < n; i++) {
        kbin_table *t = &m->tables[m->table_count];
        memset(t, 0, sizeof *t);
        /* 3.0: 0x40 0x00 tabletype expr is a table with an initialiser. */
        if (d->r.pos < d->r.end && d->r.bytes[d->r.pos] == 0x40) {
            d->r.pos++;
            size_t p = d->r.pos;
            uint8_t z;
            if ((err = kbin_read_byte(&d->r, &z)) != NULL) return err;
            if (z != 0) return malformed(p, "malformed table");
            if ((err = read_tabletype(d, &t->type)) != NULL) return err;
            t->has_init = true;
            if ((err = scan_expr(d, &t->init)) != NULL) return err;
        } else if ((err = read_tabletype(d, &t->type)) != NULL) {
            return err;
        }
        m->table_count++;
    }
    return NULL;
}

static kb_error *sec_memory(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    if (!GROW(d, memories, memory_count, memories_cap, n)) return oom();
    for (uint32_t i = 0; i < n; i++) {
        kbin_memory *mem = &m->memories[m->memory_count];
        memset(mem, 0, sizeof *mem);
        if ((err = read_limits(d, &mem->limits, true)) != NULL) return err;
        m->memory_count++;
    }
    return NULL;
}

static kb_error *sec_tag(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    if (!GROW(d, tags, tag_count, tags_cap, n)) return oom();
    for (uint32_t i = 0; i < n; i++) {
        kbin_tag *t = &m->tags[m->tag_count];
        memset(t, 0, sizeof *t);
        size_t p = d->r.pos;
        uint8_t attr;
        if ((err = kbin_read_byte(&d->r, &attr)) != NULL) return err;
        if (attr != 0) return malformed(p, "malformed tag attribute");
        if ((err = kbin_read_u32(&d->r, &t->type)) != NULL) return err;
        m->tag_count++;
    }
    return NULL;
}

static kb_error *sec_global(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    if (!GROW(d, globals, global_count, globals_cap, n)) return oom();
    for (uint32_t i = 0; i < n; i++) {
        kbin_global *g = &m->globals[m->global_count];
        memset(g, 0, sizeof *g);
        if ((err = read_globaltype(d, &g->type)) != NULL) return err;
        if ((err = scan_expr(d, &g->init)) != NULL) return err;
        m->global_count++;
    }
    return NULL;
}

static kb_error *sec_export(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    char *text;
    m->exports = entries_with_names(d, n, sizeof *m->exports, &text);
    if (m->exports == NULL) return oom();
    for (uint32_t i = 0; i < n; i++) {
        kbin_export *e = &m->exports[i];
        m->export_count = i + 1;
        if ((err = read_name_to(d, &text, &e->name, &e->name_len)) != NULL) return err;
        size_t p = d->r.pos;
        uint8_t kind;
        if ((err = kbin_read_byte(&d->r, &kind)) != NULL) return err;
        if (kind > KEXT_TAG) return malformed(p, "malformed export kind");
        e->kind = kind;
        if ((err = kbin_read_u32(&d->r, &e->index)) != NULL) return err;
    }
    return NULL;
}

static kb_error *sec_start(dec *d) {
    return kbin_read_u32(&d->r, &d->m->start);
}

/* ---------------------------------------------------------------- segments */

/* Element segments: the eight encodings of spec 3.0, 5.5.12. */
static kb_error *read_elem(dec *d, kbin_elem *e) {
    size_t start = d->r.pos;
    uint32_t flags;
    kb_error *err = kbin_read_u32(&d->r, &flags);
    if (err) return err;
    if (flags > 7) return malformed(start, "malformed elements segment kind");
    bool passive_or_decl = flags & 1;
    bool explicit_table = flags & 2;
    bool exprs = flags & 4;
    e->mode = !passive_or_decl ? KSEG_ACTIVE : explicit_table ? KSEG_DECLARATIVE : KSEG_PASSIVE;
    e->uses_exprs = exprs;
    if (e->mode == KSEG_ACTIVE) {
        if (explicit_table && (err = kbin_read_u32(&d->r, &e->table)) != NULL) return err;
        if ((err = scan_expr(d, &e->offset)) != NULL) return err;
    }
    /* Forms 0 and 4 have no element kind / type: (ref func) and (ref null func). */
    if (flags == 0) {
        e->type = kbin_ref(false, KHT_FUNC);
    } else if (flags == 4) {
        e->type = kbin_ref(true, KHT_FUNC);
    } else if (!exprs) {
        size_t p = d->r.pos;
        uint8_t kind;
        if ((err = kbin_read_byte(&d->r, &kind)) != NULL) return err;
        if (kind != 0) return malformed(p, "malformed element kind");
        e->type = kbin_ref(false, KHT_FUNC);
    } else if ((err = kbin_read_reftype(&d->r, &e->type)) != NULL) {
        return err;
    }
    uint32_t n;
    if ((err = read_count(d, &n, 1)) != NULL) return err;
    if (exprs) {
        e->exprs = kb_calloc((size_t)n + 1, sizeof *e->exprs);
        if (e->exprs == NULL) return oom();
        for (uint32_t i = 0; i < n; i++) {
            if ((err = scan_expr(d, &e->exprs[i])) != NULL) return err;
            e->count = i + 1;
        }
    } else {
        e->func_indices = kb_calloc((size_t)n + 1, sizeof *e->func_indices);
        if (e->func_indices == NULL) return oom();
        for (uint32_t i = 0; i < n; i++) {
            if ((err = kbin_read_u32(&d->r, &e->func_indices[i])) != NULL) return err;
            e->count = i + 1;
        }
    }
    return NULL;
}

static kb_error *sec_elem(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    m->elems = kb_calloc((size_t)n + 1, sizeof *m->elems);
    if (m->elems == NULL) return oom();
    for (uint32_t i = 0; i < n; i++) {
        m->elem_count = i + 1;
        if ((err = read_elem(d, &m->elems[i])) != NULL) return err;
    }
    return NULL;
}

static kb_error *sec_datacount(dec *d) {
    d->m->has_data_count = true;
    return kbin_read_u32(&d->r, &d->m->data_count_value);
}

/*
** Checks the encoding of a function body (every instruction decodes, blocks
** nest, the body closes with 'end'), the way the reference decoder does: it
** reads on past the entry's size to the end of the input, which decides the
** wording of the errors binary.wast expects ("END opcode expected",
** "section size mismatch", "unexpected end of section or function").
** The validator decodes the body again for its meaning.
*/
static kb_error *scan_range(const uint8_t *bytes, size_t pos, size_t input_end, size_t body_end,
                            bool has_data_count) {
    kbin_reader r = kbin_reader_make(bytes, pos, input_end);
    uint64_t depth = 0;
    kbin_instr in;
    kb_error *err;
    for (;;) {
        if ((err = kbin_read_instr(&r, &in)) != NULL) return err;
        switch (in.op) {
        case KOP_BLOCK: case KOP_LOOP: case KOP_IF: case KOP_TRY: case KOP_TRY_TABLE:
            depth++;
            break;
        case KOP_END:
            if (depth == 0) goto closed;
            depth--;
            break;
        case KOP_DELEGATE: /* closes a legacy 'try' */
            if (depth == 0) return malformed(in.offset, "END opcode expected");
            depth--;
            break;
        case KOP_ELSE: case KOP_CATCH: case KOP_CATCH_ALL:
            if (depth == 0) return malformed(in.offset, "END opcode expected");
            break;
        case KOP_MEMORY_INIT: case KOP_DATA_DROP: case KOP_ARRAY_NEW_DATA: case KOP_ARRAY_INIT_DATA:
            /* Bulk memory (spec 5.5.16): these need the data count section,
               which must come before the code section. */
            if (!has_data_count) return malformed(in.offset, "data count section required");
            break;
        default:
            break;
        }
    }
closed:
    if (r.pos != body_end) return malformed(r.pos, "section size mismatch");
    return NULL;
}

/* The scan of one function's body, as the decoder runs it (see above). */
static kb_error *scan_func(const kbin_module *m, const kbin_func *f) {
    return scan_range(m->bytes, f->body.offset, m->size, (size_t)f->body.offset + f->body.len,
                      m->has_data_count);
}

kb_error *kbin_scan_bodies(const kbin_module *m, uint32_t count) {
    kb_error *err;
    for (uint32_t i = 0; i < count && m->imported_funcs + i < m->func_count; i++)
        if ((err = scan_func(m, &m->funcs[m->imported_funcs + i])) != NULL) return err;
    return NULL;
}

/* Function bodies (spec 5.5.13): size, compressed locals, instructions. */
static kb_error *read_code(dec *d, kbin_func *f, bool spare) {
    uint32_t size;
    size_t entry = d->r.pos;
    kb_error *err = kbin_read_u32(&d->r, &size);
    if (err) return err;
    if (size > d->r.end - d->r.pos) return malformed(entry, "length out of bounds");
    size_t body_end = d->r.pos + size;
    size_t section_end = d->sec_end;
    size_t input_end = d->r.end;
    d->r.end = body_end; /* locals must fit in the entry */
    f->code_offset = (uint32_t)entry;

    /* First pass: total count, checked before anything is allocated. */
    uint32_t groups;
    if ((err = read_count(d, &groups, 1)) != NULL) goto done;
    size_t groups_pos = d->r.pos;
    uint64_t total = 0;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t c;
        kbin_valtype t;
        if ((err = kbin_read_u32(&d->r, &c)) != NULL) goto done;
        if ((err = kbin_read_valtype(&d->r, &t)) != NULL) goto done;
        total += c;
    }
    /* The spec bounds the total by 2^32 (5.5.13); engines bound it lower. */
    if (total > KBIN_MAX_LOCALS) {
        err = malformed(groups_pos, "too many locals");
        goto done;
    }
    d->module_locals += total;
    if (d->module_locals > KBIN_MAX_MODULE_LOCALS) {
        err = kb_error_at(KB_ERR_LIMIT, (int64_t)groups_pos, "too many locals in module");
        goto done;
    }
    f->local_count = (uint32_t)total;
    /* Bytes this build already validated and compiled (a cache hit) need no
       locals array: only the validator and the compiler read it, and the
       compiled code carries its own frame layout (issue 7: a hit decodes
       thousands of functions). */
    if (d->features & KBIN_FEATURE_TRUSTED_BODIES) goto body;
    f->locals = kb_malloc(((size_t)total + 1) * sizeof *f->locals);
    if (f->locals == NULL) {
        err = oom();
        goto done;
    }
    d->r.pos = groups_pos;
    size_t k = 0;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t c;
        kbin_valtype t;
        (void)kbin_read_u32(&d->r, &c); /* already checked */
        (void)kbin_read_valtype(&d->r, &t);
        for (uint32_t j = 0; j < c; j++) f->locals[k++] = t;
    }
body:
    f->body.offset = (uint32_t)d->r.pos;
    f->body.len = (uint32_t)(body_end - d->r.pos);
    (void)section_end;
    d->r.end = input_end;
    /* The scan only finds encoding errors; bytes proven valid need no second
       look, and a deferred scan is the validator's (kbin_module.h). A body
       beyond the function section's count is never kept: scan it now. */
    if ((d->features & KBIN_FEATURE_TRUSTED_BODIES) || ((d->features & KBIN_FEATURE_DEFER_BODIES) && !spare)) {
        d->r.pos = body_end;
    } else {
        if ((err = scan_range(d->r.bytes, d->r.pos, d->r.end, body_end, d->m->has_data_count)) != NULL)
            goto done;
        d->r.pos = body_end;
    }
    if (!spare) d->bodies_done++;
done:
    d->r.end = input_end;
    return err;
}

static kb_error *sec_code(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    d->has_code_section = true;
    d->code_count = n;
    /* A count that disagrees with the function section is reported after
       the last section (the order of checks the spec tests expect). */
    for (uint32_t i = 0; i < n; i++) {
        kbin_func spare;
        memset(&spare, 0, sizeof spare);
        kbin_func *f = i < d->defined_funcs ? &m->funcs[m->imported_funcs + i] : &spare;
        err = read_code(d, f, f == &spare);
        if (f == &spare) kb_free(spare.locals);
        if (err) return err;
    }
    return NULL;
}

static kb_error *sec_data(dec *d) {
    uint32_t n;
    kb_error *err = read_count(d, &n, 1);
    if (err) return err;
    kbin_module *m = d->m;
    d->has_data_section = true;
    if (m->has_data_count && n != m->data_count_value)
        return malformed(d->r.pos, "data count and data section have inconsistent lengths");
    m->datas = kb_calloc((size_t)n + 1, sizeof *m->datas);
    if (m->datas == NULL) return oom();
    for (uint32_t i = 0; i < n; i++) {
        kbin_data *s = &m->datas[i];
        m->data_count = i + 1;
        size_t p = d->r.pos;
        uint32_t flags;
        if ((err = kbin_read_u32(&d->r, &flags)) != NULL) return err;
        if (flags > 2) return malformed(p, "malformed data segment kind");
        s->mode = flags == 1 ? KSEG_PASSIVE : KSEG_ACTIVE;
        if (flags == 2 && (err = kbin_read_u32(&d->r, &s->memory)) != NULL) return err;
        if (flags != 1 && (err = scan_expr(d, &s->offset)) != NULL) return err;
        uint32_t len;
        p = d->r.pos;
        if ((err = kbin_read_u32(&d->r, &len)) != NULL) return err;
        if (len > d->r.end - d->r.pos) return malformed(p, "unexpected end of section or function");
        s->init.offset = (uint32_t)d->r.pos;
        s->init.len = len;
        d->r.pos += len;
    }
    return NULL;
}

static kb_error *sec_custom(dec *d) {
    kbin_module *m = d->m;
    if (!GROW(d, customs, custom_count, customs_cap, 1)) return oom();
    kbin_custom *c = &m->customs[m->custom_count];
    memset(c, 0, sizeof *c);
    uint32_t len;
    /* A custom section is read within its own size (custom.wast). */
    d->r.end = d->sec_end;
    kb_error *err = read_name(d, &c->name, &len);
    if (err && strstr(err->message, "length out of bounds")) kb_error_set_message(err, "unexpected end");
    if (err) {
        kb_free(c->name);
        c->name = NULL;
        return err;
    }
    m->custom_count++;
    c->content.offset = (uint32_t)d->r.pos;
    if (d->r.pos > d->sec_end) return malformed(d->sec_end, "length out of bounds");
    c->content.len = (uint32_t)(d->sec_end - d->r.pos);
    if (len == 4 && memcmp(c->name, "name", 4) == 0 && !d->has_name_section) {
        d->has_name_section = true;
        d->name_section = d->r.pos;
        d->name_section_end = d->sec_end;
    }
    d->r.pos = d->sec_end;
    return NULL;
}

/* ---------------------------------------------------------------- module */

/*
** Section order (spec 3.0, 5.5.2): the position of each known id in the
** required order; 0 for custom sections, which may appear anywhere.
*/
static unsigned section_order(uint8_t id) {
    switch (id) {
    case 1: return 1;   /* type */
    case 2: return 2;   /* import */
    case 3: return 3;   /* function */
    case 4: return 4;   /* table */
    case 5: return 5;   /* memory */
    case 13: return 6;  /* tag */
    case 6: return 7;   /* global */
    case 7: return 8;   /* export */
    case 8: return 9;   /* start */
    case 9: return 10;  /* element */
    case 12: return 11; /* data count */
    case 10: return 12; /* code */
    case 11: return 13; /* data */
    default: return 0;
    }
}

static kb_error *decode_section(dec *d, uint8_t id) {
    switch (id) {
    case 0: return sec_custom(d);
    case 1: return sec_type(d);
    case 2: return sec_import(d);
    case 3: return sec_function(d);
    case 4: return sec_table(d);
    case 5: return sec_memory(d);
    case 6: return sec_global(d);
    case 7: return sec_export(d);
    case 8: return sec_start(d);
    case 9: return sec_elem(d);
    case 10: return sec_code(d);
    case 11: return sec_data(d);
    case 12: return sec_datacount(d);
    case 13: return sec_tag(d);
    }
    return malformed(d->r.pos, "malformed section id");
}

static kb_error *decode_module(dec *d) {
    kbin_module *m = d->m;
    const uint8_t *b = m->bytes;
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    kb_error *err;
    if (m->size < 4) return malformed(m->size, "unexpected end");
    if (memcmp(b, magic, 4) != 0) return malformed(0, "magic header not detected");
    if (m->size < 8) return malformed(m->size, "unexpected end");
    if (memcmp(b + 4, version, 4) != 0) return malformed(4, "unknown binary version");

    size_t pos = 8;
    unsigned last = 0;
    while (pos < m->size) {
        size_t sec_start = pos;
        uint8_t id = b[pos++];
        uint64_t size;
        kb_leb_status st = kb_leb_u(b, m->size, &pos, 32, &size);
        if (st != KB_LEB_OK) {
            if (st == KB_LEB_END) return malformed(pos, "unexpected end");
            return kbin_leb_error(st, pos);
        }
        if (id > 13) return malformed(sec_start, "malformed section id");
        if (size > m->size - pos) return malformed(pos, "length out of bounds");
        if (id != 0) {
            unsigned order = section_order(id);
            if (order <= last) return malformed(sec_start, "unexpected content after last section");
            last = order;
        }
        /* Like the reference decoder, read on to the end of the input and
           then check that the section's size was right. */
        d->r = kbin_reader_make(b, pos, m->size);
        d->sec_end = pos + (size_t)size;
        if ((err = decode_section(d, id)) != NULL) return err;
        if (d->r.pos != d->sec_end) return malformed(d->r.pos, "section size mismatch");
        pos += (size_t)size;
    }
    if (d->has_func_section != d->has_code_section || d->defined_funcs != d->code_count) {
        if (d->defined_funcs != 0 || d->code_count != 0)
            return malformed(m->size, "function and code section have inconsistent lengths");
    }
    if (m->has_data_count && !d->has_data_section && m->data_count_value != 0)
        return malformed(m->size, "data count and data section have inconsistent lengths");
    if (d->has_name_section) kbin_decode_names(m, d->name_section, d->name_section_end);
    return NULL;
}

kb_error *kbin_decode_ex(const uint8_t *bytes, size_t size, uint32_t features, kbin_module **out) {
    *out = NULL;
    if (bytes == NULL && size != 0) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "no bytes");
    if (size > UINT32_MAX) return kb_error_new(KB_ERR_LIMIT, "module too large");
    kbin_module *m = kb_calloc(1, sizeof *m);
    if (m == NULL) return oom();
    if ((features & KBIN_FEATURE_BORROW_BYTES) && size != 0) {
        m->bytes = (uint8_t *)(uintptr_t)bytes; /* read only (kbin_module_borrow_bytes) */
        m->bytes_borrowed = true;
    } else {
        if ((m->bytes = kb_malloc(size ? size : 1)) == NULL) {
            kb_free(m);
            return oom();
        }
        if (size) memcpy(m->bytes, bytes, size);
    }
    m->size = size;
    m->start = KBIN_NO_INDEX;
    m->features = features;
    dec d;
    memset(&d, 0, sizeof d);
    d.m = m;
    d.features = features;
    kb_error *err = decode_module(&d);
    if (err && (features & KBIN_FEATURE_DEFER_BODIES) && !(features & KBIN_FEATURE_TRUSTED_BODIES) &&
        d.bodies_done != 0) {
        /* The bodies read so far would have been scanned before this error
           was found: their first encoding error is the one to report. */
        kb_error *body_err = kbin_scan_bodies(m, d.bodies_done);
        if (body_err) {
            kb_error_free(err);
            err = body_err;
        }
    }
    if (err) {
        kbin_module_free(m);
        return err;
    }
    *out = m;
    return NULL;
}

kb_error *kbin_decode(const uint8_t *bytes, size_t size, kbin_module **out) {
    return kbin_decode_ex(bytes, size, KBIN_FEATURES_DEFAULT, out);
}
