/*
** kcode.h -- code/: code memory and the compiled-code file cache.
**
** SEEDS.md 1 (wazero): cached code was unmapped by a finalizer while a table
** still pointed into it. Here compiled code lives in one refcounted
** 'kcode_mem': a private mapping of a complete *image* (the same bytes a
** cache file or keel_module_serialize holds), made read-only (PROT_READ) once
** written. A module's kcomp_code retains it; instances retain their module
** (DESIGN.md Ownership 4), so the code is unmapped only after the last store
** that could reach it is gone. keel_code handles retain it independently.
**
** Image layout (all integers in host byte order; the magic and the build id
** reject a foreign host):
**
**   kcode_header | wasm bytes | pad | func_offsets[func_count] | pad to 64
**   | words[word_count] | pad to 8 | uint64 checksum
**
** Who covers what:
**   - the checksum (kcode_image_sum: kcode_sum64 of the header, chained into
**     kcode_sum64 of [wasm_off + wasm_len, checksum)) covers the header, the
**     padding, the function offsets and the code words: every byte except
**     the wasm bytes and the checksum itself;
**   - the wasm bytes are covered by the header's wasm_hash (BLAKE3), which
**     the checksum covers in turn.
** A cache hit binds the entry to the caller's bytes by that hash (the entry's
** key is derived from it and kcode_image_check compares it), so it checks
** only the checksum, reading the code once (issue 7: a hit costs a strong
** hash of the input plus one pass over the code), and then compares the
** embedded wasm copy with the caller's bytes (kcode_mem_wasm_equals): equal,
** the module keeps the mapped copy (shared page cache, no private copy);
** different, the copy is damaged and the module decodes and copies the
** caller's bytes instead. Deserialisation has no caller bytes: it re-hashes
** the embedded copy against wasm_hash, and a cached image's copy not yet
** compared is re-hashed the same way before anything reads it
** (kcode_mem_wasm). Damage confined to a cache entry's wasm copy is thus
** harmless to its hits and detected by everything that would read the copy
** (krt_module_from_code, deserialising a serialised image).
** The words are the position-independent code of kcomp.h, so the bytes
** written to a file are the bytes executed after mapping it back (DESIGN.md
** compile/, code/).
**
** Trust rule: a checksum detects damage, not malice. Images are only ever
** accepted when the magic, format version, engine build id, lengths and
** checksum all match (anything else is "miss, recompile" for the cache and
** KB_ERR_MALFORMED for deserialisation); a deliberately forged image with a
** correct checksum is as trusted as native code would be. Deserialise only
** what an engine of this build wrote.
*/
#ifndef KCODE_H
#define KCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/kb_error.h"

typedef struct kcomp_code kcomp_code;

/* ---------------------------------------------------------------- hashing */

/*
** BLAKE3 (the BLAKE3 specification, plain hash mode, 32-byte digest): the
** cache key and the image's wasm hash. Thread-safe.
*/
void kcode_blake3(const void *data, size_t len, uint8_t out[32]);

/* Implementation levels (ORDER B3LEVEL); each hashes 1, 4, 8 or 16 chunks at once. */
enum { KCODE_SIMD_PORTABLE = 0, KCODE_SIMD_SSE41 = 1, KCODE_SIMD_AVX2 = 2, KCODE_SIMD_AVX512 = 3 };
/*
** Uses the best level this CPU supports, at most 'max_level' (-1: no cap;
** tests and benchmarks compare levels), and returns the level now in use.
** Process-wide; safe while other threads hash (every level gives the same
** digest).
*/
int kcode_blake3_level(int max_level);
const char *kcode_blake3_level_name(int level);

