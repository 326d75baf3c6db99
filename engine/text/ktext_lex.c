/*
** ktext_lex.c -- the lexer of the text format (core spec 6.3 "Lexical format").
**
** Produces a flat array of tokens. White space, line comments, nested block
** comments (spec 6.3.6) and annotations '(@id ...)' (the annotations
** proposal, part of the 3.0 text format) are dropped from it, so the parsers
** never see them in their token stream. The annotations with a meaning
** (@custom, @name, @metadata.code.branch_hint) are kept aside with their
** tokens and the index of the token they precede (ktext_lexed.annots; read by
** ktext_annot.c). Strings keep their quotes; ktext_string_decode turns them
** into bytes.
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "base/kb_utf8.h"
#include "text/ktext_int.h"

typedef struct lexer {
    const char *s;
    size_t len;
    size_t pos;
    uint32_t line;
    size_t line_start; /* offset of the first byte of the current line */
    kb_error *err;
    ktext_lexed *out;
} lexer;

/* spec 6.3.1: idchar */
static bool is_idchar(unsigned char c) {
    if (c >= '0' && c <= '9') return true;
    if (c >= 'a' && c <= 'z') return true;
    if (c >= 'A' && c <= 'Z') return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
    case '+': case '-': case '.': case '/': case ':': case '<': case '=':
    case '>': case '?': case '@': case '\\': case '^': case '_': case '`':
    case '|': case '~':
        return true;
    default:
        return false;
    }
}

/* Characters that may only occur inside reserved tokens. */
static bool is_reserved_char(unsigned char c) {
    return c == ',' || c == ';' || c == '[' || c == ']' || c == '{' || c == '}';
}

static uint32_t col_of(const lexer *lx, size_t off) {
    return (uint32_t)(off - lx->line_start + 1);
}

static bool lex_fail(lexer *lx, size_t off, const char *msg) {
    if (lx->err == NULL) {
        /* Recompute line and column for 'off' (it may precede pos). */
        uint32_t line = 1;
        size_t ls = 0;
        for (size_t i = 0; i < off && i < lx->len; i++)
            if (lx->s[i] == '\n') {
                line++;
                ls = i + 1;
            }
        lx->err = kb_error_new(KB_ERR_MALFORMED, "%u:%u: %s", line,
                               (unsigned)(off - ls + 1), msg);
    }
    return false;
}

/* Length of the UTF-8 character at 'off', or 0 if malformed. */
static size_t utf8_char_len(const lexer *lx, size_t off) {
    unsigned char c = (unsigned char)lx->s[off];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || off + n > lx->len) return 0;
    if (!kb_utf8_valid((const uint8_t *)lx->s + off, n)) return 0;
    return n;
}

static void newline_at(lexer *lx, size_t off) {
    lx->line++;
    lx->line_start = off + 1;
}

