/* analyzer/history/: driver installs from setupapi.dev.log / setupapi.offline.log: a section
 * ">>>  [Device Install ...]" / ">>>  [Install Driver Updates]" ... "<<<  [Exit status:
 * FAILURE(0xe0000219)]". Failed sections are attempts, with the "!!!" lines that say why (they
 * name the INF or the DriverStore package folder); a succeeded section is kept only when it
 * resolves an earlier failure of the same section, so hundreds of routine device installs do
 * not bury the history. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyzer/history/hist_int.h"
#include "common/sxs_errcode.h"

static bool driver_section(const char *title)
{
    return strcasestr(title, "Driver") || strcasestr(title, "Device Install");
}

/* The INF a section names: "...\FileRepository\x.inf_amd64_<hash>\x.inf" or "x.inf". */
static void inf_of(const char *s, char *out, size_t cap)
{
    const char *fr = strcasestr(s, "FileRepository\\");
    if (fr) {
        const char *f = fr + strlen("FileRepository\\");
        hist_copy(out, cap, f, strcspn(f, "\\]} '"));
        return;
    }
    const char *p = strcasestr(s, ".inf");
    if (!p)
        return;
    const char *b = p;
    while (b > s && b[-1] != '\\' && b[-1] != ' ' && b[-1] != '\'' && b[-1] != '[')
        b--;
    hist_copy(out, cap, b, (size_t)(p + 4 - b));
}

static bool earlier_failure(an_history *h, const char *title)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->att[i].kind == AN_ATT_DRIVER_UPDATE && h->att[i].status == AN_ATT_FAILED &&
            strcmp(h->att[i].operation, title) == 0)
            return true;
    return false;
}

/* The current section's attempt, made on its first error or its failed exit. */
static an_attempt *section_attempt(an_history *h, const an_log_line *l)
{
    if (h->sapi.att < 0) {
        h->sapi.att = hist_begin(h, AN_ATT_DRIVER_UPDATE, l);
        an_attempt *a = hist_get(h, h->sapi.att);
        if (a) {
            snprintf(a->operation, sizeof(a->operation), "%s", h->sapi.title);
            inf_of(h->sapi.title, a->package, sizeof(a->package));
            snprintf(a->client, sizeof(a->client), "setupapi");
        }
    }
    return hist_get(h, h->sapi.att);
}

void hist_setupapi_line(an_history *h, const an_log_line *l)
{
    const char *t = l->text;
    if (l->len < 5)
        return;
    if (hist_starts(t, ">>>  [")) {
        const char *e = strrchr(t, ']');
        hist_copy(h->sapi.title, sizeof(h->sapi.title), t + 6,
                  e ? (size_t)(e - t - 6) : l->len - 6);
        h->sapi.in_section = true;
        h->sapi.relevant = driver_section(h->sapi.title);
        h->sapi.att = -1;
        return;
    }
    if (!h->sapi.in_section || !h->sapi.relevant)
        return;
    if (hist_starts(t, "!!!  ")) {
        /* an error inside the section: the attempt exists from here on */
        an_attempt *a = section_attempt(h, l);
        if (a && !a->package[0])
            inf_of(t, a->package, sizeof(a->package));
        hist_cite(h, h->sapi.att, l, false);
        return;
    }
    if (!hist_starts(t, "<<<  [Exit status: "))
        return;
    const char *st = t + strlen("<<<  [Exit status: ");
    uint32_t code = 0;
    const char *paren = strchr(st, '(');
    if (paren)
        sxs_errcode_parse_hex(paren + 1, strlen(paren + 1), &code);
    bool ok = hist_starts(st, "SUCCESS");
    if (!ok || h->sapi.att >= 0 || earlier_failure(h, h->sapi.title)) {
        section_attempt(h, l);
        if (!ok)
            hist_result(h, h->sapi.att, code ? code : 0xE0000000u, l);
        else
            hist_cite(h, h->sapi.att, l, true);
        hist_close(h, h->sapi.att, ok ? AN_ATT_SUCCEEDED : AN_ATT_FAILED);
    } else if (h->sapi.att >= 0) {
        hist_close(h, h->sapi.att, AN_ATT_SUCCEEDED);
    }
    h->sapi.att = -1;
    h->sapi.in_section = false;
}

void hist_setupapi_end(an_history *h)
{
    if (h->sapi.att >= 0)
        hist_close(h, h->sapi.att, AN_ATT_UNKNOWN);
    h->sapi.att = -1;
    h->sapi.in_section = false;
}
