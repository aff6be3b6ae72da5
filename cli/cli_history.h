/* The servicing history in each report format, and the --timeline JSON Lines. */
#ifndef CLI_HISTORY_H
#define CLI_HISTORY_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/cli_json.h"
#include "cli/cli_report.h"

void cli_history_write_text(FILE *out, const cli_install_report *ir, bool verbose);
void cli_history_write_markdown(FILE *out, const cli_install_report *ir);
/* "history": [...] over every install (resolved_by indexes that array). */
void cli_history_write_json(cli_json *j, const cli_report *r);
/* Timesketch JSON Lines: one event per attempt start/end and per evidence line. 0 or -EIO. */
int cli_history_write_timeline(FILE *out, const cli_report *r);

#endif
