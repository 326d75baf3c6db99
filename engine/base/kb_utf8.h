/*
** kb_utf8.h -- UTF-8 validation (core spec 5.2.4 "Names": names are UTF-8,
** no overlong forms, no surrogates, nothing above U+10FFFF).
*/
#ifndef KB_UTF8_H
#define KB_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool kb_utf8_valid(const uint8_t *s, size_t len);

/* Appends the UTF-8 encoding of code point 'cp' to out (4 bytes max); returns its length, 0 if invalid. */
size_t kb_utf8_encode(uint32_t cp, uint8_t out[4]);

#endif
