/* Hive opening (evidence through fsaccess, host files, buffers) as a view read by range, replay
 * of its transaction logs into the view's overlay (an_hive_replay.c, an_hive_view.c), and
 * key/value access with libregf over a libbfio handle whose reads go to that view
 * (an_yal_file.h). The hive is never loaded whole; the evidence is only ever read. */
#include "analyzer/registry/an_hive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libbfio.h>
#include <libregf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/registry/an_hive_view.h"
#include "analyzer/an_yal_file.h"
#include "common/sxs_checked.h"
#include "common/sxs_io.h"
#include "common/sxs_limits.h"
#include "common/sxs_utf16.h"

struct an_hive {
    an_hive_view *v;
    uint64_t len;
    uint8_t *flat; /* an_hive_bytes, made on demand */
    size_t flat_len;
    an_yal_file_io io;
    libbfio_handle_t *bfio;
    libregf_file_t *regf;
    unsigned skipped; /* values and subkeys that could not be read (an_hive_skipped) */
    char first_skip[384];
};

/* Notes that item index of key_path (a value or a subkey) could not be read, with libregf's
 * innermost reason (the first line of its backtrace names the structure and offset). */
static void note_skip(an_hive *h, const char *key_path, const char *item, int index,
                      libregf_error_t *err)
{
    if (h->skipped++ == 0) {
        char msg[1024] = "";
        if (err)
            libregf_error_backtrace_sprint(err, msg, sizeof(msg));
        char *nl = strchr(msg, '\n');
        if (nl)
            *nl = '\0';
        snprintf(h->first_skip, sizeof(h->first_skip), "%s %d of %s%s%s", item, index,
                 key_path[0] ? key_path : "(root)", msg[0] ? ": " : "", msg);
    }
    libregf_error_free(&err);
}

/* libregf reads a key whose value or subkey list is out of range or damaged as having none,
 * and flags it corrupted: damage the caller would otherwise take for "no values". libregf also
 * flags keys whose unused list offset is 0xFFFFFFFF, so the flag counts only when the key cell
 * declares values or subkeys that libregf did not deliver. */
static void note_corrupt_key(an_hive *h, const char *key_path, libregf_key_t *key)
{
    if (libregf_key_is_corrupted(key, NULL) != 1)
        return;
    off64_t off = 0;
    int nvalues = 0, nsubkeys = 0;
    uint8_t nk[40]; /* the key cell from its "nk" signature */
    if (libregf_key_get_offset(key, &off, NULL) != 1 || off < 0 || (uint64_t)off + 40 > h->len ||
        libregf_key_get_number_of_values(key, &nvalues, NULL) != 1 ||
        libregf_key_get_number_of_sub_keys(key, &nsubkeys, NULL) != 1 ||
        an_hive_view_read(h->v, (uint64_t)off, nk, sizeof(nk)) < 0)
        return;
    if (nk[0] != 'n' || nk[1] != 'k')
        return;
    uint32_t declared_subkeys = sxs_le32(nk + 20), declared_values = sxs_le32(nk + 36);
    bool lost_values = declared_values > (uint32_t)nvalues;
    bool lost_subkeys = declared_subkeys > (uint32_t)nsubkeys;
    if (!lost_values && !lost_subkeys)
        return;
    if (h->skipped++ == 0)
        snprintf(h->first_skip, sizeof(h->first_skip),
                 "key %s (key cell at hive offset 0x%llx) declares %u value(s) and %u subkey(s) "
                 "but its %s list%s could not be read",
                 key_path[0] ? key_path : "(root)", (unsigned long long)off, declared_values,
                 declared_subkeys,
                 lost_values && lost_subkeys ? "value and subkey"
                 : lost_values               ? "value"
                                             : "subkey",
                 lost_values && lost_subkeys ? "s" : "");
}

unsigned an_hive_skipped(const an_hive *h, const char **ret_first)
{
    if (ret_first)
        *ret_first = h && h->skipped ? h->first_skip : "";
    return h ? h->skipped : 0;
}

static void status_error(an_hive_status *st, const char *what, libregf_error_t *err)
{
    char msg[160] = "";
    if (err)
        libregf_error_sprint(err, msg, sizeof(msg));
    /* libregf messages are multi-line backtraces: keep the first line. */
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = '\0';
    size_t used = strnlen(st->detail, sizeof(st->detail));
    snprintf(st->detail + used, sizeof(st->detail) - used, "%s%s%s%s", used ? "; " : "", what,
             msg[0] ? ": " : "", msg);
}

