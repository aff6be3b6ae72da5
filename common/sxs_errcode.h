/* Error codes seen in servicing logs: HRESULT, Win32, NTSTATUS, CBS/PSFX, Windows Update (WU_E_*),
 * SetupAPI and setup (MOSETUP_E_*) codes to symbolic name + short meaning + error class, and
 * setup "extend codes" ("0xC1900101 - 0x2000D": phase and operation of the failure). Pure data,
 * no evidence access.
 *
 * Sources of names and meanings: Microsoft's "Windows Update error codes by component" (WU_E_*),
 * "Resolve Windows upgrade errors" / "Upgrade error codes" (MOSETUP_E_*, extend-code tables),
 * "Windows Update common errors", the Win32 and NTSTATUS tables of winerror.h / ntstatus.h, and
 * the CBS_E_* / PSFX_E_* names the servicing stack prints in CBS.log ("[HRESULT = 0x800f0831 -
 * CBS_E_STORE_CORRUPTION]"). Meanings are shortened. */
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
    SXS_ERRKIND_SETUP,    /* setup / upgrade result codes (0xC19xxxxx MOSETUP_E_*, as Microsoft
                             names them); 0xC1800118, 0xC1900223 and 0x81000037 have no public
                             symbolic name, ours are descriptive (no MOSETUP_/WU_ prefix) */
    SXS_ERRKIND_SETUPAPI, /* SetupAPI device-install codes 0xE000xxxx */
} sxs_errkind;

/* Error class: what kind of trouble a code points to, so that rules and remediation plans can
 * pick a plan by class instead of listing codes. A code gets a class only when Microsoft's
 * documentation ties it to one cause; codes that mean different things in different places
 * (0x80004005 E_FAIL, 0x8007000D ERROR_INVALID_DATA, 0x80070002 ERROR_FILE_NOT_FOUND) stay
 * "unknown", and the plan must look at the codes logged under them.
 *   unknown             no single cause (or code not in the table)
 *   success             not a failure (ERROR_SUCCESS, success-with-restart, /Compat ScanOnly)
 *   disk-space          not enough free space (ERROR_DISK_FULL, MOSETUP_E_DISK_FULL, the
 *                       MOSETUP_E_*DISKSPACE* blocks, CBS_E_INSUFFICIENT_DISK_SPACE)
 *   media-corruption    corrupt or unreadable install media, payload or disk (ERROR_FILE_CORRUPT,
 *                       ERROR_BAD_COMPRESSION_BUFFER, ERROR_CRC, STATUS_DATA_ERROR): new media,
 *                       chkdsk
 *   driver              a driver blocks or breaks the operation (0xC1900101 rollback, device
 *                       scan blocks, WU_E_DRV_*)
 *   source-missing      repair or feature payload not found (CBS_E_SOURCE_MISSING and the
 *                       CBS_E_SOURCE_MISSING_FROM_* / mapping-index codes, WU_E_SOURCE_ABSENT)
 *   network-wsus        the update server, WSUS, proxy or network (WU_E_PT_*, WinHTTP/WinINet,
 *                       WU_E_DM_* download errors, CBS_E_DOWNLOAD_FAILURE, 0xC1800118)
 *   advanced-installer  an advanced installer or generic command failed (CBS_E_INSTALLERS_FAILED,
 *                       ERROR_ADVANCED_INSTALLER_FAILED)
 *   pending-reboot      a previous operation waits for a restart (MOSETUP_E_CLEANUP_PENDING,
 *                       CBS_E_PENDING, ERROR_FAIL_REBOOT_REQUIRED, WU_E_UH_POSTREBOOTSTILLPENDING)
 *   component-store     the component store (WinSxS) or a manifest is corrupt or incomplete
 *                       (ERROR_SXS_COMPONENT_STORE_CORRUPT, CBS_E_STORE_CORRUPTION, PSFX_E_*)
 *   access-denied       access denied or a privilege missing
 *   incompatible-app    an application blocks the upgrade (MOSETUP_E_COMPAT_INSTALLREQ_BLOCK)
 *   system-requirements the machine does not meet the requirements (MOSETUP_E_COMPAT_SYSREQ_*,
 *                       migration choice)
 *   servicing-stack     a newer servicing stack is needed (CBS_E_NEW_SERVICING_STACK_REQUIRED)
 *   not-applicable      the update does not apply (CBS_E_NOT_APPLICABLE, WU_E_NOT_APPLICABLE)
 *   busy                another operation holds what is needed (another install running,
 *                       sharing or lock violation, data store locked)
 *   cancelled           cancelled by a user, a policy prompt or a licence decline
 * The names (sxs_errclass_name) are stable: rule files and plans refer to them. */
