/*
** ktext_wast.c -- the WAST script parser (kwast.h). Grammar (spec
** interpreter README, "Scripts"):
**   script  ::= cmd*
**   cmd     ::= module | (register name id?) | action | assertion | meta
**   module  ::= (module definition? id? field*) | (module ... binary string*)
**             | (module ... quote string*) | (module instance id? id?)
**   action  ::= (invoke id? name const*) | (get id? name)
**   assertion ::= (assert_return action result*) | (assert_trap action|module msg)
**             | (assert_exhaustion action msg) | (assert_exception action)
**             | (assert_malformed|invalid|unlinkable|uninstantiable module msg)
*/
#include <string.h>

#include "base/kb_alloc.h"
#include "text/ktext_int.h"
#include "text/kwast.h"

typedef KB_VEC(ktext_command) cmd_vec;
typedef KB_VEC(ktext_value) val_vec;

static char *dup_bytes(ktext_p *p, const char *s, size_t n) {
    char *d = kb_strndup(s, n);
    if (d == NULL) ktext_oom(p);
    return d;
}

/* Optional '$id' at the cursor, copied (without '$'). */
static bool opt_id(ktext_p *p, char **out) {
    *out = NULL;
    const ktext_tok *t = ktext_peek(p);
    if (t->kind != KTEXT_T_ID) return true;
    const char *k;
    size_t n;
    if (!ktext_id_key(p, t, &k, &n)) return false;
    p->i++;
    *out = dup_bytes(p, k, n);
    return *out != NULL;
}

/* A string token decoded into a fresh NUL-terminated copy. */
static bool string_copy(ktext_p *p, char **out, size_t *len) {
    const ktext_tok *t = ktext_peek(p);
    if (t->kind != KTEXT_T_STRING) return ktext_unexpected(p);
    const char *s;
    size_t n;
    if (!ktext_string(p, t, &s, &n)) return false;
    p->i++;
    *out = dup_bytes(p, s, n);
    if (len) *len = n;
    return *out != NULL;
}

static void value_free(ktext_value *v) {
    for (size_t i = 0; i < v->alt_count; i++) value_free(&v->alts[i]);
    kb_free(v->alts);
    v->alts = NULL;
    v->alt_count = 0;
}

static void values_free(ktext_value *v, size_t n) {
    for (size_t i = 0; i < n; i++) value_free(&v[i]);
    kb_free(v);
}

/* ------------------------------------------------------------- values */

static int nan_pattern(const ktext_p *p) {
    const ktext_tok *t = ktext_peek(p);
    if (ktext_tok_is(p, t, "nan:canonical")) return KTEXT_NAN_CANONICAL;
    if (ktext_tok_is(p, t, "nan:arithmetic")) return KTEXT_NAN_ARITHMETIC;
    return KTEXT_NAN_NONE;
}

static bool v128_value(ktext_p *p, ktext_value *v, bool result) {
    static const char *const shapes[6] = {"i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"};
    static const unsigned lanes[6] = {16, 8, 4, 2, 4, 2};
    const ktext_tok *t = ktext_peek(p);
    int s = 0;
    while (s < 6 && !ktext_tok_is(p, t, shapes[s])) s++;
    if (s == 6) return ktext_unexpected(p);
    p->i++;
    v->shape = (uint32_t)s;
    unsigned w = 16 / lanes[s];
    for (unsigned l = 0; l < lanes[s]; l++) {
        uint64_t x = 0;
        const ktext_tok *lt = ktext_peek(p);
        if (result && s >= 4 && nan_pattern(p)) {
            v->lane_nan[l] = (uint8_t)nan_pattern(p);
            p->i++;
        } else if (s == 4) {
            uint32_t f;
            if (!ktext_parse_f32(p, &f)) return false;
            x = f;
        } else if (s == 5) {
            if (!ktext_parse_f64(p, &x)) return false;
        } else {
            if (lt->kind != KTEXT_T_ATOM) return ktext_unexpected(p);
            ktext_num_status st = ktext_num_i(p->src + lt->off, lt->len, w * 8, &x);
            if (st != KTEXT_NUM_OK) return ktext_fail(p, lt, st == KTEXT_NUM_RANGE ? "constant out of range" : "unknown operator");
            p->i++;
        }
        for (unsigned k = 0; k < w; k++) v->u.v128[l * w + k] = (uint8_t)(x >> (8 * k));
    }
    return true;
}

