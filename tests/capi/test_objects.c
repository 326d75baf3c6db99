/*
** test_objects.c -- memories, tables, globals, tags, exceptions and extern
** references created by the host or exported by modules: the views and
** generation numbers, bounds checks, kinds, store mismatch and released
** handles.
*/
#include "capi_test.h"

typedef struct fixture {
    keel_engine *engine;
    keel_store *store;
    keel_store *other;
} fixture;

static int setup(void **state) {
    static fixture fx;
    keel_debug_set_guard(1);
    if (keel_engine_new(NULL, &fx.engine) || keel_store_new(fx.engine, &fx.store) ||
        keel_store_new(fx.engine, &fx.other))
        return -1;
    *state = &fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    keel_store_release(fx->store);
    keel_store_release(fx->other);
    keel_engine_release(fx->engine);
    assert_no_live_handles();
    keel_debug_flush_quarantine();
    return 0;
}

static void test_memory(void **state) {
    fixture *fx = *state;
    keel_memory *m;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_new(NULL, 1, 2, 0, &m));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_new(fx->store, 1, 2, 0, NULL));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_new(fx->store, 3, 2, 0, &m));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_new(fx->store, 70000, KEEL_NO_MAX, 0, &m));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_new(fx->store, 1, KEEL_NO_MAX, 0x100, &m));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_new(fx->store, 1, KEEL_NO_MAX, KEEL_MEMORY_SHARED, &m));
    OK(keel_memory_new(fx->store, 1, 3, 0, &m));
    size_t size;
    uint64_t gen, gen2;
    uint8_t *data = keel_memory_data(m, &size, &gen);
    assert_non_null(data);
    assert_int_equal(size, 65536);
    assert_int_equal(keel_memory_pages(m), 1);
    assert_int_equal(keel_memory_size(m), 65536);
    data[100] = 42;
    uint8_t buf[4] = {1, 2, 3, 4}, back[4];
    OK(keel_memory_write(m, 65532, buf, 4));
    OK(keel_memory_read(m, 65532, back, 4));
    assert_memory_equal(buf, back, 4);
    OK(keel_memory_read(m, 100, back, 1));
    assert_int_equal(back[0], 42);
    OK(keel_memory_read(m, 65536, back, 0));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_write(m, 65533, buf, 4));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_read(m, UINT64_MAX, back, 4));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_read(m, 0, NULL, 4));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_read(NULL, 0, back, 4));
    uint64_t old;
    OK(keel_memory_grow(m, 1, &old));
    assert_int_equal(old, 1);
    data = keel_memory_data(m, &size, &gen2);
    assert_int_equal(size, 2 * 65536);
    assert_true(gen2 != gen);
    assert_int_equal(data[100], 42);
    OK(keel_memory_grow(m, 0, &old));
    assert_int_equal(old, 2);
    FAILS(KEEL_ERROR_LIMIT, keel_memory_grow(m, 2, &old));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_grow(NULL, 1, &old));
    keel_externtype *t;
    OK(keel_memory_type(m, &t));
    uint64_t min, max;
    assert_true(keel_externtype_limits(t, &min, &max));
    assert_int_equal(min, 2);
    assert_int_equal(max, 3);
    keel_externtype_free(t);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_memory_type(NULL, &t));
    assert_null(keel_memory_data(NULL, &size, &gen));
    assert_int_equal(size, 0);
    assert_int_equal(keel_memory_size(NULL), 0);
    assert_int_equal(keel_memory_pages(NULL), 0);
    /* Store limit on memory. */
    keel_memory *big;
    OK(keel_store_limit_memory(fx->other, 65536 * 2));
    FAILS(KEEL_ERROR_OUT_OF_MEMORY, keel_memory_new(fx->other, 4, KEEL_NO_MAX, 0, &big));
    /* The limit is for all memories of the store together. */
    keel_memory *one, *two;
    OK(keel_memory_new(fx->other, 1, KEEL_NO_MAX, 0, &one));
    OK(keel_memory_new(fx->other, 1, KEEL_NO_MAX, 0, &two));
    FAILS(KEEL_ERROR_OUT_OF_MEMORY, keel_memory_new(fx->other, 1, KEEL_NO_MAX, 0, &big));
    FAILS(KEEL_ERROR_OUT_OF_MEMORY, keel_memory_grow(one, 1, NULL));
    assert_int_equal(keel_memory_pages(one), 1);
    keel_memory_release(one);
    keel_memory_release(two);
    OK(keel_store_limit_memory(fx->other, 0));
    /* Page size 1 and memory64. */
    keel_memory *tiny, *m64;
    OK(keel_memory_new(fx->store, 10, 20, KEEL_MEMORY_PAGE_SIZE_1, &tiny));
    assert_int_equal(keel_memory_size(tiny), 10);
    OK(keel_memory_type(tiny, &t));
    assert_int_equal(keel_externtype_page_size(t), 1);
    keel_externtype_free(t);
    keel_memory_release(tiny);
    OK(keel_memory_new(fx->store, 1, KEEL_NO_MAX, KEEL_MEMORY_64, &m64));
    OK(keel_memory_type(m64, &t));
    assert_true(keel_externtype_is64(t));
    keel_externtype_free(t);
    keel_memory_release(m64);
    /* The same memory seen through wasm. */
    keel_extern *imports[1] = {keel_memory_as_extern(m)};
    keel_module *mod = wat_module(fx->engine,
        "(module (import \"e\" \"m\" (memory 1))"
        "  (func (export \"load\") (param i32) (result i32) local.get 0 i32.load8_u)"
        "  (func (export \"grow\") (result i32) i32.const 1 memory.grow))");
    keel_instance *inst;
    keel_extern *wrong[1] = {keel_memory_as_extern(m)};
    OK(keel_instance_new(fx->store, mod, imports, 1, &inst));
    (void)wrong;
    keel_func *load = export_func(inst, "load"), *grow = export_func(inst, "grow");
    keel_val a = val_i32(100), r;
    OK(keel_func_call(load, &a, 1, &r, 1));
    assert_int_equal(r.of.i32, 42);
    keel_memory_data(m, &size, &gen);
    OK(keel_func_call(grow, NULL, 0, &r, 1));
    assert_int_equal(r.of.i32, 2);
    keel_memory_data(m, &size, &gen2);
    assert_int_equal(size, 3 * 65536);
    assert_true(gen != gen2);
    OK(keel_func_call(grow, NULL, 0, &r, 1));
    assert_int_equal(r.of.i32, -1); /* past the maximum */
    keel_func_release(load);
    keel_func_release(grow);
    keel_instance_release(inst);
    keel_module_release(mod);
    /* Released. */
    assert_ptr_equal(keel_memory_retain(m), m);
    keel_memory_release(m);
    keel_memory_release(m);
    keel_memory_release(NULL);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_memory_read(m, 0, back, 1));
    assert_null(keel_memory_data(m, &size, &gen));
    assert_null(keel_memory_retain(m));
}

