/* Windows-style case-insensitive name comparison for UTF-8 names. NTFS upper-cases through the
 * volume's $UpCase table; this folds ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic the
 * same way, which covers the names servicing data uses (all ASCII) and common user folders. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fsaccess/fsa_backend.h"

/* Decodes one UTF-8 sequence; invalid bytes decode as themselves (so they only match
 * themselves). Advances *s. */
static uint32_t next_cp(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t c = p[0];
    int n = 0;
    if (c >= 0xC2 && c <= 0xDF)
        n = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 2;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 3;
    if (n) {
        uint32_t cp = c & (0x3Fu >> n);
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80) {
                n = 0;
                break;
            }
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if (n) {
            *s = p + n + 1;
            return cp;
        }
    }
    *s = p + 1;
    return c | 0x80000000u; /* a raw byte, kept apart from code points */
}

static uint32_t fold(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 32;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
        return c - 32;
    if (c == 0xFF)
        return 0x178;
    if (c >= 0x100 && c <= 0x137 && (c & 1))
        return c - 1;
    if (c >= 0x139 && c <= 0x148 && !(c & 1))
        return c - 1;
    if (c >= 0x14A && c <= 0x177 && (c & 1))
        return c - 1;
    if (c == 0x17A || c == 0x17C || c == 0x17E)
        return c - 1;
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2)
        return c - 32;
    if (c >= 0x430 && c <= 0x44F)
        return c - 32;
    if (c >= 0x450 && c <= 0x45F)
        return c - 80;
    return c;
}

bool fsa_name_eq(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *q) {
        if (*p < 0x80 && *q < 0x80) { /* fast path */
            unsigned char x = *p++, y = *q++;
            if (x >= 'a' && x <= 'z')
                x = (unsigned char)(x - 32);
            if (y >= 'a' && y <= 'z')
                y = (unsigned char)(y - 32);
            if (x != y)
                return false;
            continue;
        }
        if (fold(next_cp(&p)) != fold(next_cp(&q)))
            return false;
    }
    return *p == *q;
}

uint32_t fsa_name_hash(const char *name)
{
    /* FNV-1a over the folded code points: equal under fsa_name_eq means equal hash */
    const unsigned char *p = (const unsigned char *)name;
    uint32_t h = 2166136261u;
    while (*p) {
        uint32_t c;
        if (*p < 0x80) {
            c = *p++;
            if (c >= 'a' && c <= 'z')
                c -= 32;
        } else {
            c = fold(next_cp(&p));
        }
        h = (h ^ c) * 16777619u;
    }
    return h;
}
