/*
** kcode_int.h -- code/-private declarations shared by the files of engine/code.
*/
#ifndef KCODE_INT_H
#define KCODE_INT_H

#include "code/kcode.h"

/*
** A code memory over an existing read-only mapping of 'map_len' bytes whose
** first 'len' bytes are a checked image; takes ownership of the mapping
** (munmap at the last release). NULL when out of memory (the mapping is then
** still the caller's).
*/
kcode_mem *kcode_mem_wrap(uint8_t *base, size_t map_len, size_t len, uint32_t origin);

#endif
