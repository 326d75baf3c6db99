/*
** test_cache_seeds.c -- SEEDS.md 1 through the ABI with the code cache cold
** and warm: a function written into an imported table by an instance whose
** start function trapped, or whose handles were all released, stays callable
** through the table; the last handles released on one thread while another
** thread runs cached (file-mapped) code; a keel_code handle outliving its
** module; serialise/deserialise (bytes and file) and damage refused.
*/
#include "capi_test.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEEL_TAB_EXTERN(t) ((keel_extern *)(t))

static const char *wat_a =
    "(module $a"
    "  (type $t (func (param i32) (result i32)))"
    "  (table (export \"tab\") 4 funcref)"
    "  (func (export \"call\") (param $slot i32) (param $x i32) (result i32)"
    "    (call_indirect (type $t) (local.get $x) (local.get $slot)))"
    "  (func (export \"loop\") (param $n i32) (param $slot i32) (result i32) (local $acc i32)"
    "    (block $done (loop $l"
    "      (br_if $done (i32.eqz (local.get $n)))"
    "      (local.set $acc (call_indirect (type $t) (local.get $acc) (local.get $slot)))"
    "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))"
    "      (br $l)))"
    "    (local.get $acc)))";

/* Writes $b_fn (x+2) into slot 1, then traps in its start function. */
static const char *wat_b =
    "(module $b (import \"a\" \"tab\" (table 4 funcref))"
    "  (func $b_fn (param i32) (result i32) local.get 0 i32.const 2 i32.add)"
    "  (elem (i32.const 1) $b_fn)"
    "  (func $start unreachable) (start $start))";

/* Writes $c_fn (x*3) into slot 2 and instantiates normally. */
static const char *wat_c =
    "(module $c (import \"a\" \"tab\" (table 4 funcref))"
    "  (func $c_fn (param i32) (result i32) local.get 0 i32.const 3 i32.mul)"
    "  (elem (i32.const 2) $c_fn))";

static char cache_dir[256];

static int setup(void **state) {
    (void)state;
    snprintf(cache_dir, sizeof cache_dir, "/tmp/keel-cache-seeds-XXXXXX");
    return mkdtemp(cache_dir) ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    DIR *d = opendir(cache_dir);
    if (d) {
        struct dirent *de;
        char p[512];
        while ((de = readdir(d)) != NULL) {
            snprintf(p, sizeof p, "%s/%s", cache_dir, de->d_name);
            if (de->d_name[0] != '.') unlink(p);
        }
        closedir(d);
    }
    rmdir(cache_dir);
    return 0;
}

static keel_engine *cached_engine(void) {
    keel_config *c;
    OK(keel_config_new(&c));
    OK(keel_config_set_cache_dir(c, cache_dir));
    keel_engine *e;
    OK(keel_engine_new(c, &e));
    keel_config_free(c);
    return e;
}

static keel_code_origin_t origin_of(keel_module *m) {
    keel_code *code;
    OK(keel_module_code(m, &code));
    keel_code_origin_t o = keel_code_origin(code);
    assert_true(keel_code_size(code) > 0);
    keel_code_release(code);
    return o;
}

static int32_t call2(keel_func *f, int32_t a, int32_t b) {
    keel_val args[2] = {val_i32(a), val_i32(b)}, res[1];
    OK(keel_func_call(f, args, 2, res, 1));
    return res[0].of.i32;
}

/* One round: returns the origin of A's code (cold: compiled, warm: cached). */
static keel_code_origin_t seeds_round(void) {
    keel_engine *e = cached_engine();
    keel_store *s;
    OK(keel_store_new(e, &s));
    keel_module *ma = wat_module(e, wat_a), *mb = wat_module(e, wat_b), *mc = wat_module(e, wat_c);
    keel_code_origin_t o = origin_of(ma);
    assert_int_equal(origin_of(mb), o);
    keel_instance *a, *b = NULL, *c;
    OK(keel_instance_new(s, ma, NULL, 0, &a));
    keel_table *tab;
    OK(keel_instance_export_table(a, "tab", 3, &tab));
    keel_extern *imp[1] = {KEEL_TAB_EXTERN(tab)};
    /* B traps in its start function after its element segment ran. */
    FAILS(KEEL_ERROR_TRAP, keel_instance_new(s, mb, imp, 1, &b));
    assert_null(b);
    OK(keel_instance_new(s, mc, imp, 1, &c));
    /* Drop every handle of B and C (and their modules) and the engine. */
    keel_instance_release(c);
    keel_module_release(mb);
    keel_module_release(mc);
    keel_module_release(ma);
    keel_table_release(tab);
    keel_engine_release(e);
    keel_func *call = export_func(a, "call");
    keel_instance_release(a);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(call2(call, 1, 40), 42);  /* B's function */
        assert_int_equal(call2(call, 2, 14), 42);  /* C's function */
    }
    keel_func_release(call);
    keel_store_release(s);
    return o;
}

static void test_cache_seeds__table_keeps_code_cold_and_warm(void **state) {
    (void)state;
    assert_int_equal(seeds_round(), KEEL_CODE_COMPILED);
    assert_int_equal(seeds_round(), KEEL_CODE_CACHED);
    assert_int_equal(seeds_round(), KEEL_CODE_CACHED);
    assert_no_live_handles();
}

typedef struct runner {
    keel_func *loop;
    int32_t n, result;
    atomic_int started, done;
} runner;

static void *run_loop(void *p) {
    runner *r = p;
    atomic_store(&r->started, 1);
    r->result = call2(r->loop, r->n, 1);
    atomic_store(&r->done, 1);
    keel_func_release(r->loop); /* the last handle of all */
    return NULL;
}

