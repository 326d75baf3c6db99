/*
** ktext.h -- the WebAssembly text format (WAT) front end of the engine.
**
** engine/text never builds engine structures: it turns text into binary
** module bytes, which then go through the ordinary decoder (binary/) and
** validator (valid/). Scripts (.wast) are in kwast.h.
*/
#ifndef KTEXT_H
#define KTEXT_H

#include <stddef.h>

#include "base/kb_buf.h"
#include "base/kb_error.h"

/*
** Converts WAT module text -- a whole '(module ...)' or bare module fields
** (core spec 6.6 and its abbreviation) -- to a binary module.
**
** @param[in]  src  the text; need not be NUL-terminated. 'len' bytes are read.
** @param[out] out  on success receives the binary (the previous contents of
**                  *out are overwritten, not freed: pass an empty kb_buf).
**                  Untouched on error.
** @return NULL on success; otherwise an error of kind KB_ERR_MALFORMED whose
**         message starts with "line:column: " followed by the spec test
**         suite's wording ("unknown operator", "unexpected token",
**         "constant out of range", "unknown label", ...), or
**         KB_ERR_OUT_OF_MEMORY, or KB_ERR_INVALID_ARGUMENT for NULL pointers.
**
** Does not take ownership of 'src'. Gives ownership of out->data to the
** caller (free with kb_buf_free) and of the returned error (kb_error_free).
** The binary carries a "name" custom section with the module name, function
** names and local names taken from the text's identifiers or (@name ...)
** annotations (tag names from (@name ...) only), unless the text gives its
** own (@custom "name" ...). (@custom ...) annotations become custom sections
** at their placement, and (@metadata.code.branch_hint ...) annotations the
** metadata.code.branch_hint section (before the code section). A misplaced
** branch hint target is an error of kind KB_ERR_INVALID (the proposal checks
** it with validation); every other annotation error is KB_ERR_MALFORMED.
*/
kb_error *ktext_wat_to_wasm(const char *src, size_t len, kb_buf *out);

#endif
