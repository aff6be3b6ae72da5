/* Per-snapshot checks (an_snapshots.h): the few paths a finding depends on, read in each shadow
 * copy through fsaccess (fsa_shadow_fs), so that a finding can say whether a snapshot holds an
 * intact copy of what is broken, and the plan can restore it from there. */
#include "analyzer/fs/an_snapshots.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzer/fs/an_driverstore.h"
#include "analyzer/registry/an_hive.h"

/* A servicing-stack folder holds a few hundred files: more than this is not counted further
 * (and the count says "at least"). */
#define SNAP_MAX_FILES 20000u

typedef struct {
    const fsa_shadow_info *sh;
    char when[32];    /* "2013-12-03 06:37:48 UTC" */
    char source[96];  /* "vss2 {600f0b6d-...}" */
    const char *wdir; /* the Windows directory */
} snap_ctx;

static void human_bytes(uint64_t n, char *out, size_t cap)
{
    static const char *const unit[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(out, cap, "%" PRIu64 " B", n);
    else
        snprintf(out, cap, "%.1f %s", v, unit[u]);
}

static int note(an_facts *out, const snap_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int note(an_facts *out, const snap_ctx *c, const char *path, const char *fmt, ...)
{
    char text[768], src[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    snprintf(src, sizeof(src), "%s: %s", c->source, path);
    return an_facts_add_str(out, "snapshot.note", text, src, -1);
}

/* ---- servicing stack ---- */

typedef struct {
    fsa_fs *fs;
    const char *dir;
    uint64_t files, bytes;
    bool cut;
} count_ctx;

static int count_cb(const fsa_dirent *e, void *vctx)
{
    count_ctx *c = vctx;
    if (c->files >= SNAP_MAX_FILES) {
        c->cut = true;
        return 1;
    }
    c->files++;
    if (e->type == FSA_TYPE_FILE) {
        char path[2048];
        fsa_stat st;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", c->dir, e->name) < sizeof(path) &&
            fsa_lookup(c->fs, path, &st) == 1)
            c->bytes += st.size;
    }
    return 0;
}

static int check_ssu_folder(fsa_fs *snap, const snap_ctx *c, const char *folder, an_facts *out,
                            sxs_diag *diag)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/WinSxS/%s", c->wdir, folder);
    char src[1200];
    snprintf(src, sizeof(src), "%s: %s", c->source, path);
    fsa_stat st;
    int r = fsa_lookup(snap, path, &st);
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, c->source, -1,
                     "%s cannot be looked up in the shadow copy of %s: %s", path, c->when,
                     fsa_fs_damage(snap, NULL)[0] ? fsa_fs_damage(snap, NULL) : strerror(-r));
        return 0;
    }
    if (r == 0 || st.type != FSA_TYPE_DIR || st.is_reparse) {
        if ((r = an_facts_add_str(out, "snapshot.ssu_current.missing", folder, src, -1)) < 0)
            return r;
        return note(out, c, path,
                    "the servicing stack folder %s is %s in the shadow copy vss%u of %s too",
                    folder, r == 0 || st.type != FSA_TYPE_DIR ? "missing" : "a reparse point",
                    c->sh->index, c->when);
    }
    count_ctx cc = {.fs = snap, .dir = path};
    r = fsa_list_dir(snap, path, count_cb, &cc);
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, c->source, -1,
                     "%s cannot be listed in the shadow copy of %s: %s", path, c->when,
                     fsa_fs_damage(snap, NULL)[0] ? fsa_fs_damage(snap, NULL) : strerror(-r));
        return 0;
    }
    if (cc.files == 0) {
        if ((r = an_facts_add_str(out, "snapshot.ssu_current.empty", folder, src, -1)) < 0)
            return r;
        return note(out, c, path,
                    "the servicing stack folder %s is empty in the shadow copy vss%u of %s too",
                    folder, c->sh->index, c->when);
    }
    char hb[32];
    human_bytes(cc.bytes, hb, sizeof(hb));
    if ((r = an_facts_add_str(out, "snapshot.ssu_current.populated", folder, src, -1)) < 0 ||
        (r = an_facts_add_num(out, "snapshot.ssu_current.populated.store", c->sh->index, src, -1)) <
            0 ||
        (r = an_facts_add_num(out, "snapshot.ssu_current.populated.files", (int64_t)cc.files, src,
                              -1)) < 0 ||
        (r = an_facts_add_num(out, "snapshot.ssu_current.populated.bytes", (int64_t)cc.bytes, src,
                              -1)) < 0 ||
        (r = an_facts_add_str(out, "snapshot.ssu_current.populated.set", c->sh->copy_set, src,
                              -1)) < 0 ||
        (r = an_facts_add_str(out, "snapshot.ssu_current.populated.created", c->when, src, -1)) < 0)
        return r;
    return note(out, c, path,
                "the servicing stack folder %s is populated in the shadow copy vss%u of %s "
                "(%s%" PRIu64 " files, %s)",
                folder, c->sh->index, c->when, cc.cut ? "at least " : "", cc.files, hb);
}

