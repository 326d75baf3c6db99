/*
** indirect.c -- calls through a table of function pointers (call_indirect
** in wasm, with its signature check): a tiny virtual machine whose opcode
** handlers are looked up in an array, the way interpreters, vtables and
** callbacks work.
*/
#include "bench.h"

typedef uint32_t (*handler)(uint32_t acc, uint32_t arg);

__attribute__((noinline)) static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
__attribute__((noinline)) static uint32_t op_sub(uint32_t a, uint32_t b) { return a - b; }
__attribute__((noinline)) static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ b; }
__attribute__((noinline)) static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1); }
__attribute__((noinline)) static uint32_t op_rotl(uint32_t a, uint32_t b) { return (a << (b & 31)) | (a >> ((32 - b) & 31)); }
__attribute__((noinline)) static uint32_t op_shr(uint32_t a, uint32_t b) { return a >> (b & 7); }
__attribute__((noinline)) static uint32_t op_neg(uint32_t a, uint32_t b) { return ~a + (b & 1); }
__attribute__((noinline)) static uint32_t op_mix(uint32_t a, uint32_t b) { return (a ^ (a >> 15)) * 0x2c1b3c6d + b; }

static volatile handler table_src[8] = {op_add, op_sub, op_xor, op_mul, op_rotl, op_shr, op_neg, op_mix};
static handler table[8];

#define PROG 4096

static uint8_t program[PROG];
static uint32_t args[PROG];

/* One iteration = 256 runs of a 4096-instruction program (1M indirect calls). */
uint64_t bench_run(uint32_t iterations) {
    uint32_t s = 2024;
    uint64_t sum = 0;
    for (int i = 0; i < 8; i++) table[i] = table_src[i]; /* volatile: no devirtualization */
    for (int i = 0; i < PROG; i++) {
        program[i] = (uint8_t)(bench_rand(&s) & 7);
        args[i] = bench_rand(&s);
    }
    for (uint32_t it = 0; it < iterations; it++) {
        uint32_t acc = it;
        for (int rep = 0; rep < 256; rep++)
            for (int pc = 0; pc < PROG; pc++) acc = table[program[pc]](acc, args[pc]);
        sum = bench_mix(sum, acc);
    }
    return sum;
}
