/*
** kcli_json.h -- a small JSON reader (RFC 8259) for the test-vector runner.
**
** The whole document is parsed into a tree of kcli_json nodes. Strings are
** decoded (escapes, \uXXXX with surrogate pairs, to UTF-8); numbers keep
** their source text so that 64-bit integers lose nothing. Nesting is
** limited so hostile input cannot exhaust the C stack.
*/
#ifndef KCLI_JSON_H
#define KCLI_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum {
    KCLI_JSON_NULL = 0,
    KCLI_JSON_BOOL,
    KCLI_JSON_NUMBER,
    KCLI_JSON_STRING,
    KCLI_JSON_ARRAY,
    KCLI_JSON_OBJECT
};

typedef struct kcli_json {
    int type;                 /* KCLI_JSON_* */
    bool boolean;
    char *str;                /* STRING: decoded; NUMBER: source text */
    size_t len;               /* bytes of 'str' */
    struct kcli_json *items;  /* ARRAY elements / OBJECT values */
    char **keys;              /* OBJECT keys, parallel to 'items' */
    size_t count;
} kcli_json;

/*
** Parses 'len' bytes of 'src'. On success returns a tree the caller frees
** with kcli_json_free; on failure NULL and a message with the line in 'err'.
*/
kcli_json *kcli_json_parse(const char *src, size_t len, char *err, size_t errsize);
void kcli_json_free(kcli_json *j);

/* Member 'key' of an object, or NULL (also when 'j' is not an object). */
const kcli_json *kcli_json_get(const kcli_json *j, const char *key);
/* The string of a STRING node, or NULL for any other node. */
const char *kcli_json_str(const kcli_json *j);

#endif
