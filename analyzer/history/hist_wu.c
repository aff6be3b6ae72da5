/* analyzer/history/: update installs from Windows Update's own text logs: Windows 7/8.1
 * WindowsUpdate.log and SoftwareDistribution\ReportingEvents.log write one line per install
 * result, "Installation Failure: Windows failed to install the following update with error
 * 0x80070643: <title> (KB...)." / "Installation Successful: Windows successfully installed the
 * following update: <title>". Scan and download results are not install attempts and are left
 * to the event-log collector. */
#include <stdio.h>
#include <string.h>

#include "analyzer/history/hist_int.h"
#include "common/sxs_errcode.h"

static void title_of(const char *t, char *out, size_t cap)
{
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n > 0 && (t[n - 1] == '.' || t[n - 1] == ' ' || t[n - 1] == '\r'))
        n--;
    hist_copy(out, cap, t, n);
}

void hist_wu_line(an_history *h, const an_log_line *l)
{
    const char *t = l->text;
    const char *f = strstr(t, "Installation Failure: ");
    const char *s = f ? NULL : strstr(t, "Installation Successful: ");
    if (!f && !s)
        return;
    long i = hist_begin(h, AN_ATT_UPDATE, l);
    an_attempt *a = hist_get(h, i);
    if (!a)
        return;
    snprintf(a->client, sizeof(a->client), "Windows Update");
    const char *title = strstr(f ? f : s, "following update");
    if (title) {
        title = strchr(title, ':');
        if (f && title) { /* "... with error 0x80070643: <title>" */
            uint32_t code = 0;
            const char *e = strstr(f, "with error ");
            if (e && sxs_errcode_parse_hex(e + 11, strnlen(e + 11, 16), &code))
                hist_result(h, i, code ? code : 0x80004005u, l);
        }
        if (title)
            title_of(title + 1, a->package, sizeof(a->package));
    }
    hist_find_kb(t, a->kb);
    if (f && !a->has_result)
        hist_result(h, i, 0x80004005u, l); /* failed, code not logged */
    if (s) {
        hist_result(h, i, 0, l);
        hist_close(h, i, AN_ATT_SUCCEEDED);
    } else {
        hist_close(h, i, AN_ATT_FAILED);
    }
}
