/*
** krt_instance.c -- instantiation and exports (core spec 3.0, 4.5.4
** "Instantiation"; import matching 4.5.2 / 3.x "Import subtyping").
**
** The steps follow the spec's order:
**   1. check every import's kind, store and type;
**   2. allocate the instance and its functions;
**   3. evaluate global initialisers in order (each may read earlier ones),
**      then table initialisers, and create memories and tags;
**   4. evaluate every element segment into an array of references;
**   5. run the active element segments (table.init + elem.drop) and drop the
**      declarative ones, then the active data segments (memory.init +
**      data.drop), in module order; the first out-of-bounds segment traps and
**      the effects of earlier segments stay (bulk memory: no pre-check);
**   6. call the start function.
** From step 2 on, everything is registered with the store at once, so a
** failure leaves no leak and no dangling pointer: a function already written
** into an imported table stays valid for the store's life (SEEDS.md 1).
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "exec/kexec.h"
#include "rt/krt_int.h"
#include "compile/kcomp.h"
#include "valid/kval_types.h"

static const char *const kind_names[] = {"function", "table", "memory", "global", "tag"};

static const char *kind_name(uint8_t kind) { return kind <= KEXT_TAG ? kind_names[kind] : "unknown"; }

/* ---------------------------------------------------------------- import matching */

static kb_error *incompatible(const kbin_import *imp, const char *why) {
    return kb_error_new(KB_ERR_UNLINKABLE, KRT_MSG_INCOMPATIBLE_IMPORT " for \"%.*s\" \"%.*s\": %s",
                        (int)imp->module_len, imp->module, (int)imp->name_len, imp->name, why);
}

/*
** Limits matching (spec 3.0 "Limits" import subtyping): the actual minimum
** (the CURRENT size, 4.5.2 uses the instance's type) is at least the
** expected one, and if a maximum is expected the actual has one no larger.
*/
static bool limits_match(uint64_t cur, bool has_max, uint64_t max, const kbin_limits *want) {
    if (cur < want->min) return false;
    if (want->has_max && (!has_max || max > want->max)) return false;
    return true;
}

static kb_error *match_import(krt_store *s, const krt_module *module, uint32_t i, const krt_extern *ext) {
    const kbin_module *m = module->bin;
    const kbin_import *imp = &m->imports[i];
    kval_registry *reg = s->engine->types;
    if (ext->kind != imp->kind) {
        kb_error *err = incompatible(imp, "wrong kind");
        kb_error_set_message(err, KRT_MSG_INCOMPATIBLE_IMPORT " for \"%.*s\" \"%.*s\": expected a %s, got a %s",
                             (int)imp->module_len, imp->module, (int)imp->name_len, imp->name,
                             kind_name(imp->kind), kind_name(ext->kind));
        return err;
    }
    const krt_store *owner = NULL;
    switch (ext->kind) {
    case KEXT_FUNC: owner = ext->of.func ? ext->of.func->store : NULL; break;
    case KEXT_TABLE: owner = ext->of.table ? ext->of.table->store : NULL; break;
    case KEXT_MEMORY: owner = ext->of.memory ? ext->of.memory->store : NULL; break;
    case KEXT_GLOBAL: owner = ext->of.global ? ext->of.global->store : NULL; break;
    case KEXT_TAG: owner = ext->of.tag ? ext->of.tag->store : NULL; break;
    default: break;
    }
    if (owner == NULL)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "import %u (\"%.*s\" \"%.*s\") is NULL", i,
                            (int)imp->module_len, imp->module, (int)imp->name_len, imp->name);
    /* DESIGN.md "Ownership" 6: objects of different stores never mix. */
    if (owner != s)
        return kb_error_new(KB_ERR_STORE_MISMATCH, "store mismatch: import \"%.*s\" \"%.*s\" belongs to another store",
                            (int)imp->module_len, imp->module, (int)imp->name_len, imp->name);

    switch (ext->kind) {
    case KEXT_FUNC: {
        /* 3.0: the actual function's type must be a subtype of the expected one. */
        uint32_t want = m->types[imp->desc.func_type].canon;
        if (!kval_type_matches(reg, ext->of.func->canon_type, want)) return incompatible(imp, "function type mismatch");
        return NULL;
    }
    case KEXT_TABLE: {
        const krt_table *t = ext->of.table;
        const kbin_tabletype *want = &imp->desc.table;
        /* Tables are mutable, so their element types must be equivalent. */
        if (!kbin_valtype_eq(t->elem, krt_valtype_canon(m, want->elem))) return incompatible(imp, "element type mismatch");
        if (t->is64 != want->limits.is64) return incompatible(imp, "index type mismatch");
        if (!limits_match(t->size, t->limits.has_max, t->limits.max, &want->limits))
            return incompatible(imp, "table limits do not match");
        return NULL;
    }
    case KEXT_MEMORY: {
        const krt_memory *mem = ext->of.memory;
        const kbin_limits *want = &imp->desc.memory;
        if (mem->is64 != want->is64) return incompatible(imp, "index type mismatch");
        if (mem->shared != want->shared) return incompatible(imp, "shared mismatch");
        if (mem->page_log2 != want->page_log2) return incompatible(imp, "page size mismatch");
        if (!limits_match(mem->size >> mem->page_log2, mem->limits.has_max, mem->limits.max, want))
            return incompatible(imp, "memory limits do not match");
        return NULL;
    }
    case KEXT_GLOBAL: {
        const krt_global *g = ext->of.global;
        const kbin_globaltype *want = &imp->desc.global;
        krt_valtype wt = krt_valtype_canon(m, want->type);
        if (g->mutable_ != want->mutable_) return incompatible(imp, "mutability mismatch");
        /* Mutable globals are read and written: invariant. Immutable ones are
           only read: covariant (spec 3.0 "Global types" import subtyping). */
        bool ok = want->mutable_ ? kbin_valtype_eq(g->type, wt) : kval_vt_sub(reg, g->type, wt);
        if (!ok) return incompatible(imp, "global type mismatch");
        return NULL;
    }
    case KEXT_TAG: {
        /* Tags are matched by type equivalence (exception handling 3.0). */
        if (ext->of.tag->canon_type != m->types[imp->desc.tag_type].canon) return incompatible(imp, "tag type mismatch");
        return NULL;
    }
    default: return incompatible(imp, "unknown kind");
    }
}

