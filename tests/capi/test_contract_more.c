/*
** test_contract_more.c -- contract tests for ABI functions the other capi
** tests only reach indirectly: keel_code_retain, keel_config_set_cache_max_bytes,
** keel_wasi_config_set_args and keel_wasi_config_inherit_env. Each is called
** with wrong input (a clear error, never a crash) and used for real.
*/
#include <dirent.h>
#include <unistd.h>

#include "capi_test.h"

extern char **environ;

/* argc/envc as the guest sees them (WASI args_sizes_get / environ_sizes_get). */
static const char *counts_wat =
    "(module"
    "  (import \"wasi_snapshot_preview1\" \"args_sizes_get\" (func $as (param i32 i32) (result i32)))"
    "  (import \"wasi_snapshot_preview1\" \"environ_sizes_get\" (func $es (param i32 i32) (result i32)))"
    "  (memory (export \"memory\") 1)"
    "  (func (export \"argc\") (result i32)"
    "    (drop (call $as (i32.const 0) (i32.const 4))) (i32.load (i32.const 0)))"
    "  (func (export \"envc\") (result i32)"
    "    (drop (call $es (i32.const 0) (i32.const 4))) (i32.load (i32.const 0))))";

static int32_t guest_count(keel_engine *engine, keel_wasi_config *cfg, const char *export_name) {
    keel_module *mod = wat_module(engine, counts_wat);
    keel_store *store = NULL;
    keel_linker *linker = NULL;
    keel_instance *inst = NULL;
    OK(keel_store_new(engine, &store));
    OK(keel_linker_new(engine, &linker));
    OK(keel_linker_define_wasi(linker, store, cfg, NULL));
    OK(keel_linker_instantiate(linker, store, mod, &inst));
    keel_func *f = export_func(inst, export_name);
    keel_val result;
    OK(keel_func_call(f, NULL, 0, &result, 1));
    keel_func_release(f);
    keel_instance_release(inst);
    keel_linker_free(linker);
    keel_store_release(store);
    keel_module_release(mod);
    return result.of.i32;
}

static void test_wasi_set_args(void **state) {
    (void)state;
    keel_engine *engine = NULL;
    OK(keel_engine_new(NULL, &engine));
    keel_wasi_config *cfg = NULL;
    OK(keel_wasi_config_new(&cfg));
    const char *argv[] = {"prog", "one", "two"};
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_wasi_config_set_args(NULL, argv, 3));
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_wasi_config_set_args(cfg, NULL, 2));
    const char *with_null[] = {"prog", NULL};
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_wasi_config_set_args(cfg, with_null, 2));
    OK(keel_wasi_config_push_arg(cfg, "dropped"));
    OK(keel_wasi_config_set_args(cfg, argv, 3)); /* replaces, not appends */
    assert_int_equal(guest_count(engine, cfg, "argc"), 3);
    OK(keel_wasi_config_set_args(cfg, NULL, 0));
    assert_int_equal(guest_count(engine, cfg, "argc"), 0);
    keel_wasi_config_free(cfg);
    keel_engine_release(engine);
    assert_no_live_handles();
}

static void test_wasi_inherit_env(void **state) {
    (void)state;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_wasi_config_inherit_env(NULL));
    setenv("KEEL_CONTRACT_TEST", "1", 1);
    int32_t host_count = 0;
    for (char **e = environ; *e; e++) host_count++;
    keel_engine *engine = NULL;
    OK(keel_engine_new(NULL, &engine));
    keel_wasi_config *cfg = NULL;
    OK(keel_wasi_config_new(&cfg));
    assert_int_equal(guest_count(engine, cfg, "envc"), 0); /* nothing unless asked */
    OK(keel_wasi_config_inherit_env(cfg));
    assert_int_equal(guest_count(engine, cfg, "envc"), host_count);
    keel_wasi_config_free(cfg);
    keel_engine_release(engine);
    assert_no_live_handles();
}

static void test_code_retain(void **state) {
    (void)state;
    assert_null(keel_code_retain(NULL));
    keel_engine *engine = NULL;
    OK(keel_engine_new(NULL, &engine));
    keel_module *mod = wat_module(engine, "(module (func (export \"f\") (result i32) (i32.const 7)))");
    keel_code *code = NULL;
    OK(keel_module_code(mod, &code));
    assert_ptr_equal(keel_code_retain(code), code);
    assert_int_equal(keel_debug_live_handles(KEEL_HANDLE_CODE), 1);
    keel_module_release(mod);
    keel_engine_release(engine);
    /* Both references still name live code after the module is gone. */
    assert_true(keel_code_size(code) > 0);
    keel_code_release(code);
    assert_true(keel_code_size(code) > 0);
    keel_code_release(code);
    assert_no_live_handles();
}

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (d == NULL) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".keelc") != NULL) n++;
    closedir(d);
    return n;
}

static void test_cache_max_bytes(void **state) {
    (void)state;
    FAILS(KEEL_ERROR_INVALID_ARGUMENT, keel_config_set_cache_max_bytes(NULL, 1));
    char dir[] = "/tmp/keel-contract-cache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    keel_config *config = NULL;
    OK(keel_config_new(&config));
    OK(keel_config_set_cache_dir(config, dir));
    OK(keel_config_set_cache_max_bytes(config, 1)); /* smaller than any entry */
    keel_engine *engine = NULL;
    OK(keel_engine_new(config, &engine));
    keel_config_free(config);
    /* Each new entry evicts the older ones: at most one is ever kept. */
    char wat[128];
    for (int i = 0; i < 4; i++) {
        snprintf(wat, sizeof wat, "(module (func (export \"f\") (result i32) (i32.const %d)))", i);
        keel_module *mod = wat_module(engine, wat);
        keel_module_release(mod);
        int n = count_entries(dir);
        assert_true(n >= 0 && n <= 1);
    }
    keel_engine_release(engine);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    assert_no_live_handles();
}

int main(void) {
    keel_debug_set_guard(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wasi_set_args),
        cmocka_unit_test(test_wasi_inherit_env),
        cmocka_unit_test(test_code_retain),
        cmocka_unit_test(test_cache_max_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