/*
** A fast 64-bit checksum for image integrity (XXH3's keyed multiply-
** accumulate over 64-byte stripes, kcode_hash.c), at memory speed with SIMD:
** a strong hash would make a cache hit cost as much as reading the code
** twice. Damage is detected with probability 1 - 2^-64 (every word enters
** the sum unchanged besides its keyed product); malice is out of scope (see
** the trust rule above).
** 'seed' chains sums of several pieces.
*/
uint64_t kcode_sum64(const void *data, size_t len, uint64_t seed);
/* Like kcode_blake3_level, for the checksum (SSE4.1 uses the portable code). */
int kcode_sum64_level(int max_level);

/*
** The checksum of an image whose header offsets are already checked: the
** header, then everything after the wasm bytes up to the checksum itself
** (see the layout above).
*/
uint64_t kcode_image_sum(const uint8_t *image);

/*
** The engine build id: BLAKE3 over the format version, the compiler's build
** stamp, the internal op table (names and operand counts), the layout of the
** code structures and this file's build time. Computed once.
*/
const uint8_t *kcode_build_id(void);

/* ---------------------------------------------------------------- images */

#define KCODE_MAGIC "KEELCODE"
/* 2: BLAKE3 wasm hash and key, checksum without the wasm bytes (issue 7). */
#define KCODE_FORMAT_VERSION 2u

typedef struct kcode_header {
    char magic[8];              /* KCODE_MAGIC */
    uint32_t version;           /* KCODE_FORMAT_VERSION */
    uint32_t header_size;       /* sizeof(kcode_header) */
    uint8_t build_id[32];       /* kcode_build_id() of the writer */
    uint8_t wasm_hash[32];      /* BLAKE3 of the wasm bytes */
    uint32_t features;          /* engine feature bits the code was made under */
    uint32_t func_count;        /* module function space (imports included) */
    uint32_t unsupported_funcs;
    uint32_t reserved;          /* 0 */
    uint64_t wasm_off, wasm_len;
    uint64_t offsets_off;       /* func_count uint32 */
    uint64_t words_off, word_count;
    uint64_t total_len;         /* the whole image, checksum included */
} kcode_header;

/* Where a code memory came from (values of keel_code_origin, ORDER ORIGIN). */
enum { KCODE_COMPILED = 1, KCODE_CACHED = 2, KCODE_DESERIALIZED = 3 };

typedef struct kcode_mem kcode_mem;

/*
** Builds a read-only image for freshly compiled 'code' of 'wasm'. On success
** the words and offsets of 'code' are moved into the image (code->mem is set,
** the heap copies freed) and the image holds one reference owned by 'code'.
** 'wasm_hash' may be NULL: the hash and the checksum are then computed
** lazily, by the first kcode_mem_header or kcode_mem_image (issue 10: most
** modules are never cached or serialised). Errors: KB_ERR_OUT_OF_MEMORY.
*/
kb_error *kcode_mem_adopt(kcomp_code *code, const uint8_t *wasm, size_t wasm_len,
                          const uint8_t *wasm_hash, uint32_t features);

/*
** Checks an image: magic, version, build id, lengths, alignment, checksum and
** the structure of every function header. 'want_hash' non-NULL must equal the
** header's wasm hash: the caller holds wasm bytes with that hash and uses
** them instead of the embedded copy, which is then not read at all (a cache
** hit). 'want_hash' NULL re-hashes the embedded copy against the header's
** wasm hash (deserialisation). 'want_features' (UINT32_MAX: any) must equal
** the header's features. Returns NULL or KB_ERR_MALFORMED naming the first
** mismatch.
*/
kb_error *kcode_image_check(const uint8_t *image, size_t len, const uint8_t *want_hash,
                            uint32_t want_features);

/*
** A code memory over a private read-only copy of 'len' bytes (deserialise):
** the copy is checked after it is made, so later changes to the source do not
** matter. Errors: KB_ERR_MALFORMED (see kcode_image_check), KB_ERR_OUT_OF_MEMORY.
*/
kb_error *kcode_mem_from_bytes(const uint8_t *bytes, size_t len, kcode_mem **out);

