/*
** memops.c -- memcpy/memmove/memset-heavy code: copying records of mixed
** sizes between buffers, shifting an array in place, clearing regions, the
** way a serializer or a buffer manager does. In the wasm32 build these are
** memory.copy/memory.fill (bulk memory); natively, libc's or inlined code.
*/
#include "bench.h"

#define BUF (1u << 20)

static uint8_t src[BUF], dst[BUF];

static uint64_t sample(const uint8_t *p, uint32_t n) {
    uint64_t h = 0;
    for (uint32_t i = 0; i < n; i += 4093) h = h * 131 + p[i];
    return h;
}

uint64_t bench_run(uint32_t iterations) {
    uint32_t s = 31337;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < BUF; i++) src[i] = (uint8_t)bench_rand(&s);
    for (uint32_t it = 0; it < iterations; it++) {
        /* Records of 1..256 bytes packed one after another. */
        uint32_t in = 0, out = 0;
        while (out + 256 < BUF && in + 256 < BUF) {
            uint32_t len = (bench_rand(&s) & 255) + 1;
            __builtin_memcpy(dst + out, src + in, len);
            out += len;
            in += (len * 3) & 511;
        }
        /* Large block copies and overlapping moves. */
        for (int k = 0; k < 8; k++) {
            __builtin_memcpy(dst, src + (k * 4096), BUF / 2);
            __builtin_memmove(dst + 1 + k, dst, BUF / 2);
        }
        /* Clearing regions of varying size. */
        for (uint32_t off = 0; off + 8192 < BUF; off += 8192 + (bench_rand(&s) & 4095))
            __builtin_memset(dst + off, (int)(off & 255), (bench_rand(&s) & 8191) + 1);
        sum = bench_mix(sum, sample(dst, BUF));
        src[it % BUF] ^= 0x5a;
    }
    return sum;
}
