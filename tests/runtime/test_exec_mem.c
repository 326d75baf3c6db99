/*
** test_exec_mem.c -- compile/ + exec/: memory bounds at exact edges, bulk
** memory, globals, tables, call_indirect traps, references, host calls and
** re-entry, exceptions, interrupts.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "test_exec_harness.h"

static void test_exec_mem__bounds(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module (memory 1)"
            " (data (i32.const 8) \"\\01\\02\\03\\04\")"
            " (func (export \"ld\") (param i32) (result i32) (i32.load (local.get 0)))"
            " (func (export \"ld8\") (param i32) (result i32) (i32.load8_s offset=1 (local.get 0)))"
            " (func (export \"ldoff\") (param i32) (result i64) (i64.load offset=0xFFFFFFFF (local.get 0)))"
            " (func (export \"st\") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))"
            " (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))"
            " (func (export \"size\") (result i32) (memory.size))"
            " (func (export \"fill\") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))"
            " (func (export \"copy\") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2))))",
            NULL);
    assert_int_equal(th_call1(&t, "ld", 1, (uint64_t)8), 0x04030201);
    assert_int_equal(th_call1(&t, "ld", 1, (uint64_t)65532), 0);
    uint64_t a[3] = {65533, 0, 0};
    th_trap(&t, "ld", a, KB_TRAP_MEMORY_OUT_OF_BOUNDS);
    a[0] = 0xFFFFFFFF;
    th_trap(&t, "ld", a, KB_TRAP_MEMORY_OUT_OF_BOUNDS);
    assert_int_equal(th_call1(&t, "ld8", 1, (uint64_t)65534), 0);
    a[0] = 65535;
    th_trap(&t, "ld8", a, KB_TRAP_MEMORY_OUT_OF_BOUNDS);
    a[0] = 1;
    th_trap(&t, "ldoff", a, KB_TRAP_MEMORY_OUT_OF_BOUNDS);
    assert_null(th_call(&t, "st", (uint64_t[]){65534, 0xBEEF}, (uint64_t[1]){0}));
    assert_int_equal(th_call1(&t, "ld", 1, (uint64_t)65532), 0xBEEF0000u);
    th_trap(&t, "st", (uint64_t[]){65535, 1}, KB_TRAP_MEMORY_OUT_OF_BOUNDS);
    assert_int_equal(th_call1(&t, "grow", 1, (uint64_t)1), 1);
    assert_int_equal(th_call1(&t, "size", 0), 2);
    /* After grow the cached memory size is refreshed: the old edge is in bounds. */
    assert_int_equal(th_call1(&t, "ld", 1, (uint64_t)65536), 0);
    assert_null(th_call(&t, "fill", (uint64_t[]){100, 0xAB, 4}, NULL));
    assert_int_equal(th_call1(&t, "ld", 1, (uint64_t)100), 0xABABABABu);
    assert_null(th_call(&t, "copy", (uint64_t[]){102, 8, 4}, NULL));
    assert_int_equal(th_call1(&t, "ld", 1, (uint64_t)100), 0x0201ABABu);
    th_trap(&t, "fill", (uint64_t[]){131072, 0, 1}, KB_TRAP_MEMORY_OUT_OF_BOUNDS);
    assert_null(th_call(&t, "fill", (uint64_t[]){131072, 0, 0}, NULL));
    th_free(&t);
}

static void test_exec_mem__memory64(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module (memory i64 1)"
            " (func (export \"ld\") (param i64) (result i32) (i32.load offset=4 (local.get 0)))"
            " (func (export \"st\") (param i64 i32) (i32.store (local.get 0) (local.get 1))))",
            NULL);
    assert_null(th_call(&t, "st", (uint64_t[]){65532, 77}, NULL));
    assert_int_equal(th_call1(&t, "ld", 1, (uint64_t)65528), 77);
    th_trap(&t, "ld", (uint64_t[]){65529}, KB_TRAP_MEMORY_OUT_OF_BOUNDS);
    th_trap(&t, "ld", (uint64_t[]){UINT64_MAX - 2}, KB_TRAP_MEMORY_OUT_OF_BOUNDS);
    th_free(&t);
}