/* ---------------------------------------------------------------- allocation */

static kb_error *oom(const char *what) { return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory allocating %s", what); }

#define ALLOC_ARRAY(p, n, what)                                                 \
    do {                                                                        \
        (p) = kb_calloc((n) ? (n) : 1, sizeof *(p));                             \
        if ((p) == NULL) return oom(what);                                      \
    } while (0)

static kb_error *alloc_arrays(krt_instance *inst, const kbin_module *m) {
    ALLOC_ARRAY(inst->funcs, m->func_count, "functions");
    ALLOC_ARRAY(inst->tables, m->table_count, "tables");
    ALLOC_ARRAY(inst->memories, m->memory_count, "memories");
    ALLOC_ARRAY(inst->globals, m->global_count, "globals");
    ALLOC_ARRAY(inst->tags, m->tag_count, "tags");
    ALLOC_ARRAY(inst->elem_refs, m->elem_count, "element segments");
    ALLOC_ARRAY(inst->elem_sizes, m->elem_count, "element segments");
    ALLOC_ARRAY(inst->data_dropped, m->data_count, "data segments");
    return NULL;
}

static void take_imports(krt_instance *inst, const kbin_module *m, const krt_extern *imports) {
    uint32_t nf = 0, nt = 0, nm = 0, ng = 0, ntag = 0;
    for (uint32_t i = 0; i < m->import_count; i++) {
        const krt_extern *e = &imports[i];
        switch (e->kind) {
        case KEXT_FUNC: inst->funcs[nf++] = e->of.func; break;
        case KEXT_TABLE: inst->tables[nt++] = e->of.table; break;
        case KEXT_MEMORY: inst->memories[nm++] = e->of.memory; break;
        case KEXT_GLOBAL: inst->globals[ng++] = e->of.global; break;
        case KEXT_TAG: inst->tags[ntag++] = e->of.tag; break;
        default: break;
        }
    }
}

static kb_error *create_funcs(krt_store *s, krt_instance *inst, const krt_module *module) {
    const kbin_module *m = module->bin;
    for (uint32_t i = m->imported_funcs; i < m->func_count; i++) {
        krt_func *f = kb_calloc(1, sizeof *f);
        if (f == NULL) return oom("a function");
        const kbin_type *t = &m->types[m->funcs[i].type];
        f->store = s;
        f->canon_type = t->canon;
        f->type = t;
        f->instance = inst;
        f->index = i;
        f->code = kcomp_func_entry(module->code, i);
        kb_error *err = krt_store_register(s, KRT_OBJ_FUNC, f);
        if (err != NULL) {
            kb_free(f);
            return err;
        }
        inst->funcs[i] = f;
    }
    return NULL;
}

/* Globals in order: an initialiser sees the imported and earlier globals. */
static kb_error *create_globals(krt_store *s, krt_instance *inst, const kbin_module *m) {
    for (uint32_t i = m->imported_globals; i < m->global_count; i++) {
        const kbin_global *g = &m->globals[i];
        uint64_t v[2];
        kb_error *err = krt_const_eval(inst, i, g->init, v);
        if (err == NULL) err = krt_global_new(s, krt_valtype_canon(m, g->type.type), g->type.mutable_, v, &inst->globals[i]);
        if (err != NULL) return err;
    }
    return NULL;
}

static kb_error *create_tables(krt_store *s, krt_instance *inst, const kbin_module *m) {
    for (uint32_t i = m->imported_tables; i < m->table_count; i++) {
        const kbin_table *t = &m->tables[i];
        uint64_t v[2] = {0, 0};
        kb_error *err = NULL;
        if (t->has_init) err = krt_const_eval(inst, m->global_count, t->init, v);
        if (err == NULL)
            err = krt_table_new(s, krt_valtype_canon(m, t->type.elem), &t->type.limits, (void *)(uintptr_t)v[0],
                                &inst->tables[i]);
        if (err != NULL) return err;
    }
    return NULL;
}

static kb_error *create_memories_and_tags(krt_store *s, krt_instance *inst, const kbin_module *m) {
    kb_error *err;
    for (uint32_t i = m->imported_memories; i < m->memory_count; i++) {
        if ((err = krt_memory_new(s, &m->memories[i].limits, &inst->memories[i])) != NULL) return err;
    }
    for (uint32_t i = m->imported_tags; i < m->tag_count; i++) {
        krt_tag *tag = kb_calloc(1, sizeof *tag);
        if (tag == NULL) return oom("a tag");
        const kbin_type *t = &m->types[m->tags[i].type];
        tag->store = s;
        tag->canon_type = t->canon;
        tag->type = t;
        if ((err = krt_store_register(s, KRT_OBJ_TAG, tag)) != NULL) {
            kb_free(tag);
            return err;
        }
        inst->tags[i] = tag;
    }
    return NULL;
}

/* Element segments become arrays of references (spec 4.5.4 step "ref*"). */
static kb_error *eval_elems(krt_instance *inst, const kbin_module *m) {
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const kbin_elem *e = &m->elems[i];
        void **refs = kb_calloc(e->count ? e->count : 1, sizeof *refs);
        if (refs == NULL) return oom("an element segment");
        inst->elem_refs[i] = refs;
        inst->elem_sizes[i] = e->count;
        for (uint32_t j = 0; j < e->count; j++) {
            if (!e->uses_exprs) {
                uint32_t fi = e->func_indices[j];
                if (fi >= m->func_count) return kb_error_new(KB_ERR_INVALID, "unknown function %u", fi);
                refs[j] = inst->funcs[fi];
            } else {
                uint64_t v[2];
                kb_error *err = krt_const_eval(inst, m->global_count, e->exprs[j], v);
                if (err != NULL) return err;
                refs[j] = (void *)(uintptr_t)v[0];
            }
        }
    }
    return NULL;
}

