/*
** test_exec_harness.h -- builds a runnable instance from WAT without rt/'s
** instantiation (so compile/ and exec/ can be tested on their own): text ->
** binary -> decode -> compile, then objects made by hand. Canonical type ids
** are set to the type index (the modules used here have distinct types).
*/
#ifndef TEST_EXEC_HARNESS_H
#define TEST_EXEC_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/kb_alloc.h"
#include "base/kb_buf.h"
#include "binary/kbin_module.h"
#include "compile/kcomp.h"
#include "exec/kexec.h"
#include "rt/krt.h"
#include "rt/krt_int.h"
#include "text/ktext.h"

typedef struct th {
    krt_engine eng;
    krt_store *s;
    krt_module mod;
    kbin_module *bin;
    kcomp_code *code;
    krt_instance inst;
    krt_func *fobjs;
    krt_func **funcs;
    krt_memory *mems[4];
    krt_table *tables[4];
    krt_global *globals[64];
    krt_tag tagobjs[32];
    krt_tag *tags[32];
    void **elem_refs[64];
    uint32_t elem_sizes[64];
    bool data_dropped[64];
} th;

static void th_fail(kb_error *err, const char *what) {
    if (err != NULL) {
        fprintf(stderr, "%s: %s\n", what, err->message);
        kb_error_free(err);
        fail();
    }
}

static bool th_same_functype(const kbin_type *a, const kbin_type *b) {
    if (a->comp != KCT_FUNC || b->comp != KCT_FUNC || a->param_count != b->param_count ||
        a->result_count != b->result_count || a->rec_size != 1 || b->rec_size != 1)
        return false;
    for (uint32_t i = 0; i < a->param_count + a->result_count; i++)
        if (!kbin_valtype_eq(a->params[i], b->params[i])) return false;
    return true;
}

/* Builds the instance from a binary; returns an error instead of failing. */
static kb_error *th_load_bytes(th *t, const uint8_t *bytes, size_t len, krt_host_callback host,
                               uint32_t depth, size_t stack) {
    memset(t, 0, sizeof *t);
    kb_error *err = kbin_decode(bytes, len, &t->bin);
    if (err) return err;
    kbin_module *m = t->bin;
    /* Stand-in for valid/'s canonicalisation: structurally equal plain function types. */
    for (uint32_t i = 0; i < m->type_count; i++) {
        m->types[i].canon = i;
        for (uint32_t j = 0; j < i; j++)
            if (th_same_functype(&m->types[i], &m->types[j])) {
                m->types[i].canon = m->types[j].canon;
                break;
            }
    }
    t->eng.limits.max_call_depth = depth;
    t->eng.limits.value_stack_bytes = stack;
    if ((err = kcomp_compile(&t->eng, m, &t->code)) != NULL) return err;
    if ((err = krt_store_new(&t->eng, &t->s)) != NULL) return err;
    t->mod.engine = &t->eng;
    t->mod.bin = m;
    t->mod.code = t->code;
    krt_instance *in = &t->inst;
    in->store = t->s;
    in->module = &t->mod;
    t->fobjs = calloc(m->func_count + 1, sizeof *t->fobjs);
    t->funcs = calloc(m->func_count + 1, sizeof *t->funcs);
    for (uint32_t i = 0; i < m->func_count; i++) {
        krt_func *f = &t->fobjs[i];
        f->store = t->s;
        f->type = &m->types[m->funcs[i].type];
        f->canon_type = f->type->canon;
        f->index = i;
        if (m->funcs[i].imported) {
            f->host = host;
            f->env = t;
        } else {
            f->instance = in;
            f->code = kcomp_func_entry(t->code, i);
        }
        t->funcs[i] = f;
    }
    in->funcs = t->funcs;
    if (m->memory_count > 4 || m->table_count > 4 || m->global_count > 64 || m->tag_count > 32 ||
        m->elem_count > 64 || m->data_count > 64)
        return kb_error_new(KB_ERR_UNSUPPORTED, "harness: module too big");
    for (uint32_t i = 0; i < m->memory_count && i < 4; i++)
        if ((err = krt_memory_new(t->s, &m->memories[i].limits, &t->mems[i])) != NULL) return err;
    in->memories = t->mems;
    for (uint32_t i = 0; i < m->table_count && i < 4; i++)
        if ((err = krt_table_new(t->s, m->tables[i].type.elem, &m->tables[i].type.limits, NULL, &t->tables[i])) != NULL)
            return err;
    in->tables = t->tables;
    in->globals = t->globals;
    for (uint32_t i = 0; i < m->global_count && i < 64; i++) {
        uint64_t v[2] = {0, 0};
        if (m->globals[i].imported) {
            /* spectest's globals: 666 / 666.6 */
            uint8_t k = m->globals[i].type.type.kind;
            float f = 666.6f;
            double d = 666.6;
            v[0] = 666;
            if (k == KVT_F32) { uint32_t b32; memcpy(&b32, &f, 4); v[0] = b32; }
            if (k == KVT_F64) memcpy(&v[0], &d, 8);
        } else if ((err = krt_const_eval(in, i, m->globals[i].init, v)) != NULL) {
            return err;
        }
        if ((err = krt_global_new(t->s, m->globals[i].type.type, m->globals[i].type.mutable_, v, &t->globals[i])) != NULL)
            return err;
    }
    for (uint32_t i = 0; i < m->tag_count && i < 32; i++) {
        t->tagobjs[i].store = t->s;
        t->tagobjs[i].type = &m->types[m->tags[i].type];
        t->tagobjs[i].canon_type = m->tags[i].type;
        t->tags[i] = &t->tagobjs[i];
    }
    in->tags = t->tags;
    for (uint32_t i = 0; i < m->elem_count && i < 64; i++) {
        kbin_elem *e = &m->elems[i];
        t->elem_refs[i] = calloc(e->count + 1, sizeof(void *));
        for (uint32_t j = 0; j < e->count; j++) {
            if (!e->uses_exprs) {
                t->elem_refs[i][j] = t->funcs[e->func_indices[j]];
            } else {
                uint64_t v[2] = {0, 0};
                if ((err = krt_const_eval(in, m->global_count, e->exprs[j], v)) != NULL) return err;
                t->elem_refs[i][j] = (void *)(uintptr_t)v[0];
            }
        }
        t->elem_sizes[i] = e->count;
        if (e->mode == KSEG_ACTIVE) {
            uint64_t off[2];
            if ((err = krt_const_eval(in, m->global_count, e->offset, off)) != NULL) return err;
            if (off[0] > t->tables[e->table]->size || e->count > t->tables[e->table]->size - off[0])
                return kb_error_trap(KB_TRAP_TABLE_OUT_OF_BOUNDS);
            memcpy(t->tables[e->table]->elems + off[0], t->elem_refs[i], e->count * sizeof(void *));
            t->elem_sizes[i] = 0;
        } else if (e->mode == KSEG_DECLARATIVE) {
            t->elem_sizes[i] = 0;
        }
    }
    in->elem_refs = t->elem_refs;
    in->elem_sizes = t->elem_sizes;
    for (uint32_t i = 0; i < m->data_count && i < 64; i++) {
        kbin_data *d = &m->datas[i];
        if (d->mode != KSEG_ACTIVE) continue;
        uint64_t off[2];
        if ((err = krt_const_eval(in, m->global_count, d->offset, off)) != NULL) return err;
        if (off[0] > t->mems[d->memory]->size || d->init.len > t->mems[d->memory]->size - off[0])
            return kb_error_trap(KB_TRAP_MEMORY_OUT_OF_BOUNDS);
        memcpy(t->mems[d->memory]->data + off[0], m->bytes + d->init.offset, d->init.len);
        t->data_dropped[i] = true;
    }
    in->data_dropped = t->data_dropped;
    return NULL;
}

