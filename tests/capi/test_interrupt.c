/*
** test_interrupt.c -- interrupts, fuel and epoch deadlines through the ABI:
** each traps with its own code, leaves the store usable, and they combine
** (one attention check serves all three).
*/
#include "capi_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static const char *const k_wat =
    "(module\n"
    /* spin(n): n loop iterations (n = -1: forever). */
    "  (func (export \"spin\") (param $n i32) (result i32) (local $i i32)\n"
    "    (block $done (loop $l\n"
    "      (br_if $done (i32.eq (local.get $i) (local.get $n)))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br $l)))\n"
    "    (local.get $i))\n"
    "  (func $leaf (result i32) (i32.const 1))\n"
    /* calls(n): n calls of a leaf function, straight line after the loop. */
    "  (func (export \"calls\") (param $n i32) (result i32) (local $s i32)\n"
    "    (block $done (loop $l\n"
    "      (br_if $done (i32.eqz (local.get $n)))\n"
    "      (local.set $s (i32.add (local.get $s) (call $leaf)))\n"
    "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br $l)))\n"
    "    (local.get $s))\n"
    /* brt(n): a loop closed by a backward br_table (tests/wasi/README: the
       unsigned index once turned the negative offset into a 4 GiB jump). */
    "  (func (export \"brt\") (param $n i32) (result i32)\n"
    "    (block $b (loop $top\n"
    "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "      (br_table $b $top (local.get $n))))\n"
    "    (local.get $n)))\n";

typedef struct env {
    keel_engine *engine;
    keel_module *module;
    keel_store *store;
    keel_instance *inst;
    keel_func *spin, *calls;
} env;

static void env_new(env *e) {
    OK(keel_engine_new(NULL, &e->engine));
    e->module = wat_module(e->engine, k_wat);
    OK(keel_store_new(e->engine, &e->store));
    OK(keel_instance_new(e->store, e->module, NULL, 0, &e->inst));
    e->spin = export_func(e->inst, "spin");
    e->calls = export_func(e->inst, "calls");
}

static void env_free(env *e) {
    keel_func_release(e->spin);
    keel_func_release(e->calls);
    keel_instance_release(e->inst);
    keel_store_release(e->store);
    keel_module_release(e->module);
    keel_engine_release(e->engine);
    assert_no_live_handles();
}

/* Calls f(n); returns the error (NULL on success) and the result in *out. */
static keel_error *call1(keel_func *f, int32_t n, int32_t *out) {
    keel_val a[1] = {val_i32(n)}, r[1];
    keel_error *err = keel_func_call(f, a, 1, r, 1);
    if (err == NULL && out) *out = r[0].of.i32;
    return err;
}

static void expect_trap(keel_error *err, keel_trapcode code) {
    assert_non_null(err);
    assert_int_equal(keel_error_kind(err), KEEL_ERROR_TRAP);
    assert_int_equal(keel_error_trap_code(err), code);
    keel_error_free(err);
}

static void test_interrupt_pending_and_clear(void **state) {
    (void)state;
    env e;
    env_new(&e);
    int32_t r = 0;
    /* A request made while idle traps the next call at its start... */
    keel_store_interrupt(e.store);
    expect_trap(call1(e.spin, 10, &r), KEEL_TRAP_INTERRUPTED);
    /* ... and is consumed by it. */
    OK(call1(e.spin, 10, &r));
    assert_int_equal(r, 10);
    /* A withdrawn request does nothing. */
    keel_store_interrupt(e.store);
    keel_store_interrupt_clear(e.store);
    OK(call1(e.spin, 10, &r));
    assert_int_equal(r, 10);
    keel_store_interrupt(NULL);
    keel_store_interrupt_clear(NULL);
    env_free(&e);
}

static void test_fuel(void **state) {
    (void)state;
    env e;
    env_new(&e);
    uint64_t fuel = 7;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_get_fuel(e.store, &fuel)); /* off by default */
    int32_t r = 0;
    /* spin(n) takes 1 (entry) + n + 1 (loop headers) units. */
    OK(keel_store_set_fuel(e.store, 1000));
    OK(call1(e.spin, 100, &r));
    assert_int_equal(r, 100);
    OK(keel_store_get_fuel(e.store, &fuel));
    assert_int_equal(fuel, 1000 - 102);
    /* Running out traps with its own code; the fuel reads 0 afterwards. */
    OK(keel_store_set_fuel(e.store, 50));
    expect_trap(call1(e.spin, -1, &r), KEEL_TRAP_OUT_OF_FUEL);
    OK(keel_store_get_fuel(e.store, &fuel));
    assert_int_equal(fuel, 0);
    expect_trap(call1(e.spin, 1, &r), KEEL_TRAP_OUT_OF_FUEL);
    /* Function entries are charged too: calls(n) = 1 + n loop headers + 1 + n leaf entries. */
    OK(keel_store_set_fuel(e.store, 1000));
    OK(call1(e.calls, 10, &r));
    assert_int_equal(r, 10);
    OK(keel_store_get_fuel(e.store, &fuel));
    assert_int_equal(fuel, 1000 - 22);
    /* Metering survives an interrupt (capi clears the attention word). */
    keel_store_interrupt(e.store);
    expect_trap(call1(e.spin, 10, &r), KEEL_TRAP_INTERRUPTED);
    OK(keel_store_set_fuel(e.store, 5));
    expect_trap(call1(e.spin, -1, &r), KEEL_TRAP_OUT_OF_FUEL);
    /* Off again: unlimited. */
    OK(keel_store_disable_fuel(e.store));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_get_fuel(e.store, &fuel));
    OK(call1(e.spin, 100000, &r));
    assert_int_equal(r, 100000);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_set_fuel(NULL, 1));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_get_fuel(e.store, NULL));
    env_free(&e);
}

