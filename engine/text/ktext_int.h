/*
** ktext_int.h -- internals shared by the files of engine/text.
**
** The text front end works in three steps (core spec chapter 6):
**   lexing   (ktext_lex.c)   source text -> array of tokens; comments and
**                            annotations are dropped here (spec 6.3), the
**                            known annotations kept aside (ktext_annot.c);
**   parsing  (ktext_types.c, ktext_instr.c, ktext_module.c) tokens -> binary
**                            module bytes, emitted directly (spec 6.4-6.6);
**   scripts  (ktext_wast.c)  the WAST script language around modules.
** Nothing here builds engine structures: the output is always bytes that go
** through the ordinary binary decoder (docs/architecture.md, part text/).
*/
#ifndef KTEXT_INT_H
#define KTEXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/kb_alloc.h"
#include "base/kb_buf.h"
#include "base/kb_error.h"

/* Maximum nesting of parentheses a parse follows (hostile input guard). */
#define KTEXT_MAX_DEPTH 2000

/* ---------------------------------------------------------------- tokens */

typedef enum ktext_tok_kind {
    KTEXT_T_EOF = 0,
    KTEXT_T_LPAR,     /* '(' */
    KTEXT_T_RPAR,     /* ')' */
    KTEXT_T_ATOM,     /* a run of idchars: keyword or number (spec 6.3.1) */
    KTEXT_T_ID,       /* '$' idchars or '$' string (spec 6.3.5) */
    KTEXT_T_STRING,   /* '"' ... '"' (spec 6.3.4) */
    KTEXT_T_RESERVED  /* anything else that lexes as one token */
} ktext_tok_kind;

typedef struct ktext_tok {
    uint32_t kind;  /* ktext_tok_kind */
    uint32_t line;  /* 1-based */
    uint32_t col;   /* 1-based, in bytes */
    uint32_t len;   /* bytes of source text */
    size_t off;     /* byte offset of the first character */
} ktext_tok;

/*
** The annotations Keel gives a meaning to (annotations proposal; custom
** sections appendix of the spec, branch hinting proposal). Every other
** annotation is lexed for well-formedness and dropped.
*/
typedef enum ktext_annot_kind {
    KTEXT_AN_CUSTOM = 1,  /* (@custom "name" placement? "data"*) */
    KTEXT_AN_NAME,        /* (@name "name") */
    KTEXT_AN_BRANCH_HINT  /* (@metadata.code.branch_hint "\00"|"\01") */
} ktext_annot_kind;

/*
** One kept annotation. Its tokens (between the id and the closing ')') are
** atoks[first .. first + count) of the lexed text; 'at' is the index of the
** main token it precedes, which is how the parser finds where it stands.
*/
typedef struct ktext_annot {
    uint32_t kind;    /* ktext_annot_kind */
    uint32_t used;    /* set by the parser once it has claimed the annotation */
    size_t at;        /* index in toks of the token after the annotation */
    size_t first;     /* index in atoks */
    size_t count;
    ktext_tok open;   /* the '(@id' itself, for error positions */
} ktext_annot;

typedef struct ktext_lexed {
    ktext_tok *toks; /* ends with one KTEXT_T_EOF token */
    size_t count;    /* tokens including the EOF token */
    ktext_annot *annots; /* kept annotations, by increasing 'at' */
    size_t nannots;
    ktext_tok *atoks;    /* their tokens */
    size_t natoks;
} ktext_lexed;

/* Lexes 'src'. On error returns a KB_ERR_MALFORMED error naming line:column. */
kb_error *ktext_lex(const char *src, size_t len, ktext_lexed *out);
void ktext_lexed_free(ktext_lexed *lx);

/*
** Decodes the string token 't' (quotes included) with its escapes
** (spec 6.3.4) into 'out'. Returns false if an escape is malformed (the lexer
** has already rejected those, so this only fails when memory runs out).
*/
bool ktext_string_decode(const char *src, const ktext_tok *t, kb_buf *out);

/* --------------------------------------------------------------- parser */

typedef struct ktext_p {
    const char *src;
    size_t len;
    const ktext_tok *t;  /* token array */
    size_t n;            /* token count, including EOF */
    size_t i;            /* current token */
    kb_error *err;       /* first error, or NULL */
    unsigned depth;      /* nesting of recursive parse functions */
    KB_VEC(char *) arena; /* decoded strings owned by the parse */
    ktext_annot *an;     /* kept annotations (ktext_lexed.annots), may be NULL */
    size_t nan;
    const ktext_tok *at; /* their tokens (ktext_lexed.atoks) */
} ktext_p;

/* Points the parser at the tokens and annotations of 'lx'. */
void ktext_p_init(ktext_p *p, const char *src, size_t len, ktext_lexed *lx);

