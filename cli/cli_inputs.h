/* The evidence list of one run: EVIDENCE arguments, then the lines of each --from file. */
#ifndef CLI_INPUTS_H
#define CLI_INPUTS_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    char **paths; /* as given, in input order */
    size_t count;
} cli_inputs;

/* Builds the list from the positional arguments and the --from files ("-" is stdin): one
 * path a line, blank lines and lines starting with '#' ignored, a trailing '\r' cut. A later
 * segment of a split image whose first segment is also listed (disk.E02 beside disk.E01, as
 * `disk.E*` expands) is dropped: the first one finds it. 0, or -EINVAL after a message on
 * err naming the file and line (a usage error). */
int cli_inputs_build(char **args, int n_args, const char *const *from, int n_from, cli_inputs *ret,
                     FILE *err);
void cli_inputs_free(cli_inputs *in);

#endif
