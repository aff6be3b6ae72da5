/* Finding codes in evidence text and describing them with common/sxs_errcode. */
#include "cli/cli_codes.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool have(const cli_codes *c, uint32_t code)
{
    for (size_t i = 0; i < c->count; i++)
        if (c->items[i].code == code)
            return true;
    return false;
}

void cli_codes_scan(cli_codes *c, const char *text)
{
    size_t len = strlen(text);
    for (size_t i = 0; i + 10 <= len && c->count < CLI_MAX_CODES; i++) {
        if (text[i] != '0' || (text[i + 1] != 'x' && text[i + 1] != 'X'))
            continue;
        if (i > 0 && isalnum((unsigned char)text[i - 1]))
            continue;
        uint32_t code;
        size_t n = sxs_errcode_parse_hex(text + i, len - i, &code);
        /* Exactly 8 hex digits: shorter numbers are flags, PIDs or offsets, not results. */
        if (n != 10 || (i + n < len && isxdigit((unsigned char)text[i + n])))
            continue;
        if (!(code & 0x80000000u) || have(c, code)) {
            i += n - 1;
            continue;
        }
        cli_code *e = &c->items[c->count++];
        memset(e, 0, sizeof(*e));
        e->code = code;
        e->has_extend = sxs_extend_code_decode(text + i, &e->extend) == 1;
        i += n - 1;
    }
}

void cli_code_describe(const cli_code *c, char *out, size_t cap)
{
    if (cap == 0)
        return;
    int n = sxs_errcode_format(c->code, out, cap);
    if (n < 0 || !c->has_extend)
        return;
    size_t used = strlen(out);
    const sxs_extend_code *x = &c->extend;
    snprintf(out + used, cap - used, " Extend code 0x%X: phase %s, operation %s.", x->extend,
             x->phase_label ? x->phase_label : "unknown",
             x->operation_label ? x->operation_label : "unknown");
}
