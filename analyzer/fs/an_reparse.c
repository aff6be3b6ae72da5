/* Reparse points in user libraries (BACKUP-REPARSE). Windows Backup fails with 0x80070003 when
 * a library holds a junction or mount point whose target is missing, is the root of another
 * volume, or is on a FAT volume. Offline we see one volume: targets on it (C:, relative) are
 * resolved here; volume roots are recognised from the target text; anything else on another
 * volume is reported as unverifiable rather than guessed. Only the library folders and one
 * level under them are looked at, never a whole profile (performance budget, DESIGN.md). */
#include "analyzer/fs/an_reparse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/fs/an_fsfacts.h"

static const char *const library_folders[] = {"Documents", "Pictures",  "Music",    "Videos",
                                              "Desktop",   "Downloads", "Favorites"};

/* ---- target text ------------------------------------------------------------------------ */

/* Appends the components of p (separated by '/' or '\\') to out (len bytes used), resolving
 * "." and "..". 0, -ERANGE when ".." climbs above the root, -ENAMETOOLONG. */
static int path_append_norm(char *out, size_t cap, size_t *len, const char *p)
{
    while (*p) {
        while (*p == '/' || *p == '\\')
            p++;
        size_t n = strcspn(p, "/\\");
        if (n == 0)
            break;
        if (n == 1 && p[0] == '.') {
            /* nothing */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (*len == 0)
                return -ERANGE;
            char *slash = memrchr(out, '/', *len);
            *len = slash ? (size_t)(slash - out) : 0;
            out[*len] = '\0';
        } else {
            size_t need = *len + (*len ? 1 : 0) + n + 1;
            if (need > cap)
                return -ENAMETOOLONG;
            if (*len)
                out[(*len)++] = '/';
            memcpy(out + *len, p, n);
            *len += n;
            out[*len] = '\0';
        }
        p += n;
    }
    return 0;
}

static bool is_sep(char c)
{
    return c == '\\' || c == '/';
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

an_target_kind an_reparse_classify(const char *target, const char *link_dir, char *out, size_t cap)
{
    const char *t = target;
    if (!t || !*t || cap == 0)
        return AN_TARGET_NONE;
    out[0] = '\0';
    size_t len = 0;

    /* ntfs-3g shows targets it cannot place on the mounted volume as /.NTFS-3G/<target>. */
    if (strncmp(t, "/.NTFS-3G/", 10) == 0)
        t += 10;
    /* NT namespace prefixes of substitute names: \??\, \\?\, \\.\ */
    static const char *const nt_prefixes[] = {"\\??\\", "\\\\?\\", "\\\\.\\"};
    for (size_t i = 0; i < sizeof(nt_prefixes) / sizeof(*nt_prefixes); i++)
        if (strncmp(t, nt_prefixes[i], 4) == 0) {
            t += 4;
            break;
        }

    if (strncasecmp(t, "UNC", 3) == 0 && is_sep(t[3]))
        return AN_TARGET_OTHER;
    if (is_sep(t[0]) && is_sep(t[1]))
        return AN_TARGET_OTHER; /* \\server\share */
    if (strncasecmp(t, "Volume{", 7) == 0) {
        const char *close = strchr(t, '}');
        if (!close)
            return AN_TARGET_NONE;
        const char *rest = close + 1;
        while (is_sep(*rest))
            rest++;
        return *rest ? AN_TARGET_OTHER : AN_TARGET_VOLUME_ROOT;
    }
    if (is_letter(t[0]) && t[1] == ':' && (t[2] == '\0' || is_sep(t[2]))) {
        const char *rest = t + 2;
        while (is_sep(*rest))
            rest++;
        if (!*rest)
            return AN_TARGET_VOLUME_ROOT;
        if ((t[0] | 0x20) != 'c')
            return AN_TARGET_OTHER;
        return path_append_norm(out, cap, &len, rest) == 0 ? AN_TARGET_THIS_VOLUME
                                                           : AN_TARGET_OTHER;
    }
    if (t[0] == '/')
        return AN_TARGET_OTHER; /* an absolute path of the host that mounted the volume */
    if (t[0] != '\\') {         /* relative: from the folder holding the link */
        if (path_append_norm(out, cap, &len, link_dir) < 0)
            return AN_TARGET_NONE;
    }
    /* "\x" is rooted on the link's own drive. A relative path climbing above the root leaves
     * the volume. */
    return path_append_norm(out, cap, &len, t) == 0 ? AN_TARGET_THIS_VOLUME : AN_TARGET_OTHER;
}

/* ---- existence on this volume ----------------------------------------------------------- */

/* The path is absent: find the first component that is a reparse point and rewrite path with
 * its target. 1 rewritten, 0 truly missing, 2 leads off the volume, negative error. */
static int rewrite_through_link(fsa_fs *fs, char *path, size_t cap, sxs_diag *diag)
{
    char prefix[AN_FS_PATH_MAX];
    size_t plen = 0;
    const char *p = path;
    prefix[0] = '\0';
    while (*p) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        char parent[AN_FS_PATH_MAX];
        memcpy(parent, prefix, plen + 1);
        if (plen + 1 + n + 1 > sizeof(prefix))
            return -ENAMETOOLONG;
        if (plen)
            prefix[plen++] = '/';
        memcpy(prefix + plen, p, n);
        plen += n;
        prefix[plen] = '\0';
        p += n;

        fsa_stat st;
        int r = an_fs_stat(fs, prefix, &st, diag);
        if (r <= 0)
            return r;
        if (!st.is_reparse)
            continue;
        char resolved[AN_FS_PATH_MAX];
        an_target_kind k =
            an_reparse_classify(st.reparse_target, parent, resolved, sizeof(resolved));
        if (k == AN_TARGET_NONE)
            return 0;
        if (k != AN_TARGET_THIS_VOLUME)
            return 2;
        size_t rlen = strlen(resolved);
        if (path_append_norm(resolved, sizeof(resolved), &rlen, p) < 0)
            return 2;
        if (rlen + 1 > cap)
            return -ENAMETOOLONG;
        memcpy(path, resolved, rlen + 1);
        return 1;
    }
    return 0;
}

