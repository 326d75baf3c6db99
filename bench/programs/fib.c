/*
** fib.c -- naive recursive Fibonacci: almost nothing but calls and returns.
** Measures the cost of a direct call, the prologue and the return.
*/
#include "bench.h"

__attribute__((noinline)) static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* One iteration = fib(27) (about 630,000 calls). */
uint64_t bench_run(uint32_t iterations) {
    uint64_t sum = 0;
    for (uint32_t it = 0; it < iterations; it++) {
        uint32_t n = 27;
        BENCH_KEEP(n); /* the compiler must not fold fib(27) */
        sum = bench_mix(sum, fib(n));
    }
    return sum;
}
