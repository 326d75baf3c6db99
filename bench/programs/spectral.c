/*
** spectral.c -- the spectral norm of the Computer Language Benchmarks Game
** (power method on the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2+i+1),
** truncated to N). Measures f64 division and multiply-add in nested loops.
*/
#include "bench.h"

#define N 256

static double u[N], v[N], tmp[N];

static double a(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void mul_av(const double *x, double *y) {
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < N; j++) s += a(i, j) * x[j];
        y[i] = s;
    }
}

static void mul_atv(const double *x, double *y) {
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < N; j++) s += a(j, i) * x[j];
        y[i] = s;
    }
}

static void mul_atav(const double *x, double *y) {
    mul_av(x, tmp);
    mul_atv(tmp, y);
}

/* One iteration = 10 power steps from scratch. */
uint64_t bench_run(uint32_t iterations) {
    uint64_t sum = 0;
    for (uint32_t it = 0; it < iterations; it++) {
        for (int i = 0; i < N; i++) u[i] = 1.0 + (double)(it % 3);
        for (int k = 0; k < 10; k++) {
            mul_atav(u, v);
            mul_atav(v, u);
        }
        double vbv = 0, vv = 0;
        for (int i = 0; i < N; i++) {
            vbv += u[i] * v[i];
            vv += v[i] * v[i];
        }
        sum = bench_mix_f64(sum, __builtin_sqrt(vbv / vv));
    }
    return sum;
}