static inline void th_load_limits(th *t, const char *wat, krt_host_callback host, uint32_t depth, size_t stack) {
    kb_buf b = {0};
    th_fail(ktext_wat_to_wasm(wat, strlen(wat), &b), "wat");
    th_fail(th_load_bytes(t, b.data, b.len, host, depth, stack), "load");
    kb_buf_free(&b);
}

static inline void th_load(th *t, const char *wat, krt_host_callback host) {
    th_load_limits(t, wat, host, 0, 0);
}

static krt_func *th_export(th *t, const char *name) {
    for (uint32_t i = 0; i < t->bin->export_count; i++) {
        kbin_export *e = &t->bin->exports[i];
        if (e->kind == KEXT_FUNC && strcmp(e->name, name) == 0) return t->funcs[e->index];
    }
    fprintf(stderr, "no export %s\n", name);
    fail();
    return NULL;
}

static kb_error *th_call(th *t, const char *name, const uint64_t *args, uint64_t *results) {
    return kexec_call(t->s, th_export(t, name), args, results);
}

/* Calls an export with up to 3 i64-slot arguments, expecting success and one result. */
static inline uint64_t th_call1(th *t, const char *name, int argc, ...) {
    uint64_t args[8] = {0}, res[8] = {0};
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) args[i] = va_arg(ap, uint64_t);
    va_end(ap);
    th_fail(th_call(t, name, args, res), name);
    return res[0];
}

/* Expects a trap with 'code'; returns nothing. */
static inline void th_trap(th *t, const char *name, const uint64_t *args, uint32_t code) {
    uint64_t res[8];
    kb_error *err = th_call(t, name, args, res);
    assert_non_null(err);
    if (err->kind != KB_ERR_TRAP || err->trap != code)
        fprintf(stderr, "%s: expected trap %u, got kind %u trap %u: %s\n", name, code, err->kind,
                err->trap, err->message);
    assert_int_equal(err->kind, KB_ERR_TRAP);
    assert_int_equal(err->trap, code);
    kb_error_free(err);
}

static void th_free(th *t) {
    if (t->s) krt_store_free(t->s);
    for (uint32_t i = 0; i < 64; i++) free(t->elem_refs[i]);
    free(t->fobjs);
    free(t->funcs);
    kcomp_code_free(t->code);
    kbin_module_free(t->bin);
}

#endif