static void test_table(void **state) {
    fixture *fx = *state;
    keel_valtype *fr, *er, *i32, *nn;
    OK(keel_valtype_new(KEEL_FUNCREF, &fr));
    OK(keel_valtype_new(KEEL_EXTERNREF, &er));
    OK(keel_valtype_new(KEEL_I32, &i32));
    OK(keel_valtype_new_ref(false, KEEL_HEAP_EXTERN, &nn));
    keel_table *t;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_new(fx->store, i32, 1, 2, NULL, &t));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_new(fx->store, fr, 3, 2, NULL, &t));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_new(NULL, fr, 1, 2, NULL, &t));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_new(fx->store, NULL, 1, 2, NULL, &t));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_new(fx->store, fr, 1, 2, NULL, NULL));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_new(fx->store, nn, 1, 2, NULL, &t));
    keel_externref *x1, *x2, *xo;
    OK(keel_externref_new(fx->store, 11, NULL, &x1));
    OK(keel_externref_new(fx->store, 22, NULL, &x2));
    OK(keel_externref_new(fx->other, 33, NULL, &xo));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_externref_new(NULL, 1, NULL, &x1));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_externref_new(fx->store, 1, NULL, NULL));
    keel_val init = val_ref(KEEL_EXTERNREF, x1);
    OK(keel_table_new(fx->store, er, 2, 5, &init, &t));
    assert_int_equal(keel_table_size(t), 2);
    keel_val v;
    OK(keel_table_get(t, 1, &v));
    assert_int_equal(v.kind, KEEL_EXTERNREF);
    assert_int_equal(keel_externref_value(v.of.externref), 11);
    keel_val_release(&v);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_get(t, 2, &v));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_get(t, 0, NULL));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_get(NULL, 0, &v));
    keel_val two = val_ref(KEEL_EXTERNREF, x2);
    OK(keel_table_set(t, 0, &two));
    OK(keel_table_get(t, 0, &v));
    assert_int_equal(keel_externref_value(v.of.externref), 22);
    keel_val_release(&v);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_set(t, 2, &two));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_set(t, 0, NULL));
    keel_val wrong = val_i32(1);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_set(t, 0, &wrong));
    keel_val other = val_ref(KEEL_EXTERNREF, xo);
    FAILS(KEEL_ERROR_STORE_MISMATCH, keel_table_set(t, 0, &other));
    uint64_t old;
    OK(keel_table_grow(t, 2, NULL, &old));
    assert_int_equal(old, 2);
    assert_int_equal(keel_table_size(t), 4);
    OK(keel_table_get(t, 3, &v));
    assert_null(v.of.externref);
    FAILS(KEEL_ERROR_LIMIT, keel_table_grow(t, 2, NULL, &old));
    FAILS(KEEL_ERROR_STORE_MISMATCH, keel_table_grow(t, 1, &other, &old));
    OK(keel_table_fill(t, 1, 3, &two));
    OK(keel_table_get(t, 3, &v));
    assert_int_equal(keel_externref_value(v.of.externref), 22);
    keel_val_release(&v);
    OK(keel_table_fill(t, 0, 1, NULL));
    OK(keel_table_get(t, 0, &v));
    assert_null(v.of.externref);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_fill(t, 3, 2, &two));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_fill(t, UINT64_MAX, 2, &two));
    keel_externtype *tt;
    OK(keel_table_type(t, &tt));
    assert_int_equal(keel_externtype_kind(tt), KEEL_EXTERN_TABLE);
    assert_int_equal(keel_valtype_kind(keel_externtype_valtype(tt)), KEEL_EXTERNREF);
    keel_externtype_free(tt);
    /* Funcref table used by wasm through call_indirect. */
    keel_table *ft;
    OK(keel_table_new(fx->store, fr, 2, KEEL_NO_MAX, NULL, &ft));
    keel_module *mod = wat_module(fx->engine,
        "(module (import \"e\" \"t\" (table 2 funcref))"
        "  (func $seven (result i32) i32.const 7) (elem (i32.const 1) $seven)"
        "  (func (export \"ci\") (param i32) (result i32) local.get 0 call_indirect (result i32)))");
    keel_extern *imports[1] = {keel_table_as_extern(ft)};
    keel_instance *inst;
    OK(keel_instance_new(fx->store, mod, imports, 1, &inst));
    keel_func *ci = export_func(inst, "ci");
    OK(keel_table_get(ft, 1, &v));
    assert_int_equal(v.kind, KEEL_FUNCREF);
    assert_non_null(v.of.funcref);
    OK(keel_table_set(ft, 0, &v));
    keel_val_release(&v);
    keel_val a = val_i32(0), r;
    OK(keel_func_call(ci, &a, 1, &r, 1));
    assert_int_equal(r.of.i32, 7);
    keel_val ext = val_ref(KEEL_EXTERNREF, x1);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_table_set(ft, 0, &ext));
    keel_func_release(ci);
    keel_instance_release(inst);
    keel_module_release(mod);
    keel_table_release(ft);
    assert_ptr_equal(keel_table_retain(t), t);
    keel_table_release(t);
    keel_table_release(t);
    keel_table_release(NULL);
    assert_int_equal(keel_table_size(t), 0);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_table_get(t, 0, &v));
    keel_externref_release(x1);
    keel_externref_release(x2);
    keel_externref_release(xo);
    assert_null(keel_externref_retain(x1));
    keel_externref_release(NULL);
    keel_valtype_free(fr);
    keel_valtype_free(er);
    keel_valtype_free(i32);
    keel_valtype_free(nn);
}

