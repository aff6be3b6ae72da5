/* Adapter between the rules engine's findings and the report writers. */
#include "cli/cli_findings.h"

#include <stdlib.h>

int cli_version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        unsigned long x = strtoul(a, (char **)&a, 10);
        unsigned long y = strtoul(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        else if (*a)
            return *b ? 0 : 1;
        if (*b == '.')
            b++;
        else if (*b)
            return -1;
    }
    return 0;
}

size_t cli_findings_count(const cli_install_report *ir)
{
    (void)ir;
    return 0;
}

const char *cli_findings_primary(const cli_install_report *ir)
{
    (void)ir;
    return NULL;
}

void cli_findings_write_json(cli_json *j, const cli_install_report *ir)
{
    (void)j;
    (void)ir;
}

void cli_findings_write_text(FILE *out, const cli_install_report *ir)
{
    (void)out;
    (void)ir;
}

void cli_findings_write_markdown(FILE *out, const cli_install_report *ir)
{
    (void)out;
    (void)ir;
}

void cli_findings_free(struct cli_findings *f)
{
    (void)f;
}
