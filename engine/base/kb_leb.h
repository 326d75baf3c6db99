/*
** kb_leb.h -- LEB128 decoding (WebAssembly core spec 5.2.2 "Integers").
** The decoder enforces the spec's two rules: at most ceil(N/7) bytes, and the
** unused bits of the last byte must be zero (unsigned) or a sign extension
** (signed). Violations are "integer representation too long" and
** "integer too large" respectively.
*/
#ifndef KB_LEB_H
#define KB_LEB_H

#include <stddef.h>
#include <stdint.h>

typedef enum kb_leb_status {
    KB_LEB_OK = 0,
    KB_LEB_END,      /* ran out of bytes: "unexpected end" */
    KB_LEB_TOO_LONG, /* more bytes than the width allows: "integer representation too long" */
    KB_LEB_TOO_LARGE /* unused bits set: "integer too large" */
} kb_leb_status;

/*
** Reads an unsigned (kb_leb_u) or signed (kb_leb_s) LEB128 number of at most
** 'bits' bits from p[*pos .. end). On success advances *pos.
*/
kb_leb_status kb_leb_u(const uint8_t *p, size_t end, size_t *pos, unsigned bits, uint64_t *out);
kb_leb_status kb_leb_s(const uint8_t *p, size_t end, size_t *pos, unsigned bits, int64_t *out);

/* The spec's wording for a status (never NULL; "" for KB_LEB_OK). */
const char *kb_leb_message(kb_leb_status status);

#endif