static const struct {
    const char *name;
    uint8_t habs;
} heap_kw[] = {
    {"func", 0x70}, {"extern", 0x6F}, {"any", 0x6E}, {"eq", 0x6D}, {"i31", 0x6C}, {"struct", 0x6B},
    {"array", 0x6A}, {"exn", 0x69}, {"noexn", 0x74}, {"nofunc", 0x73}, {"noextern", 0x72},
    {"none", 0x71}, {"cont", 0x68}, {"nocont", 0x75},
};

/* const or result (spec script): '(' kind.const literal ')' or a ref form */
static bool value(ktext_p *p, ktext_value *v, bool result) {
    memset(v, 0, sizeof *v);
    if (!ktext_expect_lpar(p)) return false;
    const ktext_tok *t = ktext_peek(p);
    p->i++;
    bool ok = true;
    if (ktext_tok_is(p, t, "i32.const")) {
        v->kind = KTEXT_VAL_I32;
        ok = ktext_parse_i32(p, &v->u.i32);
    } else if (ktext_tok_is(p, t, "i64.const")) {
        v->kind = KTEXT_VAL_I64;
        ok = ktext_parse_i64(p, &v->u.i64);
    } else if (ktext_tok_is(p, t, "f32.const")) {
        v->kind = KTEXT_VAL_F32;
        if (result && nan_pattern(p)) {
            v->nan = (uint32_t)nan_pattern(p);
            p->i++;
        } else {
            ok = ktext_parse_f32(p, &v->u.f32);
        }
    } else if (ktext_tok_is(p, t, "f64.const")) {
        v->kind = KTEXT_VAL_F64;
        if (result && nan_pattern(p)) {
            v->nan = (uint32_t)nan_pattern(p);
            p->i++;
        } else {
            ok = ktext_parse_f64(p, &v->u.f64);
        }
    } else if (ktext_tok_is(p, t, "v128.const")) {
        v->kind = KTEXT_VAL_V128;
        ok = v128_value(p, v, result);
    } else if (ktext_tok_is(p, t, "ref.null")) {
        v->kind = KTEXT_VAL_REF_NULL;
        const ktext_tok *h = ktext_peek(p);
        if (h->kind == KTEXT_T_ATOM || h->kind == KTEXT_T_ID) {
            for (size_t i = 0; i < sizeof heap_kw / sizeof heap_kw[0]; i++)
                if (ktext_tok_is(p, h, heap_kw[i].name)) v->heap = heap_kw[i].habs;
            p->i++;
        }
    } else if (ktext_tok_is(p, t, "ref.extern") || ktext_tok_is(p, t, "ref.host") ||
               ktext_tok_is(p, t, "ref.func")) {
        v->kind = ktext_tok_is(p, t, "ref.extern") ? KTEXT_VAL_REF_EXTERN
                : ktext_tok_is(p, t, "ref.host")   ? KTEXT_VAL_REF_HOST
                                                    : KTEXT_VAL_REF_FUNC;
        if (ktext_peek(p)->kind == KTEXT_T_ATOM) {
            v->has_payload = true;
            ok = ktext_parse_u64(p, &v->u.ref);
        } else if (ktext_peek(p)->kind == KTEXT_T_ID) {
            p->i++; /* ref.func $f: any function reference */
        }
    } else if (result && ktext_tok_is(p, t, "ref.any")) {
        v->kind = KTEXT_VAL_REF_ANY;
    } else if (result && ktext_tok_is(p, t, "ref.eq")) {
        v->kind = KTEXT_VAL_REF_EQ;
    } else if (result && ktext_tok_is(p, t, "ref.i31")) {
        v->kind = KTEXT_VAL_REF_I31;
    } else if (result && ktext_tok_is(p, t, "ref.struct")) {
        v->kind = KTEXT_VAL_REF_STRUCT;
    } else if (result && ktext_tok_is(p, t, "ref.array")) {
        v->kind = KTEXT_VAL_REF_ARRAY;
    } else if (result && ktext_tok_is(p, t, "ref.exn")) {
        v->kind = KTEXT_VAL_REF_EXN;
    } else if (result && ktext_tok_is(p, t, "either")) {
        v->kind = KTEXT_VAL_EITHER;
        val_vec alts = {0};
        if (++p->depth > KTEXT_MAX_DEPTH) ok = ktext_fail(p, t, "nesting too deep");
        while (ok && ktext_peek(p)->kind == KTEXT_T_LPAR) {
            ktext_value a;
            ok = value(p, &a, true);
            if (ok && !kb_vec_push(&alts, a)) {
                value_free(&a);
                ok = ktext_oom(p);
            }
        }
        p->depth--;
        v->alts = alts.items;
        v->alt_count = alts.len;
    } else {
        p->i--;
        return ktext_fail(p, t, "unexpected token: expected a value");
    }
    return ok && ktext_expect_rpar(p);
}