/* A timer thread advancing the epoch every millisecond. */
typedef struct ticker {
    keel_engine *engine;
    atomic_int stop;
    pthread_t thread;
} ticker;

static void *tick_thread(void *p) {
    ticker *t = p;
    struct timespec ms = {0, 1000000};
    while (!atomic_load(&t->stop)) {
        keel_engine_increment_epoch(t->engine);
        nanosleep(&ms, NULL);
    }
    return NULL;
}

static bool extend_twice(void *envp, uint64_t *extend) {
    int *calls = envp;
    if (++*calls > 2) return false;
    *extend = 3;
    return true;
}

static void test_epoch_deadline(void **state) {
    (void)state;
    env e;
    env_new(&e);
    int32_t r = 0;
    uint64_t e0 = keel_engine_epoch(e.engine);
    keel_engine_increment_epoch(e.engine);
    assert_int_equal(keel_engine_epoch(e.engine), e0 + 1);

    /* Deadline 0 ticks from now: traps at once. */
    OK(keel_store_set_epoch_deadline(e.store, 0));
    expect_trap(call1(e.spin, 10, &r), KEEL_TRAP_DEADLINE);
    /* A far deadline lets calls finish. */
    OK(keel_store_set_epoch_deadline(e.store, 1000000));
    OK(call1(e.spin, 1000, &r));
    assert_int_equal(r, 1000);

    /* An endless loop stops once a timer moves the epoch past the deadline. */
    ticker t = {.engine = e.engine};
    assert_int_equal(pthread_create(&t.thread, NULL, tick_thread, &t), 0);
    OK(keel_store_set_epoch_deadline(e.store, 5));
    expect_trap(call1(e.spin, -1, &r), KEEL_TRAP_DEADLINE);
    /* The callback extends twice, then lets it trap. */
    int calls = 0;
    OK(keel_store_set_epoch_deadline_callback(e.store, extend_twice, &calls));
    OK(keel_store_set_epoch_deadline(e.store, 2));
    expect_trap(call1(e.spin, -1, &r), KEEL_TRAP_DEADLINE);
    assert_int_equal(calls, 3);
    OK(keel_store_set_epoch_deadline_callback(e.store, NULL, NULL));
    /* Cleared: runs to the end whatever the epoch. */
    OK(keel_store_clear_epoch_deadline(e.store));
    OK(call1(e.spin, 100000, &r));
    atomic_store(&t.stop, 1);
    pthread_join(t.thread, NULL);
    /* Fuel and a deadline together: whichever comes first. */
    OK(keel_store_set_epoch_deadline(e.store, 1000000));
    OK(keel_store_set_fuel(e.store, 20));
    expect_trap(call1(e.spin, -1, &r), KEEL_TRAP_OUT_OF_FUEL);
    OK(keel_store_disable_fuel(e.store));
    OK(keel_store_clear_epoch_deadline(e.store));
    keel_engine_increment_epoch(NULL);
    assert_int_equal(keel_engine_epoch(NULL), 0);
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_store_set_epoch_deadline(NULL, 1));
    env_free(&e);
}

/* Each engine counts its own epoch, however many engines the process has
   (the counters once lived in a 1024-entry table: the 1025th engine to set a
   deadline got KEEL_ERROR_LIMIT). */
#define MANY_ENGINES 1100
static void test_epoch_per_engine_unlimited(void **state) {
    (void)state;
    keel_engine **engines = calloc(MANY_ENGINES, sizeof *engines);
    keel_store **stores = calloc(MANY_ENGINES, sizeof *stores);
    assert_non_null(engines);
    assert_non_null(stores);
    for (int i = 0; i < MANY_ENGINES; i++) {
        OK(keel_engine_new(NULL, &engines[i]));
        OK(keel_store_new(engines[i], &stores[i]));
        OK(keel_store_set_epoch_deadline(stores[i], 1));
        for (int k = 0; k < i % 3; k++) keel_engine_increment_epoch(engines[i]);
    }
    for (int i = 0; i < MANY_ENGINES; i++) assert_int_equal(keel_engine_epoch(engines[i]), (uint64_t)(i % 3));
    /* The last engine's deadline is its own: reached only by its own ticks. */
    env e;
    env_new(&e);
    int32_t r = 0;
    OK(keel_store_set_epoch_deadline(e.store, 2));
    keel_engine_increment_epoch(engines[MANY_ENGINES - 1]);
    OK(call1(e.spin, 1000, &r));
    keel_engine_increment_epoch(e.engine);
    keel_engine_increment_epoch(e.engine);
    expect_trap(call1(e.spin, 10, &r), KEEL_TRAP_DEADLINE);
    for (int i = 0; i < MANY_ENGINES; i++) {
        keel_store_release(stores[i]);
        keel_engine_release(engines[i]);
    }
    free(engines);
    free(stores);
    env_free(&e);
}

static void test_backward_br_table(void **state) {
    (void)state;
    env e;
    env_new(&e);
    keel_func *brt = export_func(e.inst, "brt");
    int32_t r = -1;
    OK(call1(brt, 5, &r));
    assert_int_equal(r, 0);
    /* Each backward br_table passes the loop header's check: fuel counts it. */
    OK(keel_store_set_fuel(e.store, 3));
    expect_trap(call1(brt, 100, &r), KEEL_TRAP_OUT_OF_FUEL);
    OK(keel_store_disable_fuel(e.store));
    keel_func_release(brt);
    env_free(&e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interrupt_pending_and_clear),
        cmocka_unit_test(test_fuel),
        cmocka_unit_test(test_epoch_deadline),
        cmocka_unit_test(test_epoch_per_engine_unlimited),
        cmocka_unit_test(test_backward_br_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
