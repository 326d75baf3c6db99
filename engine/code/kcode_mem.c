/*
** kcode_mem.c -- code memory: refcounted read-only images of compiled code.
**
** DESIGN.md code/ and Ownership 1: the code of a module lives in one mapping
** that is written once, then mprotect'ed PROT_READ, and unmapped only when
** its last reference goes (the module's kcomp_code, keel_code handles). The
** mapping holds a whole image (kcode.h), so serialising is a copy and a cache
** file is the image itself.
*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/kb_alloc.h"
#include "code/kcode.h"
#include "code/kcode_int.h"
#include "compile/kcomp.h"

struct kcode_mem {
    atomic_size_t refs;
    uint8_t *base;              /* the mapping */
    size_t map_len;             /* its length (what munmap needs) */
    size_t len;                 /* the image's length */
    uint32_t origin;            /* KCODE_* */
    /* A freshly compiled image whose wasm hash and checksum are not written
       yet (issue 10): both cost a pass over the whole image and are needed
       only when the image leaves the module (cache, serialise), so the first
       kcode_mem_header/kcode_mem_image fills them in under 'lock'. */
    atomic_bool pending;
    pthread_mutex_t lock;
    /* Whether the embedded wasm bytes match the header's hash (WASM_*): a
       cache hit does not read them (kcode.h), kcode_mem_wasm checks them
       the first time anything else wants them. */
    _Atomic int wasm_state;
};

enum { WASM_UNCHECKED, WASM_GOOD, WASM_DAMAGED };

#define HDR_WORDS (sizeof(kcomp_func) / sizeof(uint32_t))

static size_t align_up(size_t x, size_t a) { return (x + a - 1) & ~(a - 1); }

static size_t page_round(size_t len) {
    long pg = sysconf(_SC_PAGESIZE);
    return align_up(len, pg > 0 ? (size_t)pg : 4096);
}

kcode_mem *kcode_mem_wrap(uint8_t *base, size_t map_len, size_t len, uint32_t origin) {
    kcode_mem *m = kb_calloc(1, sizeof *m);
    if (m == NULL) return NULL;
    atomic_init(&m->refs, 1);
    m->base = base;
    m->map_len = map_len;
    m->len = len;
    m->origin = origin;
    atomic_init(&m->pending, false);
    pthread_mutex_init(&m->lock, NULL);
    atomic_init(&m->wasm_state, origin == KCODE_CACHED ? WASM_UNCHECKED : WASM_GOOD);
    return m;
}

