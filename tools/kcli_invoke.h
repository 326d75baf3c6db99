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
** Converts 'v' to a keel_val of 'kind'. A non-null 'ref.extern N' becomes a
** new externref of 'store' carrying N: release it with kcli_keel_release_arg.
*/
keel_error *kcli_to_keel(keel_store *store, const kcli_value *v, keel_valkind kind,
                         keel_val *out);
void kcli_keel_release_arg(keel_val *v);

/* Converts an OWNED keel_val (a result) and releases the reference in it. */
void kcli_from_keel(keel_val *kv, kcli_value *out);

/*
** Calls 'func' with 'args' checked against its type; writes at most
** 'max_results' results. Returns the call's error (traps included) or NULL.
*/
keel_error *kcli_call(keel_store *store, keel_func *func, const kcli_value *args, size_t nargs,
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
