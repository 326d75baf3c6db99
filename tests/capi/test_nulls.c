/*
** test_nulls.c -- every public function with NULL for every handle and
** out-parameter: never a crash; fallible functions report
** KEEL_ERROR_INVALID_ARGUMENT, accessors give their documented neutral
** value, release and free functions are no-ops.
*/
#include "capi_test.h"

#define NULLARG(call) FAILS(KEEL_ERROR_INVALID_ARGUMENT, call)

static void test_fallible_with_nulls(void **state) {
    (void)state;
    NULLARG(keel_config_new(NULL));
    NULLARG(keel_config_set_feature(NULL, KEEL_FEATURE_SIMD, true));
    NULLARG(keel_config_set_max_call_depth(NULL, 1));
    NULLARG(keel_config_set_value_stack_size(NULL, 1 << 20));
    NULLARG(keel_config_set_debug_guard(NULL, true));
    NULLARG(keel_engine_new(NULL, NULL));
    NULLARG(keel_module_new(NULL, NULL, 0, NULL));
    NULLARG(keel_module_new_wat(NULL, NULL, 0, NULL));
    NULLARG(keel_module_validate(NULL, NULL, 0));
    NULLARG(keel_wat_to_wasm(NULL, 0, NULL, NULL));
    NULLARG(keel_module_import(NULL, 0, NULL, NULL, NULL, NULL, NULL));
    NULLARG(keel_module_export(NULL, 0, NULL, NULL, NULL));
    NULLARG(keel_store_new(NULL, NULL));
    NULLARG(keel_store_set_user_data(NULL, NULL, NULL));
    NULLARG(keel_store_limit_memory(NULL, 0));
    NULLARG(keel_store_limit_table_elements(NULL, 0));
    NULLARG(keel_store_limit_instances(NULL, 0));
    NULLARG(keel_linker_new(NULL, NULL));
    NULLARG(keel_linker_define(NULL, NULL, 0, NULL, 0, NULL));
    NULLARG(keel_linker_define_func(NULL, NULL, 0, NULL, 0, NULL));
    NULLARG(keel_linker_define_instance(NULL, NULL, 0, NULL));
    NULLARG(keel_linker_get(NULL, NULL, 0, NULL, 0, NULL));
    NULLARG(keel_linker_instantiate(NULL, NULL, NULL, NULL));
    NULLARG(keel_instance_new(NULL, NULL, NULL, 0, NULL));
    NULLARG(keel_instance_export(NULL, NULL, 0, NULL));
    NULLARG(keel_instance_export_func(NULL, NULL, 0, NULL));
    NULLARG(keel_instance_export_memory(NULL, NULL, 0, NULL));
    NULLARG(keel_instance_export_table(NULL, NULL, 0, NULL));
    NULLARG(keel_instance_export_global(NULL, NULL, 0, NULL));
    NULLARG(keel_instance_export_nth(NULL, 0, NULL, NULL, NULL));
    NULLARG(keel_instance_module(NULL, NULL));
    NULLARG(keel_extern_type(NULL, NULL));
    NULLARG(keel_func_new(NULL, NULL, NULL, NULL, NULL, NULL));
    NULLARG(keel_func_call(NULL, NULL, 0, NULL, 0));
    NULLARG(keel_func_try_call(NULL, NULL, 0, NULL, 0));
    NULLARG(keel_func_type(NULL, NULL));
    NULLARG(keel_caller_export(NULL, NULL, 0, NULL));
    NULLARG(keel_caller_store(NULL, NULL));
    NULLARG(keel_memory_new(NULL, 0, 0, 0, NULL));
    NULLARG(keel_memory_grow(NULL, 0, NULL));
    NULLARG(keel_memory_read(NULL, 0, NULL, 0));
    NULLARG(keel_memory_write(NULL, 0, NULL, 0));
    NULLARG(keel_memory_type(NULL, NULL));
    NULLARG(keel_table_new(NULL, NULL, 0, 0, NULL, NULL));
    NULLARG(keel_table_get(NULL, 0, NULL));
    NULLARG(keel_table_set(NULL, 0, NULL));
    NULLARG(keel_table_grow(NULL, 0, NULL, NULL));
    NULLARG(keel_table_fill(NULL, 0, 0, NULL));
    NULLARG(keel_table_type(NULL, NULL));
    NULLARG(keel_global_new(NULL, NULL, false, NULL, NULL));
    NULLARG(keel_global_get(NULL, NULL));
    NULLARG(keel_global_set(NULL, NULL));
    NULLARG(keel_global_type(NULL, NULL));
    NULLARG(keel_tag_new(NULL, NULL, NULL));
    NULLARG(keel_tag_type(NULL, NULL));
    NULLARG(keel_exn_new(NULL, NULL, NULL, 0, NULL));
    NULLARG(keel_exn_tag(NULL, NULL));
    NULLARG(keel_exn_payload(NULL, 0, NULL));
    NULLARG(keel_externref_new(NULL, 0, NULL, NULL));
    NULLARG(keel_val_copy(NULL, NULL));
    NULLARG(keel_valtype_new(KEEL_I32, NULL));
    NULLARG(keel_valtype_new_ref(true, KEEL_HEAP_FUNC, NULL));
    NULLARG(keel_valtype_copy(NULL, NULL));
    NULLARG(keel_functype_new(NULL, 0, NULL, 0, NULL));
    NULLARG(keel_functype_new_kinds(NULL, 0, NULL, 0, NULL));
    NULLARG(keel_functype_copy(NULL, NULL));
}

