/* The report as the writers see it: one evidence's diagnosis (diagnose/sxs_diagnose.h, built
 * by the library) with what the command line adds (options, version, the path as given).
 * One writer per format (cli_out_text.c, cli_out_json.c, cli_out_md.c). */
#ifndef CLI_REPORT_H
#define CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/cli_args.h"
#include "diagnose/sxs_diagnose.h"

typedef sxs_install_report cli_install_report;

typedef struct {
    const cli_options *opt;
    const char *version;
    const char *input;   /* the evidence path as given (evidence.input) */
    const sxs_report *d; /* the diagnosis */
} cli_report;

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