/*
** Same from a file the user names: the file is read (not mapped) into private
** memory, so another process truncating or rewriting it cannot fault us
** (no SIGBUS). Errors: KB_ERR_IO, KB_ERR_MALFORMED, KB_ERR_OUT_OF_MEMORY.
*/
kb_error *kcode_mem_from_file(const char *path, kcode_mem **out);

kcode_mem *kcode_mem_retain(kcode_mem *m);
/* Drops a reference; the last one unmaps. NULL is a no-op. Any thread. */
void kcode_mem_release(kcode_mem *m);

const kcode_header *kcode_mem_header(const kcode_mem *m);
const uint8_t *kcode_mem_image(const kcode_mem *m);
size_t kcode_mem_size(const kcode_mem *m);
uint32_t kcode_mem_origin(const kcode_mem *m);
/*
** The embedded wasm bytes, known to match the header's wasm hash: compiled
** images were made from them and deserialised ones were checked whole; for a
** cache entry (whose hit never read them) the first call re-hashes them.
** NULL with *len 0 if they are damaged.
*/
const uint8_t *kcode_mem_wasm(const kcode_mem *m, size_t *len);
/*
** For a cache hit: compares the embedded wasm bytes with the caller's
** 'bytes' (whose hash the lookup matched with the header's). Equal: the copy
** is known good from then on (kcode_mem_wasm returns it without re-hashing),
** and true. Different: the copy is damaged (the caller's bytes carry the
** header's hash, the copy does not), and false. Comparing costs less than
** the private copy it saves (issue 7): the module can then decode and keep
** the mapped copy, shared page cache like the code.
*/
bool kcode_mem_wasm_equals(kcode_mem *m, const uint8_t *bytes, size_t len);

/*
** A kcomp_code viewing the image's words (no copy). Checks that the image
** describes 'func_count' functions with 'imported[i]' true exactly for the
** imported ones (UINT32_MAX offsets). Retains 'm'. Errors: KB_ERR_MALFORMED,
** KB_ERR_OUT_OF_MEMORY.
*/
kb_error *kcode_mem_code(kcode_mem *m, uint32_t func_count, const bool *imported,
                         kcomp_code **out);

/* ---------------------------------------------------------------- file cache */

/*
** A directory of images named <hex key>.keelc, the key being BLAKE3 of
** (wasm hash, build id, format version, features). Writers write a unique
** temporary file and rename it into place, never write or truncate a file
** under its final name, so a mapped entry's inode never changes and readers
** see whole files only. A hit is mapped MAP_SHARED read-only (page cache, not
** a private copy) and its mtime touched; LRU eviction by mtime keeps the
** directory under 'max_bytes' (0: no limit). An unusable directory disables
** writing with one warning on stderr; it never fails a compile. Thread-safe.
*/
typedef struct kcode_cache kcode_cache;

/* NULL 'dir' or OOM gives NULL (no cache). Creates the directory if missing. */
kcode_cache *kcode_cache_new(const char *dir, uint64_t max_bytes);
void kcode_cache_free(kcode_cache *c);

/* The entry for 'wasm' under 'features', checked; NULL on a miss. */
kcode_mem *kcode_cache_lookup(kcode_cache *c, const uint8_t wasm_hash[32], uint32_t features);

/* Writes the image of 'm' (best effort; failures only warn once). */
void kcode_cache_store(kcode_cache *c, const kcode_mem *m);

/* The path of the entry for a key, for tests; 'out' holds at least 'cap' bytes. */
bool kcode_cache_entry_path(const kcode_cache *c, const uint8_t wasm_hash[32], uint32_t features,
                            char *out, size_t cap);

/* Counters for tests and stats. */
typedef struct kcode_cache_stats {
    uint64_t hits, misses, rejected, stores, store_failures, evictions;
} kcode_cache_stats;
void kcode_cache_get_stats(kcode_cache *c, kcode_cache_stats *out);

#endif