void an_hive_free(an_hive *h)
{
    if (!h)
        return;
    if (h->regf) {
        libregf_file_close(h->regf, NULL);
        libregf_file_free(&h->regf, NULL);
    }
    if (h->bfio)
        libbfio_handle_free(&h->bfio, NULL);
    an_hive_view_free(h->v);
    free(h->flat);
    free(h);
}

const uint8_t *an_hive_bytes(const an_hive *h, size_t *ret_len)
{
    an_hive *m = (an_hive *)h; /* the flat copy is a cache */
    if (!m->flat && an_hive_view_flatten(m->v, &m->flat, &m->flat_len) < 0) {
        *ret_len = 0;
        return NULL;
    }
    *ret_len = m->flat_len;
    return m->flat;
}

/* Opens the (replayed) view with libregf; takes ownership of the view. */
static int hive_open_regf(an_hive_view *v, an_hive_status *st, an_hive **ret_hive)
{
    an_hive *h = calloc(1, sizeof(*h));
    if (!h) {
        an_hive_view_free(v);
        return -ENOMEM;
    }
    h->v = v;
    h->len = an_hive_view_size(v);
    h->io = (an_yal_file_io){
        .size = h->len, .pread = an_hive_view_pread, .pdamage = an_hive_view_damage, .ctx = v};
    libregf_error_t *err = NULL;
    if (an_yal_file_handle(&h->io, &h->bfio) != 1) {
        an_hive_free(h);
        return -ENOMEM;
    }
    if (libregf_file_initialize(&h->regf, &err) != 1) {
        libregf_error_free(&err);
        an_hive_free(h);
        return -ENOMEM;
    }
    int opened = libregf_file_open_file_io_handle(h->regf, h->bfio, LIBREGF_OPEN_READ, &err);
    an_hive_view_forget(v); /* the bin headers root_reachable kept for this open */
    if (opened != 1) {
        status_error(st, "libregf cannot open it", err);
        libregf_error_free(&err);
        libregf_file_free(&h->regf, NULL); /* never opened: nothing to close */
        an_hive_free(h);
        st->state = AN_HIVE_UNREADABLE;
        return -EBADMSG;
    }
    /* A hive whose root key cannot be read is of no use to anyone. */
    libregf_key_t *root = NULL;
    if (libregf_file_get_root_key(h->regf, &root, &err) != 1) {
        status_error(st, "root key unreadable", err);
        libregf_error_free(&err);
        an_hive_free(h);
        st->state = AN_HIVE_UNREADABLE;
        return -EBADMSG;
    }
    libregf_key_free(&root, NULL);
    *ret_hive = h;
    return 0;
}

/* Walks the hive bin chain and checks that the root key and its lists lie inside it. libregf
 * reports the same damage as "unable to create root key", but leaks on that path and gives no
 * offset; this check names the place. Returns false with why set when the root is cut off. */
