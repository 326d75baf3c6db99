/*
** test_contract.c -- the contract of config, engine, module, store,
** instance, linker, extern and types: every function with good input and
** with wrong input (NULL, out of range, wrong kind, store mismatch, released
** handle under the debug guard), each giving the documented error kind.
*/
#include "capi_test.h"

static const char *wat_exports =
    "(module $named"
    "  (import \"env\" \"f\" (func $f (param i32) (result i32)))"
    "  (import \"env\" \"g\" (global $g i32))"
    "  (memory (export \"mem\") 1 3)"
    "  (table (export \"tab\") 2 10 funcref)"
    "  (global (export \"glob\") (mut i64) (i64.const 7))"
    "  (func (export \"call_f\") (param i32) (result i32) local.get 0 call $f)"
    "  (func (export \"get_g\") (result i32) global.get $g))";

static keel_error *cb_double(void *env, keel_caller *caller, const keel_val *args, size_t nargs,
                             keel_val *results, size_t nresults) {
    (void)env; (void)caller; (void)nargs; (void)nresults;
    results[0].of.i32 = args[0].of.i32 * 2;
    return NULL;
}

/* ---------------------------------------------------------------- versions */

static void test_version(void **state) {
    (void)state;
    assert_int_equal(keel_abi_version() >> 16, KEEL_ABI_MAJOR);
    assert_int_equal(keel_abi_version(), KEEL_ABI_VERSION);
    assert_string_equal(keel_version(), KEEL_VERSION_STRING);
}

/* ---------------------------------------------------------------- config and engine */

static void test_config(void **state) {
    (void)state;
    keel_config *c;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_config_new(NULL));
    OK(keel_config_new(&c));
    assert_true(keel_config_get_feature(c, KEEL_FEATURE_SIMD));
    OK(keel_config_set_feature(c, KEEL_FEATURE_SIMD, false));
    assert_false(keel_config_get_feature(c, KEEL_FEATURE_SIMD));
    FAILS(KEEL_ERROR_UNSUPPORTED, keel_config_set_feature(c, 9999, true));
    assert_false(keel_config_get_feature(c, 9999));
    assert_false(keel_config_get_feature(NULL, KEEL_FEATURE_GC));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_config_set_feature(NULL, KEEL_FEATURE_GC, true));
    OK(keel_config_set_max_call_depth(c, 500));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_config_set_max_call_depth(c, 0));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_config_set_max_call_depth(NULL, 10));
    OK(keel_config_set_value_stack_size(c, 1 << 20));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_config_set_value_stack_size(c, 16));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_config_set_debug_guard(NULL, true));
    OK(keel_config_set_debug_guard(c, true));
    keel_engine *e;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_engine_new(c, NULL));
    OK(keel_engine_new(c, &e));
    assert_true(keel_debug_guard());
    keel_config_free(c);
    keel_config_free(NULL);
    /* A released config under the guard. */
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_config_set_max_call_depth(c, 10));
    keel_engine *e2;
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_engine_new(c, &e2));
    assert_ptr_equal(keel_engine_retain(e), e);
    keel_engine_release(e);
    keel_engine_release(e);
    keel_engine_release(NULL);
    assert_null(keel_engine_retain(NULL));
    /* A released engine. */
    keel_store *s;
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_store_new(e, &s));
    assert_null(keel_engine_retain(e));
    keel_engine_release(e); /* harmless under the guard */
    assert_no_live_handles();
}

/* ---------------------------------------------------------------- module */