/* Records the first error (kind malformed) at token 'at' and returns false. */
bool ktext_fail(ktext_p *p, const ktext_tok *at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Same, with an error of kind 'kind' (KB_ERR_INVALID for the checks the
** annotation proposals assign to validation). */
bool ktext_fail_kind(ktext_p *p, const ktext_tok *at, uint32_t kind, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Records an out-of-memory error and returns false. */
bool ktext_oom(ktext_p *p);
void ktext_p_free_arena(ktext_p *p);

static inline const ktext_tok *ktext_peek(const ktext_p *p) { return &p->t[p->i]; }
static inline const ktext_tok *ktext_peek2(const ktext_p *p) {
    return p->i + 1 < p->n ? &p->t[p->i + 1] : &p->t[p->n - 1];
}
static inline const ktext_tok *ktext_next(ktext_p *p) {
    const ktext_tok *t = &p->t[p->i];
    if (t->kind != KTEXT_T_EOF) p->i++;
    return t;
}
/* True when token 't' is the atom 'kw'. */
bool ktext_tok_is(const ktext_p *p, const ktext_tok *t, const char *kw);
/* True when the current token is '(' followed by the atom 'kw'. */
bool ktext_at_sexpr(const ktext_p *p, const char *kw);
/* Consumes '(' 'kw' or fails. */
bool ktext_expect_open(ktext_p *p, const char *kw);
bool ktext_expect_lpar(ktext_p *p);
bool ktext_expect_rpar(ktext_p *p);
/* Skips tokens up to and including the ')' that closes the '(' at p->i - 1. */
void ktext_skip_to_close(ktext_p *p);
/* Index just past the ')' matching the '(' at token 'open'. */
size_t ktext_match_close(const ktext_p *p, size_t open);
/* Fails with "unexpected token" (or "unexpected end") at the current token. */
bool ktext_unexpected(ktext_p *p);

/* Decoded string token into the parse arena (NUL-terminated copy). */
bool ktext_string(ktext_p *p, const ktext_tok *t, const char **s, size_t *n);
/* Parses a string token that must be a valid UTF-8 name (spec 6.3.4 names). */
bool ktext_name(ktext_p *p, const char **s, size_t *n);
/* The key of an identifier token (without '$'; decoded for $"..."). */
bool ktext_id_key(ktext_p *p, const ktext_tok *t, const char **k, size_t *n);

/* -------------------------------------------------------------- numbers */

typedef enum ktext_num_status {
    KTEXT_NUM_OK = 0,
    KTEXT_NUM_SYNTAX,  /* not a number of this kind */
    KTEXT_NUM_RANGE    /* a number, but out of range: "constant out of range" */
} ktext_num_status;

/* Unsigned integer (spec 6.3.2 uN) of at most 'bits' bits. */
ktext_num_status ktext_num_u(const char *s, size_t n, unsigned bits, uint64_t *out);
/* Integer as iN: uN or sN (so -2^(N-1) .. 2^N-1), returned as the N-bit pattern. */
ktext_num_status ktext_num_i(const char *s, size_t n, unsigned bits, uint64_t *out);
/* Float literals (spec 6.3.3) as bit patterns. */
ktext_num_status ktext_num_f32(const char *s, size_t n, uint32_t *out);
ktext_num_status ktext_num_f64(const char *s, size_t n, uint64_t *out);

/* Parse helpers on the current token; fail with the spec's words. */
bool ktext_parse_u32(ktext_p *p, uint32_t *out);
bool ktext_parse_u64(ktext_p *p, uint64_t *out);
bool ktext_parse_i32(ktext_p *p, uint32_t *out);
bool ktext_parse_i64(ktext_p *p, uint64_t *out);
bool ktext_parse_f32(ktext_p *p, uint32_t *out);
bool ktext_parse_f64(ktext_p *p, uint64_t *out);
/* True when the current token is an atom that starts like a number. */
bool ktext_at_num(const ktext_p *p);

/* ----------------------------------------------------------- name maps */

typedef struct ktext_map_ent {
    const char *key;
    size_t klen;
    uint32_t val;
    uint32_t used;
} ktext_map_ent;

typedef struct ktext_map {
    ktext_map_ent *ents;
    size_t cap;   /* power of two or 0 */
    size_t count;
} ktext_map;

/* Returns 0 on insert, 1 if the key already exists (unchanged), -1 on OOM. */
int ktext_map_put(ktext_map *m, const char *key, size_t klen, uint32_t val);
bool ktext_map_get(const ktext_map *m, const char *key, size_t klen, uint32_t *val);
void ktext_map_clear(ktext_map *m);
void ktext_map_free(ktext_map *m);

/* --------------------------------------------------------------- module */

/* Encodes one module whose fields start at p->i (after '(' 'module' id?),
** stopping before the closing ')' (or at EOF for bare fields). The module's
** name, if any, is 'name' (for the name section). */
bool ktext_module_encode(ktext_p *p, const char *name, size_t name_len, kb_buf *out);

#endif
