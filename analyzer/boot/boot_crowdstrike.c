/* CrowdStrike Falcon channel file 291 (BOOT-DRIVER's known bad boot-start file). CrowdStrike's
 * "Technical Details: Falcon Content Update for Windows Hosts" (2024-07-20,
 * https://www.crowdstrike.com/blog/falcon-update-for-windows-hosts-technical-details/): channel
 * files live in C:\Windows\System32\drivers\CrowdStrike\, file 291 is named
 * "C-00000291-*.sys"; the one with the time stamp 2024-07-19 04:09 UTC is the problematic
 * version, 05:27 UTC or later the reverted (good) one. One listing of that folder, then a
 * lookup of each C-00000291*.sys for its time ($STANDARD_INFORMATION modified, what dir shows). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analyzer/boot/boot_int.h"

/* 2024-07-19 04:09:00 UTC and the minute after it */
#define CS_BAD_FROM 1721362140LL
#define CS_BAD_TO (CS_BAD_FROM + 60)

/* Most channel-291 files looked at: a sensor keeps one, an interrupted update two. */
#define CS_MAX_FILES 16

void an_boot_utc(int64_t t, char out[21])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 21, "unknown");
}

typedef struct {
    char names[CS_MAX_FILES][256];
    size_t n;
    size_t more;
} cs_list;

static int on_entry(const fsa_dirent *e, void *vctx)
{
    cs_list *l = vctx;
    size_t n = strlen(e->name);
    if (e->type != FSA_TYPE_FILE || n < 14 || strncasecmp(e->name, "C-00000291", 10) != 0 ||
        strcasecmp(e->name + n - 4, ".sys") != 0)
        return 0;
    if (l->n == CS_MAX_FILES || n >= sizeof(l->names[0])) {
        l->more++;
        return 0;
    }
    memcpy(l->names[l->n++], e->name, n + 1);
    return 0;
}

int an_boot_crowdstrike_facts(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/System32/drivers/CrowdStrike", windows_dir);
    cs_list l = {.n = 0};
    int r = fsa_list_dir(fs, dir, on_entry, &l);
    if (r == -ENOENT || r == -ENOTDIR)
        return an_facts_add_bool(facts, "crowdstrike.present", false, dir);
    if (r < 0)
        return an_boot_unread_file(fs, dir, r, facts, diag);
    if ((r = an_facts_add_bool(facts, "crowdstrike.present", true, dir)) < 0)
        return r;
    if (l.more)
        sxs_diag_add(diag, SXS_DIAG_WARN, dir, -1,
                     "%zu more C-00000291*.sys files than the %d checked", l.more, CS_MAX_FILES);
    for (size_t i = 0; i < l.n; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, l.names[i]);
        fsa_stat st;
        int lr = fsa_lookup(fs, path, &st);
        if (lr < 0) {
            if ((r = an_boot_unread_file(fs, path, lr, facts, diag)) < 0)
                return r;
            continue;
        }
        if (lr == 0)
            continue;
        char when[21];
        an_boot_utc(st.mtime, when);
        if ((r = an_facts_add_str(facts, "crowdstrike.channel_291", l.names[i], path, -1)) < 0 ||
            (r = an_facts_add_str(facts, "crowdstrike.channel_291.time", when, path, -1)) < 0)
            return r;
        if (st.mtime >= CS_BAD_FROM && st.mtime < CS_BAD_TO &&
            ((r = an_facts_add_str(facts, "crowdstrike.channel_291.bad", l.names[i], path, -1)) <
                 0 ||
             (r = an_facts_add_str(facts, "crowdstrike.channel_291.bad.time", when, path, -1)) < 0))
            return r;
    }
    return 0;
}
