/*
** test_rt_instance.c -- module creation and instantiation end to end
** (engine/rt with binary/, valid/, compile/ and exec/): globals with
** extended constants, segments, exports, import matching, store mismatch,
** a segment that traps half-way, and SEEDS.md 1: a function written into an
** imported table by an instance whose start function trapped stays callable.
**
** The modules were assembled once from the WAT shown above each array
** (wat2wasm --enable-all); the bytes are committed so the test depends on
** nothing but the engine.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <pthread.h>

#include "exec/kexec.h"
#include "rt/krt.h"
#include "text/ktext.h"
#include "valid/kval_types.h"

/*
** (module
**   
**   (global $g1 (export "g1") i32 (i32.add (i32.const 40) (i32.const 2)))
**   (global $gm (export "gm") (mut i64) (i64.const -7))
**   (memory (export "mem") 1 2)
**   (data (i32.const 16) "hello")
**   (data $p "passive")
**   (table (export "tab") 4 funcref)
**   (elem (i32.const 1) $f $g)
**   (elem $pe func $g)
**   (elem declare func $f)
**   (func $f (export "f") (result i32) (i32.const 42))
**   (func $g (result i32) (global.get $g1))
** )
*/
static const uint8_t basic_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03,
    0x03, 0x02, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x04, 0x05, 0x04, 0x01, 0x01, 0x01, 0x02,
    0x06, 0x0e, 0x02, 0x7f, 0x00, 0x41, 0x28, 0x41, 0x02, 0x6a, 0x0b, 0x7e, 0x01, 0x42, 0x79, 0x0b,
    0x07, 0x1b, 0x05, 0x02, 0x67, 0x31, 0x03, 0x00, 0x02, 0x67, 0x6d, 0x03, 0x01, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x01, 0x66, 0x00, 0x00, 0x09, 0x10, 0x03,
    0x00, 0x41, 0x01, 0x0b, 0x02, 0x00, 0x01, 0x01, 0x00, 0x01, 0x01, 0x03, 0x00, 0x01, 0x00, 0x0a,
    0x0b, 0x02, 0x04, 0x00, 0x41, 0x2a, 0x0b, 0x04, 0x00, 0x23, 0x00, 0x0b, 0x0b, 0x14, 0x02, 0x00,
    0x41, 0x10, 0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x01, 0x07, 0x70, 0x61, 0x73, 0x73, 0x69,
    0x76, 0x65,
};

/*
** (module
**   (type $r (func (result i32)))
**   (table (export "t") 2 funcref)
**   (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))
** )
*/
static const uint8_t a_table_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x01, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x07, 0x0c,
    0x02, 0x01, 0x74, 0x01, 0x00, 0x04, 0x63, 0x61, 0x6c, 0x6c, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07,
    0x00, 0x20, 0x00, 0x11, 0x00, 0x00, 0x0b,
};

/*
** (module
**   (import "a" "t" (table 2 funcref))
**   (elem (i32.const 0) $f)
**   (func $f (result i32) (i32.const 42))
**   (func $s unreachable)
**   (start $s)
** )
*/
static const uint8_t b_trap_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x00, 0x00, 0x02, 0x09, 0x01, 0x01, 0x61, 0x01, 0x74, 0x01, 0x70, 0x00, 0x02, 0x03, 0x03, 0x02,
    0x00, 0x01, 0x08, 0x01, 0x01, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, 0x0a, 0x0a,
    0x02, 0x04, 0x00, 0x41, 0x2a, 0x0b, 0x03, 0x00, 0x00, 0x0b,
};

/*
** (module
**   (memory (export "mem") 1)
**   (data (i32.const 0) "abc")
**   (data (i32.const 65534) "xyz")
**   (data (i32.const 100) "never")
** )
*/
static const uint8_t seg_trap_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x07, 0x01,
    0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x0b, 0x1e, 0x03, 0x00, 0x41, 0x00, 0x0b, 0x03, 0x61, 0x62,
    0x63, 0x00, 0x41, 0xfe, 0xff, 0x03, 0x0b, 0x03, 0x78, 0x79, 0x7a, 0x00, 0x41, 0xe4, 0x00, 0x0b,
    0x05, 0x6e, 0x65, 0x76, 0x65, 0x72,
};

