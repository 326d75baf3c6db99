/*
** dmatmul.c -- double-precision matrix multiplication (96x96, i-k-j order),
** the product fed back as the next left operand with a scaling to keep the
** values bounded. Measures f64 multiply-add over arrays.
*/
#include "bench.h"

#define N 96

static double a[N][N], b[N][N], c[N][N];

uint64_t bench_run(uint32_t iterations) {
    uint32_t s = 4242;
    uint64_t sum = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (double)(bench_rand(&s) % 1000) / 1000.0;
            b[i][j] = (double)(bench_rand(&s) % 1000) / 1000.0 / N;
        }
    for (uint32_t it = 0; it < iterations; it++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) c[i][j] = 0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) {
                double aik = a[i][k];
                for (int j = 0; j < N; j++) c[i][j] += aik * b[k][j];
            }
        double trace = 0;
        for (int i = 0; i < N; i++) trace += c[i][i];
        sum = bench_mix_f64(sum, trace);
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) a[i][j] = c[i][j] * 2.0 + 0.001;
    }
    return sum;
}