/* Skips a block comment starting at pos ("(;"), nesting (spec 6.3.6). */
static bool skip_block_comment(lexer *lx) {
    size_t start = lx->pos;
    unsigned depth = 0;
    while (lx->pos < lx->len) {
        char c = lx->s[lx->pos];
        if (c == '(' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == ';') {
            depth++;
            lx->pos += 2;
        } else if (c == ';' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == ')') {
            lx->pos += 2;
            if (--depth == 0) return true;
        } else {
            if (c == '\n') newline_at(lx, lx->pos);
            lx->pos++;
        }
    }
    return lex_fail(lx, start, "unclosed comment");
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/*
** Scans a string token at pos (spec 6.3.4), checking characters and escapes.
** On success pos is just past the closing quote.
*/
static bool scan_string(lexer *lx) {
    size_t start = lx->pos;
    lx->pos++;
    for (;;) {
        if (lx->pos >= lx->len) return lex_fail(lx, start, "unclosed string");
        unsigned char c = (unsigned char)lx->s[lx->pos];
        if (c == '"') {
            lx->pos++;
            return true;
        }
        if (c == '\n') return lex_fail(lx, start, "unclosed string");
        if (c < 0x20 || c == 0x7F) return lex_fail(lx, lx->pos, "illegal character");
        if (c >= 0x80) {
            size_t n = utf8_char_len(lx, lx->pos);
            if (n == 0) return lex_fail(lx, lx->pos, "malformed UTF-8 encoding");
            lx->pos += n;
            continue;
        }
        if (c != '\\') {
            lx->pos++;
            continue;
        }
        size_t esc = lx->pos;
        if (lx->pos + 1 >= lx->len) return lex_fail(lx, start, "unclosed string");
        char e = lx->s[lx->pos + 1];
        switch (e) {
        case 't': case 'n': case 'r': case '"': case '\'': case '\\':
            lx->pos += 2;
            break;
        case 'u': {
            size_t q = lx->pos + 2;
            if (q >= lx->len || lx->s[q] != '{') return lex_fail(lx, esc, "illegal escape");
            q++;
            uint32_t cp = 0;
            size_t digits = 0;
            while (q < lx->len && (hexval(lx->s[q]) >= 0 || (lx->s[q] == '_' && digits > 0))) {
                if (lx->s[q] != '_') {
                    cp = cp * 16 + (uint32_t)hexval(lx->s[q]);
                    if (cp > 0x10FFFF) return lex_fail(lx, esc, "illegal escape");
                    digits++;
                }
                q++;
            }
            if (digits == 0 || q >= lx->len || lx->s[q] != '}')
                return lex_fail(lx, esc, "illegal escape");
            if (cp >= 0xD800 && cp < 0xE000) return lex_fail(lx, esc, "illegal escape");
            lx->pos = q + 1;
            break;
        }
        default:
            if (hexval(e) >= 0 && lx->pos + 2 < lx->len && hexval(lx->s[lx->pos + 2]) >= 0) {
                lx->pos += 3;
                break;
            }
            return lex_fail(lx, esc, "illegal escape");
        }
    }
}

/* Growable token array with a separate capacity. */
typedef struct tokvec {
    ktext_tok *items;
    size_t len;
    size_t cap;
} tokvec;

static bool emit(lexer *lx, tokvec *v, uint32_t kind, size_t start, uint32_t line, uint32_t col) {
    if (lx->pos - start > UINT32_MAX) return lex_fail(lx, start, "token too long");
    if (!kb_vec_reserve(v, 1)) {
        if (lx->err == NULL) lx->err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
        return false;
    }
    ktext_tok *t = &v->items[v->len++];
    t->kind = kind;
    t->line = line;
    t->col = col;
    t->off = start;
    t->len = (uint32_t)(lx->pos - start);
    return true;
}

/*
** Scans a run of idchars, reserved characters and strings starting at pos.
** Sets *kind to ATOM, ID or RESERVED.
*/
static bool scan_run(lexer *lx, uint32_t *kind) {
    size_t start = lx->pos;
    bool plain = true;   /* only idchars */
    bool quoted_id = false;
    size_t strings = 0;
    while (lx->pos < lx->len) {
        unsigned char c = (unsigned char)lx->s[lx->pos];
        if (c == ';' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == ';') break;
        if (is_idchar(c)) {
            lx->pos++;
        } else if (is_reserved_char(c)) {
            plain = false;
            lx->pos++;
        } else if (c == '"') {
            if (lx->pos == start + 1 && lx->s[start] == '$') quoted_id = true;
            size_t sp = lx->pos;
            if (!scan_string(lx)) {
                if (lx->s[start] == '$' && sp == start + 1) {
                    kb_error_free(lx->err);
                    lx->err = NULL;
                    return lex_fail(lx, start, "empty identifier");
                }
                return false;
            }
            strings++;
            plain = false;
        } else {
            break;
        }
    }
    if (plain) {
        if (lx->s[start] == '$') {
            if (lx->pos - start == 1) return lex_fail(lx, start, "empty identifier");
            *kind = KTEXT_T_ID;
        } else {
            *kind = KTEXT_T_ATOM;
        }
    } else if (quoted_id && strings == 1 && lx->s[lx->pos - 1] == '"') {
        /* $"..." : the string must be a non-empty name */
        if (lx->pos - start == 3) return lex_fail(lx, start, "empty identifier");
        *kind = KTEXT_T_ID;
    } else {
        *kind = KTEXT_T_RESERVED;
    }
    return true;
}

/*
** The annotations the parser reads (ktext_annot_kind), by their id; 0 for
** the others, which the annotations proposal says a tool ignores.
*/
static int annot_kind(const char *id, size_t n) {
    static const struct { const char *id; int kind; } known[] = {
        {"custom", KTEXT_AN_CUSTOM},
        {"name", KTEXT_AN_NAME},
        {"metadata.code.branch_hint", KTEXT_AN_BRANCH_HINT},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].id) == n && memcmp(known[i].id, id, n) == 0) return known[i].kind;
    return 0;
}

