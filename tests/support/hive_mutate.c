/* Deterministic hive mutations for damage tests (see hive_mutate.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "tests/support/hive_mutate.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/registry/an_hive.h"

#define BINS 4096u
#define NK_SUBKEY_COUNT 20
#define NK_SUBKEY_LIST 28
#define NK_NAME_LEN 72
#define NK_NAME 76

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Data of the cell at off (after its size field) and the data size; NULL when out of range. */
static const uint8_t *cell(const uint8_t *h, size_t len, uint32_t off, uint32_t *ret_size)
{
    if (off % 8 != 0 || (uint64_t)BINS + off + 8 > len)
        return NULL;
    int32_t raw = (int32_t)get32(h + BINS + off);
    uint32_t size = raw < 0 ? (uint32_t)0 - (uint32_t)raw : (uint32_t)raw;
    if (size < 8 || (uint64_t)BINS + off + size > len)
        return NULL;
    *ret_size = size - 4;
    return h + BINS + off + 4;
}

static const uint8_t *key_cell(const uint8_t *h, size_t len, uint32_t off)
{
    uint32_t size;
    const uint8_t *d = cell(h, len, off, &size);
    return d && size >= NK_NAME && d[0] == 'n' && d[1] == 'k' ? d : NULL;
}

static int name_is(const uint8_t *nk, uint32_t size, const char *name, size_t name_len)
{
    uint16_t n = (uint16_t)(nk[NK_NAME_LEN] | nk[NK_NAME_LEN + 1] << 8);
    int ascii = nk[2] & 0x20;
    if (NK_NAME + (uint64_t)n > size || (ascii ? n : n / 2u) != name_len)
        return 0;
    for (size_t i = 0; i < name_len; i++) {
        unsigned c = ascii ? nk[NK_NAME + i]
                           : (unsigned)(nk[NK_NAME + 2 * i] | nk[NK_NAME + 2 * i + 1] << 8);
        if (c > 127 || tolower((int)c) != tolower((unsigned char)name[i]))
            return 0;
    }
    return 1;
}

/* Searches the subkey list at list (ri: one level of leaves) for a key named name. */
static uint32_t find_in_list(const uint8_t *h, size_t len, uint32_t list, const char *name,
                             size_t name_len, int depth)
{
    uint32_t size;
    const uint8_t *d = cell(h, len, list, &size);
    if (!d || size < 4 || depth > 2)
        return 0;
    unsigned count = (unsigned)(d[2] | d[3] << 8);
    unsigned elem = d[1] == 'f' || d[1] == 'h' ? 8 : 4;
    if (4 + (uint64_t)count * elem > size)
        return 0;
    for (unsigned i = 0; i < count; i++) {
        uint32_t target = get32(d + 4 + i * elem);
        if (d[0] == 'r') {
            uint32_t k = find_in_list(h, len, target, name, name_len, depth + 1);
            if (k)
                return k;
            continue;
        }
        uint32_t ksize;
        const uint8_t *nk = cell(h, len, target, &ksize);
        if (nk && ksize >= NK_NAME && nk[0] == 'n' && nk[1] == 'k' &&
            name_is(nk, ksize, name, name_len))
            return target;
    }
    return 0;
}

uint32_t hm_find_key(const uint8_t *hive, size_t len, const char *key_path)
{
    if (len < BINS + 8)
        return 0;
    uint32_t key = get32(hive + 36);
    while (*key_path) {
        const char *sep = strchr(key_path, '\\');
        size_t n = sep ? (size_t)(sep - key_path) : strlen(key_path);
        uint32_t list = hm_subkey_list(hive, len, key);
        key = list ? find_in_list(hive, len, list, key_path, n, 0) : 0;
        if (!key)
            return 0;
        key_path += n + (sep ? 1 : 0);
    }
    return key_cell(hive, len, key) ? key : 0;
}

uint32_t hm_subkey_list(const uint8_t *hive, size_t len, uint32_t nk)
{
    const uint8_t *d = key_cell(hive, len, nk);
    if (!d || get32(d + NK_SUBKEY_COUNT) == 0)
        return 0;
    uint32_t list = get32(d + NK_SUBKEY_LIST);
    return list == 0xFFFFFFFFu ? 0 : list;
}

int hm_make_ri(uint8_t *hive, size_t len, uint32_t list, const uint32_t *targets, unsigned n)
{
    uint32_t size;
    const uint8_t *d = cell(hive, len, list, &size);
    if (!d)
        return -EINVAL;
    if (4 + (uint64_t)n * 4 > size)
        return -ENOSPC;
    uint8_t *w = hive + (d - hive);
    w[0] = 'r';
    w[1] = 'i';
    w[2] = (uint8_t)n;
    w[3] = (uint8_t)(n >> 8);
    for (unsigned i = 0; i < n; i++)
        put32(w + 4 + 4 * i, targets[i]);
    return 0;
}

