/*
** krt_table.c -- tables (core spec 4.2.7 "Table instances", 4.5.3.x
** "Growing tables"; table64).
**
** A table is an array of references (NULL is the null reference). Elements
** are plain pointers to store-owned objects; the table never owns what it
** points at, the store does (DESIGN.md "Ownership" 2).
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "rt/krt_int.h"

/* The most elements a table may have in Keel (an implementation limit the
   spec allows, 4.5.3.x: growth may fail). Without it a 'table.grow' of
   0xFFFFFFFF on a table with no maximum would try to allocate 32 GiB. */
#define KRT_TABLE_MAX_ELEMS ((uint64_t)10000000)

void krt_table_release(krt_table *table) {
    if (table == NULL) return;
    kb_free(table->elems);
    kb_free(table);
}

static uint64_t effective_max(const krt_store *s, const kbin_limits *lim) {
    uint64_t spec_max = lim->is64 ? UINT64_MAX : UINT32_MAX;
    uint64_t max = lim->has_max ? lim->max : spec_max;
    if (max > KRT_TABLE_MAX_ELEMS) max = KRT_TABLE_MAX_ELEMS;
    if (s->max_table_elements != 0 && max > s->max_table_elements) max = s->max_table_elements;
    return max;
}

kb_error *krt_table_new(krt_store *s, krt_valtype elem, const kbin_limits *lim, void *init,
                        krt_table **out) {
    *out = NULL;
    if (lim == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "table needs limits");
    if (elem.kind != KVT_REF) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "table element type must be a reference type");
    if (lim->has_max && lim->max < lim->min)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "invalid table limits");
    if (init == NULL && !elem.nullable)
        return kb_error_new(KB_ERR_INVALID_ARGUMENT, "a table of non-nullable references needs an initial value");
    uint64_t max = effective_max(s, lim);
    if (lim->min > max) {
        if (s->max_table_elements != 0 && lim->min > s->max_table_elements)
            return kb_error_new(KB_ERR_OUT_OF_MEMORY, "table of %llu elements exceeds the store's limit of %llu",
                                (unsigned long long)lim->min, (unsigned long long)s->max_table_elements);
        return kb_error_new(KB_ERR_LIMIT, "table of %llu elements exceeds the limit of %llu",
                            (unsigned long long)lim->min, (unsigned long long)KRT_TABLE_MAX_ELEMS);
    }
    if (!krt_limit_allows(s->max_table_elements, s->table_elements, lim->min))
        return kb_error_new(KB_ERR_OUT_OF_MEMORY,
                            "a table of %llu elements exceeds the store's limit of %llu (%llu in use)",
                            (unsigned long long)lim->min, (unsigned long long)s->max_table_elements,
                            (unsigned long long)s->table_elements);
    krt_table *t = kb_calloc(1, sizeof *t);
    void **elems = kb_malloc(lim->min ? (size_t)lim->min * sizeof(void *) : sizeof(void *));
    if (t == NULL || elems == NULL) {
        kb_free(t);
        kb_free(elems);
        return kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory creating a table of %llu elements",
                            (unsigned long long)lim->min);
    }
    for (uint64_t i = 0; i < lim->min; i++) elems[i] = init;
    t->store = s;
    t->elem = elem;
    t->is64 = lim->is64;
    t->elems = elems;
    t->size = lim->min;
    t->max = max;
    t->limits = *lim;
    kb_error *err = krt_store_register(s, KRT_OBJ_TABLE, t);
    if (err != NULL) {
        krt_table_release(t);
        return err;
    }
    s->table_elements += lim->min;
    *out = t;
    return NULL;
}

/*
** table.grow (spec 4.4.6 "Table instructions"): the old size, or -1 with the
** table unchanged when the new size passes the effective maximum or memory
** runs out. New elements are 'init'.
*/
int64_t krt_table_grow(krt_table *table, uint64_t delta, void *init) {
    uint64_t old = table->size;
    if (delta > table->max - old) return -1;
    if (delta == 0) return (int64_t)old;
    if (!krt_limit_allows(table->store->max_table_elements, table->store->table_elements, delta)) return -1;
    uint64_t n = old + delta;
    void **elems = kb_realloc(table->elems, (size_t)n * sizeof(void *));
    if (elems == NULL) return -1;
    for (uint64_t i = old; i < n; i++) elems[i] = init;
    table->elems = elems;
    table->size = n;
    table->store->table_elements += delta;
    return (int64_t)old;
}
