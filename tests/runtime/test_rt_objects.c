/*
** test_rt_objects.c -- store lifecycle, memories, tables, globals, extern
** references (engine/rt). No module is needed: these objects are what a host
** creates directly.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rt/krt_int.h"

/* A store needs an engine only as a back pointer here; no registry use. */
static krt_engine fake_engine;

static krt_store *store_new(void) {
    krt_store *s = NULL;
    assert_null(krt_store_new(&fake_engine, &s));
    assert_non_null(s);
    return s;
}

static kbin_limits lim32(uint64_t min, bool has_max, uint64_t max) {
    kbin_limits l;
    memset(&l, 0, sizeof l);
    l.min = min;
    l.max = max;
    l.has_max = has_max;
    l.page_log2 = 16;
    return l;
}

/* ---------------------------------------------------------------- memories */

static void test_memory_grow_semantics(void **state) {
    (void)state;
    krt_store *s = store_new();
    kbin_limits l = lim32(1, true, 3);
    krt_memory *m;
    assert_null(krt_memory_new(s, &l, &m));
    assert_int_equal(m->size, 65536);
    assert_int_equal(m->max_pages, 3);
    m->data[0] = 7;
    m->data[65535] = 9;
    uint64_t gen = m->generation;
    /* Grow by 0 succeeds and returns the current size. */
    assert_int_equal(krt_memory_grow(m, 0), 1);
    assert_int_equal(krt_memory_grow(m, 1), 1);
    assert_true(m->generation != gen);
    assert_int_equal(m->size, 2 * 65536);
    /* New pages are zero, old contents kept. */
    assert_int_equal(m->data[65536], 0);
    assert_int_equal(m->data[2 * 65536 - 1], 0);
    assert_int_equal(m->data[0], 7);
    assert_int_equal(m->data[65535], 9);
    /* Past the maximum: -1, memory unchanged (spec 4.4.7). */
    gen = m->generation;
    assert_int_equal(krt_memory_grow(m, 2), -1);
    assert_int_equal(m->size, 2 * 65536);
    assert_int_equal(m->generation, gen);
    assert_int_equal(krt_memory_grow(m, 1), 2);
    assert_int_equal(krt_memory_grow(m, 1), -1);
    /* Huge deltas never wrap. */
    assert_int_equal(krt_memory_grow(m, UINT64_MAX), -1);
    krt_store_free(s);
}

static void test_memory_no_max_does_not_move(void **state) {
    (void)state;
    krt_store *s = store_new();
    kbin_limits l = lim32(0, false, 0);
    krt_memory *m;
    assert_null(krt_memory_new(s, &l, &m));
    assert_int_equal(m->size, 0);
    assert_non_null(m->data);
    assert_int_equal(m->max_pages, 65536);
    uint8_t *base = m->data;
    for (int i = 0; i < 20; i++) assert_int_equal(krt_memory_grow(m, 1), i);
    assert_ptr_equal(m->data, base); /* 4 GiB reserved: no move */
    m->data[20 * 65536 - 1] = 1;
    assert_int_equal(krt_memory_grow(m, 65536), -1);
    assert_int_equal(krt_memory_grow(m, 65536 - 20), 20);
    assert_int_equal(krt_memory_grow(m, 1), -1);
    krt_store_free(s);
}

static void test_memory_limits(void **state) {
    (void)state;
    krt_store *s = store_new();
    krt_memory *m;
    kb_error *err;
    /* More than 65536 pages for a 32-bit memory is not a memory type. */
    kbin_limits l = lim32(65537, false, 0);
    assert_non_null(err = krt_memory_new(s, &l, &m));
    assert_int_equal(err->kind, KB_ERR_INVALID_ARGUMENT);
    kb_error_free(err);
    l = lim32(2, true, 1);
    assert_non_null(err = krt_memory_new(s, &l, &m));
    kb_error_free(err);
    /* A bad page size. */
    l = lim32(0, false, 0);
    l.page_log2 = 12;
    assert_non_null(err = krt_memory_new(s, &l, &m));
    assert_int_equal(err->kind, KB_ERR_INVALID_ARGUMENT);
    kb_error_free(err);
    /* memory64 with a minimum no host can map: a clean error, not an abort. */
    l = lim32((uint64_t)1 << 48, false, 0);
    l.is64 = true;
    assert_non_null(err = krt_memory_new(s, &l, &m));
    assert_int_equal(err->kind, KB_ERR_OUT_OF_MEMORY);
    kb_error_free(err);
    /* memory64 with a 2^48-page maximum: the effective maximum is capped. */
    l = lim32(1, true, (uint64_t)1 << 48);
    l.is64 = true;
    assert_null(krt_memory_new(s, &l, &m));
    assert_true(m->max_pages < ((uint64_t)1 << 48));
    assert_int_equal(krt_memory_grow(m, ((uint64_t)1 << 48) - 1), -1);
    assert_int_equal(krt_memory_grow(m, 1), 1);
    krt_store_free(s);
    /* Store limit, for all memories of a store together: creation beyond it
       fails, grow beyond it returns -1. */
    s = store_new();
    s->max_memory_bytes = 4 * 65536;
    l = lim32(5, false, 0);
    assert_non_null(err = krt_memory_new(s, &l, &m));
    assert_int_equal(err->kind, KB_ERR_OUT_OF_MEMORY);
    kb_error_free(err);
    l = lim32(1, false, 0);
    assert_null(krt_memory_new(s, &l, &m));
    assert_int_equal(krt_memory_grow(m, 2), 1);
    krt_memory *second;
    assert_null(krt_memory_new(s, &l, &second)); /* 4 pages in use now */
    assert_int_equal(krt_memory_grow(m, 1), -1);
    assert_int_equal(krt_memory_grow(second, 1), -1);
    assert_non_null(err = krt_memory_new(s, &l, &second));
    assert_int_equal(err->kind, KB_ERR_OUT_OF_MEMORY);
    kb_error_free(err);
    assert_int_equal(s->memory_bytes, 4 * 65536);
    krt_store_free(s);
}