/*
** (module
**   (import "h" "f" (func $hf (param i32) (result i32)))
**   (import "h" "t" (table 2 10 funcref))
**   (import "h" "m" (memory 1 4))
**   (import "h" "g" (global $g i32))
**   (import "h" "gm" (global (mut i32)))
**   (global (export "g2") i32 (i32.mul (global.get $g) (i32.const 3)))
**   (elem (i32.const 1) $hf $w)
**   (func $w (export "w") (param i32) (result i32) (call $hf (i32.add (local.get 0) (i32.const 1))))
** )
*/
static const uint8_t imports_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x27, 0x05, 0x01, 0x68, 0x01, 0x66, 0x00, 0x00, 0x01, 0x68, 0x01, 0x74, 0x01, 0x70, 0x01,
    0x02, 0x0a, 0x01, 0x68, 0x01, 0x6d, 0x02, 0x01, 0x01, 0x04, 0x01, 0x68, 0x01, 0x67, 0x03, 0x7f,
    0x00, 0x01, 0x68, 0x02, 0x67, 0x6d, 0x03, 0x7f, 0x01, 0x03, 0x02, 0x01, 0x00, 0x06, 0x09, 0x01,
    0x7f, 0x00, 0x23, 0x00, 0x41, 0x03, 0x6c, 0x0b, 0x07, 0x0a, 0x02, 0x02, 0x67, 0x32, 0x03, 0x02,
    0x01, 0x77, 0x00, 0x01, 0x09, 0x08, 0x01, 0x00, 0x41, 0x01, 0x0b, 0x02, 0x00, 0x01, 0x0a, 0x0b,
    0x01, 0x09, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x10, 0x00, 0x0b,
};

/*
** (module
**   (import "h" "g" (global funcref))
**   (import "h" "gm" (global (mut funcref)))
**   (import "h" "t" (tag (param i32)))
** )
*/
static const uint8_t refglob_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00, 0x02,
    0x17, 0x03, 0x01, 0x68, 0x01, 0x67, 0x03, 0x70, 0x00, 0x01, 0x68, 0x02, 0x67, 0x6d, 0x03, 0x70,
    0x01, 0x01, 0x68, 0x01, 0x74, 0x04, 0x00, 0x00,
};

static krt_engine *engine;

static int setup(void **state) {
    (void)state;
    return krt_engine_new(NULL, NULL, &engine) == NULL ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    krt_engine_free(engine);
    return 0;
}

static krt_module *load(const uint8_t *bytes, size_t size) {
    krt_module *m = NULL;
    kb_error *err = krt_module_new(engine, bytes, size, &m);
    if (err != NULL) fail_msg("module: %s", err->message);
    return m;
}

/* A module from WAT text through engine/text (for what wabt cannot assemble). */
static krt_module *load_wat(const char *wat) {
    kb_buf bin = {0};
    kb_error *err = ktext_wat_to_wasm(wat, strlen(wat), &bin);
    if (err != NULL) fail_msg("wat: %s", err->message);
    krt_module *m = load(bin.data, bin.len);
    kb_buf_free(&bin);
    return m;
}

static krt_extern get_export(krt_instance *inst, const char *name, uint8_t kind) {
    krt_extern e;
    memset(&e, 0, sizeof e);
    assert_true(krt_instance_export(inst, name, strlen(name), &e));
    assert_int_equal(e.kind, kind);
    return e;
}

static void test_basic(void **state) {
    (void)state;
    krt_module *m = load(basic_wasm, sizeof basic_wasm);
    krt_store *s;
    assert_null(krt_store_new(engine, &s));
    krt_instance *inst;
    kb_error *err = krt_instantiate(s, m, NULL, 0, &inst);
    if (err != NULL) fail_msg("instantiate: %s", err->message);
    assert_int_equal(get_export(inst, "g1", KEXT_GLOBAL).of.global->value[0], 42);
    krt_global *gm = get_export(inst, "gm", KEXT_GLOBAL).of.global;
    assert_true(gm->mutable_);
    assert_true(gm->value[0] == (uint64_t)-7);
    krt_memory *mem = get_export(inst, "mem", KEXT_MEMORY).of.memory;
    assert_int_equal(mem->size, 65536);
    assert_memory_equal(mem->data + 16, "hello", 5);
    assert_false(inst->data_dropped[1]); /* passive stays */
    assert_true(inst->data_dropped[0]);
    krt_table *t = get_export(inst, "tab", KEXT_TABLE).of.table;
    krt_func *f = get_export(inst, "f", KEXT_FUNC).of.func;
    assert_null(t->elems[0]);
    assert_ptr_equal(t->elems[1], f);
    krt_func *g = t->elems[2];
    assert_non_null(g);
    assert_ptr_equal(g->instance, inst);
    assert_int_equal(g->index, 1);
    assert_null(t->elems[3]);
    /* Active and declarative segments are dropped, the passive one kept. */
    assert_int_equal(inst->elem_sizes[0], 0);
    assert_int_equal(inst->elem_sizes[1], 1);
    assert_ptr_equal(inst->elem_refs[1][0], g);
    assert_int_equal(inst->elem_sizes[2], 0);
    krt_extern none;
    assert_false(krt_instance_export(inst, "nope", 4, &none));
    assert_false(krt_instance_export(inst, "g", 1, &none)); /* prefix of "g1" */
    uint64_t res[2] = {0, 0};
    assert_null(kexec_call(s, g, NULL, res));
    assert_int_equal(res[0], 42);
    krt_store_free(s);
    krt_module_free(m);
}