static bool values(ktext_p *p, ktext_value **out, size_t *count, bool result) {
    val_vec vs = {0};
    bool ok = true;
    while (ok && ktext_peek(p)->kind == KTEXT_T_LPAR) {
        ktext_value v;
        ok = value(p, &v, result);
        if (!ok) {
            value_free(&v);
        } else if (!kb_vec_push(&vs, v)) {
            value_free(&v);
            ok = ktext_oom(p);
        }
    }
    *out = vs.items;
    *count = vs.len;
    return ok;
}

/* ------------------------------------------------------------ actions */

static bool action(ktext_p *p, ktext_action *a) {
    bool invoke = ktext_at_sexpr(p, "invoke");
    if (!invoke && !ktext_at_sexpr(p, "get")) return ktext_unexpected(p);
    p->i += 2;
    a->kind = invoke ? KTEXT_ACT_INVOKE : KTEXT_ACT_GET;
    if (!opt_id(p, &a->module) || !string_copy(p, &a->name, &a->name_len)) return false;
    if (invoke && !values(p, &a->args, &a->arg_count, false)) return false;
    return ktext_expect_rpar(p);
}

static bool at_action(const ktext_p *p) { return ktext_at_sexpr(p, "invoke") || ktext_at_sexpr(p, "get"); }

/* ------------------------------------------------------------ modules */

static bool strings_concat(ktext_p *p, kb_buf *b) {
    while (ktext_peek(p)->kind == KTEXT_T_STRING) {
        if (!ktext_string_decode(p->src, ktext_peek(p), b)) return ktext_oom(p);
        p->i++;
    }
    return true;
}

