/* Discovery: which servicing logs of one install exist, under their true on-disk names.
 * Each log folder is listed once (its index only, never recursively); WinSxS and INF are far
 * too large to list, so their few files are looked up by name. Absent folders are normal (no
 * upgrade was ever attempted, logs cleaned up) and are not errors; a log or log folder that
 * exists but cannot be read (damaged MFT record or index, a data run past the volume) is, and
 * becomes an unread.log fact when the caller collects facts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/fs/an_fsfacts.h"
#include "analyzer/logs/an_log.h"
#include "common/sxs_limits.h"
#include "common/sxs_grow.h"

typedef struct {
    an_log_file *v;
    size_t n, cap;
    an_facts *facts; /* for unread.log facts; NULL: warnings only */
} file_list;

/* path (a log or a log folder) exists, or may, but reading it failed with err (just now, so
 * fsaccess can still name the damage). 0 or -ENOMEM. */
static int log_unread(fsa_fs *fs, const char *path, int err, file_list *out, sxs_diag *diag)
{
    if (err == -ENOMEM)
        return err;
    if (out->facts)
        return an_fs_unread(fs, path, err, "log", "the rules did not read it", out->facts, diag);
    char why[512];
    sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "cannot read log %s: %s", path,
                 an_fs_reason(fs, err, why, sizeof(why)));
    return 0;
}

/* Which names a folder may hold; bit per group below. */
enum {
    G_PANTHER = 1,  /* setupact.log, setuperr.log */
    G_COMPAT = 2,   /* CompatData_*.xml, ScanResult.xml, *APPRAISER* */
    G_DIAG = 4,     /* setupdiagresults.xml / .log */
    G_MOSETUP = 8,  /* BlueBox.log, UpdateAgent.log */
    G_DISM = 16,    /* dism.log */
    G_CBS = 32,     /* CBS.log, CbsPersist_*.log, CbsPersist_*.cab */
    G_ALLDIAG = 64, /* any file (Logs/SetupDiag holds only SetupDiag output) */
};

static bool has_prefix_ci(const char *s, const char *p)
{
    return strncasecmp(s, p, strlen(p)) == 0;
}

static bool has_suffix_ci(const char *s, const char *x)
{
    size_t n = strlen(s), k = strlen(x);
    return n >= k && strcasecmp(s + n - k, x) == 0;
}

static bool contains_ci(const char *s, const char *x)
{
    size_t k = strlen(x);
    for (; *s; s++)
        if (strncasecmp(s, x, k) == 0)
            return true;
    return false;
}

/* 1 and the family when name belongs to one of groups, else 0. */
static int classify(const char *name, unsigned groups, an_log_family *ret, bool *ret_cab)
{
    *ret_cab = false;
    if ((groups & G_PANTHER) &&
        (strcasecmp(name, "setupact.log") == 0 || strcasecmp(name, "setuperr.log") == 0)) {
        *ret = AN_LOG_PANTHER;
        return 1;
    }
    if ((groups & G_COMPAT) &&
        ((has_prefix_ci(name, "CompatData_") && has_suffix_ci(name, ".xml")) ||
         strcasecmp(name, "ScanResult.xml") == 0 || contains_ci(name, "APPRAISER"))) {
        *ret = AN_LOG_COMPAT_XML;
        return 1;
    }
    if ((groups & (G_DIAG | G_ALLDIAG)) && has_prefix_ci(name, "setupdiagresults")) {
        *ret = AN_LOG_SETUPDIAG;
        return 1;
    }
    if (groups & G_ALLDIAG) {
        *ret = AN_LOG_SETUPDIAG;
        return 1;
    }
    if ((groups & G_MOSETUP) &&
        (strcasecmp(name, "BlueBox.log") == 0 || strcasecmp(name, "UpdateAgent.log") == 0)) {
        *ret = AN_LOG_MOSETUP;
        return 1;
    }
    if ((groups & G_DISM) && strcasecmp(name, "dism.log") == 0) {
        *ret = AN_LOG_DISM;
        return 1;
    }
    if (groups & G_CBS) {
        if (strcasecmp(name, "CBS.log") == 0 ||
            (has_prefix_ci(name, "CbsPersist_") && has_suffix_ci(name, ".log"))) {
            *ret = AN_LOG_CBS;
            return 1;
        }
        if (has_prefix_ci(name, "CbsPersist_") && has_suffix_ci(name, ".cab")) {
            *ret = AN_LOG_CBS;
            *ret_cab = true;
            return 1;
        }
    }
    return 0;
}