static kb_error *host_double(void *env, krt_store *store, krt_instance *caller, const uint64_t *args,
                             uint64_t *results) {
    (void)store;
    (void)caller;
    (*(int *)env)++;
    results[0] = (uint32_t)(args[0] * 2);
    return NULL;
}

static int finalized;
static void env_fin(void *env) {
    (void)env;
    finalized++;
}

typedef struct host_env {
    krt_func *f;
    krt_table *t;
    krt_memory *m;
    krt_global *g, *gm;
    int calls;
} host_env;

static void make_host(krt_store *s, host_env *h, const kbin_type *ft) {
    memset(h, 0, sizeof *h);
    assert_null(krt_func_new_host(s, ft, host_double, &h->calls, env_fin, &h->f));
    kbin_limits tl = {3, 10, true, false, false, 16};
    assert_null(krt_table_new(s, kbin_ref(true, KHT_FUNC), &tl, NULL, &h->t));
    kbin_limits ml = {1, 4, true, false, false, 16};
    assert_null(krt_memory_new(s, &ml, &h->m));
    uint64_t v[2] = {14, 0};
    assert_null(krt_global_new(s, kbin_vt(KVT_I32), false, v, &h->g));
    assert_null(krt_global_new(s, kbin_vt(KVT_I32), true, v, &h->gm));
}

static void fill_imports(const host_env *h, krt_extern im[5]) {
    im[0].kind = KEXT_FUNC;
    im[0].of.func = h->f;
    im[1].kind = KEXT_TABLE;
    im[1].of.table = h->t;
    im[2].kind = KEXT_MEMORY;
    im[2].of.memory = h->m;
    im[3].kind = KEXT_GLOBAL;
    im[3].of.global = h->g;
    im[4].kind = KEXT_GLOBAL;
    im[4].of.global = h->gm;
}

static void expect_unlinkable(krt_store *s, krt_module *m, const krt_extern *im, uint32_t kind, const char *words) {
    krt_instance *inst = (krt_instance *)1;
    kb_error *err = krt_instantiate(s, m, im, 5, &inst);
    assert_non_null(err);
    assert_null(inst);
    if (err->kind != kind || strstr(err->message, words) == NULL)
        fail_msg("expected kind %u '%s', got %u '%s'", kind, words, err->kind, err->message);
    kb_error_free(err);
}

