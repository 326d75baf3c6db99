/*
** main.c -- the main of the native and the wasm32-wasi build of a program:
** `prog ITERATIONS` runs bench_run once and prints "CHECKSUM NANOSECONDS".
** The time covers bench_run only (CLOCK_MONOTONIC; under WASI that is the
** host's clock_time_get), so process start-up and instantiation are not in it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
    uint32_t iterations = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1;
    uint64_t t0 = now_ns();
    uint64_t sum = bench_run(iterations);
    uint64_t t1 = now_ns();
    printf("%llu %llu\n", (unsigned long long)sum, (unsigned long long)(t1 - t0));
    return 0;
}
