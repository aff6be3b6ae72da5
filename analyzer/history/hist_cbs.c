/* analyzer/history/: servicing attempts from CBS.log and its CbsPersist archives: each CBS
 * session (client, packages, KB, final HRESULT), WER failure reports, boot-time processing
 * ("Startup:" / "Shtd:" queue failures) and the driver-update queue (Doqe, KTM rollback).
 * Sessions that only query the store and succeed are not attempts. Only the session result
 * lines decide a session's outcome: the many "Failed to ..." lines CBS writes on the way are
 * often benign (probing packages that are not there). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyzer/history/hist_int.h"
#include "common/sxs_errcode.h"

static an_attempt_kind kind_of(const char *client, const char *package)
{
    if (strcasestr(package, "LanguageFeatures") || strcasestr(package, "-FoD-") ||
        strcasestr(package, "LanguagePack") || strcasestr(client, "Language") ||
        strcasestr(client, "lpksetup") || strcasestr(client, "FodManager") ||
        strcasestr(client, "Capability"))
        return AN_ATT_FOD;
    if (strcasestr(client, "DISM"))
        return AN_ATT_DISM;
    if (strcasestr(client, "Optional") || strcasestr(client, "OCSetup"))
        return AN_ATT_FEATURE;
    return AN_ATT_UPDATE;
}

static size_t id_len(const char *s)
{
    size_t n = 0;
    while ((s[n] >= '0' && s[n] <= '9') || s[n] == '_')
        n++;
    return n;
}

static uint64_t id_hash(const char *id, size_t n)
{
    uint64_t x = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        x = (x ^ (unsigned char)id[i]) * 1099511628211ull;
    return x;
}

static hist_cbs_session *find_session(an_history *h, const char *id, size_t n)
{
    uint64_t x = id_hash(id, n);
    for (size_t i = 0; i < HIST_MAX_OPEN_SESSIONS; i++) {
        hist_cbs_session *s = &h->cbs.open[i];
        if (s->used && s->id_hash == x && s->id_len == n && memcmp(s->id, id, n) == 0)
            return s;
    }
    return NULL;
}

static void session_close(an_history *h, hist_cbs_session *s, an_attempt_status st)
{
    if (s->att >= 0)
        hist_close(h, s->att, st);
    if (s->used)
        h->cbs.nused--;
    s->used = false;
    s->att = -1;
}

static hist_cbs_session *session_open(an_history *h, const char *id, size_t n, const an_log_line *l)
{
    /* callers looked the id up already (an "initialized" line names a new session) */
    hist_cbs_session *s, *free_slot = NULL;
    /* round robin from the cursor: the first free slot, else the one at the cursor, which is
     * the longest-held of them (a session never finalized: TrustedInstaller was killed) */
    for (size_t k = 0;
         h->cbs.nused < HIST_MAX_OPEN_SESSIONS && k < HIST_MAX_OPEN_SESSIONS && !free_slot; k++) {
        hist_cbs_session *c = &h->cbs.open[(h->cbs.cursor + k) % HIST_MAX_OPEN_SESSIONS];
        if (!c->used)
            free_slot = c;
    }
    if (!free_slot) {
        free_slot = &h->cbs.open[h->cbs.cursor];
        session_close(h, free_slot, AN_ATT_UNKNOWN);
    }
    h->cbs.cursor = ((size_t)(free_slot - h->cbs.open) + 1) % HIST_MAX_OPEN_SESSIONS;
    s = free_slot;
    memset(s, 0, sizeof(*s));
    s->used = true;
    h->cbs.nused++;
    s->att = -1;
    if (n >= sizeof(s->id)) /* digits and '_' only (id_len): a plain copy */
        n = sizeof(s->id) - 1;
    memcpy(s->id, id, n);
    s->id[n] = '\0';
    s->id_len = n;
    s->id_hash = id_hash(s->id, n);
    if (l->has_time) {
        s->has_start = true;
        s->start = l->time;
        s->utc = l->time_is_utc;
    }
    return s;
}