int hm_set_leaf(uint8_t *hive, size_t len, uint32_t list, unsigned i, uint32_t target)
{
    uint32_t size;
    const uint8_t *d = cell(hive, len, list, &size);
    if (!d || d[0] != 'l')
        return -EINVAL;
    unsigned elem = d[1] == 'f' || d[1] == 'h' ? 8 : 4;
    if (i >= (unsigned)(d[2] | d[3] << 8) || 4 + (uint64_t)(i + 1) * elem > size)
        return -EINVAL;
    put32(hive + (d - hive) + 4 + i * elem, target);
    return 0;
}

int hm_set_subkey_list(uint8_t *hive, size_t len, uint32_t nk, uint32_t list, uint32_t count)
{
    const uint8_t *d = key_cell(hive, len, nk);
    if (!d)
        return -EINVAL;
    put32(hive + (d - hive) + NK_SUBKEY_COUNT, count);
    put32(hive + (d - hive) + NK_SUBKEY_LIST, list);
    return 0;
}

long hm_find_file(const uint8_t *hay, size_t hay_len, const uint8_t *needle, size_t needle_len)
{
    size_t probe = needle_len < 4096 ? needle_len : 4096;
    const uint8_t *from = hay;
    while (probe && (size_t)(from - hay) + needle_len <= hay_len) {
        const uint8_t *p = memmem(from, hay_len - (size_t)(from - hay), needle, probe);
        if (!p || (size_t)(p - hay) + needle_len > hay_len)
            return -1;
        if (memcmp(p, needle, needle_len) == 0)
            return (long)(p - hay);
        from = p + 1;
    }
    return -1;
}

int hm_set_value_count(uint8_t *hive, size_t len, uint32_t nk, uint32_t count)
{
    const uint8_t *d = key_cell(hive, len, nk);
    if (!d)
        return -EINVAL;
    put32(hive + (d - hive) + 36, count);
    return 0;
}

void hm_sign_base_block(uint8_t *bb)
{
    uint32_t sum = 0;
    for (int i = 0; i < 508; i += 4)
        sum ^= get32(bb + i);
    put32(bb + 508, sum == 0 ? 1 : sum == 0xFFFFFFFFu ? 0xFFFFFFFEu : sum);
}

uint32_t hm_mark_dirty(uint8_t *hive)
{
    uint32_t secondary = get32(hive + 8);
    put32(hive + 4, secondary + 1);
    hm_sign_base_block(hive);
    return secondary;
}

uint8_t *hm_make_log(uint32_t seq, uint32_t hbins, const hm_page *pages, unsigned n,
                     size_t *ret_len)
{
    size_t data = 0;
    for (unsigned i = 0; i < n; i++)
        data += pages[i].size;
    size_t esize = (40 + 8 * (size_t)n + data + 511) / 512 * 512;
    uint8_t *b = calloc(1, 512 + esize);
    if (!b)
        return NULL;
    memcpy(b, "regf", 4);
    put32(b + 4, seq);
    put32(b + 8, seq);
    put32(b + 20, 1); /* version 1.5 */
    put32(b + 24, 5);
    put32(b + 28, 6); /* file type: new-format log */
    put32(b + 32, 1); /* format: direct memory load */
    put32(b + 40, hbins);
    put32(b + 44, 1); /* clustering factor */
    hm_sign_base_block(b);
    uint8_t *e = b + 512;
    memcpy(e, "HvLE", 4);
    put32(e + 4, (uint32_t)esize);
    put32(e + 12, seq);
    put32(e + 16, hbins);
    put32(e + 20, n);
    size_t at = 40 + 8 * (size_t)n;
    for (unsigned i = 0; i < n; i++) {
        put32(e + 40 + 8 * i, pages[i].off);
        put32(e + 44 + 8 * i, pages[i].size);
        memset(e + at, pages[i].fill, pages[i].size);
        at += pages[i].size;
    }
    uint64_t h1 = an_marvin32(e + 40, esize - 40, 0x82EF4D887A4E55C5ULL);
    uint64_t h2;
    for (int i = 0; i < 8; i++)
        e[24 + i] = (uint8_t)(h1 >> (8 * i));
    h2 = an_marvin32(e, 32, 0x82EF4D887A4E55C5ULL);
    for (int i = 0; i < 8; i++)
        e[32 + i] = (uint8_t)(h2 >> (8 * i));
    *ret_len = 512 + esize;
    return b;
}
