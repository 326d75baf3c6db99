/*
** kapi_wasi.c -- the WASI part of the ABI (keel/wasi.h) over engine/wasi.
**
** A keel_wasi_config wraps a kwasi_config. keel_linker_define_wasi makes a
** kwasi_ctx from it and one host function per WASI function in the store;
** each function retains the context until the store is freed (DESIGN.md
** rule 2: the store owns what its functions use), and the keel_wasi the
** caller gets is one more reference, for reading captured output.
*/
#include "kapi_int.h"

#include <string.h>

#include "keel/wasi.h"
#include "wasi/kwasi.h"

#define ERR(kind, ...) ((keel_error *)kb_error_new((kind), __VA_ARGS__))

#define WASI_CONFIG_MAGIC 0x4B574346u /* "KWCF" */
#define WASI_MAGIC 0x4B574358u        /* "KWCX" */

struct keel_wasi_config {
    uint32_t magic;
    kwasi_config c;
};

struct keel_wasi {
    uint32_t magic;
    kwasi_ctx *ctx;  /* one reference */
};

static kb_error *check_config(const keel_wasi_config *c) {
    if (c == NULL) return kb_error_new(KB_ERR_INVALID_ARGUMENT, "WASI config is NULL");
    if (c->magic != WASI_CONFIG_MAGIC) return kb_error_new(KB_ERR_INVALID_HANDLE, "invalid handle: not a WASI config");
    return NULL;
}

