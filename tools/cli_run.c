/*
** cli_run.c -- 'keel run' and 'keel validate'.
*/
#include "kcli_invoke.h"
#include "kcli_watch.h"

#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 256

/* Parses one command-line argument for a parameter of 'kind' (see --help). */
static bool parse_arg(const char *s, keel_valkind kind, kcli_value *out) {
    uint32_t type = kcli_kind_type(kind);
    if (type != KCLI_T_REF && type != KCLI_T_V128) return kcli_parse_number(type, s, out);
    memset(out, 0, sizeof *out);
    out->type = type;
    if (type == KCLI_T_V128) {
        /* 0x followed by 32 hex digits, most significant byte first. */
        if (strncmp(s, "0x", 2) != 0 || strlen(s) != 34) return false;
        for (int i = 0; i < 32; i++) {
            char c = s[2 + i];
            unsigned d;
            if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
            else return false;
            if (i < 16) out->hi = out->hi << 4 | d;
            else out->lo = out->lo << 4 | d;
        }
        return true;
    }
    if (strcmp(s, "null") == 0) {
        out->ref = KCLI_REF_NULL;
        return true;
    }
    /* A number for an externref parameter: a host reference carrying it. */
    kcli_value n;
    if (kind == KEEL_EXTERNREF && kcli_parse_number(KCLI_T_I64, s, &n)) {
        out->ref = KCLI_REF_EXTERN;
        out->lo = n.lo;
        return true;
    }
    return false;
}

static int load_module(const char *path, const char *cache_dir, keel_engine **engine,
                       keel_module **module) {
    /* cli_compile.c: .wasm, .wat or serialised .keelc, through the code cache if any. */
    return kcli_load_module(path, cache_dir, engine, module);
}

/*
** The exit status for an error that ends the run, which it frees: the guest's
** own code for proc_exit (printing nothing), else 2 for a trap or a link
** error and 1 for anything else, after printing the error (prefixed with
** "keel: PATH: WHAT" when 'path' is given).
*/
static int error_status(keel_error *err, const char *path, const char *what) {
    int rc;
    if (keel_error_kind(err) == KEEL_ERROR_EXIT) {
        rc = keel_error_exit_code(err);
    } else {
        if (path) fprintf(stderr, "keel: %s: %s", path, what ? what : "");
        kcli_print_error(stderr, err);
        keel_errkind kind = keel_error_kind(err);
        rc = kind == KEEL_ERROR_TRAP || kind == KEEL_ERROR_UNLINKABLE ? 2 : 1;
    }
    keel_error_free(err);
    return rc;
}

/*
** A WASI reactor exports '_initialize' (and no '_start'): the WASI application
** ABI requires it to run once, before any other export is called. A command
** ('_start') initialises itself. Returns 0, or the exit status to use.
*/
static int run_initializer(const char *path, keel_instance *inst) {
    keel_func *init = NULL, *start = NULL;
    keel_error *err = keel_instance_export_func(inst, "_start", 6, &start);
    keel_error_free(err);
    if (start) {
        keel_func_release(start);
        return 0;
    }
    err = keel_instance_export_func(inst, "_initialize", 11, &init);
    keel_error_free(err);
    if (!init) return 0;
    err = keel_func_call(init, NULL, 0, NULL, 0);
    keel_func_release(init);
    return err ? error_status(err, path, "_initialize: ") : 0;
}