kb_error *ktext_lex(const char *src, size_t len, ktext_lexed *out) {
    lexer lx;
    memset(&lx, 0, sizeof lx);
    lx.s = src;
    lx.len = len;
    lx.line = 1;
    lx.out = out;
    tokvec v = {NULL, 0, 0};
    unsigned annot = 0;      /* depth inside an annotation, 0 outside */
    size_t annot_start = 0;
    bool keep = false;       /* the current annotation is one the parser reads */
    tokvec av = {NULL, 0, 0};
    KB_VEC(ktext_annot) ans = {NULL, 0, 0};

    while (lx.pos < lx.len && lx.err == NULL) {
        size_t start = lx.pos;
        uint32_t line = lx.line, col = col_of(&lx, start);
        unsigned char c = (unsigned char)src[start];
        char c1 = start + 1 < len ? src[start + 1] : 0;
        if (c == ' ' || c == '\t' || c == '\r') {
            lx.pos++;
        } else if (c == '\n') {
            newline_at(&lx, start);
            lx.pos++;
        } else if (c == ';' && c1 == ';') {
            /* A line comment ends at any newline: LF, CR or CR LF (spec 6.2.4). */
            while (lx.pos < len && src[lx.pos] != '\n' && src[lx.pos] != '\r') lx.pos++;
        } else if (c == '(' && c1 == ';') {
            skip_block_comment(&lx);
        } else if (c == '(' && c1 == '@' && annot == 0) {
            /* Annotation (spec 6.3 annotations): '(@' id, then balanced tokens. */
            lx.pos += 2;
            size_t idstart = lx.pos;
            if (lx.pos < len && src[lx.pos] == '"') {
                if (!scan_string(&lx)) break;
                kb_buf name = {0};
                ktext_tok t = {KTEXT_T_STRING, 0, 0, (uint32_t)(lx.pos - idstart), idstart};
                if (!ktext_string_decode(src, &t, &name)) {
                    kb_buf_free(&name);
                    lex_fail(&lx, idstart, "out of memory");
                    break;
                }
                bool empty = name.len == 0;
                bool valid = kb_utf8_valid(name.data, name.len);
                kb_buf_free(&name);
                if (empty) {
                    lex_fail(&lx, start, "empty annotation id");
                    break;
                }
                if (!valid) {
                    lex_fail(&lx, idstart, "malformed UTF-8 encoding");
                    break;
                }
            } else {
                while (lx.pos < len && is_idchar((unsigned char)src[lx.pos])) lx.pos++;
                if (lx.pos == idstart) {
                    lex_fail(&lx, start, "empty annotation id");
                    break;
                }
            }
            annot = 1;
            annot_start = start;
            keep = false;
            int kind = annot_kind(src + idstart, lx.pos - idstart);
            if (kind != 0) {
                ktext_annot a;
                memset(&a, 0, sizeof a);
                a.kind = (uint32_t)kind;
                a.at = v.len;
                a.first = av.len;
                a.open.kind = KTEXT_T_LPAR;
                a.open.line = line;
                a.open.col = col;
                a.open.off = start;
                a.open.len = (uint32_t)(lx.pos - start);
                if (!kb_vec_push(&ans, a)) {
                    lex_fail(&lx, start, "out of memory");
                    break;
                }
                keep = true;
            }
        } else if (c == '(') {
            lx.pos++;
            if (annot) {
                annot++;
                if (keep && !emit(&lx, &av, KTEXT_T_LPAR, start, line, col)) break;
            } else if (!emit(&lx, &v, KTEXT_T_LPAR, start, line, col)) {
                break;
            }
        } else if (c == ')') {
            lx.pos++;
            if (annot) {
                annot--;
                if (keep && annot > 0 && !emit(&lx, &av, KTEXT_T_RPAR, start, line, col)) break;
                if (keep && annot == 0) {
                    ktext_annot *a = &ans.items[ans.len - 1];
                    a->count = av.len - a->first;
                    keep = false;
                }
            } else if (!emit(&lx, &v, KTEXT_T_RPAR, start, line, col)) {
                break;
            }
        } else if (c == '"' || is_idchar(c) || is_reserved_char(c)) {
            uint32_t kind;
            if (c == '"') {
                if (!scan_string(&lx)) break;
                kind = KTEXT_T_STRING;
                /* A string glued to more characters is one reserved token. */
                bool comment = lx.pos + 1 < len && src[lx.pos] == ';' && src[lx.pos + 1] == ';';
                if (lx.pos < len && !comment &&
                    (is_idchar((unsigned char)src[lx.pos]) || is_reserved_char((unsigned char)src[lx.pos]) ||
                     src[lx.pos] == '"')) {
                    if (!scan_run(&lx, &kind)) break;
                    kind = KTEXT_T_RESERVED;
                }
            } else {
                if (annot && c == '$') {
                    /* inside annotations a lone '$' is just a reserved token */
                    lx.pos++;
                    while (lx.pos < len && (is_idchar((unsigned char)src[lx.pos]) ||
                                            is_reserved_char((unsigned char)src[lx.pos])))
                        lx.pos++;
                    if (lx.pos < len && src[lx.pos] == '"') {
                        lx.pos = start;
                        if (!scan_run(&lx, &kind)) break;
                    }
                    kind = KTEXT_T_RESERVED;
                } else if (!scan_run(&lx, &kind)) {
                    break;
                }
            }
            if (!annot && !emit(&lx, &v, kind, start, line, col)) break;
            if (annot && keep && !emit(&lx, &av, kind, start, line, col)) break;
        } else if (c >= 0x80) {
            if (utf8_char_len(&lx, start) == 0) lex_fail(&lx, start, "malformed UTF-8 encoding");
            else lex_fail(&lx, start, "illegal character");
        } else {
            lex_fail(&lx, start, "illegal character");
        }
    }
    if (lx.err == NULL && annot) lex_fail(&lx, annot_start, "unclosed annotation");
    if (lx.err == NULL) {
        lx.pos = len;
        emit(&lx, &v, KTEXT_T_EOF, len, lx.line, col_of(&lx, len));
    }
    if (lx.err != NULL) {
        kb_vec_free(&v);
        kb_vec_free(&av);
        kb_vec_free(&ans);
        return lx.err;
    }
    out->toks = v.items;
    out->count = v.len;
    out->annots = ans.items;
    out->nannots = ans.len;
    out->atoks = av.items;
    out->natoks = av.len;
    return NULL;
}

