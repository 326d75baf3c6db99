/*
** quicksort.c -- quicksort (median of three, insertion sort below 16
** elements, recursion on the smaller side) of 1M pseudo-random ints.
** Measures compares, swaps and unpredictable branches over a 4 MiB array.
*/
#include "bench.h"

#define COUNT (1u << 20)

static int32_t data[COUNT];

static void insertion(int32_t *a, int32_t n) {
    for (int32_t i = 1; i < n; i++) {
        int32_t v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void sort(int32_t *a, int32_t n) {
    while (n > 16) {
        int32_t mid = n / 2, last = n - 1, t;
        if (a[mid] < a[0]) { t = a[mid]; a[mid] = a[0]; a[0] = t; }
        if (a[last] < a[0]) { t = a[last]; a[last] = a[0]; a[0] = t; }
        if (a[last] < a[mid]) { t = a[last]; a[last] = a[mid]; a[mid] = t; }
        int32_t pivot = a[mid], i = 0, j = last;
        for (;;) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i >= j) break;
            t = a[i]; a[i] = a[j]; a[j] = t;
            i++;
            j--;
        }
        /* a[0..j] <= pivot <= a[j+1..n) */
        int32_t left = j + 1, right = n - left;
        if (left < right) {
            sort(a, left);
            a += left;
            n = right;
        } else {
            sort(a + left, right);
            n = left;
        }
    }
    insertion(a, n);
}

/* One iteration = fill and sort 1M ints. */
uint64_t bench_run(uint32_t iterations) {
    uint64_t sum = 0;
    for (uint32_t it = 0; it < iterations; it++) {
        uint32_t s = 99 + it;
        for (uint32_t i = 0; i < COUNT; i++) data[i] = (int32_t)bench_rand(&s);
        sort(data, COUNT);
        uint64_t h = 0;
        for (uint32_t i = 0; i < COUNT; i += 997) h = bench_mix(h, (uint32_t)data[i]);
        for (uint32_t i = 1; i < COUNT; i++)
            if (data[i - 1] > data[i]) return 0; /* not sorted: a checksum no build expects */
        sum = bench_mix(sum, h);
    }
    return sum;
}
