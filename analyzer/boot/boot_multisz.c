/* REG_MULTI_SZ decoding (class filter lists): UTF-16LE strings out of untrusted value data,
 * bounded in count and length. */
#include <errno.h>
#include <string.h>

#include "analyzer/boot/an_boot_drivers.h"
#include "common/sxs_limits.h"
#include "common/sxs_utf16.h"

int an_multi_sz_each(const uint8_t *data, size_t len, an_multi_sz_cb cb, void *ctx)
{
    size_t units = data ? len / 2 : 0;
    size_t i = 0;
    int n = 0;
    /* each UTF-16 unit becomes at most 3 UTF-8 bytes (a surrogate pair, 2 units, 4 bytes) */
    char name[SXS_MAX_MULTI_SZ_ITEM * 3 + 1];
    while (i < units) {
        size_t start = i;
        while (i < units && (data[2 * i] | data[2 * i + 1]) != 0)
            i++;
        size_t slen = i - start;
        if (i < units)
            i++; /* the string's NUL */
        if (slen == 0)
            break; /* the empty string ends the list */
        if (n == SXS_MAX_MULTI_SZ_ITEMS)
            return -E2BIG;
        bool too_long = slen > SXS_MAX_MULTI_SZ_ITEM;
        size_t take = too_long ? SXS_MAX_MULTI_SZ_ITEM : slen;
        if (sxs_utf16le_to_utf8(data + 2 * start, take, 0, name, sizeof(name)) < 0)
            too_long = true; /* cannot happen with the bound above; keep the prefix */
        int r = cb(name, too_long, ctx);
        if (r != 0)
            return r;
        n++;
    }
    return n;
}
