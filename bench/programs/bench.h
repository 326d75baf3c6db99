/*
** bench.h -- the contract every benchmark program follows.
**
** A program is one C file defining bench_run(iterations) -> checksum. It
** uses no libc at all (no malloc, no stdio, no libm): data lives in static
** arrays and sqrt is __builtin_sqrt (f64.sqrt in wasm, sqrtsd natively), so
** the very same file builds three ways:
**   native      clang -O2 prog.c main.c                 (main.c times bench_run)
**   wasm32-wasi clang --target=wasm32-wasi prog.c main.c (the same main.c, through WASI)
**   wasm32      clang --target=wasm32 -nostdlib prog.c freestanding.c
**               (exports run(i32) -> i64; bench/src/driver.c calls it through the C ABI)
** and every build must return the same checksum for the same iteration count.
** Checksums of floating-point work hash the exact bit patterns: native
** x86-64 (SSE2, no FMA contraction) and wasm both round every operation
** per IEEE 754, so the bits agree.
*/
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

uint64_t bench_run(uint32_t iterations);

/* Mixing step for checksums (splitmix64 finalizer). */
static inline uint64_t bench_mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    return h;
}

static inline uint64_t bench_mix_f64(uint64_t h, double d) {
    union { double d; uint64_t u; } u;
    u.d = d;
    return bench_mix(h, u.u);
}

/* Deterministic pseudo-random numbers (xorshift32); never 0 state. */
static inline uint32_t bench_rand(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Keeps the optimizer from deleting work whose result is not used. */
#define BENCH_KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

#endif
