/* The pipeline as a library: open one evidence read-only, run every collector and the rules
 * over each Windows installation, judge, and hand back the report as data. Front ends (the
 * sxsdoctor command, one disk or many) call sxs_diagnose() and format what it returns; no
 * printing here (progress goes through a callback). */
#ifndef SXS_DIAGNOSE_H
#define SXS_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzer/an_facts.h"
#include "analyzer/logs/an_log.h"
#include "analyzer/an_tz.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"
#include "rules/rule.h"

struct an_history;

/* Progress: a short stage ("installation 1: registry hives"); ctx is progress_ctx. */
typedef void (*sxs_progress_cb)(const char *stage, void *ctx);

typedef struct {
    const rule_set *rules;    /* NULL: no rule is evaluated */
    const char *target_drive; /* "F:", used in repair commands */
    const char *boot_drive;   /* "S:" */
    int install;              /* 1-based; 0 = every installation */
    bool hash;                /* SHA-256 of the whole evidence (reads every byte) */
    /* BitLocker key material (any may be NULL); never copied into the report */
    const char *recovery_password;
    const char *recovery_password_file;
    const char *password_file;
    const char *bek_file;
    unsigned snapshot; /* shadow copy N read as the volume; 0 = the volume now */
    sxs_progress_cb progress; /* may be NULL */
    void *progress_ctx;
} sxs_diagnose_options;

typedef struct {
    const fsa_install_info *info;
    bool analysed; /* false when the install option excluded it */
    an_facts *facts;
    an_tz tz;
    an_log_file *logs;
    size_t n_logs;
    rule_result *findings;      /* ordered, most likely cause first; NULL if not evaluated */
    struct an_history *history; /* servicing history (analyzer/history/an_history.h), or NULL */
} sxs_install_report;

typedef enum {
    SXS_VERDICT_HEALTHY,
    SXS_VERDICT_FINDINGS,
    SXS_VERDICT_UNREADABLE,
} sxs_verdict;

typedef struct {
    char *evidence;   /* the path as given */
    fsa_evidence *ev; /* NULL when the evidence could not be opened */
    char sha256[65];  /* "" unless hash was asked */
    sxs_install_report *installs;
    size_t n_installs;
    sxs_diag *diag; /* everything that could not be read, and why */
    sxs_verdict verdict;
    char summary[512];
    const char *primary_id; /* scenario id of the most likely cause, or NULL */
} sxs_report;

/* Diagnoses one evidence. Never fails on bad evidence: what could not be analysed ends up in
 * the report's diag and verdict. 0 and *ret_report set (free with sxs_report_free), or
 * -ENOMEM when not even an empty report could be made. */
int sxs_diagnose(const char *evidence, const sxs_diagnose_options *opt, sxs_report **ret_report);
void sxs_report_free(sxs_report *r);

/* A report with no evidence behind it, verdict unreadable, summary and one error naming
 * evidence: for a front end that lost the analysis itself (a crashed worker). NULL on
 * allocation failure. */
sxs_report *sxs_report_new_failed(const char *evidence, const char *message);

/* The process exit code of a verdict (common/sxs_exit.h): 0, 1 or 3. */
int sxs_verdict_exit_code(sxs_verdict v);
/* The value of fact name of an install, or NULL. */
const char *sxs_install_fact(const sxs_install_report *ir, const char *name);
/* The install's most likely cause, or NULL. */
const rule_finding *sxs_install_top(const sxs_install_report *ir);
/* A BitLocker recovery password: 48 digits, 8 groups of 6 joined by '-'. */
bool sxs_valid_recovery_password(const char *s);

#endif