static void test_accessors_with_nulls(void **state) {
    (void)state;
    assert_false(keel_config_get_feature(NULL, KEEL_FEATURE_SIMD));
    assert_null(keel_module_name(NULL));
    assert_int_equal(keel_module_import_count(NULL), 0);
    assert_int_equal(keel_module_export_count(NULL), 0);
    assert_null(keel_store_user_data(NULL));
    assert_int_equal(keel_instance_export_count(NULL), 0);
    assert_int_equal(keel_extern_kind(NULL), UINT32_MAX);
    assert_null(keel_extern_as_func(NULL));
    assert_null(keel_extern_as_table(NULL));
    assert_null(keel_extern_as_memory(NULL));
    assert_null(keel_extern_as_global(NULL));
    assert_null(keel_extern_as_tag(NULL));
    assert_null(keel_func_as_extern(NULL));
    assert_null(keel_table_as_extern(NULL));
    assert_null(keel_memory_as_extern(NULL));
    assert_null(keel_global_as_extern(NULL));
    assert_null(keel_tag_as_extern(NULL));
    assert_int_equal(keel_func_param_count(NULL), 0);
    assert_int_equal(keel_func_result_count(NULL), 0);
    assert_null(keel_memory_data(NULL, NULL, NULL));
    assert_int_equal(keel_memory_pages(NULL), 0);
    assert_int_equal(keel_memory_size(NULL), 0);
    assert_int_equal(keel_table_size(NULL), 0);
    assert_int_equal(keel_exn_payload_count(NULL), 0);
    assert_int_equal(keel_externref_value(NULL), 0);
    assert_int_equal(keel_valtype_kind(NULL), UINT32_MAX);
    assert_int_equal(keel_valtype_heap(NULL), KEEL_HEAP_NONE_);
    assert_false(keel_valtype_is_nullable(NULL));
    assert_int_equal(keel_functype_param_count(NULL), 0);
    assert_int_equal(keel_functype_result_count(NULL), 0);
    assert_null(keel_functype_param(NULL, 0));
    assert_null(keel_functype_result(NULL, 0));
    assert_int_equal(keel_externtype_kind(NULL), UINT32_MAX);
    assert_null(keel_externtype_functype(NULL));
    assert_null(keel_externtype_valtype(NULL));
    assert_false(keel_externtype_mutable(NULL));
    assert_false(keel_externtype_limits(NULL, NULL, NULL));
    assert_false(keel_externtype_is64(NULL));
    assert_false(keel_externtype_shared(NULL));
    assert_int_equal(keel_externtype_page_size(NULL), 0);
    keel_store_interrupt(NULL);
    /* retain gives NULL, release and free are no-ops */
    assert_null(keel_engine_retain(NULL));
    assert_null(keel_module_retain(NULL));
    assert_null(keel_store_retain(NULL));
    assert_null(keel_instance_retain(NULL));
    assert_null(keel_func_retain(NULL));
    assert_null(keel_memory_retain(NULL));
    assert_null(keel_table_retain(NULL));
    assert_null(keel_global_retain(NULL));
    assert_null(keel_tag_retain(NULL));
    assert_null(keel_exn_retain(NULL));
    assert_null(keel_extern_retain(NULL));
    assert_null(keel_externref_retain(NULL));
    assert_null(keel_ref_retain(NULL));
    keel_config_free(NULL);
    keel_engine_release(NULL);
    keel_module_release(NULL);
    keel_store_release(NULL);
    keel_linker_free(NULL);
    keel_linker_allow_shadowing(NULL, true);
    keel_instance_release(NULL);
    keel_func_release(NULL);
    keel_memory_release(NULL);
    keel_table_release(NULL);
    keel_global_release(NULL);
    keel_tag_release(NULL);
    keel_exn_release(NULL);
    keel_extern_release(NULL);
    keel_externref_release(NULL);
    keel_ref_release(NULL);
    keel_valtype_free(NULL);
    keel_functype_free(NULL);
    keel_externtype_free(NULL);
    keel_error_free(NULL);
    keel_bytes_free(NULL);
    keel_val_release(NULL);
    assert_no_live_handles();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fallible_with_nulls),
        cmocka_unit_test(test_accessors_with_nulls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
