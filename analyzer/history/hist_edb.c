/* analyzer/history/: Windows Update's history database (DataStore.edb, tbHistory rows read by
 * analyzer/edb/an_edb.h) into the servicing history. Each row is one install or uninstall Windows
 * Update finished: its MappedResult is the outcome (0 or a success code: succeeded; an error
 * HRESULT: failed; absent: unknown). A failed row that repeats an EDB failure of the same
 * update (KB, else title) within HIST_EDB_REPEAT_WINDOW, with no EDB success of it between,
 * is evidence on that attempt: one cumulative update retried daily for a week is one failed
 * attempt with its rows. The same install as the logs saw it (CBS, WindowsUpdate.log, the
 * WindowsUpdateClient events) joins it in an_history_finish (merge_sources: same KB and kind,
 * times within the window, outcomes that do not contradict). Row strings are untrusted:
 * copied bounded, control characters dropped. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyzer/history/hist_int.h"

/* What the row is: "installation" / "uninstallation" (Status 1 / 2), else "". */
static const char *operation_of(const an_edb_row *r)
{
    if (!r->has_status)
        return "";
    return r->status == 1 ? "installation" : r->status == 2 ? "uninstallation" : "";
}

/* The evidence line: "tbHistory row N: <title> | 0x... | client ... | ...". */
static void render(const an_edb_row *r, char *out, size_t cap)
{
    int n = snprintf(out, cap, "tbHistory row %" PRIu64 ": %s", r->row,
                     r->title[0] ? r->title : "(no title)");
    size_t o = n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (o + 1 < cap) {                                                                         \
            int w = snprintf(out + o, cap - o, __VA_ARGS__);                                       \
            o = w < 0 ? o : o + (size_t)w >= cap ? cap - 1 : o + (size_t)w;                        \
        }                                                                                          \
    } while (0)
    if (r->has_result)
        ADD(" | result 0x%08" PRIx32, r->result);
    if (r->has_unmapped && r->unmapped != r->result)
        ADD(" | unmapped 0x%08" PRIx32, r->unmapped);
    const char *op = operation_of(r);
    if (op[0])
        ADD(" | %s", op);
    else if (r->has_status)
        ADD(" | status %" PRId32, r->status);
    if (r->client[0])
        ADD(" | client %s", r->client);
    if (r->update_id[0])
        ADD(" | update %s", r->update_id);
#undef ADD
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

/* The key an update is matched on: its KB when the title names one, else the title. */
static void key_of(const an_attempt *a, char key[256])
{
    if (a->kb[0])
        snprintf(key, 256, "%s", a->kb);
    else
        hist_copy(key, 256, a->package, strlen(a->package));
}

/* The EDB failure of key this row repeats, newest first; -1 when an EDB success of key comes
 * between, or none is within the window. */
static long repeated_failure(an_history *h, const char *key, int64_t t)
{
    for (size_t k = h->n; k-- > 0;) {
        const an_attempt *a = &h->att[k];
        if (!a->from_edb || a->kind != AN_ATT_UPDATE)
            continue;
        char ak[256];
        key_of(a, ak);
        if (strcasecmp(ak, key) != 0)
            continue;
        if (a->status != AN_ATT_FAILED)
            return -1; /* succeeded (or unknown) since: the failure is a new attempt */
        if (!a->has_end || t < a->start || t - a->end > HIST_EDB_REPEAT_WINDOW)
            return -1;
        return (long)k;
    }
    return -1;
}

void an_history_edb_row(an_history *h, const an_edb_row *r)
{
    if (!h || !r || !hist_set_path(h, r->path ? r->path : ""))
        return;
    /* the reader always sets the strings; a caller that did not gets "" */
    an_edb_row row = *r;
    row.title = r->title ? r->title : "";
    row.client = r->client ? r->client : "";
    row.update_id[sizeof(row.update_id) - 1] = '\0';
    const char *title = row.title;
    char text[AN_HISTORY_MAX_TEXT];
    render(&row, text, sizeof(text));
    an_log_line l = {.text = text,
                     .len = strlen(text),
                     .line_no = r->row,
                     .offset = UINT64_MAX, /* a row, not a byte offset: cited by number */
                     .has_time = r->has_time,
                     .time = r->time,
                     .time_is_utc = true};
    /* success codes (S_FALSE, WU_S_*) have the high bit clear */
    bool failed = r->has_result && (r->result & 0x80000000u) != 0 && r->result != 0x80070bc2u;
    an_attempt probe = {0};
    hist_copy(probe.package, sizeof(probe.package), title, strlen(title));
    if (!probe.package[0])
        hist_copy(probe.package, sizeof(probe.package), row.update_id, strlen(row.update_id));
    hist_find_kb(title, probe.kb);
    char key[256];
    key_of(&probe, key);
    long i = failed && key[0] && r->has_time ? repeated_failure(h, key, r->time) : -1;
    if (i >= 0) {
        hist_cite(h, i, &l, true);
        hist_result(h, i, r->result, &l);
        return;
    }
    i = hist_begin(h, AN_ATT_UPDATE, &l);
    an_attempt *a = hist_get(h, i);
    if (!a)
        return;
    a->from_edb = true;
    hist_copy(a->client, sizeof(a->client), row.client, strlen(row.client));
    if (!a->client[0])
        snprintf(a->client, sizeof(a->client), "Windows Update");
    memcpy(a->package, probe.package, sizeof(a->package));
    memcpy(a->kb, probe.kb, sizeof(a->kb));
    const char *op = operation_of(&row);
    hist_copy(a->operation, sizeof(a->operation), op, strlen(op));
    hist_cite(h, i, &l, true);
    if (r->has_result && r->result == 0x80070bc2u) { /* ERROR_SUCCESS_REBOOT_REQUIRED */
        hist_result(h, i, r->result, &l);
        hist_close(h, i, AN_ATT_PENDING);
    } else if (r->has_result) {
        hist_result(h, i, failed ? r->result : 0, &l);
        hist_close(h, i, failed ? AN_ATT_FAILED : AN_ATT_SUCCEEDED);
    } else {
        hist_close(h, i, AN_ATT_UNKNOWN);
    }
}
