/* rules/: the compiled form of rule files, shared by the compiler (rule_compile.c), the name
 * tables (rule_names.c) and the engine (rule_scan.c, rule_eval.c). Not for other modules. */
#ifndef RULE_INT_H
#define RULE_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "common/sxs_buf.h"
#include "rules/rule.h"
#include "rules/rule_quote.h"

/* Limits of the rules module (not in common/sxs_limits.h, which the lead owns). */

/* Evidence items kept per finding; the rest are counted. Twenty lines are what an engineer
 * reads in a ticket; the count says how many more exist. */
#define RULE_MAX_EVIDENCE 20
/* Bytes of a log line kept as evidence text: real servicing lines are < 1 KiB; a cut line still
 * identifies itself by source and line number. */
#define RULE_MAX_EVIDENCE_TEXT 1024
/* Distinct values kept per capture name: a plan naming more than 16 INFs/folders is unreadable
 * and the evidence list shows the rest. */
#define RULE_MAX_CAPTURE_VALUES 16
/* Bytes of one captured value. */
#define RULE_MAX_CAPTURE_LEN 512
/* Lines remembered for backward correlation (lines sharing a timestamp with an anchor). CBS
 * writes at most a few dozen lines per second around a driver failure. */
#define RULE_CORR_RING 64
/* Bytes of a remembered line: correlation patterns look at the start of lines. */
#define RULE_CORR_TEXT 4096
/* Widest correlation window: lines of one failure share a timestamp or follow within
 * seconds; a day is far beyond any real use and keeps time arithmetic far from overflow. */
#define RULE_MAX_WITHIN 86400
/* Nesting of all/any/not: real rules use 3 levels; the limit stops hostile files (and YAML
 * alias cycles) from exhausting the stack. */
#define RULE_MAX_DEPTH 32
/* YAML collections nested in a rule file (flow [ { and block sequences/mappings), checked
 * before libyaml loads the file: libyaml's scanner is quadratic in flow nesting (200,000 '['
 * took > 120 s). A condition at RULE_MAX_DEPTH is about 2 levels per all/any (a mapping holding
 * a sequence) plus the rule list around it, about 70; the shipped rules reach 9. */
#define RULE_MAX_YAML_DEPTH 128
/* YAML nodes visited per file: stops alias "billion laughs" expansion. */
#define RULE_MAX_NODE_VISITS 100000
/* Rule file size: the shipped files are < 10 KiB. */
#define RULE_MAX_FILE_SIZE (1024 * 1024)
/* Rules per set, patterns per set: bounds per-line work and memory. */
#define RULE_MAX_RULES 4096
#define RULE_MAX_PATTERNS 4096
/* Numeric match limit for PCRE2 so one pathological regex cannot stall a 300 MB pass. */
#define RULE_PCRE2_MATCH_LIMIT 100000

typedef enum {
    COND_ALL,
    COND_ANY,
    COND_NOT,
    COND_LOG,       /* a pattern over one log family */
    COND_CORRELATE, /* lines near an anchor pattern's matches */
    COND_FACT,
    COND_LOG_PRESENT,
    COND_LOG_ABSENT,
    COND_DRIVERSTORE, /* captured INF names looked up in DriverStore\FileRepository */
} rule_cond_kind;

typedef enum {
    FACT_EXISTS,
    FACT_MISSING,
    FACT_EQUALS,
    FACT_NOT_EQUALS,
    FACT_IN,
    FACT_NOT_IN,
    FACT_MATCHES,
    FACT_LT,
    FACT_LE,
    FACT_GT,
    FACT_GE,
    FACT_EQ,
    FACT_NE,
} rule_fact_op;

typedef struct rule_cond rule_cond;

typedef struct {
    uint32_t number; /* PCRE2 group number */
    char *name;      /* placeholder name */
} rule_group;

struct rule_cond {
    rule_cond_kind kind;
    int line;
    /* all / any / not */
    rule_cond **kids;
    size_t nkids;
    /* log / correlate / log_present / log_absent */
    an_log_family family; /* first family named */
    uint32_t families;    /* bit per an_log_family ("log:" may name several) */
    char *pattern;
    pcre2_code *re;
    bool jit;
    char *literal; /* required literal for the prefilter, or NULL */
    size_t literal_len;
    bool literal_caseless;
    bool ignore_case;
    uint64_t min_count;
    bool cite;
    char *label;        /* "as:" name of a log condition */
    rule_group *groups; /* named groups */
    size_t ngroups;
    size_t pat_index;  /* index into the set's pattern table (log + correlate) */
    rule_cond *anchor; /* correlate: the log condition whose matches anchor the window */
    char *anchor_label;
    int64_t within; /* correlate: seconds either side */
    /* fact */
    char *fact;
    rule_fact_op op;
    char *sval;
    int64_t nval;
    char **set;
    size_t nset;
    char *capture; /* placeholder receiving the fact value */
};

typedef struct {
    char *step, *command, *where, *note;
    char *foreach; /* placeholder to repeat the step for, or NULL */
    int line;
} rule_step;

typedef struct {
    char *id;
    char *title;
    char *description;
    rule_severity severity;
    rule_confidence confidence;
    rule_cond *when;
    rule_cond *context; /* "context:": cited (and captured) when true, never decides */
    rule_step *steps;
    size_t nsteps;
    char **unless; /* scenario ids whose finding silences this rule */
    size_t nunless;
    char *file;
    int line;
    size_t order; /* position in the set */
} rule_def;

struct rule_set {
    rule_def **rules;
    size_t nrules;
    rule_cond **pats; /* every log and correlate condition, indexed by pat_index */
    size_t npats;
};

/* rule_names.c */
bool rule_known_scenario(const char *id);
bool rule_known_fact(const char *name);
bool rule_known_placeholder(const char *name);
bool rule_builtin_placeholder(const char *name);
/* The kind of placeholder name[0..len); false when the name is unknown. */
bool rule_placeholder_kind(const char *name, size_t len, rule_kind *ret_kind);

/* rule_text.c: placeholder syntax "{name}" / "{name|default}", "{{" and "}}" for braces.
 * Calls cb for each placeholder name; returns 0, or -EINVAL on a malformed brace (then
 * *ret_bad_pos is its byte offset). */
typedef int (*rule_placeholder_cb)(const char *name, size_t len, void *ctx);
int rule_text_placeholders(const char *text, rule_placeholder_cb cb, void *ctx,
                           size_t *ret_bad_pos);

/* Literal a pattern requires in every match (for the multi-literal prefilter), or NULL. malloc'd. */
char *rule_required_literal(const char *pattern, size_t *ret_len, bool *ret_caseless);

/* Expands placeholders of text into out: lookup returns the value for a name or NULL (then the
 * "|default" text, else the name in angle brackets, e.g. "<inf>", is used). 0 or -errno. */
typedef const char *(*rule_lookup_cb)(const char *name, size_t len, void *ctx);
int rule_text_render(const char *text, rule_lookup_cb lookup, void *ctx, sxs_buf *out);

void rule_cond_free(rule_cond *c);
void rule_def_free(rule_def *r);

#endif