static void test_memory_custom_page_size(void **state) {
    (void)state;
    krt_store *s = store_new();
    kbin_limits l = lim32(3, false, 0);
    l.page_log2 = 0;
    krt_memory *m;
    assert_null(krt_memory_new(s, &l, &m));
    assert_int_equal(m->size, 3);
    assert_int_equal(m->max_pages, UINT32_MAX);
    m->data[2] = 5;
    assert_int_equal(krt_memory_grow(m, 1), 3);
    assert_int_equal(m->size, 4);
    assert_int_equal(m->data[3], 0);
    assert_int_equal(m->data[2], 5);
    assert_int_equal(krt_memory_grow(m, UINT32_MAX), -1);
    krt_store_free(s);
}

static void test_memory64_grow_keeps_contents(void **state) {
    (void)state;
    krt_store *s = store_new();
    /* memory64 without a maximum: grows keep the contents and bump the
       generation (a move to a bigger reservation happens only past 4 GiB,
       too big to exercise here). */
    kbin_limits l = lim32(1, false, 0);
    l.is64 = true;
    krt_memory *m;
    assert_null(krt_memory_new(s, &l, &m));
    memset(m->data, 0xAB, 65536);
    uint64_t gen = m->generation;
    assert_int_equal(krt_memory_grow(m, 15), 1);
    assert_true(m->generation > gen);
    for (size_t i = 0; i < 65536; i++) assert_int_equal(m->data[i], 0xAB);
    assert_int_equal(m->data[16 * 65536 - 1], 0);
    krt_store_free(s);
}

/* A released memory's reservation is reused (krt_memory.c pool): the next
   memory, smaller or larger, still starts all zeros with exactly its own
   size accessible, and grows zero-filled. */
static void test_memory_reuse_is_zeroed(void **state) {
    (void)state;
    for (int round = 0; round < 3; round++) {
        krt_store *s = store_new();
        kbin_limits l = lim32(3, false, 0);
        krt_memory *m;
        assert_null(krt_memory_new(s, &l, &m));
        memset(m->data, 0xC3, 3 * 65536);
        assert_int_equal(krt_memory_grow(m, 2), 3);
        memset(m->data, 0x3C, 5 * 65536);
        krt_store_free(s);

        s = store_new();
        l = lim32(round == 1 ? 7 : 1, false, 0);
        assert_null(krt_memory_new(s, &l, &m));
        for (size_t i = 0; i < m->size; i += 512) assert_int_equal(m->data[i], 0);
        assert_int_equal(m->data[m->size - 1], 0);
        uint64_t pages = m->size >> 16;
        assert_int_equal(krt_memory_grow(m, 4), (int64_t)pages);
        for (size_t i = 0; i < m->size; i += 512) assert_int_equal(m->data[i], 0);
        m->data[m->size - 1] = 1;
        krt_store_free(s);
    }
}

/* With a small reservation a growing memory must move: contents, zeroed new
   pages, the generation and the store's limits all behave as without. */