static void test_imports(void **state) {
    (void)state;
    krt_module *m = load(imports_wasm, sizeof imports_wasm);
    krt_store *s, *other;
    assert_null(krt_store_new(engine, &s));
    assert_null(krt_store_new(engine, &other));
    finalized = 0;
    kbin_valtype i32x2[2] = {kbin_vt(KVT_I32), kbin_vt(KVT_I32)};
    kbin_valtype i64i32[2] = {kbin_vt(KVT_I64), kbin_vt(KVT_I32)};
    kbin_type ft;
    memset(&ft, 0, sizeof ft);
    ft.comp = KCT_FUNC;
    ft.param_count = 1;
    ft.result_count = 1;
    ft.params = i32x2;
    host_env h;
    make_host(s, &h, &ft);
    krt_extern im[5];

    /* Everything matches: host function through wasm and through the table. */
    fill_imports(&h, im);
    krt_instance *inst;
    kb_error *err = krt_instantiate(s, m, im, 5, &inst);
    if (err != NULL) fail_msg("instantiate: %s", err->message);
    assert_int_equal(get_export(inst, "g2", KEXT_GLOBAL).of.global->value[0], 42);
    assert_ptr_equal(h.t->elems[1], h.f);
    krt_func *w = h.t->elems[2];
    assert_ptr_equal(w, get_export(inst, "w", KEXT_FUNC).of.func);
    uint64_t args[1] = {20}, res[1] = {0};
    assert_null(kexec_call(s, w, args, res));
    assert_int_equal(res[0], 42);
    assert_int_equal(h.calls, 1);

    /* Kind mismatch. */
    fill_imports(&h, im);
    im[0].kind = KEXT_GLOBAL;
    im[0].of.global = h.g;
    expect_unlinkable(s, m, im, KB_ERR_UNLINKABLE, "incompatible import type");
    /* Function type mismatch. */
    krt_func *f64;
    ft.params = i64i32;
    assert_null(krt_func_new_host(s, &ft, host_double, &h.calls, NULL, &f64));
    fill_imports(&h, im);
    im[0].of.func = f64;
    expect_unlinkable(s, m, im, KB_ERR_UNLINKABLE, "incompatible import type");
    /* Table: current size 3 >= 2 fine; a table whose maximum is absent or too large is not. */
    kbin_limits tl = {2, 0, false, false, false, 16};
    krt_table *t2;
    assert_null(krt_table_new(s, kbin_ref(true, KHT_FUNC), &tl, NULL, &t2));
    fill_imports(&h, im);
    im[1].of.table = t2;
    expect_unlinkable(s, m, im, KB_ERR_UNLINKABLE, "incompatible import type");
    kbin_limits tl2 = {1, 10, true, false, false, 16};
    assert_null(krt_table_new(s, kbin_ref(true, KHT_EXTERN), &tl2, NULL, &t2));
    im[1].of.table = t2; /* wrong element type */
    expect_unlinkable(s, m, im, KB_ERR_UNLINKABLE, "incompatible import type");
    assert_null(krt_table_new(s, kbin_ref(true, KHT_FUNC), &tl2, NULL, &t2));
    im[1].of.table = t2; /* size 1 < min 2 ... */
    expect_unlinkable(s, m, im, KB_ERR_UNLINKABLE, "incompatible import type");
    assert_int_equal(krt_table_grow(t2, 1, NULL), 1);
    /* ... until it grows: matching uses the current size. At size 2 the
       table matches but the segment (offset 1, two functions) does not fit. */
    inst = NULL;
    assert_non_null(err = krt_instantiate(s, m, im, 5, &inst));
    assert_int_equal(err->trap, KB_TRAP_TABLE_OUT_OF_BOUNDS);
    assert_non_null(strstr(err->message, "out of bounds table access"));
    assert_non_null(inst);
    kb_error_free(err);
    assert_null(t2->elems[1]); /* nothing written by the failed segment */
    assert_int_equal(krt_table_grow(t2, 1, NULL), 2);
    err = krt_instantiate(s, m, im, 5, &inst);
    if (err != NULL) fail_msg("instantiate after grow: %s", err->message);
    assert_ptr_equal(t2->elems[1], h.f);
    /* Memory: maximum 5 > 4. */
    kbin_limits ml = {1, 5, true, false, false, 16};
    krt_memory *m2;
    assert_null(krt_memory_new(s, &ml, &m2));
    fill_imports(&h, im);
    im[2].of.memory = m2;
    expect_unlinkable(s, m, im, KB_ERR_UNLINKABLE, "incompatible import type");
    /* Global mutability both ways. */
    fill_imports(&h, im);
    im[3].of.global = h.gm;
    expect_unlinkable(s, m, im, KB_ERR_UNLINKABLE, "incompatible import type");
    fill_imports(&h, im);
    im[4].of.global = h.g;
    expect_unlinkable(s, m, im, KB_ERR_UNLINKABLE, "incompatible import type");
    /* Global value type. */
    krt_global *g64;
    uint64_t v[2] = {1, 0};
    assert_null(krt_global_new(s, kbin_vt(KVT_I64), false, v, &g64));
    fill_imports(&h, im);
    im[3].of.global = g64;
    expect_unlinkable(s, m, im, KB_ERR_UNLINKABLE, "incompatible import type");
    /* An object of another store. */
    host_env ho;
    make_host(other, &ho, &ft); /* ft has i64 params now: the store check comes first */
    fill_imports(&h, im);
    im[2].of.memory = ho.m;
    expect_unlinkable(s, m, im, KB_ERR_STORE_MISMATCH, "store mismatch");
    /* Wrong number of imports. */
    inst = NULL;
    assert_non_null(err = krt_instantiate(s, m, im, 4, &inst));
    assert_int_equal(err->kind, KB_ERR_UNLINKABLE);
    kb_error_free(err);

    krt_store_free(other);
    assert_int_equal(finalized, 1);
    krt_store_free(s);
    assert_int_equal(finalized, 2); /* host env finalizers run at store free, once each */
    krt_module_free(m);
}

static void test_segment_trap_keeps_earlier(void **state) {
    (void)state;
    krt_module *m = load(seg_trap_wasm, sizeof seg_trap_wasm);
    krt_store *s;
    assert_null(krt_store_new(engine, &s));
    krt_instance *inst = NULL;
    kb_error *err = krt_instantiate(s, m, NULL, 0, &inst);
    assert_non_null(err);
    assert_int_equal(err->kind, KB_ERR_TRAP);
    assert_int_equal(err->trap, KB_TRAP_MEMORY_OUT_OF_BOUNDS);
    assert_non_null(strstr(err->message, "out of bounds memory access"));
    kb_error_free(err);
    /* Allocated, so handed out; the first segment was written, nothing after. */
    assert_non_null(inst);
    krt_memory *mem = get_export(inst, "mem", KEXT_MEMORY).of.memory;
    assert_memory_equal(mem->data, "abc", 3);
    assert_int_equal(mem->data[65534], 0);
    assert_int_equal(mem->data[100], 0);
    krt_store_free(s);
    krt_module_free(m);
}

/* SEEDS.md 1: B writes its function into A's table and traps in its start
   function; A's call_indirect through the table still reaches B's code. */
