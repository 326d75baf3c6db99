/*
** kcode_cache.c -- the compiled-code file cache (DESIGN.md code/, SEEDS.md 1).
**
** Rules that make it crash-safe:
** - An entry is written to a unique temporary file in the same directory and
**   renamed over its final name. rename(2) is atomic, so a reader opens
**   either the old complete file or the new complete one, never a partial
**   one, and a file once under its final name is never written or truncated
**   again: a mapping of it can never lose its pages (no SIGBUS), even while
**   another process replaces the entry or eviction unlinks it.
** - Every entry is checked before use (kcode_image_check: magic, version,
**   build id, key, lengths, checksum, function layout); anything wrong is a
**   miss and the caller recompiles and rewrites the entry.
** - An unusable directory (unwritable, full, missing) means "no cache" with
**   one warning on stderr per cache object: it never fails a compile.
** Nothing here needs fsync: a file left empty or partial by a power failure
** fails its checksum and is rewritten.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/kb_alloc.h"
#include "code/kcode.h"
#include "code/kcode_int.h"

#define ENTRY_SUFFIX ".keelc"
#define TEMP_PREFIX ".keel-"
#define TEMP_SUFFIX ".tmp"
#define KEY_HEX 64
/* A temporary file older than this was left by a crashed writer. */
#define STALE_TEMP_SECONDS 600

struct kcode_cache {
    char *dir;
    uint64_t max_bytes;             /* 0: no limit */
    atomic_bool write_disabled;     /* set after the first failed write */
    atomic_flag warned;
    atomic_uint seq;                /* temporary file names */
    _Atomic uint64_t hits, misses, rejected, stores, store_failures, evictions;
};

kcode_cache *kcode_cache_new(const char *dir, uint64_t max_bytes) {
    if (dir == NULL || dir[0] == '\0') return NULL;
    kcode_cache *c = kb_calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    if ((c->dir = kb_strdup(dir)) == NULL) {
        kb_free(c);
        return NULL;
    }
    c->max_bytes = max_bytes;
    atomic_init(&c->write_disabled, false);
    atomic_flag_clear(&c->warned);
    /* Best effort: a missing parent or no permission shows at the first write. */
    (void)mkdir(dir, 0755);
    return c;
}

void kcode_cache_free(kcode_cache *c) {
    if (c == NULL) return;
    kb_free(c->dir);
    kb_free(c);
}

static void warn_once(kcode_cache *c, const char *what, int errnum) {
    if (atomic_flag_test_and_set(&c->warned)) return;
    fprintf(stderr, "keel: warning: code cache %s: %s: %s; compiling without the cache\n", c->dir,
            what, strerror(errnum));
}

/* The entry key: BLAKE3 of everything that must match for the code to be usable. */
static void entry_key(const uint8_t wasm_hash[32], uint32_t features, char hex[KEY_HEX + 1]) {
    uint8_t in[72];
    memcpy(in, wasm_hash, 32);
    memcpy(in + 32, kcode_build_id(), 32);
    uint32_t v[2] = {KCODE_FORMAT_VERSION, features};
    memcpy(in + 64, v, sizeof v);
    uint8_t key[32];
    kcode_blake3(in, sizeof in, key);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[key[i] >> 4];
        hex[2 * i + 1] = digits[key[i] & 15];
    }
    hex[KEY_HEX] = '\0';
}

bool kcode_cache_entry_path(const kcode_cache *c, const uint8_t wasm_hash[32], uint32_t features,
                            char *out, size_t cap) {
    char hex[KEY_HEX + 1];
    entry_key(wasm_hash, features, hex);
    int n = snprintf(out, cap, "%s/%s" ENTRY_SUFFIX, c->dir, hex);
    return n > 0 && (size_t)n < cap;
}

/* ---------------------------------------------------------------- lookup */

kcode_mem *kcode_cache_lookup(kcode_cache *c, const uint8_t wasm_hash[32], uint32_t features) {
    if (c == NULL) return NULL;
    char path[4096];
    if (!kcode_cache_entry_path(c, wasm_hash, features, path, sizeof path)) return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        atomic_fetch_add(&c->misses, 1);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(kcode_header) + 8 ||
        (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        atomic_fetch_add(&c->rejected, 1);
        atomic_fetch_add(&c->misses, 1);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    /* MAP_SHARED read-only: the code is the page cache's copy, shared by every
       process that maps the entry. Safe because no writer ever modifies this
       inode (see the top of the file). Not populated: the checksum's read
       faults map 16 pages each (fault-around), which measured faster than
       MAP_POPULATE or MADV_POPULATE_READ of the code (0.40 ms against 0.66
       and 0.49 ms for 6 MB of code, issue 7), and a hit never touches the
       embedded wasm pages at all. */
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        atomic_fetch_add(&c->misses, 1);
        return NULL;
    }
    kb_error *err = kcode_image_check(p, len, wasm_hash, features);
    kcode_mem *m = NULL;
    if (err == NULL) m = kcode_mem_wrap(p, len, len, KCODE_CACHED);
    if (m == NULL) {
        kb_error_free(err);
        munmap(p, len);
        atomic_fetch_add(&c->rejected, 1);
        atomic_fetch_add(&c->misses, 1);
        return NULL;
    }
    /* LRU: a hit makes the entry young (fails harmlessly on a read-only cache). */
    (void)utimensat(AT_FDCWD, path, NULL, 0);
    atomic_fetch_add(&c->hits, 1);
    return m;
}

