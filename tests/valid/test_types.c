/*
** test_types.c -- the type registry and subtyping (engine/valid/kval_types.c):
** every subtyping rule on abstract heap types, nullability, declared
** subtypes, canonicalisation of equal rec groups across modules, limits
** matching for imports, and concurrent registration.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "../binary/wasm_builder.h"
#include "base/kb_error.h"
#include "binary/kbin_module.h"
#include "valid/kval.h"

static kbin_module *load(kval_registry *reg, const wb *w) {
    kbin_module *m = NULL;
    kb_error *err = kbin_decode(w->b, w->n, &m);
    if (err == NULL) err = kval_module(reg, m);
    if (err) fail_msg("unexpected error: %s", err->message);
    return m;
}

/* A module whose type section is the given bytes (count included). */
static kbin_module *types_module(kval_registry *reg, const uint8_t *types, size_t n) {
    wb w;
    wb_module(&w);
    wb_section(&w, 1, types, n);
    return load(reg, &w);
}
#define TYPES(reg, ...) types_module((reg), WB_ARR(__VA_ARGS__), WB_LEN(__VA_ARGS__))

static const uint32_t abs_heaps[] = {KHT_ANY, KHT_EQ, KHT_I31, KHT_STRUCT, KHT_ARRAY, KHT_NONE,
                                     KHT_FUNC, KHT_NOFUNC, KHT_EXTERN, KHT_NOEXTERN, KHT_EXN, KHT_NOEXN};

/* The expected abstract heap subtyping relation (spec 3.0, heap type matching). */
static bool expect_sub(uint32_t a, uint32_t b) {
    if (a == b) return true;
    switch (a) {
    case KHT_EQ: return b == KHT_ANY;
    case KHT_I31: case KHT_STRUCT: case KHT_ARRAY: return b == KHT_EQ || b == KHT_ANY;
    case KHT_NONE: return b == KHT_ANY || b == KHT_EQ || b == KHT_I31 || b == KHT_STRUCT || b == KHT_ARRAY;
    case KHT_NOFUNC: return b == KHT_FUNC;
    case KHT_NOEXTERN: return b == KHT_EXTERN;
    case KHT_NOEXN: return b == KHT_EXN;
    default: return false;
    }
}

static void test_types_abstract_heaps(void **state) {
    (void)state;
    kval_registry *reg = kval_registry_new();
    size_t n = sizeof abs_heaps / sizeof abs_heaps[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            bool got = kval_heap_sub(reg, abs_heaps[i], abs_heaps[j]);
            if (got != expect_sub(abs_heaps[i], abs_heaps[j]))
                fail_msg("heap %x <: %x: got %d", abs_heaps[i] & 0xFF, abs_heaps[j] & 0xFF, got);
            assert_true(kval_heap_sub(reg, KHT_BOT, abs_heaps[j]));
        }
    assert_int_equal(kval_heap_top(reg, KHT_I31), KHT_ANY);
    assert_int_equal(kval_heap_top(reg, KHT_NOFUNC), KHT_FUNC);
    assert_int_equal(kval_heap_top(reg, KHT_NOEXTERN), KHT_EXTERN);
    assert_int_equal(kval_heap_top(reg, KHT_NOEXN), KHT_EXN);
    kval_registry_free(reg);
    kval_registry_free(NULL);
}

static void test_types_value_types(void **state) {
    (void)state;
    kval_registry *reg = kval_registry_new();
    kbin_valtype i32 = kbin_vt(KVT_I32), i64 = kbin_vt(KVT_I64);
    assert_true(kval_vt_sub(reg, i32, i32));
    assert_false(kval_vt_sub(reg, i32, i64));
    assert_true(kval_vt_sub(reg, kbin_vt(KVT_BOT), i64));
    /* Non-null is a subtype of nullable, not the other way. */
    assert_true(kval_vt_sub(reg, kbin_ref(false, KHT_FUNC), kbin_ref(true, KHT_FUNC)));
    assert_false(kval_vt_sub(reg, kbin_ref(true, KHT_FUNC), kbin_ref(false, KHT_FUNC)));
    assert_true(kval_vt_sub(reg, kbin_ref(true, KHT_NONE), kbin_ref(true, KHT_EQ)));
    assert_false(kval_vt_sub(reg, kbin_ref(true, KHT_NONE), kbin_ref(true, KHT_FUNC)));
    assert_false(kval_vt_sub(reg, kbin_ref(false, KHT_FUNC), i32));
    kval_registry_free(reg);
}

