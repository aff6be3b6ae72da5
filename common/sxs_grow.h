/* Growth of a caller's array by doubling: the one idiom every list in the tree used to spell
 * out. */
#ifndef SXS_GROW_H
#define SXS_GROW_H

#include <stddef.h>

/* Room for one more element in items (*cap elements of elem bytes, count of them used):
 * items itself while count < *cap, else items reallocated to twice *cap (first when *cap is
 * 0) with *cap updated. NULL when memory (or size_t) runs out; items and *cap are then
 * unchanged and still the caller's. Usage:
 *     an_fact *n = sxs_grow(f->items, &f->cap, f->count, sizeof(*n), 64);
 *     if (!n) return -ENOMEM;
 *     f->items = n;                                                                        */
void *sxs_grow(void *items, size_t *cap, size_t count, size_t elem, size_t first);

#endif
