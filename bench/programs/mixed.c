/*
** mixed.c -- the larger program: a word-frequency report with a scripted
** scoring step, mixing what the small kernels measure one at a time.
**   1. generate a text of words from syllables (integer work, memcpy);
**   2. count the words in an open-addressing hash table keyed by strings
**      kept in an arena (hashing, string compares, unpredictable branches);
**   3. merge-sort the distinct words by count then name through a
**      comparison function pointer (indirect calls, memory moves);
**   4. score each word with a small stack-machine bytecode program run by a
**      switch interpreter (a state machine, calls);
**   5. floating-point statistics over the scores (f64, sqrt) and a CRC-32 of
**      the report (table lookups).
*/
#include "bench.h"

#define TEXT_BYTES (192 * 1024)
#define MAX_WORDS 16384
#define HASH_SLOTS 32768 /* power of two, at least twice MAX_WORDS */

typedef struct {
    uint32_t offset; /* into 'arena' */
    uint32_t length;
    uint32_t count;
    int32_t score;
} word;

static char text[TEXT_BYTES];
static char arena[TEXT_BYTES];
static uint32_t arena_used;
static word words[MAX_WORDS], scratch[MAX_WORDS];
static uint32_t nwords;
static int32_t slots[HASH_SLOTS]; /* index into 'words', -1 when empty */
static uint32_t crc_table[256];
static char report[MAX_WORDS * 24];

/* ---- 1. text ---------------------------------------------------------- */

static uint32_t generate(uint32_t seed) {
    static const char *const syll[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "qua",
                                       "bri", "st", "on", "el", "ar", "ix"};
    uint32_t s = seed | 1, n = 0;
    while (n + 16 < TEXT_BYTES) {
        uint32_t r = bench_rand(&s);
        /* Skewed length: common short words, rare long ones. */
        uint32_t parts = 1 + (r & 1) + ((r >> 1) & (r >> 2) & 1) + ((r >> 3) & (r >> 4) & (r >> 5) & 1);
        for (uint32_t p = 0; p < parts; p++) {
            const char *sy = syll[(r >> (8 + 4 * p)) & 15];
            /* Zipf-like bias toward the first syllables. */
            if ((r >> 28) < 9) sy = syll[(r >> (8 + 4 * p)) & 3];
            while (*sy) text[n++] = *sy++;
        }
        text[n++] = (r >> 24) % 11 == 0 ? '\n' : ' ';
    }
    return n;
}

/* ---- 2. hash table ---------------------------------------------------- */

