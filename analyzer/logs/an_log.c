/* The three entry points that stream one log (from an image through fsaccess, from a host
 * file, from memory) and the family names. Each fills the reader's chunk buffer with fixed-size
 * reads, so memory stays bounded; a cabinet (CbsPersist_*.cab, recognised by its "MSCF" magic
 * even when misnamed) is expanded in memory instead. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/logs/an_log_internal.h"
#include "common/sxs_limits.h"

static const char *const family_names[AN_LOG_FAMILY_COUNT] = {
    [AN_LOG_CBS] = "cbs",
    [AN_LOG_DISM] = "dism",
    [AN_LOG_PANTHER] = "panther",
    [AN_LOG_MOSETUP] = "mosetup",
    [AN_LOG_SETUPAPI] = "setupapi",
    [AN_LOG_POQEXEC] = "poqexec",
    [AN_LOG_PENDING_XML] = "pending_xml",
    [AN_LOG_SETUPDIAG] = "setupdiag",
    [AN_LOG_COMPAT_XML] = "compat_xml",
    [AN_LOG_WINDOWSUPDATE] = "windowsupdate",
};

const char *an_log_family_name(an_log_family f)
{
    if ((unsigned)f >= AN_LOG_FAMILY_COUNT)
        return "unknown";
    return family_names[f];
}

int an_log_family_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < AN_LOG_FAMILY_COUNT; i++)
        if (strcmp(family_names[i], name) == 0)
            return i;
    return -1;
}

static bool is_cab_magic(const uint8_t *p, size_t n)
{
    return n >= 4 && memcmp(p, "MSCF", 4) == 0;
}

/* Drives the reader from a random-access source: plain text, or a cabinet. */
static int stream_source(const an_log_source *src, bool is_cab, an_log_family family,
                         const an_tz *tz, an_log_line_cb cb, void *ctx, an_log_stats *ret_stats,
                         const char *name, sxs_diag *diag)
{
    an_log_reader *r;
    if (!is_cab && src->size >= 4) {
        uint8_t magic[4];
        long n = src->read_at(src->ctx, 0, magic, sizeof(magic));
        is_cab = n == 4 && is_cab_magic(magic, 4);
    }
    /* A cabinet's expanded size is unknown until expanded: full-size chunk. */
    int rc = an_log_reader_new(family, tz, cb, ctx, name, diag, is_cab ? 0 : src->size, &r);
    if (rc < 0)
        return rc;
    if (is_cab) {
        rc = an_log_stream_cab(src, r, name, diag);
    } else {
        uint64_t off = 0;
        rc = 0;
        for (;;) {
            size_t cap, fill = 0;
            uint8_t *buf = an_log_reader_buf(r, &cap);
            /* Fill the whole chunk: a short read is not the end of the file. */
            while (fill < cap) {
                long n = src->read_at(src->ctx, off, buf + fill, cap - fill);
                if (n < 0) {
                    /* the rest of the log is evidence the rules did not see: an error, so
                     * the verdict cannot be HEALTHY */
                    const char *why = src->why ? src->why(src->ctx, NULL) : "";
                    sxs_diag_add(diag, SXS_DIAG_ERROR, name, (int64_t)off,
                                 "read error (%s): the log was read only up to byte %llu; the "
                                 "rules did not see the rest",
                                 why[0] ? why : strerror((int)-n), (unsigned long long)off);
                    rc = (int)n;
                    break;
                }
                if (n == 0)
                    break;
                fill += (size_t)n;
                off += (uint64_t)n;
            }
            if (rc < 0)
                break;
            if (fill == 0)
                break;
            rc = an_log_reader_process(r, fill);
            if (rc)
                break;
            if (fill < cap)
                break;
        }
        if (rc == 0)
            rc = an_log_reader_finish(r);
    }
    if (ret_stats && rc >= 0) /* done, or stopped by the callback: the counts so far */
        an_log_reader_stats(r, ret_stats);
    an_log_reader_free(r);
    return rc;
}

static long fsa_read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
    return fsa_file_read(ctx, off, buf, len);
}

static const char *fsa_why(void *ctx, int64_t *ret_at)
{
    return fsa_file_damage(ctx, ret_at);
}

int an_log_stream(fsa_fs *fs, const an_log_file *file, const an_tz *tz, an_log_line_cb cb,
                  void *ctx, an_log_stats *ret_stats, sxs_diag *diag)
{
    if (!fs || !file || !file->path)
        return -EINVAL;
    fsa_file *f;
    int rc = fsa_file_open(fs, file->path, &f);
    if (rc < 0) {
        int64_t at;
        const char *dmg = fsa_fs_damage(fs, &at);
        sxs_diag_add(diag, SXS_DIAG_ERROR, file->path, at,
                     "cannot open log %s: %s; the rules did not read it", file->path,
                     dmg[0] ? dmg : strerror(-rc));
        return rc;
    }
    if (rc == 0)
        return -ENOENT;
    an_log_source src = {
        .size = fsa_file_size(f), .read_at = fsa_read_at, .why = fsa_why, .ctx = f};
    rc = stream_source(&src, file->is_cab, file->family, tz, cb, ctx, ret_stats, file->path, diag);
    fsa_file_close(f);
    return rc;
}

static long fd_read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t n = pread(fd, buf, len, (off_t)off);
        if (n >= 0)
            return (long)n;
        if (errno != EINTR)
            return -errno;
    }
}

int an_log_stream_host(const char *host_path, an_log_family family, const an_tz *tz,
                       an_log_line_cb cb, void *ctx, an_log_stats *ret_stats, sxs_diag *diag)
{
    if (!host_path)
        return -EINVAL;
    int fd = open(host_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = -errno;
        sxs_diag_add(diag, SXS_DIAG_WARN, host_path, -1, "cannot open log: %s", strerror(-e));
        return e;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    an_log_source src = {.size = (uint64_t)st.st_size, .read_at = fd_read_at, .ctx = &fd};
    int rc = stream_source(&src, false, family, tz, cb, ctx, ret_stats, host_path, diag);
    close(fd);
    return rc;
}

typedef struct {
    const uint8_t *data;
    size_t len;
} mem_src;

static long mem_read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
    const mem_src *m = ctx;
    if (off >= m->len)
        return 0;
    size_t n = m->len - (size_t)off < len ? m->len - (size_t)off : len;
    if (n > LONG_MAX)
        n = LONG_MAX;
    memcpy(buf, m->data + off, n);
    return (long)n;
}

int an_log_stream_mem(const uint8_t *data, size_t len, const char *name, an_log_family family,
                      const an_tz *tz, an_log_line_cb cb, void *ctx, an_log_stats *ret_stats,
                      sxs_diag *diag)
{
    if (!data && len > 0)
        return -EINVAL;
    mem_src m = {.data = data, .len = len};
    an_log_source src = {.size = len, .read_at = mem_read_at, .ctx = &m};
    return stream_source(&src, false, family, tz, cb, ctx, ret_stats, name ? name : "memory", diag);
}
