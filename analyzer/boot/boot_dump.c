/* Crash dump collector (see boot_dump.h). Each dump costs one read of its header
 * (BOOT_DUMP_HEADER_BYTES); only the newest crash dump, when it is a triage dump, is read
 * further (up to BOOT_DUMP_TRIAGE_MAX) for its driver list. Live kernel reports
 * (LiveKernelReports) are dumps Windows wrote while it went on running: they are listed, but
 * never taken as "the newest crash". */
#include "analyzer/boot/boot_dump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analyzer/fs/an_fsfacts.h"
#include "analyzer/boot/boot_bugcheck.h"
#include "analyzer/boot/boot_dump_parse.h"

/* Windows keeps at most a few dozen minidumps (it deletes the oldest beyond 50 by default);
 * more dump files than this in these folders is not a real machine, and the cap bounds the
 * header reads. */
#define BOOT_DUMP_MAX_FILES 256
/* Triage dumps are 256 KiB to about 3 MiB on Windows 10/11; their driver list and string pool
 * sit in the first part. A bigger "triage" dump is read only this far. */
#define BOOT_DUMP_TRIAGE_MAX (16u * 1024 * 1024)

typedef struct {
    char *path;
    bool live;
    int64_t when; /* Unix seconds: header SystemTime, else the file's mtime, else 0 */
    bool when_from_header;
    uint64_t size;
    boot_dump_info info;
} dump_entry;

typedef struct {
    dump_entry items[BOOT_DUMP_MAX_FILES];
    size_t n;
    size_t skipped; /* beyond the cap */
    size_t user, malformed;
} dump_list;

typedef struct {
    char names[BOOT_DUMP_MAX_FILES][256];
    bool is_dir[BOOT_DUMP_MAX_FILES];
    size_t n, more;
} name_list;

static bool ends_dmp(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".dmp") == 0;
}

static int on_entry(const fsa_dirent *e, void *vctx)
{
    name_list *l = vctx;
    bool dir = e->type == FSA_TYPE_DIR;
    if (!dir && !ends_dmp(e->name))
        return 0;
    if (l->n == BOOT_DUMP_MAX_FILES || strlen(e->name) >= sizeof(l->names[0])) {
        l->more++;
        return 0;
    }
    snprintf(l->names[l->n], sizeof(l->names[0]), "%s", e->name);
    l->is_dir[l->n++] = dir;
    return 0;
}

static void iso_time(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "%lld", (long long)t);
}

/* Reads up to cap bytes from the start of path. 1 read (*ret_buf, *ret_len), 0 absent,
 * negative error (the caller reports it). */
static int read_head(fsa_fs *fs, const char *path, size_t cap, uint8_t **ret_buf, size_t *ret_len,
                     uint64_t *ret_size)
{
    fsa_file *f = NULL;
    int r = fsa_file_open(fs, path, &f);
    if (r <= 0)
        return r;
    uint64_t size = fsa_file_size(f);
    size_t want = size < cap ? (size_t)size : cap;
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf) {
        fsa_file_close(f);
        return -ENOMEM;
    }
    size_t got;
    int n = fsa_file_read_full(f, 0, buf, want, &got);
    if (n < 0) {
        free(buf);
        fsa_file_close(f);
        return n;
    }
    fsa_file_close(f);
    *ret_buf = buf;
    *ret_len = got;
    *ret_size = size;
    return 1;
}

/* Reads and decodes one dump's header into the list. 0, or -ENOMEM. */
static int add_dump(fsa_fs *fs, const char *path, bool live, dump_list *dl, an_facts *facts,
                    sxs_diag *diag)
{
    if (dl->n == BOOT_DUMP_MAX_FILES) {
        dl->skipped++;
        return 0;
    }
    fsa_stat st;
    int r = fsa_lookup(fs, path, &st);
    if (r == 0 || (r == 1 && st.type != FSA_TYPE_FILE))
        return 0;
    uint8_t *buf = NULL;
    size_t len = 0;
    uint64_t size = 0;
    if (r == 1)
        r = read_head(fs, path, BOOT_DUMP_HEADER_BYTES, &buf, &len, &size);
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return an_fs_unread(fs, path, r, "dump", "its bug check was not read", facts, diag);
    if (r == 0)
        return 0;
    dump_entry *e = &dl->items[dl->n];
    memset(e, 0, sizeof(*e));
    char why[160];
    r = boot_dump_parse(buf, len, &e->info, why, sizeof(why));
    free(buf);
    if (r < 0) {
        /* evidence the BUGCHECK rule needs that could not be read: never a bug check, and
         * never a clean bill of health either (analyzer/facts-boot.md) */
        dl->malformed++;
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "%s (%llu bytes): %s; no bug check read", path,
                     (unsigned long long)size, why);
        return an_facts_add_str(facts, "unread.dump", why, path, -1);
    }
    if (e->info.kind == BOOT_DUMP_USER) {
        dl->user++;
        return an_facts_add_str(facts, "bugcheck.user_dump", "user-mode minidump (MDMP)", path, -1);
    }
    e->path = strdup(path);
    if (!e->path)
        return -ENOMEM;
    e->live = live;
    e->size = size;
    int64_t t;
    if (boot_filetime_to_unix(e->info.system_time, &t)) {
        e->when = t;
        e->when_from_header = true;
    } else {
        e->when = st.mtime;
    }
    dl->n++;
    return 0;
}

