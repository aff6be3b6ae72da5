/* analyzer/history/: event-log records (an_evtx.h) into the servicing history.
 *  - Microsoft-Windows-WindowsUpdateClient: 43 (install started) opens an update attempt for
 *    the update title, 19 (installed) / 20 (failed, error code in string 1) gives its result;
 *    a 19/20 without its 43 (recovered records, rotated logs) is an attempt of its own; a 20
 *    that repeats a failure of the same update within a week is evidence on it (one
 *    update retried for a week is one attempt). 44 (download started) is evidence on an open
 *    attempt only; 25 (scan) and 31 (download) failures are notes, not install attempts.
 *  - Microsoft-Windows-Servicing (Setup.evtx): 1 (initiating changes) opens a package
 *    attempt, 2 (changed), 3 (failed, ErrorCode), 4 (reboot needed: pending) close it; 7
 *    (turning on an update of a package) is evidence on the package's attempt.
 *  - System.evtx: Service Control Manager 7000/7001/7009/7023/7031/7034 for the servicing
 *    services (wuauserv, BITS, CryptSvc, TrustedInstaller) and 7026 (boot drivers not
 *    loaded), EventLog 6008 / Kernel-Power 41, User32 1074, BugCheck 1001: notes, written as
 *    history.evtx.* facts by an_history_finish.
 *  - Application.evtx: Windows Error Reporting 1001 with event name WindowsUpdateFailure3 or
 *    WinSetupDiag02 (SetupDiag's result): notes too.
 * Record strings are untrusted: copied bounded, control characters dropped. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/history/hist_int.h"
#include "common/sxs_errcode.h"

/* A repeated failure of the same update within this window of the previous one, with no
 * success between, is the same attempt: Windows Update retries a failed update daily. */
#define HIST_EVTX_REPEAT_WINDOW (7 * 24 * 3600)

static void note_fill(hist_evtx_note *n, const char *name, const char *text,
                      const char *detail_name, const char *detail, const an_evtx_record *r);

static const char WUC[] = "Microsoft-Windows-WindowsUpdateClient";
static const char SERVICING[] = "Microsoft-Windows-Servicing";

/* The evidence line: "<provider> <id>: s1 | s2 ..." (binary and GUID strings left out), with
 * a mark when the record comes from a chunk that fails its CRC32. */
static void render(const an_evtx_record *r, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "%s %u:", r->provider, r->event_id);
    for (size_t i = 0; i < r->nstr && n + 4 < cap; i++) {
        const char *s = r->str[i];
        if (!s[0] || s[0] == '{' || (strlen(s) > 32 && strspn(s, "0123456789ABCDEF") == strlen(s)))
            continue;
        n += (size_t)snprintf(out + n, cap - n, "%s %s", n && out[n - 1] != ':' ? " |" : "", s);
        if (n >= cap)
            n = cap - 1;
    }
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    /* the reader of the evidence is told which record sits in a chunk failing its checksum */
    if (r->chunk_crc_bad) {
        char mark[64];
        size_t m =
            (size_t)snprintf(mark, sizeof(mark), " [record in chunk %lld, which fails its CRC32]",
                             (long long)r->chunk);
        if (m < cap) { /* the text gives way to the mark, never the other way round */
            n = n < cap - 1 - m ? n : cap - 1 - m;
            memcpy(out + n, mark, m + 1);
        }
    }
}

static const char *str_at(const an_evtx_record *r, size_t i)
{
    return i < r->nstr ? r->str[i] : "";
}

/* The key an update is matched on: its KB when the title names one, else the title. */
static void key_of(const char *title, char key[256])
{
    char kb[16];
    if (hist_find_kb(title, kb))
        snprintf(key, 256, "%s", kb);
    else
        hist_copy(key, 256, title, strlen(title));
}

static long open_find(an_history *h, const char *key)
{
    for (size_t i = 0; i < HIST_EVTX_OPEN; i++)
        if (h->evtx.open[i].key[0] && strcasecmp(h->evtx.open[i].key, key) == 0 &&
            hist_get(h, h->evtx.open[i].att))
            return (long)i;
    return -1;
}

static void open_put(an_history *h, const char *key, long att, bool retry)
{
    size_t i = h->evtx.cursor++ % HIST_EVTX_OPEN;
    if (h->evtx.open[i].key[0])
        hist_close(h, h->evtx.open[i].att, AN_ATT_UNKNOWN); /* never finished */
    snprintf(h->evtx.open[i].key, sizeof(h->evtx.open[i].key), "%s", key);
    h->evtx.open[i].att = att;
    h->evtx.open[i].retry = retry;
}

static void open_drop(an_history *h, long slot)
{
    h->evtx.open[slot].key[0] = '\0';
    h->evtx.open[slot].att = -1;
}

