/* libFuzzer harness for the rule pass's multi-literal prefilter (rules/rule_scan_lit.c): every
 * implementation the CPU has (scalar, SSSE3, AVX2, AVX-512 VBMI), line by line and as one chunk
 * cut into lines (rule_litset_scan_chunk), against a plain search. Input: literals, one
 * a line, up to an empty line; the first byte of each literal line is a flag (odd: caseless);
 * the rest of the input is the text. A missed or invented literal aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_scan_lit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fold_eq(uint8_t a, uint8_t b)
{
    if (a >= 'A' && a <= 'Z')
        a |= 0x20;
    if (b >= 'A' && b <= 'Z')
        b |= 0x20;
    return a == b;
}

static bool occurs(const char *t, size_t n, const rule_lit *l)
{
    for (size_t i = 0; i + l->len <= n; i++) {
        size_t k = 0;
        while (k < l->len && (l->caseless ? fold_eq((uint8_t)t[i + k], (uint8_t)l->lit[k])
                                          : t[i + k] == l->lit[k]))
            k++;
        if (k == l->len)
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rule_lit lits[64];
    size_t n = 0, i = 0;
    while (i < size && n < 64) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - data) : size;
        if (end == i) { /* empty line: the text follows */
            i++;
            break;
        }
        if (end - i >= 2) {
            lits[n] = (rule_lit){(const char *)data + i + 1, end - i - 1, data[i] & 1, n};
            n++;
        }
        i = end + (nl != NULL);
    }
    /* the text alone in an exact-size block: ASan catches reads past it */
    size_t tn = size - i;
    char *t = malloc(tn ? tn : 1);
    if (!t)
        return 0;
    memcpy(t, data + i, tn);
    uint64_t want = 0;
    for (size_t k = 0; k < n; k++)
        if (occurs(t, tn, &lits[k]))
            want |= 1ull << k;
    rule_litset *ls;
    if (rule_litset_new(lits, n, &ls) != 0)
        abort();
    static const rule_lit_impl impls[] = {RULE_LIT_SCALAR, RULE_LIT_SSSE3, RULE_LIT_AVX2,
                                          RULE_LIT_AVX512VBMI};
    for (size_t m = 0; m < sizeof(impls) / sizeof(impls[0]); m++) {
        if (rule_litset_use(ls, impls[m]) != 0)
            continue;
        uint64_t hit = 0;
        rule_litset_scan(ls, t, tn, &hit);
        if (hit != want)
            abort();
        /* the chunk scan, with the text as one reader chunk cut into lines at each LF */
        rule_litchunk c = {0};
        for (size_t at = 0; at < tn;) {
            const char *lf = memchr(t + at, '\n', tn - at);
            size_t ln = lf ? (size_t)(lf - (t + at)) : tn - at;
            uint64_t want_line = 0, got = 0;
            for (size_t k = 0; k < n; k++)
                if (occurs(t + at, ln, &lits[k]))
                    want_line |= 1ull << k;
            rule_litset_scan_chunk(ls, &c, 1, t + at, ln, tn - at, &got);
            if (got != want_line)
                abort();
            at += ln + 1;
        }
        rule_litchunk_free(&c);
    }
    rule_litset_free(ls);
    free(t);
    return 0;
}