static void test_types_concrete_subtyping(void **state) {
    (void)state;
    kval_registry *reg = kval_registry_new();
    /* 0: sub (struct), 1: sub 0 (struct i32), 2: sub final 1 (struct i32 i64),
       3: (func), 4: (array i8) */
    kbin_module *m = TYPES(reg, 0x05,
                           0x50, 0x00, 0x5F, 0x00,
                           0x50, 0x01, 0x00, 0x5F, 0x01, 0x7F, 0x00,
                           0x4F, 0x01, 0x01, 0x5F, 0x02, 0x7F, 0x00, 0x7E, 0x00,
                           0x60, 0x00, 0x00,
                           0x5E, 0x78, 0x01);
    uint32_t c0 = m->types[0].canon, c1 = m->types[1].canon, c2 = m->types[2].canon;
    uint32_t c3 = m->types[3].canon, c4 = m->types[4].canon;
    assert_true(kval_type_matches(reg, c2, c0));
    assert_true(kval_type_matches(reg, c2, c1));
    assert_true(kval_type_matches(reg, c1, c0));
    assert_false(kval_type_matches(reg, c0, c1));
    assert_true(kval_heap_sub(reg, c2, KHT_STRUCT));
    assert_true(kval_heap_sub(reg, c2, KHT_EQ));
    assert_true(kval_heap_sub(reg, c4, KHT_ARRAY));
    assert_false(kval_heap_sub(reg, c4, KHT_STRUCT));
    assert_true(kval_heap_sub(reg, c3, KHT_FUNC));
    assert_false(kval_heap_sub(reg, c3, KHT_ANY));
    assert_true(kval_heap_sub(reg, KHT_NONE, c2));
    assert_true(kval_heap_sub(reg, KHT_NOFUNC, c3));
    assert_false(kval_heap_sub(reg, KHT_NOFUNC, c2));
    assert_false(kval_heap_sub(reg, KHT_STRUCT, c0));
    assert_int_equal(kval_heap_top(reg, c3), KHT_FUNC);
    assert_int_equal(kval_heap_top(reg, c4), KHT_ANY);
    /* Module-relative helper. */
    assert_true(kval_valtype_sub(m, kbin_ref(false, 2), m, kbin_ref(true, 0)));
    assert_false(kval_valtype_sub(m, kbin_ref(true, 2), m, kbin_ref(false, 0)));
    kbin_module_free(m);
    kval_registry_free(reg);
}

static void expect_type_error(const uint8_t *types, size_t n, const char *msg) {
    kval_registry *reg = kval_registry_new();
    wb w;
    wb_module(&w);
    wb_section(&w, 1, types, n);
    kbin_module *m = NULL;
    kb_error *err = kbin_decode(w.b, w.n, &m);
    if (err == NULL) err = kval_module(reg, m);
    if (err == NULL) fail_msg("accepted, expected '%s'", msg);
    if (strstr(err->message, msg) == NULL) fail_msg("got '%s', want '%s'", err->message, msg);
    assert_int_equal(err->kind, KB_ERR_INVALID);
    kb_error_free(err);
    kbin_module_free(m);
    kval_registry_free(reg);
}
#define TYPE_ERROR(msg, ...) expect_type_error(WB_ARR(__VA_ARGS__), WB_LEN(__VA_ARGS__), msg)

