/* Error codes seen in servicing logs: HRESULT, Win32, NTSTATUS, CBS/PSFX, SetupAPI and setup
 * (MoSetup) codes to symbolic name + short meaning, and setup "extend codes"
 * ("0xC1900101 - 0x2000D": phase and operation of the failure). Pure data, no evidence access. */
#ifndef SXS_ERRCODE_H
#define SXS_ERRCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    SXS_ERRKIND_WIN32,    /* ERROR_* (also reached through HRESULT_FROM_WIN32 0x8007xxxx) */
    SXS_ERRKIND_HRESULT,  /* E_*, WU_E_*, REGDB_E_*, ... */
    SXS_ERRKIND_NTSTATUS, /* STATUS_* (also reached through HRESULT_FROM_NT, bit 0x10000000) */
    SXS_ERRKIND_CBS,      /* CBS_E_*, PSFX_E_* (facility 0x0F, 0x800Fxxxx) */
    SXS_ERRKIND_SETUP,    /* setup / upgrade result codes (0xC19xxxxx, 0x81000037); these have
                             no public symbolic names, ours are descriptive */
    SXS_ERRKIND_SETUPAPI, /* SetupAPI device-install codes 0xE000xxxx */
} sxs_errkind;

typedef struct {
    uint32_t code; /* as stored in the table (a Win32 code for 0x8007xxxx lookups) */
    sxs_errkind kind;
    const char *name;    /* e.g. "ERROR_PATH_NOT_FOUND" */
    const char *meaning; /* one sentence */
} sxs_errcode_info;

/* The entry for code, or NULL. An HRESULT_FROM_WIN32 (0x8007xxxx) not in the table falls back
 * to its Win32 code, an HRESULT_FROM_NT (0xDxxxxxxx) to its NTSTATUS. */
const sxs_errcode_info *sxs_errcode_lookup(uint32_t code);

/* "0x80070003 ERROR_PATH_NOT_FOUND: The system cannot find the path specified." or, for an
 * unknown code, "0x8024xxxx (unknown code, facility WindowsUpdate)". Returns the length, or
 * -ENOSPC when cap was too small (out then holds a truncated, NUL-terminated prefix). */
int sxs_errcode_format(uint32_t code, char *out, size_t cap);

/* Name of the facility of an HRESULT (bits 16..26), e.g. "Win32", "WindowsUpdate", or NULL. */
const char *sxs_errcode_facility(uint32_t code);

/* Parses "0x" + 1..8 hex digits at text (leading spaces allowed); returns the characters
 * consumed, 0 when there is no such number. */
size_t sxs_errcode_parse_hex(const char *text, size_t len, uint32_t *ret);

/* Setup extend code (Microsoft, "Resolve Windows upgrade errors": the first digit of the
 * 5-digit extend code is the phase, the rest the operation). */
typedef struct {
    uint32_t code;               /* the result code, e.g. 0xC1900101 */
    uint32_t extend;             /* e.g. 0x2000D */
    unsigned phase;              /* extend >> 16 */
    unsigned operation;          /* extend & 0xFFFF */
    const char *phase_name;      /* "SP_EXECUTION_SAFE_OS"; NULL when not in the table */
    const char *phase_label;     /* "Safe OS" */
    const char *operation_name;  /* "SP_EXECUTION_OP_MIGRATE_DATA"; NULL when unknown */
    const char *operation_label; /* "migrate data" */
} sxs_extend_code;

/* Decodes "0xC1900101 - 0x2000D" / "0x8007000D-0x2000C" (spaces around '-' optional) at the
 * start of text (leading spaces allowed). 1 decoded, 0 not an extend code. */
int sxs_extend_code_decode(const char *text, sxs_extend_code *ret);
/* The same from the two numbers. Always 1 (names NULL when out of the tables). */
int sxs_extend_code_from_values(uint32_t code, uint32_t extend, sxs_extend_code *ret);

/* Table access for tests and --list style output. */
size_t sxs_errcode_count(void);
const sxs_errcode_info *sxs_errcode_at(size_t i);

#endif
