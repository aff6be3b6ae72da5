/* The servicing history of one Windows install: every update and upgrade attempt the logs
 * record (in-place upgrades / feature updates from the setup logs, CBS servicing sessions,
 * DISM operations, driver-update sections of setupapi), each with its kind, times, client,
 * package or KB, builds, last phase and operation, result and the evidence lines behind it.
 *
 * Built during the single log pass: the caller streams each log once and feeds every line to
 * an_history_line (and to the rules). Memory is bounded whatever the log size: at most
 * AN_HISTORY_MAX_ATTEMPTS attempts (the oldest successful ones are dropped first, failures are
 * kept), AN_HISTORY_MAX_EVIDENCE lines each. an_history_finish resolves failures (a later
 * success of the same kind and target, or an upgrade whose target build is installed) and
 * writes the history.* facts the rules judge. */
#ifndef AN_HISTORY_H
#define AN_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/edb/an_edb.h"
#include "analyzer/evtx/an_evtx.h"
#include "analyzer/an_facts.h"
#include "analyzer/logs/an_log.h"
#include "analyzer/logs/an_logpass.h"

/* Attempts kept per install: a busy server's CBS logs hold a few thousand sessions; failures
 * are what matters and are never dropped for a success. */
#define AN_HISTORY_MAX_ATTEMPTS 4096
/* Evidence lines kept per attempt: the start, the failing lines and the end. */
#define AN_HISTORY_MAX_EVIDENCE 8
/* Bytes of an evidence line kept (as the rules keep). */
#define AN_HISTORY_MAX_TEXT 1024

typedef enum {
    AN_ATT_UPGRADE,       /* in-place upgrade / feature update (setup logs) */
    AN_ATT_UPDATE,        /* CBS session of Windows Update: cumulative update, SSU, ... */
    AN_ATT_FOD,           /* Feature on Demand / language pack / capability */
    AN_ATT_FEATURE,       /* optional feature enable/disable */
    AN_ATT_DRIVER_UPDATE, /* driver-update queue (CBS) or setupapi driver-install section */
    AN_ATT_DISM,          /* a DISM operation (RestoreHealth, /Add-Package, ...) */
    AN_ATT_KIND_COUNT
} an_attempt_kind;

typedef enum {
    AN_ATT_UNKNOWN, /* started, no result recorded */
    AN_ATT_SUCCEEDED,
    AN_ATT_FAILED,
    AN_ATT_PENDING, /* succeeded, waiting for a reboot */
} an_attempt_status;

/* "upgrade", "update", "fod", "feature", "driver-update", "dism". */
const char *an_attempt_kind_name(an_attempt_kind k);
/* "succeeded", "failed", "pending", "unknown". */
const char *an_attempt_status_name(an_attempt_status s);

typedef struct {
    char *source; /* log path inside the volume */
    int64_t line; /* 1-based */
    int64_t offset;
    char timestamp[48]; /* "2023-05-23T00:32:46Z" or "... (local)", "" */
    bool has_time;
    int64_t time; /* the line's time, as the attempt's (UTC when time_is_utc) */
    char *text;
} an_history_evidence;

typedef struct {
    an_attempt_kind kind;
    an_attempt_status status;
    bool has_start, has_end, time_is_utc;
    int64_t start, end; /* Unix seconds (UTC when time_is_utc) */
    char client[64];    /* CBS client (WindowsUpdateAgent, DISM Package Manager Provider, ...),
                           setup client (Media360, UpdateOrchestrator, ...) */
    char package[256];  /* CBS package identity, INF, or DISM command */
    char kb[16];        /* "KB5026361" */
    char session[48];   /* CBS session id, or "" */
    char source_build[64];
    char target_build[64];
    char phase[64];      /* last setup phase ("Safe OS", "SetupPhaseInstall"), CBS stage */
    char operation[256]; /* last (failing) operation */
    bool has_result;
    uint32_t result; /* final HRESULT (0 on success) */
    int result_ev;   /* index in ev of the line that gave the result, or -1 */
    bool has_extend;
    uint32_t extend_code; /* setup extend code (phase << 16 | operation) */
    bool rolled_back;
    bool disk_space;  /* the failure is a lack of free space (code or hard block) */
    bool resolved;    /* a later attempt (resolved_by), or the installed build, resolved it */
    long resolved_by; /* index of the attempt that resolved this failure, or -1 */
    an_log_family family;
    bool from_evtx; /* built from event-log records (an_history_evtx_record) */
    bool from_edb;  /* built from DataStore.edb rows (an_history_edb_row) */
    an_history_evidence ev[AN_HISTORY_MAX_EVIDENCE];
    size_t nev;
    size_t ev_more;
} an_attempt;

