/* The report model: everything one run learned, built by cli_collect.c and printed by one
 * writer per format (cli_out_text.c, cli_out_json.c, cli_out_md.c). */
#ifndef CLI_REPORT_H
#define CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analyzer/an_facts.h"
#include "analyzer/an_log.h"
#include "analyzer/an_tz.h"
#include "cli/cli_args.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

typedef struct {
    const fsa_install_info *info;
    bool analysed;        /* false when --install excluded it */
    an_facts *facts;
    an_tz tz;
    an_log_file *logs;
    size_t n_logs;
    struct cli_findings *findings; /* opaque here; see cli_findings.h */
    struct an_history *history;    /* servicing history (analyzer/an_history.h), or NULL */
} cli_install_report;

typedef enum {
    CLI_VERDICT_HEALTHY,
    CLI_VERDICT_FINDINGS,
    CLI_VERDICT_UNREADABLE,
} cli_verdict;

typedef struct {
    const cli_options *opt;
    const char *version;
    fsa_evidence *ev;         /* NULL when the evidence could not be opened */
    char sha256[65];          /* "" unless --hash */
    cli_install_report *installs;
    size_t n_installs;
    sxs_diag *diag;           /* everything that could not be read, and why */
    cli_verdict verdict;
    char summary[512];
    const char *primary_id;   /* scenario id of the most likely cause, or NULL */
} cli_report;

/* Opens the evidence, runs every collector and the rules. Fills r; never fails outright:
 * what could not be analysed ends up in r->diag and the verdict. Returns the exit code. */
struct rule_set;
int cli_report_build(cli_report *r, const cli_options *opt, const struct rule_set *rules);
void cli_report_free(cli_report *r);

void cli_write_text(const cli_report *r, FILE *out);
void cli_write_json(const cli_report *r, FILE *out);
void cli_write_markdown(const cli_report *r, FILE *out);

/* Helpers shared by the writers. */
const char *cli_fact_str(const cli_install_report *ir, const char *name); /* NULL if absent */
/* With --snapshot: "volume 1 is read as its shadow copy vss2 {id}, created 2013-12-03 06:37:48
 * UTC (the volume as it was then, not as it is now)", one sentence per volume read so, into
 * out; false (out "") without. */
bool cli_snapshot_text(const cli_report *r, char *out, size_t cap);

#endif