static void test_start_trap_table_stays_valid(void **state) {
    (void)state;
    krt_module *ma = load(a_table_wasm, sizeof a_table_wasm);
    krt_module *mb = load(b_trap_wasm, sizeof b_trap_wasm);
    krt_store *s;
    assert_null(krt_store_new(engine, &s));
    krt_instance *a, *b = NULL;
    assert_null(krt_instantiate(s, ma, NULL, 0, &a));
    krt_extern im[1] = {get_export(a, "t", KEXT_TABLE)};
    kb_error *err = krt_instantiate(s, mb, im, 1, &b);
    assert_non_null(err);
    assert_int_equal(err->kind, KB_ERR_TRAP);
    assert_int_equal(err->trap, KB_TRAP_UNREACHABLE);
    kb_error_free(err);
    assert_non_null(b);
    krt_func *call = get_export(a, "call", KEXT_FUNC).of.func;
    for (int i = 0; i < 3; i++) {
        uint64_t args[1] = {0}, res[1] = {0};
        err = kexec_call(s, call, args, res);
        if (err != NULL) fail_msg("call: %s", err->message);
        assert_int_equal(res[0], 42);
    }
    /* Slot 1 is still null: "uninitialized element". */
    uint64_t args[1] = {1}, res[1];
    assert_non_null(err = kexec_call(s, call, args, res));
    assert_int_equal(err->trap, KB_TRAP_UNINITIALIZED_ELEMENT);
    kb_error_free(err);
    /* Module B's handle can go before the store: instances borrow modules
       that capi keeps alive, so here the test keeps mb until the end. */
    krt_store_free(s);
    krt_module_free(mb);
    krt_module_free(ma);
}

static void test_instance_limit(void **state) {
    (void)state;
    krt_module *m = load(a_table_wasm, sizeof a_table_wasm);
    krt_store *s;
    assert_null(krt_store_new(engine, &s));
    s->max_instances = 2;
    krt_instance *inst;
    assert_null(krt_instantiate(s, m, NULL, 0, &inst));
    assert_null(krt_instantiate(s, m, NULL, 0, &inst));
    kb_error *err = krt_instantiate(s, m, NULL, 0, &inst);
    assert_non_null(err);
    assert_int_equal(err->kind, KB_ERR_LIMIT);
    kb_error_free(err);
    krt_store_free(s);
    krt_module_free(m);
}

/* Store limits hit while instantiating: clean errors, no instance handed out
   (nothing observable happened yet), and a later instantiation in the same
   store still works. */
static void test_store_limits_at_instantiate(void **state) {
    (void)state;
    krt_module *m = load(basic_wasm, sizeof basic_wasm); /* (memory 1 2), (table 4) */
    krt_store *s;
    assert_null(krt_store_new(engine, &s));
    krt_instance *inst = (krt_instance *)1;
    s->max_memory_bytes = 65535;
    kb_error *err = krt_instantiate(s, m, NULL, 0, &inst);
    assert_non_null(err);
    assert_int_equal(err->kind, KB_ERR_OUT_OF_MEMORY);
    assert_null(inst);
    kb_error_free(err);
    krt_store_free(s);
    assert_null(krt_store_new(engine, &s));
    s->max_memory_bytes = 65536; /* the memory's maximum of 2 pages is capped at 1 */
    s->max_table_elements = 3;
    assert_non_null(err = krt_instantiate(s, m, NULL, 0, &inst));
    assert_int_equal(err->kind, KB_ERR_OUT_OF_MEMORY);
    kb_error_free(err);
    /* The limits count every object of the store: start over in a fresh one. */
    krt_store_free(s);
    assert_null(krt_store_new(engine, &s));
    s->max_memory_bytes = 65536;
    s->max_table_elements = 4;
    assert_null(krt_instantiate(s, m, NULL, 0, &inst));
    krt_memory *mem = get_export(inst, "mem", KEXT_MEMORY).of.memory;
    assert_int_equal(mem->max_pages, 1);
    assert_true(mem->generation != 0);
    assert_int_equal(krt_memory_grow(mem, 1), -1);
    krt_store_free(s);
    krt_module_free(m);
}

/* Module-local to canonical value type, as rt/ does it (kval_canon_vt). */
static krt_valtype krt_valtype_canon_for_test(const krt_module *m, kbin_valtype t) {
    return kval_canon_vt(m->bin, t);
}

/* 3.0 constant expressions: a global may read any earlier global, defined
   or imported; table initialisers and segment offsets may read globals;
   a table with an initialiser fills every element, also on growth paths. */