static void test_types_declared_subtype_rules(void **state) {
    (void)state;
    /* Supertype is final (the default for a plain composite type). */
    TYPE_ERROR("sub type", 0x02, 0x5F, 0x00, 0x50, 0x01, 0x00, 0x5F, 0x00);
    /* Different kinds. */
    TYPE_ERROR("sub type", 0x02, 0x50, 0x00, 0x5F, 0x00, 0x50, 0x01, 0x00, 0x5E, 0x7F, 0x00);
    /* Struct subtype dropping a field. */
    TYPE_ERROR("sub type", 0x02, 0x50, 0x00, 0x5F, 0x01, 0x7F, 0x00, 0x50, 0x01, 0x00, 0x5F, 0x00);
    /* Mutable field must be invariant: (mut anyref) vs (mut eqref). */
    TYPE_ERROR("sub type", 0x02, 0x50, 0x00, 0x5F, 0x01, 0x6E, 0x01, 0x50, 0x01, 0x00, 0x5F, 0x01, 0x6D, 0x01);
    /* Function results covariant, params contravariant: (func (result eqref)) <: (func (result anyref)) ok,
       the reverse fails. */
    TYPE_ERROR("sub type", 0x02, 0x50, 0x00, 0x60, 0x00, 0x01, 0x6D, 0x50, 0x01, 0x00, 0x60, 0x00, 0x01, 0x6E);
    /* Forward supertype reference. */
    TYPE_ERROR("unknown type", 0x02, 0x50, 0x01, 0x01, 0x5F, 0x00, 0x50, 0x00, 0x5F, 0x00);
    /* Reference to a later rec group. */
    TYPE_ERROR("unknown type", 0x02, 0x5F, 0x01, 0x63, 0x01, 0x00, 0x5F, 0x00);

    kval_registry *reg = kval_registry_new();
    /* Immutable fields are covariant, and params contravariant. */
    kbin_module *m = TYPES(reg, 0x04,
                           0x50, 0x00, 0x5F, 0x01, 0x6E, 0x00,
                           0x50, 0x01, 0x00, 0x5F, 0x02, 0x6D, 0x00, 0x7F, 0x01,
                           0x50, 0x00, 0x60, 0x01, 0x6D, 0x01, 0x6E,
                           0x50, 0x01, 0x02, 0x60, 0x01, 0x6E, 0x01, 0x6D);
    assert_true(kval_type_matches(reg, m->types[1].canon, m->types[0].canon));
    assert_true(kval_type_matches(reg, m->types[3].canon, m->types[2].canon));
    kbin_module_free(m);
    kval_registry_free(reg);
}

static void test_types_canonicalisation(void **state) {
    (void)state;
    kval_registry *reg = kval_registry_new();
    /* Same rec group of two mutually recursive structs, in two modules. */
    kbin_module *a = TYPES(reg, 0x02, 0x60, 0x00, 0x00,
                           0x4E, 0x02, 0x5F, 0x01, 0x63, 0x02, 0x00, 0x5F, 0x01, 0x63, 0x01, 0x01);
    kbin_module *b = TYPES(reg, 0x03, 0x5E, 0x7F, 0x00, 0x5E, 0x7E, 0x00,
                           0x4E, 0x02, 0x5F, 0x01, 0x63, 0x03, 0x00, 0x5F, 0x01, 0x63, 0x02, 0x01);
    assert_int_equal(a->types[1].canon, b->types[2].canon);
    assert_int_equal(a->types[2].canon, b->types[3].canon);
    assert_int_not_equal(a->types[1].canon, a->types[2].canon);
    /* The same group with its members swapped is a different group. */
    kbin_module *c = TYPES(reg, 0x01, 0x4E, 0x02, 0x5F, 0x01, 0x63, 0x01, 0x01, 0x5F, 0x01, 0x63, 0x00, 0x00);
    assert_int_not_equal(c->types[0].canon, a->types[1].canon);
    assert_int_not_equal(c->types[0].canon, a->types[2].canon);
    /* A singleton struct equals across modules, but not a one-type rec group of a different shape. */
    kbin_module *d = TYPES(reg, 0x01, 0x5E, 0x7E, 0x00);
    assert_int_equal(d->types[0].canon, b->types[1].canon);
    assert_int_not_equal(d->types[0].canon, b->types[0].canon);
    /* Function types: equal signatures share an id (call_indirect across modules). */
    kbin_module *e = TYPES(reg, 0x01, 0x60, 0x00, 0x00);
    assert_int_equal(e->types[0].canon, a->types[0].canon);
    /* Types referring to other groups: equal when the referred groups are equal. */
    kbin_module *f = TYPES(reg, 0x02, 0x5E, 0x7E, 0x00, 0x5F, 0x01, 0x64, 0x00, 0x00);
    kbin_module *g = TYPES(reg, 0x03, 0x60, 0x00, 0x00, 0x5E, 0x7E, 0x00, 0x5F, 0x01, 0x64, 0x01, 0x00);
    assert_int_equal(f->types[1].canon, g->types[2].canon);
    assert_int_equal(kval_func_type_canon(a, 0), KBIN_NO_INDEX); /* no functions */
    const kval_ctype *ct = kval_ctype_get(reg, a->types[1].canon);
    assert_non_null(ct);
    assert_int_equal(ct->comp, KCT_STRUCT);
    assert_int_equal(ct->group_size, 2);
    assert_null(kval_ctype_get(reg, 0x7FFFFFF0u));
    kbin_module_free(a);
    kbin_module_free(b);
    kbin_module_free(c);
    kbin_module_free(d);
    kbin_module_free(e);
    kbin_module_free(f);
    kbin_module_free(g);
    kval_registry_free(reg);
}

