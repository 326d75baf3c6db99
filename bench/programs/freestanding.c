/*
** freestanding.c -- what a program needs in a wasm32 build without libc:
** the exported entry point and the three memory functions the compiler may
** call. Built with -mbulk-memory, __builtin_memcpy/memmove/memset become the
** memory.copy/memory.fill instructions (bulk memory operations, spec 4.4.7),
** so these definitions cannot recurse into themselves.
*/
#include "bench.h"

#if !defined(__wasm__) || !defined(__wasm_bulk_memory__)
#error "freestanding.c is for wasm32 builds with -mbulk-memory only"
#endif

__attribute__((export_name("run"))) uint64_t run(uint32_t iterations) { return bench_run(iterations); }

void *memcpy(void *dst, const void *src, size_t n) { return __builtin_memcpy(dst, src, n); }
void *memmove(void *dst, const void *src, size_t n) { return __builtin_memmove(dst, src, n); }
void *memset(void *dst, int c, size_t n) { return __builtin_memset(dst, c, n); }
