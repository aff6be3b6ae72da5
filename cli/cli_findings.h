/* Findings of one install as the report writers see them: an adapter over the rules
 * engine's result, so the writers do not depend on its internals. */
#ifndef CLI_FINDINGS_H
#define CLI_FINDINGS_H

#include <stddef.h>
#include <stdio.h>

#include "cli/cli_json.h"
#include "cli/cli_report.h"
#include "rules/rule.h"

/* Compares dotted numeric versions ("10.0.26100.5074"): <0, 0, >0. "" sorts lowest. */
int cli_version_cmp(const char *a, const char *b);

size_t cli_findings_count(const cli_install_report *ir);
/* Scenario id of the install's most likely cause, or NULL. */
const char *cli_findings_primary(const cli_install_report *ir);
void cli_findings_write_json(cli_json *j, const cli_install_report *ir);
void cli_findings_write_text(FILE *out, const cli_install_report *ir);
void cli_findings_write_markdown(FILE *out, const cli_install_report *ir);
/* The install's most likely cause, or NULL. */
const rule_finding *cli_findings_top(const cli_install_report *ir);

#endif