/*
** '(' 'module' ... ')' at the cursor. Sets *kind to MODULE, MODULE_DEFINITION
** or MODULE_INSTANCE. Text that does not convert is stored as MALFORMED.
*/
static bool module(ktext_p *p, ktext_modsrc *ms, uint32_t *kind, char **ref_id) {
    size_t open = p->i;
    size_t end = ktext_match_close(p, open);
    if (p->t[end - 1].kind != KTEXT_T_RPAR) return ktext_fail(p, &p->t[open], "unclosed module");
    if (!ktext_expect_open(p, "module")) return false;
    *kind = KTEXT_CMD_MODULE;
    if (ktext_tok_is(p, ktext_peek(p), "definition")) {
        p->i++;
        *kind = KTEXT_CMD_MODULE_DEFINITION;
    } else if (ktext_tok_is(p, ktext_peek(p), "instance")) {
        p->i++;
        *kind = KTEXT_CMD_MODULE_INSTANCE;
        if (!opt_id(p, &ms->id)) return false;
        if (ref_id && !opt_id(p, ref_id)) return false;
        return ktext_expect_rpar(p);
    }
    if (!opt_id(p, &ms->id)) return false;
    const ktext_tok *t = ktext_peek(p);
    if (ktext_tok_is(p, t, "binary") || ktext_tok_is(p, t, "quote")) {
        bool quote = ktext_tok_is(p, t, "quote");
        p->i++;
        kb_buf b = {0};
        if (!strings_concat(p, &b)) {
            kb_buf_free(&b);
            return false;
        }
        ms->form = quote ? KTEXT_MODSRC_QUOTE : KTEXT_MODSRC_BINARY;
        ms->bytes = kb_buf_take(&b, &ms->len);
        return ktext_expect_rpar(p);
    }
    kb_buf b = {0};
    if (ktext_module_encode(p, ms->id, ms->id ? strlen(ms->id) : 0, &b) && ktext_expect_rpar(p)) {
        ms->form = KTEXT_MODSRC_BINARY;
        ms->from_text = true;
        ms->bytes = kb_buf_take(&b, &ms->len);
        return true;
    }
    kb_buf_free(&b);
    if (p->err == NULL || (p->err->kind != KB_ERR_MALFORMED && p->err->kind != KB_ERR_INVALID)) return false;
    /* the module text is malformed: keep the message, not a script error */
    ms->form = KTEXT_MODSRC_MALFORMED;
    ms->error_invalid = p->err->kind == KB_ERR_INVALID;
    ms->error = kb_strdup(p->err->message);
    kb_error_free(p->err);
    p->err = NULL;
    if (ms->error == NULL) return ktext_oom(p);
    p->i = end;
    p->depth = 0;
    return true;
}

/* ----------------------------------------------------------- commands */

static void command_free(ktext_command *c) {
    kb_free(c->module.id);
    kb_free(c->module.bytes);
    kb_free(c->module.error);
    kb_free(c->ref_id);
    kb_free(c->name);
    kb_free(c->action.module);
    kb_free(c->action.name);
    values_free(c->action.args, c->action.arg_count);
    kb_free(c->message);
    values_free(c->results, c->result_count);
}

static const struct {
    const char *name;
    uint32_t kind;
} module_asserts[] = {
    {"assert_invalid", KTEXT_CMD_ASSERT_INVALID},
    {"assert_malformed", KTEXT_CMD_ASSERT_MALFORMED},
    {"assert_unlinkable", KTEXT_CMD_ASSERT_UNLINKABLE},
    {"assert_uninstantiable", KTEXT_CMD_ASSERT_UNINSTANTIABLE},
    {"assert_malformed_custom", KTEXT_CMD_ASSERT_MALFORMED_CUSTOM},
    {"assert_invalid_custom", KTEXT_CMD_ASSERT_INVALID_CUSTOM},
};

