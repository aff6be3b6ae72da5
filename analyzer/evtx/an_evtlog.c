/* The event-log collector of an_evtlog.h. */
#include "analyzer/evtx/an_evtlog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyzer/evtx/an_evtx.h"
#include "analyzer/fs/an_fsfacts.h"

static const char *const LOGS[] = {"System.evtx", "Setup.evtx", "Application.evtx",
                                   "Microsoft-Windows-WindowsUpdateClient%4Operational.evtx"};
#define NLOGS (sizeof(LOGS) / sizeof(LOGS[0]))

static int on_record(const an_evtx_record *r, void *ctx)
{
    an_history_evtx_record(ctx, r);
    return 0;
}

int an_evtlog_read_file(fsa_file *f, const char *path, an_history *h, an_facts *facts,
                        sxs_diag *diag)
{
    an_evtx_stats st;
    char why[320];
    int r = an_evtx_read(f, path, on_record, h, &st, why, sizeof(why));
    if (r == -ENOMEM)
        return r;
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "event log not read: %s", why);
        return an_facts_add_str(facts, "unread.evtx", why, path, -1) < 0 ? -ENOMEM : r;
    }
    int e = 0;
#define NUM(name, v)                                                                               \
    do {                                                                                           \
        if (e == 0)                                                                                \
            e = an_facts_add_num(facts, name, (int64_t)(v), path, -1);                             \
    } while (0)
    e = an_facts_add_str(facts, "evtx.log", path, path, -1);
    NUM("evtx.records", st.records);
    NUM("evtx.recovered", st.recovered);
    NUM("evtx.unreadable", st.unreadable);
    NUM("evtx.recovered_unreadable", st.recovered_unreadable);
    NUM("evtx.chunks", st.chunks);
    NUM("evtx.bad_chunks", st.bad_chunks);
    NUM("evtx.crc_bad_chunks", st.crc_bad_chunks);
    NUM("evtx.crc_bad_records", st.crc_bad_records);
#undef NUM
    if (e == 0)
        e = an_facts_add_bool(facts, "evtx.dirty", st.dirty, path);
    /* libevtx calls a dirty log with residue "corrupted"; what is damaged is a chunk that is
     * not one, a record it lists and cannot read, or evidence that cannot be read */
    bool damaged = st.bad_chunks || st.crc_bad_chunks || st.header_crc_bad || st.unreadable ||
                   st.truncated || why[0];
    if (!damaged && st.recovered_unreadable)
        sxs_diag_add(diag, SXS_DIAG_INFO, path, -1,
                     "%" PRIu64 " recovered records (residue%s) could not be parsed",
                     st.recovered_unreadable, st.dirty ? " of a log not closed cleanly" : "");
    if (damaged) {
        char msg[560];
        char trunc[96] = "", crc[128] = "";
        if (st.truncated)
            snprintf(trunc, sizeof(trunc), " (truncated: the header counts %" PRIu32 ")",
                     st.header_chunks);
        /* a chunk failing its checksum is damaged too, though libevtx reads its records */
        if (st.crc_bad_chunks)
            snprintf(crc, sizeof(crc), ", %" PRIu32 " of them failing %s checksum",
                     st.crc_bad_chunks, st.crc_bad_chunks == 1 ? "its" : "their");
        snprintf(msg, sizeof(msg),
                 "damaged event log: %" PRIu32 " of %" PRIu32 " chunks damaged%s%s%s, %" PRIu64
                 " records unreadable, %" PRIu64 " read (%" PRIu64 " recovered)%s%s",
                 st.bad_chunks + st.crc_bad_chunks, st.chunks, crc, trunc,
                 st.header_crc_bad ? ", the file header failing its checksum" : "", st.unreadable,
                 st.records, st.recovered, why[0] ? ": " : "", why);
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "%s", msg);
        if (e == 0)
            e = an_facts_add_str(facts, "unread.evtx", msg, path, -1);
    }
    return e < 0 ? -ENOMEM : 0;
}

typedef struct {
    char found[NLOGS][256]; /* the names as stored */
} found_logs;

static int on_entry(const fsa_dirent *ent, void *ctx)
{
    found_logs *fl = ctx;
    for (size_t i = 0; i < NLOGS; i++)
        if (ent->type != FSA_TYPE_DIR && strcasecmp(ent->name, LOGS[i]) == 0)
            snprintf(fl->found[i], sizeof(fl->found[i]), "%s", ent->name);
    return 0;
}

int an_evtlog_collect(fsa_fs *fs, const char *windows_dir, an_history *h, an_facts *facts,
                      sxs_diag *diag)
{
    char dir[1024];
    if (an_fs_join(dir, sizeof(dir), windows_dir, "System32/winevt/Logs") < 0)
        return 0;
    found_logs fl = {0};
    int r = fsa_list_dir(fs, dir, on_entry, &fl);
    if (r == -ENOENT || r == -ENOTDIR)
        return 0;
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, dir, -1, "the event-log folder could not be listed");
        return an_facts_add_str(facts, "unread.evtx", "the folder could not be listed", dir, -1) < 0
                   ? -ENOMEM
                   : 0;
    }
    for (size_t i = 0; i < NLOGS; i++) {
        if (!fl.found[i][0])
            continue;
        char path[1400];
        snprintf(path, sizeof(path), "%s/%s", dir, fl.found[i]);
        fsa_file *f = NULL;
        int o = fsa_file_open(fs, path, &f);
        if (o <= 0) {
            sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "event log could not be opened");
            if (an_facts_add_str(facts, "unread.evtx", "could not be opened", path, -1) < 0)
                return -ENOMEM;
            continue;
        }
        r = an_evtlog_read_file(f, path, h, facts, diag);
        fsa_file_close(f);
        if (r == -ENOMEM)
            return r;
    }
    return 0;
}
