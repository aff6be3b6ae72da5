/* Process exit codes: a stable contract documented in DESIGN.md and the man page. */
#ifndef SXS_EXIT_H
#define SXS_EXIT_H

enum sxs_exit_code {
    SXS_EXIT_HEALTHY = 0,    /* analysis ran, nothing wrong found */
    SXS_EXIT_FINDINGS = 1,   /* analysis ran, at least one finding */
    SXS_EXIT_USAGE = 2,      /* bad command line or bad rule file */
    SXS_EXIT_UNREADABLE = 3, /* evidence unreadable, or no Windows installation found */
    SXS_EXIT_OUTPUT = 4,     /* the report (or --timeline file) could not be written; wins
                                over 0, 1 and 3, since the verdict was not delivered */
};
/* A run over several evidence exits with the worst of their codes, ranked 4 > 3 > 1 > 0 (the
 * numeric order): a verdict not delivered outranks an evidence not read, which outranks
 * findings. A crashed analysis counts as 3. 2 is never an evidence's code: usage errors stop
 * the run before any evidence is read (cli/cli_batch.c). */

#endif
