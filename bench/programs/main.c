/*
** main.c -- the main of the native and the wasm32-wasi build of a program:
** `prog ITERATIONS` runs bench_run once and prints "CHECKSUM WALL_NS CPU_NS".
** The times cover bench_run only, so process start-up and instantiation are
** not in them: wall time (CLOCK_MONOTONIC) and the process's CPU time
** (CLOCK_PROCESS_CPUTIME_ID), which stays meaningful on a shared, loaded
** machine. Under WASI both are the host's clock_time_get.
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

static uint64_t now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
    uint32_t iterations = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1;
    uint64_t c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ns(CLOCK_MONOTONIC);
    uint64_t sum = bench_run(iterations);
    uint64_t t1 = now_ns(CLOCK_MONOTONIC), c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    printf("%llu %llu %llu\n", (unsigned long long)sum, (unsigned long long)(t1 - t0),
           (unsigned long long)(c1 - c0));
    return 0;
}