static int list_add(file_list *l, const char *path, an_log_family fam, uint64_t size, bool cab)
{
    an_log_file *nv = sxs_grow(l->v, &l->cap, l->n, sizeof(*nv), 16);
    if (!nv)
        return -ENOMEM;
    l->v = nv;
    char *p = strdup(path);
    if (!p)
        return -ENOMEM;
    l->v[l->n++] = (an_log_file){.path = p, .family = fam, .size = size, .is_cab = cab};
    return 0;
}

/* True-case form of a relative path, component by component; its first `known` bytes are
 * already in true case (the Windows folder as fsaccess found it), so only the rest costs
 * lookups. 1 found, 0 absent, <0 error. */
static int true_path(fsa_fs *fs, const char *path, size_t known, char *out, size_t cap)
{
    char prefix[1024];
    size_t o = 0, plen = 0;
    const char *p = path;
    if (known >= sizeof(prefix) || known >= cap || known > strlen(path))
        return -ENAMETOOLONG;
    memcpy(prefix, path, known);
    memcpy(out, path, known);
    while (known > 0 && (path[known - 1] == '/' || path[known - 1] == '\\'))
        known--; /* the loop adds separators itself */
    plen = o = known;
    prefix[plen] = '\0';
    out[o] = '\0';
    p = path + known;
    while (*p) {
        const char *e = p;
        while (*e && *e != '/' && *e != '\\')
            e++;
        size_t cl = (size_t)(e - p);
        if (cl > 0) {
            if (plen + cl + 2 > sizeof(prefix))
                return -ENAMETOOLONG;
            if (plen)
                prefix[plen++] = '/';
            memcpy(prefix + plen, p, cl);
            plen += cl;
            prefix[plen] = '\0';
            char name[512];
            int rc = fsa_true_name(fs, prefix, name, sizeof(name));
            if (rc <= 0)
                return rc;
            size_t nl = strlen(name);
            if (o + nl + 2 > cap)
                return -ENAMETOOLONG;
            if (o)
                out[o++] = '/';
            memcpy(out + o, name, nl);
            o += nl;
            out[o] = '\0';
        }
        p = *e ? e + 1 : e;
    }
    return 1;
}

typedef struct {
    char **names;
    size_t n, cap;
    int err;
} name_list;

static int collect_cb(const fsa_dirent *ent, void *ctx)
{
    name_list *nl = ctx;
    if (ent->type != FSA_TYPE_FILE)
        return 0;
    char **nv = sxs_grow(nl->names, &nl->cap, nl->n, sizeof(*nv), 32);
    if (!nv) {
        nl->err = -ENOMEM;
        return 1;
    }
    nl->names = nv;
    if (!(nl->names[nl->n] = strdup(ent->name))) {
        nl->err = -ENOMEM;
        return 1;
    }
    nl->n++;
    return 0;
}

/* Name order, except that a log comes after its rolled-over archives: CbsPersist_<time>.log /
 * .cab (named by time, so name order is time order) before CBS.log, so a session that began in
 * an archive is ended in CBS.log, and a stream of lines is oldest first. */
static int cmp_names(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    bool xc = strcasecmp(x, "CBS.log") == 0, yc = strcasecmp(y, "CBS.log") == 0;
    bool xp = strncasecmp(x, "CbsPersist_", 11) == 0, yp = strncasecmp(y, "CbsPersist_", 11) == 0;
    if (xc && yp)
        return 1;
    if (xp && yc)
        return -1;
    return strcasecmp(x, y);
}