static void test_module(void **state) {
    (void)state;
    keel_engine *e;
    keel_module *m;
    OK(keel_engine_new(NULL, &e));
    static const uint8_t empty[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    static const uint8_t bad_magic[] = {0, 'a', 's', 'x', 1, 0, 0, 0};
    static const uint8_t truncated[] = {0, 'a', 's'};
    /* (module (func (result i32))): decodes, but the body leaves no i32: invalid */
    uint8_t *invalid;
    size_t invalid_len;
    OK(keel_wat_to_wasm("(module (func (result i32)))", 28, &invalid, &invalid_len));
    OK(keel_module_new(e, empty, sizeof empty, &m));
    assert_null(keel_module_name(m));
    assert_int_equal(keel_module_import_count(m), 0);
    assert_int_equal(keel_module_export_count(m), 0);
    keel_module_release(m);
    FAILS(KEEL_ERROR_MALFORMED, keel_module_new(e, bad_magic, sizeof bad_magic, &m));
    FAILS(KEEL_ERROR_MALFORMED, keel_module_new(e, truncated, sizeof truncated, &m));
    FAILS(KEEL_ERROR_MALFORMED, keel_module_new(e, NULL, 0, &m));
    FAILS(KEEL_ERROR_INVALID, keel_module_new(e, invalid, invalid_len, &m));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_module_new(NULL, empty, sizeof empty, &m));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_module_new(e, empty, sizeof empty, NULL));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_module_new(e, NULL, 8, &m));
    OK(keel_module_validate(e, empty, sizeof empty));
    FAILS(KEEL_ERROR_MALFORMED, keel_module_validate(e, bad_magic, sizeof bad_magic));
    FAILS(KEEL_ERROR_INVALID, keel_module_validate(e, invalid, invalid_len));
    keel_bytes_free(invalid);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_module_validate(NULL, empty, sizeof empty));
    {
        keel_error *err = keel_module_new(e, bad_magic, sizeof bad_magic, &m);
        assert_non_null(err);
        assert_true(keel_error_offset(err) >= 0);
        assert_true(strlen(keel_error_message(err)) > 0);
        keel_error_free(err);
    }
    /* WAT */
    FAILS(KEEL_ERROR_MALFORMED, keel_module_new_wat(e, "(module (func", 13, &m));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_module_new_wat(e, NULL, 5, &m));
    uint8_t *bytes;
    size_t size;
    OK(keel_wat_to_wasm("(module)", 8, &bytes, &size));
    assert_int_equal(size, 8);
    assert_memory_equal(bytes, empty, 8);
    keel_bytes_free(bytes);
    keel_bytes_free(NULL);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_wat_to_wasm("(module)", 8, NULL, &size));

    /* Imports and exports with types. */
    m = wat_module(e, wat_exports);
    assert_string_equal(keel_module_name(m), "named");
    assert_int_equal(keel_module_import_count(m), 2);
    const char *mod, *name;
    size_t mod_len, name_len;
    keel_externtype *t;
    OK(keel_module_import(m, 0, &mod, &mod_len, &name, &name_len, &t));
    assert_int_equal(mod_len, 3);
    assert_memory_equal(mod, "env", 3);
    assert_memory_equal(name, "f", 1);
    assert_int_equal(keel_externtype_kind(t), KEEL_EXTERN_FUNC);
    const keel_functype *ft = keel_externtype_functype(t);
    assert_int_equal(keel_functype_param_count(ft), 1);
    assert_int_equal(keel_functype_result_count(ft), 1);
    assert_int_equal(keel_valtype_kind(keel_functype_param(ft, 0)), KEEL_I32);
    assert_null(keel_functype_param(ft, 1));
    assert_null(keel_externtype_valtype(t));
    keel_externtype_free(t);
    OK(keel_module_import(m, 1, NULL, NULL, NULL, NULL, &t));
    assert_int_equal(keel_externtype_kind(t), KEEL_EXTERN_GLOBAL);
    assert_int_equal(keel_valtype_kind(keel_externtype_valtype(t)), KEEL_I32);
    assert_false(keel_externtype_mutable(t));
    keel_externtype_free(t);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_module_import(m, 2, NULL, NULL, NULL, NULL, &t));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_module_import(NULL, 0, NULL, NULL, NULL, NULL, &t));
    assert_int_equal(keel_module_export_count(m), 5);
    uint64_t min, max;
    OK(keel_module_export(m, 0, &name, &name_len, &t));
    assert_memory_equal(name, "mem", 3);
    assert_int_equal(keel_externtype_kind(t), KEEL_EXTERN_MEMORY);
    assert_true(keel_externtype_limits(t, &min, &max));
    assert_int_equal(min, 1);
    assert_int_equal(max, 3);
    assert_int_equal(keel_externtype_page_size(t), 65536);
    assert_false(keel_externtype_is64(t));
    assert_false(keel_externtype_shared(t));
    keel_externtype_free(t);
    OK(keel_module_export(m, 1, &name, &name_len, &t));
    assert_int_equal(keel_externtype_kind(t), KEEL_EXTERN_TABLE);
    assert_true(keel_externtype_limits(t, &min, &max));
    assert_int_equal(min, 2);
    assert_int_equal(max, 10);
    assert_int_equal(keel_valtype_kind(keel_externtype_valtype(t)), KEEL_FUNCREF);
    assert_int_equal(keel_valtype_heap(keel_externtype_valtype(t)), KEEL_HEAP_FUNC);
    assert_true(keel_valtype_is_nullable(keel_externtype_valtype(t)));
    keel_externtype_free(t);
    OK(keel_module_export(m, 2, NULL, NULL, &t));
    assert_int_equal(keel_externtype_kind(t), KEEL_EXTERN_GLOBAL);
    assert_true(keel_externtype_mutable(t));
    assert_false(keel_externtype_limits(t, &min, &max));
    keel_externtype_free(t);
    OK(keel_module_export(m, 3, &name, &name_len, NULL));
    assert_int_equal(name_len, 6);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_module_export(m, 5, &name, &name_len, NULL));
    keel_externtype_free(NULL);
    assert_int_equal(keel_externtype_kind(NULL), UINT32_MAX);

    /* Released module under the guard. */
    keel_module *m2 = keel_module_retain(m);
    assert_ptr_equal(m2, m);
    keel_module_release(m2);
    keel_module_release(m);
    assert_int_equal(keel_module_import_count(m), 0);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_module_import(m, 0, NULL, NULL, NULL, NULL, NULL));
    keel_store *s;
    keel_instance *inst;
    OK(keel_store_new(e, &s));
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_instance_new(s, m, NULL, 0, &inst));
    /* A handle of the wrong kind. */
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_instance_new(s, (keel_module *)(void *)s, NULL, 0, &inst));
    keel_store_release(s);
    keel_engine_release(e);
    assert_no_live_handles();
}

