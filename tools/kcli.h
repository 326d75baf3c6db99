/*
** kcli.h -- internals shared by the files of the 'keel' command-line tool.
**
** The tool is a client of the public C ABI (capi/include/keel.h) like any
** other program; the only engine header it reads is engine/text/kwast.h, the
** parser for .wast scripts. Files (tools/README.md has the decisions):
**   keel.c            main, sub-command dispatch, --help (the output formats)
**   cli_run.c         'keel run' and 'keel validate'
**   kcli_values.c     runner-side values: literal parsing, printing, and
**                     matching against assert_return patterns (NaN classes,
**                     v128 lanes, reference patterns); engine-free
**   kcli_invoke.c     kcli_value <-> keel_val, typed calls, error printing
**   wast_runner.c     'keel wast': files, one child process per file, output
**   wast_commands.c   the spec interpreter's script semantics for one file
**   spectest_host.c   the 'spectest' host module
**   vectors_runner.c  'keel-vectors' (tests/vectors), with kcli_json.c
*/
#ifndef KCLI_H
#define KCLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------- values */

/* ORDER KCLI_T: value types as the runner sees them. */
enum {
    KCLI_T_I32 = 1,
    KCLI_T_I64,
    KCLI_T_F32,
    KCLI_T_F64,
    KCLI_T_V128,
    KCLI_T_REF
};

/*
** Reference kinds of a concrete reference value. 'ref.extern N' and
** 'ref.host N' carry N in the payload and compare by it; function references
** compare by identity (the payload holds an opaque id).
*/
enum {
    KCLI_REF_NULL = 0,  /* any null reference; 'heap' says which hierarchy */
    KCLI_REF_EXTERN,    /* ref.extern N: host reference carrying N */
    KCLI_REF_FUNC,      /* a function reference */
    KCLI_REF_HOST,      /* ref.host N: a host reference inside anyref */
    KCLI_REF_I31,
    KCLI_REF_STRUCT,
    KCLI_REF_ARRAY,
    KCLI_REF_EXN,
    KCLI_REF_OTHER      /* a non-null reference the runner cannot classify */
};

/* Heap-type hierarchies of a null (enough to check 'ref.null func' vs extern). */
enum {
    KCLI_HEAP_ANY = 0, /* unknown / do not care */
    KCLI_HEAP_FUNC,
    KCLI_HEAP_EXTERN,
    KCLI_HEAP_ANYREF,  /* any, eq, i31, struct, array, none */
    KCLI_HEAP_EXN
};

typedef struct kcli_value {
    uint32_t type;     /* KCLI_T_* */
    uint32_t ref;      /* KCLI_REF_* when type == KCLI_T_REF */
    uint32_t heap;     /* KCLI_HEAP_* of a null reference */
    uint64_t lo, hi;   /* numbers: bits in 'lo'; v128: bytes 0-7 in 'lo', 8-15 in 'hi'
                          (little endian); references: payload in 'lo' */
} kcli_value;

/* NaN classes of the spec script (spec interpreter, script/script.ml). */
enum {
    KCLI_NAN_NONE = 0,
    KCLI_NAN_CANONICAL,  /* nan:canonical: the canonical NaN, either sign */
    KCLI_NAN_ARITHMETIC  /* nan:arithmetic: quiet bit set, any payload, either sign */
};

/* v128 lane shapes of a pattern (the spec's 'v128.const i32x4 ...'). */
enum {
    KCLI_SHAPE_I8X16 = 0,
    KCLI_SHAPE_I16X8,
    KCLI_SHAPE_I32X4,
    KCLI_SHAPE_I64X2,
    KCLI_SHAPE_F32X4,
    KCLI_SHAPE_F64X2
};

/* Reference patterns of assert_return (ref.null, ref.func, ref.extern N, ...). */
enum {
    KCLI_PAT_EXACT = 0,   /* compare 'val' exactly (numbers, ref.extern N, ref.host N) */
    KCLI_PAT_NAN,         /* f32/f64 with 'nan' class */
    KCLI_PAT_LANES,       /* v128: per-lane compare with 'lane_nan' */
    KCLI_PAT_REF_NULL,    /* any null of heap hierarchy 'val.heap' (ANY = any null) */
    KCLI_PAT_REF_FUNC,    /* any non-null function reference */
    KCLI_PAT_REF_ANY,     /* any non-null reference */
    KCLI_PAT_REF_EQ,      /* i31, struct or array */
    KCLI_PAT_REF_STRUCT,
    KCLI_PAT_REF_ARRAY,
    KCLI_PAT_REF_I31,
    KCLI_PAT_REF_EXN,
    KCLI_PAT_REF_EXTERN,  /* any non-null extern reference (ref.extern without N) */
    KCLI_PAT_EITHER       /* one of 'alts' */
};