/* The session's attempt, made when the session turns out to matter. */
static an_attempt *session_attempt(an_history *h, hist_cbs_session *s, const char *package,
                                   const an_log_line *l)
{
    if (s->att < 0) {
        s->att = hist_begin(h, kind_of(s->client, package ? package : ""), l);
        an_attempt *a = hist_get(h, s->att);
        if (!a)
            return NULL;
        snprintf(a->client, sizeof(a->client), "%s", s->client);
        snprintf(a->session, sizeof(a->session), "%s", s->id);
        if (s->has_start) {
            a->has_start = true;
            a->start = s->start;
            a->time_is_utc = s->utc;
        }
    }
    an_attempt *a = hist_get(h, s->att);
    if (a && package && package[0] && !a->package[0]) {
        snprintf(a->package, sizeof(a->package), "%s", package);
        a->kind = kind_of(s->client, package);
        if (!a->kb[0])
            hist_find_kb(package, a->kb);
    }
    return a;
}

/* "[HRESULT = 0x800f0922 - CBS_E_INSTALLERS_FAILED]" */
static bool hresult(const char *m, uint32_t *ret)
{
    return hist_hex_after(m, "[HRESULT = ", ret) == 1;
}

/* "Session: 30792643_2984787731 initialized by client WindowsUpdateAgent, external ..." /
 * "Session: ... finalized. Reboot required: no [HRESULT = 0x800f081f - CBS_E_SOURCE_MISSING]" */
static void session_line(an_history *h, const char *m, const an_log_line *l)
{
    const char *id = m + strlen("Session: ");
    size_t n = id_len(id);
    if (n == 0)
        return;
    const char *rest = id + n;
    uint32_t code;
    if (hist_starts(rest, " initialized by client ")) {
        hist_cbs_session *s = session_open(h, id, n, l);
        const char *c = rest + strlen(" initialized by client ");
        size_t cl = strcspn(c, ",");
        while (cl > 0 && c[cl - 1] == '.')
            cl--;
        hist_copy(s->client, sizeof(s->client), c, cl);
        return;
    }
    if (!hist_starts(rest, " finalized.") || !hresult(rest, &code))
        return;
    hist_cbs_session *s = find_session(h, id, n);
    if (!s)
        return;
    bool reboot = strstr(rest, "Reboot required: yes") != NULL;
    if (code != 0 || s->att >= 0) {
        session_attempt(h, s, NULL, l);
        hist_result(h, s->att, code, l);
    }
    session_close(h, s,
                  code == 0 || code == 0x80070bc2
                      ? (reboot || code ? AN_ATT_PENDING : AN_ATT_SUCCEEDED)
                      : AN_ATT_FAILED);
}

/* "Exec: Processing complete.  Session: X, Package: P, Identifier: KB [HRESULT = ...]" and
 * "Exec: Processing complete, session(Corruption Repairing): X [HRESULT = ...]" */
static void processing_complete(an_history *h, const char *m, const an_log_line *l)
{
    uint32_t code;
    if (!hresult(m, &code))
        return;
    const char *sp = strstr(m, "ession: ");
    const char *paren = strstr(m, "session(");
    char package[256] = "";
    if (paren) {
        const char *e = strchr(paren, ')');
        if (!e)
            return;
        hist_copy(package, sizeof(package), paren + 8, (size_t)(e - paren - 8));
        sp = strstr(e, ": ");
        if (!sp)
            return;
        sp -= strlen("ession");
    }
    if (!sp)
        return;
    const char *id = sp + strlen("ession: ");
    size_t n = id_len(id);
    hist_cbs_session *s = n ? find_session(h, id, n) : NULL;
    if (!s)
        s = session_open(h, id, n, l);
    const char *p = strstr(m, "Package: ");
    if (p && !paren) {
        p += strlen("Package: ");
        hist_copy(package, sizeof(package), p, strcspn(p, ","));
    }
    if (!package[0] && code == 0)
        return; /* a session that changed nothing */
    an_attempt *a = session_attempt(h, s, package, l);
    if (!a)
        return;
    if (paren && !a->package[0])
        snprintf(a->package, sizeof(a->package), "%s", package);
    if (paren)
        a->kind = AN_ATT_DISM;
    const char *idf = strstr(m, "Identifier: ");
    if (idf && !a->kb[0])
        hist_find_kb(idf, a->kb);
    hist_result(h, s->att, code, l);
    if (code == 0 && a->status == AN_ATT_UNKNOWN)
        a->status = AN_ATT_SUCCEEDED; /* the session's finalize line may still say more */
}