static void test_const_exprs_end_to_end(void **state) {
    (void)state;
    krt_module *m = load_wat(
        "(module\n"
        "  (global $a i32 (i32.const 10))\n"
        "  (global $b (export \"b\") i32 (i32.mul (global.get $a) (i32.const 4)))\n"
        "  (global $c (export \"c\") i64 (i64.sub (i64.const 0) (i64.const 1)))\n"
        "  (global $off i32 (i32.sub (global.get $b) (i32.const 38)))\n"
        "  (global $fr (export \"fr\") funcref (ref.func $f))\n"
        "  (table $t (export \"t\") 4 funcref (ref.func $f))\n"
        "  (table $u (export \"u\") 4 funcref)\n"
        "  (memory (export \"m\") 1)\n"
        "  (elem (table $u) (offset (global.get $off)) funcref (ref.func $g) (ref.null func))\n"
        "  (data (offset (i32.add (global.get $b) (i32.const 2))) \"xy\")\n"
        "  (func $f (result i32) (global.get $b))\n"
        "  (func $g (export \"g\") (result i32) (i32.const 7))\n"
        ")\n");
    krt_store *s;
    assert_null(krt_store_new(engine, &s));
    krt_instance *inst;
    kb_error *err = krt_instantiate(s, m, NULL, 0, &inst);
    if (err != NULL) fail_msg("instantiate: %s", err->message);
    assert_int_equal(get_export(inst, "b", KEXT_GLOBAL).of.global->value[0], 40);
    assert_true(get_export(inst, "c", KEXT_GLOBAL).of.global->value[0] == UINT64_MAX);
    krt_func *f = inst->funcs[0];
    assert_ptr_equal((void *)(uintptr_t)get_export(inst, "fr", KEXT_GLOBAL).of.global->value[0], f);
    krt_table *t = get_export(inst, "t", KEXT_TABLE).of.table;
    for (int i = 0; i < 4; i++) assert_ptr_equal(t->elems[i], f);
    krt_table *u = get_export(inst, "u", KEXT_TABLE).of.table;
    assert_null(u->elems[0]);
    assert_null(u->elems[1]);
    assert_ptr_equal(u->elems[2], get_export(inst, "g", KEXT_FUNC).of.func);
    assert_null(u->elems[3]);
    krt_memory *mem = get_export(inst, "m", KEXT_MEMORY).of.memory;
    assert_memory_equal(mem->data + 42, "xy", 2);
    uint64_t res[1];
    assert_null(kexec_call(s, t->elems[3], NULL, res));
    assert_int_equal(res[0], 40);
    krt_store_free(s);
    krt_module_free(m);
}

static void test_module_errors(void **state) {
    (void)state;
    krt_module *m = (krt_module *)1;
    static const uint8_t junk[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
    kb_error *err = krt_module_new(engine, junk, sizeof junk, &m);
    assert_non_null(err);
    assert_int_equal(err->kind, KB_ERR_MALFORMED);
    assert_null(m);
    kb_error_free(err);
    assert_null(krt_module_validate(engine, basic_wasm, sizeof basic_wasm));
    /* A switched-off proposal is refused by module creation. */
    krt_features few = {0};
    krt_engine *small;
    assert_null(krt_engine_new(&few, NULL, &small));
    assert_true(small->limits.max_call_depth > 1000);
    assert_non_null(err = krt_module_new(small, refglob_wasm, sizeof refglob_wasm, &m)); /* has a tag */
    assert_int_equal(err->kind, KB_ERR_UNSUPPORTED);
    kb_error_free(err);
    assert_null(krt_module_new(small, basic_wasm, sizeof basic_wasm, &m));
    krt_module_free(m);
    krt_engine_free(small);
    /* Every single-byte mutation of valid modules: whatever decodes and
       validates also instantiates (or fails cleanly) and frees cleanly.
       The interrupt flag is set so a mutated start function cannot spin. */
    static const struct { const uint8_t *b; size_t n; } seeds[] = {
        {basic_wasm, sizeof basic_wasm}, {seg_trap_wasm, sizeof seg_trap_wasm}, {b_trap_wasm, sizeof b_trap_wasm}};
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x0B, 0x41, 0x7F, 0x80, 0xFF};
    uint8_t buf[256];
    int instantiated = 0;
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        for (size_t i = 8; i < seeds[k].n; i++) {
            for (size_t v = 0; v < sizeof vals; v++) {
                memcpy(buf, seeds[k].b, seeds[k].n);
                buf[i] = vals[v];
                if ((err = krt_module_new(engine, buf, seeds[k].n, &m)) != NULL) {
                    kb_error_free(err);
                    continue;
                }
                krt_store *s;
                assert_null(krt_store_new(engine, &s));
                atomic_store(&s->interrupt, 1);
                krt_instance *inst;
                /* b_trap needs a table import; give it one when it asks. */
                krt_extern im[1];
                size_t nim = 0;
                if (m->bin->import_count == 1 && m->bin->imports[0].kind == KEXT_TABLE) {
                    kbin_limits tl = {8, 0, false, false, false, 16};
                    krt_table *t;
                    if (krt_table_new(s, krt_valtype_canon_for_test(m, m->bin->imports[0].desc.table.elem), &tl,
                                      NULL, &t) == NULL) {
                        im[0].kind = KEXT_TABLE;
                        im[0].of.table = t;
                        nim = 1;
                    }
                }
                err = krt_instantiate(s, m, im, nim, &inst);
                if (err == NULL) instantiated++;
                kb_error_free(err);
                krt_store_free(s);
                krt_module_free(m);
            }
        }
    }
    print_message("mutations instantiated: %d\n", instantiated);
    assert_true(instantiated > 0);
    /* Truncations of a valid module never crash. */
    for (size_t n = 0; n < sizeof basic_wasm; n++) {
        err = krt_module_new(engine, basic_wasm, n, &m);
        if (err == NULL) krt_module_free(m);
        kb_error_free(err);
    }
}