/* Lists dir (relative to the volume root) once and adds every file of groups. */
static int scan_dir(fsa_fs *fs, const char *dir, size_t known, unsigned groups, file_list *out,
                    sxs_diag *diag)
{
    char tdir[1024];
    int rc = true_path(fs, dir, known, tdir, sizeof(tdir));
    if (rc == 0 || rc == -ENOTDIR || rc == -ENAMETOOLONG)
        return 0;
    if (rc < 0)
        return log_unread(fs, dir, rc, out, diag);
    name_list nl = {0};
    rc = fsa_list_dir(fs, tdir, collect_cb, &nl);
    if (nl.err)
        rc = nl.err;
    if (rc == -ENOENT || rc == -ENOTDIR)
        rc = 0;
    if (rc < 0)
        rc = log_unread(fs, tdir, rc, out, diag);
    else if (nl.n > 0)
        qsort(nl.names, nl.n, sizeof(char *), cmp_names);
    for (size_t i = 0; rc >= 0 && i < nl.n; i++) {
        an_log_family fam;
        bool cab;
        if (!classify(nl.names[i], groups, &fam, &cab))
            continue;
        char path[1400];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", tdir, nl.names[i]) >= sizeof(path))
            continue;
        fsa_stat st;
        int lr = fsa_lookup(fs, path, &st);
        if (lr < 0)
            rc = log_unread(fs, path, lr, out, diag);
        if (lr <= 0)
            continue;
        rc = list_add(out, path, fam, st.size, cab);
    }
    for (size_t i = 0; i < nl.n; i++)
        free(nl.names[i]);
    free(nl.names);
    return rc < 0 ? rc : 0;
}

/* Files looked up by name in a folder too large to list (WinSxS, INF): the folder's true name
 * is resolved once, then each file with one lookup (+ one true-name query when present). */
