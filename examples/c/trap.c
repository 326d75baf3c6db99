/*
** trap.c -- a trap with its code, message and backtrace.
** Build: cc trap.c $(pkg-config --cflags --libs keel)
*/
#include <stdio.h>
#include <string.h>

#include <keel.h>

static int report(keel_error *err) {
    fprintf(stderr, "error (%s): %s\n", keel_error_kind_name(keel_error_kind(err)), keel_error_message(err));
    keel_error_free(err);
    return 1;
}

int main(void) {
    static const char wat[] =
        "(module $demo"
        "  (func $divide (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)"
        "  (func $average (export \"average\") (param i32 i32) (result i32)"
        "    local.get 0 local.get 1 call $divide))";
    keel_engine *engine;
    keel_module *module;
    keel_store *store;
    keel_instance *instance;
    keel_func *average;
    keel_error *err;

    if ((err = keel_engine_new(NULL, &engine)) != NULL) return report(err);
    if ((err = keel_module_new_wat(engine, wat, strlen(wat), &module)) != NULL) return report(err);
    if ((err = keel_store_new(engine, &store)) != NULL) return report(err);
    if ((err = keel_instance_new(store, module, NULL, 0, &instance)) != NULL) return report(err);
    if ((err = keel_instance_export_func(instance, "average", 7, &average)) != NULL) return report(err);

    keel_val args[2], result;
    memset(args, 0, sizeof args);
    args[0].kind = args[1].kind = KEEL_I32;
    args[0].of.i32 = 10;
    args[1].of.i32 = 0;
    err = keel_func_call(average, args, 2, &result, 1);
    if (err == NULL) {
        printf("no trap?\n");
        return 1;
    }
    printf("%s: %s (trap code %u)\n", keel_error_kind_name(keel_error_kind(err)), keel_error_message(err),
           keel_error_trap_code(err));
    for (size_t i = 0; i < keel_error_frame_count(err); i++) {
        const char *name = keel_error_frame_func_name(err, i);
        const char *mod = keel_error_frame_module_name(err, i);
        printf("  #%zu %s!%s (func %u, offset 0x%x)\n", i, mod ? mod : "?", name ? name : "?",
               keel_error_frame_func_index(err, i), keel_error_frame_offset(err, i));
    }
    keel_error_free(err);

    keel_func_release(average);
    keel_instance_release(instance);
    keel_store_release(store);
    keel_module_release(module);
    keel_engine_release(engine);
    return 0;
}