static kb_error *host_const42(void *env, krt_store *store, krt_instance *caller, const uint64_t *args,
                              uint64_t *results) {
    (void)env;
    (void)store;
    (void)args;
    /* Called from wasm through the table: the caller is A's instance. */
    assert_non_null(caller);
    results[0] = 42;
    return NULL;
}

static kbin_type functype(uint32_t np, uint32_t nr, kbin_valtype *vts) {
    kbin_type t;
    memset(&t, 0, sizeof t);
    t.comp = KCT_FUNC;
    t.param_count = np;
    t.result_count = nr;
    t.params = vts;
    return t;
}

/* A host function in a table passes call_indirect's type check exactly when
   its canonical type is the one the module expects. */
static void test_host_func_call_indirect(void **state) {
    (void)state;
    krt_module *ma = load(a_table_wasm, sizeof a_table_wasm);
    krt_store *s;
    assert_null(krt_store_new(engine, &s));
    krt_instance *a;
    assert_null(krt_instantiate(s, ma, NULL, 0, &a));
    kbin_valtype vts[2] = {kbin_vt(KVT_I32), kbin_vt(KVT_I32)};
    kbin_type good = functype(0, 1, vts);  /* (result i32) */
    kbin_type bad = functype(1, 1, vts);   /* (param i32) (result i32) */
    krt_func *hg, *hb;
    assert_null(krt_func_new_host(s, &good, host_const42, NULL, NULL, &hg));
    assert_null(krt_func_new_host(s, &bad, host_const42, NULL, NULL, &hb));
    assert_true(hg->canon_type != hb->canon_type);
    assert_int_equal(hg->canon_type, ma->bin->types[0].canon);
    krt_table *t = get_export(a, "t", KEXT_TABLE).of.table;
    t->elems[0] = hg;
    t->elems[1] = hb;
    krt_func *call = get_export(a, "call", KEXT_FUNC).of.func;
    uint64_t args[1] = {0}, res[1] = {0};
    kb_error *err = kexec_call(s, call, args, res);
    if (err != NULL) fail_msg("call: %s", err->message);
    assert_int_equal(res[0], 42);
    args[0] = 1;
    assert_non_null(err = kexec_call(s, call, args, res));
    assert_int_equal(err->trap, KB_TRAP_INDIRECT_CALL_TYPE);
    kb_error_free(err);
    /* A host type with a concrete reference gets the same canonical id as
       the same type written in a module, including through a recursive
       group; an unknown canonical id is refused cleanly. */
    krt_module *mt = load_wat("(module\n"
                              "  (type $r (func (result i32)))\n"
                              "  (rec (type $s (struct (field (ref null $t)))) (type $t (array (ref null $s))))\n"
                              "  (type $h (func (param (ref null $r) (ref $s)) (result i32)))\n"
                              "  (type $h2 (func (param (ref null $r) (ref $t)) (result i32))))\n");
    kbin_valtype conc[3] = {kbin_ref(true, mt->bin->types[0].canon), kbin_ref(false, mt->bin->types[1].canon),
                            kbin_vt(KVT_I32)};
    kbin_type ct = functype(2, 1, conc);
    krt_func *hc;
    assert_null(krt_func_new_host(s, &ct, host_const42, NULL, NULL, &hc));
    assert_int_equal(hc->canon_type, mt->bin->types[3].canon);
    assert_int_equal(hc->type->params[1].heap, mt->bin->types[1].canon); /* keeps canonical heaps */
    conc[1] = kbin_ref(false, mt->bin->types[2].canon);
    assert_null(krt_func_new_host(s, &ct, host_const42, NULL, NULL, &hc));
    assert_int_equal(hc->canon_type, mt->bin->types[4].canon);
    conc[1] = kbin_ref(false, 0x7000000);
    hc = (krt_func *)1;
    assert_non_null(err = krt_func_new_host(s, &ct, host_const42, NULL, NULL, &hc));
    assert_int_equal(err->kind, KB_ERR_INVALID_ARGUMENT);
    assert_null(hc);
    kb_error_free(err);
    krt_module_free(mt);
    krt_store_free(s);
    krt_module_free(ma);
}

/* Immutable globals match covariantly, mutable ones invariantly; tags by
   type equivalence. Exceptions carry their tag's payload. */
