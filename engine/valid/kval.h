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

#include <stdbool.h>

#include "base/kb_error.h"
#include "binary/kbin_module.h"
#include "binary/kbin_reader.h"
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

typedef struct kval_code kval_code;

/*
** kval_module in steps, for a caller that uses each function body right
** after it is checked (compile/: a body is decoded once and stays in the
** cache; issue 10). kval_module_begin makes every check but the bodies' and
** gives the scratch state in '*code' (NULL on error); the caller then runs
** kval_code_func on the defined functions in order, stopping at the first
** error, and kval_module_end with that error or NULL, which frees 'code',
** ranks errors as kval_module does (the decoder's deferred body scan first),
** sets m->validated on success and returns the final error. Same errors, in
** the same order, as kval_module. A module validated before only has its
** bodies checked again.
*/
kb_error *kval_module_begin(kval_registry *reg, kbin_module *m, kval_code **code);
kb_error *kval_module_end(kbin_module *m, kval_code *code, kb_error *err);

/* ---- the code validator (kval_code.c), used by kval_module and the steps above. */

/* Scratch state reused across the functions of one module; NULL on OOM. */
kval_code *kval_code_new(kval_registry *reg, const kbin_module *m);
void kval_code_free(kval_code *c);

/* Validates the body of defined function 'func_index' (spec 3.4.x "Functions"). */
kb_error *kval_code_func(kval_code *c, uint32_t func_index);

/*
** The instructions of the body kval_code_func last accepted, decoded exactly
** as kbin_read_instr decodes them, in order, the function's final 'end'
** last; '*count' gets their number. Owned by 'c', valid until its next use.
** (compile/ translates a body from them: it is decoded once; issue 10.)
*/
const kbin_instr *kval_code_instrs(const kval_code *c, size_t *count);

/*
** What compile/'s pre-scan needs of that body, noted while it was checked
** (one dispatch per instruction for both; issue 10): '*consts' gets the
** indices into kval_code_instrs of the constants (t.const) met inside a loop
** at nesting depth < 64 (blocks counted from 0 at the function's level), in
** order, '*count' their number. Returns false when the body holds an
** instruction the note does not cover (an 'if' with a type index, 'try', any
** 0xFB/0xFD instruction): the caller must then look at every instruction.
** Owned by 'c', valid until its next use.
*/
bool kval_code_loop_consts(const kval_code *c, const uint32_t **consts, size_t *count);

/*
** Validates a constant expression (spec 3.0, 3.4.x "Constant expressions")
** producing one value of module-local type 'want'. global.get may name
** globals [0, global_limit) that are immutable.
*/
kb_error *kval_code_const(kval_code *c, kbin_range expr, kbin_valtype want, uint32_t global_limit);

#endif
