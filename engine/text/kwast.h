/*
** kwast.h -- the WAST script language (the spec interpreter's script format,
** WebAssembly/spec interpreter/README.md "Scripts"), parsed into a plain
** array of commands for a test runner.
**
** Text modules are already converted to binary (ktext_wat_to_wasm). Quoted
** modules '(module quote ...)' keep their TEXT: the runner converts it and,
** in assert_malformed, expects that conversion to fail. A text module that
** does not convert does not fail the script either: it is stored with
** form KTEXT_MODSRC_MALFORMED and the conversion's message.
*/
#ifndef KWAST_H
#define KWAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/kb_error.h"

/* ------------------------------------------------------------ values */

/* ORDER VALKIND */
typedef enum ktext_val_kind {
    KTEXT_VAL_I32 = 0,  /* u.i32 */
    KTEXT_VAL_I64,      /* u.i64 */
    KTEXT_VAL_F32,      /* u.f32 bit pattern, or 'nan' pattern */
    KTEXT_VAL_F64,      /* u.f64 bit pattern, or 'nan' pattern */
    KTEXT_VAL_V128,     /* u.v128 (little-endian lanes) + 'shape' + 'lane_nan' */
    KTEXT_VAL_REF_NULL, /* ref.null ht: 'heap' = abstract heap byte, 0 if absent or concrete */
    KTEXT_VAL_REF_EXTERN, /* ref.extern N (u.ref = N if has_payload; result may omit N) */
    KTEXT_VAL_REF_HOST, /* ref.host N (u.ref = N) */
    KTEXT_VAL_REF_FUNC, /* ref.func (result: any non-null function reference) */
    KTEXT_VAL_REF_ANY,  /* result patterns: any non-null reference of that kind */
    KTEXT_VAL_REF_EQ,
    KTEXT_VAL_REF_I31,
    KTEXT_VAL_REF_STRUCT,
    KTEXT_VAL_REF_ARRAY,
    KTEXT_VAL_REF_EXN,
    KTEXT_VAL_EITHER    /* (either r1 r2 ...): 'alts' */
} ktext_val_kind;

/* NaN result patterns (spec script: nan:canonical / nan:arithmetic). */
typedef enum ktext_nan {
    KTEXT_NAN_NONE = 0,
    KTEXT_NAN_CANONICAL,
    KTEXT_NAN_ARITHMETIC
} ktext_nan;

/* v128 lane shapes, as written after v128.const. */
typedef enum ktext_shape {
    KTEXT_SHAPE_I8X16 = 0, KTEXT_SHAPE_I16X8, KTEXT_SHAPE_I32X4, KTEXT_SHAPE_I64X2,
    KTEXT_SHAPE_F32X4, KTEXT_SHAPE_F64X2
} ktext_shape;

typedef struct ktext_value {
    uint32_t kind;        /* ktext_val_kind */
    uint32_t nan;         /* ktext_nan for F32/F64 results; u.* is 0 then */
    uint32_t shape;       /* ktext_shape for V128 */
    uint8_t lane_nan[4];  /* F32X4/F64X2 results: ktext_nan per lane (lane bytes 0) */
    uint8_t heap;         /* REF_NULL: abstract heap type byte (0x70 func, 0x6F extern, ...) */
    bool has_payload;     /* REF_EXTERN/REF_HOST: N given; REF_FUNC: index given in u.ref */
    union {
        uint32_t i32;
        uint64_t i64;
        uint32_t f32;
        uint64_t f64;
        uint8_t v128[16];
        uint64_t ref;
    } u;
    struct ktext_value *alts; /* EITHER: the alternatives (owned) */
    size_t alt_count;
} ktext_value;

/* ----------------------------------------------------------- actions */

typedef enum ktext_action_kind {
    KTEXT_ACT_INVOKE = 1, /* (invoke $m? "name" arg*) */
    KTEXT_ACT_GET         /* (get $m? "name") */
} ktext_action_kind;

typedef struct ktext_action {
    uint32_t kind;      /* ktext_action_kind, 0 when the command has no action */
    char *module;       /* module or instance id without '$', NULL = the current module */
    char *name;         /* export name, NUL-terminated copy (name_len excludes the NUL) */
    size_t name_len;
    ktext_value *args;
    size_t arg_count;
} ktext_action;

/* ----------------------------------------------------------- modules */

