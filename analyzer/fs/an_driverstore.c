/* Driver store collector: one listing of FileRepository, folder names cached for INF lookups.
 * Package folders are named "<inf name>_<arch>_<hash>" (Windows 8+) or
 * "<inf name>_<arch>_neutral_<hash>" (Windows 7); the INF name always ends in ".inf", so the
 * prefix "<inf name>_" identifies its packages without ambiguity. */
#include "analyzer/fs/an_driverstore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/fs/an_fsfacts.h"

struct an_driverstore {
    bool present;
    bool unreadable; /* listing failed: no fact either way but unread.driverstore */
    bool cut;        /* listing not read whole: a package not in it may still exist */
    char why[512];   /* the reason, when unreadable */
    char path[AN_FS_PATH_MAX];
    an_strlist folders;
};

static int collect_folder_cb(const fsa_dirent *ent, void *ctx)
{
    an_strlist *l = ctx;
    if (ent->type == FSA_TYPE_FILE)
        return 0;
    int r = an_strlist_add(l, ent->name);
    if (r == -ENOSPC)
        return 1;
    return r == -ENOMEM ? r : 0;
}

int an_driverstore_open(fsa_fs *fs, const char *windows_dir, sxs_diag *diag,
                        an_driverstore **ret_ds)
{
    an_driverstore *ds = calloc(1, sizeof(*ds));
    if (!ds)
        return -ENOMEM;
    an_strlist_init(&ds->folders, AN_DRIVERSTORE_MAX_PACKAGES);
    if (an_fs_join(ds->path, sizeof(ds->path), windows_dir, "System32/DriverStore/FileRepository") <
        0) {
        *ret_ds = ds;
        return 0;
    }
    int r = fsa_list_dir(fs, ds->path, collect_folder_cb, &ds->folders);
    if (r == -ENOMEM) {
        an_driverstore_free(ds);
        return r;
    }
    ds->present = r >= 0 || r == -E2BIG;
    ds->unreadable = r < 0 && r != -ENOENT && r != -ENOTDIR && r != -E2BIG;
    if (ds->unreadable)
        sxs_diag_add(diag, SXS_DIAG_WARN, ds->path, -1, "cannot list %s: %s", ds->path,
                     an_fs_reason(fs, r, ds->why, sizeof(ds->why)));
    ds->cut = ds->folders.dropped || r == -E2BIG;
    if (ds->cut)
        sxs_diag_add(diag, SXS_DIAG_WARN, ds->path, -1,
                     "driver store has more than %zu packages: the rest were not examined",
                     ds->folders.count);
    *ret_ds = ds;
    return 0;
}

void an_driverstore_free(an_driverstore *ds)
{
    if (!ds)
        return;
    an_strlist_free(&ds->folders);
    free(ds);
}

bool an_driverstore_present(const an_driverstore *ds)
{
    return ds && ds->present;
}

size_t an_driverstore_packages(const an_driverstore *ds)
{
    return ds ? ds->folders.count : 0;
}

int an_driverstore_find(const an_driverstore *ds, const char *inf_name, char *ret_folder,
                        size_t cap)
{
    if (!inf_name)
        return -EINVAL;
    const char *base = inf_name;
    for (const char *p = inf_name; *p; p++)
        if (*p == '\\' || *p == '/')
            base = p + 1;
    size_t n = strlen(base);
    if (n == 0)
        return -EINVAL;
    for (size_t i = 0; ds && i < ds->folders.count; i++) {
        const char *f = ds->folders.items[i];
        if (strncasecmp(f, base, n) != 0 || f[n] != '_')
            continue;
        size_t len = strlen(f);
        if (len >= cap)
            return -ENAMETOOLONG;
        memcpy(ret_folder, f, len + 1);
        return 1;
    }
    return ds && ds->cut ? -ENODATA : 0; /* not in a cut listing: unknown, never "missing" */
}

int an_driverstore_find_inf(fsa_fs *fs, const char *windows_dir, const char *inf_name,
                            char *ret_folder, size_t cap)
{
    an_driverstore *ds;
    int r = an_driverstore_open(fs, windows_dir, NULL, &ds);
    if (r < 0)
        return r;
    r = an_driverstore_find(ds, inf_name, ret_folder, cap);
    an_driverstore_free(ds);
    return r;
}

int an_driverstore_add_facts(const an_driverstore *ds, an_facts *facts)
{
    if (ds->unreadable)
        return an_facts_add_str(facts, "unread.driverstore", ds->why, ds->path, -1);
    if (an_facts_add_bool(facts, "driverstore.present", ds->present, ds->path))
        return -ENOMEM;
    if (ds->present &&
        an_facts_add_num(facts, "driverstore.packages", (int64_t)ds->folders.count, ds->path, -1))
        return -ENOMEM;
    return 0;
}

int an_driverstore_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    an_driverstore *ds;
    int r = an_driverstore_open(fs, windows_dir, diag, &ds);
    if (r < 0)
        return r;
    r = an_driverstore_add_facts(ds, facts);
    an_driverstore_free(ds);
    return r;
}
