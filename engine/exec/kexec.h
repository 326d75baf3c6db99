/*
** kexec.h -- exec/: running internal code (the interpreter), calls, traps,
** exception unwinding and interrupts.
**
** Each store has one execution context (value stack + frame stack), created
** on the first call and freed with the store (krt_store_free calls
** kexec_context_free). Both stacks are preallocated regions that never grow
** during a call: running out of either is the trap "call stack exhausted".
** wasm-to-wasm calls never recurse in C; only a host function calling back
** into wasm (a nested kexec_call on the same store) does, bounded by a depth
** counter.
*/
#ifndef KEXEC_H
#define KEXEC_H

#include <stdint.h>

#include "base/kb_error.h"
#include "rt/krt.h"

/* Host re-entry depth (host -> wasm -> host -> wasm ...) before "call stack exhausted". */
#define KEXEC_MAX_HOST_DEPTH 200u
/* Defaults when engine->limits leaves a field 0. */
#define KEXEC_DEFAULT_CALL_DEPTH 10000u
#define KEXEC_DEFAULT_STACK_BYTES ((size_t)8 << 20)

/*
** Calls 'f' (a wasm or host function of store 's') with 'args' in slot layout
** (krt.h) and writes its results to 'results' (slot layout; room for every
** result slot). Reentrant: a host function may call back into the same store.
** @return NULL on success, or
**   KB_ERR_TRAP with a KB_TRAP_* code and the wasm frames innermost first
**     (function index, wasm byte offset in the module, name, module name);
**   KB_ERR_EXCEPTION for an uncaught wasm exception: err->exception is the
**     store-owned krt_exn * (exception_release is NULL);
**   KB_ERR_UNSUPPORTED "unsupported instruction <name>" when the code reached
**     an instruction the interpreter does not run (SIMD, GC heap);
**   any error a host function returned, unchanged (traps get wasm frames added);
**   KB_ERR_OUT_OF_MEMORY when the context cannot be allocated.
** Does not take ownership of 'args'. Gives ownership of the error to the caller.
*/
kb_error *kexec_call(krt_store *s, krt_func *f, const uint64_t *args, uint64_t *results);

/* Frees a store's execution context; NULL is a no-op. */
void kexec_context_free(kexec_context *cx);

#endif
