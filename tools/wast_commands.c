/*
** wast_commands.c -- the script semantics of 'keel wast': one .wast file's
** commands run against a fresh engine, store and linker, following the spec
** interpreter (WebAssembly/spec interpreter/README.md "Scripts"; the
** reference implementation is interpreter/script/run.ml).
**
** Every command counts once: it passes or it fails with a reason. Rules
** that need a decision:
**  - assert_malformed passes when the module is rejected as MALFORMED and
**    assert_invalid when rejected as INVALID: the kind is strict, because a
**    decoder that defers syntax checks to the validator (or the reverse) is
**    a real bug. The one exception is the short table 'phase_ambiguous'
**    below: checks the spec assigns to validation but that a text-to-binary
**    converter must make before it can encode at all.
**  - The expected message of assert_malformed/invalid/unlinkable only has
**    to match in spirit: a different wording is a note shown with
**    --verbose, never a failure (the reference interpreter's own wording
**    changes between versions).
**  - Trap messages (assert_trap, assert_exhaustion, traps at
**    instantiation) must match: the expected text must be contained in the
**    actual message.
**  - Commands the runner does not support (thread, wait, script, input,
**    output, ...) fail with "unsupported command", so they show up in the
**    counts instead of passing silently.
*/
#include "kcli_invoke.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "text/kwast.h"

#define MAX_VALUES 1024

typedef struct named_inst {
    char *name;
    keel_instance *inst;
} named_inst;

typedef struct named_def {
    char *name; /* NULL for an anonymous definition */
    keel_module *module;
} named_def;

typedef struct wenv {
    const kcli_opts *opts;
    kcli_report *r;
    keel_engine *engine;
    keel_store *store;
    keel_linker *linker;
    keel_instance *current; /* the last instantiated module (borrowed from 'insts') */
    named_inst *insts;      /* every instance made, named or not (owned handles) */
    size_t ninsts;
    named_def *defs;
    size_t ndefs;
    kcli_ctx ctx; /* value conversions (anyref helper) */
} wenv;

/* ------------------------------------------------------------ values */

static void heap_of(uint8_t byte, uint32_t *heap) {
    switch (byte) {
    case 0x70: case 0x73: *heap = KCLI_HEAP_FUNC; break;
    case 0x6F: case 0x72: *heap = KCLI_HEAP_EXTERN; break;
    case 0x69: case 0x74: *heap = KCLI_HEAP_EXN; break;
    case 0: *heap = KCLI_HEAP_ANY; break;
    default: *heap = KCLI_HEAP_ANYREF; break;
    }
}