/* ---------------------------------------------------------------- eviction */

typedef struct entry {
    struct timespec mtime;
    uint64_t size;
    char name[KEY_HEX + sizeof ENTRY_SUFFIX];
} entry;

static int older_first(const void *a, const void *b) {
    const entry *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec) return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec) return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/*
** Removes least recently used entries until the directory holds at most
** max_bytes of entries (never 'keep', the one just written), and temporary
** files left by crashed writers. Unlinking a mapped entry is safe: the
** mapping keeps the inode.
*/
static void evict(kcode_cache *c, const char *keep) {
    DIR *d = opendir(c->dir);
    if (d == NULL) return;
    entry *items = NULL;
    size_t len = 0, cap = 0;
    uint64_t total = 0;
    time_t now = time(NULL);
    int dfd = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        struct stat st;
        bool temp = strncmp(n, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0 && has_suffix(n, TEMP_SUFFIX);
        bool ent = strlen(n) == KEY_HEX + strlen(ENTRY_SUFFIX) && has_suffix(n, ENTRY_SUFFIX);
        if (!temp && !ent) continue;
        if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
        if (temp) {
            if (now - st.st_mtime > STALE_TEMP_SECONDS) (void)unlinkat(dfd, n, 0);
            continue;
        }
        total += (uint64_t)st.st_size;
        if (strcmp(n, keep) == 0) continue;
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            entry *grown = kb_realloc(items, ncap * sizeof *items);
            if (grown == NULL) break;
            items = grown;
            cap = ncap;
        }
        items[len].mtime = st.st_mtim;
        items[len].size = (uint64_t)st.st_size;
        memcpy(items[len].name, n, sizeof items[len].name);
        len++;
    }
    if (total > c->max_bytes && len) {
        qsort(items, len, sizeof *items, older_first);
        for (size_t i = 0; i < len && total > c->max_bytes; i++) {
            if (unlinkat(dfd, items[i].name, 0) == 0) {
                total -= items[i].size;
                atomic_fetch_add(&c->evictions, 1);
            }
        }
    }
    kb_free(items);
    closedir(d);
}

/* ---------------------------------------------------------------- store */

static bool write_all(int fd, const uint8_t *p, size_t len) {
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = ENOSPC;
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

void kcode_cache_store(kcode_cache *c, const kcode_mem *m) {
    if (c == NULL || m == NULL || atomic_load(&c->write_disabled)) return;
    const kcode_header *h = kcode_mem_header(m);
    char hex[KEY_HEX + 1];
    entry_key(h->wasm_hash, h->features, hex);
    char final[4096], temp[4096];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned seq = atomic_fetch_add(&c->seq, 1);
    int a = snprintf(final, sizeof final, "%s/%s" ENTRY_SUFFIX, c->dir, hex);
    int b = snprintf(temp, sizeof temp, "%s/" TEMP_PREFIX "%ld-%u-%lx" TEMP_SUFFIX, c->dir,
                     (long)getpid(), seq, (unsigned long)ts.tv_nsec);
    if (a <= 0 || (size_t)a >= sizeof final || b <= 0 || (size_t)b >= sizeof temp) {
        atomic_store(&c->write_disabled, true);
        warn_once(c, "path too long", ENAMETOOLONG);
        return;
    }
    const char *what = "cannot create an entry";
    int fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        bool ok = write_all(fd, kcode_mem_image(m), kcode_mem_size(m));
        int saved = errno;
        if (close(fd) != 0 && ok) {
            ok = false;
            saved = errno;
        }
        errno = saved;
        what = "cannot write an entry";
        /* The only way an entry gets its final name: atomically, whole. */
        if (ok && rename(temp, final) == 0) {
            atomic_fetch_add(&c->stores, 1);
            if (c->max_bytes) evict(c, final + strlen(c->dir) + 1);
            return;
        }
        saved = errno;
        (void)unlink(temp);
        errno = saved;
    }
    atomic_fetch_add(&c->store_failures, 1);
    atomic_store(&c->write_disabled, true);
    warn_once(c, what, errno);
}

void kcode_cache_get_stats(kcode_cache *c, kcode_cache_stats *out) {
    memset(out, 0, sizeof *out);
    if (c == NULL) return;
    out->hits = atomic_load(&c->hits);
    out->misses = atomic_load(&c->misses);
    out->rejected = atomic_load(&c->rejected);
    out->stores = atomic_load(&c->stores);
    out->store_failures = atomic_load(&c->store_failures);
    out->evictions = atomic_load(&c->evictions);
}
