/*
** kval.h -- the validator (core spec 3.0, chapter 3 "Validation").
**
** kval_module checks a decoded module against the full 3.0 type system
** (rec groups, declared subtyping, typed references, GC, exceptions, tail
** calls, SIMD, atomics, memory64/table64, multiple memories, bulk memory,
** extended constant expressions) and fills the "set by valid/" fields of
** kbin_module: types[].canon, registry, declared_funcs, validated.
**
** Function bodies are checked with an explicit control stack (no C
** recursion), in time linear in the size of the code.
**
** Errors: KB_ERR_INVALID with the spec test suite's wording ("type mismatch",
** "unknown local 3", "unknown function 7", "undeclared function reference",
** ...), the offending instruction's byte offset in kb_error.offset where
** there is one; KB_ERR_MALFORMED for encoding problems found inside a body
** (the reference interpreter finds those while decoding); KB_ERR_LIMIT for
** implementation limits; KB_ERR_OUT_OF_MEMORY.
*/
#ifndef KVAL_H
#define KVAL_H

#include "base/kb_error.h"
#include "binary/kbin_module.h"
#include "valid/kval_types.h"

/*
** Validates 'm' and canonicalises its types into 'reg'. On success sets
** m->validated. Thread-safe for different modules sharing one registry.
** Does not take ownership of 'm' or 'reg'; 'reg' must outlive 'm'.
*/
kb_error *kval_module(kval_registry *reg, kbin_module *m);

/*
** Does what kval_module does besides checking -- registers the module's
** types in 'reg' (types[].canon, registry) and fills declared_funcs -- and
** sets m->validated, WITHOUT validating. Only for bytes already validated by
** this engine build (code/'s verified cache entries and deserialised images,
** whose key is the SHA-256 of the exact bytes). Errors: those of type
** canonicalisation (KB_ERR_OUT_OF_MEMORY, KB_ERR_LIMIT, KB_ERR_INVALID).
*/
kb_error *kval_module_register(kval_registry *reg, kbin_module *m);

/* ---- valid/-internal: the code validator (kval_code.c), used by kval_module. */

typedef struct kval_code kval_code;

/* Scratch state reused across the functions of one module; NULL on OOM. */
kval_code *kval_code_new(kval_registry *reg, const kbin_module *m);
void kval_code_free(kval_code *c);

/* Validates the body of defined function 'func_index' (spec 3.4.x "Functions"). */
kb_error *kval_code_func(kval_code *c, uint32_t func_index);

/*
** Validates a constant expression (spec 3.0, 3.4.x "Constant expressions")
** producing one value of module-local type 'want'. global.get may name
** globals [0, global_limit) that are immutable.
*/
kb_error *kval_code_const(kval_code *c, kbin_range expr, kbin_valtype want, uint32_t global_limit);

#endif