/* Calls 'func' with the textual 'args' and prints the results. */
static int invoke(kcli_ctx *ctx, keel_func *func, const char *name, int argc, char **argv) {
    keel_functype *type = NULL;
    keel_error *err = keel_func_type(func, &type);
    if (err) {
        kcli_print_error(stderr, err);
        keel_error_free(err);
        return 1;
    }
    size_t np = keel_functype_param_count(type);
    if ((size_t)argc != np || np > MAX_VALUES) {
        fprintf(stderr, "keel: '%s' takes %zu argument%s, %d given\n", name, np,
                np == 1 ? "" : "s", argc);
        keel_functype_free(type);
        return 1;
    }
    kcli_value args[MAX_VALUES], results[MAX_VALUES];
    for (size_t i = 0; i < np; i++) {
        keel_valkind kind = keel_valtype_kind(keel_functype_param(type, i));
        if (!parse_arg(argv[i], kind, &args[i])) {
            fprintf(stderr, "keel: argument %zu '%s' is not a valid %s\n", i + 1, argv[i],
                    kcli_type_name(kcli_kind_type(kind)));
            keel_functype_free(type);
            return 1;
        }
    }
    keel_functype_free(type);
    size_t nres = 0;
    err = kcli_call(ctx, func, args, np, results, MAX_VALUES, &nres);
    if (err) return error_status(err, NULL, NULL);
    for (size_t i = 0; i < nres; i++) {
        char buf[256];
        kcli_format_value(&results[i], buf, sizeof buf);
        printf("%s\n", buf);
    }
    return 0;
}

/* WASI options of 'keel run': --dir HOST[::GUEST], --dir-ro HOST[::GUEST], --env K=V
   (keel/wasi.h). Returns 1 when argv[*i] was one (consumed with its value), 0 when
   not, -1 after printing an error. */
static int wasi_option(keel_wasi_config *cfg, int argc, char **argv, int *i) {
    const char *opt = argv[*i];
    bool dir = !strcmp(opt, "--dir"), dir_ro = !strcmp(opt, "--dir-ro"), env = !strcmp(opt, "--env");
    if (!dir && !dir_ro && !env) return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "keel run: %s needs a value\n", opt);
        return -1;
    }
    const char *val = argv[++*i];
    keel_error *err = env ? keel_wasi_config_push_env_spec(cfg, val)
                          : keel_wasi_config_preopen_dir_spec(cfg, val, dir_ro);
    if (err) {
        fprintf(stderr, "keel run: %s %s: %s\n", opt, val, keel_error_message(err));
        keel_error_free(err);
        return -1;
    }
    return 1;
}