/* ---------------------------------------------------------------- types */

static void test_types(void **state) {
    (void)state;
    keel_valtype *v, *r, *c;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_valtype_new(99, &v));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_valtype_new(KEEL_I32, NULL));
    OK(keel_valtype_new(KEEL_F64, &v));
    assert_int_equal(keel_valtype_kind(v), KEEL_F64);
    assert_int_equal(keel_valtype_heap(v), KEEL_HEAP_NONE_);
    assert_false(keel_valtype_is_nullable(v));
    OK(keel_valtype_new_ref(false, KEEL_HEAP_EXTERN, &r));
    assert_int_equal(keel_valtype_kind(r), KEEL_EXTERNREF);
    assert_false(keel_valtype_is_nullable(r));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_valtype_new_ref(true, KEEL_HEAP_CONCRETE, &c));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_valtype_new_ref(true, 77, &c));
    OK(keel_valtype_copy(r, &c));
    assert_int_equal(keel_valtype_heap(c), KEEL_HEAP_EXTERN);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_valtype_copy(NULL, &c));
    const keel_valtype *params[2] = {v, r};
    keel_functype *ft, *ft2;
    OK(keel_functype_new(params, 2, params, 1, &ft));
    assert_int_equal(keel_functype_param_count(ft), 2);
    assert_int_equal(keel_functype_result_count(ft), 1);
    assert_int_equal(keel_valtype_kind(keel_functype_param(ft, 1)), KEEL_EXTERNREF);
    assert_int_equal(keel_valtype_kind(keel_functype_result(ft, 0)), KEEL_F64);
    assert_null(keel_functype_result(ft, 1));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_functype_new(NULL, 2, NULL, 0, &ft2));
    const keel_valtype *bad[1] = {NULL};
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_functype_new(bad, 1, NULL, 0, &ft2));
    OK(keel_functype_copy(ft, &ft2));
    assert_int_equal(keel_functype_param_count(ft2), 2);
    keel_functype_free(ft2);
    keel_valkind kinds[3] = {KEEL_I32, KEEL_V128, KEEL_ANYREF};
    OK(keel_functype_new_kinds(kinds, 3, NULL, 0, &ft2));
    assert_int_equal(keel_valtype_kind(keel_functype_param(ft2, 2)), KEEL_ANYREF);
    keel_functype_free(ft2);
    kinds[1] = 42;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_functype_new_kinds(kinds, 3, NULL, 0, &ft2));
    /* Freeing an embedded type is refused; freeing NULL is harmless. */
    keel_valtype_free((keel_valtype *)keel_functype_param(ft, 0));
    assert_int_equal(keel_valtype_kind(keel_functype_param(ft, 0)), KEEL_F64);
    keel_valtype_free(NULL);
    keel_functype_free(NULL);
    keel_functype_free(ft);
    keel_valtype_free(v);
    keel_valtype_free(r);
    keel_valtype_free(c);
    /* Released type under the guard. */
    assert_int_equal(keel_valtype_kind(v), UINT32_MAX);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_valtype_copy(v, &c));
    assert_int_equal(keel_functype_param_count(ft), 0);
    assert_no_live_handles();
}