typedef enum {
    SXS_ERRCLASS_UNKNOWN = 0,
    SXS_ERRCLASS_SUCCESS,
    SXS_ERRCLASS_DISK_SPACE,
    SXS_ERRCLASS_MEDIA_CORRUPTION,
    SXS_ERRCLASS_DRIVER,
    SXS_ERRCLASS_SOURCE_MISSING,
    SXS_ERRCLASS_NETWORK_WSUS,
    SXS_ERRCLASS_ADVANCED_INSTALLER,
    SXS_ERRCLASS_PENDING_REBOOT,
    SXS_ERRCLASS_COMPONENT_STORE,
    SXS_ERRCLASS_ACCESS_DENIED,
    SXS_ERRCLASS_INCOMPATIBLE_APP,
    SXS_ERRCLASS_SYSTEM_REQUIREMENTS,
    SXS_ERRCLASS_SERVICING_STACK,
    SXS_ERRCLASS_NOT_APPLICABLE,
    SXS_ERRCLASS_BUSY,
    SXS_ERRCLASS_CANCELLED,
    SXS_ERRCLASS_COUNT_ /* number of classes, not a class */
} sxs_errclass;

typedef struct {
    uint32_t code; /* as stored in the table (a Win32 code for 0x8007xxxx lookups) */
    sxs_errkind kind;
    const char *name;    /* e.g. "ERROR_PATH_NOT_FOUND" */
    const char *meaning; /* one sentence */
    sxs_errclass cls;
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

/* Setup extend code (Microsoft, "Upgrade error codes": the first digit of the 5-digit extend
 * code is the phase, the rest the operation). The tables are Microsoft's complete lists: phases
 * 0-5 (SP_EXECUTION_UNKNOWN .. SP_EXECUTION_UNINSTALL) and operations 0x00-0x20
 * (SP_EXECUTION_OP_UNKNOWN .. SP_EXECUTION_OP_ADD_PROVISIONING_PACKAGE); e.g. 0x2000C is
 * SAFE_OS, APPLY_IMAGE. */
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

/* The class of code: the table entry's class (through the same HRESULT_FROM_WIN32/NT fallback
 * as sxs_errcode_lookup); for codes not in the table, the class of their family where the whole
 * family has one cause (WU_E_PT_* 0x80244xxx, WinHTTP/WinINet 0x80072EE0-0x80072FFF, Delivery
 * Optimization 0x80D0xxxx: network-wsus; WU_E_DRV_* 0x8024Cxxx: driver), else UNKNOWN. */
sxs_errclass sxs_errcode_class(uint32_t code);
/* "disk-space", ... ; "unknown" for UNKNOWN and for out-of-range values. */
const char *sxs_errclass_name(sxs_errclass cls);
/* The class named name ("disk-space"); -ENOENT when no class has that name. */
int sxs_errclass_from_name(const char *name, sxs_errclass *ret_cls);

/* Table access for tests and --list style output. */
size_t sxs_errcode_count(void);
const sxs_errcode_info *sxs_errcode_at(size_t i);

#endif