static int find_in_dir(fsa_fs *fs, const char *dir, size_t known, const char *const *names,
                       an_log_family fam, file_list *out, sxs_diag *diag)
{
    char tdir[1024];
    int rc = true_path(fs, dir, known, tdir, sizeof(tdir));
    if (rc == 0 || rc == -ENOTDIR || rc == -ENAMETOOLONG)
        return 0;
    if (rc < 0)
        return log_unread(fs, dir, rc, out, diag);
    for (size_t i = 0; names[i]; i++) {
        char path[1200], name[512];
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", tdir, names[i]) >= sizeof(path))
            continue;
        fsa_stat st;
        rc = fsa_lookup(fs, path, &st);
        if (rc < 0 && log_unread(fs, path, rc, out, diag) < 0)
            return -ENOMEM;
        if (rc <= 0 || st.type != FSA_TYPE_FILE)
            continue;
        char tpath[1600];
        if (fsa_true_name(fs, path, name, sizeof(name)) != 1 ||
            (size_t)snprintf(tpath, sizeof(tpath), "%s/%s", tdir, name) >= sizeof(tpath))
            snprintf(tpath, sizeof(tpath), "%s", path);
        rc = list_add(out, tpath, fam, st.size, false);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int an_logs_find(fsa_fs *fs, const char *windows_dir, an_log_file **ret_files, size_t *ret_count,
                 sxs_diag *diag)
{
    return an_logs_find_facts(fs, windows_dir, NULL, ret_files, ret_count, diag);
}

int an_logs_find_facts(fsa_fs *fs, const char *windows_dir, an_facts *facts,
                       an_log_file **ret_files, size_t *ret_count, sxs_diag *diag)
{
    if (!fs || !windows_dir || !ret_files || !ret_count)
        return -EINVAL;
    /* $WINDOWS.~BT is a sibling of the Windows folder, at the volume root. */
    char root[512], win[512];
    const char *slash = strrchr(windows_dir, '/');
    if (strlen(windows_dir) >= sizeof(win))
        return -ENAMETOOLONG;
    /* Once, so the paths reported carry the true case even if the caller's does not. */
    int wrc = true_path(fs, windows_dir, 0, win, sizeof(win));
    if (wrc < 0)
        return wrc;
    if (wrc == 0)
        snprintf(win, sizeof(win), "%s", windows_dir);
    if (slash)
        snprintf(root, sizeof(root), "%.*s/", (int)(slash - windows_dir), windows_dir);
    else
        root[0] = '\0';

    static const struct {
        bool under_windows;
        const char *rel;
        unsigned groups;
    } dirs[] = {
        {false, "$WINDOWS.~BT/Sources/Panther", G_PANTHER | G_COMPAT | G_DIAG},
        {false, "$WINDOWS.~BT/Sources/Rollback", G_PANTHER | G_COMPAT | G_DIAG},
        {true, "Panther", G_PANTHER | G_COMPAT | G_DIAG},
        {true, "Panther/NewOS", G_PANTHER | G_COMPAT | G_DIAG},
        {true, "Panther/UnattendGC", G_PANTHER},
        {true, "Logs/MoSetup", G_MOSETUP},
        {true, "Logs/DISM", G_DISM},
        {true, "Logs/CBS", G_CBS},
        {true, "Logs/SetupDiag", G_ALLDIAG},
    };
    static const char *const inf_logs[] = {"setupapi.dev.log", "setupapi.setup.log",
                                           "setupapi.offline.log", NULL};
    static const char *const sxs_poq[] = {"poqexec.log", NULL};
    static const char *const sxs_pending[] = {"pending.xml", NULL};
    /* Windows 7/8.1 write WindowsUpdate.log as text; triage copies of a decoded one land
     * there too. ReportingEvents.log is Windows Update's own event list. */
    static const char *const wu_logs[] = {"WindowsUpdate.log", NULL};
    static const char *const wu_reporting[] = {"ReportingEvents.log", NULL};
    static const struct {
        const char *dir;
        const char *const *names;
        an_log_family fam;
    } lookups[] = {
        {"INF", inf_logs, AN_LOG_SETUPAPI},
        {"WinSxS", sxs_poq, AN_LOG_POQEXEC},
        {"WinSxS", sxs_pending, AN_LOG_PENDING_XML},
        {NULL, wu_logs, AN_LOG_WINDOWSUPDATE},
        {"SoftwareDistribution", wu_reporting, AN_LOG_WINDOWSUPDATE},
    };

    file_list out = {.facts = facts};
    int rc = 0;
    char path[1200];
    for (size_t i = 0; rc >= 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        size_t known;
        if (dirs[i].under_windows) {
            snprintf(path, sizeof(path), "%s/%s", win, dirs[i].rel);
            known = strlen(win) + 1;
        } else {
            snprintf(path, sizeof(path), "%s%s", root, dirs[i].rel);
            known = strlen(root);
        }
        rc = scan_dir(fs, path, known, dirs[i].groups, &out, diag);
        if (rc < 0 && rc != -ENOMEM)
            rc = 0; /* reported; one unreadable folder does not hide the others */
    }
    for (size_t i = 0; rc >= 0 && i < sizeof(lookups) / sizeof(lookups[0]); i++) {
        if (lookups[i].dir)
            snprintf(path, sizeof(path), "%s/%s", win, lookups[i].dir);
        else
            snprintf(path, sizeof(path), "%s", win);
        rc = find_in_dir(fs, path, lookups[i].dir ? strlen(win) + 1 : strlen(win), lookups[i].names,
                         lookups[i].fam, &out, diag);
        if (rc < 0 && rc != -ENOMEM)
            rc = 0; /* already in diag */
    }
    if (rc < 0) {
        an_logs_free(out.v, out.n);
        return rc;
    }
    *ret_files = out.v;
    *ret_count = out.n;
    return 0;
}

void an_logs_free(an_log_file *files, size_t count)
{
    if (!files)
        return;
    for (size_t i = 0; i < count; i++)
        free(files[i].path);
    free(files);
}