static void drop_elem(krt_instance *inst, uint32_t i) {
    kb_free(inst->elem_refs[i]);
    inst->elem_refs[i] = NULL;
    inst->elem_sizes[i] = 0;
}

/*
** Active and declarative element segments, then active data segments, in
** module order (spec 4.5.4; bulk memory removed the up-front bounds check,
** so a segment that does not fit traps after the earlier ones were written).
*/
static kb_error *init_segments(krt_instance *inst, const kbin_module *m) {
    kb_error *err;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const kbin_elem *e = &m->elems[i];
        if (e->mode == KSEG_DECLARATIVE) {
            drop_elem(inst, i);
            continue;
        }
        if (e->mode != KSEG_ACTIVE) continue;
        if (e->table >= m->table_count) return kb_error_new(KB_ERR_INVALID, "unknown table %u", e->table);
        uint64_t off[2];
        if ((err = krt_const_eval(inst, m->global_count, e->offset, off)) != NULL) return err;
        krt_table *t = inst->tables[e->table];
        uint64_t n = inst->elem_sizes[i];
        if (off[0] > t->size || n > t->size - off[0]) return kb_error_trap(KB_TRAP_TABLE_OUT_OF_BOUNDS);
        if (n != 0) memcpy(t->elems + off[0], inst->elem_refs[i], (size_t)n * sizeof(void *));
        drop_elem(inst, i);
    }
    for (uint32_t i = 0; i < m->data_count; i++) {
        const kbin_data *d = &m->datas[i];
        if (d->mode != KSEG_ACTIVE) continue;
        if (d->memory >= m->memory_count) return kb_error_new(KB_ERR_INVALID, "unknown memory %u", d->memory);
        uint64_t off[2];
        if ((err = krt_const_eval(inst, m->global_count, d->offset, off)) != NULL) return err;
        krt_memory *mem = inst->memories[d->memory];
        uint64_t n = d->init.len;
        if (off[0] > mem->size || n > mem->size - off[0]) return kb_error_trap(KB_TRAP_MEMORY_OUT_OF_BOUNDS);
        if (n != 0) memcpy(mem->data + off[0], m->bytes + d->init.offset, (size_t)n);
        inst->data_dropped[i] = true;
    }
    return NULL;
}

