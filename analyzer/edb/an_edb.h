/* Windows Update's own history database (SoftwareDistribution\DataStore\DataStore.edb, an
 * ESE database) through libesedb, read from the evidence through fsaccess: libesedb gets a
 * libbfio handle whose reads are ranged fsa_file_read calls (no temp copy, no whole-file load;
 * libesedb caches a bounded number of pages). Each row of the update history table (tbHistory)
 * libesedb can read is handed to a callback; what it cannot read is counted. The database
 * header's state says whether it was shut down cleanly: a dirty database (a crash, or a copy
 * of a running system) is read as it is, its log files are not replayed. libesedb lives in a
 * libyal island (analyzer/CMakeLists.txt): only the an_edb_* names are global. */
#ifndef AN_EDB_H
#define AN_EDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsaccess/fsa.h"

/* Bytes kept of the title and client id (UTF-8, NUL included); longer ones are cut. Update
 * titles are < 256 bytes, client ids (the caller's name) < 64. */
#define AN_EDB_MAX_TITLE 512
#define AN_EDB_MAX_CLIENT 128

/* One tbHistory row. Column names as Windows writes them (libyal/esedb-kb "Windows Update"):
 * 1 IdEvent, 2 Status, 3 ServerSelection, 4 MappedResult, 5 UnmappedResult (32-bit), 6
 * UpdateId (GUID + revision), 8 Date (64-bit date), 9 Flags, 256 ClientId, 257 Title (large
 * text). A column that is absent or NULL has its has_* false. */
typedef struct {
    const char *path; /* the database's path inside the volume */
    uint64_t row;     /* 1-based position of the row in the table (as esedbexport lists it) */
    bool has_id_event;
    int32_t id_event;
    bool has_status;
    int32_t status; /* 1 installation, 2 uninstallation (as artemis reads it) */
    bool has_result;
    uint32_t result; /* MappedResult: the HRESULT of the operation (0 on success) */
    bool has_unmapped;
    uint32_t unmapped; /* UnmappedResult: the installer's own code */
    bool has_flags;
    int32_t flags;
    bool has_time;
    int64_t time;       /* Date, Unix seconds UTC */
    char update_id[48]; /* "GUID.revision", "" when absent */
    const char *title;  /* UTF-8, "" when absent */
    const char *client; /* ClientId, "" when absent */
} an_edb_row;

typedef struct {
    uint64_t size;
    uint32_t state;          /* header's database state: 1 just created, 2 dirty shutdown, 3 clean
                                shutdown, 4 being converted, 5 force detach; 0 unknown */
    bool dirty;              /* state other than clean shutdown */
    bool has_history;        /* the database has a tbHistory table */
    uint32_t tables;         /* tables in the catalog */
    uint64_t rows_total;     /* rows the table lists */
    uint64_t rows;           /* rows handed to the callback */
    uint64_t unreadable;     /* rows libesedb lists but could not read */
    uint64_t text_undecoded; /* rows read whose Title or ClientId libesedb could not decode
                                (left ""): the row is still used */
    char failed[160];        /* the first thing that could not be read (row, column, libesedb's
                                words), "" when none */
} an_edb_stats;

/* Returns 0 to go on, non-zero to stop (an_edb_read_history then returns that value). */
typedef int (*an_edb_row_cb)(const an_edb_row *r, void *ctx);

/* Reads the tbHistory table of the database open in f (path names it). 0 when opened (no
 * table, damaged rows counted in *ret_stats), -EBADMSG when it is not an ESE database
 * libesedb can open (why says what), -EIO when the evidence could not be read (why quotes
 * fsaccess), -ENOMEM, or the callback's value. */
int an_edb_read_history(fsa_file *f, const char *path, an_edb_row_cb cb, void *ctx,
                        an_edb_stats *ret_stats, char *why, size_t why_cap);

/* An ESE 64-bit date to Unix seconds: a FILETIME (100 ns since 1601) or an OLE automation
 * date (a double, days since 1899-12-30: what JET_coltypDateTime holds); the two ranges do
 * not overlap between 1980 and 2200. false when neither gives a date in that span. */
bool an_edb_date(uint64_t v, int64_t *ret);

#endif
