/* fsaccess internal, included only by the island files (fsa_bde.c, fsa_vss.c): a libbfio
 * handle whose reads go to an fsa_yal_read_fn (libtsk underneath), created inside the island
 * so the handle type is the island's own libbfio. Read-only: the write function refuses. */
#ifndef FSA_YAL_BFIO_H
#define FSA_YAL_BFIO_H

#include <errno.h>
#include <limits.h>
#include <libbfio.h>
#include <stdio.h>
#include <string.h>

#include "fsaccess/fsa_yal.h"

typedef struct {
    fsa_yal_read_fn read;
    void *ctx;
    uint64_t size;
    uint64_t pos;
} fsa_yal_io;

static int yal_io_open(intptr_t *h, int flags, libbfio_error_t **e)
{
    (void)h;
    (void)e;
    return (flags & LIBBFIO_ACCESS_FLAG_WRITE) ? -1 : 1; /* never for writing */
}

static int yal_io_close(intptr_t *h, libbfio_error_t **e)
{
    (void)h;
    (void)e;
    return 0;
}

static ssize_t yal_io_read(intptr_t *h, uint8_t *buf, size_t len, libbfio_error_t **e)
{
    (void)e;
    fsa_yal_io *io = (fsa_yal_io *)h;
    if (io->pos >= io->size)
        return 0;
    if (len > io->size - io->pos)
        len = (size_t)(io->size - io->pos);
    if (len > SSIZE_MAX)
        len = SSIZE_MAX;
    if (io->read(io->ctx, io->pos, buf, len) < 0)
        return -1;
    io->pos += len;
    return (ssize_t)len;
}

static ssize_t yal_io_write(intptr_t *h, const uint8_t *buf, size_t len, libbfio_error_t **e)
{
    (void)h;
    (void)buf;
    (void)len;
    (void)e;
    return -1;
}

static off64_t yal_io_seek(intptr_t *h, off64_t off, int whence, libbfio_error_t **e)
{
    (void)e;
    fsa_yal_io *io = (fsa_yal_io *)h;
    int64_t base = whence == SEEK_SET   ? 0
                   : whence == SEEK_CUR ? (int64_t)io->pos
                   : whence == SEEK_END ? (int64_t)io->size
                                        : -1;
    if (base < 0 || (off < 0 && -off > base) || (off > 0 && off > INT64_MAX - base))
        return -1;
    io->pos = (uint64_t)(base + off);
    return (off64_t)io->pos;
}

static int yal_io_yes(intptr_t *h, libbfio_error_t **e)
{
    (void)h;
    (void)e;
    return 1;
}

static int yal_io_size(intptr_t *h, size64_t *size, libbfio_error_t **e)
{
    (void)e;
    *size = ((fsa_yal_io *)h)->size;
    return 1;
}

/* A handle over io (caller-owned, outlives the handle). 0 or -ENOMEM. */
static int fsa_yal_handle(fsa_yal_io *io, libbfio_handle_t **ret)
{
    libbfio_handle_t *h = NULL;
    if (libbfio_handle_initialize(&h, (intptr_t *)io, NULL, NULL, yal_io_open, yal_io_close,
                                  yal_io_read, yal_io_write, yal_io_seek, yal_io_yes, yal_io_yes,
                                  yal_io_size, 0, NULL) != 1)
        return -ENOMEM;
    *ret = h;
    return 0;
}

/* The first line of a libyal error text (the rest is a backtrace). */
static void fsa_yal_first_line(char *s)
{
    char *nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
}

#endif