static long begin(an_history *h, const an_log_line *l, const char *title, const char *client)
{
    long i = hist_begin(h, AN_ATT_UPDATE, l);
    an_attempt *a = hist_get(h, i);
    if (!a)
        return -1;
    a->from_evtx = true;
    snprintf(a->client, sizeof(a->client), "%s", client);
    hist_copy(a->package, sizeof(a->package), title, strlen(title));
    hist_find_kb(title, a->kb);
    if (!a->kb[0] && strlen(title) >= 6 && strlen(title) <= 8 &&
        strspn(title, "0123456789") == strlen(title))
        snprintf(a->kb, sizeof(a->kb), "KB%s", title); /* Servicing's "KB%1" */
    hist_cite(h, i, l, true);
    return i;
}

/* An unresolved failure of the same key within the repeat window, newest first. */
static long recent_failure(an_history *h, const char *key, int64_t t)
{
    for (size_t k = h->n; k-- > 0;) {
        const an_attempt *a = &h->att[k];
        if (!a->from_evtx || a->status != AN_ATT_FAILED || !a->has_end)
            continue;
        if (t - a->end > HIST_EVTX_REPEAT_WINDOW || t < a->start)
            continue;
        char ak[256];
        key_of(a->kb[0] ? a->kb : a->package, ak);
        if (strcasecmp(ak, key) == 0)
            return (long)k;
    }
    return -1;
}

static uint32_t code_of(const char *s)
{
    uint32_t c = 0;
    if (sxs_errcode_parse_hex(s, strnlen(s, 16), &c) <= 0)
        return 0x80004005u; /* failed, code not logged */
    return c ? c : 0x80004005u;
}

static void wuc(an_history *h, const an_evtx_record *r, const an_log_line *l)
{
    const char *title = r->event_id == 20 || r->event_id == 31 ? str_at(r, 1) : str_at(r, 0);
    char key[256];
    key_of(title, key);
    long slot = title[0] ? open_find(h, key) : -1;
    long i = slot >= 0 ? h->evtx.open[slot].att : -1;
    switch (r->event_id) {
    case 43: /* installation started */
        if (!title[0])
            return;
        if (i >= 0) { /* started again before a result: the first try gave none */
            hist_close(h, i, AN_ATT_UNKNOWN);
            open_drop(h, slot);
        }
        i = recent_failure(h, key, l->time);
        if (i >= 0) { /* a retry of a failure: its result decides whether it is new */
            open_put(h, key, i, true);
            slot = open_find(h, key);
            if (slot >= 0) {
                hist_copy(h->evtx.open[slot].start_text, AN_HISTORY_MAX_TEXT, l->text, l->len);
                h->evtx.open[slot].start_record = l->line_no;
                h->evtx.open[slot].start_time = l->time;
                h->evtx.open[slot].start_has_time = l->has_time;
            }
            return;
        }
        i = begin(h, l, title, "Windows Update");
        if (i >= 0)
            open_put(h, key, i, false);
        return;
    case 44: /* download started */
        if (i >= 0)
            hist_cite(h, i, l, false);
        return;
    case 19:
    case 20: {
        bool retry = slot >= 0 && h->evtx.open[slot].retry;
        if (retry && r->event_id == 19)
            i = -1; /* the retry succeeded: an attempt of its own, which resolves the failure */
        if (i < 0 && r->event_id == 20 && title[0])
            i = recent_failure(h, key, l->time);
        an_log_line start = {0};
        if (retry) {
            start.text = h->evtx.open[slot].start_text;
            start.len = strlen(start.text);
            start.line_no = h->evtx.open[slot].start_record;
            start.offset = UINT64_MAX;
            start.has_time = h->evtx.open[slot].start_has_time;
            start.time = h->evtx.open[slot].start_time;
            start.time_is_utc = true;
        }
        if (i < 0) {
            i = begin(h, retry ? &start : l, title, "Windows Update");
            if (retry)
                hist_cite(h, i, l, true);
        } else {
            if (retry)
                hist_cite(h, i, &start, false);
            hist_cite(h, i, l, true);
        }
        if (r->event_id == 19) {
            hist_result(h, i, 0, l);
            hist_close(h, i, AN_ATT_SUCCEEDED);
        } else {
            hist_result(h, i, code_of(str_at(r, 0)), l);
            hist_close(h, i, AN_ATT_FAILED);
        }
        if (slot >= 0)
            open_drop(h, slot);
        return;
    }
    default:
        return;
    }
}

