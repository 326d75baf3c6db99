/*
** crc.c -- CRC-32 (table driven, byte at a time) and a 64-bit multiplicative
** hash (FNV-1a over 8-byte words) over a 1 MiB buffer. Measures table loads,
** shifts and 64-bit multiplies in a tight loop.
*/
#include "bench.h"

#define SIZE (1u << 20)

static uint8_t buf[SIZE];
static uint32_t table[256];

static void make_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
}

static uint32_t crc32(const uint8_t *p, uint32_t n) {
    uint32_t c = 0xffffffffu;
    for (uint32_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static uint64_t fnv64(const uint8_t *p, uint32_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (uint32_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
    }
    return h;
}

uint64_t bench_run(uint32_t iterations) {
    uint32_t s = 12345;
    uint64_t sum = 0;
    make_table();
    for (uint32_t i = 0; i < SIZE; i += 4) {
        uint32_t r = bench_rand(&s);
        __builtin_memcpy(buf + i, &r, 4);
    }
    for (uint32_t it = 0; it < iterations; it++) {
        buf[it % SIZE] ^= (uint8_t)it; /* a different buffer each time */
        sum = bench_mix(sum, crc32(buf, SIZE));
        sum = bench_mix(sum, fnv64(buf, SIZE));
    }
    return sum;
}
