/*
** memory.c -- a module's memory from the host: the raw view and its
** generation number, bounds-checked copies, and growth.
** Build: cc memory.c $(pkg-config --cflags --libs keel)
*/
#include <inttypes.h>
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
        "(module (memory (export \"memory\") 1 4)"
        "  (data (i32.const 16) \"hello from wasm\")"
        "  (func (export \"sum\") (param $p i32) (param $n i32) (result i32) (local $s i32)"
        "    (block $done (loop $l"
        "      (br_if $done (i32.eqz (local.get $n)))"
        "      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))"
        "      (local.set $p (i32.add (local.get $p) (i32.const 1)))"
        "      (local.set $n (i32.sub (local.get $n) (i32.const 1)))"
        "      (br $l)))"
        "    local.get $s))";
    keel_engine *engine;
    keel_module *module;
    keel_store *store;
    keel_instance *instance;
    keel_memory *memory;
    keel_func *sum;
    keel_error *err;

    if ((err = keel_engine_new(NULL, &engine)) != NULL) return report(err);
    if ((err = keel_module_new_wat(engine, wat, strlen(wat), &module)) != NULL) return report(err);
    if ((err = keel_store_new(engine, &store)) != NULL) return report(err);
    if ((err = keel_instance_new(store, module, NULL, 0, &instance)) != NULL) return report(err);
    if ((err = keel_instance_export_memory(instance, "memory", 6, &memory)) != NULL) return report(err);
    if ((err = keel_instance_export_func(instance, "sum", 3, &sum)) != NULL) return report(err);

    size_t size;
    uint64_t generation;
    uint8_t *data = keel_memory_data(memory, &size, &generation);
    printf("size %zu bytes, data at 16: %.15s\n", size, (const char *)data + 16);

    /* Write through a bounds-checked copy, then let wasm read it. */
    const uint8_t bytes[4] = {1, 2, 3, 4};
    if ((err = keel_memory_write(memory, 1000, bytes, sizeof bytes)) != NULL) return report(err);
    keel_val args[2], result;
    memset(args, 0, sizeof args);
    args[0].kind = args[1].kind = KEEL_I32;
    args[0].of.i32 = 1000;
    args[1].of.i32 = 4;
    if ((err = keel_func_call(sum, args, 2, &result, 1)) != NULL) return report(err);
    printf("sum of 4 bytes = %d\n", result.of.i32);

    err = keel_memory_write(memory, size - 2, bytes, sizeof bytes);
    printf("write past the end: %s\n", keel_error_message(err));
    keel_error_free(err);

    uint64_t old_pages, new_generation;
    if ((err = keel_memory_grow(memory, 1, &old_pages)) != NULL) return report(err);
    data = keel_memory_data(memory, &size, &new_generation);
    printf("grew from %" PRIu64 " pages to %zu bytes; generation changed: %s\n", old_pages, size,
           new_generation != generation ? "yes" : "no");

    keel_func_release(sum);
    keel_memory_release(memory);
    keel_instance_release(instance);
    keel_store_release(store);
    keel_module_release(module);
    keel_engine_release(engine);
    return 0;
}
