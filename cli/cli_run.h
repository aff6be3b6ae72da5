/* One run of sxsdoctor over its evidence list: each evidence analysed in a worker process of
 * its own (cli_batch.c), whose job is cli_run_one (cli_one.c). */
#ifndef CLI_RUN_H
#define CLI_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/cli_args.h"
#include "cli/cli_inputs.h"
#include "cli/cli_report.h"
#include "rules/rule.h"

typedef struct {
    const cli_options *opt;
    const cli_inputs *inputs;
    const rule_set *rules;
    const char *version;
    const char *recovery_password; /* copied out of argv (wiped there), or NULL */
    bool progress;                 /* show progress on stderr */
} cli_run;

/* Analyses inputs->paths[index] and writes its report (with its section heading when the run
 * has several evidence) to out, messages to stderr, stages to progress_fd (-1: none). Returns
 * the exit code for this evidence (0, 1, 3, or 4 when the report or timeline was not
 * written). Runs in the worker process. */
int cli_run_one(const cli_run *run, size_t index, FILE *out, int progress_fd);

/* Writes r (evidence index of the run) as the run's format to out, through an escaping
 * stream for text and Markdown. false when writing failed. */
bool cli_render(const cli_run *run, const cli_report *r, size_t index, FILE *out);

/* Runs every evidence, at most opt->jobs at once, printing their reports in input order.
 * Returns the run's exit code: the worst per-evidence code, 4 > 3 > 1 > 0. */
int cli_run_batch(const cli_run *run);

#endif