int kcli_cmd_run(int argc, char **argv, const kcli_opts *opts) {
    const char *cache_dir = NULL; /* --cache-dir DIR or KEEL_CACHE_DIR (cli_compile.c) */
    if (kcli_cache_options(&argc, &argv, &cache_dir)) return 1;
    kcli_watch watch; /* --timeout / --profile (cli_timeout.c, cli_profile.c) */
    if (kcli_watch_options(&argc, &argv, &watch)) return 1;
    const char *path = NULL, *name = NULL;
    int i = 0, guest_args = -1;
    keel_wasi_config *wasi = NULL;
    keel_error *werr = keel_wasi_config_new(&wasi);
    if (werr) {
        kcli_print_error(stderr, werr);
        keel_error_free(werr);
        return 1;
    }
    for (; i < argc; i++) {
        int w = wasi_option(wasi, argc, argv, &i);
        if (w < 0) {
            keel_wasi_config_free(wasi);
            return 1;
        }
        if (w > 0) continue;
        if (!strcmp(argv[i], "--")) { /* the rest is the WASI program's argv[1..] */
            guest_args = i + 1;
            i = argc;
            break;
        }
        if (!strcmp(argv[i], "--invoke")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "keel run: --invoke needs a name\n");
                keel_wasi_config_free(wasi);
                return 1;
            }
            name = argv[++i];
            i++;
            break; /* everything after the name is an argument */
        }
        if (path) {
            fprintf(stderr, "keel run: unexpected '%s' (arguments follow --invoke NAME or --)\n", argv[i]);
            keel_wasi_config_free(wasi);
            return 1;
        }
        path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: keel run [--timeout S] [--profile FILE [--hz N]] [--dir HOST[::GUEST]] "
                        "[--dir-ro HOST[::GUEST]] [--env K=V] FILE.wasm|FILE.wat "
                        "[--invoke NAME [ARGS...] | -- ARGS...]\n");
        keel_wasi_config_free(wasi);
        return 1;
    }
    /* WASI: the guest's argv[0] is the file; the standard streams are the tool's own. */
    werr = keel_wasi_config_push_arg(wasi, path);
    for (int k = guest_args; !werr && k >= 0 && k < argc; k++) werr = keel_wasi_config_push_arg(wasi, argv[k]);
    for (keel_wasi_stream st = KEEL_WASI_STDIN; !werr && st <= KEEL_WASI_STDERR; st++)
        werr = keel_wasi_config_inherit_stdio(wasi, st);
    if (werr) {
        kcli_print_error(stderr, werr);
        keel_error_free(werr);
        keel_wasi_config_free(wasi);
        return 1;
    }
    keel_engine *engine = NULL;
    keel_module *module = NULL;
    keel_store *store = NULL;
    keel_linker *linker = NULL;
    keel_instance *inst = NULL;
    keel_func *func = NULL;
    int rc = load_module(path, cache_dir, &engine, &module);
    if (rc) goto done;
    /* The linker holds WASI preview 1 (keel/wasi.h); any other import fails
    ** with "unknown import: module::name". */
    keel_error *err = keel_store_new(engine, &store);
    if (!err) err = keel_linker_new(engine, &linker);
    if (!err) err = keel_linker_define_wasi(linker, store, wasi, NULL);
    if (!err) err = keel_linker_instantiate(linker, store, module, &inst);
    if (err) { /* proc_exit in a start function exits with the guest's code */
        rc = error_status(err, path, "");
        goto done;
    }
    if ((rc = run_initializer(path, inst)) != 0) goto done;
    const char *target = name ? name : "_start";
    err = keel_instance_export_func(inst, target, strlen(target), &func);
    if (err || !func) {
        keel_error_free(err);
        if (name) {
            fprintf(stderr, "keel: %s: no exported function '%s'\n", path, name);
            rc = 1;
        }
        goto done; /* no --invoke and no _start: the start function was all */
    }
    kcli_ctx ctx;
    kcli_ctx_init(&ctx, engine, store);
    kcli_watch_start(&watch, store);
    rc = invoke(&ctx, func, target, argc - i, argv + i);
    rc = kcli_watch_stop(&watch, rc);
    kcli_ctx_free(&ctx);
done:
    (void)opts;
    keel_wasi_config_free(wasi);
    keel_func_release(func);
    keel_instance_release(inst);
    keel_linker_free(linker);
    keel_store_release(store);
    keel_module_release(module);
    keel_engine_release(engine);
    fflush(stdout);
    return rc;
}

int kcli_cmd_validate(int argc, char **argv, const kcli_opts *opts) {
    (void)opts;
    if (argc != 1) {
        fprintf(stderr, "usage: keel validate FILE.wasm|FILE.wat\n");
        return 1;
    }
    char msg[512];
    size_t len;
    char *data = kcli_read_file(argv[0], &len, msg, sizeof msg);
    if (!data) {
        fprintf(stderr, "keel: %s\n", msg);
        return 1;
    }
    keel_engine *engine = NULL;
    keel_error *err = keel_engine_new(NULL, &engine);
    if (!err) {
        if (kcli_is_wasm_binary((const uint8_t *)data, len)) {
            err = keel_module_validate(engine, (const uint8_t *)data, len);
        } else {
            uint8_t *bytes = NULL;
            size_t size = 0;
            err = keel_wat_to_wasm(data, len, &bytes, &size);
            if (!err) err = keel_module_validate(engine, bytes, size);
            keel_bytes_free(bytes);
        }
    }
    free(data);
    keel_engine_release(engine);
    if (err) {
        printf("%s: ", argv[0]);
        kcli_print_error(stdout, err);
        keel_error_free(err);
        return 1;
    }
    printf("valid\n");
    return 0;
}