/* ---------------------------------------------------------------- instantiate */

kb_error *krt_instantiate(krt_store *s, krt_module *module, const krt_extern *imports, size_t import_count,
                          krt_instance **out) {
    *out = NULL;
    if (s == NULL || module == NULL || (imports == NULL && import_count != 0))
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "instantiate needs a store and a module");
    if (module->engine != s->engine)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "module and store belong to different engines");
    const kbin_module *m = module->bin;
    if (import_count != m->import_count)
        return kb_error_new(KB_ERR_UNLINKABLE, "module needs %u imports, %zu given", m->import_count, import_count);
    if (s->max_instances != 0 && s->instance_count >= s->max_instances)
        return kb_error_new(KB_ERR_LIMIT, "the store's limit of %u instances is reached", s->max_instances);
    kb_error *err;
    for (uint32_t i = 0; i < m->import_count; i++) {
        if ((err = match_import(s, module, i, &imports[i])) != NULL) return err;
    }

    krt_instance *inst = kb_calloc(1, sizeof *inst);
    if (inst == NULL) return oom("an instance");
    inst->store = s;
    inst->module = module;
    if ((err = krt_store_register(s, KRT_OBJ_INSTANCE, inst)) != NULL) {
        kb_free(inst);
        return err;
    }
    /* From here on the store owns the instance; on failure it is simply
       left there, unreachable except through objects it already wrote. */
    s->instance_count++;
    if ((err = alloc_arrays(inst, m)) != NULL) return err;
    take_imports(inst, m, imports);
    if ((err = create_funcs(s, inst, module)) != NULL) return err;
    if ((err = create_globals(s, inst, m)) != NULL) return err;
    if ((err = create_tables(s, inst, m)) != NULL) return err;
    if ((err = create_memories_and_tags(s, inst, m)) != NULL) return err;
    if ((err = eval_elems(inst, m)) != NULL) return err;

    /* Allocated: from now on a failure still hands out the instance, whose
       functions may already sit in imported tables (krt.h, SEEDS.md 1). */
    *out = inst;
    if ((err = init_segments(inst, m)) != NULL) return err;
    if (m->start != KBIN_NO_INDEX) {
        if (m->start >= m->func_count) return kb_error_new(KB_ERR_INVALID, "unknown function %u", m->start);
        if ((err = kexec_call(s, inst->funcs[m->start], NULL, NULL)) != NULL) return err;
    }
    return NULL;
}

/* ---------------------------------------------------------------- exports */

bool krt_instance_export(const krt_instance *inst, const char *name, size_t name_len, krt_extern *out) {
    if (inst == NULL || out == NULL || (name == NULL && name_len != 0)) return false;
    const kbin_module *m = inst->module->bin;
    for (uint32_t i = 0; i < m->export_count; i++) {
        const kbin_export *e = &m->exports[i];
        if (e->name_len != name_len || (name_len != 0 && memcmp(e->name, name, name_len) != 0)) continue;
        out->kind = e->kind;
        switch (e->kind) {
        case KEXT_FUNC: out->of.func = inst->funcs[e->index]; break;
        case KEXT_TABLE: out->of.table = inst->tables[e->index]; break;
        case KEXT_MEMORY: out->of.memory = inst->memories[e->index]; break;
        case KEXT_GLOBAL: out->of.global = inst->globals[e->index]; break;
        case KEXT_TAG: out->of.tag = inst->tags[e->index]; break;
        default: return false;
        }
        return true;
    }
    return false;
}