/* A private, writable anonymous mapping of at least 'len' bytes; NULL on failure. */
static uint8_t *anon_map(size_t len, size_t *map_len) {
    *map_len = page_round(len ? len : 1);
    /* Every page is written at once by the caller: MAP_POPULATE maps them in
       one call instead of one page fault each (issue 10). */
    int flags = MAP_PRIVATE | MAP_ANONYMOUS;
#ifdef MAP_POPULATE
    flags |= MAP_POPULATE;
#endif
    void *p = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, flags, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* ---------------------------------------------------------------- checking */

#define BAD(...) kb_error_new(KB_ERR_MALFORMED, "code image: " __VA_ARGS__)

/* 'off + count * size <= limit' without overflow. */
static bool fits(uint64_t off, uint64_t count, uint64_t size, uint64_t limit) {
    if (off > limit) return false;
    if (size != 0 && count > (limit - off) / size) return false;
    return true;
}

/* Every function header and its tables lie inside the words (kcomp.h layout). */
static kb_error *check_funcs(const kcode_header *h, const uint32_t *offsets, const uint32_t *words) {
    uint64_t n = h->word_count;
    for (uint32_t i = 0; i < h->func_count; i++) {
        uint32_t off = offsets[i];
        if (off == UINT32_MAX) continue;
        if (!fits(off, HDR_WORDS, 1, n)) return BAD("function %u outside the code", i);
        const kcomp_func *f = (const kcomp_func *)(words + off);
        uint64_t room = n - off;
        if (!fits(HDR_WORDS, f->code_len, 1, room) ||
            !fits(f->pcmap_off, f->pcmap_count, 2, room) ||
            !fits(f->handler_off, f->handler_count, sizeof(kcomp_handler) / 4, room) ||
            !fits(f->clause_off, f->clause_count, sizeof(kcomp_clause) / 4, room))
            return BAD("function %u has tables outside the code", i);
        if (f->frame_slots < f->param_slots || f->frame_slots < f->result_slots)
            return BAD("function %u has a bad frame", i);
    }
    return NULL;
}

kb_error *kcode_image_check(const uint8_t *image, size_t len, const uint8_t *want_hash,
                            uint32_t want_features) {
    const kcode_header *h = (const kcode_header *)image;
    if (image == NULL || len < sizeof *h + 8) return BAD("truncated (%zu bytes)", len);
    if ((uintptr_t)image % 8 != 0) return BAD("misaligned");
    if (memcmp(h->magic, KCODE_MAGIC, 8) != 0) return BAD("bad magic (not a Keel code file)");
    if (h->version != KCODE_FORMAT_VERSION)
        return BAD("format version %u, this engine reads %u", h->version, KCODE_FORMAT_VERSION);
    if (h->header_size != sizeof *h) return BAD("bad header size %u", h->header_size);
    if (memcmp(h->build_id, kcode_build_id(), 32) != 0)
        return BAD("written by another engine build");
    if (h->total_len != len) return BAD("truncated or extended (%zu bytes, header says %llu)", len,
                                        (unsigned long long)h->total_len);
    if (len % 8 != 0) return BAD("bad length");
    uint64_t body = len - 8;
    if (h->wasm_off != sizeof *h || !fits(h->wasm_off, h->wasm_len, 1, body) ||
        h->offsets_off < h->wasm_off + h->wasm_len || h->offsets_off % 4 != 0 ||
        !fits(h->offsets_off, h->func_count, 4, body) ||
        h->words_off < h->offsets_off + 4ull * h->func_count || h->words_off % 64 != 0 ||
        !fits(h->words_off, h->word_count, 4, body) || h->word_count > UINT32_MAX)
        return BAD("bad section offsets");
    uint64_t sum;
    memcpy(&sum, image + body, 8);
    if (kcode_image_sum(image) != sum) return BAD("checksum mismatch (damaged)");
    if (want_hash != NULL) {
        /* The caller's bytes hash to 'want_hash' and replace the embedded
           copy, so equal hashes make the copy irrelevant (kcode.h). */
        if (memcmp(h->wasm_hash, want_hash, 32) != 0) return BAD("made from other wasm bytes");
    } else {
        uint8_t got[32];
        kcode_blake3(image + h->wasm_off, (size_t)h->wasm_len, got);
        if (memcmp(got, h->wasm_hash, 32) != 0) return BAD("embedded wasm bytes damaged (hash mismatch)");
    }
    if (want_features != UINT32_MAX && h->features != want_features)
        return BAD("made under other engine features");
    return check_funcs(h, (const uint32_t *)(image + h->offsets_off),
                       (const uint32_t *)(image + h->words_off));
}

/* ---------------------------------------------------------------- building */

kb_error *kcode_mem_adopt(kcomp_code *code, const uint8_t *wasm, size_t wasm_len,
                          const uint8_t *wasm_hash, uint32_t features) {
    if (code->mem != NULL) return NULL;
    size_t wasm_off = sizeof(kcode_header);
    size_t offsets_off = align_up(wasm_off + wasm_len, 8);
    size_t words_off = align_up(offsets_off + 4 * (size_t)code->func_count, 64);
    size_t total = align_up(words_off + 4 * code->word_count, 8) + 8;
    size_t map_len;
    uint8_t *base = anon_map(total, &map_len);
    if (base == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory mapping code memory");
    kcode_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, KCODE_MAGIC, 8);
    h.version = KCODE_FORMAT_VERSION;
    h.header_size = sizeof h;
    memcpy(h.build_id, kcode_build_id(), 32);
    if (wasm_hash) memcpy(h.wasm_hash, wasm_hash, 32);
    h.features = features;
    h.func_count = code->func_count;
    h.unsupported_funcs = code->unsupported_funcs;
    h.wasm_off = wasm_off;
    h.wasm_len = wasm_len;
    h.offsets_off = offsets_off;
    h.words_off = words_off;
    h.word_count = code->word_count;
    h.total_len = total;
    memcpy(base, &h, sizeof h);
    if (wasm_len) memcpy(base + wasm_off, wasm, wasm_len);
    if (code->func_count) memcpy(base + offsets_off, code->func_offsets, 4 * (size_t)code->func_count);
    if (code->word_count) memcpy(base + words_off, code->words, 4 * code->word_count);
    if (wasm_hash) {
        uint64_t sum = kcode_image_sum(base);
        memcpy(base + total - 8, &sum, 8);
    }
    /* Finished: from now on the code is read-only (DESIGN.md code/). */
    if (mprotect(base, map_len, PROT_READ) != 0) {
        munmap(base, map_len);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "cannot protect code memory");
    }
    kcode_mem *m = kcode_mem_wrap(base, map_len, total, KCODE_COMPILED);
    if (m == NULL) {
        munmap(base, map_len);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    }
    if (wasm_hash == NULL) atomic_store_explicit(&m->pending, true, memory_order_release);
    kb_free(code->words);
    kb_free(code->func_offsets);
    code->words = (uint32_t *)(base + words_off);
    code->func_offsets = (uint32_t *)(base + offsets_off);
    code->mem = m;
    return NULL;
}

