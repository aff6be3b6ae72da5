#include "common/sxs_grow.h"

#include <stdint.h>
#include <stdlib.h>

void *sxs_grow(void *items, size_t *cap, size_t count, size_t elem, size_t first)
{
    if (count < *cap)
        return items;
    size_t n = *cap ? *cap : first ? first : 1;
    if (*cap) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (elem == 0 || n > SIZE_MAX / elem)
        return NULL;
    void *grown = realloc(items, n * elem);
    if (grown)
        *cap = n;
    return grown;
}