int an_reparse_path_exists(fsa_fs *fs, const char *rel, sxs_diag *diag)
{
    char path[AN_FS_PATH_MAX];
    size_t len = 0;
    path[0] = '\0';
    if (path_append_norm(path, sizeof(path), &len, rel) < 0)
        return 0;
    for (unsigned hop = 0; hop <= AN_REPARSE_MAX_HOPS; hop++) {
        fsa_stat st;
        int r = an_fs_stat(fs, path, &st, diag);
        if (r != 0)
            return r;
        r = rewrite_through_link(fs, path, sizeof(path), diag);
        if (r != 1)
            return r;
    }
    sxs_diag_add(diag, SXS_DIAG_INFO, rel, -1,
                 "more than %d junctions on the way to %s: not resolved", AN_REPARSE_MAX_HOPS, rel);
    return 2;
}

/* ---- the collector ---------------------------------------------------------------------- */

typedef struct {
    fsa_fs *fs;
    an_facts *facts;
    sxs_diag *diag;
    int64_t count;
} reparse_ctx;

/* A target on another drive letter X:\rest: SYSTEM\MountedDevices (mounted.<x>.* facts, read
 * before this collector) says which volume X: was. 1 when it is a volume of this disk whose
 * filesystem we read (*ret_fs, *ret_rest: the path on it), 2 when X: is a partition of a disk
 * that is not in this evidence, 0 when unknown. */
static int letter_volume(reparse_ctx *c, const char *target, fsa_fs **ret_fs, const char **ret_rest)
{
    const char *t = target;
    if (strncmp(t, "/.NTFS-3G/", 10) == 0)
        t += 10;
    if (strncmp(t, "\\??\\", 4) == 0 || strncmp(t, "\\\\?\\", 4) == 0)
        t += 4;
    if (!is_letter(t[0]) || t[1] != ':' || !is_sep(t[2]))
        return 0;
    char name[32];
    snprintf(name, sizeof(name), "mounted.%c.resolved", t[0] | 0x20);
    const an_fact *f = an_facts_get(c->facts, name);
    if (!f)
        return 0;
    if (strcmp(f->value, "not-on-disk") == 0)
        return 2;
    snprintf(name, sizeof(name), "mounted.%c.volume", t[0] | 0x20);
    const an_fact *v = an_facts_get(c->facts, name);
    const fsa_evidence *ev = fsa_fs_evidence(c->fs);
    if (!v || !v->has_num || v->num < 1 || !ev || (size_t)v->num > fsa_volume_count(ev) ||
        (unsigned)(v->num - 1) == fsa_fs_volume(c->fs))
        return 0;
    fsa_fs *vfs = fsa_volume_fs((fsa_evidence *)ev, (size_t)(v->num - 1));
    if (!vfs)
        return 0;
    *ret_fs = vfs;
    *ret_rest = t + 3;
    return 1;
}