kb_error *kcode_mem_from_bytes(const uint8_t *bytes, size_t len, kcode_mem **out) {
    *out = NULL;
    if (bytes == NULL || len < sizeof(kcode_header) + 8) return BAD("truncated (%zu bytes)", len);
    size_t map_len;
    uint8_t *base = anon_map(len, &map_len);
    if (base == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory mapping code memory");
    memcpy(base, bytes, len);
    /* Check the private copy, never the caller's bytes: what was checked is what runs. */
    kb_error *err = NULL;
    if (mprotect(base, map_len, PROT_READ) != 0)
        err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "cannot protect code memory");
    else
        err = kcode_image_check(base, len, NULL, UINT32_MAX);
    if (err == NULL && (*out = kcode_mem_wrap(base, map_len, len, KCODE_DESERIALIZED)) == NULL)
        err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    if (err) munmap(base, map_len);
    return err;
}

kb_error *kcode_mem_from_file(const char *path, kcode_mem **out) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return kb_error_new(KB_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return kb_error_new(KB_ERR_IO, "%s is not a regular file", path);
    }
    size_t len = (size_t)st.st_size;
    if (len < sizeof(kcode_header) + 8) {
        close(fd);
        return BAD("%s is truncated (%zu bytes)", path, len);
    }
    /* Read, never map: a file given by the user may be truncated under us by
       another process, which would make a shared mapping fault (SIGBUS). */
    size_t map_len;
    uint8_t *base = anon_map(len, &map_len);
    if (base == NULL) {
        close(fd);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory mapping code memory");
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, base + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    kb_error *err = NULL;
    if (got != len) err = BAD("%s changed while being read", path);
    else if (mprotect(base, map_len, PROT_READ) != 0)
        err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "cannot protect code memory");
    else err = kcode_image_check(base, len, NULL, UINT32_MAX);
    if (err == NULL && (*out = kcode_mem_wrap(base, map_len, len, KCODE_DESERIALIZED)) == NULL)
        err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    if (err) munmap(base, map_len);
    return err;
}

/* ---------------------------------------------------------------- references */

kcode_mem *kcode_mem_retain(kcode_mem *m) {
    if (m) atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
    return m;
}

void kcode_mem_release(kcode_mem *m) {
    if (m == NULL || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1) return;
    munmap(m->base, m->map_len);
    pthread_mutex_destroy(&m->lock);
    kb_free(m);
}