/* Converts a script value (argument or result pattern) to a runner pattern.
** EITHER alternatives are allocated: release with free_pattern. */
static bool to_pattern(const ktext_value *tv, kcli_pattern *p) {
    memset(p, 0, sizeof *p);
    kcli_value *v = &p->val;
    switch (tv->kind) {
    case KTEXT_VAL_I32: v->type = KCLI_T_I32; v->lo = tv->u.i32; break;
    case KTEXT_VAL_I64: v->type = KCLI_T_I64; v->lo = tv->u.i64; break;
    case KTEXT_VAL_F32:
        v->type = KCLI_T_F32;
        v->lo = tv->u.f32;
        if (tv->nan) {
            p->pat = KCLI_PAT_NAN;
            p->nan = tv->nan == KTEXT_NAN_CANONICAL ? KCLI_NAN_CANONICAL : KCLI_NAN_ARITHMETIC;
        }
        break;
    case KTEXT_VAL_F64:
        v->type = KCLI_T_F64;
        v->lo = tv->u.f64;
        if (tv->nan) {
            p->pat = KCLI_PAT_NAN;
            p->nan = tv->nan == KTEXT_NAN_CANONICAL ? KCLI_NAN_CANONICAL : KCLI_NAN_ARITHMETIC;
        }
        break;
    case KTEXT_VAL_V128: {
        v->type = KCLI_T_V128;
        for (int i = 0; i < 8; i++) {
            v->lo |= (uint64_t)tv->u.v128[i] << (8 * i);
            v->hi |= (uint64_t)tv->u.v128[8 + i] << (8 * i);
        }
        /* ORDER KCLI_SHAPE equals ORDER ktext_shape. */
        p->shape = tv->shape;
        unsigned lanes = tv->shape == KTEXT_SHAPE_F32X4 ? 4 : tv->shape == KTEXT_SHAPE_F64X2 ? 2 : 0;
        for (unsigned i = 0; i < lanes; i++) {
            p->lane_nan[i] = tv->lane_nan[i] == KTEXT_NAN_CANONICAL    ? KCLI_NAN_CANONICAL
                             : tv->lane_nan[i] == KTEXT_NAN_ARITHMETIC ? KCLI_NAN_ARITHMETIC
                                                                       : KCLI_NAN_NONE;
            if (p->lane_nan[i]) p->pat = KCLI_PAT_LANES;
        }
        break;
    }
    case KTEXT_VAL_REF_NULL:
        v->type = KCLI_T_REF;
        v->ref = KCLI_REF_NULL;
        heap_of(tv->heap, &v->heap);
        p->pat = KCLI_PAT_REF_NULL;
        break;
    case KTEXT_VAL_REF_EXTERN:
        v->type = KCLI_T_REF;
        v->ref = KCLI_REF_EXTERN;
        v->heap = KCLI_HEAP_EXTERN;
        v->lo = tv->u.ref;
        if (!tv->has_payload) p->pat = KCLI_PAT_REF_EXTERN;
        break;
    case KTEXT_VAL_REF_HOST:
        v->type = KCLI_T_REF;
        v->ref = KCLI_REF_HOST;
        v->heap = KCLI_HEAP_ANYREF;
        v->lo = tv->u.ref;
        break;
    case KTEXT_VAL_REF_FUNC: v->type = KCLI_T_REF; v->ref = KCLI_REF_FUNC; p->pat = KCLI_PAT_REF_FUNC; break;
    case KTEXT_VAL_REF_ANY: v->type = KCLI_T_REF; p->pat = KCLI_PAT_REF_ANY; break;
    case KTEXT_VAL_REF_EQ: v->type = KCLI_T_REF; p->pat = KCLI_PAT_REF_EQ; break;
    case KTEXT_VAL_REF_I31: v->type = KCLI_T_REF; p->pat = KCLI_PAT_REF_I31; break;
    case KTEXT_VAL_REF_STRUCT: v->type = KCLI_T_REF; p->pat = KCLI_PAT_REF_STRUCT; break;
    case KTEXT_VAL_REF_ARRAY: v->type = KCLI_T_REF; p->pat = KCLI_PAT_REF_ARRAY; break;
    case KTEXT_VAL_REF_EXN: v->type = KCLI_T_REF; p->pat = KCLI_PAT_REF_EXN; break;
    case KTEXT_VAL_EITHER: {
        p->pat = KCLI_PAT_EITHER;
        p->alts = calloc(tv->alt_count ? tv->alt_count : 1, sizeof *p->alts);
        if (!p->alts) return false;
        p->alt_count = tv->alt_count;
        for (size_t i = 0; i < tv->alt_count; i++)
            if (!to_pattern(&tv->alts[i], &p->alts[i])) return false;
        break;
    }
    default:
        return false;
    }
    return true;
}

static void free_pattern(kcli_pattern *p) {
    if (p->pat != KCLI_PAT_EITHER) return;
    for (size_t i = 0; i < p->alt_count; i++) free_pattern(&p->alts[i]);
    free(p->alts);
    p->alts = NULL;
}

/* ---------------------------------------------------------- instances */

static keel_instance *find_instance(wenv *w, const char *name) {
    if (!name) return w->current;
    for (size_t i = w->ninsts; i-- > 0;)
        if (w->insts[i].name && strcmp(w->insts[i].name, name) == 0) return w->insts[i].inst;
    return NULL;
}

static bool add_instance(wenv *w, const char *name, keel_instance *inst) {
    named_inst *more = realloc(w->insts, (w->ninsts + 1) * sizeof *more);
    if (!more) return false;
    w->insts = more;
    w->insts[w->ninsts].name = name ? strdup(name) : NULL;
    w->insts[w->ninsts].inst = inst;
    w->ninsts++;
    w->current = inst;
    return true;
}