static bool command(ktext_p *p, ktext_command *c) {
    const ktext_tok *open = ktext_peek(p);
    c->line = open->line;
    if (open->kind != KTEXT_T_LPAR) return ktext_unexpected(p);
    const ktext_tok *kw = ktext_peek2(p);
    if (ktext_tok_is(p, kw, "module")) return module(p, &c->module, &c->kind, &c->ref_id);
    if (at_action(p)) {
        c->kind = KTEXT_CMD_ACTION;
        return action(p, &c->action);
    }
    if (ktext_tok_is(p, kw, "register")) {
        p->i += 2;
        c->kind = KTEXT_CMD_REGISTER;
        return string_copy(p, &c->name, &c->name_len) && opt_id(p, &c->ref_id) && ktext_expect_rpar(p);
    }
    if (ktext_tok_is(p, kw, "assert_return")) {
        p->i += 2;
        c->kind = KTEXT_CMD_ASSERT_RETURN;
        return action(p, &c->action) && values(p, &c->results, &c->result_count, true) && ktext_expect_rpar(p);
    }
    if (ktext_tok_is(p, kw, "assert_trap") || ktext_tok_is(p, kw, "assert_exhaustion")) {
        c->kind = ktext_tok_is(p, kw, "assert_trap") ? KTEXT_CMD_ASSERT_TRAP : KTEXT_CMD_ASSERT_EXHAUSTION;
        p->i += 2;
        if (ktext_at_sexpr(p, "module")) {
            uint32_t k;
            if (!module(p, &c->module, &k, NULL)) return false;
        } else if (!action(p, &c->action)) {
            return false;
        }
        return string_copy(p, &c->message, NULL) && ktext_expect_rpar(p);
    }
    if (ktext_tok_is(p, kw, "assert_exception")) {
        p->i += 2;
        c->kind = KTEXT_CMD_ASSERT_EXCEPTION;
        return action(p, &c->action) && ktext_expect_rpar(p);
    }
    for (size_t i = 0; i < sizeof module_asserts / sizeof module_asserts[0]; i++) {
        if (!ktext_tok_is(p, kw, module_asserts[i].name)) continue;
        p->i += 2;
        c->kind = module_asserts[i].kind;
        uint32_t k;
        if (!module(p, &c->module, &k, NULL)) return false;
        return string_copy(p, &c->message, NULL) && ktext_expect_rpar(p);
    }
    if (kw->kind == KTEXT_T_ATOM) {
        /* thread, wait, input, output, script, ... : skipped */
        c->kind = KTEXT_CMD_UNSUPPORTED;
        c->name = dup_bytes(p, p->src + kw->off, kw->len);
        if (c->name == NULL) return false;
        c->name_len = kw->len;
        p->i = ktext_match_close(p, p->i);
        if (p->t[p->i - 1].kind != KTEXT_T_RPAR) return ktext_unexpected(p);
        return true;
    }
    p->i++;
    return ktext_unexpected(p);
}

kb_error *ktext_wast_parse(const char *src, size_t len, ktext_script **out) {
    if ((src == NULL && len > 0) || out == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "NULL argument");
    ktext_lexed lx = {0};
    kb_error *err = ktext_lex(src ? src : "", len, &lx);
    if (err) return err;
    ktext_p p;
    ktext_p_init(&p, src ? src : "", len, &lx);
    cmd_vec cmds = {0};
    bool ok = true;
    static const char *const fields[] = {"type", "rec", "func", "table", "memory", "global", "tag",
                                         "import", "export", "start", "elem", "data"};
    bool bare = false;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (ktext_at_sexpr(&p, fields[i])) bare = true;
    if (bare) {
        /* A script may be just module fields: one implicit module. */
        ktext_command c;
        memset(&c, 0, sizeof c);
        c.kind = KTEXT_CMD_MODULE;
        c.line = 1;
        kb_buf b = {0};
        ok = ktext_module_encode(&p, NULL, 0, &b) && (ktext_peek(&p)->kind == KTEXT_T_EOF || ktext_unexpected(&p));
        c.module.form = KTEXT_MODSRC_BINARY;
        c.module.from_text = true;
        c.module.bytes = kb_buf_take(&b, &c.module.len);
        if (ok && !kb_vec_push(&cmds, c)) ok = ktext_oom(&p);
        if (!ok) command_free(&c);
    }
    while (ok && ktext_peek(&p)->kind != KTEXT_T_EOF) {
        ktext_command c;
        memset(&c, 0, sizeof c);
        ok = command(&p, &c);
        if (ok && !kb_vec_push(&cmds, c)) ok = ktext_oom(&p);
        if (!ok) command_free(&c);
    }
    ktext_script *s = NULL;
    if (ok) {
        s = kb_calloc(1, sizeof *s);
        if (s == NULL) ok = ktext_oom(&p);
    }
    if (ok) {
        s->commands = cmds.items;
        s->count = cmds.len;
        *out = s;
    } else {
        for (size_t i = 0; i < cmds.len; i++) command_free(&cmds.items[i]);
        kb_vec_free(&cmds);
        err = p.err ? p.err : kb_error_new(KB_ERR_MALFORMED, "malformed script");
    }
    ktext_p_free_arena(&p);
    ktext_lexed_free(&lx);
    return err;
}

void ktext_script_free(ktext_script *script) {
    if (script == NULL) return;
    for (size_t i = 0; i < script->count; i++) command_free(&script->commands[i]);
    kb_free(script->commands);
    kb_free(script);
}