/* Every *.dmp in dir (and, with depth 1, in its sub-folders). 0, or -ENOMEM. */
static int add_folder(fsa_fs *fs, const char *dir, int depth, bool live, dump_list *dl,
                      an_facts *facts, sxs_diag *diag)
{
    name_list *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    int r = fsa_list_dir(fs, dir, on_entry, l);
    if (r == -ENOENT || r == -ENOTDIR) {
        free(l);
        return 0;
    }
    if (r < 0) {
        free(l);
        return r == -ENOMEM
                   ? r
                   : an_fs_unread(fs, dir, r, "dump", "its crash dumps were not read", facts, diag);
    }
    if (l->more)
        sxs_diag_add(diag, SXS_DIAG_WARN, dir, -1,
                     "%s: %zu more dump files or folders than the %d examined", dir, l->more,
                     BOOT_DUMP_MAX_FILES);
    char path[AN_FS_PATH_MAX];
    for (size_t i = 0; i < l->n && r >= 0; i++) {
        if (an_fs_join(path, sizeof(path), dir, l->names[i]) < 0)
            continue;
        if (l->is_dir[i])
            r = depth > 0 ? add_folder(fs, path, depth - 1, live, dl, facts, diag) : 0;
        else
            r = add_dump(fs, path, live, dl, facts, diag);
    }
    free(l);
    return r < 0 ? r : 0;
}

static int cmp_newest(const void *a, const void *b)
{
    const dump_entry *x = a, *y = b;
    if (x->when != y->when)
        return x->when > y->when ? -1 : 1;
    return strcmp(x->path, y->path);
}

static void params_text(const boot_dump_info *d, char *out, size_t cap)
{
    if (d->bits == 64)
        snprintf(out, cap, "0x%016llX, 0x%016llX, 0x%016llX, 0x%016llX",
                 (unsigned long long)d->param[0], (unsigned long long)d->param[1],
                 (unsigned long long)d->param[2], (unsigned long long)d->param[3]);
    else
        snprintf(out, cap, "0x%08llX, 0x%08llX, 0x%08llX, 0x%08llX",
                 (unsigned long long)d->param[0], (unsigned long long)d->param[1],
                 (unsigned long long)d->param[2], (unsigned long long)d->param[3]);
}

/* One line per dump for the bugcheck.dump list. */
static int list_fact(const dump_entry *e, an_facts *facts)
{
    const boot_bugcheck *bc = boot_bugcheck_lookup(e->info.code);
    char when[32] = "time unknown", line[512];
    if (e->when)
        iso_time(e->when, when, sizeof(when));
    snprintf(line, sizeof(line), "%s0x%08X %s at %s%s (build %u, %s dump)",
             e->live ? "live kernel report " : "", e->info.code, bc ? bc->name : "(unnamed)", when,
             e->when_from_header || !e->when ? "" : " (file time)", e->info.build,
             boot_dump_type_name(e->info.dump_type));
    return an_facts_add_str(facts, "bugcheck.dump", line, e->path, -1);
}

/* The driver list of the newest dump when it is a triage dump: read it further. */
static void newest_driver(fsa_fs *fs, dump_entry *e, sxs_diag *diag)
{
    if (e->info.dump_type == BOOT_DUMP_TYPE_TRIAGE && e->size > BOOT_DUMP_HEADER_BYTES) {
        uint8_t *buf = NULL;
        size_t len = 0;
        uint64_t size = 0;
        int r = read_head(fs, e->path, BOOT_DUMP_TRIAGE_MAX, &buf, &len, &size);
        if (r <= 0) {
            sxs_diag_add(diag, SXS_DIAG_WARN, e->path, -1,
                         "%s: the driver list could not be read (%s)", e->path,
                         r == 0 ? "file gone" : strerror(-r));
            return;
        }
        boot_dump_info again;
        if (boot_dump_parse(buf, len, &again, NULL, 0) == 0 && again.kind == BOOT_DUMP_KERNEL)
            e->info = again;
        free(buf);
    }
    if (e->info.note[0])
        sxs_diag_add(diag, SXS_DIAG_WARN, e->path, -1, "%s: %s; no driver named", e->path,
                     e->info.note);
}