static void test_ref_globals_and_tags(void **state) {
    (void)state;
    krt_module *m = load(refglob_wasm, sizeof refglob_wasm);
    krt_store *s;
    assert_null(krt_store_new(engine, &s));
    krt_global *g_null, *g_nonnull, *gm_null, *gm_nonnull;
    uint64_t v[2] = {0, 0};
    assert_null(krt_global_new(s, kbin_ref(true, KHT_FUNC), false, v, &g_null));
    assert_null(krt_global_new(s, kbin_ref(false, KHT_FUNC), false, v, &g_nonnull));
    assert_null(krt_global_new(s, kbin_ref(true, KHT_FUNC), true, v, &gm_null));
    assert_null(krt_global_new(s, kbin_ref(false, KHT_FUNC), true, v, &gm_nonnull));
    kbin_valtype i32 = kbin_vt(KVT_I32), f32 = kbin_vt(KVT_F32);
    kbin_type tt = functype(1, 0, &i32), tf = functype(1, 0, &f32);
    krt_tag *tag, *tag_f32;
    assert_null(krt_tag_new(s, &tt, &tag));
    assert_null(krt_tag_new(s, &tf, &tag_f32));
    kbin_type with_result = functype(0, 1, &i32);
    krt_tag *bad_tag = (krt_tag *)1;
    kb_error *err = krt_tag_new(s, &with_result, &bad_tag);
    assert_non_null(err);
    assert_null(bad_tag);
    kb_error_free(err);

    krt_extern im[3];
    im[0].kind = KEXT_GLOBAL;
    im[1].kind = KEXT_GLOBAL;
    im[2].kind = KEXT_TAG;
    im[2].of.tag = tag;
    krt_instance *inst;
    /* (ref func) <: funcref for the immutable one; the mutable one must be equal. */
    im[0].of.global = g_nonnull;
    im[1].of.global = gm_null;
    err = krt_instantiate(s, m, im, 3, &inst);
    if (err != NULL) fail_msg("instantiate: %s", err->message);
    im[1].of.global = gm_nonnull;
    assert_non_null(err = krt_instantiate(s, m, im, 3, &inst));
    assert_int_equal(err->kind, KB_ERR_UNLINKABLE);
    kb_error_free(err);
    im[1].of.global = gm_null;
    im[2].of.tag = tag_f32;
    assert_non_null(err = krt_instantiate(s, m, im, 3, &inst));
    assert_int_equal(err->kind, KB_ERR_UNLINKABLE);
    kb_error_free(err);
    im[2].of.tag = tag;
    im[0].of.global = g_null;
    assert_null(krt_instantiate(s, m, im, 3, &inst));
    assert_ptr_equal(inst->tags[0], tag);

    krt_exn *e;
    uint64_t payload[1] = {77};
    assert_null(krt_exn_new(s, tag, payload, &e));
    assert_int_equal(e->slot_count, 1);
    assert_int_equal(e->slots[0], 77);
    assert_ptr_equal(e->tag, tag);
    /* A tag of another store. */
    krt_store *other;
    assert_null(krt_store_new(engine, &other));
    assert_non_null(err = krt_exn_new(other, tag, payload, &e));
    assert_int_equal(err->kind, KB_ERR_STORE_MISMATCH);
    kb_error_free(err);
    krt_store_free(other);
    krt_store_free(s);
    krt_module_free(m);
}

/* The engine and its modules are shared by threads: concurrent module
   creation and instantiation in separate stores. */
static void *thread_main(void *arg) {
    (void)arg;
    for (int i = 0; i < 20; i++) {
        krt_module *m = NULL;
        if (krt_module_new(engine, basic_wasm, sizeof basic_wasm, &m) != NULL) return (void *)1;
        krt_store *s;
        krt_instance *inst;
        if (krt_store_new(engine, &s) != NULL) return (void *)1;
        kb_error *err = krt_instantiate(s, m, NULL, 0, &inst);
        krt_extern g;
        bool ok = err == NULL && krt_instance_export(inst, "g1", 2, &g) && g.of.global->value[0] == 42;
        kb_error_free(err);
        krt_store_free(s);
        krt_module_free(m);
        if (!ok) return (void *)1;
    }
    return NULL;
}

static void test_threads_share_engine(void **state) {
    (void)state;
    pthread_t th[3];
    for (int i = 0; i < 3; i++) assert_int_equal(pthread_create(&th[i], NULL, thread_main, NULL), 0);
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_null(r);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_imports),
        cmocka_unit_test(test_segment_trap_keeps_earlier),
        cmocka_unit_test(test_start_trap_table_stays_valid),
        cmocka_unit_test(test_instance_limit),
        cmocka_unit_test(test_store_limits_at_instantiate),
        cmocka_unit_test(test_const_exprs_end_to_end),
        cmocka_unit_test(test_module_errors),
        cmocka_unit_test(test_host_func_call_indirect),
        cmocka_unit_test(test_ref_globals_and_tags),
        cmocka_unit_test(test_threads_share_engine),
    };
    return cmocka_run_group_tests_name("rt_instance", tests, setup, teardown);
}