/* ---------------------------------------------------------------- store, instance, linker */

static void test_store(void **state) {
    (void)state;
    keel_engine *e;
    keel_store *s;
    OK(keel_engine_new(NULL, &e));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_new(NULL, &s));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_new(e, NULL));
    OK(keel_store_new(e, &s));
    int data = 5;
    OK(keel_store_set_user_data(s, &data, NULL));
    assert_ptr_equal(keel_store_user_data(s), &data);
    assert_null(keel_store_user_data(NULL));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_set_user_data(NULL, &data, NULL));
    OK(keel_store_limit_memory(s, 1 << 20));
    OK(keel_store_limit_table_elements(s, 1000));
    OK(keel_store_limit_instances(s, 2));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_limit_memory(NULL, 1));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_limit_table_elements(NULL, 1));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_limit_instances(NULL, 1));
    keel_store_interrupt(NULL);
    assert_ptr_equal(keel_store_retain(s), s);
    keel_store_release(s);
    keel_store_release(s);
    keel_store_release(NULL);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_store_limit_memory(s, 1));
    keel_store_interrupt(s); /* released: harmless under the guard */
    assert_null(keel_store_user_data(s));
    keel_engine_release(e);
    assert_no_live_handles();
}

static void user_data_finalizer(void *p) { (*(int *)p)++; }

static void test_store_user_data_finalizer(void **state) {
    (void)state;
    keel_engine *e;
    keel_store *s;
    int count = 0, count2 = 0;
    OK(keel_engine_new(NULL, &e));
    OK(keel_store_new(e, &s));
    OK(keel_store_set_user_data(s, &count, user_data_finalizer));
    OK(keel_store_set_user_data(s, &count2, user_data_finalizer));
    assert_int_equal(count, 1); /* replaced */
    keel_engine_release(e);     /* the store keeps the engine */
    keel_store_release(s);
    assert_int_equal(count2, 1);
    assert_no_live_handles();
}

