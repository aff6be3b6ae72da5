/* rules/: public API of the rule compiler and engine. Rule files (YAML, rules/README.md) are
 * compiled once into a rule_set; the engine then streams every servicing log of an install once,
 * evaluating every pattern of every rule in the same pass, reads the facts, and returns findings
 * (scenario id, severity, confidence, evidence with provenance, a repair plan with placeholders
 * filled from what the evidence captured). */
#ifndef RULE_H
#define RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/an_facts.h"
#include "analyzer/logs/an_log.h"
#include "analyzer/logs/an_logpass.h"
#include "analyzer/an_tz.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

typedef struct rule_set rule_set;

typedef enum {
    RULE_SEV_INFO,
    RULE_SEV_LOW,
    RULE_SEV_MEDIUM,
    RULE_SEV_HIGH,
    RULE_SEV_CRITICAL
} rule_severity;
typedef enum { RULE_CONF_LOW, RULE_CONF_MEDIUM, RULE_CONF_HIGH } rule_confidence;

/* "critical", "high", ... / "high", "medium", "low". */
const char *rule_severity_name(rule_severity s);
const char *rule_confidence_name(rule_confidence c);

/* Compiler errors: file as given to the load call, 1-based line of the offending YAML node
 * (0 when no line applies), message without the "file:line: " prefix. */
typedef void (*rule_err_cb)(const char *file, int line, const char *message, void *ctx);

rule_set *rule_set_new(void);
void rule_set_free(rule_set *rs); /* NULL is fine */

/* Each compiles rule files into rs. On any error every problem found is reported through
 * err_cb (may be NULL) and -EINVAL is returned; rs then keeps only the rules of files that
 * compiled cleanly. -ENOENT / -errno when a file or directory cannot be read. */
int rule_set_load_file(rule_set *rs, const char *path, rule_err_cb err_cb, void *ctx);
/* Every *.yml / *.yaml file of dir, in name order (so rule order is stable). */
int rule_set_load_dir(rule_set *rs, const char *dir, rule_err_cb err_cb, void *ctx);
/* A rule file held in memory (fuzzing, tests); name is used in messages. */
int rule_set_load_mem(rule_set *rs, const char *name, const void *data, size_t len,
                      rule_err_cb err_cb, void *ctx);
/* The rule pack shipped with the program: where an install put it relative to the running
 * binary (DATADIR/sxsdoctor/rules.d next to BINDIR, so a DESTDIR or relocated install finds
 * its own), else the source tree's rules/rules.d (the build tree), else the compiled-in
 * CMAKE_INSTALL_PREFIX path. See rules/rule_pack_dir.c. */
const char *rule_builtin_dir(void);

typedef struct {
    const char *id; /* scenario id, e.g. "SSU-EMPTY" */
    const char *title;
    rule_severity severity;
    rule_confidence confidence;
    const char *file; /* rule file it came from */
    int line;         /* line of the rule in that file */
} rule_info;

size_t rule_set_count(const rule_set *rs);
/* 0, or -ERANGE when i >= count. Strings stay valid while rs lives. */
int rule_set_info(const rule_set *rs, size_t i, rule_info *ret_info);

/* ---- evaluation ---- */

typedef struct {
    char *source;    /* log path inside the volume, or the fact's source; may be "" */
    int64_t line;    /* 1-based, or -1 */
    int64_t offset;  /* byte offset in source, or -1 */
    char *timestamp; /* "2024-03-12T10:14:22Z" (UTC) or "2024-03-12 10:14:22 (local)"; "" */
    char *text;      /* the line (capped at RULE_MAX_EVIDENCE_TEXT bytes), or "name = value" */
} rule_evidence;

typedef struct {
    char *step;
    char *command; /* "" when the step has no command, or when a placeholder value failed its
                    * kind's check (rules/README.md): then the note says which and why */
    char *where;   /* "offline", "rescue-vm" or "booted" */
    char *note;    /* "" when none */
} rule_plan_step;

typedef struct {
    char *id;
    rule_severity severity;
    rule_confidence confidence;
    char *title;
    char *description;
    rule_evidence *evidence;
    size_t nevidence;
    size_t evidence_more; /* evidence items left out after the cap */
    rule_plan_step *plan;
    size_t nplan;
    size_t rules_fired; /* rules with this id that fired (merged into this finding) */
} rule_finding;

typedef struct {
    char *path;
    const char *family; /* an_log family name */
    uint64_t lines;
    uint64_t bytes;
    double seconds;  /* wall time of decode + rule pass */
    double mb_per_s; /* bytes / 1e6 / seconds, 0 when seconds == 0 */
} rule_log_stat;

typedef struct {
    rule_finding
        *findings; /* most likely cause first (severity, then confidence, then rule order) */
    size_t nfindings;
    rule_log_stat *logs;
    size_t nlogs;
} rule_result;

void rule_result_free(rule_result *r); /* NULL is fine */

/* Progress: called before each log file is streamed (index of nlogs). */
typedef an_logpass_progress_cb rule_progress_cb;

typedef struct {
    fsa_fs *fs;              /* may be NULL: then no log is streamed */
    const char *windows_dir; /* e.g. "Windows" (path in the volume, '/'-separated) */
    const an_facts *facts;   /* may be NULL */
    const an_tz *tz;         /* may be NULL: timestamps stay local */
    const an_log_file *logs; /* from an_logs_find */
    size_t nlogs;
    const char *target_drive;  /* "F:" when NULL */
    const char *boot_drive;    /* "S:" when NULL: the system partition on the rescue VM */
    rule_progress_cb progress; /* may be NULL */
    void *progress_ctx;
} rule_eval_input;

/* Evaluates every rule of rs over one install: streams each log once (one pass, all rules),
 * then reads the facts. A log that cannot be read is a diagnostic, not a failure.
 * 0 (with *ret, even when no rule fired: nfindings == 0 means HEALTHY) or -ENOMEM/-EINVAL. */
int rule_eval_install(const rule_set *rs, const rule_eval_input *in, rule_result **ret,
                      sxs_diag *diag);

/* The same engine driven line by line (tests, benchmarks, triage folders): feed lines of each
 * log between file_begin and file_end, then finish with the facts. */
typedef struct rule_scan rule_scan;

int rule_scan_new(const rule_set *rs, rule_scan **ret);
void rule_scan_free(rule_scan *s); /* NULL is fine */
/* family: an an_log_family; path: the log's path (copied, used as evidence source). */
int rule_scan_file_begin(rule_scan *s, an_log_family family, const char *path);
/* Always 0 (the an_log_line_cb signature, ctx = the rule_scan), so it can be passed directly
 * to an_log_stream as the callback. */
int rule_scan_line_cb(const an_log_line *line, void *ctx);
int rule_scan_file_end(rule_scan *s, uint64_t bytes, double seconds);
/* The scan as a consumer of the analyzer's single log pass (an_logs_pass), beside others. */
void rule_scan_consumer(rule_scan *s, an_log_consumer *ret);
/* Marks a log family present without streaming a file (a log that exists but is unreadable). */
void rule_scan_family_present(rule_scan *s, an_log_family family);
/* Evaluates the rules with the lines seen so far and the facts (no I/O: driver-store
 * conditions read the analyzer's history.driver.* facts). in->logs and in->fs are not used. */
int rule_scan_finish(rule_scan *s, const rule_eval_input *in, rule_result **ret, sxs_diag *diag);

#endif
