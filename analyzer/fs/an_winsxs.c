/* WinSxS collector (SSU-EMPTY). Real component stores hold 15,000-80,000 folders and are read
 * through slow containers (E01), so WinSxS is listed exactly once, by its index, keeping only
 * the servicing-stack names and a count; then each servicing-stack folder that matters (the
 * current ones the registry names, and their same-version siblings) gets one stat and one
 * listing of its own. Nothing below WinSxS is walked recursively.
 * A listing that could not be read whole (damaged index, unreadable MFT record) is damage, not
 * an empty folder: it is reported as unread.winsxs, and no folder is called missing or empty
 * from it. */
#include "analyzer/fs/an_winsxs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/fs/an_fsfacts.h"
#include "common/sxs_limits.h"

/* The marker of every servicing-stack folder: base, -inetsrv, -onecore and any later variant,
 * for amd64, x86, wow64 and arm64. */
#define SSU_MARKER "_microsoft-windows-servicingstack"
/* What a damaged WinSxS read means for the diagnosis. */
#define NOT_CONCLUDED "no servicing-stack folder is called missing or empty from it"

typedef struct {
    const char *reg_name; /* cbs.ssu.folder value (owned by the fact store) */
    size_t reg_len;
    const char *version; /* parsed from reg_name, else cbs.ssu.version (fact store) */
    size_t version_len;
    char *disk_name; /* true on-disk name when found in the listing */
} current_folder;

typedef struct {
    current_folder *cur;
    size_t ncur;
    an_strlist ssu;   /* servicing-stack folder names on disk, listing order */
    size_t ssu_total; /* including those past the cap */
    size_t entries;
    int err;
    bool listed; /* the whole listing was read: absence from it is certain */
    /* pending.xml and poqexec.log as spelled on disk ("" when not in the listing): seen in the
     * one listing, so an absent file costs no lookup (a case-insensitive miss can cost a scan
     * of all of WinSxS on some backends). */
    char pending_xml[sizeof("pending.xml")];
    char poqexec_log[sizeof("poqexec.log")];
} listing_ctx;

