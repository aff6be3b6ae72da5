/* UTF-16LE to UTF-8 conversion for names and strings read from evidence. */
#ifndef SXS_UTF16_H
#define SXS_UTF16_H

#include <stddef.h>
#include <stdint.h>

/* Converts n_units UTF-16LE code units at in (byte buffer, unaligned is fine) to UTF-8 in out
 * (capacity out_cap, always NUL-terminated when out_cap > 0). Unpaired surrogates become U+FFFD.
 * Stops at the first NUL unit when stop_at_nul is non-zero. Returns the UTF-8 length written
 * (excluding NUL), or -ENOSPC when out was too small (out then holds a truncated, valid prefix). */
long sxs_utf16le_to_utf8(const uint8_t *in, size_t n_units, int stop_at_nul, char *out,
                         size_t out_cap);

/* Allocating variant: returns a malloc'd UTF-8 string or NULL on allocation failure. */
char *sxs_utf16le_to_utf8_dup(const uint8_t *in, size_t n_units, int stop_at_nul);

/* Encodes one code point as UTF-8 into out (at least 4 bytes); returns bytes written. */
size_t sxs_utf8_put(uint32_t cp, char *out);

#endif
