/*
** capi_test.h -- helpers shared by the C ABI tests (cmocka).
*/
#ifndef CAPI_TEST_H
#define CAPI_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keel.h"

/* Asserts that 'call' succeeds, printing the error otherwise. */
#define OK(call)                                                                          \
    do {                                                                                  \
        keel_error *ok_err_ = (call);                                                     \
        if (ok_err_) {                                                                    \
            print_message("%s:%d: %s failed: %s (%s)\n", __FILE__, __LINE__, #call,      \
                          keel_error_message(ok_err_),                                    \
                          keel_error_kind_name(keel_error_kind(ok_err_)));                \
            keel_error_free(ok_err_);                                                     \
            fail();                                                                       \
        }                                                                                 \
    } while (0)

/* Asserts that 'call' fails with error kind 'kind' and frees the error. */
#define FAILS(kind, call)                                                                 \
    do {                                                                                  \
        keel_error *f_err_ = (call);                                                      \
        if (f_err_ == NULL) {                                                             \
            print_message("%s:%d: %s succeeded, expected %s\n", __FILE__, __LINE__, #call, \
                          keel_error_kind_name(kind));                                    \
            fail();                                                                       \
        }                                                                                 \
        if (keel_error_kind(f_err_) != (kind))                                            \
            print_message("%s:%d: %s: got %s (%s), expected %s\n", __FILE__, __LINE__,    \
                          #call, keel_error_kind_name(keel_error_kind(f_err_)),           \
                          keel_error_message(f_err_), keel_error_kind_name(kind));        \
        assert_int_equal(keel_error_kind(f_err_), (kind));                                \
        keel_error_free(f_err_);                                                          \
    } while (0)

static inline keel_val val_i32(int32_t v) {
    keel_val x;
    memset(&x, 0, sizeof x);
    x.kind = KEEL_I32;
    x.of.i32 = v;
    return x;
}

static inline keel_val val_i64(int64_t v) {
    keel_val x;
    memset(&x, 0, sizeof x);
    x.kind = KEEL_I64;
    x.of.i64 = v;
    return x;
}

static inline keel_val val_f64(double v) {
    keel_val x;
    memset(&x, 0, sizeof x);
    x.kind = KEEL_F64;
    x.of.f64 = v;
    return x;
}

static inline keel_val val_ref(keel_valkind kind, void *ref) {
    keel_val x;
    memset(&x, 0, sizeof x);
    x.kind = kind;
    x.of.funcref = (keel_func *)ref;
    return x;
}

/* A module from WAT text; fails the test on error. */
static inline keel_module *wat_module(keel_engine *engine, const char *wat) {
    keel_module *m = NULL;
    OK(keel_module_new_wat(engine, wat, strlen(wat), &m));
    return m;
}

static inline keel_func *export_func(keel_instance *inst, const char *name) {
    keel_func *f = NULL;
    OK(keel_instance_export_func(inst, name, strlen(name), &f));
    return f;
}

/* Asserts that no handle of any kind is alive. */
static inline void assert_no_live_handles(void) {
    for (keel_handle_kind k = 1; k < KEEL_HANDLE_KIND_COUNT; k++) {
        size_t n = keel_debug_live_handles(k);
        if (n) print_message("live %s handles: %zu\n", keel_debug_handle_kind_name(k), n);
        assert_int_equal(n, 0);
    }
    assert_int_equal(keel_debug_live_stores(), 0);
}

#endif