static int root_reachable(an_hive_view *v, bool base_trusted, sxs_diag *diag, const char *source,
                          char *why, size_t why_cap)
{
    uint64_t len = an_hive_view_size(v);
    uint8_t b[4096];
    if (len < sizeof(b) || an_hive_view_read(v, 0, b, sizeof(b)) < 0) {
        snprintf(why, why_cap, "base block unreadable: %s", an_hive_view_damage(v));
        return -EIO;
    }
    uint64_t hbins = sxs_le32(b + 40);
    if (hbins < 4096 || hbins % 4096 != 0 || hbins + 4096 > len) /* untrusted base block */
        hbins = (len - 4096) / 4096 * 4096;
    uint64_t end = 0;
    while (end < hbins) {
        uint8_t p[32];
        if (!sxs_range_ok(4096 + end, 32, len))
            break;
        /* kept: libregf reads each bin header again when it opens the hive */
        if (an_hive_view_read_keep(v, 4096 + end, p, sizeof(p)) < 0) {
            snprintf(why, why_cap, "hive bin at offset %llu unreadable: %s",
                     (unsigned long long)(4096 + end), an_hive_view_damage(v));
            return -EIO;
        }
        if (memcmp(p, "hbin", 4) != 0 || sxs_le32(p + 4) != end)
            break;
        uint32_t size = sxs_le32(p + 8);
        if (size < 4096 || size % 4096 != 0 || !sxs_range_ok(end, size, hbins))
            break;
        end += size;
    }
    if (end == 0) {
        snprintf(why, why_cap, "no valid hive bin at offset 4096");
        return -EBADMSG;
    }
    if (end < hbins)
        sxs_diag_add(diag, SXS_DIAG_WARN, source, (int64_t)(4096 + end),
                     "hive bin chain broken at bins offset %llu of %llu: keys stored beyond "
                     "are unreadable",
                     (unsigned long long)end, (unsigned long long)hbins);
    uint32_t root = sxs_le32(b + 36);
    if (!sxs_range_ok(root, 4 + 76, end)) {
        snprintf(why, why_cap, "root key cell offset %u outside the %llu readable bytes of bins",
                 root, (unsigned long long)end);
        return -EBADMSG;
    }
    if (sxs_le32(b + 24) < 2) { /* NT 3.x cell layout: libregf cannot read it */
        if (base_trusted)
            snprintf(why, why_cap, "regf format 1.%u (Windows NT 3.x) is not supported",
                     sxs_le32(b + 24));
        else
            snprintf(why, why_cap,
                     "base block damaged (version field 1.%u) and no log to "
                     "repair it",
                     sxs_le32(b + 24));
        return -EBADMSG;
    }
    uint8_t nk[76];
    if (an_hive_view_read(v, 4096 + (uint64_t)root + 4, nk, sizeof(nk)) < 0) {
        snprintf(why, why_cap, "root key cell at %u unreadable: %s", root, an_hive_view_damage(v));
        return -EIO;
    }
    if (memcmp(nk, "nk", 2) != 0) {
        snprintf(why, why_cap, "root cell at %u is not a key (nk)", root);
        return -EBADMSG;
    }
    uint32_t nsub = sxs_le32(nk + 20), sublist = sxs_le32(nk + 28);
    uint32_t nval = sxs_le32(nk + 36), vallist = sxs_le32(nk + 40);
    if ((nsub && sublist >= end) || (nval && vallist >= end)) {
        snprintf(why, why_cap,
                 "root key's %s list at %u lies beyond the hive bin chain, which breaks at %llu",
                 nsub && sublist >= end ? "subkey" : "value",
                 nsub && sublist >= end ? sublist : vallist, (unsigned long long)end);
        return -EBADMSG;
    }
    return 0;
}

/* Appends "corrupt: why" (or why alone) to the status detail. */
static void detail_append(an_hive_status *status, const char *prefix, const char *why)
{
    size_t used = strnlen(status->detail, sizeof(status->detail));
    snprintf(status->detail + used, sizeof(status->detail) - used, "%s%s%s", used ? "; " : "",
             prefix, why);
}

/* ---- transaction logs, read by range ----------------------------------------------------- */

/* A log next to the hive, read through fsaccess or a host fd as the replay asks (it reads
 * through a small cache, an_hive_logread.h): never loaded whole, whatever its size. */
typedef struct {
    an_hive_log log;
    fsa_file *f;
    int fd;
    char path[1600]; /* names it in diagnostics */
    char why[256];   /* the first read error, "" when none */
} log_src;

static int fsa_log_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    log_src *s = ctx;
    size_t got;
    int r = fsa_file_read_full(s->f, off, buf, len, &got);
    if (r == 0 && got == len)
        return 0;
    const char *dmg = r < 0 ? fsa_file_damage(s->f, NULL) : "";
    snprintf(s->why, sizeof(s->why), "read error at offset %llu%s%s",
             (unsigned long long)(off + got), dmg[0] ? ": " : "", dmg);
    return r < 0 ? r : -EIO;
}

static int fd_log_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    log_src *s = ctx;
    size_t got;
    int r = sxs_pread_full(s->fd, buf, len, off, &got);
    if (r == 0 && got == len)
        return 0;
    snprintf(s->why, sizeof(s->why), "read error at offset %llu: %s",
             (unsigned long long)(off + got), r < 0 ? strerror(-r) : "file ends early");
    return r < 0 ? r : -EIO;
}

static void log_src_close(log_src *s)
{
    fsa_file_close(s->f);
    if (s->fd >= 0)
        close(s->fd);
    s->f = NULL;
    s->fd = -1;
}

/* The logs the replay could not read: named as when they were loaded whole, and then absent. */
static void warn_unread(log_src *srcs, sxs_diag *diag)
{
    for (int i = 0; srcs && i < 3; i++)
        if (srcs[i].why[0])
            sxs_diag_add(diag, SXS_DIAG_WARN, srcs[i].path, -1, "transaction log not read: %s",
                         srcs[i].why);
}

static const char *const LOG_SUFFIX[3] = {".LOG", ".LOG1", ".LOG2"};

/* Replays the logs into the view's overlay, checks the result and opens it with libregf; takes
 * ownership of the view. */
