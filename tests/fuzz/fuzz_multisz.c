/* libFuzzer harness for the REG_MULTI_SZ decoder (class filter lists): arbitrary value data.
 * Checks the invariants: every string is non-empty, NUL-free UTF-8 within its bound, at most
 * SXS_MAX_MULTI_SZ_ITEMS strings, and the return value counts them. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/boot/an_boot_drivers.h"
#include "common/sxs_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_name(const char *name, bool too_long, void *ctx)
{
    int *n = ctx;
    size_t len = strlen(name);
    if (len == 0 || len > SXS_MAX_MULTI_SZ_ITEM * 3 || (too_long && len < SXS_MAX_MULTI_SZ_ITEM))
        abort();
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int n = 0;
    int r = an_multi_sz_each(data, size, on_name, &n);
    if (n > SXS_MAX_MULTI_SZ_ITEMS || (r >= 0 && r != n) ||
        (r == -E2BIG && n != SXS_MAX_MULTI_SZ_ITEMS) || (r < 0 && r != -E2BIG))
        abort();
    return 0;
}
