/*
** list.c -- integer work on linked lists: pointer chasing through a pool of
** nodes linked in a shuffled order, in-place reversal, and an insertion into
** a sorted list. Measures loads that depend on the previous load.
*/
#include "bench.h"

#define NODES 65536

typedef struct node {
    struct node *next;
    uint32_t value;
} node;

static node pool[NODES];
static uint32_t order[NODES];

static node *build(uint32_t seed) {
    uint32_t s = seed | 1;
    for (uint32_t i = 0; i < NODES; i++) order[i] = i;
    for (uint32_t i = NODES - 1; i > 0; i--) { /* Fisher-Yates */
        uint32_t j = bench_rand(&s) % (i + 1);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < NODES; i++) {
        node *n = &pool[order[i]];
        n->value = bench_rand(&s) & 0xffff;
        n->next = i + 1 < NODES ? &pool[order[i + 1]] : NULL;
    }
    return &pool[order[0]];
}

static node *reverse(node *head) {
    node *prev = NULL;
    while (head) {
        node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static uint64_t walk(const node *n) {
    uint64_t h = 0;
    uint32_t k = 0;
    for (; n; n = n->next) h += (uint64_t)n->value * (++k & 7);
    return h;
}

uint64_t bench_run(uint32_t iterations) {
    uint64_t sum = 0;
    for (uint32_t it = 0; it < iterations; it++) {
        node *head = build(it + 1);
        for (int pass = 0; pass < 8; pass++) {
            sum = bench_mix(sum, walk(head));
            head = reverse(head);
        }
        /* Sorted insertion of 256 nodes taken from the pool's front. */
        node *sorted = NULL;
        for (uint32_t i = 0; i < 256; i++) {
            node *n = &pool[i];
            node **p = &sorted;
            while (*p && (*p)->value < n->value) p = &(*p)->next;
            n->next = *p;
            *p = n;
        }
        sum = bench_mix(sum, walk(sorted));
    }
    return sum;
}