static int open_view(an_hive_view *v, const an_hive_log *const l[3], log_src *srcs,
                     const char *source, sxs_diag *diag, an_hive_status *status, an_hive **ret_hive)
{
    memset(status, 0, sizeof(*status));
    status->state = AN_HIVE_UNREADABLE;
    int r = an_hive_replay_view(v, SXS_MAX_HIVE_EXTENT, l[0], l[1], l[2], status);
    warn_unread(srcs, diag);
    if (r == -ENOMEM) {
        an_hive_view_free(v);
        return r;
    }
    if (r < 0 || status->state == AN_HIVE_UNREADABLE) {
        an_hive_view_free(v);
        sxs_diag_add(diag, SXS_DIAG_ERROR, source, -1, "hive unreadable: %s", status->detail);
        return -EBADMSG;
    }
    an_hive_state before = status->state;
    char why[384];
    bool base_trusted = status->state != AN_HIVE_DIRTY_NOT_REPLAYED || status->base_block_valid;
    r = root_reachable(v, base_trusted, diag, source, why, sizeof(why));
    if (r < 0) {
        an_hive_view_free(v);
        status->state = AN_HIVE_UNREADABLE;
        detail_append(status, r == -EIO ? "" : "corrupt: ", why);
        sxs_diag_add(diag, SXS_DIAG_ERROR, source, -1, "hive unreadable (%s): %s",
                     an_hive_state_name(before), status->detail);
        return -EBADMSG;
    }
    /* libregf would recurse without end into a looping subkey index: refuse such a hive. */
    uint32_t bad_cell = 0;
    r = an_hive_check_subkeys_view(v, &bad_cell, why, sizeof(why));
    if (r < 0) {
        if (r == -ENOMEM) {
            an_hive_view_free(v);
            return r;
        }
        status->state = AN_HIVE_UNREADABLE;
        if (r == -EIO)
            detail_append(status, "", an_hive_view_damage(v));
        else
            detail_append(status, "corrupt: ", why);
        an_hive_view_free(v);
        sxs_diag_add(diag, SXS_DIAG_ERROR, source, r == -EIO ? -1 : 4096 + (int64_t)bad_cell,
                     "hive unreadable (%s): %s", an_hive_state_name(before), status->detail);
        return -EBADMSG;
    }
    r = hive_open_regf(v, status, ret_hive);
    if (r == -EBADMSG) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, source, -1, "hive unreadable (%s): %s",
                     an_hive_state_name(before), status->detail);
        return r;
    }
    if (r < 0)
        return r;
    if (status->state == AN_HIVE_REPLAYED)
        sxs_diag_add(diag, SXS_DIAG_INFO, source, -1, "hive %s", status->detail);
    else if (status->state == AN_HIVE_DIRTY_NOT_REPLAYED)
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "hive read without its newest changes: %s",
                     status->detail);
    return 0;
}

int an_hive_open_mem(const uint8_t *data, size_t len, const an_hive_log *log,
                     const an_hive_log *log1, const an_hive_log *log2, const char *source,
                     sxs_diag *diag, an_hive_status *status, an_hive **ret_hive)
{
    uint8_t *copy = malloc(len ? len : 1); /* the caller's buffer need not outlive the hive */
    if (!copy)
        return -ENOMEM;
    if (len)
        memcpy(copy, data, len);
    an_hive_view *v = an_hive_view_mem(copy, len);
    if (!v)
        return -ENOMEM;
    const an_hive_log *l[3] = {log, log1, log2};
    return open_view(v, l, NULL, source, diag, status, ret_hive);
}

static int open_logs(an_hive_view *v, log_src srcs[3], const char *source, sxs_diag *diag,
                     an_hive_status *status, an_hive **ret_hive)
{
    const an_hive_log *l[3];
    for (int i = 0; i < 3; i++) {
        srcs[i].log.name = LOG_SUFFIX[i] + 1;
        l[i] = &srcs[i].log;
    }
    int r = open_view(v, l, srcs, source, diag, status, ret_hive);
    for (int i = 0; i < 3; i++)
        log_src_close(&srcs[i]);
    return r;
}

static void status_unreadable(an_hive_status *st, const char *what, const char *why, int err)
{
    memset(st, 0, sizeof(*st));
    st->state = AN_HIVE_UNREADABLE;
    snprintf(st->detail, sizeof(st->detail), "%s: %s", what, why[0] ? why : strerror(-err));
}

