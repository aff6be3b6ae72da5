/* CbsPersist_*.cab: expands the cabinet with libmspack entirely in memory and streams the log
 * it holds. libmspack talks to files through an mspack_system; ours reads the cabinet through
 * a random-access source (an image file, a host file, bytes) and sends every decompressed block
 * straight into the line reader, so neither a temp file nor the whole expanded log ever exists:
 * memory is libmspack's window (<= 2 MiB for LZX) plus the reader's chunk. The expanded size is
 * capped at SXS_MAX_CAB_OUTPUT. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mspack.h>

#include "analyzer/logs/an_log_internal.h"
#include "common/sxs_limits.h"

/* What our "filenames" point at: libmspack passes them back to open() untouched. */
typedef struct {
    int kind; /* 0 input cabinet, 1 output sink */
    const an_log_source *src;
    an_log_reader *r;
    /* output sink state (outlives the mspack_file, which libmspack closes) */
    uint64_t out_total;
    size_t fill; /* bytes waiting in the reader's chunk buffer */
    int rc;      /* reader's stop value or error, returned after extraction */
    bool over_cap;
} cab_target;

typedef struct {
    struct mspack_file base; /* libmspack only hands this pointer back to us */
    cab_target *t;
    uint64_t pos;
} cab_file;

static struct mspack_file *cab_open(struct mspack_system *self, const char *filename, int mode)
{
    (void)self;
    cab_target *t = (cab_target *)(uintptr_t)filename;
    if (!t || (t->kind == 0 && mode != MSPACK_SYS_OPEN_READ) ||
        (t->kind == 1 && mode != MSPACK_SYS_OPEN_WRITE))
        return NULL;
    cab_file *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->t = t;
    return &f->base;
}

static void cab_close(struct mspack_file *file)
{
    free(file);
}

static int cab_read(struct mspack_file *file, void *buffer, int bytes)
{
    cab_file *f = (cab_file *)file;
    if (f->t->kind != 0 || bytes < 0)
        return -1;
    const an_log_source *src = f->t->src;
    size_t want = (size_t)bytes, got = 0;
    while (got < want && f->pos < src->size) {
        long n = src->read_at(src->ctx, f->pos, (char *)buffer + got, want - got);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
        f->pos += (uint64_t)n;
    }
    return (int)got;
}

static int cab_write(struct mspack_file *file, void *buffer, int bytes)
{
    cab_target *f = ((cab_file *)file)->t;
    if (f->kind != 1 || bytes < 0 || f->rc)
        return -1;
    if ((uint64_t)bytes > SXS_MAX_CAB_OUTPUT - f->out_total) {
        f->over_cap = true;
        return -1;
    }
    f->out_total += (uint64_t)bytes;
    const uint8_t *p = buffer;
    size_t left = (size_t)bytes;
    while (left > 0) {
        size_t cap;
        uint8_t *dst = an_log_reader_buf(f->r, &cap);
        size_t take = cap - f->fill < left ? cap - f->fill : left;
        memcpy(dst + f->fill, p, take);
        f->fill += take;
        p += take;
        left -= take;
        if (f->fill == cap) {
            int rc = an_log_reader_process(f->r, f->fill);
            f->fill = 0;
            if (rc) {
                f->rc = rc; /* stop extraction: the caller got what it wanted */
                return -1;
            }
        }
    }
    return bytes;
}

static int cab_seek(struct mspack_file *file, off_t offset, int mode)
{
    cab_file *f = (cab_file *)file;
    if (f->t->kind != 0)
        return -1;
    int64_t base = mode == MSPACK_SYS_SEEK_START ? 0
                   : mode == MSPACK_SYS_SEEK_CUR ? (int64_t)f->pos
                                                 : (int64_t)f->t->src->size;
    int64_t np = base + (int64_t)offset;
    if (np < 0 || (uint64_t)np > f->t->src->size)
        return -1;
    f->pos = (uint64_t)np;
    return 0;
}

static off_t cab_tell(struct mspack_file *file)
{
    return (off_t)((cab_file *)file)->pos;
}

static void cab_message(struct mspack_file *file, const char *format, ...)
{
    (void)file;
    (void)format; /* libmspack's chatter about the cabinet; its errors come back as codes */
}

static void *cab_alloc(struct mspack_system *self, size_t bytes)
{
    (void)self;
    return malloc(bytes);
}

static void cab_free(void *ptr)
{
    free(ptr);
}

static void cab_copy(void *src, void *dest, size_t bytes)
{
    memmove(dest, src, bytes);
}

