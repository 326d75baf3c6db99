/*
** test_smoke.c -- end to end through the C ABI: WAT module, instantiate, call.
*/
#include "capi_test.h"

static void test_smoke_add(void **state) {
    (void)state;
    keel_engine *engine;
    keel_store *store;
    keel_instance *inst;
    OK(keel_engine_new(NULL, &engine));
    keel_module *m = wat_module(engine,
        "(module (func (export \"add\") (param i32 i32) (result i32)"
        " local.get 0 local.get 1 i32.add))");
    OK(keel_store_new(engine, &store));
    OK(keel_instance_new(store, m, NULL, 0, &inst));
    keel_func *add = export_func(inst, "add");
    keel_val args[2] = {val_i32(40), val_i32(2)}, res[1];
    OK(keel_func_call(add, args, 2, res, 1));
    assert_int_equal(res[0].kind, KEEL_I32);
    assert_int_equal(res[0].of.i32, 42);
    keel_func_release(add);
    keel_instance_release(inst);
    keel_store_release(store);
    keel_module_release(m);
    keel_engine_release(engine);
    assert_no_live_handles();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_smoke_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