static void test_global(void **state) {
    fixture *fx = *state;
    keel_valtype *i64, *fr;
    OK(keel_valtype_new(KEEL_I64, &i64));
    OK(keel_valtype_new(KEEL_FUNCREF, &fr));
    keel_global *g, *c;
    keel_val init = val_i64(-5), wrong = val_i32(3);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_new(fx->store, i64, true, &wrong, &g));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_new(fx->store, i64, true, NULL, &g));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_new(NULL, i64, true, &init, &g));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_new(fx->store, NULL, true, &init, &g));
    OK(keel_global_new(fx->store, i64, true, &init, &g));
    OK(keel_global_new(fx->store, i64, false, &init, &c));
    keel_val v;
    OK(keel_global_get(g, &v));
    assert_int_equal(v.kind, KEEL_I64);
    assert_int_equal(v.of.i64, -5);
    keel_val nine = val_i64(9);
    OK(keel_global_set(g, &nine));
    OK(keel_global_get(g, &v));
    assert_int_equal(v.of.i64, 9);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_set(c, &nine));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_set(g, &wrong));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_set(g, NULL));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_get(g, NULL));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_global_get(NULL, &v));
    keel_externtype *t;
    OK(keel_global_type(g, &t));
    assert_true(keel_externtype_mutable(t));
    assert_int_equal(keel_valtype_kind(keel_externtype_valtype(t)), KEEL_I64);
    keel_externtype_free(t);
    /* A funcref global of the other store cannot take this store's function. */
    keel_module *mod = wat_module(fx->engine,
        "(module (import \"e\" \"g\" (global (mut i64)))"
        "  (func (export \"f\") (result i64) global.get 0)"
        "  (func (export \"inc\") global.get 0 i64.const 1 i64.add global.set 0))");
    keel_extern *imports[1] = {keel_global_as_extern(g)};
    keel_instance *inst;
    OK(keel_instance_new(fx->store, mod, imports, 1, &inst));
    keel_func *f = export_func(inst, "f"), *inc = export_func(inst, "inc");
    OK(keel_func_call(inc, NULL, 0, NULL, 0));
    OK(keel_global_get(g, &v));
    assert_int_equal(v.of.i64, 10);
    keel_val fv = val_ref(KEEL_FUNCREF, f);
    keel_global *gf;
    FAILS(KEEL_ERROR_STORE_MISMATCH, keel_global_new(fx->other, fr, true, &fv, &gf));
    OK(keel_global_new(fx->store, fr, true, &fv, &gf));
    OK(keel_global_get(gf, &v));
    assert_int_equal(v.kind, KEEL_FUNCREF);
    keel_val r;
    OK(keel_func_call(v.of.funcref, NULL, 0, &r, 1));
    assert_int_equal(r.of.i64, 10);
    keel_val_release(&v);
    keel_global_release(gf);
    keel_func_release(f);
    keel_func_release(inc);
    keel_instance_release(inst);
    keel_module_release(mod);
    assert_ptr_equal(keel_global_retain(g), g);
    keel_global_release(g);
    keel_global_release(g);
    keel_global_release(c);
    keel_global_release(NULL);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_global_get(g, &v));
    keel_valtype_free(i64);
    keel_valtype_free(fr);
}