static void test_exec_mem__globals_tables(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (type $i2i (func (param i32) (result i32)))"
            " (type $v2i (func (result i32)))"
            " (global $g (mut i32) (i32.const 5))"
            " (table $t 4 funcref)"
            " (elem (i32.const 0) $dbl $k)"
            " (func $dbl (type $i2i) (i32.mul (local.get 0) (i32.const 2)))"
            " (func $k (type $v2i) (i32.const 9))"
            " (func (export \"inc\") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))"
            " (func (export \"ci\") (param i32 i32) (result i32) (call_indirect (type $i2i) (local.get 1) (local.get 0)))"
            " (func (export \"rtc\") (param i32) (result i32) (return_call_indirect (type $i2i) (i32.const 21) (local.get 0)))"
            " (func (export \"isnull\") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))"
            " (func (export \"setf\") (param i32) (table.set $t (local.get 0) (ref.func $dbl)))"
            " (func (export \"tsize\") (result i32) (table.size $t))"
            " (func (export \"tgrow\") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))"
            " (func (export \"cref\") (param i32) (result i32) (call_ref $i2i (local.get 0) (ref.func $dbl)))"
            " (func (export \"crefnull\") (result i32) (call_ref $i2i (i32.const 1) (ref.null $i2i))))",
            NULL);
    assert_int_equal(th_call1(&t, "inc", 0), 6);
    assert_int_equal(th_call1(&t, "inc", 0), 7);
    assert_int_equal(th_call1(&t, "ci", 2, (uint64_t)0, (uint64_t)21), 42);
    assert_int_equal(th_call1(&t, "rtc", 1, (uint64_t)0), 42);
    th_trap(&t, "ci", (uint64_t[]){1, 0}, KB_TRAP_INDIRECT_CALL_TYPE);
    th_trap(&t, "ci", (uint64_t[]){2, 0}, KB_TRAP_UNINITIALIZED_ELEMENT);
    th_trap(&t, "ci", (uint64_t[]){4, 0}, KB_TRAP_UNDEFINED_ELEMENT);
    assert_int_equal(th_call1(&t, "isnull", 1, (uint64_t)2), 1);
    assert_null(th_call(&t, "setf", (uint64_t[]){2}, NULL));
    assert_int_equal(th_call1(&t, "isnull", 1, (uint64_t)2), 0);
    assert_int_equal(th_call1(&t, "ci", 2, (uint64_t)2, (uint64_t)4), 8);
    th_trap(&t, "isnull", (uint64_t[]){4}, KB_TRAP_TABLE_OUT_OF_BOUNDS);
    assert_int_equal(th_call1(&t, "tgrow", 1, (uint64_t)2), 4);
    assert_int_equal(th_call1(&t, "tsize", 0), 6);
    assert_int_equal(th_call1(&t, "cref", 1, (uint64_t)5), 10);
    uint64_t r[1];
    kb_error *err = th_call(&t, "crefnull", NULL, r);
    assert_non_null(err);
    assert_int_equal(err->trap, KB_TRAP_NULL_REFERENCE);
    assert_string_equal(err->message, "null function reference");
    kb_error_free(err);
    th_free(&t);
}

/* Host import: adds 1000 to its argument, or calls back into export "cb" when arg == 0. */
static kb_error *host_fn(void *env, krt_store *s, krt_instance *caller, const uint64_t *args, uint64_t *results) {
    th *t = env;
    if (args[0] == 0) {
        uint64_t a[1] = {7}, r[1];
        kb_error *err = kexec_call(s, th_export(t, "cb"), a, r);
        if (err) return err;
        results[0] = r[0] + 1;
        return NULL;
    }
    if (args[0] == 1) return kb_error_new(KB_ERR_HOST, "host says no");
    if (args[0] == 2) {
        /* An exception thrown by the nested call crosses this host frame. */
        uint64_t a[1] = {33};
        return kexec_call(s, th_export(t, "throw"), a, NULL);
    }
    if (args[0] == 3) {
        /* Unbounded host -> wasm -> host recursion. */
        uint64_t a[1] = {3}, r[1];
        return kexec_call(s, th_export(t, "callh"), a, r);
    }
    results[0] = (uint32_t)(args[0] + 1000);
    return NULL;
}

static void test_exec_mem__host(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (import \"env\" \"h\" (func $h (param i32) (result i32)))"
            " (memory 1)"
            " (func (export \"callh\") (param i32) (result i32) (i32.add (call $h (local.get 0)) (i32.const 1)))"
            " (func (export \"tailh\") (param i32) (result i32) (return_call $h (local.get 0)))"
            " (func (export \"cb\") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))"
            " (tag $e (param i32))"
            " (func (export \"throw\") (param i32) (throw $e (local.get 0)))"
            " (func (export \"catch\") (result i32)"
            "   (block $h (result i32) (try_table (result i32) (catch $e $h) (call $h (i32.const 2))))))",
            host_fn);
    assert_int_equal(th_call1(&t, "callh", 1, (uint64_t)5), 1006);
    assert_int_equal(th_call1(&t, "tailh", 1, (uint64_t)5), 1005);
    assert_int_equal(th_call1(&t, "callh", 1, (uint64_t)0), 23); /* re-entry: 7*3 + 1 + 1 */
    uint64_t r[1];
    kb_error *err = th_call(&t, "callh", (uint64_t[]){1}, r);
    assert_non_null(err);
    assert_int_equal(err->kind, KB_ERR_HOST);
    assert_string_equal(err->message, "host says no");
    kb_error_free(err);
    /* wasm -> host -> wasm throw: the exception comes back into wasm and is caught. */
    assert_int_equal(th_call1(&t, "catch", 0), 33);
    th_trap(&t, "callh", (uint64_t[]){3}, KB_TRAP_STACK_EXHAUSTED);
    assert_int_equal(th_call1(&t, "callh", 1, (uint64_t)5), 1006);
    th_free(&t);
}

