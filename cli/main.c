/* sxsdoctor: entry point. Parses options, loads the rules, builds the report and prints it.
 * The only place that decides the exit code (see common/sxs_exit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli_report.h"
#include "common/sxs_exit.h"

#ifndef SXS_VERSION
#define SXS_VERSION "0.0.0"
#endif

/* Messages about the evidence go to stderr too, so a person piping --json still sees them. */
static void print_diag(const cli_report *r)
{
    for (size_t i = 0; i < sxs_diag_count(r->diag); i++) {
        const sxs_diag_entry *e = sxs_diag_get(r->diag, i);
        if (e->level < SXS_DIAG_WARN && !r->opt->verbose)
            continue;
        fprintf(stderr, "sxsdoctor: %s: %s%s", e->source ? e->source : r->opt->evidence,
                e->level == SXS_DIAG_ERROR ? "error: "
                : e->level == SXS_DIAG_WARN ? "warning: "
                                            : "",
                e->message);
        if (e->offset >= 0)
            fprintf(stderr, " (offset %lld)", (long long)e->offset);
        if (e->line >= 0)
            fprintf(stderr, " (line %lld)", (long long)e->line);
        fputc('\n', stderr);
    }
    if (sxs_diag_dropped(r->diag))
        fprintf(stderr, "sxsdoctor: %zu further messages dropped\n", sxs_diag_dropped(r->diag));
}

int main(int argc, char **argv)
{
    cli_options opt;
    if (cli_parse_args(argc, argv, &opt, stderr) < 0)
        return SXS_EXIT_USAGE;
    switch (opt.action) {
    case CLI_ACTION_HELP:
        cli_print_usage(stdout);
        return SXS_EXIT_HEALTHY;
    case CLI_ACTION_VERSION:
        printf("sxsdoctor %s\n", SXS_VERSION);
        return SXS_EXIT_HEALTHY;
    case CLI_ACTION_LIST_RULES:
    case CLI_ACTION_ANALYZE:
        break;
    }

    cli_report r = {.version = SXS_VERSION};
    int rc = cli_report_build(&r, &opt, NULL);
    print_diag(&r);
    switch (opt.format) {
    case CLI_FORMAT_JSON:
        cli_write_json(&r, stdout);
        break;
    case CLI_FORMAT_MARKDOWN:
        cli_write_markdown(&r, stdout);
        break;
    case CLI_FORMAT_TEXT:
        cli_write_text(&r, stdout);
        break;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "sxsdoctor: writing the report failed\n");
        rc = rc ? rc : SXS_EXIT_UNREADABLE;
    }
    cli_report_free(&r);
    return rc;
}
