/*
** kb_leb.c -- LEB128 decoding with the spec's size and padding rules.
*/
#include "kb_leb.h"

kb_leb_status kb_leb_u(const uint8_t *p, size_t end, size_t *pos, unsigned bits, uint64_t *out) {
    uint64_t result = 0;
    unsigned shift = 0;
    size_t i = *pos;
    unsigned max_bytes = (bits + 6) / 7;
    for (unsigned n = 0;; n++) {
        if (i >= end) return KB_LEB_END;
        if (n >= max_bytes) return KB_LEB_TOO_LONG;
        uint8_t byte = p[i++];
        if (n == max_bytes - 1) {
            /* Last permitted byte: only the remaining bits may be set. */
            unsigned remaining = bits - shift;
            if (byte & 0x80) return KB_LEB_TOO_LONG;
            if (remaining < 7 && (byte >> remaining) != 0) return KB_LEB_TOO_LARGE;
        }
        result |= (uint64_t)(byte & 0x7F) << shift;
        shift += 7;
        if (!(byte & 0x80)) break;
    }
    *pos = i;
    *out = result;
    return KB_LEB_OK;
}

kb_leb_status kb_leb_s(const uint8_t *p, size_t end, size_t *pos, unsigned bits, int64_t *out) {
    uint64_t result = 0;
    unsigned shift = 0;
    size_t i = *pos;
    unsigned max_bytes = (bits + 6) / 7;
    uint8_t byte = 0;
    for (unsigned n = 0;; n++) {
        if (i >= end) return KB_LEB_END;
        if (n >= max_bytes) return KB_LEB_TOO_LONG;
        byte = p[i++];
        if (n == max_bytes - 1) {
            if (byte & 0x80) return KB_LEB_TOO_LONG;
            /* The bits above 'bits' must all equal the sign bit. */
            unsigned remaining = bits - shift; /* 1..7 */
            if (remaining < 7) {
                int sign = (byte >> (remaining - 1)) & 1;
                uint8_t upper = (uint8_t)(byte & 0x7F) >> remaining;
                uint8_t want = sign ? (uint8_t)(0x7F >> remaining) : 0;
                if (upper != want) return KB_LEB_TOO_LARGE;
            }
        }
        result |= (uint64_t)(byte & 0x7F) << shift;
        shift += 7;
        if (!(byte & 0x80)) break;
    }
    if (shift < 64 && (byte & 0x40)) result |= ~(uint64_t)0 << shift;
    *pos = i;
    *out = (int64_t)result;
    return KB_LEB_OK;
}

const char *kb_leb_message(kb_leb_status status) {
    switch (status) {
    case KB_LEB_OK: return "";
    case KB_LEB_END: return "unexpected end";
    case KB_LEB_TOO_LONG: return "integer representation too long";
    case KB_LEB_TOO_LARGE: return "integer too large";
    }
    return "malformed integer";
}
