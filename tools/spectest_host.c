/*
** spectest_host.c -- the 'spectest' host module every .wast script may
** import, as the spec interpreter defines it (interpreter/host/spectest.ml):
**
**   func print, print_i32, print_i64, print_f32, print_f64, print_i32_f32,
**        print_f64_f64   (no results; print their arguments)
**   global global_i32 = 666, global_i64 = 666, global_f32 = 666.6,
**          global_f64 = 666.6   (immutable)
**   table  table: 10..20 funcref; table64: 10..20 funcref, i64 indices
**   memory memory: 1..2 pages; shared_memory: 1..2 pages, shared
**
** Built only from the public ABI, like any embedder would.
*/
#include "kcli_invoke.h"

#include <inttypes.h>
#include <string.h>

static keel_error *print_cb(void *env, keel_caller *caller, const keel_val *args, size_t nargs,
                            keel_val *results, size_t nresults) {
    bool verbose = env != NULL;
    if (!verbose) return NULL;
    /* The spec interpreter prints each argument as "value : type". */
    for (size_t i = 0; i < nargs; i++) {
        switch (args[i].kind) {
        case KEEL_I32: printf("%" PRId32 " : i32\n", args[i].of.i32); break;
        case KEEL_I64: printf("%" PRId64 " : i64\n", args[i].of.i64); break;
        case KEEL_F32: printf("%.9g : f32\n", (double)args[i].of.f32); break;
        case KEEL_F64: printf("%.17g : f64\n", args[i].of.f64); break;
        default: printf("? : ref\n"); break;
        }
    }
    if (nargs == 0) printf("()\n");
    fflush(stdout);
    return NULL;
}

static keel_error *define(keel_linker *linker, const char *name, keel_extern *ext) {
    return keel_linker_define(linker, "spectest", 8, name, strlen(name), ext);
}

static keel_error *define_print(keel_linker *linker, keel_store *store, bool verbose,
                                const char *name, const keel_valkind *params, size_t n) {
    keel_functype *type = NULL;
    keel_func *func = NULL;
    keel_error *err = keel_functype_new_kinds(params, n, NULL, 0, &type);
    if (!err) err = keel_func_new(store, type, print_cb, verbose ? (void *)1 : NULL, NULL, &func);
    if (!err) err = define(linker, name, keel_func_as_extern(func));
    keel_func_release(func);
    keel_functype_free(type);
    return err;
}

static keel_error *define_global(keel_linker *linker, keel_store *store, const char *name,
                                 keel_val init) {
    keel_valtype *type = NULL;
    keel_global *global = NULL;
    keel_error *err = keel_valtype_new(init.kind, &type);
    if (!err) err = keel_global_new(store, type, false, &init, &global);
    if (!err) err = define(linker, name, keel_global_as_extern(global));
    keel_global_release(global);
    keel_valtype_free(type);
    return err;
}

keel_error *kcli_spectest_define(keel_linker *linker, keel_engine *engine, keel_store *store,
                                 bool verbose) {
    static const keel_valkind i32[] = {KEEL_I32}, i64[] = {KEEL_I64}, f32[] = {KEEL_F32},
                              f64[] = {KEEL_F64}, i32_f32[] = {KEEL_I32, KEEL_F32},
                              f64_f64[] = {KEEL_F64, KEEL_F64};
    keel_error *err;
    if ((err = define_print(linker, store, verbose, "print", NULL, 0))) return err;
    if ((err = define_print(linker, store, verbose, "print_i32", i32, 1))) return err;
    if ((err = define_print(linker, store, verbose, "print_i64", i64, 1))) return err;
    if ((err = define_print(linker, store, verbose, "print_f32", f32, 1))) return err;
    if ((err = define_print(linker, store, verbose, "print_f64", f64, 1))) return err;
    if ((err = define_print(linker, store, verbose, "print_i32_f32", i32_f32, 2))) return err;
    if ((err = define_print(linker, store, verbose, "print_f64_f64", f64_f64, 2))) return err;

    keel_val v;
    memset(&v, 0, sizeof v);
    v.kind = KEEL_I32;
    v.of.i32 = 666;
    if ((err = define_global(linker, store, "global_i32", v))) return err;
    v.kind = KEEL_I64;
    v.of.i64 = 666;
    if ((err = define_global(linker, store, "global_i64", v))) return err;
    v.kind = KEEL_F32;
    v.of.f32 = 666.6f;
    if ((err = define_global(linker, store, "global_f32", v))) return err;
    v.kind = KEEL_F64;
    v.of.f64 = 666.6;
    if ((err = define_global(linker, store, "global_f64", v))) return err;

    /* table: 10..20 funcref, all null. */
    keel_valtype *funcref = NULL;
    keel_table *table = NULL;
    keel_val null_func;
    memset(&null_func, 0, sizeof null_func);
    null_func.kind = KEEL_FUNCREF;
    err = keel_valtype_new_ref(true, KEEL_HEAP_FUNC, &funcref);
    if (!err) err = keel_table_new(store, funcref, 10, 20, &null_func, &table);
    if (!err) err = define(linker, "table", keel_table_as_extern(table));
    keel_table_release(table);
    keel_valtype_free(funcref);
    if (err) return err;

    keel_memory *mem = NULL;
    err = keel_memory_new(store, 1, 2, 0, &mem);
    if (!err) err = define(linker, "memory", keel_memory_as_extern(mem));
    keel_memory_release(mem);
    if (err) return err;

    /*
    ** table64: 10..20 funcref indexed by i64. The ABI v1 has no way to make
    ** a 64-bit table from the host, so a one-line helper module exports it
    ** (it lives in the store like any instance).
    */
    static const char table64_wat[] = "(module (table (export \"t\") i64 10 20 funcref))";
    keel_module *helper = NULL;
    keel_instance *hinst = NULL;
    keel_extern *t64 = NULL;
    keel_error *terr = keel_module_new_wat(engine, table64_wat, sizeof table64_wat - 1, &helper);
    if (!terr) terr = keel_instance_new(store, helper, NULL, 0, &hinst);
    if (!terr) terr = keel_instance_export(hinst, "t", 1, &t64);
    if (!terr) terr = define(linker, "table64", t64);
    keel_extern_release(t64);
    keel_instance_release(hinst);
    keel_module_release(helper);
    keel_error_free(terr); /* without memory64 tables the import stays undefined */

    /*
    ** shared_memory needs the threads feature; a build without it simply
    ** leaves the import undefined (modules importing it fail to link).
    */
    mem = NULL;
    keel_error *serr = keel_memory_new(store, 1, 2, KEEL_MEMORY_SHARED, &mem);
    if (!serr) serr = define(linker, "shared_memory", keel_memory_as_extern(mem));
    keel_memory_release(mem);
    keel_error_free(serr);
    return NULL;
}