/*
** Writes the wasm hash and the checksum of a pending image (see 'pending').
** The mapping is made writable for the two stores only: the words other
** threads may be running are not changed, only the header's hash and the
** trailing checksum, which nothing reads while the code runs. If the
** mapping cannot be made writable the image stays without them, and any
** later load of it fails its checksum (kcode_image_check) instead of
** running unchecked code.
*/
static void finish(const kcode_mem *cm) {
    if (!atomic_load_explicit(&cm->pending, memory_order_acquire)) return;
    kcode_mem *m = (kcode_mem *)cm; /* allocated non-const by kcode_mem_wrap */
    pthread_mutex_lock(&m->lock);
    if (atomic_load_explicit(&m->pending, memory_order_relaxed) &&
        mprotect(m->base, m->map_len, PROT_READ | PROT_WRITE) == 0) {
        kcode_header *h = (kcode_header *)m->base;
        kcode_blake3(m->base + h->wasm_off, (size_t)h->wasm_len, h->wasm_hash);
        uint64_t sum = kcode_image_sum(m->base);
        memcpy(m->base + m->len - 8, &sum, 8);
        if (mprotect(m->base, m->map_len, PROT_READ) == 0) { /* else stays writable: still correct */ }
        atomic_store_explicit(&m->pending, false, memory_order_release);
    }
    pthread_mutex_unlock(&m->lock);
}

const kcode_header *kcode_mem_header(const kcode_mem *m) {
    finish(m);
    return (const kcode_header *)m->base;
}
const uint8_t *kcode_mem_image(const kcode_mem *m) {
    finish(m);
    return m->base;
}
size_t kcode_mem_size(const kcode_mem *m) { return m->len; }
uint32_t kcode_mem_origin(const kcode_mem *m) { return m->origin; }

const uint8_t *kcode_mem_wasm(const kcode_mem *m, size_t *len) {
    const kcode_header *h = (const kcode_header *)m->base; /* offsets only: no need to finish */
    int state = atomic_load_explicit(&m->wasm_state, memory_order_acquire);
    if (state == WASM_UNCHECKED) { /* a cache entry: its hit never read these bytes */
        uint8_t got[32];
        kcode_blake3(m->base + h->wasm_off, (size_t)h->wasm_len, got);
        state = memcmp(got, h->wasm_hash, 32) == 0 ? WASM_GOOD : WASM_DAMAGED;
        atomic_store_explicit(&((kcode_mem *)m)->wasm_state, state, memory_order_release);
    }
    if (state != WASM_GOOD) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)h->wasm_len;
    return m->base + h->wasm_off;
}

bool kcode_mem_wasm_equals(kcode_mem *m, const uint8_t *bytes, size_t len) {
    const kcode_header *h = (const kcode_header *)m->base;
    int state = atomic_load_explicit(&m->wasm_state, memory_order_acquire);
    if (state == WASM_DAMAGED) return false;
    bool same = (size_t)h->wasm_len == len && (len == 0 || memcmp(m->base + h->wasm_off, bytes, len) == 0);
    if (state == WASM_UNCHECKED)
        atomic_store_explicit(&m->wasm_state, same ? WASM_GOOD : WASM_DAMAGED, memory_order_release);
    return same;
}

uint64_t kcode_image_sum(const uint8_t *image) {
    const kcode_header *h = (const kcode_header *)image;
    size_t from = (size_t)(h->wasm_off + h->wasm_len), body = (size_t)h->total_len - 8;
    uint64_t head = kcode_sum64(image, sizeof *h, 0);
    return kcode_sum64(image + from, body - from, head);
}

kb_error *kcode_mem_code(kcode_mem *m, uint32_t func_count, const bool *imported, kcomp_code **out) {
    *out = NULL;
    const kcode_header *h = (const kcode_header *)m->base; /* no hash needed */
    if (h->func_count != func_count)
        return BAD("describes %u functions, the module has %u", h->func_count, func_count);
    const uint32_t *offsets = (const uint32_t *)(m->base + h->offsets_off);
    for (uint32_t i = 0; i < func_count; i++)
        if ((offsets[i] == UINT32_MAX) != imported[i]) return BAD("function %u does not match the module", i);
    kcomp_code *code = kb_calloc(1, sizeof *code);
    if (code == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
    /* The words stay read-only: kcomp_code only reads through these pointers. */
    code->words = (uint32_t *)(m->base + h->words_off);
    code->word_count = (size_t)h->word_count;
    code->func_count = func_count;
    code->func_offsets = (uint32_t *)offsets;
    code->unsupported_funcs = h->unsupported_funcs;
    code->mem = kcode_mem_retain(m);
    *out = code;
    return NULL;
}
