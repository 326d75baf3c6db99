/*
** kbin_module.c -- kbin_module lifetime, lookups and the name section
** (core spec 3.0, 7.4 "Name Section" in the appendix on custom sections).
*/
#include <stdlib.h>
#include <string.h>

#include "base/kb_alloc.h"
#include "base/kb_leb.h"
#include "base/kb_utf8.h"
#include "binary/kbin_module.h"

void kbin_module_free(kbin_module *m) {
    if (m == NULL) return;
    for (uint32_t i = 0; i < m->type_count; i++) {
        kb_free(m->types[i].params);
        kb_free(m->types[i].fields);
    }
    kb_free(m->types);
    kb_free(m->imports); /* their names live in the same block (kbin_decode.c) */
    for (uint32_t i = 0; i < m->func_count; i++) kb_free(m->funcs[i].locals);
    kb_free(m->funcs);
    kb_free(m->tables);
    kb_free(m->memories);
    kb_free(m->globals);
    kb_free(m->tags);
    kb_free(m->exports); /* their names live in the same block (kbin_decode.c) */
    for (uint32_t i = 0; i < m->elem_count; i++) {
        kb_free(m->elems[i].func_indices);
        kb_free(m->elems[i].exprs);
    }
    kb_free(m->elems);
    kb_free(m->datas);
    for (uint32_t i = 0; i < m->custom_count; i++) kb_free(m->customs[i].name);
    kb_free(m->customs);
    kb_free(m->name);
    kb_free(m->func_names); /* the names live in the same block (decode_func_names) */
    kb_free(m->declared_funcs);
    if (!m->bytes_borrowed) kb_free(m->bytes);
    kb_free(m);
}

const kbin_type *kbin_func_type(const kbin_module *m, uint32_t func_index) {
    if (func_index >= m->func_count) return NULL;
    uint32_t t = m->funcs[func_index].type;
    if (t >= m->type_count) return NULL;
    return &m->types[t];
}

const char *kbin_func_name(const kbin_module *m, uint32_t func_index) {
    /* func_names is sorted by index: binary search. */
    uint32_t lo = 0, hi = m->func_name_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t idx = m->func_names[mid].index;
        if (idx == func_index) return m->func_names[mid].name;
        if (idx < func_index) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* ---------------------------------------------------------------- name section */

static bool rd_u32(const uint8_t *b, size_t end, size_t *pos, uint32_t *out) {
    uint64_t v;
    if (kb_leb_u(b, end, pos, 32, &v) != KB_LEB_OK) return false;
    *out = (uint32_t)v;
    return true;
}

static bool rd_name(const uint8_t *b, size_t end, size_t *pos, char **out) {
    uint32_t len;
    if (!rd_u32(b, end, pos, &len) || len > end - *pos) return false;
    if (!kb_utf8_valid(b + *pos, len)) return false;
    *out = kb_strndup((const char *)b + *pos, len);
    if (*out == NULL) return false;
    *pos += len;
    return true;
}

/*
** Function names subsection (id 1): a name map, indices strictly increasing.
** The map and its NUL-terminated names share one block, so a module with
** thousands of named functions costs one allocation here, not one per name
** (every load decodes it, cache hits included: issue 7). The names take at
** most the subsection's bytes plus one NUL each.
*/
static bool decode_func_names(kbin_module *m, size_t pos, size_t end) {
    uint32_t n;
    if (!rd_u32(m->bytes, end, &pos, &n) || n > end - pos) return false;
    size_t map_bytes = ((size_t)n + 1) * sizeof(kbin_name);
    kbin_name *names = kb_malloc(map_bytes + (end - pos) + n);
    if (names == NULL) return false;
    char *text = (char *)names + map_bytes;
    uint32_t count = 0;
    bool ok = true;
    for (uint32_t i = 0; i < n && ok; i++) {
        uint32_t idx, len = 0;
        ok = rd_u32(m->bytes, end, &pos, &idx) && rd_u32(m->bytes, end, &pos, &len) && len <= end - pos &&
             kb_utf8_valid(m->bytes + pos, len) && (count == 0 || idx > names[count - 1].index);
        if (!ok) break;
        memcpy(text, m->bytes + pos, len);
        text[len] = '\0';
        pos += len;
        names[count].index = idx;
        names[count].name = text;
        text += len + 1;
        count++;
    }
    if (!ok) {
        kb_free(names);
        return false;
    }
    m->func_names = names;
    m->func_name_count = count;
    return true;
}

void kbin_decode_names(kbin_module *m, size_t pos, size_t end) {
    int last_id = -1;
    while (pos < end) {
        uint8_t id = m->bytes[pos++];
        uint32_t size;
        if (!rd_u32(m->bytes, end, &pos, &size) || size > end - pos) break;
        size_t sub_end = pos + size;
        /* Subsections appear at most once, in increasing id order (7.4.1). */
        if ((int)id <= last_id) break;
        last_id = id;
        if (id == 0 && m->name == NULL) {
            size_t p = pos;
            char *s = NULL;
            if (rd_name(m->bytes, sub_end, &p, &s)) m->name = s;
        } else if (id == 1) {
            (void)decode_func_names(m, pos, sub_end);
        }
        pos = sub_end;
    }
}

void kbin_module_borrow_bytes(kbin_module *m, const uint8_t *bytes) {
    if (m == NULL || bytes == NULL || bytes == m->bytes) return;
    if (!m->bytes_borrowed) kb_free(m->bytes);
    m->bytes = (uint8_t *)(uintptr_t)bytes; /* read only from here on (kbin_module.h) */
    m->bytes_borrowed = true;
}