static void test_instance_and_linker(void **state) {
    (void)state;
    keel_engine *e;
    keel_store *s, *s2;
    keel_linker *l;
    keel_instance *inst;
    OK(keel_engine_new(NULL, &e));
    OK(keel_store_new(e, &s));
    OK(keel_store_new(e, &s2));
    keel_module *m = wat_module(e, wat_exports);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_new(NULL, &l));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_new(e, NULL));
    OK(keel_linker_new(e, &l));

    /* Unknown import. */
    keel_error *err = keel_linker_instantiate(l, s, m, &inst);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_UNLINKABLE);
    assert_string_equal(keel_error_message(err), "unknown import: env::f");
    keel_error_free(err);

    keel_functype *ft;
    keel_valkind i32 = KEEL_I32;
    OK(keel_functype_new_kinds(&i32, 1, &i32, 1, &ft));
    keel_func *f, *f2;
    OK(keel_func_new(s, ft, cb_double, NULL, NULL, &f));
    OK(keel_func_new(s2, ft, cb_double, NULL, NULL, &f2));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_define_func(l, NULL, 3, "f", 1, f));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_define_func(NULL, "env", 3, "f", 1, f));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_define(l, "env", 3, "f", 1, NULL));
    OK(keel_linker_define_func(l, "env", 3, "f", 1, f2));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_define_func(l, "env", 3, "f", 1, f)); /* defined */
    keel_linker_allow_shadowing(l, true);
    keel_linker_allow_shadowing(NULL, true);

    /* env::g missing, then wrong kind, then another store. */
    err = keel_linker_instantiate(l, s, m, &inst);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_STORE_MISMATCH); /* f2 is of s2 */
    keel_error_free(err);
    OK(keel_linker_define_func(l, "env", 3, "f", 1, f)); /* shadows */
    err = keel_linker_instantiate(l, s, m, &inst);
    assert_string_equal(keel_error_message(err), "unknown import: env::g");
    keel_error_free(err);
    OK(keel_linker_define_func(l, "env", 3, "g", 1, f));
    FAILS(KEEL_ERROR_UNLINKABLE, keel_linker_instantiate(l, s, m, &inst));
    keel_valtype *vt;
    OK(keel_valtype_new(KEEL_I32, &vt));
    keel_global *g, *gm;
    keel_val v = val_i32(11);
    OK(keel_global_new(s, vt, false, &v, &g));
    OK(keel_global_new(s, vt, true, &v, &gm));
    OK(keel_linker_define(l, "env", 3, "g", 1, keel_global_as_extern(gm)));
    FAILS(KEEL_ERROR_UNLINKABLE, keel_linker_instantiate(l, s, m, &inst)); /* mutability */
    OK(keel_linker_define(l, "env", 3, "g", 1, keel_global_as_extern(g)));
    keel_extern *got;
    OK(keel_linker_get(l, "env", 3, "g", 1, &got));
    assert_int_equal(keel_extern_kind(got), KEEL_EXTERN_GLOBAL);
    keel_extern_release(got);
    OK(keel_linker_get(l, "env", 3, "nope", 4, &got));
    assert_null(got);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_get(l, NULL, 3, "g", 1, &got));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_instantiate(l, s, m, NULL));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_instantiate(l, NULL, m, &inst));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_instantiate(l, s, NULL, &inst));
    OK(keel_linker_instantiate(l, s, m, &inst));

    keel_val arg = val_i32(21), res;
    keel_func *call_f = export_func(inst, "call_f");
    OK(keel_func_call(call_f, &arg, 1, &res, 1));
    assert_int_equal(res.of.i32, 42);
    keel_func *get_g = export_func(inst, "get_g");
    OK(keel_func_call(get_g, NULL, 0, &res, 1));
    assert_int_equal(res.of.i32, 11);

    /* Exports. */
    keel_extern *x;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_instance_export(inst, "missing", 7, &x));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_instance_export(inst, NULL, 0, &x));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_instance_export(NULL, "mem", 3, &x));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_instance_export(inst, "mem", 3, NULL));
    keel_memory *mem;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_instance_export_memory(inst, "tab", 3, &mem));
    OK(keel_instance_export_memory(inst, "mem", 3, &mem));
    keel_memory_release(mem);
    keel_table *tab;
    OK(keel_instance_export_table(inst, "tab", 3, &tab));
    keel_table_release(tab);
    keel_global *glob;
    OK(keel_instance_export_global(inst, "glob", 4, &glob));
    keel_global_release(glob);
    assert_int_equal(keel_instance_export_count(inst), 5);
    assert_int_equal(keel_instance_export_count(NULL), 0);
    const char *name;
    size_t name_len;
    OK(keel_instance_export_nth(inst, 4, &name, &name_len, &x));
    assert_memory_equal(name, "get_g", 5);
    assert_int_equal(keel_extern_kind(x), KEEL_EXTERN_FUNC);
    assert_non_null(keel_extern_as_func(x));
    assert_null(keel_extern_as_memory(x));
    assert_null(keel_extern_as_table(x));
    assert_null(keel_extern_as_global(x));
    assert_null(keel_extern_as_tag(x));
    keel_externtype *xt;
    OK(keel_extern_type(x, &xt));
    assert_int_equal(keel_externtype_kind(xt), KEEL_EXTERN_FUNC);
    assert_int_equal(keel_functype_result_count(keel_externtype_functype(xt)), 1);
    keel_externtype_free(xt);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_extern_type(NULL, &xt));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_extern_type(x, NULL));
    assert_ptr_equal(keel_extern_retain(x), x);
    keel_extern_release(x);
    keel_extern_release(x);
    keel_extern_release(NULL);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_instance_export_nth(inst, 5, &name, &name_len, &x));
    keel_module *back;
    OK(keel_instance_module(inst, &back));
    assert_int_equal(keel_module_export_count(back), 5);
    keel_module_release(back);

    /* Direct instantiation: import count, kinds, stores. */
    keel_extern *imports[2] = {keel_func_as_extern(f), keel_global_as_extern(g)};
    keel_instance *inst2;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_instance_new(s, m, imports, 1, &inst2));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_instance_new(s, m, NULL, 2, &inst2));
    FAILS(KEEL_ERROR_STORE_MISMATCH, keel_instance_new(s2, m, imports, 2, &inst2));
    keel_extern *swapped[2] = {imports[1], imports[0]};
    FAILS(KEEL_ERROR_UNLINKABLE, keel_instance_new(s, m, swapped, 2, &inst2));
    OK(keel_instance_new(s, m, imports, 2, &inst2));
    keel_instance_release(inst2);

    /* Whole instances in the linker (the spec script's register). */
    OK(keel_linker_define_instance(l, "reg", 3, inst));
    OK(keel_linker_get(l, "reg", 3, "mem", 3, &got));
    assert_int_equal(keel_extern_kind(got), KEEL_EXTERN_MEMORY);
    keel_extern_release(got);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_linker_define_instance(l, "reg", 3, NULL));

    /* Instance limit. */
    OK(keel_store_limit_instances(s, 1));
    keel_instance *inst3 = NULL;
    FAILS(KEEL_ERROR_LIMIT, keel_instance_new(s, m, imports, 2, &inst3));
    assert_null(inst3);

    keel_func_release(call_f);
    keel_func_release(get_g);
    keel_instance_release(inst);
    /* Released instance under the guard. */
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_instance_export(inst, "mem", 3, &x));
    assert_null(keel_instance_retain(inst));
    keel_linker_free(l);
    keel_linker_free(NULL);
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_linker_define_func(l, "a", 1, "b", 1, f));
    keel_global_release(g);
    keel_global_release(gm);
    keel_valtype_free(vt);
    keel_functype_free(ft);
    keel_func_release(f);
    keel_func_release(f2);
    keel_module_release(m);
    keel_store_release(s);
    keel_store_release(s2);
    keel_engine_release(e);
    assert_no_live_handles();
}

static void test_engine_mismatch(void **state) {
    (void)state;
    keel_engine *e1, *e2;
    keel_store *s;
    keel_instance *inst;
    OK(keel_engine_new(NULL, &e1));
    OK(keel_engine_new(NULL, &e2));
    keel_module *m = wat_module(e1, "(module)");
    OK(keel_store_new(e2, &s));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_instance_new(s, m, NULL, 0, &inst));
    keel_store_release(s);
    keel_module_release(m);
    keel_engine_release(e1);
    keel_engine_release(e2);
    assert_no_live_handles();
}

static int setup(void **state) {
    (void)state;
    keel_debug_set_guard(1);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    keel_debug_flush_quarantine();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_module),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_store_user_data_finalizer),
        cmocka_unit_test(test_instance_and_linker),
        cmocka_unit_test(test_engine_mismatch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
