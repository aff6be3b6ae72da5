/* analyzer internal, included only by the libyal island files (evtx/an_evtx.c, edb/an_edb.c,
 * an_hive.c): a libbfio handle whose reads are ranged fsa_file_read calls on one evidence file,
 * so libevtx, libesedb and libregf read the file in place (no temp copy, no whole-file load).
 * A reader of its own (pread, pdamage, ctx) may stand in for the fsa_file: an_hive.c reads a
 * hive through its view, the source plus the pages the log replay changed. Each island compiles
 * its own copy against its own libbfio. Read-only: opening for writing and writes are refused.
 * The first failed read keeps fsaccess's words for the damage in io->damage. */
#ifndef AN_YAL_FILE_H
#define AN_YAL_FILE_H

#include <errno.h>
#include <libbfio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fsaccess/fsa.h"

typedef struct {
    fsa_file *f;
    uint64_t off, size;
    bool failed;      /* a read of the evidence failed */
    char damage[256]; /* fsaccess's words for it */
    /* When pread is set, reads go to pread(ctx, ...) (bytes read, 0 at the end, negative on
     * error; pdamage(ctx) then says what failed) instead of f. */
    long (*pread)(void *ctx, uint64_t off, void *buf, size_t len);
    const char *(*pdamage)(void *ctx);
    void *ctx;
} an_yal_file_io;

static int an_yal_io_free(intptr_t **h, libbfio_error_t **e)
{
    (void)e;
    *h = NULL; /* the caller owns the an_yal_file_io */
    return 1;
}

static int an_yal_io_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **e)
{
    (void)e;
    *dst = src; /* never asked for: neither library clones its handle */
    return src ? 1 : -1;
}

static int an_yal_io_open(intptr_t *h, int flags, libbfio_error_t **e)
{
    (void)h;
    (void)e;
    return (flags & LIBBFIO_ACCESS_FLAG_WRITE) ? -1 : 1; /* read-only evidence */
}

static int an_yal_io_close(intptr_t *h, libbfio_error_t **e)
{
    (void)h;
    (void)e;
    return 0;
}

static ssize_t an_yal_io_read(intptr_t *h, uint8_t *buf, size_t size, libbfio_error_t **e)
{
    (void)e;
    an_yal_file_io *io = (an_yal_file_io *)h;
    size_t done = 0;
    while (done < size && io->off < io->size) {
        long n = io->pread ? io->pread(io->ctx, io->off, buf + done, size - done)
                           : fsa_file_read(io->f, io->off, buf + done, size - done);
        if (n < 0) {
            if (!io->failed) {
                const char *d = io->pread ? io->pdamage(io->ctx) : fsa_file_damage(io->f, NULL);
                snprintf(io->damage, sizeof(io->damage), "%s",
                         d && d[0] ? d : "the evidence could not be read");
            }
            io->failed = true;
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
        io->off += (uint64_t)n;
    }
    return (ssize_t)done;
}

static ssize_t an_yal_io_write(intptr_t *h, const uint8_t *buf, size_t size, libbfio_error_t **e)
{
    (void)h;
    (void)buf;
    (void)size;
    (void)e;
    return -1; /* never: the evidence is only read */
}

static off64_t an_yal_io_seek(intptr_t *h, off64_t off, int whence, libbfio_error_t **e)
{
    (void)e;
    an_yal_file_io *io = (an_yal_file_io *)h;
    int64_t base = whence == SEEK_SET   ? 0
                   : whence == SEEK_CUR ? (int64_t)io->off
                   : whence == SEEK_END ? (int64_t)io->size
                                        : -1;
    if (base < 0 || (off < 0 && -off > base) || (off > 0 && off > INT64_MAX - base))
        return -1;
    io->off = (uint64_t)(base + off);
    return (off64_t)io->off;
}

static int an_yal_io_yes(intptr_t *h, libbfio_error_t **e)
{
    (void)h;
    (void)e;
    return 1; /* exists, is open */
}

static int an_yal_io_get_size(intptr_t *h, size64_t *ret, libbfio_error_t **e)
{
    (void)e;
    *ret = ((an_yal_file_io *)h)->size;
    return 1;
}

/* A libbfio handle over io (which must outlive it); 1 on success, as libbfio. */
static int an_yal_file_handle(an_yal_file_io *io, libbfio_handle_t **ret_handle)
{
    return libbfio_handle_initialize(ret_handle, (intptr_t *)io, an_yal_io_free, an_yal_io_clone,
                                     an_yal_io_open, an_yal_io_close, an_yal_io_read,
                                     an_yal_io_write, an_yal_io_seek, an_yal_io_yes, an_yal_io_yes,
                                     an_yal_io_get_size, 0, NULL);
}

#endif