/* Judges one reparse point at path (inside folder dir). 0 or -ENOMEM. */
/* The target (volume-relative, "/"-separated) is the reparse point itself or a folder above
 * it ("" is the root): compared case-insensitively, as NTFS names are. */
static bool is_loop(const char *path, const char *target)
{
    size_t n = strlen(target);
    if (n == 0)
        return true;
    if (strlen(path) < n || strncasecmp(path, target, n) != 0)
        return false;
    return path[n] == '\0' || path[n] == '/';
}

static int judge_reparse(reparse_ctx *c, const char *path, const char *dir, const fsa_stat *st)
{
    c->count++;
    char resolved[AN_FS_PATH_MAX];
    const char *reason = NULL;
    switch (an_reparse_classify(st->reparse_target, dir, resolved, sizeof(resolved))) {
    case AN_TARGET_NONE:
        reason = "no-target";
        break;
    case AN_TARGET_VOLUME_ROOT:
        reason = "volume-root";
        break;
    case AN_TARGET_OTHER: {
        fsa_fs *vfs = NULL;
        const char *rest = NULL;
        int lv = letter_volume(c, st->reparse_target, &vfs, &rest);
        if (lv == 1) {
            /* on another volume of this disk: looked up there */
            char norm[AN_FS_PATH_MAX];
            size_t nlen = 0;
            norm[0] = '\0';
            int r = path_append_norm(norm, sizeof(norm), &nlen, rest) == 0
                        ? an_reparse_path_exists(vfs, norm, c->diag)
                        : 2;
            if (r < 0)
                return r == -ENOMEM ? r : 0;
            if (r == 1)
                return 0;
            if (r == 0) {
                reason = "missing";
                break;
            }
        } else if (lv == 2) {
            sxs_diag_add(c->diag, SXS_DIAG_INFO, path, -1,
                         "reparse point %s -> %s: SYSTEM\\MountedDevices puts that drive on a "
                         "disk that is not in this evidence",
                         path, st->reparse_target);
            if (an_facts_add_str(c->facts, "reparse.library_junction.offdisk", path, path, -1))
                return -ENOMEM;
            return an_facts_add_str(c->facts, "reparse.library_junction.unverified", path, path,
                                    -1);
        }
        sxs_diag_add(c->diag, SXS_DIAG_INFO, path, -1,
                     "reparse point %s -> %s: target on another volume, cannot be checked "
                     "offline",
                     path, st->reparse_target);
        return an_facts_add_str(c->facts, "reparse.library_junction.unverified", path, path, -1);
    }
    case AN_TARGET_THIS_VOLUME: {
        if (is_loop(path, resolved)) {
            /* never followed: a backup or a collector walking it would recurse for ever */
            sxs_diag_add(c->diag, SXS_DIAG_WARN, path, -1,
                         "reparse point %s -> %s points to itself or to a folder above it: a "
                         "loop (not followed)",
                         path, st->reparse_target);
            if (an_facts_add_str(c->facts, "reparse.library_junction.loop", path, path, -1))
                return -ENOMEM;
            reason = "loop";
            break;
        }
        int r = an_reparse_path_exists(c->fs, resolved, c->diag);
        if (r == 0) {
            reason = "missing";
        } else if (r == 2) {
            return an_facts_add_str(c->facts, "reparse.library_junction.unverified", path, path,
                                    -1);
        }
        break;
    }
    }
    if (!reason)
        return 0;
    if (an_facts_add_str(c->facts, "reparse.library_junction.bad", path, path, -1) ||
        an_facts_add_str(c->facts, "reparse.library_junction.bad.target", st->reparse_target, path,
                         -1) ||
        an_facts_add_str(c->facts, "reparse.library_junction.bad.reason", reason, path, -1))
        return -ENOMEM;
    return 0;
}