/* Remembers the newest Servicing record (see hist_evtx_unfinished). */
static void last_servicing(an_history *h, const an_evtx_record *r, const char *key, const char *pkg)
{
    h->evtx.last_srv.event_id = r->event_id;
    snprintf(h->evtx.last_srv.key, sizeof(h->evtx.last_srv.key), "%s", key);
    if (r->event_id != 1 && r->event_id != 7)
        return;
    hist_evtx_note *n = &h->evtx.last_srv.note;
    char *src = strdup(r->path ? r->path : "");
    if (!src) {
        h->evtx.last_srv.event_id = 0;
        return;
    }
    free(n->source);
    n->source = src;
    char text[AN_HISTORY_MAX_TEXT];
    render(r, text, sizeof(text));
    note_fill(n, "history.evtx.servicing_unfinished", text,
              "history.evtx.servicing_unfinished.package", pkg, r);
}

const hist_evtx_note *hist_evtx_unfinished(const an_history *h)
{
    uint32_t id = h->evtx.last_srv.event_id;
    if ((id != 1 && id != 7) || !h->evtx.last_srv.note.source)
        return NULL;
    for (size_t i = 0; i < HIST_EVTX_OPEN; i++) /* its package's attempt is still open */
        if (h->evtx.open[i].key[0] && strcasecmp(h->evtx.open[i].key, h->evtx.last_srv.key) == 0)
            return &h->evtx.last_srv.note;
    return NULL;
}

static void servicing(an_history *h, const an_evtx_record *r, const an_log_line *l)
{
    const char *pkg = str_at(r, 0);
    /* Servicing 7 names the update first, the package second */
    if (r->event_id == 7)
        pkg = str_at(r, 1);
    if (!pkg[0])
        return;
    char key[256];
    if (strspn(pkg, "0123456789") == strlen(pkg))
        snprintf(key, sizeof(key), "KB%.12s", pkg); /* "Package KB%1" */
    else
        key_of(pkg, key);
    if (r->event_id >= 1 && r->event_id <= 7)
        last_servicing(h, r, key, strspn(pkg, "0123456789") == strlen(pkg) ? key : pkg);
    long slot = open_find(h, key);
    long i = slot >= 0 ? h->evtx.open[slot].att : -1;
    /* the client is the last string that is not a code or a state number */
    const char *client = "";
    for (size_t k = r->nstr; k-- > 1;)
        if (r->str[k][0] && strncmp(r->str[k], "0x", 2) != 0 &&
            strspn(r->str[k], "0123456789") != strlen(r->str[k])) {
            client = r->str[k];
            break;
        }
    switch (r->event_id) {
    case 1:
        if (i >= 0) {
            hist_close(h, i, AN_ATT_UNKNOWN);
            open_drop(h, slot);
        }
        i = begin(h, l, pkg, client[0] ? client : "CBS");
        if (i >= 0)
            open_put(h, key, i, false);
        return;
    case 7:
        if (i >= 0)
            hist_cite(h, i, l, false);
        return;
    case 2:
    case 3:
    case 4: {
        if (i < 0)
            i = begin(h, l, pkg, client[0] ? client : "CBS");
        else
            hist_cite(h, i, l, true);
        uint32_t code = 0;
        for (size_t k = 1; k < r->nstr; k++)
            if (strncmp(r->str[k], "0x", 2) == 0)
                code = code_of(r->str[k]);
        if (r->event_id == 3) {
            hist_result(h, i, code ? code : 0x80004005u, l);
            hist_close(h, i, AN_ATT_FAILED);
        } else {
            hist_result(h, i, 0, l);
            hist_close(h, i, r->event_id == 4 ? AN_ATT_PENDING : AN_ATT_SUCCEEDED);
        }
        if (slot >= 0)
            open_drop(h, slot);
        return;
    }
    default:
        return;
    }
}

/* A note's fields: "<UTC time> <evidence line>", and the detail fact it may carry. */
static void note_fill(hist_evtx_note *n, const char *name, const char *text,
                      const char *detail_name, const char *detail, const an_evtx_record *r)
{
    char when[48];
    an_history_format_time(r->has_time, r->time, true, when);
    snprintf(n->name, sizeof(n->name), "%s", name);
    char v[sizeof(n->value)];
    snprintf(v, sizeof(v), "%s%s%s", when, when[0] ? " " : "", text);
    hist_copy(n->value, sizeof(n->value), v, strlen(v)); /* (trims, drops control bytes) */
    n->detail_name[0] = n->detail[0] = '\0';
    if (detail_name && detail && detail[0]) {
        snprintf(n->detail_name, sizeof(n->detail_name), "%s", detail_name);
        hist_copy(n->detail, sizeof(n->detail), detail, strlen(detail));
    }
    n->record = (int64_t)r->record;
}

/* Keeps the newest HIST_EVTX_MAX_NOTES notes (a ring; notes_more counts the ones dropped). */
static void note_detail(an_history *h, const char *name, const char *text, const char *detail_name,
                        const char *detail, const an_evtx_record *r)
{
    char *src = strdup(r->path ? r->path : "");
    if (!src)
        return;
    size_t i = h->evtx.nnotes;
    if (i == HIST_EVTX_MAX_NOTES) {
        i = h->evtx.notes_more++ % HIST_EVTX_MAX_NOTES; /* the oldest */
        free(h->evtx.notes[i].source);
    } else {
        h->evtx.nnotes++;
    }
    hist_evtx_note *n = &h->evtx.notes[i];
    n->source = src;
    note_fill(n, name, text, detail_name, detail, r);
}

