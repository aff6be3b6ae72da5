/* UTF-16LE -> UTF-8. Invalid input never fails: it becomes U+FFFD, as evidence often holds
 * half-written strings. */
#include "common/sxs_utf16.h"

#include <errno.h>
#include <stdlib.h>

#include "common/sxs_checked.h"

size_t sxs_utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

long sxs_utf16le_to_utf8(const uint8_t *in, size_t n_units, int stop_at_nul, char *out,
                         size_t out_cap)
{
    size_t o = 0;
    if (out_cap == 0)
        return -ENOSPC;
    for (size_t i = 0; i < n_units; i++) {
        uint32_t cp = sxs_le16(in + 2 * i);
        if (cp == 0 && stop_at_nul)
            break;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n_units) {
            uint32_t lo = sxs_le16(in + 2 * (i + 1));
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else {
                cp = 0xFFFD;
            }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        char tmp[4];
        size_t n = sxs_utf8_put(cp, tmp);
        if (o + n >= out_cap) {
            out[o] = '\0';
            return -ENOSPC;
        }
        for (size_t k = 0; k < n; k++)
            out[o++] = tmp[k];
    }
    out[o] = '\0';
    return (long)o;
}

char *sxs_utf16le_to_utf8_dup(const uint8_t *in, size_t n_units, int stop_at_nul)
{
    /* Each unit yields at most 3 bytes (a surrogate pair: 4 bytes for 2 units). */
    size_t cap;
    if (n_units > (SIZE_MAX - 1) / 3)
        return NULL;
    cap = n_units * 3 + 1;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    if (sxs_utf16le_to_utf8(in, n_units, stop_at_nul, out, cap) < 0) {
        free(out);
        return NULL;
    }
    return out;
}