static int newest_facts(fsa_fs *fs, const char *windows_dir, dump_entry *e, an_facts *facts,
                        sxs_diag *diag)
{
    newest_driver(fs, e, diag);
    const boot_dump_info *d = &e->info;
    const boot_bugcheck *bc = boot_bugcheck_lookup(d->code);
    const char *src = e->path;
    char code[16], params[160], when[32];
    snprintf(code, sizeof(code), "0x%08X", d->code);
    params_text(d, params, sizeof(params));
    int r;
    if ((r = an_facts_add_str(facts, "bugcheck.newest.path", e->path, src, -1)) < 0 ||
        (r = an_facts_add_str(facts, "bugcheck.newest.code", code, src, 0x38)) < 0 ||
        (r = an_facts_add_str(facts, "bugcheck.newest.name", bc ? bc->name : "", src, -1)) < 0 ||
        (r = an_facts_add_str(facts, "bugcheck.newest.params", params, src, -1)) < 0 ||
        (r = an_facts_add_num(facts, "bugcheck.newest.build", d->build, src, 0x0C)) < 0 ||
        (r = an_facts_add_str(facts, "bugcheck.newest.type", boot_dump_type_name(d->dump_type), src,
                              -1)) < 0)
        return r;
    if (bc && (r = an_facts_add_str(facts, "bugcheck.newest.advice", bc->check, src, -1)) < 0)
        return r;
    if (e->when) {
        iso_time(e->when, when, sizeof(when));
        if ((r = an_facts_add_str(facts, "bugcheck.newest.time", when, src, -1)) < 0)
            return r;
    }
    if (d->driver[0]) {
        /* the list names \SystemRoot\System32\drivers\x.sys: the file name, and the path */
        const char *base = strrchr(d->driver, '\\');
        base = base && base[1] ? base + 1 : d->driver;
        if ((r = an_facts_add_str(facts, "bugcheck.newest.driver", base, src, -1)) < 0 ||
            (r = an_facts_add_str(facts, "bugcheck.newest.driver_path", d->driver, src, -1)) < 0 ||
            (r = an_facts_add_num(facts, "bugcheck.newest.driver_param", d->driver_param, src,
                                  -1)) < 0)
            return r;
    }
    /* Age against the SYSTEM hive's last write: Windows writes the hive at every boot and
     * shutdown, so a dump much older than it predates boots that went on without crashing. */
    char hive[AN_FS_PATH_MAX];
    fsa_stat st;
    if (e->when && an_fs_join(hive, sizeof(hive), windows_dir, "System32/config/SYSTEM") == 0 &&
        fsa_lookup(fs, hive, &st) == 1 && st.mtime > 0) {
        int64_t days = st.mtime > e->when ? (st.mtime - e->when) / 86400 : 0;
        if ((r = an_facts_add_num(facts, "bugcheck.newest.age_days", days, hive, -1)) < 0)
            return r;
    }
    return 0;
}

int an_boot_dumps_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    dump_list *dl = calloc(1, sizeof(*dl));
    if (!dl)
        return -ENOMEM;
    char path[AN_FS_PATH_MAX];
    int r = 0;
    /* setupmem.dmp: Microsoft's upgrade log-file table puts it in $Windows.~BT\Sources\Rollback
     * (setup extracts a minidump there when the new OS bug checks during the upgrade) */
    static const char *const files[] = {"MEMORY.DMP", "setupmem.dmp"};
    for (size_t i = 0; i < 2 && r >= 0; i++)
        if ((r = an_fs_join(path, sizeof(path), windows_dir, files[i])) == 0)
            r = add_dump(fs, path, false, dl, facts, diag);
    if (r >= 0)
        r = add_dump(fs, "$WINDOWS.~BT/Sources/Rollback/setupmem.dmp", false, dl, facts, diag);
    if (r >= 0 && (r = an_fs_join(path, sizeof(path), windows_dir, "Minidump")) == 0)
        r = add_folder(fs, path, 0, false, dl, facts, diag);
    if (r >= 0 && (r = an_fs_join(path, sizeof(path), windows_dir, "LiveKernelReports")) == 0)
        r = add_folder(fs, path, 1, true, dl, facts, diag);
    if (r == -ENAMETOOLONG)
        r = 0;
    if (r < 0)
        goto out;
    if (dl->skipped)
        sxs_diag_add(diag, SXS_DIAG_WARN, windows_dir, -1,
                     "%zu crash dumps beyond the first %d were not read", dl->skipped,
                     BOOT_DUMP_MAX_FILES);

    qsort(dl->items, dl->n, sizeof(dl->items[0]), cmp_newest);
    size_t crash = 0, live = 0;
    dump_entry *newest = NULL;
    for (size_t i = 0; i < dl->n && r >= 0; i++) {
        dump_entry *e = &dl->items[i];
        if (e->live) {
            live++;
        } else {
            crash++;
            if (!newest)
                newest = e;
        }
        r = list_fact(e, facts);
    }
    if (r >= 0 && (r = an_facts_add_num(facts, "bugcheck.dumps", (int64_t)crash, NULL, -1)) == 0 &&
        (r = an_facts_add_num(facts, "bugcheck.live_reports", (int64_t)live, NULL, -1)) == 0 &&
        (r = an_facts_add_num(facts, "bugcheck.user_dumps", (int64_t)dl->user, NULL, -1)) == 0 &&
        (r = an_facts_add_num(facts, "bugcheck.malformed", (int64_t)dl->malformed, NULL, -1)) ==
            0 &&
        newest)
        r = newest_facts(fs, windows_dir, newest, facts, diag);
out:
    for (size_t i = 0; i < dl->n; i++)
        free(dl->items[i].path);
    free(dl);
    return r == -ENOMEM ? r : 0;
}