bool an_winsxs_folder_version(const char *folder, const char **ret_ver, size_t *ret_ver_len)
{
    /* From the right: hash, language, version, public key token; then <arch>_<name>. */
    const char *end = folder + strlen(folder);
    const char *us[4];
    const char *p = end;
    for (int i = 0; i < 4; i++) {
        while (p > folder && p[-1] != '_')
            p--;
        if (p == folder)
            return false;
        us[i] = p - 1; /* the '_' before field i (from the right) */
        p--;
    }
    if (!memchr(folder, '_', (size_t)(us[3] - folder)))
        return false; /* no <arch>_ in front */
    const char *ver = us[2] + 1;
    size_t len = (size_t)(us[1] - ver);
    if (len == 0 || ver[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((ver[i] >= '0' && ver[i] <= '9') || ver[i] == '.'))
            return false;
    *ret_ver = ver;
    *ret_ver_len = len;
    return true;
}

/* The marker followed by '_' (base) or '-' (-inetsrv, -onecore, ...); not ".resources" or
 * other components that merely start with the same words. */
static bool is_ssu_folder(const char *name)
{
    for (const char *p = name; (p = strcasestr(p, SSU_MARKER)) != NULL; p++) {
        char next = p[sizeof(SSU_MARKER) - 1];
        if (next == '_' || next == '-')
            return true;
    }
    return false;
}

static int listing_cb(const fsa_dirent *ent, void *ctx)
{
    listing_ctx *c = ctx;
    c->entries++;
    size_t len = strlen(ent->name);
    if (len == sizeof(c->pending_xml) - 1 && strcasecmp(ent->name, "pending.xml") == 0)
        memcpy(c->pending_xml, ent->name, len + 1);
    if (len == sizeof(c->poqexec_log) - 1 && strcasecmp(ent->name, "poqexec.log") == 0)
        memcpy(c->poqexec_log, ent->name, len + 1);
    for (size_t i = 0; i < c->ncur; i++) {
        current_folder *cf = &c->cur[i];
        if (!cf->disk_name && cf->reg_len == len && strcasecmp(cf->reg_name, ent->name) == 0) {
            cf->disk_name = strdup(ent->name);
            if (!cf->disk_name) {
                c->err = -ENOMEM;
                return 1;
            }
        }
    }
    if (ent->type != FSA_TYPE_FILE && is_ssu_folder(ent->name)) {
        c->ssu_total++;
        int r = an_strlist_add(&c->ssu, ent->name);
        if (r == -ENOMEM) {
            c->err = r;
            return 1;
        }
    }
    return 0;
}

/* Reads the current servicing-stack folders from the cbs.ssu.* facts. */
static int gather_current(const an_facts *facts, current_folder **ret, size_t *ret_n,
                          sxs_diag *diag)
{
    size_t n = 0, pos = 0;
    while (an_facts_next(facts, "cbs.ssu.folder", &pos))
        n++;
    if (n > AN_WINSXS_MAX_CURRENT) {
        sxs_diag_add(diag, SXS_DIAG_WARN, NULL, -1,
                     "%zu servicing-stack folders named by the CBS Version key: only the first "
                     "%d checked",
                     n, AN_WINSXS_MAX_CURRENT);
        n = AN_WINSXS_MAX_CURRENT;
    }
    current_folder *cur = calloc(n ? n : 1, sizeof(*cur));
    if (!cur)
        return -ENOMEM;
    size_t fpos = 0, vpos = 0;
    for (size_t i = 0; i < n; i++) {
        const an_fact *f = an_facts_next(facts, "cbs.ssu.folder", &fpos);
        const an_fact *v = an_facts_next(facts, "cbs.ssu.version", &vpos);
        cur[i].reg_name = f->value;
        cur[i].reg_len = strlen(f->value);
        if (!an_winsxs_folder_version(f->value, &cur[i].version, &cur[i].version_len)) {
            cur[i].version = v ? v->value : "";
            cur[i].version_len = strlen(cur[i].version);
        }
    }
    *ret = cur;
    *ret_n = n;
    return 0;
}

typedef struct {
    size_t count;
    size_t stop_after; /* 0: count all */
} count_ctx;

static int count_cb(const fsa_dirent *ent, void *ctx)
{
    (void)ent;
    count_ctx *c = ctx;
    c->count++;
    return (c->stop_after && c->count >= c->stop_after) ? 1 : 0;
}

typedef enum {
    FOLDER_GONE,
    FOLDER_REPARSE,
    FOLDER_EMPTY,
    FOLDER_FILLED,
    FOLDER_ERROR, /* could not be read: reported as unread.winsxs */
    FOLDER_NOMEM
} folder_state;

/* One stat and at most one listing of WinSxS/<name>. With stop_first the listing ends at the
 * first entry (emptiness is all that is asked). */
static folder_state inspect_folder(fsa_fs *fs, const char *path, bool stop_first, fsa_stat *st,
                                   size_t *ret_files, an_facts *facts, sxs_diag *diag)
{
    int r = fsa_lookup(fs, path, st);
    if (r < 0)
        return an_fs_unread(fs, path, r, "winsxs", NOT_CONCLUDED, facts, diag) < 0 ? FOLDER_NOMEM
                                                                                   : FOLDER_ERROR;
    if (r == 0 || (st->type == FSA_TYPE_FILE && !st->is_reparse))
        return FOLDER_GONE; /* a file in the folder's place holds no servicing stack */
    if (st->is_reparse)
        return FOLDER_REPARSE;
    count_ctx c = {0, stop_first ? 1 : 0};
    r = fsa_list_dir(fs, path, count_cb, &c);
    if (r < 0)
        return an_fs_unread(fs, path, r, "winsxs", NOT_CONCLUDED, facts, diag) < 0 ? FOLDER_NOMEM
                                                                                   : FOLDER_ERROR;
    *ret_files = c.count;
    return c.count ? FOLDER_FILLED : FOLDER_EMPTY;
}

static int check_current(fsa_fs *fs, const char *winsxs, const listing_ctx *c, current_folder *cf,
                         an_facts *facts, sxs_diag *diag)
{
    char ver[128];
    size_t vl = cf->version_len < sizeof(ver) - 1 ? cf->version_len : sizeof(ver) - 1;
    memcpy(ver, cf->version, vl);
    ver[vl] = '\0';
    if (an_facts_add_str(facts, "winsxs.ssu_current.version", ver, winsxs, -1))
        return -ENOMEM;
    if (!cf->disk_name && !c->listed)
        return 0; /* not in the part of the listing that was read: unknown (unread.winsxs) */
    if (!cf->disk_name)
        return an_facts_add_str(facts, "winsxs.ssu_current.missing", cf->reg_name, winsxs, -1);

    char path[AN_FS_PATH_MAX];
    if (an_fs_join(path, sizeof(path), winsxs, cf->disk_name) < 0)
        return 0;
    fsa_stat st;
    size_t files = 0;
    switch (inspect_folder(fs, path, false, &st, &files, facts, diag)) {
    case FOLDER_NOMEM:
        return -ENOMEM;
    case FOLDER_ERROR:
        return 0;
    case FOLDER_GONE:
        return an_facts_add_str(facts, "winsxs.ssu_current.missing", cf->reg_name, winsxs, -1);
    case FOLDER_REPARSE:
        if (an_facts_add_str(facts, "winsxs.ssu_current.reparse", cf->disk_name, path, -1) ||
            an_facts_add_str(facts, "winsxs.ssu_current.reparse.target", st.reparse_target, path,
                             -1))
            return -ENOMEM;
        return 0;
    case FOLDER_EMPTY:
        return an_facts_add_str(facts, "winsxs.ssu_current.empty", cf->disk_name, path, -1);
    case FOLDER_FILLED:
        if (an_facts_add_str(facts, "winsxs.ssu_current.ok", cf->disk_name, path, -1) ||
            an_facts_add_num(facts, "winsxs.ssu_current.ok.files", (int64_t)files, path, -1))
            return -ENOMEM;
        return 0;
    }
    return 0;
}

/* Is name a sibling (same version, not itself a current folder) of a current folder? */
static bool is_sibling(const listing_ctx *c, const char *name)
{
    const char *ver;
    size_t len;
    if (!an_winsxs_folder_version(name, &ver, &len))
        return false;
    bool same_version = false;
    for (size_t i = 0; i < c->ncur; i++) {
        const current_folder *cf = &c->cur[i];
        if (strcasecmp(name, cf->reg_name) == 0)
            return false;
        if (cf->version_len == len && strncasecmp(cf->version, ver, len) == 0)
            same_version = true;
    }
    return same_version;
}

static int check_siblings(fsa_fs *fs, const char *winsxs, const listing_ctx *c, an_facts *facts,
                          sxs_diag *diag)
{
    int64_t count = 0;
    for (size_t i = 0; i < c->ssu.count; i++) {
        const char *name = c->ssu.items[i];
        if (!is_sibling(c, name))
            continue;
        count++;
        char path[AN_FS_PATH_MAX];
        if (an_fs_join(path, sizeof(path), winsxs, name) < 0)
            continue;
        if (an_facts_add_str(facts, "winsxs.ssu_sibling", name, path, -1))
            return -ENOMEM;
        fsa_stat st;
        size_t files = 0;
        const char *fact = NULL;
        switch (inspect_folder(fs, path, true, &st, &files, facts, diag)) {
        case FOLDER_NOMEM:
            return -ENOMEM;
        case FOLDER_REPARSE:
            fact = "winsxs.ssu_sibling.reparse";
            break;
        case FOLDER_EMPTY:
            fact = "winsxs.ssu_sibling.empty";
            break;
        default:
            break;
        }
        if (fact && an_facts_add_str(facts, fact, name, path, -1))
            return -ENOMEM;
    }
    if (c->ssu.dropped)
        sxs_diag_add(diag, SXS_DIAG_WARN, winsxs, -1,
                     "more than %d servicing-stack folders: siblings among the rest not checked",
                     AN_WINSXS_MAX_SSU_FOLDERS);
    return an_facts_add_num(facts, "winsxs.ssu_sibling.count", count, winsxs, -1);
}

static int collect_listing(fsa_fs *fs, const char *winsxs, listing_ctx *c, an_facts *facts,
                           sxs_diag *diag)
{
    int r = fsa_list_dir(fs, winsxs, listing_cb, c);
    if (c->err)
        return c->err;
    if (r == -E2BIG) {
        char why[96];
        snprintf(why, sizeof(why), "more than %d entries: listing cut", SXS_MAX_DIR_ENTRIES);
        sxs_diag_add(diag, SXS_DIAG_ERROR, winsxs, -1, "cannot list %s on %s whole: %s; %s", winsxs,
                     fsa_fs_describe(fs), why, NOT_CONCLUDED);
        if (an_facts_add_str(facts, "unread.winsxs", why, winsxs, -1))
            return -ENOMEM;
    } else if (r < 0) {
        if (an_fs_unread(fs, winsxs, r, "winsxs", NOT_CONCLUDED, facts, diag) < 0)
            return -ENOMEM;
        return 1; /* no listing: no count and no folder facts */
    }
    c->listed = r >= 0;
    if (an_facts_add_num(facts, "winsxs.entries", (int64_t)c->entries, winsxs, -1))
        return -ENOMEM;
    for (size_t i = 0; i < c->ssu.count; i++)
        if (an_facts_add_str(facts, "winsxs.ssu_folder", c->ssu.items[i], winsxs, -1))
            return -ENOMEM;
    if (an_facts_add_num(facts, "winsxs.ssu_folder.count", (int64_t)c->ssu_total, winsxs, -1))
        return -ENOMEM;
    for (size_t i = 0; i < c->ncur; i++) {
        int e = check_current(fs, winsxs, c, &c->cur[i], facts, diag);
        if (e < 0)
            return e;
    }
    if (c->ncur == 0)
        return 0;
    return check_siblings(fs, winsxs, c, facts, diag);
}

/* A file directly in WinSxS: presence (and size) from the listing when we have it. */
static int file_fact(fsa_fs *fs, const char *winsxs, const char *name, const char *on_disk,
                     bool listed, const char *fact, const char *size_fact, an_facts *facts,
                     sxs_diag *diag)
{
    char path[AN_FS_PATH_MAX];
    if (an_fs_join(path, sizeof(path), winsxs, on_disk[0] ? on_disk : name) < 0)
        return 0;
    if (listed && !on_disk[0])
        return an_facts_add_bool(facts, fact, false, path);
    fsa_stat st;
    int r = an_fs_presence_fact(fs, path, false, fact, facts, diag, &st);
    if (r == 1 && size_fact && an_facts_add_num(facts, size_fact, (int64_t)st.size, path, -1))
        return -ENOMEM;
    return r == -ENOMEM ? r : 0;
}

static int collect_files(fsa_fs *fs, const char *winsxs, const listing_ctx *c, an_facts *facts,
                         sxs_diag *diag)
{
    int r = file_fact(fs, winsxs, "pending.xml", c->pending_xml, c->listed,
                      "winsxs.pending_xml.present", "winsxs.pending_xml.size", facts, diag);
    if (r < 0)
        return r;
    return file_fact(fs, winsxs, "poqexec.log", c->poqexec_log, c->listed,
                     "winsxs.poqexec_log.present", NULL, facts, diag);
}

int an_winsxs_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    char winsxs[AN_FS_PATH_MAX];
    if (an_fs_join(winsxs, sizeof(winsxs), windows_dir, "WinSxS") < 0)
        return 0;
    fsa_stat st;
    int r = fsa_lookup(fs, winsxs, &st);
    if (r < 0) /* its MFT record or a folder on the way is damaged: nothing below it is read */
        return an_fs_unread(fs, winsxs, r, "winsxs", NOT_CONCLUDED, facts, diag);
    bool present = r == 1 && (st.type == FSA_TYPE_DIR || st.is_reparse);
    if (an_facts_add_bool(facts, "winsxs.present", present, winsxs))
        return -ENOMEM;
    listing_ctx c = {0};
    an_strlist_init(&c.ssu, AN_WINSXS_MAX_SSU_FOLDERS);
    r = 0;
    if (present) {
        r = gather_current(facts, &c.cur, &c.ncur, diag);
        if (r == 0)
            r = collect_listing(fs, winsxs, &c, facts, diag);
    } else {
        c.listed = true; /* no WinSxS folder: nothing in it */
    }
    if (r == 0) /* 1: the listing is unreadable, and so is every lookup through it */
        r = collect_files(fs, winsxs, &c, facts, diag);
    for (size_t i = 0; i < c.ncur; i++)
        free(c.cur[i].disk_name);
    free(c.cur);
    an_strlist_free(&c.ssu);
    return r < 0 ? r : 0;
}