static void test_cache_seeds__release_while_another_thread_runs(void **state) {
    (void)state;
    int overlapped = 0;
    for (int round = 0; round < 4; round++) {
        keel_engine *e = cached_engine();
        keel_store *s;
        OK(keel_store_new(e, &s));
        keel_module *ma = wat_module(e, wat_a), *mb = wat_module(e, wat_b);
        if (round > 0) assert_int_equal(origin_of(ma), KEEL_CODE_CACHED);
        keel_instance *a, *b = NULL;
        OK(keel_instance_new(s, ma, NULL, 0, &a));
        keel_table *tab;
        OK(keel_instance_export_table(a, "tab", 3, &tab));
        keel_extern *imp[1] = {KEEL_TAB_EXTERN(tab)};
        FAILS(KEEL_ERROR_TRAP, keel_instance_new(s, mb, imp, 1, &b));
        runner r = {export_func(a, "loop"), 3000000, 0, 0, 0};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, run_loop, &r), 0);
        while (!atomic_load(&r.started)) usleep(100);
        usleep(2000);
        /* Every other handle goes while T runs B's cached code through A's table. */
        keel_table_release(tab);
        keel_instance_release(a);
        keel_module_release(mb);
        keel_module_release(ma);
        keel_store_release(s);
        keel_engine_release(e);
        if (!atomic_load(&r.done)) overlapped++;
        pthread_join(t, NULL);
        assert_int_equal(r.result, 3000000 * 2);
    }
    assert_true(overlapped > 0); /* the releases really happened during a call */
    assert_no_live_handles();
}

static void test_cache_seeds__code_outlives_module(void **state) {
    (void)state;
    keel_engine *e = cached_engine();
    keel_module *mc = wat_module(e, wat_c);
    keel_code *code;
    OK(keel_module_code(mc, &code));
    keel_module_release(mc);
    keel_engine_release(e);
    /* The code is still mapped: serialise it and run it in a new engine. */
    uint8_t *bytes;
    size_t n;
    OK(keel_code_serialize(code, &bytes, &n));
    assert_int_equal(n, keel_code_size(code));
    keel_code_release(code);
    keel_engine *e2;
    OK(keel_engine_new(NULL, &e2));
    keel_module *m2;
    OK(keel_module_deserialize(e2, bytes, n, &m2));
    assert_int_equal(origin_of(m2), KEEL_CODE_DESERIALIZED);
    assert_int_equal(keel_module_import_count(m2), 1);
    /* Damage is refused, never run. */
    for (size_t i = 0; i < n; i += n / 37 + 1) {
        bytes[i] ^= 0x10;
        keel_module *bad = NULL;
        FAILS(KEEL_ERROR_MALFORMED, keel_module_deserialize(e2, bytes, n, &bad));
        assert_null(bad);
        bytes[i] ^= 0x10;
    }
    keel_module *half = NULL;
    FAILS(KEEL_ERROR_MALFORMED, keel_module_deserialize(e2, bytes, n / 2, &half));
    keel_bytes_free(bytes);
    keel_module_release(m2);
    keel_engine_release(e2);
    assert_no_live_handles();
}

static void test_cache_seeds__serialize_file(void **state) {
    (void)state;
    keel_engine *e;
    OK(keel_engine_new(NULL, &e));
    keel_module *ma = wat_module(e, wat_a);
    uint8_t *bytes;
    size_t n;
    OK(keel_module_serialize(ma, &bytes, &n));
    char path[300];
    snprintf(path, sizeof path, "%s/a.keelc-file", cache_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    fclose(f);
    keel_module *m2;
    OK(keel_module_deserialize_file(e, path, &m2));
    unlink(path); /* read into private memory: the file may go */
    keel_store *s;
    OK(keel_store_new(e, &s));
    keel_instance *a, *c;
    OK(keel_instance_new(s, m2, NULL, 0, &a));
    keel_table *tab;
    OK(keel_instance_export_table(a, "tab", 3, &tab));
    keel_module *mc = wat_module(e, wat_c);
    keel_extern *imp[1] = {KEEL_TAB_EXTERN(tab)};
    OK(keel_instance_new(s, mc, imp, 1, &c));
    keel_func *call = export_func(a, "call");
    assert_int_equal(call2(call, 2, 5), 15);
    FAILS(KEEL_ERROR_IO, keel_module_deserialize_file(e, path, &(keel_module *){NULL}));
    /* Features must match the writer's. */
    keel_config *cfg;
    OK(keel_config_new(&cfg));
    OK(keel_config_set_feature(cfg, KEEL_FEATURE_SIMD, false));
    keel_engine *e3;
    OK(keel_engine_new(cfg, &e3));
    keel_config_free(cfg);
    FAILS(KEEL_ERROR_UNSUPPORTED, keel_module_deserialize(e3, bytes, n, &(keel_module *){NULL}));
    keel_engine_release(e3);
    keel_bytes_free(bytes);
    keel_func_release(call);
    keel_table_release(tab);
    keel_instance_release(a);
    keel_instance_release(c);
    keel_module_release(mc);
    keel_module_release(m2);
    keel_module_release(ma);
    keel_store_release(s);
    keel_engine_release(e);
    assert_no_live_handles();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_seeds__table_keeps_code_cold_and_warm),
        cmocka_unit_test(test_cache_seeds__release_while_another_thread_runs),
        cmocka_unit_test(test_cache_seeds__code_outlives_module),
        cmocka_unit_test(test_cache_seeds__serialize_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