KEEL_API keel_error *keel_wasi_config_new(keel_wasi_config **out) {
    if (out == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "out is NULL");
    keel_wasi_config *c = kb_calloc(1, sizeof *c);
    if (c == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    c->magic = WASI_CONFIG_MAGIC;
    kwasi_config_init(&c->c);
    *out = c;
    return NULL;
}

KEEL_API void keel_wasi_config_free(keel_wasi_config *config) {
    if (config == NULL || config->magic != WASI_CONFIG_MAGIC) return;
    kwasi_config_clear(&config->c);
    config->magic = 0;
    kb_free(config);
}

KEEL_API keel_error *keel_wasi_config_push_arg(keel_wasi_config *config, const char *arg) {
    kb_error *err = check_config(config);
    return (keel_error *)(err ? err : kwasi_config_push_arg(&config->c, arg));
}

KEEL_API keel_error *keel_wasi_config_set_args(keel_wasi_config *config, const char *const *argv, size_t argc) {
    kb_error *err = check_config(config);
    if (err) return (keel_error *)err;
    if (argv == NULL && argc != 0) return ERR(KB_ERR_INVALID_ARGUMENT, "argv is NULL");
    for (size_t i = 0; i < argc; i++)
        if (argv[i] == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "argv[%zu] is NULL", i);
    for (size_t i = 0; i < config->c.args.len; i++) kb_free(config->c.args.items[i]);
    config->c.args.len = 0;
    for (size_t i = 0; i < argc; i++)
        if ((err = kwasi_config_push_arg(&config->c, argv[i])) != NULL) return (keel_error *)err;
    return NULL;
}

KEEL_API keel_error *keel_wasi_config_push_env(keel_wasi_config *config, const char *name, const char *value) {
    kb_error *err = check_config(config);
    return (keel_error *)(err ? err : kwasi_config_push_env(&config->c, name, value));
}

KEEL_API keel_error *keel_wasi_config_push_env_spec(keel_wasi_config *config, const char *spec) {
    kb_error *err = check_config(config);
    if (err) return (keel_error *)err;
    if (spec == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "environment spec is NULL");
    const char *eq = strchr(spec, '=');
    if (eq == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "environment spec '%s' is not NAME=VALUE", spec);
    char *name = kb_strndup(spec, (size_t)(eq - spec));
    if (name == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    err = kwasi_config_push_env(&config->c, name, eq + 1);
    kb_free(name);
    return (keel_error *)err;
}

extern char **environ;

KEEL_API keel_error *keel_wasi_config_inherit_env(keel_wasi_config *config) {
    kb_error *err = check_config(config);
    if (err) return (keel_error *)err;
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (eq == NULL || eq == *e) continue; /* not NAME=VALUE: not representable */
        char *name = kb_strndup(*e, (size_t)(eq - *e));
        if (name == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
        err = kwasi_config_push_env(&config->c, name, eq + 1);
        kb_free(name);
        if (err) return (keel_error *)err;
    }
    return NULL;
}

KEEL_API keel_error *keel_wasi_config_preopen_dir(keel_wasi_config *config, const char *host_path,
                                                  const char *guest_path, bool read_only) {
    kb_error *err = check_config(config);
    return (keel_error *)(err ? err : kwasi_config_push_preopen(&config->c, host_path, guest_path, read_only));
}

KEEL_API keel_error *keel_wasi_config_preopen_dir_spec(keel_wasi_config *config, const char *spec,
                                                       bool read_only) {
    kb_error *err = check_config(config);
    if (err) return (keel_error *)err;
    if (spec == NULL || spec[0] == '\0') return ERR(KB_ERR_INVALID_ARGUMENT, "directory spec is empty");
    const char *sep = strstr(spec, "::");
    if (sep == NULL) return (keel_error *)kwasi_config_push_preopen(&config->c, spec, spec, read_only);
    char *host = kb_strndup(spec, (size_t)(sep - spec));
    if (host == NULL) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    err = kwasi_config_push_preopen(&config->c, host, sep + 2, read_only);
    kb_free(host);
    return (keel_error *)err;
}

KEEL_API keel_error *keel_wasi_config_preopen_socket(keel_wasi_config *config, int host_fd) {
    kb_error *err = check_config(config);
    if (err) return (keel_error *)err;
    if (host_fd < 0) return ERR(KB_ERR_INVALID_ARGUMENT, "socket fd %d is negative", host_fd);
    if (!kb_vec_push(&config->c.sockets, host_fd)) return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    return NULL;
}

KEEL_API keel_error *keel_wasi_config_inherit_stdio(keel_wasi_config *config, keel_wasi_stream which) {
    kb_error *err = check_config(config);
    return (keel_error *)(err ? err : kwasi_config_set_stdio(&config->c, which, KWASI_STDIO_INHERIT, NULL, NULL, 0));
}

KEEL_API keel_error *keel_wasi_config_stdio_file(keel_wasi_config *config, keel_wasi_stream which,
                                                 const char *path) {
    kb_error *err = check_config(config);
    return (keel_error *)(err ? err : kwasi_config_set_stdio(&config->c, which, KWASI_STDIO_FILE, path, NULL, 0));
}

KEEL_API keel_error *keel_wasi_config_stdio_fd(keel_wasi_config *config, keel_wasi_stream which, int host_fd) {
    kb_error *err = check_config(config);
    return (keel_error *)(err ? err : kwasi_config_set_stdio_fd(&config->c, which, host_fd));
}

KEEL_API keel_error *keel_wasi_config_stdin_bytes(keel_wasi_config *config, const uint8_t *bytes, size_t len) {
    kb_error *err = check_config(config);
    return (keel_error *)(err ? err : kwasi_config_set_stdio(&config->c, 0, KWASI_STDIO_BUFFER, NULL, bytes, len));
}

KEEL_API keel_error *keel_wasi_config_capture_stdout(keel_wasi_config *config) {
    kb_error *err = check_config(config);
    return (keel_error *)(err ? err : kwasi_config_set_stdio(&config->c, 1, KWASI_STDIO_BUFFER, NULL, NULL, 0));
}

KEEL_API keel_error *keel_wasi_config_capture_stderr(keel_wasi_config *config) {
    kb_error *err = check_config(config);
    return (keel_error *)(err ? err : kwasi_config_set_stdio(&config->c, 2, KWASI_STDIO_BUFFER, NULL, NULL, 0));
}

/* ---------------------------------------------------------------- linking */

KEEL_API keel_error *keel_linker_define_wasi(keel_linker *linker, keel_store *store,
                                             const keel_wasi_config *config, keel_wasi **out) {
    kb_error *err = kapi_check(linker, KEEL_HANDLE_LINKER, "linker");
    if (err == NULL) err = kapi_check(store, KEEL_HANDLE_STORE, "store");
    if (err == NULL) err = check_config(config);
    if (err) return (keel_error *)err;
    if (out) *out = NULL;
    kapi_store *s = ((kapi_handle *)store)->store;
    kwasi_ctx *ctx;
    if ((err = kwasi_ctx_new(&config->c, &ctx)) != NULL) return (keel_error *)err;
    keel_wasi *w = NULL;
    if (out && (w = kb_calloc(1, sizeof *w)) == NULL) {
        kwasi_ctx_release(ctx);
        return ERR(KB_ERR_OUT_OF_MEMORY, "out of memory");
    }
    size_t n = kwasi_func_count();
    for (size_t i = 0; i < n && err == NULL; i++) {
        /* The handle first, so that no failure can follow the store taking the function. */
        kapi_handle *h = kapi_handle_new(KEEL_HANDLE_FUNC, s, NULL);
        if (h == NULL) {
            err = kb_error_new(KB_ERR_OUT_OF_MEMORY, "out of memory");
            break;
        }
        krt_func *f = NULL;
        if ((err = kapi_store_lock(s, false)) == NULL) {
            err = kwasi_func_new(ctx, s->krt, i, &f);
            kapi_store_unlock(s);
        }
        if (err == NULL) {
            h->u.func = f;
            const char *name = kwasi_func_name(i);
            err = (kb_error *)keel_linker_define_func(linker, KWASI_MODULE, strlen(KWASI_MODULE), name,
                                                      strlen(name), (keel_func *)h);
        }
        kapi_handle_release(h);
    }
    if (err) {
        kb_free(w);
        kwasi_ctx_release(ctx); /* functions already made keep their own references */
        return (keel_error *)err;
    }
    if (w) {
        w->magic = WASI_MAGIC;
        w->ctx = ctx;
        *out = w;
    } else {
        kwasi_ctx_release(ctx);
    }
    return NULL;
}

static const uint8_t *captured(const keel_wasi *wasi, uint32_t which, size_t *len) {
    if (len) *len = 0;
    if (wasi == NULL || wasi->magic != WASI_MAGIC) return NULL;
    size_t n;
    const uint8_t *p = kwasi_ctx_captured(wasi->ctx, which, &n);
    if (len) *len = n;
    return p;
}

KEEL_API const uint8_t *keel_wasi_stdout_bytes(const keel_wasi *wasi, size_t *len) { return captured(wasi, 1, len); }

KEEL_API const uint8_t *keel_wasi_stderr_bytes(const keel_wasi *wasi, size_t *len) { return captured(wasi, 2, len); }

KEEL_API void keel_wasi_free(keel_wasi *wasi) {
    if (wasi == NULL || wasi->magic != WASI_MAGIC) return;
    kwasi_ctx_release(wasi->ctx);
    wasi->magic = 0;
    kb_free(wasi);
}

/* ---------------------------------------------------------------- running a command */

KEEL_API keel_error *keel_wasi_run(keel_engine *engine, keel_module *module, const keel_wasi_config *config,
                                   int32_t *exit_code) {
    if (exit_code == NULL) return ERR(KB_ERR_INVALID_ARGUMENT, "exit_code is NULL");
    kb_error *err = check_config(config);
    if (err) return (keel_error *)err;
    keel_store *store = NULL;
    keel_linker *linker = NULL;
    keel_instance *inst = NULL;
    keel_func *start = NULL;
    keel_error *e;
    if ((e = keel_store_new(engine, &store)) != NULL) goto done;
    if ((e = keel_linker_new(engine, &linker)) != NULL) goto done;
    if ((e = keel_linker_define_wasi(linker, store, config, NULL)) != NULL) goto done;
    e = keel_linker_instantiate(linker, store, module, &inst);
    if (e) goto done; /* an exit from a start function is reported like one from _start below */
    if ((e = keel_instance_export_func(inst, "_start", 6, &start)) != NULL) {
        keel_error_free(e);
        e = ERR(KB_ERR_UNLINKABLE, "the module is not a WASI command: it exports no function \"_start\"");
        goto done;
    }
    e = keel_func_call(start, NULL, 0, NULL, 0);
done:
    if (e == NULL) *exit_code = 0;
    else if (keel_error_kind(e) == KEEL_ERROR_EXIT) {
        *exit_code = keel_error_exit_code(e);
        keel_error_free(e);
        e = NULL;
    }
    keel_func_release(start);
    keel_instance_release(inst);
    keel_linker_free(linker);
    keel_store_release(store);
    return e;
}