/* "Exec: Processing started.  Session: X, Package: P": the session installs P. */
static void processing_started(an_history *h, const char *m, const an_log_line *l)
{
    const char *id = m + strlen("Exec: Processing started.  Session: ");
    size_t n = id_len(id);
    hist_cbs_session *s = n ? find_session(h, id, n) : NULL;
    const char *p = strstr(m, "Package: ");
    if (!s || !p)
        return;
    p += strlen("Package: ");
    char package[256];
    hist_copy(package, sizeof(package), p, strcspn(p, ","));
    if (package[0] && session_attempt(h, s, package, l))
        hist_cite(h, s->att, l, false);
}

/* "Generating failure report for package: P, status: 0x800f0922, failure source: Execute,
 * start state: Staged, target state: Installed, client id: WindowsUpdateAgent" */
static void failure_report(an_history *h, const char *m, const an_log_line *l)
{
    /* also written "WER: Generating failure report for package:P status: 0x.., ..." */
    const char *p = strstr(m, "for package:");
    uint32_t code;
    if (!p || !hist_hex_after(p, "status:", &code) || code == 0)
        return;
    p += strlen("for package:");
    p += strspn(p, " ");
    char package[256], client[64] = "";
    const char *st = strstr(p, " status:");
    size_t pl = strcspn(p, ",");
    if (st && (size_t)(st - p) < pl)
        pl = (size_t)(st - p);
    hist_copy(package, sizeof(package), p, pl);
    const char *c = strstr(p, "client id: ");
    if (c)
        hist_copy(client, sizeof(client), c + 11, strcspn(c + 11, ","));
    /* the report belongs to the open session of that client processing the package */
    hist_cbs_session *owner = NULL;
    for (size_t k = 0; k < HIST_MAX_OPEN_SESSIONS && !owner; k++) {
        hist_cbs_session *s = &h->cbs.open[k];
        const an_attempt *sa = s->used ? hist_get(h, s->att) : NULL;
        if (s->used && strcasecmp(s->client, client) == 0 &&
            (!sa || !sa->package[0] || strcasecmp(sa->package, package) == 0))
            owner = s;
    }
    long i;
    an_attempt *a;
    if (owner) {
        a = session_attempt(h, owner, package, l);
        i = owner->att;
    } else {
        i = hist_begin(h, kind_of(client, package), l);
        a = hist_get(h, i);
    }
    if (!a)
        return;
    if (!a->package[0])
        snprintf(a->package, sizeof(a->package), "%s", package);
    if (!a->client[0])
        snprintf(a->client, sizeof(a->client), "%s", client);
    if (!a->kb[0])
        hist_find_kb(package, a->kb);
    const char *fs = strstr(p, "failure source: ");
    if (fs)
        hist_copy(a->operation, sizeof(a->operation), fs + 16, strcspn(fs + 16, ","));
    hist_result(h, i, code, l);
    if (!owner)
        hist_close(h, i, AN_ATT_FAILED);
}

static long driver_attempt(an_history *h, const an_log_line *l)
{
    if (h->cbs.driver_att < 0) {
        h->cbs.driver_att = hist_begin(h, AN_ATT_DRIVER_UPDATE, l);
        an_attempt *a = hist_get(h, h->cbs.driver_att);
        if (a)
            snprintf(a->operation, sizeof(a->operation), "driver operations queue");
    }
    return h->cbs.driver_att;
}

/* Boot-time processing: "Startup: Failed to process advanced operation queue, startupPhase:
 * 0. A rollback transaction will be created. [HRESULT = 0x800f0922 - ...]",
 * "Startup: Rolling back KTM, because drivers failed.", "Shtd: ... failed ... [HRESULT = ..]" */
