/*
** krt_memory.c -- linear memories (core spec 4.2.8 "Memory instances",
** 4.5.3.x "Growing memories"; memory64; custom-page-sizes; threads).
**
** A memory reserves address space up front with mmap(PROT_NONE) and makes it
** accessible with mprotect as it grows, so a grow usually does not move the
** data and never copies. When the reservation is too small (the host refused
** a large one, or a memory64 memory outgrew it) the memory moves to a bigger
** reservation. Either way 'generation' changes on every successful grow,
** which is the contract with the C ABI's memory views (DESIGN.md "Memory
** views carry a generation"): a view is valid only for the generation it
** was taken at, whether or not the pointer happened to stay.
**
** exec/ checks every access against 'size' explicitly; nothing here relies on
** guard pages.
*/
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/kb_alloc.h"
#include "rt/krt_int.h"

/* Address space reserved for a memory whose maximum is large or absent.
   4 GiB covers every 32-bit memory, so those never move. White-box tests
   lower it (krt_memory_set_reserve_cap) to exercise the moving path. */
static uint64_t reserve_cap = (uint64_t)4 << 30;
#define KRT_RESERVE_DEFAULT reserve_cap

uint64_t krt_memory_set_reserve_cap(uint64_t bytes) {
    uint64_t old = reserve_cap;
    reserve_cap = bytes ? bytes : (uint64_t)4 << 30;
    return old;
}
/* The largest memory Keel will try to map: beyond the 47-bit user address
   space of common 64-bit hosts a memory64 maximum is a promise nobody keeps. */
#define KRT_MEMORY_HOST_MAX ((uint64_t)1 << 46)

/* Asked each time (memories are created and grown rarely): no shared
   mutable state, so stores on different threads never race here. */
