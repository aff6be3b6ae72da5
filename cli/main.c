/* sxsdoctor: entry point. Parses options, loads the rules, checks the evidence list, then
 * hands the run to cli_batch.c (every evidence through diagnose/sxs_diagnose.h, each in a
 * worker process). Usage errors (exit 2) are all found here, before any evidence is read. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_args.h"
#include "cli/cli_inputs.h"
#include "cli/cli_run.h"
#include "common/sxs_exit.h"
#include "rules/rule.h"

#ifndef SXS_VERSION
#define SXS_VERSION "0.0.0"
#endif

/* True when a and b name one existing file (the timeline must never overwrite evidence). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
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

/* --timeline takes one evidence and is never one of them. 0, or SXS_EXIT_USAGE. */
static int check_timeline(const cli_options *opt, const cli_inputs *inputs)
{
    if (!opt->timeline)
        return 0;
    if (inputs->count > 1) {
        fprintf(stderr,
                "sxsdoctor: --timeline takes one EVIDENCE (%zu given); run once per "
                "disk for a timeline each\n",
                inputs->count);
        return SXS_EXIT_USAGE;
    }
    if (same_file(opt->timeline, inputs->paths[0])) {
        fprintf(stderr, "sxsdoctor: --timeline %s is the evidence; it is never written\n",
                opt->timeline);
        return SXS_EXIT_USAGE;
    }
    return 0;
}

int main(int argc, char **argv)
{
    cli_options opt;
    if (cli_parse_args(argc, argv, &opt, stderr) < 0)
        return SXS_EXIT_USAGE;
    /* the recovery password leaves argv (and ps) before any work; the workers get a copy */
    char recovery_buf[128] = "";
    const char *recovery = NULL;
    if (opt.recovery_password) {
        snprintf(recovery_buf, sizeof(recovery_buf), "%s", opt.recovery_password);
        explicit_bzero(opt.recovery_password, strlen(opt.recovery_password));
        recovery = recovery_buf;
    }
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

    cli_inputs inputs;
    if (cli_inputs_build(opt.evidence, opt.n_evidence, opt.from, opt.n_from, &inputs, stderr) < 0) {
        rule_set_free(rules);
        return SXS_EXIT_USAGE;
    }
    int rc = check_timeline(&opt, &inputs);
    if (rc == 0) {
        cli_run run = {
            .opt = &opt,
            .inputs = &inputs,
            .rules = rules,
            .version = SXS_VERSION,
            .recovery_password = recovery,
            .progress = opt.progress == 1 || (opt.progress == -1 && isatty(STDERR_FILENO)),
        };
        rc = cli_run_batch(&run);
    }
    explicit_bzero(recovery_buf, sizeof(recovery_buf));
    cli_inputs_free(&inputs);
    rule_set_free(rules);
    return rc;
}
