/*
** hello.c -- compile a module from WAT, instantiate it and call an export.
** Build: cc hello.c $(pkg-config --cflags --libs keel)
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
        "(module (func (export \"add\") (param i32 i32) (result i32)"
        "  local.get 0 local.get 1 i32.add))";
    keel_engine *engine = NULL;
    keel_module *module = NULL;
    keel_store *store = NULL;
    keel_instance *instance = NULL;
    keel_func *add = NULL;
    keel_error *err;
    int rc = 1;

    if ((err = keel_engine_new(NULL, &engine)) != NULL) return report(err);
    if ((err = keel_module_new_wat(engine, wat, strlen(wat), &module)) != NULL) { rc = report(err); goto done; }
    if ((err = keel_store_new(engine, &store)) != NULL) { rc = report(err); goto done; }
    if ((err = keel_instance_new(store, module, NULL, 0, &instance)) != NULL) { rc = report(err); goto done; }
    if ((err = keel_instance_export_func(instance, "add", 3, &add)) != NULL) { rc = report(err); goto done; }

    keel_val args[2], result;
    memset(args, 0, sizeof args);
    args[0].kind = KEEL_I32;
    args[0].of.i32 = 40;
    args[1].kind = KEEL_I32;
    args[1].of.i32 = 2;
    if ((err = keel_func_call(add, args, 2, &result, 1)) != NULL) { rc = report(err); goto done; }
    printf("add(40, 2) = %d\n", result.of.i32);
    printf("keel %s, ABI %u.%u\n", keel_version(), keel_abi_version() >> 16, keel_abi_version() & 0xFFFF);
    rc = 0;
done:
    keel_func_release(add);
    keel_instance_release(instance);
    keel_store_release(store);
    keel_module_release(module);
    keel_engine_release(engine);
    return rc;
}