typedef struct an_history an_history;

an_history *an_history_new(void);
void an_history_free(an_history *h); /* NULL is fine */

/* Streaming interface: file_begin, every line (an_log_line_cb signature, ctx = h; always
 * returns 0), file_end. */
int an_history_file_begin(an_history *h, an_log_family family, const char *path);
int an_history_line_cb(const an_log_line *line, void *ctx);
void an_history_file_end(an_history *h);
/* The collector as a consumer of the single log pass (an_logs_pass). */
void an_history_consumer(an_history *h, an_log_consumer *ret);

/* One event-log record (analyzer/evtx/an_evtx.h) into the history: WindowsUpdateClient 19/20/43/
 * 44/25/31, Microsoft-Windows-Servicing 1/2/3/4/7, and from System.evtx the Service Control
 * Manager failures of the servicing services and boot drivers, unexpected restarts (EventLog
 * 6008, Kernel-Power 41), requested ones (User32 1074) and bug checks (BugCheck 1001). Other
 * records are ignored. Strings copied. Call before an_history_finish. */
void an_history_evtx_record(an_history *h, const an_evtx_record *r);

/* One row of Windows Update's history database (DataStore.edb tbHistory, analyzer/edb/an_edb.h)
 * into the history: an update attempt with the row's title, KB, client, operation and
 * MappedResult (0 succeeded, an error HRESULT failed); a failure that repeats an EDB failure
 * of the same update within a week, with no success between, is evidence on it. The logs' and
 * event logs' attempts of the same KB join it in an_history_finish (merge across sources).
 * Strings copied. Call before an_history_finish. */
void an_history_edb_row(an_history *h, const an_edb_row *r);

/* Adds an attempt built elsewhere (SetupDiag's own results). Strings copied. */
int an_history_add(an_history *h, const an_attempt *a);

/* SetupDiag's own results (setupdiag.* facts, one group per file or registry key) as
 * upgrade attempts, cited as SetupDiag's conclusion. Call before an_history_finish. 0 or
 * -ENOMEM. */
int an_history_add_setupdiag(an_history *h, const an_facts *facts);

/* Orders the attempts by start time, merges the pieces of one upgrade found in several logs,
 * resolves failures (installed_build: the installed CurrentBuild, e.g. "22621", or NULL) and
 * writes history.* facts into facts (may be NULL). 0 or -ENOMEM. */
int an_history_finish(an_history *h, const char *installed_build, an_facts *facts);

/* After finish: looks the driver packages of failed driver-update attempts up in the
 * install's DriverStore\FileRepository (listed once) and writes history.driver.missing /
 * history.driver.missing_folder / history.driver.present. 0 or -ENOMEM. */
int an_history_driver_facts(const an_history *h, fsa_fs *fs, const char *windows_dir,
                            an_facts *facts, sxs_diag *diag);

/* After finish: attempts oldest first. */
size_t an_history_count(const an_history *h);
const an_attempt *an_history_at(const an_history *h, size_t i);
/* Attempts dropped because the cap was reached (all of them successes or unknown). */
size_t an_history_dropped(const an_history *h);
/* Failed attempts not resolved by a later one. */
size_t an_history_unresolved(const an_history *h);

/* Formats a time as the reports do: "2023-05-23T00:32:46Z", or "2023-05-23 00:32:46 (local)"
 * when !utc; "" when !has. */
void an_history_format_time(bool has, int64_t t, bool utc, char out[48]);

#endif