void ktext_lexed_free(ktext_lexed *lx) {
    if (lx == NULL) return;
    kb_free(lx->toks);
    kb_free(lx->annots);
    kb_free(lx->atoks);
    memset(lx, 0, sizeof *lx);
}

bool ktext_string_decode(const char *src, const ktext_tok *t, kb_buf *out) {
    const char *s = src + t->off;
    size_t n = t->len;
    /* For $"..." identifiers skip the '$'. */
    if (n > 0 && s[0] == '$') {
        s++;
        n--;
    }
    if (n < 2) return true;
    size_t i = 1, end = n - 1;
    if (!kb_buf_reserve(out, end)) return false;
    while (i < end) {
        char c = s[i];
        if (c != '\\') {
            size_t j = i;
            while (j < end && s[j] != '\\') j++;
            if (!kb_buf_append(out, s + i, j - i)) return false;
            i = j;
            continue;
        }
        char e = s[i + 1];
        uint8_t b;
        switch (e) {
        case 't': b = '\t'; break;
        case 'n': b = '\n'; break;
        case 'r': b = '\r'; break;
        case '"': b = '"'; break;
        case '\'': b = '\''; break;
        case '\\': b = '\\'; break;
        case 'u': {
            size_t q = i + 3;
            uint32_t cp = 0;
            while (q < end && s[q] != '}') {
                if (s[q] != '_') cp = cp * 16 + (uint32_t)hexval(s[q]);
                q++;
            }
            uint8_t enc[4];
            size_t k = kb_utf8_encode(cp, enc);
            if (!kb_buf_append(out, enc, k)) return false;
            i = q + 1;
            continue;
        }
        default:
            b = (uint8_t)(hexval(e) * 16 + hexval(s[i + 2]));
            if (!kb_buf_byte(out, b)) return false;
            i += 3;
            continue;
        }
        if (!kb_buf_byte(out, b)) return false;
        i += 2;
    }
    return true;
}