int an_hive_open_fsa(fsa_fs *fs, const char *path, sxs_diag *diag, an_hive_status *status,
                     an_hive **ret_hive)
{
    log_src logs[3] = {{.fd = -1}, {.fd = -1}, {.fd = -1}};
    char why[512] = "";
    fsa_file *f = NULL;
    int r = fsa_file_open(fs, path, &f);
    if (r < 0 && fsa_fs_damage(fs, NULL)[0])
        snprintf(why, sizeof(why), "%s",
                 fsa_fs_damage(fs, NULL)); /* what the file is, or what is damaged */
    if (r == 0) {
        memset(status, 0, sizeof(*status));
        status->state = AN_HIVE_UNREADABLE;
        snprintf(status->detail, sizeof(status->detail), "absent");
        return -ENOENT;
    }
    if (r < 0) {
        status_unreadable(status, "cannot read the hive", why, r);
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s", status->detail);
        return r == -ENOMEM ? r : -EBADMSG;
    }
    an_hive_view *v = an_hive_view_fsa(f); /* read by range from here on */
    if (!v)
        return -ENOMEM;
    for (int i = 0; i < 3; i++) {
        log_src *s = &logs[i];
        if ((size_t)snprintf(s->path, sizeof(s->path), "%s%s", path, LOG_SUFFIX[i]) >=
            sizeof(s->path))
            continue;
        int lr = fsa_file_open(fs, s->path, &s->f);
        if (lr < 0) { /* a log we cannot open is like no log; say so */
            const char *dmg = fsa_fs_damage(fs, NULL); /* what the file is, or what is damaged */
            sxs_diag_add(diag, SXS_DIAG_WARN, s->path, -1, "transaction log not read: %s",
                         dmg[0] ? dmg : strerror(-lr));
        }
        if (lr <= 0) {
            s->f = NULL;
            continue;
        }
        s->log =
            (an_hive_log){.len = (size_t)fsa_file_size(s->f), .read_at = fsa_log_read, .ctx = s};
    }
    return open_logs(v, logs, path, diag, status, ret_hive);
}

/* Finds dir/<base><suffix> with any letter case; writes the path into out. */
static bool find_host_case(const char *dir, const char *base, const char *suffix, char *out,
                           size_t out_cap)
{
    char want[512];
    if ((size_t)snprintf(want, sizeof(want), "%s%s", base, suffix) >= sizeof(want))
        return false;
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcasecmp(de->d_name, want) == 0 &&
            (size_t)snprintf(out, out_cap, "%s/%s", dir, de->d_name) < out_cap) {
            found = true;
            break;
        }
    }
    closedir(d);
    return found;
}

int an_hive_open_host(const char *path, sxs_diag *diag, an_hive_status *status, an_hive **ret_hive)
{
    log_src logs[3] = {{.fd = -1}, {.fd = -1}, {.fd = -1}};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = -errno;
        status_unreadable(status, "cannot open the hive", "", e);
        return e;
    }
    struct stat sb;
    int e = fstat(fd, &sb) != 0 ? -errno : S_ISREG(sb.st_mode) ? 0 : -EISDIR;
    if (e < 0) {
        close(fd);
        status_unreadable(status, "cannot read the hive", "", e);
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s", status->detail);
        return -EBADMSG;
    }
    an_hive_view *v = an_hive_view_fd(fd, (uint64_t)sb.st_size); /* read by range */
    if (!v)
        return -ENOMEM;
    char dir[1024], base[512];
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t dl = (size_t)(slash - path);
        if (dl >= sizeof(dir))
            dl = sizeof(dir) - 1;
        memcpy(dir, path, dl);
        dir[dl] = '\0';
        if (dl == 0)
            snprintf(dir, sizeof(dir), "/");
    } else {
        snprintf(dir, sizeof(dir), ".");
    }
    snprintf(base, sizeof(base), "%s", slash ? slash + 1 : path);
    for (int i = 0; i < 3; i++) {
        log_src *s = &logs[i];
        if (!find_host_case(dir, base, LOG_SUFFIX[i], s->path, sizeof(s->path)))
            continue;
        int lfd = open(s->path, O_RDONLY | O_CLOEXEC);
        if (lfd < 0)
            continue;
        struct stat lst;
        int le = fstat(lfd, &lst) != 0 ? errno : !S_ISREG(lst.st_mode) ? EISDIR : 0;
        if (le) {
            sxs_diag_add(diag, SXS_DIAG_WARN, s->path, -1, "transaction log not read: %s",
                         strerror(le));
            close(lfd);
            continue;
        }
        s->fd = lfd;
        s->log = (an_hive_log){.len = (size_t)lst.st_size, .read_at = fd_log_read, .ctx = s};
    }
    return open_logs(v, logs, path, diag, status, ret_hive);
}

