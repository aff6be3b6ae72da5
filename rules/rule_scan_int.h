/* rules/: state of one evaluation pass (rule_scan.c), read by rule_eval.c to build findings. */
#ifndef RULE_SCAN_INT_H
#define RULE_SCAN_INT_H

#include "rules/rule_int.h"
#include "rules/rule_scan_lit.h"

typedef struct {
    const char *source; /* owned by the scan's path list */
    int64_t line;
    int64_t offset;
    char ts[48];
    char *text;
} rule_ev;

typedef struct {
    char *vals[RULE_MAX_CAPTURE_VALUES];
    size_t nvals;
} rule_capture;

typedef struct {
    uint64_t count;
    rule_ev ev[RULE_MAX_EVIDENCE];
    size_t nev;
    rule_capture *caps; /* one per named group of the pattern */
    size_t ncaps;
    pcre2_match_data *md;
    size_t *corrs; /* anchor: correlations anchored on this pattern */
    size_t ncorrs;
    /* correlation: forward window and the last line tested */
    bool fwd_active;
    size_t fwd_seq;
    int64_t fwd_until;
    size_t file_seq;
    uint64_t last_line;
} rule_pat_state;

typedef struct {
    const char *at; /* the line: text, or in place in the reader's chunk `chunk` */
    uint64_t chunk; /* 0: at == text */
    char *text;     /* RULE_CORR_TEXT + 1 bytes of our own */
    size_t len;
    uint64_t line_no;
    uint64_t offset;
    bool has_time; /* the line's own timestamp (for evidence) */
    bool utc;
    int64_t time;
    bool has_eff; /* time used for correlation: own, else the last one seen in the file */
    int64_t eff;
} rule_ring_line;

/* Patterns of one log family and their prefilter: one multi-literal pass (rule_scan_lit.c)
 * over each line finds the required literal of every pattern at once, short or long,
 * case-sensitive or caseless. */
typedef struct {
    size_t *pats; /* canonical state indices */
    size_t npats;
    rule_lit *lits; /* k = index into pats */
    size_t nlits;
    rule_litset *ls;
    uint64_t *always; /* bit k: pattern k has no literal (tried on every line) */
    uint64_t *hit;    /* bit k: pattern k's literal is in the current line */
    size_t nwords;    /* of always and hit */
} rule_family_filter;

struct rule_scan {
    const rule_set *rs;
    rule_pat_state *ps;
    size_t *canon; /* per pattern: the state it shares (identical log patterns share one) */
    rule_family_filter fam[AN_LOG_FAMILY_COUNT];
    bool family_has_corr[AN_LOG_FAMILY_COUNT];
    bool family_present[AN_LOG_FAMILY_COUNT];
    pcre2_match_context *mctx;
    uint64_t match_limit_hits;
    /* current file */
    bool in_file;
    char *cur_path;
    an_log_family cur_family;
    size_t file_seq;
    uint64_t cur_lines;
    bool have_time;
    int64_t last_time;
    bool last_utc;
    rule_ring_line ring[RULE_CORR_RING];
    size_t ring_head, ring_n;
    uint64_t ring_chunk; /* the reader's chunk of the last line seen (an_log_line.chunk_id) */
    rule_litchunk chunk; /* the literal pass's candidates in the current reader chunk */
    size_t *active;
    size_t nactive;
    /* all files */
    char **paths;
    size_t npaths;
    rule_log_stat *stats;
    size_t nstats;
};

/* "2024-03-12T10:14:22Z" / "2024-03-12 10:14:22 (local)" / "" */
void rule_format_time(bool has_time, int64_t t, bool utc, char out[48]);

#endif