static size_t host_page(void) {
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

/* Rounds 'n' up to the host page size; false when that overflows size_t. */
static bool round_page(uint64_t n, size_t *out) {
    size_t pg = host_page();
    if (n > (uint64_t)SIZE_MAX - pg) return false;
    *out = (size_t)((n + pg - 1) & ~(uint64_t)(pg - 1));
    return true;
}

/* The spec's largest page count for an index type and page size (3.0 section
   3.2.x "Memory types", custom-page-sizes): the memory must be addressable
   and a failed memory.grow's -1 must stay distinguishable from a size. */
static uint64_t spec_max_pages(bool is64, uint8_t page_log2) {
    if (is64) return page_log2 == 0 ? UINT64_MAX : (uint64_t)1 << (64 - page_log2);
    return page_log2 == 0 ? UINT32_MAX : (uint64_t)1 << (32 - page_log2);
}

/* Reserves 'bytes' of inaccessible address space (at least one host page). */
static uint8_t *reserve(size_t bytes) {
    if (bytes == 0) bytes = host_page();
    void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static bool commit(uint8_t *base, size_t from, size_t to) {
    if (to <= from) return true;
    return mprotect(base + from, to - from, PROT_READ | PROT_WRITE) == 0;
}

/*
** The reservation pool. Creating and dropping a 4 GiB reservation costs
** three system calls and, above all, the kernel's walk of the whole range on
** munmap: most of an instantiation of a small module (issue 10). A released
** memory's reservation therefore goes back to a small process-wide pool
** instead: its committed pages are dropped with MADV_DONTNEED (private
** anonymous pages read as zero again, spec 4.5.3.x: a new memory is all
** zeros) and it keeps its committed size, so a new memory of the same size
** takes it with no system call at all. Only reservations of exactly the
** default size are pooled (the common case; others are rare and sized for
** their own maximum), never shared memories. The pool holds address space,
** not memory: what stays resident is page tables only.
*/
#define KRT_POOL_MAX 8

typedef struct pooled {
    uint8_t *data;
    size_t reserved;   /* always the default reservation at the time it was pooled */
    size_t committed;  /* read-write prefix, zero-filled on next touch */
} pooled;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pooled pool[KRT_POOL_MAX];
static uint32_t pool_count;

/*
** Takes a pooled reservation of 'reserved' bytes (the current default size);
** false when there is none. Entries of another size (pooled before a white-box
** test changed the default) can never be taken again: they are unmapped.
*/
static bool pool_take(size_t reserved, pooled *out) {
    bool found = false;
    pooled stale[KRT_POOL_MAX];
    uint32_t nstale = 0;
    pthread_mutex_lock(&pool_lock);
    for (uint32_t i = pool_count; i-- > 0;) {
        if (pool[i].reserved != reserved) {
            stale[nstale++] = pool[i];
            pool[i] = pool[--pool_count];
            continue;
        }
        if (found) continue;
        *out = pool[i];
        pool[i] = pool[--pool_count];
        found = true;
    }
    pthread_mutex_unlock(&pool_lock);
    for (uint32_t i = 0; i < nstale; i++) munmap(stale[i].data, stale[i].reserved);
    return found;
}

/* Offers a reservation to the pool; false (the caller unmaps it) when full. */
static bool pool_give(uint8_t *data, size_t reserved, size_t committed) {
    if (committed != 0 && madvise(data, committed, MADV_DONTNEED) != 0) return false;
    bool kept = false;
    pthread_mutex_lock(&pool_lock);
    if (pool_count < KRT_POOL_MAX) {
        pooled p = {data, reserved, committed};
        pool[pool_count++] = p;
        kept = true;
    }
    pthread_mutex_unlock(&pool_lock);
    return kept;
}

void krt_memory_release(krt_memory *mem) {
    if (mem == NULL) return;
    if (mem->data != NULL) {
        size_t committed = 0;
        bool poolable = !mem->shared && mem->reserved == (size_t)KRT_RESERVE_DEFAULT &&
                        round_page(mem->size, &committed);
        if (!poolable || !pool_give(mem->data, mem->reserved, committed))
            munmap(mem->data, mem->reserved ? mem->reserved : host_page());
    }
    kb_free(mem);
}

/*
** A reservation of 'want' bytes whose first 'committed' bytes are readable
** and writable (and zero), the rest inaccessible: from the pool when one of
** that size is there, else new. NULL when the host refuses.
*/
static uint8_t *reserve_committed(size_t want, size_t committed, bool shared) {
    pooled p = {NULL, 0, 0};
    if (!shared && want == (size_t)KRT_RESERVE_DEFAULT && pool_take(want, &p)) {
        bool ok = true;
        if (p.committed > committed)
            ok = mprotect(p.data + committed, p.committed - committed, PROT_NONE) == 0 &&
                 madvise(p.data + committed, p.committed - committed, MADV_DONTNEED) == 0;
        else
            ok = commit(p.data, p.committed, committed);
        if (ok) return p.data;
        munmap(p.data, p.reserved);
    }
    uint8_t *data = reserve(want);
    if (data != NULL && !commit(data, 0, committed)) {
        munmap(data, want ? want : host_page());
        return NULL;
    }
    return data;
}

kb_error *krt_memory_new(krt_store *s, const kbin_limits *lim, krt_memory **out) {
    *out = NULL;
    if (lim == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "memory needs limits");
    if (lim->page_log2 != 0 && lim->page_log2 != 16)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "invalid custom page size 2^%u", lim->page_log2);
    uint64_t spec_max = spec_max_pages(lim->is64, lim->page_log2);
    if (lim->min > spec_max || (lim->has_max && (lim->max > spec_max || lim->max < lim->min)))
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "invalid memory limits");
    if (lim->shared && !lim->has_max)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "shared memory must have a maximum");

    /* The effective maximum: declared, spec, host and store limits together. */
    uint64_t max_pages = lim->has_max ? lim->max : spec_max;
    uint64_t host_max = KRT_MEMORY_HOST_MAX >> lim->page_log2;
    if (s->max_memory_bytes != 0 && (s->max_memory_bytes >> lim->page_log2) < host_max)
        host_max = s->max_memory_bytes >> lim->page_log2;
    if (lim->min > host_max) {
        if (s->max_memory_bytes != 0 && lim->min > (s->max_memory_bytes >> lim->page_log2))
            return kb_error_new(KB_ERR_OUT_OF_MEMORY,
                                "memory of %llu pages exceeds the store's limit of %llu bytes",
                                (unsigned long long)lim->min, (unsigned long long)s->max_memory_bytes);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "memory of %llu pages exceeds what the host can map",
                            (unsigned long long)lim->min);
    }
    if (max_pages > host_max) {
        /* A shared memory cannot move, so it must get all of its maximum now. */
        if (lim->shared)
            return kb_error_new(KB_ERR_OUT_OF_MEMORY, "shared memory maximum exceeds what the host can map");
        max_pages = host_max;
    }
    uint64_t size = lim->min << lim->page_log2;
    uint64_t max_bytes = max_pages << lim->page_log2;
    if (!krt_limit_allows(s->max_memory_bytes, s->memory_bytes, size))
        return kb_error_new(KB_ERR_OUT_OF_MEMORY,
                            "a memory of %llu bytes exceeds the store's limit of %llu bytes (%llu in use)",
                            (unsigned long long)size, (unsigned long long)s->max_memory_bytes,
                            (unsigned long long)s->memory_bytes);

    krt_memory *mem = kb_calloc(1, sizeof *mem);
    if (mem == NULL) return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating a memory");
    mem->store = s;
    mem->size = size;
    mem->min_pages = lim->min;
    mem->max_pages = max_pages;
    mem->page_log2 = lim->page_log2;
    mem->is64 = lim->is64;
    mem->shared = lim->shared;
    mem->limits = *lim;
    mem->generation = 1; /* 0 is never a valid generation: capi reports it for "no view" */

    size_t want, committed;
    if (!round_page(lim->shared || max_bytes <= KRT_RESERVE_DEFAULT ? max_bytes : KRT_RESERVE_DEFAULT, &want) ||
        !round_page(size, &committed)) {
        kb_free(mem);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "memory exceeds the host's address space");
    }
    if (want < committed) want = committed;
    mem->data = reserve_committed(want, committed, lim->shared);
    if (mem->data == NULL && !lim->shared && want > committed) {
        /* The host refused the generous reservation (ulimit -v, a 32-bit
           host): settle for the current size and move on grow. */
        want = committed;
        mem->data = reserve_committed(want, committed, lim->shared);
    }
    if (mem->data == NULL) {
        kb_free(mem);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "cannot allocate %llu bytes for a memory",
                            (unsigned long long)size);
    }
    mem->reserved = want ? want : host_page();
    kb_error *err = krt_store_register(s, KRT_OBJ_MEMORY, mem);
    if (err != NULL) {
        krt_memory_release(mem);
        return err;
    }
    s->memory_bytes += size;
    *out = mem;
    return NULL;
}