/* ---- keys and values ---------------------------------------------------------------------- */

/* 1 and *ret_key, 0 absent, negative on error. */
static int get_key(an_hive *h, const char *key_path, libregf_key_t **ret_key)
{
    libregf_error_t *err = NULL;
    libregf_key_t *key = NULL;
    int r;
    while (*key_path == '\\')
        key_path++;
    if (!*key_path)
        r = libregf_file_get_root_key(h->regf, &key, &err);
    else
        r = libregf_file_get_key_by_utf8_path(h->regf, (const uint8_t *)key_path, strlen(key_path),
                                              &key, &err);
    if (r < 0) {
        libregf_error_free(&err);
        return -EBADMSG;
    }
    if (r == 0)
        return 0;
    note_corrupt_key(h, key_path, key);
    *ret_key = key;
    return 1;
}

/* Finds a value of key by name, case-insensitively ("" = default value). */
static int find_value(an_hive *h, const char *key_path, libregf_key_t *key, const char *value_name,
                      libregf_value_t **ret_value)
{
    int n = 0;
    if (libregf_key_get_number_of_values(key, &n, NULL) != 1)
        return -EBADMSG;
    for (int i = 0; i < n; i++) {
        libregf_value_t *v = NULL;
        libregf_error_t *err = NULL;
        if (libregf_key_get_value(key, i, &v, &err) != 1) {
            note_skip(h, key_path, "value", i,
                      err); /* one corrupt value does not hide the others */
            continue;
        }
        char name[512];
        size_t nsz = 0;
        if (libregf_value_get_utf8_name_size(v, &nsz, NULL) == 1 && nsz <= sizeof(name)) {
            if (nsz <= 1)
                name[0] = '\0';
            else if (libregf_value_get_utf8_name(v, (uint8_t *)name, sizeof(name), NULL) != 1)
                name[0] = '\x01'; /* unreadable name: matches nothing */
            if (strcasecmp(name, value_name) == 0) {
                *ret_value = v;
                return 1;
            }
        }
        libregf_value_free(&v, NULL);
    }
    return 0;
}

static int get_value(an_hive *h, const char *key_path, const char *value_name,
                     libregf_value_t **ret_value)
{
    libregf_key_t *key = NULL;
    int r = get_key(h, key_path, &key);
    if (r <= 0)
        return r;
    r = find_value(h, key_path, key, value_name, ret_value);
    libregf_key_free(&key, NULL);
    return r;
}

int an_hive_key_exists(an_hive *h, const char *key_path)
{
    libregf_key_t *key = NULL;
    int r = get_key(h, key_path, &key);
    if (r == 1)
        libregf_key_free(&key, NULL);
    return r;
}

int an_hive_key_mtime(an_hive *h, const char *key_path, uint64_t *ret_filetime)
{
    libregf_key_t *key = NULL;
    int r = get_key(h, key_path, &key);
    if (r <= 0)
        return r;
    uint64_t ft = 0;
    r = libregf_key_get_last_written_time(key, &ft, NULL) == 1 ? 1 : -EBADMSG;
    libregf_key_free(&key, NULL);
    if (r == 1)
        *ret_filetime = ft;
    return r;
}

/* Data of 1 to 3 bytes stored in the value key itself (size MSB set): Windows keeps it at the
 * start of the 4-byte data offset field (M. Suhanov's regf specification, 3.6.1; hivex agrees),
 * but libregf 20201007 returns the field's last bytes (a 1-byte BCD boolean 01 reads as 00).
 * Read it from the hive bytes ourselves. 1 done, 0 not such a value. */
static int resident_data(const an_hive *h, libregf_value_t *v, uint8_t *buf, size_t len)
{
    off64_t off = 0;
    if (!h || len == 0 || len >= 4 || libregf_value_get_offset(v, &off, NULL) != 1 || off < 0)
        return 0;
    for (uint64_t skip = 0; skip <= 4; skip += 4) {
        uint64_t vk = (uint64_t)off + skip;
        uint8_t cell[12];
        if (vk > h->len || h->len - vk < 12 || an_hive_view_read(h->v, vk, cell, 12) < 0 ||
            memcmp(cell, "vk", 2) != 0)
            continue;
        uint32_t size = sxs_le32(cell + 4);
        if (!(size & 0x80000000u) || (size & 0x7FFFFFFFu) != len)
            return 0;
        memcpy(buf, cell + 8, len);
        return 1;
    }
    return 0;
}

