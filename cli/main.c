/* sxsdoctor: entry point. Parses options, loads the rules, builds the report and prints it.
 * The only place that decides the exit code (see common/sxs_exit.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli_args.h"
#include "cli/cli_escape.h"
#include "cli/cli_progress.h"
#include "cli/cli_history.h"
#include "cli/cli_report.h"
#include "common/sxs_exit.h"
#include "rules/rule.h"

#ifndef SXS_VERSION
#define SXS_VERSION "0.0.0"
#endif

/* Messages about the evidence go to stderr too, so a person piping --json still sees them. */
/* True when a and b name one existing file (the timeline must never overwrite evidence). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int write_timeline(const cli_report *r, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "sxsdoctor: cannot write the timeline %s: %s\n", path, strerror(errno));
        return -errno;
    }
    int rc = cli_history_write_timeline(f, r);
    if (fclose(f) != 0 || rc < 0) {
        fprintf(stderr, "sxsdoctor: writing the timeline %s failed\n", path);
        return -EIO;
    }
    return 0;
}

static void print_diag(const cli_report *r)
{
    for (size_t i = 0; i < sxs_diag_count(r->diag); i++) {
        const sxs_diag_entry *e = sxs_diag_get(r->diag, i);
        if (e->level < SXS_DIAG_WARN && !r->opt->verbose)
            continue;
        fputs("sxsdoctor: ", stderr);
        cli_put_value(stderr, e->source ? e->source : r->opt->evidence);
        fputs(e->level == SXS_DIAG_ERROR  ? ": error: "
              : e->level == SXS_DIAG_WARN ? ": warning: "
                                          : ": ",
              stderr);
        cli_put_value(stderr, e->message);
        if (e->offset >= 0)
            fprintf(stderr, " (offset %lld)", (long long)e->offset);
        if (e->line >= 0)
            fprintf(stderr, " (line %lld)", (long long)e->line);
        fputc('\n', stderr);
    }
    if (sxs_diag_dropped(r->diag))
        fprintf(stderr, "sxsdoctor: %zu further messages dropped\n", sxs_diag_dropped(r->diag));
}

static void print_rule_error(const char *file, int line, const char *message, void *ctx)
{
    int *count = ctx;
    (*count)++;
    if (line > 0)
        fprintf(stderr, "%s:%d: %s\n", file, line, message);
    else
        fprintf(stderr, "%s: %s\n", file, message);
}

/* Built-in rule pack unless --no-builtin-rules, then every --rules DIR (a file works too). */
static int load_rules(const cli_options *opt, rule_set **ret)
{
    rule_set *rs = rule_set_new();
    if (!rs) {
        fputs("sxsdoctor: out of memory\n", stderr);
        return -1;
    }
    int errors = 0;
    if (!opt->no_builtin_rules &&
        rule_set_load_dir(rs, rule_builtin_dir(), print_rule_error, &errors) < 0 && errors == 0) {
        fprintf(stderr, "sxsdoctor: cannot read the built-in rules in %s\n", rule_builtin_dir());
        errors++;
    }
    for (int i = 0; i < opt->n_rule_dirs; i++) {
        struct stat st;
        const char *d = opt->rule_dirs[i];
        int before = errors;
        int rc = (stat(d, &st) == 0 && S_ISREG(st.st_mode))
                     ? rule_set_load_file(rs, d, print_rule_error, &errors)
                     : rule_set_load_dir(rs, d, print_rule_error, &errors);
        if (rc < 0 && errors == before) {
            fprintf(stderr, "sxsdoctor: cannot read rules from %s: %s\n", d, strerror(-rc));
            errors++;
        }
    }
    if (errors) {
        rule_set_free(rs);
        return -1;
    }
    *ret = rs;
    return 0;
}

static void list_rules(const rule_set *rs)
{
    size_t n = rule_set_count(rs);
    printf("%-18s %-9s %-7s %s\n", "ID", "SEVERITY", "CONF.", "TITLE (FILE:LINE)");
    for (size_t i = 0; i < n; i++) {
        rule_info info;
        if (rule_set_info(rs, i, &info) < 0)
            continue;
        printf("%-18s %-9s %-7s %s (%s:%d)\n", info.id, rule_severity_name(info.severity),
               rule_confidence_name(info.confidence), info.title, info.file, info.line);
    }
    printf("%zu rule(s)\n", n);
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

    rule_set *rules = NULL;
    if (load_rules(&opt, &rules) < 0)
        return SXS_EXIT_USAGE;
    if (opt.action == CLI_ACTION_LIST_RULES) {
        list_rules(rules);
        rule_set_free(rules);
        return SXS_EXIT_HEALTHY;
    }

    if (opt.timeline && same_file(opt.timeline, opt.evidence)) {
        fprintf(stderr, "sxsdoctor: --timeline %s is the evidence; it is never written\n",
                opt.timeline);
        rule_set_free(rules);
        return SXS_EXIT_USAGE;
    }
    cli_progress_init(opt.progress);
    cli_report r = {.version = SXS_VERSION};
    int rc = cli_report_build(&r, &opt, rules);
    print_diag(&r);
    bool undelivered = opt.timeline && write_timeline(&r, opt.timeline) < 0;
    /* text and Markdown carry evidence text to a terminal: escaped (cli_escape.h) */
    FILE *esc = opt.format == CLI_FORMAT_JSON ? NULL : cli_escaping_stream(stdout);
    FILE *out = esc ? esc : stdout;
    switch (opt.format) {
    case CLI_FORMAT_JSON:
        cli_write_json(&r, out);
        break;
    case CLI_FORMAT_MARKDOWN:
        cli_write_markdown(&r, out);
        break;
    case CLI_FORMAT_TEXT:
        cli_write_text(&r, out);
        break;
    }
    if (esc && fclose(esc) != 0)
        undelivered = true;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "sxsdoctor: writing the report to standard output failed: %s\n",
                strerror(errno));
        undelivered = true;
    }
    if (undelivered)
        rc = SXS_EXIT_OUTPUT;
    cli_report_free(&r);
    rule_set_free(rules);
    return rc;
}