static void boot_time(an_history *h, const char *m, const an_log_line *l)
{
    uint32_t code;
    if (strstr(m, "Rolling back KTM, because drivers failed")) {
        long i = driver_attempt(h, l);
        an_attempt *a = hist_get(h, i);
        if (a) {
            a->rolled_back = true;
            a->status = AN_ATT_FAILED;
            hist_cite(h, i, l, true);
        }
        return;
    }
    bool failed = strstr(m, "Failed") || strstr(m, "failed");
    if (hist_starts(m, "Startup: Processing complete.") && hresult(m, &code)) {
        /* a clean boot-time pass after an earlier failed one */
        if (code == 0 && h->cbs.startup_att >= 0) {
            long i = hist_begin(h, AN_ATT_UPDATE, l);
            an_attempt *a = hist_get(h, i);
            if (a) {
                snprintf(a->package, sizeof(a->package), "boot-time servicing");
                hist_cite(h, i, l, true);
                hist_close(h, i, AN_ATT_SUCCEEDED);
            }
            h->cbs.startup_att = -1;
        }
        return;
    }
    if (!failed || !hresult(m, &code) || code == 0)
        return;
    if (strstr(m, "driver operations queue")) { /* the driver queue's own failure */
        hist_result(h, driver_attempt(h, l), code, l);
        return;
    }
    long i = hist_begin(h, AN_ATT_UPDATE, l);
    an_attempt *a = hist_get(h, i);
    if (!a)
        return;
    snprintf(a->package, sizeof(a->package), "boot-time servicing");
    const char *op = strchr(m, ' ');
    hist_copy(a->operation, sizeof(a->operation), op ? op + 1 : m, strcspn(op ? op + 1 : m, ",.["));
    if (strstr(m, "rollback"))
        a->rolled_back = true;
    hist_result(h, i, code, l);
    hist_close(h, i, AN_ATT_FAILED);
    h->cbs.startup_att = i;
}

void hist_cbs_line(an_history *h, const an_log_line *l)
{
    /* Most CBS lines are none of ours: when the line keeps the column layout (two blanks
     * before the message offset), its first message letter decides without parsing. */
    size_t mo = h->msg_off;
    if (mo && l->len > mo && l->text[mo - 1] == ' ' && l->text[mo - 2] == ' ') {
        char c0 = l->text[mo];
        if (c0 != 'S' && c0 != 'E' && c0 != 'G' && c0 != 'W' && c0 != 'D' && c0 != 'F')
            return;
    }
    const char *m = hist_message(h, l, NULL, NULL);
    if (!m)
        return;
    uint32_t code;
    switch (m[0]) {
    case 'S':
        if (hist_starts(m, "Session: "))
            session_line(h, m, l);
        else if (hist_starts(m, "Startup: ") || hist_starts(m, "Shtd: "))
            boot_time(h, m, l);
        return;
    case 'E':
        if (!hist_starts(m, "Exec: Processing "))
            return;
        if (hist_starts(m + 17, "complete"))
            processing_complete(h, m, l);
        else if (hist_starts(m + 17, "started.  Session: "))
            processing_started(h, m, l);
        return;
    case 'G':
        if (hist_starts(m, "Generating failure report for package:"))
            failure_report(h, m, l);
        return;
    case 'W':
        if (hist_starts(m, "WER: Generating failure report for package:"))
            failure_report(h, m, l);
        return;
    case 'D':
        if (hist_starts(m, "Doqe: Recording result: ")) {
            /* "Doqe: Recording result: 0x80070003, for Inf: ntprint4.inf" */
            const char *p = m + strlen("Doqe: Recording result: ");
            if (!sxs_errcode_parse_hex(p, strlen(p), &code) || code == 0)
                return;
            long i = driver_attempt(h, l);
            an_attempt *a = hist_get(h, i);
            const char *inf = strstr(p, "for Inf: ");
            if (a && inf && !a->package[0])
                hist_copy(a->package, sizeof(a->package), inf + 9, strcspn(inf + 9, " ,"));
            hist_result(h, i, code, l);
        } else if (hist_starts(m, "DriverUpdateInstallUpdates failed") && hresult(m, &code)) {
            hist_result(h, driver_attempt(h, l), code, l);
        }
        return;
    case 'F':
        if (hist_starts(m, "Failed to download and plan capabilities") && hresult(m, &code) &&
            code != 0) {
            long i = hist_begin(h, AN_ATT_FOD, l);
            an_attempt *a = hist_get(h, i);
            if (a)
                snprintf(a->operation, sizeof(a->operation), "download and plan capabilities");
            hist_result(h, i, code, l);
            hist_close(h, i, AN_ATT_FAILED);
        }
        return;
    default:
        return;
    }
}

void hist_cbs_end(an_history *h)
{
    /* sessions go on in the next CbsPersist log; the driver queue ends with its file */
    if (h->cbs.driver_att >= 0)
        hist_close(h, h->cbs.driver_att, AN_ATT_UNKNOWN);
    h->cbs.driver_att = -1;
}