static int value_data_h(const an_hive *h, libregf_value_t *v, uint8_t **ret_data, size_t *ret_len)
{
    size_t len = 0;
    if (libregf_value_get_value_data_size(v, &len, NULL) != 1)
        return -EBADMSG;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -ENOMEM;
    if (len && !resident_data(h, v, buf, len) &&
        libregf_value_get_value_data(v, buf, len, NULL) != 1) {
        free(buf);
        return -EBADMSG;
    }
    *ret_data = buf;
    *ret_len = len;
    return 0;
}

static int value_data(libregf_value_t *v, uint8_t **ret_data, size_t *ret_len)
{
    return value_data_h(NULL, v, ret_data, ret_len);
}

int an_hive_get_data(an_hive *h, const char *key_path, const char *value_name, uint8_t *out,
                     size_t out_cap, size_t *ret_len, uint32_t *ret_type)
{
    libregf_value_t *v = NULL;
    int r = get_value(h, key_path, value_name, &v);
    if (r <= 0)
        return r;
    uint32_t type = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    if (libregf_value_get_value_type(v, &type, NULL) != 1)
        r = -EBADMSG;
    else
        r = value_data_h(h, v, &data, &len);
    libregf_value_free(&v, NULL);
    if (r < 0)
        return r;
    *ret_len = len;
    *ret_type = type;
    if (len > out_cap) {
        free(data);
        return -EMSGSIZE;
    }
    if (len)
        memcpy(out, data, len);
    free(data);
    return 1;
}

/* UTF-16LE registry string data to UTF-8, stopping at the first NUL. */
static int utf16_data_to_utf8(const uint8_t *data, size_t len, char *out, size_t out_cap)
{
    long n = sxs_utf16le_to_utf8(data, len / 2, 1, out, out_cap);
    return n < 0 ? (int)n : 1;
}

static int value_string(libregf_value_t *v, char *out, size_t out_cap)
{
    uint32_t type = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    int r;
    if (libregf_value_get_value_type(v, &type, NULL) != 1)
        return -EBADMSG;
    if (type != AN_REG_SZ && type != AN_REG_EXPAND_SZ && type != AN_REG_MULTI_SZ)
        return -EINVAL;
    r = value_data(v, &data, &len);
    if (r < 0)
        return r;
    r = utf16_data_to_utf8(data, len, out, out_cap);
    free(data);
    return r < 0 ? -EMSGSIZE : 1;
}

static int value_dword(libregf_value_t *v, uint32_t *ret_value)
{
    uint32_t type = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    if (libregf_value_get_value_type(v, &type, NULL) != 1)
        return -EBADMSG;
    int r = value_data(v, &data, &len);
    if (r < 0)
        return r;
    if (len != 4 || (type != AN_REG_DWORD && type != 5 /* big endian */ && type != AN_REG_BINARY)) {
        free(data);
        return -EINVAL;
    }
    *ret_value =
        type == 5
            ? ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3])
            : sxs_le32(data);
    free(data);
    return 1;
}

int an_hive_get_string(an_hive *h, const char *key_path, const char *value_name, char *out,
                       size_t out_cap)
{
    libregf_value_t *v = NULL;
    int r = get_value(h, key_path, value_name, &v);
    if (r <= 0)
        return r;
    r = value_string(v, out, out_cap);
    libregf_value_free(&v, NULL);
    return r;
}

int an_hive_get_dword(an_hive *h, const char *key_path, const char *value_name, uint32_t *ret_value)
{
    libregf_value_t *v = NULL;
    int r = get_value(h, key_path, value_name, &v);
    if (r <= 0)
        return r;
    r = value_dword(v, ret_value);
    libregf_value_free(&v, NULL);
    return r;
}

struct an_hive_key {
    libregf_key_t *key;
    an_hive *h;
    const char *path; /* its own path, for what could not be read */
};

int an_hive_key_get_string(an_hive_key *k, const char *value_name, char *out, size_t out_cap)
{
    libregf_value_t *v = NULL;
    int r = find_value(k->h, k->path, k->key, value_name, &v);
    if (r <= 0)
        return r;
    r = value_string(v, out, out_cap);
    libregf_value_free(&v, NULL);
    return r;
}

int an_hive_key_get_dword(an_hive_key *k, const char *value_name, uint32_t *ret_value)
{
    libregf_value_t *v = NULL;
    int r = find_value(k->h, k->path, k->key, value_name, &v);
    if (r <= 0)
        return r;
    r = value_dword(v, ret_value);
    libregf_value_free(&v, NULL);
    return r;
}