static void test_tag_and_exn(void **state) {
    fixture *fx = *state;
    keel_functype *ft, *bad;
    keel_valkind p[2] = {KEEL_I32, KEEL_F64};
    OK(keel_functype_new_kinds(p, 2, NULL, 0, &ft));
    OK(keel_functype_new_kinds(p, 1, p, 1, &bad));
    keel_tag *tag;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_tag_new(fx->store, bad, &tag));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_tag_new(NULL, ft, &tag));
    OK(keel_tag_new(fx->store, ft, &tag));
    keel_functype *got;
    OK(keel_tag_type(tag, &got));
    assert_int_equal(keel_functype_param_count(got), 2);
    keel_functype_free(got);
    keel_val payload[2] = {val_i32(5), val_f64(2.5)};
    keel_exn *exn;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_exn_new(fx->store, tag, payload, 1, &exn));
    FAILS(KEEL_ERROR_STORE_MISMATCH, keel_exn_new(fx->other, tag, payload, 2, &exn));
    OK(keel_exn_new(fx->store, tag, payload, 2, &exn));
    assert_int_equal(keel_exn_payload_count(exn), 2);
    keel_val v;
    OK(keel_exn_payload(exn, 1, &v));
    assert_int_equal(v.kind, KEEL_F64);
    assert_true(v.of.f64 == 2.5);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_exn_payload(exn, 2, &v));
    keel_tag *t2;
    OK(keel_exn_tag(exn, &t2));
    keel_tag_release(t2);
    keel_externtype *et;
    OK(keel_extern_type(keel_tag_as_extern(tag), &et));
    assert_int_equal(keel_externtype_kind(et), KEEL_EXTERN_TAG);
    keel_externtype_free(et);
    /* An uncaught wasm exception comes out as KEEL_ERROR_EXCEPTION with its payload. */
    keel_module *mod = wat_module(fx->engine,
        "(module (import \"e\" \"t\" (tag $t (param i32 f64)))"
        "  (func (export \"throw\") i32.const 9 f64.const 1.5 throw $t))");
    keel_extern *imports[1] = {keel_tag_as_extern(tag)};
    keel_instance *inst;
    OK(keel_instance_new(fx->store, mod, imports, 1, &inst));
    keel_func *thr = export_func(inst, "throw");
    keel_error *err = keel_func_call(thr, NULL, 0, NULL, 0);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_EXCEPTION);
    keel_exn *x = keel_error_exception(err);
    assert_non_null(x);
    OK(keel_exn_payload(x, 0, &v));
    assert_int_equal(v.of.i32, 9);
    keel_error_free(err);
    keel_func_release(thr);
    keel_instance_release(inst);
    keel_module_release(mod);
    assert_ptr_equal(keel_exn_retain(exn), exn);
    keel_exn_release(exn);
    keel_exn_release(exn);
    keel_exn_release(NULL);
    assert_int_equal(keel_exn_payload_count(exn), 0);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_exn_payload(exn, 0, &v));
    assert_ptr_equal(keel_tag_retain(tag), tag);
    keel_tag_release(tag);
    keel_tag_release(tag);
    keel_tag_release(NULL);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_tag_type(tag, &got));
    keel_functype_free(ft);
    keel_functype_free(bad);
    assert_null(keel_ref_retain(NULL));
    keel_ref_release(NULL);
}

static void externref_finalizer(uintptr_t v) { *(int *)v += 1; }

static void test_externref_finalizer(void **state) {
    fixture *fx = *state;
    keel_store *s;
    static int count;
    count = 0;
    OK(keel_store_new(fx->engine, &s));
    keel_externref *x;
    OK(keel_externref_new(s, (uintptr_t)&count, externref_finalizer, &x));
    keel_store_release(s);
    keel_externref_release(x);
    assert_int_equal(count, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_global),
        cmocka_unit_test(test_tag_and_exn),
        cmocka_unit_test(test_externref_finalizer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
