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

/* The candidates of one scan over a whole chunk, shared by the chunk's lines: a line of 150
 * bytes costs the per-line scan three blocks of 64, the last one masked, with a branch on each
 * block's candidates; the chunk scan costs 150 / 64 blocks a line and no branch. */
#define RULE_LITCHUNK_SPAN 32768 /* bytes scanned at once; longer lines take the line scan */
typedef struct {
    uint64_t id;      /* chunk scanned (an_log_line.chunk_id), 0 = none */
    const char *base; /* its first byte handed to this scan */
    size_t avail;     /* base[0 .. avail) readable */
    size_t next;      /* where the last line ended: the next one starts at or after it */
    size_t from, to;  /* positions whose candidate bits are known */
    uint64_t *bits;   /* RULE_LITCHUNK_SPAN / 64 words: bit q of word w, base[from + 64w + q] */
    size_t cand;      /* the next candidate at or after next, or to: none left in the span */
} rule_litchunk;

void rule_litchunk_free(rule_litchunk *c);
/* The same as rule_litset_scan(ls, text, len, hit) for a line whose text[0 .. ahead) (ahead >=
 * len) are readable bytes of chunk `id` (non-zero), which later lines of the same chunk follow
 * in order; the bytes past len may be anything. Zero-initialise c; free with
 * rule_litchunk_free. Falls back to the per-line scan where the implementation has no chunk
 * scan (SSSE3, AVX2), for a line over RULE_LITCHUNK_SPAN - 64 bytes, or out of memory. */
void rule_litset_scan_chunk(const rule_litset *ls, rule_litchunk *c, uint64_t id, const char *text,
                            size_t len, size_t ahead, uint64_t *hit);

#endif
