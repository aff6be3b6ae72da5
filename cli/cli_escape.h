/* Evidence text on a terminal: file names, registry strings and log text come from the disk and
 * may hold escape sequences, carriage returns or newlines that would rewrite or fake what the
 * responder reads. Text and Markdown output go through a stream that escapes every control
 * character but the writers' own newlines and tabs, the way `ls -b` does (\033, \r, \177, and
 * C1 controls as \302\233); values that may hold a newline of their own are written with
 * cli_put_value, which escapes it too. JSON escapes by itself and does not use this. */
#ifndef CLI_ESCAPE_H
#define CLI_ESCAPE_H

#include <stdio.h>

/* A write-only stream over out that escapes control characters except '\n' and '\t'. Close
 * it (fclose) before using out again; it does not close out. NULL on allocation failure
 * (then write to out directly). */
FILE *cli_escaping_stream(FILE *out);

/* Writes s with every control character escaped, newlines and tabs included ("\n", "\t"). */
void cli_put_value(FILE *out, const char *s);

#endif