static uint32_t hash(const char *p, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static int same(const word *w, const char *p, uint32_t n) {
    if (w->length != n) return 0;
    const char *q = arena + w->offset;
    for (uint32_t i = 0; i < n; i++)
        if (q[i] != p[i]) return 0;
    return 1;
}

static void count_word(const char *p, uint32_t n) {
    uint32_t h = hash(p, n) & (HASH_SLOTS - 1);
    for (;;) {
        int32_t k = slots[h];
        if (k < 0) break;
        if (same(&words[k], p, n)) {
            words[k].count++;
            return;
        }
        h = (h + 1) & (HASH_SLOTS - 1);
    }
    if (nwords == MAX_WORDS) return; /* table full: ignore (never with these sizes) */
    word *w = &words[nwords];
    w->offset = arena_used;
    w->length = n;
    w->count = 1;
    __builtin_memcpy(arena + arena_used, p, n);
    arena_used += n;
    slots[h] = (int32_t)nwords++;
}

static void count_all(uint32_t len) {
    nwords = 0;
    arena_used = 0;
    for (uint32_t i = 0; i < HASH_SLOTS; i++) slots[i] = -1;
    uint32_t start = 0;
    for (uint32_t i = 0; i <= len; i++) {
        if (i == len || text[i] == ' ' || text[i] == '\n') {
            if (i > start) count_word(text + start, i - start);
            start = i + 1;
        }
    }
}

/* ---- 3. merge sort through a comparator ------------------------------- */

typedef int (*compare_fn)(const word *, const word *);

static int by_count_then_name(const word *a, const word *b) {
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    uint32_t n = a->length < b->length ? a->length : b->length;
    const char *p = arena + a->offset, *q = arena + b->offset;
    for (uint32_t i = 0; i < n; i++)
        if (p[i] != q[i]) return (uint8_t)p[i] < (uint8_t)q[i] ? -1 : 1;
    return (int)a->length - (int)b->length;
}

static int by_score(const word *a, const word *b) { return a->score < b->score ? -1 : a->score > b->score; }

static volatile compare_fn comparators[2] = {by_count_then_name, by_score};

static void merge_sort(word *a, word *tmp, uint32_t n, compare_fn cmp) {
    if (n < 2) return;
    uint32_t mid = n / 2;
    merge_sort(a, tmp, mid, cmp);
    merge_sort(a + mid, tmp, n - mid, cmp);
    uint32_t i = 0, j = mid, k = 0;
    while (i < mid && j < n) tmp[k++] = cmp(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
    while (i < mid) tmp[k++] = a[i++];
    while (j < n) tmp[k++] = a[j++];
    __builtin_memcpy(a, tmp, n * sizeof *a);
}

/* ---- 4. a scoring script on a stack machine --------------------------- */

enum { OP_COUNT, OP_LEN, OP_CHAR, OP_PUSH, OP_ADD, OP_MUL, OP_SUB, OP_MOD, OP_DUP, OP_JZ, OP_SWAP, OP_END };

/* score = len*7 + count*3 + (first char odd ? first char : 0) - (count mod 5) */
static const int32_t script[] = {OP_LEN, OP_PUSH, 7, OP_MUL, OP_COUNT, OP_PUSH, 3, OP_MUL, OP_ADD,
                                 OP_CHAR, OP_DUP, OP_PUSH, 2, OP_MOD, OP_JZ, 17, OP_ADD, OP_PUSH, 0, OP_ADD,
                                 OP_COUNT, OP_PUSH, 5, OP_MOD, OP_SUB, OP_END};

static int32_t run_script(const word *w) {
    int32_t stack[16];
    int sp = 0;
    uint32_t pc = 0;
    for (;;) {
        int32_t op = script[pc++], x;
        switch (op) {
        case OP_COUNT: stack[sp++] = (int32_t)w->count; break;
        case OP_LEN: stack[sp++] = (int32_t)w->length; break;
        case OP_CHAR: stack[sp++] = (uint8_t)arena[w->offset]; break;
        case OP_PUSH: stack[sp++] = script[pc++]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_SWAP: x = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = x; break;
        case OP_JZ:
            /* pops the condition; on zero drops the dup'd char too and jumps */
            x = stack[--sp];
            if (x == 0) {
                sp--;
                pc = (uint32_t)script[pc];
            } else {
                pc++;
            }
            break;
        default: return stack[sp - 1];
        }
    }
}

/* ---- 5. statistics and the report's CRC -------------------------------- */

static uint32_t crc32(const char *p, uint32_t n) {
    uint32_t c = 0xffffffffu;
    for (uint32_t i = 0; i < n; i++) c = crc_table[(c ^ (uint8_t)p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static uint32_t format_u32(char *out, uint32_t v) {
    char tmp[10];
    uint32_t n = 0, k = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) out[k++] = tmp[--n];
    return k;
}

static uint64_t one_round(uint32_t seed) {
    uint32_t len = generate(seed);
    count_all(len);
    merge_sort(words, scratch, nwords, comparators[0]);

    double mean = 0, m2 = 0;
    for (uint32_t i = 0; i < nwords; i++) {
        words[i].score = run_script(&words[i]);
        /* Welford's running variance */
        double x = words[i].score, d = x - mean;
        mean += d / (i + 1);
        m2 += d * (x - mean);
    }
    double stddev = nwords > 1 ? __builtin_sqrt(m2 / (nwords - 1)) : 0;

    uint32_t r = 0;
    for (uint32_t i = 0; i < nwords && i < 2000; i++) {
        __builtin_memcpy(report + r, arena + words[i].offset, words[i].length);
        r += words[i].length;
        report[r++] = ' ';
        r += format_u32(report + r, words[i].count);
        report[r++] = '\n';
    }
    merge_sort(words, scratch, nwords, comparators[1]);
    uint64_t h = bench_mix(crc32(report, r), nwords);
    h = bench_mix(h, (uint64_t)words[0].score ^ ((uint64_t)(uint32_t)words[nwords - 1].score << 32));
    return bench_mix_f64(bench_mix_f64(h, mean), stddev);
}

uint64_t bench_run(uint32_t iterations) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    uint64_t sum = 0;
    for (uint32_t it = 0; it < iterations; it++) sum = bench_mix(sum, one_round(it + 1));
    return sum;
}