static void note(an_history *h, const char *name, const char *text, const an_evtx_record *r)
{
    note_detail(h, name, text, NULL, NULL, r);
}

/* The service name of a servicing service named by its service or display name (SCM
 * writes the display name), NULL for any other. */
static const char *servicing_service(const char *s)
{
    static const char *const names[][2] = {{"wuauserv", "Windows Update"},
                                           {"BITS", "Background Intelligent Transfer Service"},
                                           {"CryptSvc", "Cryptographic Services"},
                                           {"TrustedInstaller", "Windows Modules Installer"}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcasecmp(s, names[i][0]) == 0 || strcasecmp(s, names[i][1]) == 0)
            return names[i][0];
    return NULL;
}

/* The bug check code a BugCheck / WER-SystemErrorReporting 1001 starts with ("0x0000007e
 * (0xc0000005, ...)"), "" when its first string does not start with one. */
static void bugcheck_code(const char *s, char out[24])
{
    out[0] = '\0';
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return;
    size_t n = 2;
    while (n < 19 && isxdigit((unsigned char)s[n]))
        n++;
    if (n > 2 && n <= 18)
        snprintf(out, 24, "%.*s", (int)n, s);
}

static void system_event(an_history *h, const an_evtx_record *r, const char *text)
{
    const char *p = r->provider;
    uint32_t id = r->event_id;
    if (strcmp(p, "Service Control Manager") == 0) {
        bool svc = id == 7000 || id == 7001 || id == 7009 || id == 7023 || id == 7031 || id == 7034;
        /* 7009 ("A timeout was reached (%1 milliseconds) while waiting for the %2 service to
         * connect") names the service second; the others first */
        const char *name = svc ? servicing_service(str_at(r, id == 7009 ? 1 : 0)) : NULL;
        if (name)
            note_detail(h, "history.evtx.service_failure", text,
                        "history.evtx.service_failure.service", name, r);
        else if (id == 7026 && r->nstr > 0)
            note(h, "history.evtx.driver_not_loaded", text, r);
    } else if ((strcmp(p, "EventLog") == 0 && id == 6008) ||
               (strcmp(p, "Microsoft-Windows-Kernel-Power") == 0 && id == 41)) {
        note(h, "history.evtx.unexpected_restart", text, r);
    } else if (strcmp(p, "User32") == 0 && id == 1074) {
        note(h, "history.evtx.restart_requested", text, r);
    } else if (strcmp(p, "Windows Error Reporting") == 0 && id == 1001 &&
               (strcmp(str_at(r, 2), "WindowsUpdateFailure3") == 0 ||
                strcmp(str_at(r, 2), "WinSetupDiag02") == 0)) {
        /* Application.evtx: Windows Update's failure bucket (P2 = the code) and SetupDiag's
         * result, as WER reported them */
        note(h,
             strcmp(str_at(r, 2), "WinSetupDiag02") == 0 ? "history.evtx.wer.setupdiag"
                                                         : "history.evtx.wer.wu_failure",
             text, r);
    } else if ((strcmp(p, "Microsoft-Windows-WER-SystemErrorReporting") == 0 ||
                strcmp(p, "BugCheck") == 0) &&
               id == 1001) {
        char code[24];
        bugcheck_code(str_at(r, 0), code);
        note_detail(h, "history.evtx.bugcheck", text, "history.evtx.bugcheck.code", code, r);
    }
}

void an_history_evtx_record(an_history *h, const an_evtx_record *r)
{
    if (!h || !r || !r->provider || !hist_set_path(h, r->path ? r->path : ""))
        return;
    bool is_wuc = strcmp(r->provider, WUC) == 0, is_srv = strcmp(r->provider, SERVICING) == 0;
    char text[AN_HISTORY_MAX_TEXT];
    render(r, text, sizeof(text));
    an_log_line l = {.text = text,
                     .len = strlen(text),
                     .line_no = r->record,
                     .offset = UINT64_MAX, /* a record, not a byte offset: cited by number */
                     .has_time = r->has_time,
                     .time = r->time,
                     .time_is_utc = true};
    if (is_wuc && (r->event_id == 25 || r->event_id == 31)) {
        note(h,
             r->event_id == 25 ? "history.evtx.wu.detect_failure"
                               : "history.evtx.wu.download_failure",
             text, r);
        return;
    }
    if (is_wuc)
        wuc(h, r, &l);
    else if (is_srv)
        servicing(h, r, &l);
    else
        system_event(h, r, text);
}
