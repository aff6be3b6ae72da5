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

#endif
