/*
** kcli_invoke.h -- the tool's bridge to the public ABI (kcli_invoke.c) and
** the spectest host module (spectest_host.c).
*/
#ifndef KCLI_INVOKE_H
#define KCLI_INVOKE_H

#include "kcli.h"
#include "keel.h"

/* KCLI_T_* of a keel_valkind (every reference kind is KCLI_T_REF). */
uint32_t kcli_kind_type(keel_valkind kind);

/*
** What conversions need: the store new references are made in, and a
** lazily made helper instance for anyrefs (kcli_invoke.c, 'helper_wat').
*/
typedef struct kcli_ctx {
    keel_engine *engine; /* borrowed */
    keel_store *store;   /* borrowed */
    int helper_state;    /* 0 not tried, 1 ready, -1 unavailable */
    keel_instance *helper;
    keel_func *internalize, *externalize, *kind;
} kcli_ctx;

void kcli_ctx_init(kcli_ctx *ctx, keel_engine *engine, keel_store *store);
/* Releases the helper's handles (the instance itself lives in the store). */
void kcli_ctx_free(kcli_ctx *ctx);

/*
** Converts 'v' to a keel_val of 'kind'. A non-null 'ref.extern N' becomes a
** new externref carrying N, 'ref.host N' a new anyref wrapping it: release
** them with kcli_keel_release_arg.
*/
keel_error *kcli_to_keel(kcli_ctx *ctx, const kcli_value *v, keel_valkind kind, keel_val *out);
void kcli_keel_release_arg(keel_val *v);

/*
** Converts an OWNED keel_val (a result) and releases the reference in it.
** A non-null anyref is classified (i31, struct, array, host N) when the
** helper can run, else it is KCLI_REF_OTHER. 'ctx' may be NULL.
*/
void kcli_from_keel(kcli_ctx *ctx, keel_val *kv, kcli_value *out);

/*
** Calls 'func' with 'args' checked against its type; writes at most
** 'max_results' results. Returns the call's error (traps included) or NULL.
*/
keel_error *kcli_call(kcli_ctx *ctx, keel_func *func, const kcli_value *args, size_t nargs,
                      kcli_value *results, size_t max_results, size_t *nresults);

/* Prints "trap: MESSAGE" and the backtrace, or "KIND error at offset N: MESSAGE". */
void kcli_print_error(FILE *f, const keel_error *err);

/* True when 'bytes' start with the binary magic "\0asm". */
bool kcli_is_wasm_binary(const uint8_t *bytes, size_t len);

/* A module from a .wasm or .wat file's contents (told apart by the magic). */
keel_error *kcli_module_from_file(keel_engine *engine, const char *data, size_t len,
                                  keel_module **out);

/*
** Defines the spec interpreter's 'spectest' module in 'linker' (functions
** print*, globals global_*, table, table64, memory, shared_memory). 'verbose' makes
** the print functions print their arguments to stdout.
*/
keel_error *kcli_spectest_define(keel_linker *linker, keel_engine *engine, keel_store *store,
                                 bool verbose);

#endif