int an_hive_each_subkey(an_hive *h, const char *key_path, an_hive_each_cb cb, void *ctx)
{
    libregf_key_t *key = NULL;
    int r = get_key(h, key_path, &key);
    if (r < 0)
        return r;
    if (r == 0)
        return -ENOENT;
    int n = 0;
    if (libregf_key_get_number_of_sub_keys(key, &n, NULL) != 1) {
        libregf_key_free(&key, NULL);
        return -EBADMSG;
    }
    int ret = 0;
    for (int i = 0; i < n && ret == 0; i++) {
        an_hive_key sub = {NULL, h, ""};
        libregf_error_t *err = NULL;
        if (libregf_key_get_sub_key(key, i, &sub.key, &err) != 1) {
            note_skip(h, key_path, "subkey", i, err); /* skipped; its siblings still count */
            continue;
        }
        char name[1024], path[2048];
        size_t nsz = 0;
        if (libregf_key_get_utf8_name_size(sub.key, &nsz, &err) == 1 && nsz <= sizeof(name) &&
            libregf_key_get_utf8_name(sub.key, (uint8_t *)name, sizeof(name), &err) == 1) {
            snprintf(path, sizeof(path), "%s%s%s", key_path, key_path[0] ? "\\" : "", name);
            sub.path = path;
            note_corrupt_key(h, path, sub.key);
            ret = cb(&sub, name, ctx);
        } else {
            note_skip(h, key_path, "subkey name", i, err);
        }
        libregf_key_free(&sub.key, NULL);
    }
    libregf_key_free(&key, NULL);
    return ret;
}

int an_hive_subkey_count(an_hive *h, const char *key_path, uint32_t *ret_count)
{
    libregf_key_t *key = NULL;
    int r = get_key(h, key_path, &key);
    if (r <= 0)
        return r;
    int n = 0;
    r = libregf_key_get_number_of_sub_keys(key, &n, NULL) == 1 && n >= 0 ? 1 : -EBADMSG;
    libregf_key_free(&key, NULL);
    if (r == 1)
        *ret_count = (uint32_t)n;
    return r;
}

typedef struct {
    an_hive_subkey_cb cb;
    void *ctx;
} names_ctx;

static int name_only(an_hive_key *sub, const char *name, void *vctx)
{
    (void)sub;
    names_ctx *c = vctx;
    return c->cb(name, c->ctx);
}

int an_hive_list_subkeys(an_hive *h, const char *key_path, an_hive_subkey_cb cb, void *ctx)
{
    names_ctx c = {cb, ctx};
    return an_hive_each_subkey(h, key_path, name_only, &c);
}

int an_hive_list_values(an_hive *h, const char *key_path, an_hive_value_cb cb, void *ctx)
{
    libregf_key_t *key = NULL;
    int r = get_key(h, key_path, &key);
    if (r < 0)
        return r;
    if (r == 0)
        return -ENOENT;
    int n = 0;
    if (libregf_key_get_number_of_values(key, &n, NULL) != 1) {
        libregf_key_free(&key, NULL);
        return -EBADMSG;
    }
    int ret = 0;
    for (int i = 0; i < n && ret == 0; i++) {
        libregf_value_t *v = NULL;
        libregf_error_t *err = NULL;
        if (libregf_key_get_value(key, i, &v, &err) != 1) {
            note_skip(h, key_path, "value", i, err);
            continue;
        }
        char name[1024] = "";
        size_t nsz = 0;
        uint32_t type = 0;
        uint8_t *data = NULL;
        size_t len = 0;
        bool ok = libregf_value_get_utf8_name_size(v, &nsz, NULL) == 1 && nsz <= sizeof(name) &&
                  (nsz <= 1 ||
                   libregf_value_get_utf8_name(v, (uint8_t *)name, sizeof(name), NULL) == 1) &&
                  libregf_value_get_value_type(v, &type, NULL) == 1;
        if (ok) {
            int dr = value_data(v, &data, &len);
            if (dr == -ENOMEM) {
                libregf_value_free(&v, NULL);
                ret = dr;
                break;
            }
            if (dr == 0)
                ret = cb(name, type, data, len, ctx);
            else
                note_skip(h, key_path, "the data of value", i, NULL);
            free(data);
        } else {
            note_skip(h, key_path, "the name or type of value", i, NULL);
        }
        libregf_value_free(&v, NULL);
    }
    libregf_key_free(&key, NULL);
    return ret;
}