/* Compiles a module source. Text that did not convert is a MALFORMED error. */
static keel_error *compile(wenv *w, const ktext_modsrc *src, keel_module **out) {
    *out = NULL;
    switch (src->form) {
    case KTEXT_MODSRC_BINARY:
        return keel_module_new(w->engine, src->bytes, src->len, out);
    case KTEXT_MODSRC_QUOTE:
        return keel_module_new_wat(w->engine, (const char *)src->bytes, src->len, out);
    case KTEXT_MODSRC_MALFORMED:
        /* The parser already tried; its message stands (see compile_kind). */
        return keel_error_new_host(NULL, NULL, src->error ? src->error : "text did not convert");
    default:
        return keel_error_new_host(NULL, NULL, "no module");
    }
}

/* The kind of a compile error; text that did not convert counts as malformed. */
static keel_errkind compile_kind(const ktext_modsrc *src, const keel_error *err) {
    if (src->form == KTEXT_MODSRC_MALFORMED)
        return src->error_invalid ? KEEL_ERROR_INVALID : KEEL_ERROR_MALFORMED;
    return keel_error_kind(err);
}

static keel_error *instantiate(wenv *w, keel_module *module, keel_instance **out) {
    return keel_linker_instantiate(w->linker, w->store, module, out);
}

/* ------------------------------------------------------------ actions */

/* Runs an action; on success 'results' holds 'nres' values. */
static keel_error *run_action(wenv *w, const ktext_action *a, kcli_value *results,
                              size_t *nres) {
    *nres = 0;
    keel_instance *inst = find_instance(w, a->module);
    if (!inst)
        return keel_error_new_host(NULL, NULL, a->module ? "unknown module" : "no current module");
    if (a->kind == KTEXT_ACT_GET) {
        keel_global *g = NULL;
        keel_error *err = keel_instance_export_global(inst, a->name, a->name_len, &g);
        if (err || !g) {
            keel_error_free(err);
            return keel_error_new_host(NULL, NULL, "unknown global export");
        }
        keel_val kv;
        err = keel_global_get(g, &kv);
        keel_global_release(g);
        if (err) return err;
        kcli_from_keel(&w->ctx, &kv, &results[0]);
        *nres = 1;
        return NULL;
    }
    if (a->arg_count > MAX_VALUES) return keel_error_new_host(NULL, NULL, "too many arguments");
    kcli_value *args = calloc(a->arg_count ? a->arg_count : 1, sizeof *args);
    if (!args) return keel_error_new_host(NULL, NULL, "out of memory");
    for (size_t i = 0; i < a->arg_count; i++) {
        kcli_pattern p;
        if (!to_pattern(&a->args[i], &p) || p.pat == KCLI_PAT_EITHER) {
            free_pattern(&p);
            free(args);
            return keel_error_new_host(NULL, NULL, "unsupported argument");
        }
        args[i] = p.val;
    }
    keel_func *f = NULL;
    keel_error *err = keel_instance_export_func(inst, a->name, a->name_len, &f);
    if (err || !f) {
        keel_error_free(err);
        free(args);
        return keel_error_new_host(NULL, NULL, "unknown function export");
    }
    err = kcli_call(&w->ctx, f, args, a->arg_count, results, MAX_VALUES, nres);
    keel_func_release(f);
    free(args);
    return err;
}