static void test_memory_moves_when_reservation_is_small(void **state) {
    (void)state;
    uint64_t old_cap = krt_memory_set_reserve_cap(2 * 65536);
    krt_store *s = store_new();
    kbin_limits l = lim32(1, false, 0);
    krt_memory *m;
    assert_null(krt_memory_new(s, &l, &m));
    assert_int_equal(m->reserved, 2 * 65536);
    memset(m->data, 0x5A, 65536);
    assert_int_equal(krt_memory_grow(m, 1), 1); /* fits the reservation */
    uint64_t gen = m->generation;
    assert_int_equal(krt_memory_grow(m, 3), 2); /* must move */
    assert_true(m->generation != gen);
    assert_true(m->reserved >= 5 * 65536);
    for (size_t i = 0; i < 65536; i++) assert_int_equal(m->data[i], 0x5A);
    for (size_t i = 65536; i < 5 * 65536; i += 4096) assert_int_equal(m->data[i], 0);
    m->data[5 * 65536 - 1] = 1;
    /* Same with 1-byte pages and sizes that are not host-page multiples. */
    l.page_log2 = 0;
    l.min = 10;
    assert_null(krt_memory_new(s, &l, &m));
    memset(m->data, 0x11, 10);
    assert_int_equal(krt_memory_grow(m, 3 * 65536), 10);
    assert_int_equal(m->size, 3 * 65536 + 10);
    for (size_t i = 0; i < 10; i++) assert_int_equal(m->data[i], 0x11);
    assert_int_equal(m->data[10], 0);
    assert_int_equal(m->data[3 * 65536 + 9], 0);
    krt_store_free(s);
    krt_memory_set_reserve_cap(old_cap);
}

static void test_memory_shared(void **state) {
    (void)state;
    krt_store *s = store_new();
    kbin_limits l = lim32(1, true, 4);
    l.shared = true;
    krt_memory *m;
    assert_null(krt_memory_new(s, &l, &m));
    assert_true(m->shared);
    uint8_t *base = m->data;
    assert_int_equal(krt_memory_grow(m, 3), 1);
    assert_ptr_equal(m->data, base); /* shared memories never move */
    l.has_max = false;
    kb_error *err = krt_memory_new(s, &l, &m);
    assert_non_null(err);
    kb_error_free(err);
    krt_store_free(s);
}

/* ---------------------------------------------------------------- tables */

static void test_table_grow_fill(void **state) {
    (void)state;
    krt_store *s = store_new();
    kbin_limits l = lim32(2, true, 5);
    int marker_a, marker_b;
    krt_table *t;
    assert_null(krt_table_new(s, kbin_ref(true, KHT_FUNC), &l, &marker_a, &t));
    assert_int_equal(t->size, 2);
    assert_int_equal(t->max, 5);
    assert_ptr_equal(t->elems[0], &marker_a);
    assert_ptr_equal(t->elems[1], &marker_a);
    assert_int_equal(krt_table_grow(t, 2, &marker_b), 2);
    assert_ptr_equal(t->elems[2], &marker_b);
    assert_ptr_equal(t->elems[3], &marker_b);
    assert_ptr_equal(t->elems[1], &marker_a);
    assert_int_equal(krt_table_grow(t, 2, NULL), -1);
    assert_int_equal(t->size, 4);
    assert_int_equal(krt_table_grow(t, 0, NULL), 4);
    assert_int_equal(krt_table_grow(t, 1, NULL), 4);
    assert_null(t->elems[4]);
    krt_store_free(s);
}

