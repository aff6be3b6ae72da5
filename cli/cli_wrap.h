/* The text report on a terminal: a line longer than the terminal is wide (a WinSxS folder
 * name, a log line, a robocopy command) is wrapped, never cut. It breaks at the last blank
 * that fits, else after a path or name separator (\ / _), else at the width, and goes on
 * under the line's own indent plus two columns, so the report's structure stays visible.
 * Widths are counted as cli_escape.h will print the bytes (a control byte is four columns:
 * "\033"). Off a terminal nothing is wrapped: pipes, files and tests see whole lines. */
#ifndef CLI_WRAP_H
#define CLI_WRAP_H

#include <stdio.h>

/* The columns to wrap at when fd is a terminal: its width (TIOCGWINSZ), else $COLUMNS, else
 * 80; never below CLI_WRAP_MIN. 0 when fd is not a terminal (do not wrap). */
int cli_wrap_width(int fd);
#define CLI_WRAP_MIN 40

/* cli_wrap_width(STDOUT_FILENO) as it was when the program started: a worker process whose
 * stdout was redirected into a pipe to the parent (sxsdoctor EVIDENCE..., --jobs) still
 * wraps for the terminal the parent relays its report to. */
int cli_wrap_stdout_width(void);

/* A write-only stream over out that wraps lines wider than width columns (width >=
 * CLI_WRAP_MIN). Close it (fclose) before using out again; it does not close out. NULL on
 * allocation failure or a width below CLI_WRAP_MIN (then write to out directly). */
FILE *cli_wrapping_stream(FILE *out, int width);

#endif
