/*
** cli_profile.c -- 'keel run --profile FILE [--hz N]': a thread samples the
** running guest N times a second (keel_store_sample, keel/sample.h) and
** counts identical stacks; at the end FILE gets one "outer;...;inner COUNT"
** line per distinct stack, the folded format that flamegraph.pl and
** speedscope read. Frames are function names from the name section, or
** func[INDEX]. Samples taken while no wasm frame is live (host calls,
** before the first call) are not counted.
*/
#include "kcli_watch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct entry {
    char *stack;  /* owned: the folded key */
    uint64_t hash;
    size_t count;
} entry;

struct kcli_profile {
    entry *slots; /* open addressing; 'cap' is a power of two */
    size_t cap, len, samples;
};

kcli_profile *kcli_profile_new(void) {
    kcli_profile *p = calloc(1, sizeof *p);
    if (p == NULL) return NULL;
    p->cap = 256;
    p->slots = calloc(p->cap, sizeof *p->slots);
    if (p->slots == NULL) {
        free(p);
        return NULL;
    }
    return p;
}

void kcli_profile_free(kcli_profile *p) {
    if (p == NULL) return;
    for (size_t i = 0; i < p->cap; i++) free(p->slots[i].stack);
    free(p->slots);
    free(p);
}

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static bool grow(kcli_profile *p) {
    size_t cap = p->cap * 2;
    entry *slots = calloc(cap, sizeof *slots);
    if (slots == NULL) return false;
    for (size_t i = 0; i < p->cap; i++) {
        if (p->slots[i].stack == NULL) continue;
        size_t j = (size_t)p->slots[i].hash & (cap - 1);
        while (slots[j].stack) j = (j + 1) & (cap - 1);
        slots[j] = p->slots[i];
    }
    free(p->slots);
    p->slots = slots;
    p->cap = cap;
    return true;
}

/* Appends one frame's name, with the folded format's separators replaced. */
static size_t put_frame(char *buf, size_t at, size_t cap, const keel_frame_sample *f) {
    char tmp[160];
    const char *name = f->func_name;
    if (name == NULL) {
        snprintf(tmp, sizeof tmp, "func[%u]", (unsigned)f->func_index);
        name = tmp;
    }
    for (; *name && at + 1 < cap; name++) buf[at++] = (*name == ';' || *name == ' ' || *name == '\n') ? '_' : *name;
    return at;
}

void kcli_profile_add(kcli_profile *p, const keel_frame_sample *frames, size_t n) {
    if (n == 0) return;
    char key[8192];
    size_t at = 0;
    for (size_t i = n; i-- > 0;) { /* outermost first */
        at = put_frame(key, at, sizeof key, &frames[i]);
        if (i > 0 && at + 1 < sizeof key) key[at++] = ';';
    }
    key[at] = '\0';
    p->samples++;
    if ((p->len + 1) * 2 > p->cap && !grow(p)) return;
    uint64_t h = fnv1a(key);
    size_t j = (size_t)h & (p->cap - 1);
    while (p->slots[j].stack) {
        if (p->slots[j].hash == h && strcmp(p->slots[j].stack, key) == 0) {
            p->slots[j].count++;
            return;
        }
        j = (j + 1) & (p->cap - 1);
    }
    char *copy = strdup(key);
    if (copy == NULL) return;
    p->slots[j] = (entry){copy, h, 1};
    p->len++;
}

bool kcli_profile_write(const kcli_profile *p, const char *path, size_t *stacks, size_t *samples) {
    FILE *f = fopen(path, "w");
    if (f == NULL) return false;
    for (size_t i = 0; i < p->cap; i++)
        if (p->slots[i].stack) fprintf(f, "%s %zu\n", p->slots[i].stack, p->slots[i].count);
    *stacks = p->len;
    *samples = p->samples;
    return fclose(f) == 0;
}

void *kcli_profile_thread(void *arg) {
    kcli_watch *w = arg;
    long ns = 1000000000L / (long)w->hz;
    struct timespec period = {ns / 1000000000L, ns % 1000000000L};
    static keel_frame_sample frames[256]; /* one profiler per process */
    while (!atomic_load(&w->done)) {
        size_t n = 0;
        keel_store_sample(w->store, frames, 256, &n);
        kcli_profile_add(w->prof, frames, n);
        nanosleep(&period, NULL);
    }
    return NULL;
}