static const char *cmd_name(uint32_t kind) {
    static const char *names[] = {"?", "module", "module definition", "module instance",
                                  "register", "action", "assert_return", "assert_trap",
                                  "assert_exhaustion", "assert_exception", "assert_invalid",
                                  "assert_malformed", "assert_unlinkable",
                                  "assert_uninstantiable", "assert_malformed_custom",
                                  "assert_invalid_custom", "unsupported"}; /* ORDER CMD */
    return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

/* "KIND: MESSAGE" of an error, for failure reports. */
static const char *describe(const keel_error *err, char *buf, size_t size) {
    /* The runner's own complaints travel as payload-less host errors. */
    bool runner = keel_error_kind(err) == KEEL_ERROR_HOST && !keel_error_host_payload(err);
    snprintf(buf, size, "%s: %s", runner ? "runner" : keel_error_kind_name(keel_error_kind(err)),
             keel_error_message(err));
    return buf;
}

static const char *action_label(const ktext_action *a, char *buf, size_t size) {
    snprintf(buf, size, "%s \"%s\"", a->kind == KTEXT_ACT_GET ? "get" : "invoke",
             a->name ? a->name : "");
    return buf;
}

/* -------------------------------------------------------- assertions */

/*
** Checks the spec assigns to validation that a text-to-binary converter has
** to make (it cannot encode a type use it cannot resolve). Only for modules
** written as text. Keep this list short.
*/
static const char *const phase_ambiguous[] = {
    "unknown type",
};

static bool ambiguous(const ktext_modsrc *src, const char *message) {
    if (!message || !src->from_text) return false;
    for (size_t i = 0; i < sizeof phase_ambiguous / sizeof phase_ambiguous[0]; i++)
        if (strstr(message, phase_ambiguous[i])) return true;
    return false;
}

static bool contains(const char *actual, const char *expected) {
    return !expected || !*expected || (actual && strstr(actual, expected));
}

static void note_message(wenv *w, const ktext_command *c, const char *actual) {
    if (c->message && !contains(actual, c->message))
        kcli_report_note(w->r, c->line, "%s: expected message \"%s\", got \"%s\"",
                         cmd_name(c->kind), c->message, actual ? actual : "");
}

/* assert_malformed / assert_invalid (and the _custom variants). */
static void assert_rejected(wenv *w, const ktext_command *c, keel_errkind want) {
    keel_module *m = NULL;
    keel_error *err = compile(w, &c->module, &m);
    if (!err) {
        keel_module_release(m);
        kcli_report_fail(w->r, c->line, "%s: module was accepted, expected %s \"%s\"",
                         cmd_name(c->kind), want == KEEL_ERROR_MALFORMED ? "malformed" : "invalid",
                         c->message ? c->message : "");
        return;
    }
    keel_errkind got = compile_kind(&c->module, err);
    const char *msg = c->module.form == KTEXT_MODSRC_MALFORMED ? c->module.error
                                                                : keel_error_message(err);
    if (got == want || ((got == KEEL_ERROR_MALFORMED || got == KEEL_ERROR_INVALID) &&
                        ambiguous(&c->module, c->message))) {
        note_message(w, c, msg);
        kcli_report_pass(w->r);
    } else {
        kcli_report_fail(w->r, c->line, "%s: expected %s \"%s\", got %s: %s", cmd_name(c->kind),
                         want == KEEL_ERROR_MALFORMED ? "malformed" : "invalid",
                         c->message ? c->message : "",
                         got == KEEL_ERROR_MALFORMED ? "malformed"
                                                     : keel_error_kind_name(got),
                         msg ? msg : "");
    }
    keel_error_free(err);
}

/* assert_unlinkable / assert_uninstantiable / assert_trap on a module. */
static void assert_module_fails(wenv *w, const ktext_command *c, keel_errkind want) {
    keel_module *m = NULL;
    keel_instance *inst = NULL;
    char buf[512];
    keel_error *err = compile(w, &c->module, &m);
    if (err) {
        kcli_report_fail(w->r, c->line, "%s: module did not compile: %s", cmd_name(c->kind),
                         describe(err, buf, sizeof buf));
        keel_error_free(err);
        return;
    }
    err = instantiate(w, m, &inst);
    keel_module_release(m);
    if (!err) {
        /* The spec keeps no handle on it; the store owns it until the end. */
        keel_instance_release(inst);
        kcli_report_fail(w->r, c->line, "%s: module instantiated, expected %s \"%s\"",
                         cmd_name(c->kind), keel_error_kind_name(want),
                         c->message ? c->message : "");
        return;
    }
    keel_errkind got = keel_error_kind(err);
    if (got != want) {
        kcli_report_fail(w->r, c->line, "%s: expected %s \"%s\", got %s", cmd_name(c->kind),
                         keel_error_kind_name(want), c->message ? c->message : "",
                         describe(err, buf, sizeof buf));
    } else if (want == KEEL_ERROR_TRAP && !contains(keel_error_message(err), c->message)) {
        kcli_report_fail(w->r, c->line, "%s: expected trap \"%s\", got trap \"%s\"",
                         cmd_name(c->kind), c->message, keel_error_message(err));
    } else {
        note_message(w, c, keel_error_message(err));
        kcli_report_pass(w->r);
    }
    keel_error_free(err);
}

static void assert_return(wenv *w, const ktext_command *c) {
    kcli_value *res = calloc(MAX_VALUES, sizeof *res);
    char buf[512], label[300];
    size_t nres = 0;
    if (!res) {
        kcli_report_fail(w->r, c->line, "out of memory");
        return;
    }
    keel_error *err = run_action(w, &c->action, res, &nres);
    action_label(&c->action, label, sizeof label);
    if (err) {
        kcli_report_fail(w->r, c->line, "assert_return %s: %s", label,
                         describe(err, buf, sizeof buf));
        keel_error_free(err);
        free(res);
        return;
    }
    if (nres != c->result_count) {
        kcli_report_fail(w->r, c->line, "assert_return %s: expected %zu results, got %zu", label,
                         c->result_count, nres);
        free(res);
        return;
    }
    for (size_t i = 0; i < nres; i++) {
        kcli_pattern p;
        if (!to_pattern(&c->results[i], &p)) {
            free_pattern(&p);
            kcli_report_fail(w->r, c->line, "assert_return %s: unsupported result pattern", label);
            free(res);
            return;
        }
        bool ok = kcli_value_matches(&res[i], &p);
        if (!ok) {
            char want[256], got[256];
            kcli_format_pattern(&p, want, sizeof want);
            kcli_format_value(&res[i], got, sizeof got);
            free_pattern(&p);
            kcli_report_fail(w->r, c->line, "assert_return %s: result %zu: expected %s, got %s",
                             label, i, want, got);
            free(res);
            return;
        }
        free_pattern(&p);
    }
    free(res);
    kcli_report_pass(w->r);
}

/* assert_trap / assert_exhaustion / assert_exception on an action. */
static void assert_action_fails(wenv *w, const ktext_command *c) {
    kcli_value *res = calloc(MAX_VALUES, sizeof *res);
    char buf[512], label[300];
    size_t nres = 0;
    if (!res) {
        kcli_report_fail(w->r, c->line, "out of memory");
        return;
    }
    keel_error *err = run_action(w, &c->action, res, &nres);
    free(res);
    action_label(&c->action, label, sizeof label);
    const char *what = cmd_name(c->kind);
    if (!err) {
        kcli_report_fail(w->r, c->line, "%s %s: returned normally, expected %s \"%s\"", what,
                         label, c->kind == KTEXT_CMD_ASSERT_EXCEPTION ? "exception" : "trap",
                         c->message ? c->message : "");
        return;
    }
    keel_errkind kind = keel_error_kind(err);
    bool ok;
    if (c->kind == KTEXT_CMD_ASSERT_EXCEPTION) {
        ok = kind == KEEL_ERROR_EXCEPTION;
    } else if (c->kind == KTEXT_CMD_ASSERT_EXHAUSTION) {
        ok = kind == KEEL_ERROR_TRAP && (keel_error_trap_code(err) == KEEL_TRAP_STACK_EXHAUSTED ||
                                         contains(keel_error_message(err), c->message));
    } else {
        ok = kind == KEEL_ERROR_TRAP && contains(keel_error_message(err), c->message);
    }
    if (ok) kcli_report_pass(w->r);
    else
        kcli_report_fail(w->r, c->line, "%s %s: expected \"%s\", got %s", what, label,
                         c->message ? c->message : "exception", describe(err, buf, sizeof buf));
    keel_error_free(err);
}

/* ------------------------------------------------------------- modules */

static void cmd_module(wenv *w, const ktext_command *c) {
    keel_module *m = NULL;
    keel_instance *inst = NULL;
    char buf[512];
    keel_error *err = compile(w, &c->module, &m);
    if (err) {
        const char *msg = c->module.form == KTEXT_MODSRC_MALFORMED ? c->module.error : NULL;
        if (msg) kcli_report_fail(w->r, c->line, "module: text did not convert: %s", msg);
        else kcli_report_fail(w->r, c->line, "module: %s", describe(err, buf, sizeof buf));
        keel_error_free(err);
        /* The spec's later commands address this module; keep them failing
        ** cleanly ("no current module") instead of hitting the previous one. */
        w->current = NULL;
        return;
    }
    if (c->kind == KTEXT_CMD_MODULE_DEFINITION) {
        named_def *more = realloc(w->defs, (w->ndefs + 1) * sizeof *more);
        if (!more) {
            keel_module_release(m);
            kcli_report_fail(w->r, c->line, "out of memory");
            return;
        }
        w->defs = more;
        w->defs[w->ndefs].name = c->module.id ? strdup(c->module.id) : NULL;
        w->defs[w->ndefs].module = m;
        w->ndefs++;
        kcli_report_pass(w->r);
        return;
    }
    err = instantiate(w, m, &inst);
    keel_module_release(m);
    if (err) {
        kcli_report_fail(w->r, c->line, "module: instantiation failed: %s",
                         describe(err, buf, sizeof buf));
        keel_error_free(err);
        w->current = NULL;
        return;
    }
    if (!add_instance(w, c->module.id, inst)) {
        keel_instance_release(inst);
        kcli_report_fail(w->r, c->line, "out of memory");
        return;
    }
    kcli_report_pass(w->r);
}

static void cmd_module_instance(wenv *w, const ktext_command *c) {
    keel_module *m = NULL;
    for (size_t i = w->ndefs; i-- > 0;) {
        if (!c->ref_id || (w->defs[i].name && strcmp(w->defs[i].name, c->ref_id) == 0)) {
            m = w->defs[i].module;
            break;
        }
    }
    if (!m) {
        kcli_report_fail(w->r, c->line, "module instance: unknown definition $%s",
                         c->ref_id ? c->ref_id : "");
        return;
    }
    keel_instance *inst = NULL;
    char buf[512];
    keel_error *err = instantiate(w, m, &inst);
    if (err) {
        kcli_report_fail(w->r, c->line, "module instance: %s", describe(err, buf, sizeof buf));
        keel_error_free(err);
        w->current = NULL;
        return;
    }
    if (!add_instance(w, c->module.id, inst)) {
        keel_instance_release(inst);
        kcli_report_fail(w->r, c->line, "out of memory");
        return;
    }
    kcli_report_pass(w->r);
}

static void cmd_register(wenv *w, const ktext_command *c) {
    keel_instance *inst = find_instance(w, c->ref_id);
    if (!inst) {
        kcli_report_fail(w->r, c->line, "register: unknown module %s", c->ref_id ? c->ref_id : "(current)");
        return;
    }
    char buf[512];
    keel_error *err = keel_linker_define_instance(w->linker, c->name, c->name_len, inst);
    if (err) {
        kcli_report_fail(w->r, c->line, "register: %s", describe(err, buf, sizeof buf));
        keel_error_free(err);
        return;
    }
    kcli_report_pass(w->r);
}

static void run_command(wenv *w, const ktext_command *c) {
    kcli_value *res;
    size_t nres;
    char buf[512];
    switch (c->kind) {
    case KTEXT_CMD_MODULE:
    case KTEXT_CMD_MODULE_DEFINITION: cmd_module(w, c); return;
    case KTEXT_CMD_MODULE_INSTANCE: cmd_module_instance(w, c); return;
    case KTEXT_CMD_REGISTER: cmd_register(w, c); return;
    case KTEXT_CMD_ACTION: {
        res = calloc(MAX_VALUES, sizeof *res);
        keel_error *err = res ? run_action(w, &c->action, res, &nres)
                              : keel_error_new_host(NULL, NULL, "out of memory");
        free(res);
        if (err) {
            kcli_report_fail(w->r, c->line, "%s: %s", c->action.name ? c->action.name : "",
                             describe(err, buf, sizeof buf));
            keel_error_free(err);
        } else {
            kcli_report_pass(w->r);
        }
        return;
    }
    case KTEXT_CMD_ASSERT_RETURN: assert_return(w, c); return;
    case KTEXT_CMD_ASSERT_TRAP:
        if (c->action.kind) assert_action_fails(w, c);
        else assert_module_fails(w, c, KEEL_ERROR_TRAP);
        return;
    case KTEXT_CMD_ASSERT_EXHAUSTION:
    case KTEXT_CMD_ASSERT_EXCEPTION: assert_action_fails(w, c); return;
    case KTEXT_CMD_ASSERT_INVALID:
    case KTEXT_CMD_ASSERT_INVALID_CUSTOM: assert_rejected(w, c, KEEL_ERROR_INVALID); return;
    case KTEXT_CMD_ASSERT_MALFORMED:
    case KTEXT_CMD_ASSERT_MALFORMED_CUSTOM: assert_rejected(w, c, KEEL_ERROR_MALFORMED); return;
    case KTEXT_CMD_ASSERT_UNLINKABLE: assert_module_fails(w, c, KEEL_ERROR_UNLINKABLE); return;
    case KTEXT_CMD_ASSERT_UNINSTANTIABLE: assert_module_fails(w, c, KEEL_ERROR_TRAP); return;
    default:
        kcli_report_fail(w->r, c->line, "unsupported command '%s'", c->name ? c->name : "?");
        return;
    }
}

/* ------------------------------------------------------------- driver */

static void wenv_free(wenv *w) {
    kcli_ctx_free(&w->ctx);
    for (size_t i = 0; i < w->ninsts; i++) {
        keel_instance_release(w->insts[i].inst);
        free(w->insts[i].name);
    }
    free(w->insts);
    for (size_t i = 0; i < w->ndefs; i++) {
        keel_module_release(w->defs[i].module);
        free(w->defs[i].name);
    }
    free(w->defs);
    keel_linker_free(w->linker);
    keel_store_release(w->store);
    keel_engine_release(w->engine);
}

int kcli_wast_run_script(const char *path, const kcli_opts *opts, kcli_report *r) {
    char msg[512];
    size_t len;
    char *src = kcli_read_file(path, &len, msg, sizeof msg);
    if (!src) {
        kcli_report_total(r, 1);
        kcli_report_fail(r, 0, "%s", msg);
        return -1;
    }
    ktext_script *script = NULL;
    kb_error *perr = ktext_wast_parse(src, len, &script);
    free(src);
    if (perr) {
        kcli_report_total(r, 1);
        kcli_report_fail(r, 0, "script does not parse: %s", perr->message);
        kb_error_free(perr);
        return -1;
    }
    kcli_report_total(r, script->count);

    wenv w;
    memset(&w, 0, sizeof w);
    w.opts = opts;
    w.r = r;
    char buf[512];
    keel_error *err = keel_engine_new(NULL, &w.engine);
    if (!err) err = keel_store_new(w.engine, &w.store);
    if (!err) err = keel_linker_new(w.engine, &w.linker);
    kcli_ctx_init(&w.ctx, w.engine, w.store);
    if (!err) {
        /* Scripts register the same name more than once (later wins). */
        keel_linker_allow_shadowing(w.linker, true);
        err = kcli_spectest_define(w.linker, w.engine, w.store, opts->verbose);
    }
    if (err) {
        kcli_report_fail(r, 0, "cannot set up the engine: %s", describe(err, buf, sizeof buf));
        keel_error_free(err);
        wenv_free(&w);
        ktext_script_free(script);
        return -1;
    }
    /*
    ** Test hook for the runner's crash isolation (tests/spec/test_cli.sh):
    ** KEEL_WAST_SELFTEST_CRASH=N makes this child die by SIGSEGV at command N.
    */
    const char *crash = getenv("KEEL_WAST_SELFTEST_CRASH");
    size_t crash_at = crash ? (size_t)strtoul(crash, NULL, 10) : 0;
    for (size_t i = 0; i < script->count; i++) {
        const ktext_command *c = &script->commands[i];
        kcli_report_begin(r, c->line);
        if (i + 1 == crash_at) {
            signal(SIGSEGV, SIG_DFL); /* past any sanitizer handler */
            raise(SIGSEGV);
        }
        run_command(&w, c);
    }
    wenv_free(&w);
    ktext_script_free(script);
    return 0;
}