static void test_types_limits_match(void **state) {
    (void)state;
    kbin_limits want = {1, 10, true, false, false, 16};
    kbin_limits got = {2, 5, true, false, false, 16};
    assert_true(kval_limits_match(&got, &want));
    got.min = 0;
    assert_false(kval_limits_match(&got, &want)); /* min too small */
    got.min = 1;
    got.has_max = false;
    assert_false(kval_limits_match(&got, &want)); /* max required */
    got.has_max = true;
    got.max = 11;
    assert_false(kval_limits_match(&got, &want)); /* max too large */
    got.max = 10;
    got.is64 = true;
    assert_false(kval_limits_match(&got, &want)); /* index type differs */
    got.is64 = false;
    got.shared = true;
    assert_false(kval_limits_match(&got, &want)); /* sharedness differs */
    got.shared = false;
    want.has_max = false;
    assert_true(kval_limits_match(&got, &want));
    got.page_log2 = 0;
    assert_false(kval_limits_match(&got, &want)); /* page size differs */
}

/* ---------------------------------------------------------------- threads */

typedef struct job {
    kval_registry *reg;
    uint32_t canon[4];
} job;

static void *canon_worker(void *arg) {
    job *j = arg;
    for (int round = 0; round < 50; round++) {
        kbin_module *m = TYPES(j->reg, 0x02, 0x60, 0x01, 0x7F, 0x00,
                               0x4E, 0x03, 0x5F, 0x01, 0x63, 0x02, 0x01, 0x5F, 0x01, 0x63, 0x03, 0x01,
                               0x5E, 0x63, 0x01, 0x01);
        for (int k = 0; k < 4; k++) j->canon[k] = m->types[k].canon;
        kbin_module_free(m);
    }
    return NULL;
}

static void test_types_concurrent_registration(void **state) {
    (void)state;
    kval_registry *reg = kval_registry_new();
    pthread_t t[4];
    job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i].reg = reg;
        pthread_create(&t[i], NULL, canon_worker, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    for (int i = 1; i < 4; i++) assert_memory_equal(jobs[i].canon, jobs[0].canon, sizeof jobs[0].canon);
    kval_registry_free(reg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_abstract_heaps),
        cmocka_unit_test(test_types_value_types),
        cmocka_unit_test(test_types_concrete_subtyping),
        cmocka_unit_test(test_types_declared_subtype_rules),
        cmocka_unit_test(test_types_canonicalisation),
        cmocka_unit_test(test_types_limits_match),
        cmocka_unit_test(test_types_concurrent_registration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
