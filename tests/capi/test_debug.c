/*
** test_debug.c -- the debug API bindings use in their own tests: the guard
** switch, live handle counters per kind and in total, the quarantine.
*/
#include "capi_test.h"

static void test_live_counts(void **state) {
    (void)state;
    keel_debug_set_guard(0);
    assert_int_equal(keel_debug_guard(), 0);
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_ALL), 0);
    assert_int_equal(keel_debug_live_handles(12345), 0);
    keel_engine *e;
    keel_store *s;
    keel_config *c;
    OK(keel_config_new(&c));
    OK(keel_engine_new(c, &e));
    OK(keel_store_new(e, &s));
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_CONFIG), 1);
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_ENGINE), 1);
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_STORE), 1);
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_ALL), 3);
    assert_int_equal(keel_debug_live_stores(), 1);
    keel_store *s2 = keel_store_retain(s); /* the same handle: no new count */
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_STORE), 1);
    keel_store_release(s2);
    keel_memory *m;
    OK(keel_memory_new(s, 1, 1, 0, &m));
    keel_store_release(s);
    /* The store handle is gone, the store is not: the memory handle holds it. */
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_STORE), 0);
    assert_int_equal(keel_debug_live_stores(), 1);
    assert_int_equal(keel_memory_size(m), 65536);
    keel_memory_release(m);
    assert_int_equal(keel_debug_live_stores(), 0);
    keel_config_free(c);
    keel_engine_release(e);
    assert_no_live_handles();
}

static void test_guard_and_names(void **state) {
    (void)state;
    keel_debug_set_guard(1);
    assert_int_equal(keel_debug_guard(), 1);
    keel_valtype *v;
    OK(keel_valtype_new(KEEL_I32, &v));
    keel_valtype_free(v);
    /* Quarantined: the stale pointer is still readable and reported. */
    keel_valtype *copy;
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_valtype_copy(v, &copy));
    keel_valtype_free(v); /* a double free is harmless under the guard */
    keel_debug_flush_quarantine();
    keel_debug_set_guard(0);
    assert_string_equal(keel_debug_handle_kind_name(KEEL_HANDLE_FUNC), "func");
    assert_string_equal(keel_debug_handle_kind_name(KEEL_HANDLE_EXTERNTYPE), "externtype");
    assert_string_equal(keel_debug_handle_kind_name(999), "unknown");
    /* A pointer that is no handle at all. */
    static uint64_t junk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    FAILS(KEEL_ERROR_INVALID_HANDLE, keel_valtype_copy((keel_valtype *)(void *)junk, &copy));
    assert_no_live_handles();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_counts),
        cmocka_unit_test(test_guard_and_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
