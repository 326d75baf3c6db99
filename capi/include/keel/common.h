/*
** keel/common.h -- versioning, the export macro and the opaque handle types
** shared by every public header. Included by each header under keel/; a
** program normally includes <keel.h> instead.
*/
#ifndef KEEL_COMMON_H
#define KEEL_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- versions */

/**
 * ABI version of this header. The major number is the SONAME of libkeel
 * (libkeel.so.KEEL_ABI_MAJOR) and changes only on an incompatible break; the
 * minor number grows when functions are added. Compare with
 * keel_abi_version() at run time: the library must have the same major and
 * at least the same minor.
 */
#define KEEL_ABI_MAJOR 1
#define KEEL_ABI_MINOR 1
/** KEEL_ABI_MAJOR and KEEL_ABI_MINOR packed as (major << 16) | minor. */
#define KEEL_ABI_VERSION ((KEEL_ABI_MAJOR << 16) | KEEL_ABI_MINOR)

/** Release version of Keel (not an ABI promise). */
#define KEEL_VERSION_MAJOR 0
#define KEEL_VERSION_MINOR 1
#define KEEL_VERSION_PATCH 0
#define KEEL_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------- export */

#if defined(KEEL_BUILDING_LIBRARY) && defined(__GNUC__)
#define KEEL_API __attribute__((visibility("default")))
#else
#define KEEL_API
#endif

/* ---------------------------------------------------------------- handles */

/*
** Every type below is opaque: callers hold pointers only, never sizes or
** fields. Store-object handles (instance, func, memory, table, global, tag,
** externref, exn, ref) and engine, module and store handles are reference
** counted with *_retain and *_release; the other objects (config, linker, types,
** errors) have one owner and a *_free function.
*/
typedef struct keel_config keel_config;
typedef struct keel_engine keel_engine;
typedef struct keel_module keel_module;
typedef struct keel_store keel_store;
typedef struct keel_linker keel_linker;
typedef struct keel_instance keel_instance;
typedef struct keel_caller keel_caller;
typedef struct keel_func keel_func;
typedef struct keel_memory keel_memory;
typedef struct keel_table keel_table;
typedef struct keel_global keel_global;
typedef struct keel_tag keel_tag;
typedef struct keel_exn keel_exn;
typedef struct keel_extern keel_extern;
typedef struct keel_externref keel_externref;
typedef struct keel_ref keel_ref;
typedef struct keel_valtype keel_valtype;
typedef struct keel_functype keel_functype;
typedef struct keel_externtype keel_externtype;
typedef struct keel_error keel_error;

/**
 * The ABI version of the loaded library, packed like KEEL_ABI_VERSION.
 * Bindings check it when they load: the major must equal KEEL_ABI_MAJOR and
 * the minor must be at least the minor they were written against.
 * @return (major << 16) | minor.
 */
KEEL_API uint32_t keel_abi_version(void);

/**
 * The release version of the loaded library, e.g. "0.1.0".
 * @return a static NUL-terminated string, valid for the life of the process.
 */
KEEL_API const char *keel_version(void);

#ifdef __cplusplus
}
#endif

#endif
