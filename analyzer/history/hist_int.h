/* analyzer/history/: internals shared by the history core (hist_core.c) and the per-family
 * line parsers (hist_setup.c, hist_cbs.c, hist_dism.c, hist_setupapi.c). Not for other modules. */
#ifndef HIST_INT_H
#define HIST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzer/history/an_history.h"

/* CBS sessions open at once: TrustedInstaller runs a handful concurrently; a session never
 * finalized (crash) is closed when the slot is needed. */
#define HIST_MAX_OPEN_SESSIONS 32

typedef struct {
    char id[48];
    size_t id_len;
    uint64_t id_hash; /* FNV-1a of id: most lookups are decided without a compare */
    long att;         /* attempt index, or -1 while the session did nothing worth recording */
    char client[64];
    int64_t start;
    bool has_start, utc;
    bool used;
} hist_cbs_session;

typedef struct {
    hist_cbs_session open[HIST_MAX_OPEN_SESSIONS];
    size_t cursor;    /* where the next free slot is looked for (round robin) */
    size_t nused;     /* slots in use */
    long startup_att; /* the current "Startup:" (boot-time) processing attempt, or -1 */
    long driver_att;  /* the current driver-update queue attempt, or -1 */
    uint64_t tick;
} hist_cbs_state;

typedef struct {
    long att;        /* current upgrade attempt of this file, or -1 */
    bool fatal_seen; /* a fatal result was recorded: later Operation failed lines do not
                        overwrite it unless they come with their own fatal line */
    bool rollback_file;
} hist_setup_state;

typedef struct {
    long att;
    char command[256];
} hist_dism_state;

typedef struct {
    long att; /* current driver section attempt, or -1 */
    bool in_section;
    char title[256];
    bool relevant; /* a driver install / update section */
} hist_sapi_state;

/* Event-log attempts still waiting for their result (43 -> 19/20, Servicing 1 -> 2/3/4): a
 * handful of updates install at once. */
#define HIST_EVTX_OPEN 32
/* Event-log facts kept (service failures, restarts, bug checks, scan/download failures):
 * the newest ones matter; the count of the others is reported. */
#define HIST_EVTX_MAX_NOTES 64

typedef struct {
    char name[48];
    char value[320];      /* "<UTC time> <provider> <id>: <strings>" */
    char detail_name[64]; /* a second fact of the same record ("" when none): */
    char detail[256];     /* the service, bug check code or package it names */
    char *source;
    int64_t record;
} hist_evtx_note;

typedef struct {
    struct {
        char key[256]; /* KB, else title / package identity */
        long att;
        bool retry; /* att is an earlier failure this install retries: the start record
                       (below) is cited on whichever attempt its result goes to */
        char start_text[AN_HISTORY_MAX_TEXT];
        uint64_t start_record;
        int64_t start_time;
        bool start_has_time;
    } open[HIST_EVTX_OPEN];
    size_t cursor;
    hist_evtx_note notes[HIST_EVTX_MAX_NOTES]; /* a ring: the newest are kept */
    size_t nnotes, notes_more;
    /* the newest Microsoft-Windows-Servicing record: a 1 or 7 whose package never got its
     * 2/3/4 is a change left unfinished ("Working on features") */
    struct {
        uint32_t event_id;
        char key[256];
        hist_evtx_note note;
    } last_srv;
} hist_evtx_state;

struct an_history {
    an_attempt *att;
    size_t n, cap;
    bool *open; /* per attempt: a parser still holds it (not evictable) */
    size_t dropped;
    an_log_family family;
    char *path;
    size_t comp_off, msg_off; /* column layout of the current log (hist_message) */
    hist_cbs_state cbs;
    hist_setup_state setup;
    hist_dism_state dism;
    hist_sapi_state sapi;
    hist_evtx_state evtx;
    bool finished;
};

/* ---- core helpers (hist_core.c) ---- */

/* A new attempt started by line l (may be NULL); returns its index, or -1 when out of memory
 * or the cap is reached with nothing evictable. The attempt is "open" until hist_close. */
long hist_begin(an_history *h, an_attempt_kind kind, const an_log_line *l);
static inline an_attempt *hist_get(an_history *h, long i)
{
    return i >= 0 && (size_t)i < h->n ? &h->att[i] : NULL;
}
/* The source the next citations name (an event log or database read outside the log pass):
 * false when out of memory. */
bool hist_set_path(an_history *h, const char *path);
/* Cites line l as evidence of attempt i and extends its end time. important: keep it even
 * when the evidence is full (replaces the last kept line). */
void hist_cite(an_history *h, long i, const an_log_line *l, bool important);
/* Records a result (the last fatal one wins). */
void hist_result(an_history *h, long i, uint32_t code, const an_log_line *l);
/* The parser lets go of attempt i; status set when not already failed. */
void hist_close(an_history *h, long i, an_attempt_status status);
/* Copies at most cap-1 bytes of s[0..len) into dst, NUL-terminated, stopping at control
 * characters. */
void hist_copy(char *dst, size_t cap, const char *s, size_t len);
#define HIST_COPY(dst, s, len) hist_copy((dst), sizeof(dst), (s), (len))

/* ---- line helpers ---- */

/* The message of a "YYYY-MM-DD HH:MM:SS, Level  Component  message" line (CBS, DISM,
 * Panther), with level set to the level word ("Info", "Error", "Warning", ...). NULL when the
 * line has no such shape. */
const char *hist_message(an_history *h, const an_log_line *l, const char **ret_level,
                         size_t *ret_level_len);
/* s starts with the string literal lit (its length known at compile time). */
#define hist_starts(s, lit) (strncmp((s), (lit), sizeof(lit) - 1) == 0)
/* Finds "0x" + hex after needle in s; 1 found. */
int hist_hex_after(const char *s, const char *needle, uint32_t *ret);
/* "KB" + 6..8 digits anywhere in s; copies into kb (16 bytes); 1 found. */
int hist_find_kb(const char *s, char kb[16]);
/* Codes of a lack of free space (0x80070070, 0xC19001DF, 0xC190020E, 0xC1900200-0xC1900206
 * disk blocks, 0xC01A001D). */
bool hist_is_disk_space_code(uint32_t code);

/* ---- parsers ---- */
void hist_setup_line(an_history *h, const an_log_line *l);
void hist_setup_end(an_history *h);
void hist_cbs_line(an_history *h, const an_log_line *l);
void hist_cbs_end(an_history *h);
void hist_dism_line(an_history *h, const an_log_line *l);
void hist_dism_end(an_history *h);
void hist_setupapi_line(an_history *h, const an_log_line *l);
void hist_setupapi_end(an_history *h);
void hist_wu_line(an_history *h, const an_log_line *l);
/* The newest Servicing record when it is a 1 or 7 whose package never got a result (the
 * change was left unfinished: a machine stuck on "Working on features"), else NULL. */
const hist_evtx_note *hist_evtx_unfinished(const an_history *h);

/* ---- DataStore.edb (hist_edb.c) ---- */
/* An EDB failure within this window of the previous failure of the same update, with no
 * success between, is a retry of the same attempt (Windows Update retries daily). */
#define HIST_EDB_REPEAT_WINDOW (7 * 24 * 3600)

#endif
