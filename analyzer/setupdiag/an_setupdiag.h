/* SetupDiag's own results: after a failed upgrade Windows Setup runs SetupDiag, which writes
 * its conclusion to Windows\Logs\SetupDiag\SetupDiagResults.xml (and, run by hand, a
 * SetupDiagResults.log text report) and to the registry under SYSTEM\Setup\SetupDiag\Results.
 * This module parses each of the three into one an_setupdiag_result (pure parsers over memory
 * or an open hive) and writes the setupdiag.* facts of analyzer/facts-setupdiag.md.
 * Everything read here is untrusted: sizes are capped, the XML parser never touches the
 * network, never loads a DTD and never expands entities. */
#ifndef AN_SETUPDIAG_H
#define AN_SETUPDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/an_facts.h"
#include "analyzer/registry/an_hive.h"
#include "analyzer/logs/an_log.h"
#include "analyzer/an_tz.h"
#include "common/sxs_diag.h"
#include "common/sxs_limits.h"
#include "fsaccess/fsa.h"

typedef enum {
    AN_SETUPDIAG_XML,      /* SetupDiagResults.xml */
    AN_SETUPDIAG_LOG,      /* SetupDiagResults.log (text report) */
    AN_SETUPDIAG_REGISTRY, /* SYSTEM\Setup\SetupDiag\Results (or MoSetup\Volatile\SetupDiag) */
} an_setupdiag_kind;

/* "xml", "log", "registry": the value of the setupdiag.source fact. */
const char *an_setupdiag_kind_name(an_setupdiag_kind k);

/* One text field with where it was read. text is malloc'd UTF-8 (NULL: absent), single line
 * (line breaks of multi-line values are joined with "; "), at most SXS_MAX_SETUPDIAG_TEXT
 * bytes (longer ones are cut and end in "..."). */
typedef struct {
    char *text;
    int64_t line; /* 1-based line in the file, -1 when unknown (registry) */
    int prio;     /* internal: which kind of statement set it (a better one replaces it) */
} an_setupdiag_text;

/* A time as SetupDiag wrote it: local wall clock unless it carried an offset. */
typedef struct {
    bool known;
    bool is_utc;  /* the text had "Z" or an offset, so secs is UTC already */
    int64_t secs; /* seconds since 1970 (local wall clock as if UTC, or UTC when is_utc) */
    int64_t line;
} an_setupdiag_time;

/* A 32-bit code (HRESULT, extend code) and where it was read. */
typedef struct {
    bool known;
    uint32_t value;
    int64_t line;
    int prio;
} an_setupdiag_code;

typedef struct {
    an_setupdiag_kind kind;
    an_setupdiag_text version;         /* SetupDiag's own version */
    an_setupdiag_text profile;         /* ProfileName: the rule that matched */
    an_setupdiag_text profile_guid;    /* ProfileGuid */
    an_setupdiag_text failure_details; /* FailureDetails ("Err = 0x.., LastPhase = .." ) */
    an_setupdiag_text log_error_line;  /* LogErrorLine: the setup log line SetupDiag blames */
    an_setupdiag_text phase;           /* last setup phase ("Safe OS", "Downlevel", ...) */
    an_setupdiag_text operation;       /* last setup operation */
    an_setupdiag_text host_os;         /* HostOSBuildString, else HostOSVersion */
    an_setupdiag_text target_os;       /* TargetOSBuildString, else TargetOSVersion */
    an_setupdiag_text failure_data[SXS_MAX_SETUPDIAG_LIST];
    size_t n_failure_data;
    an_setupdiag_text remediation[SXS_MAX_SETUPDIAG_LIST];
    size_t n_remediation;
    an_setupdiag_code result;      /* Setup360Result / the HRESULT of "Error = A-B" */
    an_setupdiag_code extend_code; /* Setup360Extended / B of "Error = A-B" */
    bool has_disk_space;
    uint64_t disk_space_mb; /* "DiskSpace = N" (MB SetupDiag says are needed) */
    int64_t disk_space_line;
    an_setupdiag_time run_time;      /* DateTime: when SetupDiag ran */
    an_setupdiag_time upgrade_start; /* UpgradeStartTime */
    an_setupdiag_time upgrade_end;   /* UpgradeEndTime */
} an_setupdiag_result;

/* Frees the strings of r and zeroes it (NULL is fine). */
void an_setupdiag_result_clear(an_setupdiag_result *r);

/* Parses a SetupDiagResults.xml held in memory: UTF-16LE (with or without BOM), UTF-16BE with
 * BOM, or UTF-8 (with or without BOM), whatever its declaration says. name is the file in
 * diagnostics. Returns 0 and fills *ret_result (caller clears it), -EBADMSG when the bytes are
 * not well-formed XML or not a SetupDiag document (diag names the file and line), -EFBIG over
 * SXS_MAX_SETUPDIAG_FILE, -ENOMEM. On error *ret_result is left zeroed. */
int an_setupdiag_parse_xml(const uint8_t *data, size_t len, const char *name,
                           an_setupdiag_result *ret_result, sxs_diag *diag);

/* Parses a SetupDiagResults.log text report (UTF-8/ANSI, or UTF-16LE with BOM). Returns 0 and
 * *ret_result, -EBADMSG when no line of it is SetupDiag's ("Matching Profile found", "SetupDiag
 * version", "System Information:", ...), -EFBIG, -ENOMEM. */
int an_setupdiag_parse_log(const uint8_t *data, size_t len, const char *name,
                           an_setupdiag_result *ret_result, sxs_diag *diag);

/* Reads the values of key_path in an open SYSTEM hive (e.g. "Setup\\SetupDiag\\Results").
 * Returns 1 and *ret_result, 0 when the key is absent or has no values, -ENOMEM. Unreadable
 * values go to diag under source. */
int an_setupdiag_read_registry(an_hive *system, const char *key_path, const char *source,
                               an_setupdiag_result *ret_result, sxs_diag *diag);

/* Writes the setupdiag.* facts of one result, with source (a path in the volume) as
 * provenance. Times are converted to UTC with tz (NULL or unknown: kept local, no "Z").
 * Returns 0 or -ENOMEM. */
int an_setupdiag_add_facts(const an_setupdiag_result *r, const char *source, const an_tz *tz,
                           an_facts *facts);

/* Registry half, called by the SYSTEM collector (an_registry_system.c): the results under
 * Setup\SetupDiag\Results and Setup\MoSetup\Volatile\SetupDiag into facts. 0 or -ENOMEM. */
int an_setupdiag_collect_registry(an_hive *system, const char *source, const an_tz *tz,
                                  an_facts *facts, sxs_diag *diag);

/* File half: every SetupDiag results file of the install (family AN_LOG_SETUPDIAG of logs, or,
 * when logs is NULL, of an_logs_find over windows_dir) read through fs (at most
 * SXS_MAX_SETUPDIAG_FILE each), parsed and turned into facts. A damaged file is a diagnostic
 * and yields no facts; the others are still read. Returns 0 or -ENOMEM. */
int an_setupdiag_collect(fsa_fs *fs, const char *windows_dir, const an_log_file *logs, size_t nlogs,
                         const an_tz *tz, an_facts *facts, sxs_diag *diag);

#endif