static void test_exec_mem__exceptions(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module"
            " (tag $e (param i32))"
            " (tag $f)"
            " (func $thrower (param i32) (throw $e (local.get 0)))"
            " (func $mid (param i32) (result i32) (call $thrower (local.get 0)) (i32.const 0))"
            " (func (export \"catch\") (param i32) (result i32)"
            "   (block $h (result i32)"
            "     (try_table (result i32) (catch $e $h) (call $mid (local.get 0))))"
            "   (i32.const 100) (i32.add))"
            " (func (export \"catchall\") (result i32)"
            "   (block $h (try_table (catch_all $h) (throw $f))) (i32.const 5))"
            " (func (export \"uncaught\") (throw $f))"
            " (func (export \"ref\") (param i32) (result i32)"
            "   (block $h (result i32 exnref)"
            "     (try_table (catch_ref $e $h) (call $thrower (local.get 0))) (unreachable))"
            "   (drop))"
            " (func (export \"rethrow_ref\") (param i32) (result i32)"
            "   (block $o (result i32) (try_table (catch $e $o)"
            "     (block $h (result i32 exnref)"
            "       (try_table (catch_ref $e $h) (call $thrower (local.get 0))) (unreachable))"
            "     (throw_ref)) (unreachable)))"
            " (func (export \"legacy\") (param i32) (result i32)"
            "   (try (result i32) (do (call $mid (local.get 0)))"
            "     (catch $e (i32.const 1) (i32.add)) (catch_all (i32.const -1))))"
            " (func (export \"legacy_rethrow\") (param i32) (result i32)"
            "   (try (result i32) (do"
            "     (try (result i32) (do (call $thrower (local.get 0)) (i32.const 0))"
            "       (catch $e (drop) (rethrow 0))))"
            "     (catch $e (i32.const 2) (i32.mul))))"
            " (func (export \"delegate\") (param i32) (result i32)"
            "   (try $t (result i32) (do"
            "     (try (result i32) (do (call $thrower (local.get 0)) (i32.const 0)) (delegate $t)))"
            "     (catch $e (i32.const 3) (i32.mul)))))",
            NULL);
    assert_int_equal(th_call1(&t, "catch", 1, (uint64_t)5), 105);
    assert_int_equal(th_call1(&t, "catchall", 0), 5);
    assert_int_equal(th_call1(&t, "ref", 1, (uint64_t)9), 9);
    assert_int_equal(th_call1(&t, "rethrow_ref", 1, (uint64_t)11), 11);
    assert_int_equal(th_call1(&t, "legacy", 1, (uint64_t)41), 42);
    assert_int_equal(th_call1(&t, "legacy_rethrow", 1, (uint64_t)21), 42);
    assert_int_equal(th_call1(&t, "delegate", 1, (uint64_t)4), 12);
    kb_error *err = th_call(&t, "uncaught", NULL, NULL);
    assert_non_null(err);
    assert_int_equal(err->kind, KB_ERR_EXCEPTION);
    assert_non_null(err->exception);
    assert_ptr_equal(((krt_exn *)err->exception)->tag, t.tags[1]);
    kb_error_free(err);
    th_free(&t);
}

static void *interrupter(void *arg) {
    krt_store *s = arg;
    usleep(50000);
    atomic_store(&s->interrupt, 1);
    return NULL;
}

static void test_exec_mem__interrupt(void **state) {
    (void)state;
    th t;
    th_load(&t, "(module (func (export \"spin\") (loop (br 0))) (func (export \"one\") (result i32) (i32.const 1)))", NULL);
    pthread_t tid;
    pthread_create(&tid, NULL, interrupter, t.s);
    th_trap(&t, "spin", NULL, KB_TRAP_INTERRUPTED);
    pthread_join(tid, NULL);
    assert_int_equal(th_call1(&t, "one", 0), 1);
    th_free(&t);
}

static void test_exec_mem__unsupported(void **state) {
    (void)state;
    th t;
    th_load(&t,
            "(module (func (export \"simd\") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4)))"
            " (func (export \"ok\") (result i32) (i32.const 3)))",
            NULL);
    uint64_t r[2];
    kb_error *err = th_call(&t, "simd", NULL, r);
    assert_non_null(err);
    assert_int_equal(err->kind, KB_ERR_UNSUPPORTED);
    assert_non_null(strstr(err->message, "unsupported instruction"));
    kb_error_free(err);
    assert_int_equal(th_call1(&t, "ok", 0), 3);
    th_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_mem__bounds),
        cmocka_unit_test(test_exec_mem__memory64),
        cmocka_unit_test(test_exec_mem__globals_tables),
        cmocka_unit_test(test_exec_mem__host),
        cmocka_unit_test(test_exec_mem__exceptions),
        cmocka_unit_test(test_exec_mem__interrupt),
        cmocka_unit_test(test_exec_mem__unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
