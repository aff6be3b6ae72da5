/* Servicing logs of one Windows install: which exist (discovery), and reading each one as a
 * stream of decoded lines with provenance and timestamps (bounded memory whatever the size).
 * The rules engine consumes the line stream; this module knows nothing about rules. */
#ifndef AN_LOG_H
#define AN_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzer/an_facts.h"
#include "analyzer/an_tz.h"
#include "common/sxs_diag.h"
#include "fsaccess/fsa.h"

/* Log families: each has its own timestamp format and its own rules. Names (for rule files):
 * "cbs", "dism", "panther", "mosetup", "setupapi", "poqexec", "pending_xml", "setupdiag",
 * "compat_xml", "windowsupdate". */
typedef enum {
    AN_LOG_CBS,           /* Windows/Logs/CBS/CBS.log, CbsPersist_*.log, CbsPersist_*.cab */
    AN_LOG_DISM,          /* Windows/Logs/DISM/dism.log */
    AN_LOG_PANTHER,       /* setupact.log / setuperr.log (Panther, NewOS, Rollback, UnattendGC) */
    AN_LOG_MOSETUP,       /* Windows/Logs/MoSetup/BlueBox.log, UpdateAgent.log */
    AN_LOG_SETUPAPI,      /* Windows/INF/setupapi.dev.log, .setup.log, .offline.log */
    AN_LOG_POQEXEC,       /* Windows/WinSxS/poqexec.log */
    AN_LOG_PENDING_XML,   /* Windows/WinSxS/pending.xml */
    AN_LOG_SETUPDIAG,     /* setupdiagresults.xml, SetupDiagResults.log, Logs/SetupDiag/ */
    AN_LOG_COMPAT_XML,    /* CompatData_*.xml, ScanResult.xml, *APPRAISER* */
    AN_LOG_WINDOWSUPDATE, /* decoded WindowsUpdate.log (triage collections) */
    AN_LOG_FAMILY_COUNT
} an_log_family;

const char *an_log_family_name(an_log_family f);
/* -1 when unknown. */
int an_log_family_from_name(const char *name);

typedef struct {
    char *path;          /* inside the volume, '/'-separated, true case, e.g.
                            "Windows/Logs/CBS/CBS.log" */
    an_log_family family;
    uint64_t size;       /* bytes on disk */
    bool is_cab;         /* CbsPersist_*.cab: expanded in memory when streamed */
} an_log_file;

/* Finds every log of the install whose Windows directory is windows_dir (e.g. "Windows") on fs.
 * Absent folders are not errors. *ret_files is malloc'd; free with an_logs_free. */
int an_logs_find(fsa_fs *fs, const char *windows_dir, an_log_file **ret_files,
                 size_t *ret_count, sxs_diag *diag);
/* The same, and every log or log folder that exists but could not be read becomes an
 * unread.log fact in facts (value: the reason, source: its path; analyzer/facts-fs.md) with
 * an error in diag, so the verdict knows the rules did not see it. */
int an_logs_find_facts(fsa_fs *fs, const char *windows_dir, an_facts *facts,
                       an_log_file **ret_files, size_t *ret_count, sxs_diag *diag);
void an_logs_free(an_log_file *files, size_t count);

typedef struct {
    const char *text;    /* UTF-8, NUL-terminated, without the line terminator */
    size_t len;
    uint64_t line_no;    /* 1-based */
    uint64_t offset;     /* byte offset of the line's first byte in the file as stored
                            (for a .cab: in the expanded log) */
    bool truncated;      /* longer than SXS_MAX_LOG_LINE: text holds the first part */
    bool has_time;
    int64_t time;        /* Unix seconds: UTC when time_is_utc, else local wall clock */
    bool time_is_utc;
    char time_text[40];  /* the timestamp as written in the log, "" when none */
    /* Where the text lies. chunk_id names the reader's chunk being processed when the line
     * was handed out (unique in the process; 0 for lines not from the log reader).
     * ahead != 0: the line lies in place in that chunk, and text[0 .. ahead) are readable
     * bytes of it that stay in place until the callback for the first line of a later chunk
     * has returned (the reader fills its two chunk buffers in turn); past len they are the raw
     * bytes of the lines that follow, of which only the terminators change (to NUL, as each
     * line is handed out), and text[len] is NUL. Lines of one chunk come in order. A consumer
     * may scan a chunk once instead of line by line, or keep a line without copying it until
     * a line of a later chunk comes.
     * ahead == 0: text is a copy (decoded, or a line spanning two chunks), valid only during
     * the callback. */
    size_t ahead;
    uint64_t chunk_id;
} an_log_line;

typedef struct {
    uint64_t lines;
    uint64_t bytes;            /* bytes read from the file */
    uint64_t nul_runs;         /* runs of NUL bytes skipped (crash residue) */
    uint64_t binary_bytes;     /* other non-text bytes dropped */
    uint64_t lines_truncated;
    const char *encoding;      /* "utf-8", "utf-8-bom", "utf-16le-bom", "ansi" */
} an_log_stats;

/* cb returns 0 to go on, non-zero to stop (returned by the stream function). */
typedef int (*an_log_line_cb)(const an_log_line *line, void *ctx);

/* Streams one log of an install: decodes, splits lines, parses the family's timestamp and
 * converts it to UTC with tz (NULL or !tz->known: keep local). Memory stays bounded. */
int an_log_stream(fsa_fs *fs, const an_log_file *file, const an_tz *tz, an_log_line_cb cb,
                  void *ctx, an_log_stats *ret_stats, sxs_diag *diag);

/* The same over a file on the host (tests, triage folders, fuzzing). */
int an_log_stream_host(const char *host_path, an_log_family family, const an_tz *tz,
                       an_log_line_cb cb, void *ctx, an_log_stats *ret_stats, sxs_diag *diag);

/* The same over bytes in memory (fuzzing). name is used in diagnostics. */
int an_log_stream_mem(const uint8_t *data, size_t len, const char *name, an_log_family family,
                      const an_tz *tz, an_log_line_cb cb, void *ctx, an_log_stats *ret_stats,
                      sxs_diag *diag);

#endif
