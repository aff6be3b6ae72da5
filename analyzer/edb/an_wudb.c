/* The DataStore.edb collector of an_wudb.h. */
#include "analyzer/edb/an_wudb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/edb/an_edb.h"
#include "analyzer/fs/an_fsfacts.h"

static int on_row(const an_edb_row *r, void *ctx)
{
    an_history_edb_row(ctx, r);
    return 0;
}

static const char *state_name(uint32_t s)
{
    switch (s) {
    case 1:
        return "just created";
    case 2:
        return "dirty";
    case 3:
        return "clean";
    case 4:
        return "being converted";
    case 5:
        return "force detach";
    default:
        return "unknown";
    }
}

/* Bytes looked at to tell a zero-filled file: both header pages at the largest page size. */
#define WUDB_ZERO_PROBE (64 * 1024)

/* 1 when the file's first WUDB_ZERO_PROBE bytes (all of it when shorter) are zero and there is
 * at least one: no ESE header was ever written (a preallocated file, the sample images'
 * placeholder). 0 otherwise, -EIO, -ENOMEM. */
static int zero_filled(fsa_file *f)
{
    uint64_t size = fsa_file_size(f);
    size_t n = size < WUDB_ZERO_PROBE ? (size_t)size : WUDB_ZERO_PROBE;
    if (n == 0)
        return 0;
    unsigned char *buf = malloc(n);
    if (!buf)
        return -ENOMEM;
    size_t got;
    int r = fsa_file_read_full(f, 0, buf, n, &got);
    int z = got == n;
    for (size_t i = 0; z && i < n; i++)
        z = buf[i] == 0;
    free(buf);
    return r < 0 ? -EIO : z;
}

int an_wudb_read_file(fsa_file *f, const char *path, an_history *h, an_facts *facts, sxs_diag *diag)
{
    an_edb_stats st;
    char why[320];
    int z = zero_filled(f);
    if (z == -ENOMEM)
        return z;
    if (z == 1) { /* nothing to read, so nothing unread: said, and the state is a fact */
        sxs_diag_add(diag, SXS_DIAG_INFO, path, -1,
                     "the Windows Update database holds only zeros: no update history in it");
        int e = an_facts_add_str(facts, "edb.file", path, path, -1);
        if (e == 0)
            e = an_facts_add_str(facts, "edb.state", "zeroed", path, -1);
        return e < 0 ? -ENOMEM : 0;
    }
    int r = an_edb_read_history(f, path, on_row, h, &st, why, sizeof(why));
    if (r == -ENOMEM)
        return r;
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "Windows Update database not read: %s", why);
        return an_facts_add_str(facts, "unread.edb", why, path, -1) < 0 ? -ENOMEM : r;
    }
    int e = an_facts_add_str(facts, "edb.file", path, path, -1);
    if (e == 0)
        e = an_facts_add_str(facts, "edb.state", state_name(st.state), path, -1);
    if (e == 0)
        e = an_facts_add_bool(facts, "edb.history_table", st.has_history, path);
    if (e == 0)
        e = an_facts_add_num(facts, "edb.history_rows", (int64_t)st.rows, path, -1);
    if (e == 0)
        e = an_facts_add_num(facts, "edb.history_unreadable", (int64_t)st.unreadable, path, -1);
    if (st.dirty)
        sxs_diag_add(diag, SXS_DIAG_INFO, path, -1,
                     "the database was not shut down cleanly (state: %s); read as it is, its "
                     "transaction logs not replayed: the newest rows may be missing",
                     state_name(st.state));
    if (!st.has_history && !st.failed[0])
        sxs_diag_add(diag, SXS_DIAG_INFO, path, -1,
                     "no tbHistory table among its %" PRIu32 " tables: no update history read",
                     st.tables);
    if (st.text_undecoded)
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1,
                     "%" PRIu64 " history rows read without their title or client (libesedb "
                     "could not decode the text); matched on their update id",
                     st.text_undecoded);
    if (st.failed[0] || st.unreadable) {
        char msg[480];
        snprintf(msg, sizeof(msg),
                 "damaged Windows Update database: %" PRIu64 " of %" PRIu64
                 " history rows unreadable, %" PRIu64 " read%s%s",
                 st.unreadable, st.rows_total, st.rows, st.failed[0] ? "; " : "", st.failed);
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "%s", msg);
        if (e == 0)
            e = an_facts_add_str(facts, "unread.edb", msg, path, -1);
    }
    return e < 0 ? -ENOMEM : 0;
}

typedef struct {
    char name[256]; /* DataStore.edb as stored */
} found_db;

static int on_entry(const fsa_dirent *ent, void *ctx)
{
    found_db *fd = ctx;
    if (ent->type != FSA_TYPE_DIR && strcasecmp(ent->name, "DataStore.edb") == 0)
        snprintf(fd->name, sizeof(fd->name), "%s", ent->name);
    return 0;
}

int an_wudb_collect(fsa_fs *fs, const char *windows_dir, an_history *h, an_facts *facts,
                    sxs_diag *diag)
{
    char dir[1024];
    if (an_fs_join(dir, sizeof(dir), windows_dir, "SoftwareDistribution/DataStore") < 0)
        return 0;
    found_db fd = {{0}};
    int r = fsa_list_dir(fs, dir, on_entry, &fd);
    if (r == -ENOENT || r == -ENOTDIR)
        return 0;
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, dir, -1, "the DataStore folder could not be listed");
        return an_facts_add_str(facts, "unread.edb", "the folder could not be listed", dir, -1) < 0
                   ? -ENOMEM
                   : 0;
    }
    if (!fd.name[0])
        return 0;
    char path[1400];
    snprintf(path, sizeof(path), "%s/%s", dir, fd.name);
    fsa_file *f = NULL;
    int o = fsa_file_open(fs, path, &f);
    if (o <= 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "Windows Update database could not be opened");
        return an_facts_add_str(facts, "unread.edb", "could not be opened", path, -1) < 0 ? -ENOMEM
                                                                                          : 0;
    }
    r = an_wudb_read_file(f, path, h, facts, diag);
    fsa_file_close(f);
    return r == -ENOMEM ? r : 0;
}