static bool ends_with_log(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n >= 4 && strcasecmp(name + n - 4, ".log") == 0;
}

/* libmspack's error codes (mspack.h MSPACK_ERR_*), in words. */
static const char *mspack_error_name(int err)
{
    switch (err) {
    case MSPACK_ERR_ARGS:
        return "bad arguments to libmspack";
    case MSPACK_ERR_OPEN:
        return "cannot open it";
    case MSPACK_ERR_READ:
        return "read error";
    case MSPACK_ERR_WRITE:
        return "write error";
    case MSPACK_ERR_SEEK:
        return "seek error";
    case MSPACK_ERR_NOMEMORY:
        return "out of memory";
    case MSPACK_ERR_SIGNATURE:
        return "no MSCF signature: not a cabinet";
    case MSPACK_ERR_DATAFORMAT:
        return "bad cabinet header or folder data (MSPACK_ERR_DATAFORMAT)";
    case MSPACK_ERR_CHECKSUM:
        return "a data block fails its checksum (MSPACK_ERR_CHECKSUM)";
    case MSPACK_ERR_CRUNCH:
        return "compression error";
    case MSPACK_ERR_DECRUNCH:
        return "compressed data is corrupt (MSPACK_ERR_DECRUNCH)";
    default:
        return "unknown libmspack error";
    }
}

int an_log_stream_cab(const an_log_source *src, an_log_reader *r, const char *name, sxs_diag *diag)
{
    struct mspack_system sys = {
        .open = cab_open,
        .close = cab_close,
        .read = cab_read,
        .write = cab_write,
        .seek = cab_seek,
        .tell = cab_tell,
        .message = cab_message,
        .alloc = cab_alloc,
        .free = cab_free,
        .copy = cab_copy,
        .null_ptr = NULL,
    };
    int err;
    MSPACK_SYS_SELFTEST(err);
    if (err != MSPACK_ERR_OK)
        return -EINVAL;
    struct mscab_decompressor *cabd = mspack_create_cab_decompressor(&sys);
    if (!cabd)
        return -ENOMEM;
    cab_target in = {.kind = 0, .src = src, .r = r};
    cab_target out = {.kind = 1, .src = src, .r = r};
    int ret = 0;
    struct mscabd_cabinet *cab = NULL;
    cab = cabd->open(cabd, (const char *)&in);
    if (!cab) {
        /* an archived log that exists but cannot be read: evidence not seen */
        sxs_diag_add(diag, SXS_DIAG_ERROR, name, -1,
                     "not a readable cabinet: %s; the rules did not read the log in it",
                     mspack_error_name(cabd->last_error(cabd)));
        ret = -EINVAL;
        goto out;
    }
    struct mscabd_file *pick = NULL;
    unsigned nfiles = 0;
    for (struct mscabd_file *f = cab->files; f; f = f->next) {
        nfiles++;
        if (!pick || (!ends_with_log(pick->filename) && ends_with_log(f->filename)))
            pick = f;
    }
    if (!pick) {
        sxs_diag_add(diag, SXS_DIAG_WARN, name, -1, "cabinet holds no file");
        ret = -ENOENT;
        goto out;
    }
    if (nfiles > 1)
        sxs_diag_add(diag, SXS_DIAG_INFO, name, -1, "cabinet holds %u files; reading %s", nfiles,
                     pick->filename ? pick->filename : "?");
    err = cabd->extract(cabd, pick, (const char *)&out);
    if (out.rc) {
        ret = out.rc; /* the callback stopped (or the reader failed): not a cabinet error */
        goto out;
    }
    if (out.fill > 0) {
        ret = an_log_reader_process(r, out.fill);
        if (ret)
            goto out;
    }
    if (out.over_cap)
        sxs_diag_add(diag, SXS_DIAG_WARN, name, -1,
                     "expanded log exceeds %llu bytes; read up to that point",
                     (unsigned long long)SXS_MAX_CAB_OUTPUT);
    else if (err != MSPACK_ERR_OK) {
        const char *why = err == MSPACK_ERR_READ && src->why ? src->why(src->ctx, NULL) : "";
        sxs_diag_add(diag, SXS_DIAG_ERROR, name, -1,
                     "cabinet damaged (%s%s%s) after %llu expanded bytes: the log was read up "
                     "to there; the rules did not see the rest",
                     mspack_error_name(err), why[0] ? ": " : "", why,
                     (unsigned long long)out.out_total);
    }
    ret = an_log_reader_finish(r);
out:
    if (cab)
        cabd->close(cabd, cab);
    mspack_destroy_cab_decompressor(cabd);
    return ret;
}
