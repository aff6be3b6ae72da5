/* analyzer/history/: DISM operations from dism.log: one attempt per "Executing command line"
 * (the command, online or /Image:), failed by "Failed while processing command ... (hr:0x..)"
 * with the CBS HRESULT DISM reported, succeeded when the image session closes without one. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/history/hist_int.h"

/* The operation a command performs, as the key later attempts are compared by: its switches
 * without their arguments ("/online /cleanup-image /restorehealth"), /featurename kept. */
static void operation_key(const char *cmd, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = cmd; *p && n + 2 < cap;) {
        while (*p == ' ')
            p++;
        size_t tl = strcspn(p, " ");
        bool keep =
            p[0] == '/' && (!memchr(p, ':', tl) || strncasecmp(p, "/featurename:", 13) == 0 ||
                            strncasecmp(p, "/capabilityname:", 16) == 0);
        if (keep && tl > 0) {
            if (n)
                out[n++] = ' ';
            for (size_t i = 0; i < tl && n + 1 < cap; i++)
                out[n++] = (char)tolower((unsigned char)p[i]);
            out[n] = '\0';
        }
        p += tl;
    }
}

void hist_dism_line(an_history *h, const an_log_line *l)
{
    const char *m = hist_message(h, l, NULL, NULL);
    if (!m || m[0] != 'D')
        return;
    uint32_t code;
    if (hist_starts(m, "DISM.EXE: Executing command line: ")) {
        if (h->dism.att >= 0)
            hist_close(h, h->dism.att, AN_ATT_UNKNOWN);
        const char *cmd = m + strlen("DISM.EXE: Executing command line: ");
        h->dism.att = hist_begin(h, AN_ATT_DISM, l);
        an_attempt *a = hist_get(h, h->dism.att);
        if (!a)
            return;
        operation_key(cmd, a->package, sizeof(a->package));
        snprintf(a->client, sizeof(a->client), "DISM.EXE");
        HIST_COPY(a->operation, cmd, strlen(cmd));
        if (strcasestr(cmd, "/add-capability") || strcasestr(cmd, "/add-package"))
            a->kind = strcasestr(cmd, "/add-capability") ? AN_ATT_FOD : AN_ATT_DISM;
        else if (strcasestr(cmd, "/enable-feature") || strcasestr(cmd, "/disable-feature"))
            a->kind = AN_ATT_FEATURE;
        hist_cite(h, h->dism.att, l, false);
        return;
    }
    if (h->dism.att < 0)
        return;
    if (hist_starts(m, "DISM Package Manager: ") && strstr(m, "Failed while processing command") &&
        hist_hex_after(m, "(hr:", &code)) {
        hist_result(h, h->dism.att, code, l);
    } else if (hist_starts(m, "DISM.EXE: Image session has been closed")) {
        an_attempt *a = hist_get(h, h->dism.att);
        bool reboot = strstr(m, "Reboot required=yes") != NULL;
        hist_cite(h, h->dism.att, l, false);
        hist_close(h, h->dism.att,
                   a && a->status == AN_ATT_FAILED ? AN_ATT_FAILED
                                                   : (reboot ? AN_ATT_PENDING : AN_ATT_SUCCEEDED));
        h->dism.att = -1;
    }
}

void hist_dism_end(an_history *h)
{
    if (h->dism.att >= 0)
        hist_close(h, h->dism.att, AN_ATT_UNKNOWN);
    h->dism.att = -1;
}
