/*
** kcli_json.c -- a small recursive-descent JSON reader (RFC 8259).
*/
#include "kcli_json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct jp {
    const char *s;
    size_t len, pos;
    char *err;
    size_t errsize;
    bool failed;
} jp;

static int line_of(const jp *p) {
    int line = 1;
    for (size_t i = 0; i < p->pos && i < p->len; i++)
        if (p->s[i] == '\n') line++;
    return line;
}

static bool fail(jp *p, const char *what) {
    if (!p->failed) snprintf(p->err, p->errsize, "line %d: %s", line_of(p), what);
    p->failed = true;
    return false;
}

static void skip_ws(jp *p) {
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool literal(jp *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail(p, "unexpected token");
    p->pos += n;
    return true;
}

static void put_utf8(char *out, size_t *n, uint32_t cp) {
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xE0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xF0 | (cp >> 18));
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static bool hex4(jp *p, uint32_t *out) {
    if (p->len - p->pos < 4) return fail(p, "bad \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return fail(p, "bad \\u escape");
    }
    *out = v;
    return true;
}

/* Parses a string at p->pos (the opening quote) into a malloc'd buffer. */
static bool string(jp *p, char **out, size_t *outlen) {
    p->pos++; /* '"' */
    /* Decoded text is never longer than the source (\uXXXX -> <= 4 bytes). */
    size_t start = p->pos, n = 0;
    char *buf = malloc(p->len - start + 1);
    if (!buf) return fail(p, "out of memory");
    while (p->pos < p->len) {
        char c = p->s[p->pos++];
        if (c == '"') {
            buf[n] = 0;
            *out = buf;
            *outlen = n;
            return true;
        }
        if ((unsigned char)c < 0x20) break;
        if (c != '\\') {
            buf[n++] = c;
            continue;
        }
        if (p->pos >= p->len) break;
        c = p->s[p->pos++];
        switch (c) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            if (!hex4(p, &cp)) goto bad;
            if (cp >= 0xD800 && cp < 0xDC00 && p->len - p->pos >= 6 &&
                p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
                p->pos += 2;
                if (!hex4(p, &lo)) goto bad;
                if (lo < 0xDC00 || lo > 0xDFFF) goto bad;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            put_utf8(buf, &n, cp);
            break;
        }
        default: goto bad;
        }
    }
bad:
    free(buf);
    return fail(p, "malformed string");
}

static bool value(jp *p, kcli_json *out, int depth);

static bool push_item(jp *p, kcli_json *arr, size_t *cap) {
    if (arr->count == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        kcli_json *items = realloc(arr->items, nc * sizeof *items);
        if (!items) return fail(p, "out of memory");
        arr->items = items;
        if (arr->type == KCLI_JSON_OBJECT) {
            char **keys = realloc(arr->keys, nc * sizeof *keys);
            if (!keys) return fail(p, "out of memory");
            arr->keys = keys;
        }
        *cap = nc;
    }
    memset(&arr->items[arr->count], 0, sizeof arr->items[0]);
    if (arr->keys) arr->keys[arr->count] = NULL;
    arr->count++;
    return true;
}

static bool container(jp *p, kcli_json *out, int depth, bool is_obj) {
    char close = is_obj ? '}' : ']';
    size_t cap = 0;
    out->type = is_obj ? KCLI_JSON_OBJECT : KCLI_JSON_ARRAY;
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return true;
    }
    for (;;) {
        skip_ws(p);
        if (!push_item(p, out, &cap)) return false;
        if (is_obj) {
            size_t klen;
            if (p->pos >= p->len || p->s[p->pos] != '"') return fail(p, "expected a key");
            if (!string(p, &out->keys[out->count - 1], &klen)) return false;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') return fail(p, "expected ':'");
            p->pos++;
        }
        if (!value(p, &out->items[out->count - 1], depth + 1)) return false;
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return true;
        }
        return fail(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool number(jp *p, kcli_json *out) {
    size_t start = p->pos;
    if (p->s[p->pos] == '-') p->pos++;
    size_t digits = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    if (p->pos == digits) return fail(p, "malformed number");
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    }
    out->type = KCLI_JSON_NUMBER;
    out->len = p->pos - start;
    out->str = malloc(out->len + 1);
    if (!out->str) return fail(p, "out of memory");
    memcpy(out->str, p->s + start, out->len);
    out->str[out->len] = 0;
    return true;
}

static bool value(jp *p, kcli_json *out, int depth) {
    if (depth > MAX_DEPTH) return fail(p, "nesting too deep");
    skip_ws(p);
    if (p->pos >= p->len) return fail(p, "unexpected end");
    char c = p->s[p->pos];
    switch (c) {
    case '{': return container(p, out, depth, true);
    case '[': return container(p, out, depth, false);
    case '"':
        out->type = KCLI_JSON_STRING;
        return string(p, &out->str, &out->len);
    case 't': out->type = KCLI_JSON_BOOL; out->boolean = true; return literal(p, "true");
    case 'f': out->type = KCLI_JSON_BOOL; return literal(p, "false");
    case 'n': out->type = KCLI_JSON_NULL; return literal(p, "null");
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return number(p, out);
        return fail(p, "unexpected character");
    }
}

static void free_node(kcli_json *j) {
    free(j->str);
    for (size_t i = 0; i < j->count; i++) {
        free_node(&j->items[i]);
        if (j->keys) free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
}

void kcli_json_free(kcli_json *j) {
    if (!j) return;
    free_node(j);
    free(j);
}

kcli_json *kcli_json_parse(const char *src, size_t len, char *err, size_t errsize) {
    jp p = {src, len, 0, err, errsize, false};
    kcli_json *root = calloc(1, sizeof *root);
    if (!root) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    if (value(&p, root, 0)) {
        skip_ws(&p);
        if (p.pos != p.len) fail(&p, "junk after the document");
    }
    if (p.failed) {
        kcli_json_free(root);
        return NULL;
    }
    return root;
}

const kcli_json *kcli_json_get(const kcli_json *j, const char *key) {
    if (!j || j->type != KCLI_JSON_OBJECT) return NULL;
    for (size_t i = 0; i < j->count; i++)
        if (j->keys[i] && strcmp(j->keys[i], key) == 0) return &j->items[i];
    return NULL;
}

const char *kcli_json_str(const kcli_json *j) {
    return j && j->type == KCLI_JSON_STRING ? j->str : NULL;
}