/*
** memory.grow (spec 4.4.7 "Memory instructions", 4.5.3.x "Growing memories"):
** the old size in pages, or -1 with the memory unchanged when the new size
** passes the effective maximum or the host has no memory for it.
*/
static int64_t grow_locked(krt_memory *mem, uint64_t delta);

/* A shared memory is grown by threads of several stores at once (threads
   proposal: memory.grow on a shared memory is atomic). Grows are rare, so
   one lock for all shared memories is enough; unshared memories belong to
   one store and need none. */
static pthread_mutex_t shared_grow_lock = PTHREAD_MUTEX_INITIALIZER;

int64_t krt_memory_grow(krt_memory *mem, uint64_t delta) {
    if (!mem->shared) return grow_locked(mem, delta);
    pthread_mutex_lock(&shared_grow_lock);
    int64_t r = grow_locked(mem, delta);
    pthread_mutex_unlock(&shared_grow_lock);
    return r;
}

static int64_t grow_locked(krt_memory *mem, uint64_t delta) {
    uint64_t old_pages = mem->size >> mem->page_log2;
    if (delta > mem->max_pages - old_pages) return -1;
    uint64_t new_pages = old_pages + delta;
    uint64_t new_size = new_pages << mem->page_log2;
    const krt_store *s = mem->store;
    if (!krt_limit_allows(s->max_memory_bytes, s->memory_bytes, new_size - mem->size)) return -1;
    size_t old_committed, new_committed;
    if (!round_page(mem->size, &old_committed) || !round_page(new_size, &new_committed)) return -1;
    if (new_committed <= mem->reserved) {
        if (!commit(mem->data, old_committed, new_committed)) return -1;
    } else {
        if (mem->shared) return -1; /* reserved to its maximum at creation; unreachable */
        /* Move to a reservation with room to grow again: double, within the maximum. */
        uint64_t max_bytes = mem->max_pages << mem->page_log2;
        uint64_t target = new_size <= max_bytes / 2 ? new_size * 2 : max_bytes;
        if (target < KRT_RESERVE_DEFAULT && max_bytes >= KRT_RESERVE_DEFAULT) target = KRT_RESERVE_DEFAULT;
        size_t want;
        if (!round_page(target, &want)) return -1;
        uint8_t *data = reserve(want);
        if (data == NULL && want > new_committed) {
            want = new_committed;
            data = reserve(want);
        }
        if (data == NULL) return -1;
        if (!commit(data, 0, new_committed)) {
            munmap(data, want);
            return -1;
        }
        if (mem->size != 0) memcpy(data, mem->data, (size_t)mem->size);
        munmap(mem->data, mem->reserved);
        mem->data = data;
        mem->reserved = want;
    }
    mem->store->memory_bytes += new_size - mem->size;
    mem->size = new_size;
    mem->generation++;
    return (int64_t)old_pages;
}