typedef struct {
    an_strlist *names;
    bool dirs_only; /* else: everything but plain files (links can be typed OTHER) */
} names_ctx;

static int collect_names_cb(const fsa_dirent *ent, void *ctx)
{
    names_ctx *n = ctx;
    if (n->dirs_only ? ent->type != FSA_TYPE_DIR : ent->type == FSA_TYPE_FILE)
        return 0;
    int r = an_strlist_add(n->names, ent->name);
    if (r == -ENOSPC)
        return 1; /* stop: the cap was reached, said after the listing */
    return r < 0 ? r : 0;
}

/* Lists path collecting names; reports errors. 0 or -ENOMEM (other errors are diagnosed). */
static int list_names(reparse_ctx *c, const char *path, bool dirs_only, an_strlist *names)
{
    names_ctx n = {names, dirs_only};
    int r = fsa_list_dir(c->fs, path, collect_names_cb, &n);
    if (r == -ENOMEM)
        return r;
    if (r < 0 && r != -ENOENT && r != -ENOTDIR)
        sxs_diag_add(c->diag, SXS_DIAG_WARN, path, -1, "cannot list %s: %s", path, strerror(-r));
    if (names->dropped)
        sxs_diag_add(c->diag, SXS_DIAG_WARN, path, -1,
                     "%s has more than %zu entries: the rest were not examined", path, names->max);
    return 0;
}

static int check_library(reparse_ctx *c, const char *lib)
{
    fsa_stat st;
    int r = an_fs_stat(c->fs, lib, &st, c->diag);
    if (r <= 0)
        return 0;
    if (st.is_reparse) {
        char dir[AN_FS_PATH_MAX];
        const char *slash = strrchr(lib, '/');
        size_t n = slash ? (size_t)(slash - lib) : 0;
        memcpy(dir, lib, n);
        dir[n] = '\0';
        return judge_reparse(c, lib, dir, &st);
    }
    if (st.type != FSA_TYPE_DIR)
        return 0;

    an_strlist names;
    an_strlist_init(&names, AN_REPARSE_MAX_ENTRIES);
    r = list_names(c, lib, false, &names);
    for (size_t i = 0; r == 0 && i < names.count; i++) {
        char path[AN_FS_PATH_MAX];
        if (an_fs_join(path, sizeof(path), lib, names.items[i]) < 0)
            continue;
        int s = an_fs_stat(c->fs, path, &st, c->diag);
        if (s == 1 && st.is_reparse)
            r = judge_reparse(c, path, lib, &st);
    }
    an_strlist_free(&names);
    return r;
}

int an_reparse_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    (void)windows_dir; /* profiles live at the volume root, not under Windows */
    reparse_ctx c = {.fs = fs, .facts = facts, .diag = diag};
    fsa_stat st;
    int r = an_fs_stat(fs, "Users", &st, diag);
    if (r <= 0 || st.type != FSA_TYPE_DIR || st.is_reparse)
        return 0;

    an_strlist users;
    an_strlist_init(&users, AN_REPARSE_MAX_USERS);
    r = list_names(&c, "Users", true, &users);
    for (size_t u = 0; r == 0 && u < users.count; u++) {
        char profile[AN_FS_PATH_MAX];
        if (an_fs_join(profile, sizeof(profile), "Users", users.items[u]) < 0)
            continue;
        /* "All Users", "Default User": links to other profiles, seen there. */
        if (an_fs_stat(fs, profile, &st, diag) != 1 || st.is_reparse)
            continue;
        for (size_t l = 0; r == 0 && l < sizeof(library_folders) / sizeof(*library_folders); l++) {
            char lib[AN_FS_PATH_MAX];
            if (an_fs_join(lib, sizeof(lib), profile, library_folders[l]) < 0)
                continue;
            r = check_library(&c, lib);
        }
    }
    an_strlist_free(&users);
    if (r < 0)
        return r;
    return an_facts_add_num(facts, "reparse.library_junction.count", c.count, "Users", -1);
}