typedef enum ktext_modsrc_form {
    KTEXT_MODSRC_NONE = 0,
    KTEXT_MODSRC_BINARY,   /* 'bytes' is a binary module (from text or '(module binary ...)') */
    KTEXT_MODSRC_QUOTE,    /* 'bytes' is WAT text: convert it with ktext_wat_to_wasm */
    KTEXT_MODSRC_MALFORMED /* a text module that did not convert; 'error' says why */
} ktext_modsrc_form;

typedef struct ktext_modsrc {
    uint32_t form;      /* ktext_modsrc_form */
    bool from_text;     /* BINARY converted from '(module field*)' text */
    char *id;           /* $id without '$', or NULL */
    uint8_t *bytes;     /* owned */
    size_t len;
    char *error;        /* MALFORMED: the conversion's message (owned) */
    bool error_invalid; /* MALFORMED: the text parsed, but a check that the
                           annotation proposals assign to validation failed
                           (assert_invalid_custom), so it counts as invalid */
} ktext_modsrc;

/* ---------------------------------------------------------- commands */

/* ORDER CMD */
typedef enum ktext_cmd_kind {
    KTEXT_CMD_MODULE = 1,         /* (module ...): define and instantiate; 'module' */
    KTEXT_CMD_MODULE_DEFINITION,  /* (module definition $id? ...): define only; 'module' */
    KTEXT_CMD_MODULE_INSTANCE,    /* (module instance $inst? $def?): module.id = instance
                                     id, 'ref_id' = definition id (NULL = last definition) */
    KTEXT_CMD_REGISTER,           /* (register "name" $id?): 'name', 'ref_id' */
    KTEXT_CMD_ACTION,             /* a bare (invoke ...) or (get ...): 'action' */
    KTEXT_CMD_ASSERT_RETURN,      /* 'action', 'results' */
    KTEXT_CMD_ASSERT_TRAP,        /* 'action' or (a module that traps when instantiated) 'module'; 'message' */
    KTEXT_CMD_ASSERT_EXHAUSTION,  /* 'action', 'message' */
    KTEXT_CMD_ASSERT_EXCEPTION,   /* 'action' */
    KTEXT_CMD_ASSERT_INVALID,     /* 'module', 'message' */
    KTEXT_CMD_ASSERT_MALFORMED,   /* 'module', 'message' */
    KTEXT_CMD_ASSERT_UNLINKABLE,  /* 'module', 'message' */
    KTEXT_CMD_ASSERT_UNINSTANTIABLE, /* 'module', 'message' */
    KTEXT_CMD_ASSERT_MALFORMED_CUSTOM, /* custom-section (annotation) errors: 'module', 'message' */
    KTEXT_CMD_ASSERT_INVALID_CUSTOM,
    KTEXT_CMD_UNSUPPORTED         /* thread, wait, input, output, script...: skipped; 'name' = keyword */
} ktext_cmd_kind;

typedef struct ktext_command {
    uint32_t kind;        /* ktext_cmd_kind */
    uint32_t line;        /* 1-based line of the command's '(' */
    ktext_modsrc module;  /* module commands and module assertions */
    char *ref_id;         /* REGISTER / MODULE_INSTANCE: the referenced id, or NULL */
    char *name;           /* REGISTER: the registered name; UNSUPPORTED: the keyword */
    size_t name_len;
    ktext_action action;  /* action commands and action assertions */
    char *message;        /* expected failure message of assertions, or NULL */
    ktext_value *results; /* ASSERT_RETURN: expected results */
    size_t result_count;
} ktext_command;

typedef struct ktext_script {
    ktext_command *commands; /* in script order */
    size_t count;
} ktext_script;

/*
** Parses a WAST script.
**
** @param[in]  src  script text ('len' bytes, need not be NUL-terminated)
** @param[out] out  on success a new script (free with ktext_script_free)
** @return NULL on success, or a KB_ERR_MALFORMED error naming line:column when
**         the script itself does not lex or parse (text modules that do not
**         convert are not script errors, see KTEXT_MODSRC_MALFORMED), or
**         KB_ERR_OUT_OF_MEMORY.
** Does not take ownership of 'src'. Gives ownership of *out to the caller.
*/
kb_error *ktext_wast_parse(const char *src, size_t len, ktext_script **out);

/* Frees a script and everything in it. NULL is a harmless no-op. */
void ktext_script_free(ktext_script *script);

#endif
