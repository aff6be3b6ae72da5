/* Command-line options of sxsdoctor (the contract in DESIGN.md) and the usage text. */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include <stdbool.h>
#include <stdio.h>

typedef enum {
    CLI_FORMAT_TEXT,
    CLI_FORMAT_JSON,
    CLI_FORMAT_MARKDOWN,
} cli_format;

typedef enum {
    CLI_ACTION_ANALYZE,
    CLI_ACTION_LIST_RULES,
    CLI_ACTION_HELP,
    CLI_ACTION_VERSION,
} cli_action;

#define CLI_MAX_RULE_DIRS 16
#define CLI_MAX_FROM 16

typedef struct {
    cli_action action;
    cli_format format;
    const char *target_drive; /* "F:" */
    const char *boot_drive;   /* "S:": the system partition on the rescue VM */
    int install;              /* 1-based; 0 = all */
    bool verbose;
    bool hash;            /* compute sha256 of the evidence (reads it all) */
    const char *timeline; /* --timeline FILE, or NULL */
    int progress;         /* -1 auto (stderr is a terminal), 0 off, 1 on */
    bool no_builtin_rules;
    const char *rule_dirs[CLI_MAX_RULE_DIRS];
    int n_rule_dirs;
    /* BitLocker key material: file names, or the recovery password itself (argv, wiped from
     * argv once copied into main.c, which hands the copy to diagnose/). */
    char *recovery_password;
    const char *recovery_password_file;
    const char *password_file;
    const char *bek_file;
    unsigned snapshot; /* --snapshot N: shadow copy N read as the volume; 0 = the volume now */
    char **evidence;   /* the EVIDENCE arguments, in order */
    int n_evidence;
    const char *from[CLI_MAX_FROM]; /* --from FILE lists ("-": stdin), in order */
    int n_from;
    int jobs; /* --jobs N: evidence analysed at once (1..SXS_MAX_JOBS) */
} cli_options;

/* Parses argv. 0 on success; on a usage error writes "sxsdoctor: <why>" to err and returns
 * -EINVAL. */
int cli_parse_args(int argc, char **argv, cli_options *ret, FILE *err);
void cli_print_usage(FILE *out);

#endif
