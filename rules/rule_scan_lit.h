/* rules/: one multi-literal pass over a line (rule_scan_lit.c). Tells, for every literal of a
 * set (case-sensitive or ASCII-caseless, any length >= 1), whether the line holds it. */
#ifndef RULE_SCAN_LIT_H
#define RULE_SCAN_LIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *lit; /* not owned: the pattern's literal, alive as long as the set */
    size_t len;
    bool caseless; /* ASCII case folding, as strcasestr in the C locale */
    size_t k;      /* what the caller marks in hit[] when the literal occurs */
} rule_lit;

typedef struct rule_litset rule_litset;

/* Which inner loop scans: the fastest the CPU has, or a given one (tests compare them). */
typedef enum {
    RULE_LIT_AUTO,
    RULE_LIT_SCALAR,
    RULE_LIT_SSSE3,
    RULE_LIT_AVX2,
    RULE_LIT_AVX512VBMI
} rule_lit_impl;

/* lits[0..n) are copied (their strings are not). n may be 0. -ENOMEM, -EINVAL (empty literal). */
int rule_litset_new(const rule_lit *lits, size_t n, rule_litset **ret);
void rule_litset_free(rule_litset *ls);
/* 0, or -ENOTSUP when the CPU lacks that implementation. */
int rule_litset_use(rule_litset *ls, rule_lit_impl impl);
rule_lit_impl rule_litset_impl(const rule_litset *ls);
/* Sets bit lit.k of hit (64 per word) for every literal that occurs in text[0..len); leaves the
 * other bits. */
void rule_litset_scan(const rule_litset *ls, const char *text, size_t len, uint64_t *hit);

#endif
