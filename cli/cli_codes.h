/* Error codes cited by a finding's evidence, decoded for people (0x80070003 ->
 * ERROR_PATH_NOT_FOUND; "0xC1900101 - 0x2000D" -> Safe OS phase, migrate data). */
#ifndef CLI_CODES_H
#define CLI_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "common/sxs_errcode.h"

#define CLI_MAX_CODES 16 /* a finding cites a handful; more would bury the first ones */

typedef struct {
    uint32_t code;
    bool has_extend;
    sxs_extend_code extend; /* valid when has_extend */
} cli_code;

typedef struct {
    cli_code items[CLI_MAX_CODES];
    size_t count;
} cli_codes;

/* Adds every failure code (high bit set) written as 0x + 8 hex digits in text, once each, in
 * order of appearance, with the setup extend code when one follows ("0xC1900101 - 0x2000D"). */
void cli_codes_scan(cli_codes *c, const char *text);

/* "0x80070003 ERROR_PATH_NOT_FOUND: The system cannot find the path specified." plus, for an
 * extend code, " Setup phase: Safe OS; operation: migrate data." */
void cli_code_describe(const cli_code *c, char *out, size_t cap);

#endif