static void test_table_limits(void **state) {
    (void)state;
    krt_store *s = store_new();
    krt_table *t;
    kb_error *err;
    /* No maximum: an implementation limit, so a huge grow fails cleanly. */
    kbin_limits l = lim32(0, false, 0);
    assert_null(krt_table_new(s, kbin_ref(true, KHT_EXTERN), &l, NULL, &t));
    assert_int_equal(krt_table_grow(t, 0xFFFFFFFFu, NULL), -1);
    assert_int_equal(krt_table_grow(t, 0xFFFFFFF0u, NULL), -1);
    assert_int_equal(krt_table_grow(t, 10, NULL), 0);
    /* Declared maximum of 2^32-1 elements, same. */
    l = lim32(0, true, 0xFFFFFFFFu);
    assert_null(krt_table_new(s, kbin_ref(true, KHT_FUNC), &l, NULL, &t));
    assert_int_equal(krt_table_grow(t, 0xFFFFFFFFu, NULL), -1);
    /* table64 with a huge maximum. */
    l = lim32(0, true, UINT64_MAX);
    l.is64 = true;
    assert_null(krt_table_new(s, kbin_ref(true, KHT_FUNC), &l, NULL, &t));
    assert_int_equal(krt_table_grow(t, UINT64_MAX, NULL), -1);
    /* A minimum beyond the implementation limit. */
    l = lim32(0xFFFFFFFFu, false, 0);
    assert_non_null(err = krt_table_new(s, kbin_ref(true, KHT_FUNC), &l, NULL, &t));
    kb_error_free(err);
    /* Non-nullable elements need an initial value. */
    l = lim32(1, false, 0);
    assert_non_null(err = krt_table_new(s, kbin_ref(false, KHT_FUNC), &l, NULL, &t));
    assert_int_equal(err->kind, KB_ERR_INVALID_ARGUMENT);
    kb_error_free(err);
    krt_store_free(s);
    /* Store limit, for all tables of a store together. */
    s = store_new();
    s->max_table_elements = 8;
    l = lim32(9, false, 0);
    assert_non_null(err = krt_table_new(s, kbin_ref(true, KHT_FUNC), &l, NULL, &t));
    assert_int_equal(err->kind, KB_ERR_OUT_OF_MEMORY);
    kb_error_free(err);
    l = lim32(4, false, 0);
    assert_null(krt_table_new(s, kbin_ref(true, KHT_FUNC), &l, NULL, &t));
    assert_int_equal(krt_table_grow(t, 5, NULL), -1);
    assert_int_equal(krt_table_grow(t, 2, NULL), 4);
    krt_table *second;
    l = lim32(2, false, 0);
    assert_null(krt_table_new(s, kbin_ref(true, KHT_FUNC), &l, NULL, &second));
    assert_int_equal(krt_table_grow(second, 1, NULL), -1);
    assert_non_null(err = krt_table_new(s, kbin_ref(true, KHT_FUNC), &l, NULL, &second));
    assert_int_equal(err->kind, KB_ERR_OUT_OF_MEMORY);
    kb_error_free(err);
    assert_int_equal(s->table_elements, 8);
    krt_store_free(s);
}

/* ---------------------------------------------------------------- globals, refs */

static void test_globals(void **state) {
    (void)state;
    krt_store *s = store_new();
    krt_global *g;
    uint64_t v[2] = {42, 0};
    assert_null(krt_global_new(s, kbin_vt(KVT_I32), true, v, &g));
    assert_int_equal(g->value[0], 42);
    assert_true(g->mutable_);
    uint64_t w[2] = {0x1111222233334444ull, 0x5555666677778888ull};
    assert_null(krt_global_new(s, kbin_vt(KVT_V128), false, w, &g));
    assert_int_equal(g->value[0], w[0]);
    assert_int_equal(g->value[1], w[1]);
    assert_null(krt_global_new(s, kbin_ref(true, KHT_EXTERN), false, NULL, &g));
    assert_int_equal(g->value[0], 0);
    krt_store_free(s);
}

static int finalized;
static uintptr_t finalized_sum;
static void externref_fin(uintptr_t v) {
    finalized++;
    finalized_sum += v;
}

static void test_store_lifecycle(void **state) {
    (void)state;
    krt_store *s = store_new();
    finalized = 0;
    finalized_sum = 0;
    uintptr_t expect = 0;
    /* Many objects of every kind; freeing the store frees each exactly once
       (ASan/valgrind check the "exactly"), externref finalizers run then. */
    for (uintptr_t i = 1; i <= 500; i++) {
        krt_externref *r;
        assert_null(krt_externref_new(s, i, externref_fin, &r));
        assert_int_equal(r->value, i);
        expect += i;
        krt_global *g;
        uint64_t v[2] = {(uint64_t)(uintptr_t)r, 0};
        assert_null(krt_global_new(s, kbin_ref(true, KHT_EXTERN), true, v, &g));
        if (i % 50 == 0) {
            kbin_limits l = lim32(1, true, 2);
            krt_memory *m;
            assert_null(krt_memory_new(s, &l, &m));
            krt_table *t;
            assert_null(krt_table_new(s, kbin_ref(true, KHT_EXTERN), &l, r, &t));
        }
    }
    assert_int_equal(finalized, 0);
    krt_store_free(s);
    assert_int_equal(finalized, 500);
    assert_int_equal(finalized_sum, expect);
    krt_store_free(NULL); /* harmless */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_grow_semantics),
        cmocka_unit_test(test_memory_no_max_does_not_move),
        cmocka_unit_test(test_memory_limits),
        cmocka_unit_test(test_memory_custom_page_size),
        cmocka_unit_test(test_memory64_grow_keeps_contents),
        cmocka_unit_test(test_memory_reuse_is_zeroed),
        cmocka_unit_test(test_memory_moves_when_reservation_is_small),
        cmocka_unit_test(test_memory_shared),
        cmocka_unit_test(test_table_grow_fill),
        cmocka_unit_test(test_table_limits),
        cmocka_unit_test(test_globals),
        cmocka_unit_test(test_store_lifecycle),
    };
    return cmocka_run_group_tests_name("rt_objects", tests, NULL, NULL);
}
