/*
** host_function.c -- a host function imported by a module through a linker,
** with an environment pointer and a finalizer, and a host error travelling
** back out of the call with its payload.
** Build: cc host_function.c $(pkg-config --cflags --libs keel)
*/
#include <stdio.h>
#include <string.h>

#include <keel.h>

typedef struct counter {
    int calls;
} counter;

/* host.log(i32) -> i32: prints its argument, returns it doubled; 13 is an error. */
static keel_error *host_log(void *env, keel_caller *caller, const keel_val *args, size_t nargs,
                            keel_val *results, size_t nresults) {
    (void)caller; (void)nargs; (void)nresults;
    counter *c = env;
    c->calls++;
    printf("host.log(%d)\n", args[0].of.i32);
    if (args[0].of.i32 == 13) return keel_error_new_host(c, NULL, "unlucky number");
    results[0].of.i32 = args[0].of.i32 * 2;
    return NULL;
}

static void finalize(void *env) { printf("finalizer ran after %d calls\n", ((counter *)env)->calls); }

static int report(keel_error *err) {
    fprintf(stderr, "error (%s): %s\n", keel_error_kind_name(keel_error_kind(err)), keel_error_message(err));
    keel_error_free(err);
    return 1;
}

int main(void) {
    static const char wat[] =
        "(module (import \"host\" \"log\" (func $log (param i32) (result i32)))"
        "  (func (export \"run\") (param i32) (result i32)"
        "    local.get 0 call $log i32.const 1 i32.add))";
    static counter count;
    keel_engine *engine;
    keel_module *module;
    keel_store *store;
    keel_linker *linker;
    keel_functype *type;
    keel_func *log, *run;
    keel_instance *instance;
    keel_error *err;
    keel_valkind i32 = KEEL_I32;

    if ((err = keel_engine_new(NULL, &engine)) != NULL) return report(err);
    if ((err = keel_module_new_wat(engine, wat, strlen(wat), &module)) != NULL) return report(err);
    if ((err = keel_store_new(engine, &store)) != NULL) return report(err);
    if ((err = keel_functype_new_kinds(&i32, 1, &i32, 1, &type)) != NULL) return report(err);
    if ((err = keel_func_new(store, type, host_log, &count, finalize, &log)) != NULL) return report(err);
    keel_functype_free(type);
    if ((err = keel_linker_new(engine, &linker)) != NULL) return report(err);
    if ((err = keel_linker_define_func(linker, "host", 4, "log", 3, log)) != NULL) return report(err);
    if ((err = keel_linker_instantiate(linker, store, module, &instance)) != NULL) return report(err);
    if ((err = keel_instance_export_func(instance, "run", 3, &run)) != NULL) return report(err);

    keel_val arg, result;
    memset(&arg, 0, sizeof arg);
    arg.kind = KEEL_I32;
    arg.of.i32 = 20;
    if ((err = keel_func_call(run, &arg, 1, &result, 1)) != NULL) return report(err);
    printf("run(20) = %d\n", result.of.i32);

    arg.of.i32 = 13;
    err = keel_func_call(run, &arg, 1, &result, 1);
    printf("run(13): %s error \"%s\", payload is the env: %s\n", keel_error_kind_name(keel_error_kind(err)),
           keel_error_message(err), keel_error_host_payload(err) == &count ? "yes" : "no");
    keel_error_free(err);

    keel_func_release(run);
    keel_instance_release(instance);
    keel_linker_free(linker);
    keel_func_release(log);
    keel_module_release(module);
    keel_engine_release(engine);
    keel_store_release(store); /* the last reference: runs the finalizer */
    return 0;
}