static int check_ssu(fsa_fs *snap, const snap_ctx *c, const an_facts *live, an_facts *out,
                     sxs_diag *diag)
{
    static const char *const broken[] = {"winsxs.ssu_current.missing", "winsxs.ssu_current.empty",
                                         "winsxs.ssu_current.reparse"};
    for (size_t k = 0; k < sizeof(broken) / sizeof(broken[0]); k++) {
        size_t pos = 0;
        const an_fact *f;
        while ((f = an_facts_next(live, broken[k], &pos))) {
            /* a folder name, never a path: nothing from evidence climbs out of WinSxS */
            if (!f->value[0] || strpbrk(f->value, "/\\") || !strcmp(f->value, "..") ||
                !strcmp(f->value, "."))
                continue;
            int r = check_ssu_folder(snap, c, f->value, out, diag);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

/* ---- services disabled now ---- */

static bool disabled_service(const an_fact *f, char *svc, size_t cap)
{
    size_t n = strlen(f->name);
    if (strncmp(f->name, "service.", 8) != 0 || n < 8 + 6 || strcmp(f->name + n - 6, ".start") ||
        !f->has_num || f->num != 4)
        return false;
    size_t len = n - 8 - 6;
    if (len == 0 || len >= cap || memchr(f->name + 8, '.', len))
        return false;
    memcpy(svc, f->name + 8, len);
    svc[len] = '\0';
    return true;
}

static int check_services(fsa_fs *snap, const snap_ctx *c, const an_facts *live, an_facts *out,
                          sxs_diag *diag)
{
    an_hive *h = NULL;
    char cs[32] = "";
    char path[600];
    snprintf(path, sizeof(path), "%s/System32/config/SYSTEM", c->wdir);
    int r = 0;
    for (size_t i = 0; i < an_facts_count(live) && r >= 0; i++) {
        char svc[128];
        if (!disabled_service(an_facts_at(live, i), svc, sizeof(svc)))
            continue;
        if (!h) {
            an_hive_status st = {0};
            /* the snapshot's own SYSTEM (and its logs), replayed in memory like the live one */
            if (an_hive_open_fsa(snap, path, NULL, &st, &h) < 0) {
                sxs_diag_add(diag, SXS_DIAG_WARN, c->source, -1,
                             "%s cannot be read in the shadow copy of %s (%s)", path, c->when,
                             st.detail[0] ? st.detail : "unreadable");
                return 0;
            }
            uint32_t cur = 0;
            if (an_hive_get_dword(h, "Select", "Current", &cur) != 1 || cur < 1 || cur > 999)
                cur = 1;
            snprintf(cs, sizeof(cs), "ControlSet%03u", cur);
        }
        char key[256], name[192], src[800];
        uint32_t start = 0;
        snprintf(key, sizeof(key), "%s\\Services\\%s", cs, svc);
        snprintf(src, sizeof(src), "%s: %s", c->source, path);
        if (an_hive_get_dword(h, key, "Start", &start) != 1)
            continue;
        snprintf(name, sizeof(name), "snapshot.service.%s.start", svc);
        if ((r = an_facts_add_num(out, name, start, src, -1)) < 0 ||
            (r = an_facts_add_num(out, "snapshot.service.store", c->sh->index, src, -1)) < 0)
            break;
        r = note(out, c, path, "SYSTEM in the shadow copy vss%u of %s has %s Start=%u%s",
                 c->sh->index, c->when, svc, start, start == 4 ? " (disabled then too)" : "");
    }
    an_hive_free(h);
    return r < 0 ? r : 0;
}

/* ---- driver packages a failed driver update names ---- */

static int check_drivers(fsa_fs *snap, const snap_ctx *c, const an_facts *live, an_facts *out,
                         sxs_diag *diag)
{
    an_driverstore *ds = NULL;
    size_t pos = 0;
    const an_fact *f;
    int r = 0;
    while ((f = an_facts_next(live, "history.driver.missing", &pos))) {
        if (!ds) {
            int o = an_driverstore_open(snap, c->wdir, diag, &ds);
            if (o < 0 || !ds)
                return o == -ENOMEM ? o : 0;
        }
        char folder[512];
        if (an_driverstore_find(ds, f->value, folder, sizeof(folder)) != 1)
            continue;
        char path[800];
        snprintf(path, sizeof(path), "%s/System32/DriverStore/FileRepository/%s", c->wdir, folder);
        char src[1000];
        snprintf(src, sizeof(src), "%s: %s", c->source, path);
        if ((r = an_facts_add_str(out, "snapshot.driver.present", f->value, src, -1)) < 0 ||
            (r = an_facts_add_str(out, "snapshot.driver.folder", folder, src, -1)) < 0 ||
            (r = an_facts_add_num(out, "snapshot.driver.store", c->sh->index, src, -1)) < 0 ||
            (r = note(out, c, path,
                      "the DriverStore package %s exists in the shadow copy vss%u of %s", folder,
                      c->sh->index, c->when)) < 0)
            break;
    }
    an_driverstore_free(ds);
    return r;
}

int an_snapshot_check(fsa_fs *snap, const fsa_shadow_info *sh, const char *windows_dir,
                      const an_facts *live, an_facts *out, sxs_diag *diag)
{
    snap_ctx c = {.sh = sh, .wdir = windows_dir};
    time_t t = (time_t)sh->created;
    struct tm tm;
    if (!sh->created || !gmtime_r(&t, &tm) ||
        !strftime(c.when, sizeof(c.when), "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(c.when, sizeof(c.when), "unknown date");
    snprintf(c.source, sizeof(c.source), "vss%u {%s}", sh->index, sh->identifier);
    int r;
    if ((r = check_ssu(snap, &c, live, out, diag)) < 0 ||
        (r = check_services(snap, &c, live, out, diag)) < 0 ||
        (r = check_drivers(snap, &c, live, out, diag)) < 0)
        return r;
    return 0;
}

/* Is there anything the snapshots could tell? (No store is opened otherwise.) */
static bool anything_to_check(const an_facts *f)
{
    if (an_facts_get(f, "winsxs.ssu_current.missing") ||
        an_facts_get(f, "winsxs.ssu_current.empty") ||
        an_facts_get(f, "winsxs.ssu_current.reparse") || an_facts_get(f, "history.driver.missing"))
        return true;
    char svc[128];
    for (size_t i = 0; i < an_facts_count(f); i++)
        if (disabled_service(an_facts_at(f, i), svc, sizeof(svc)))
            return true;
    return false;
}

/* The repair source per broken folder: the newest store where it is populated (stores were
 * checked newest first, so the first populated fact per folder). The .populated facts come in
 * groups of six, in the order check_ssu_folder adds them. */
static int restore_sources(const an_facts *add, an_facts *facts)
{
    size_t n = an_facts_count(add);
    for (size_t i = 0; i < n; i++) {
        const an_fact *f = an_facts_at(add, i);
        if (strcmp(f->name, "snapshot.ssu_current.populated") != 0 || i + 5 >= n)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++) {
            const an_fact *g = an_facts_at(add, k);
            seen =
                !strcmp(g->name, "snapshot.ssu_current.populated") && !strcmp(g->value, f->value);
        }
        if (seen)
            continue;
        const an_fact *store = an_facts_at(add, i + 1), *set = an_facts_at(add, i + 4),
                      *created = an_facts_at(add, i + 5);
        int r;
        if ((r = an_facts_add_str(facts, "snapshot.ssu_current.source", f->value, f->source, -1)) <
                0 ||
            (r = an_facts_add_num(facts, "snapshot.ssu_current.source.store", store->num, f->source,
                                  -1)) < 0 ||
            (r = an_facts_add_str(facts, "snapshot.ssu_current.source.set", set->value, f->source,
                                  -1)) < 0 ||
            (r = an_facts_add_str(facts, "snapshot.ssu_current.source.created", created->value,
                                  f->source, -1)) < 0)
            return r;
    }
    return 0;
}

int an_snapshots_collect(fsa_evidence *ev, const fsa_install_info *in, an_facts *facts,
                         sxs_diag *diag)
{
    const fsa_volume_info *v = fsa_volume(ev, in->volume);
    if (!v || !v->n_shadows || v->snapshot || !anything_to_check(facts))
        return 0;
    /* what the stores hold is gathered apart and added at the end: the checks of every store
     * are driven by the live facts alone */
    an_facts *add = an_facts_new();
    if (!add)
        return -ENOMEM;
    int r = 0;
    for (size_t k = v->n_shadows; k-- > 0 && r >= 0;) {
        fsa_fs *snap = NULL;
        int o = fsa_shadow_fs(ev, in->volume, v->shadows[k].index, diag, &snap);
        if (o == -ENOMEM)
            r = o;
        if (o != 1)
            continue;
        r = an_snapshot_check(snap, &v->shadows[k], in->windows_dir, facts, add, diag);
    }
    for (size_t i = 0; r >= 0 && i < an_facts_count(add); i++) {
        const an_fact *f = an_facts_at(add, i);
        r = f->has_num ? an_facts_add_num(facts, f->name, f->num, f->source, f->offset)
                       : an_facts_add_str(facts, f->name, f->value, f->source, f->offset);
    }
    if (r >= 0)
        r = restore_sources(add, facts);
    an_facts_free(add);
    return r < 0 ? r : 0;
}
