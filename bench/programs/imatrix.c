/*
** imatrix.c -- integer matrix multiplication (i32, 128x128, i-k-j order)
** with wrap-around arithmetic. Measures 32-bit multiply-add loops over
** arrays (the loop a native compiler vectorizes; the wasm build is scalar).
*/
#include "bench.h"

#define N 128

static int32_t a[N][N], b[N][N], c[N][N];

uint64_t bench_run(uint32_t iterations) {
    uint32_t s = 777;
    uint64_t sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (int32_t)(bench_rand(&s) % 2001) - 1000;
            b[i][j] = (int32_t)(bench_rand(&s) % 2001) - 1000;
        }
    for (uint32_t it = 0; it < iterations; it++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) c[i][j] = 0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) {
                int32_t aik = a[i][k];
                for (int j = 0; j < N; j++) c[i][j] = (int32_t)((uint32_t)c[i][j] + (uint32_t)(aik * b[k][j]));
            }
        uint64_t h = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) h = h * 31 + (uint32_t)c[i][j];
        sum = bench_mix(sum, h);
        a[it % N][(it / N) % N] += 1; /* next product differs */
    }
    return sum;
}