typedef struct kcli_pattern {
    uint32_t pat;              /* KCLI_PAT_* */
    uint32_t nan;              /* KCLI_NAN_* for KCLI_PAT_NAN */
    uint32_t shape;            /* KCLI_SHAPE_* for KCLI_PAT_LANES */
    uint8_t lane_nan[16];      /* KCLI_NAN_* per lane for KCLI_PAT_LANES */
    kcli_value val;            /* the exact value, or the lane values */
    struct kcli_pattern *alts; /* KCLI_PAT_EITHER: alternatives (owned by the script) */
    size_t alt_count;
} kcli_pattern;

/*
** Parses a number literal of type 'type' in the text format's syntax (spec
** 6.3.2-6.3.3: decimal or hex, '_' separators, inf, nan, nan:0x...; ints
** accept the signed and unsigned range). Returns false when 's' is not a
** valid literal of that type.
*/
bool kcli_parse_number(uint32_t type, const char *s, kcli_value *out);

/* Writes 'v' as "type:value" (the format of 'keel run', see --help). */
void kcli_format_value(const kcli_value *v, char *buf, size_t size);

/* True when 'v' matches pattern 'p' (spec script semantics). */
bool kcli_value_matches(const kcli_value *v, const kcli_pattern *p);

/* Writes the pattern as text for failure reports. */
void kcli_format_pattern(const kcli_pattern *p, char *buf, size_t size);

/* The type name "i32", "i64", ... */
const char *kcli_type_name(uint32_t type);

/* ---------------------------------------------------------- commands */

/* Global options. */
typedef struct kcli_opts {
    bool verbose;
    bool quiet;
    long max_failures; /* failures shown per file (0 = all) */
    long timeout;      /* seconds per .wast file (0 = the default) */
    bool no_fork;      /* wast: run scripts in this process (debugging) */
} kcli_opts;

/* A growable list of malloc'd strings. */
typedef struct { char **items; size_t len; } KCLI_LINES;

int kcli_cmd_run(int argc, char **argv, const kcli_opts *opts);
int kcli_cmd_validate(int argc, char **argv, const kcli_opts *opts);
int kcli_cmd_wast(int argc, char **argv, const kcli_opts *opts);
/* cli_compile.c: 'keel compile', and run's --cache-dir / KEEL_CACHE_DIR and .keelc loading. */
int kcli_cmd_compile(int argc, char **argv, const kcli_opts *opts);
int kcli_cache_options(int *argc, char ***argv, const char **cache_dir);
typedef struct keel_engine keel_engine;
typedef struct keel_module keel_module;
int kcli_load_module(const char *path, const char *cache_dir, keel_engine **engine, keel_module **module);

/* ------------------------------------------------------- wast reports */

/*
** The child that runs one .wast file reports to the parent through these
** (wast_runner.c): the number of commands, the start of each command (so a
** crash can be placed), and each command's pass or failure.
*/
typedef struct kcli_report {
    int fd;
} kcli_report;

void kcli_report_total(kcli_report *r, size_t total);
void kcli_report_begin(kcli_report *r, uint32_t line);
void kcli_report_pass(kcli_report *r);
void kcli_report_fail(kcli_report *r, uint32_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* A remark shown only with --verbose (e.g. an assert message mismatch). */
void kcli_report_note(kcli_report *r, uint32_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/*
** Runs the script at 'path' in this process (wast_commands.c), reporting
** every command to 'r'. Returns 0, or -1 when the file could not be read or
** parsed (also reported as a failure).
*/
int kcli_wast_run_script(const char *path, const kcli_opts *opts, kcli_report *r);

/* Reads a whole file into a malloc'd buffer (NUL-terminated). NULL on error,
** with a message in 'errbuf'. */
char *kcli_read_file(const char *path, size_t *len, char *errbuf, size_t errsize);

/* True when 'path' ends with 'suffix'. */
bool kcli_has_suffix(const char *path, const char *suffix);

#endif
