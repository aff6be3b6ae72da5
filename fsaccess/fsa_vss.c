/* Shadow copies (VSS stores) of a volume through libvshadow, read through the caller's read
 * function. Lives in a libyal island (only the fsa_vss_* names are global). */
#include <errno.h>
#include <libvshadow.h>
#include <stdlib.h>
#include <string.h>

#include "fsaccess/fsa_yal.h"
#include "fsaccess/fsa_yal_bfio.h"

/* The VSS identifier at offset 0x1e00 of a volume with shadow copies (libvshadow's
 * documentation of the format: {3808876b-c176-4e48-b7ae-04046e6cc752}, stored LE). */
static const uint8_t vss_identifier[16] = {0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
                                           0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52};
#define VSS_HEADER_OFFSET 0x1e00

int fsa_vss_has_header(fsa_yal_read_fn read, void *ctx)
{
    uint8_t b[16];
    if (read(ctx, VSS_HEADER_OFFSET, b, sizeof(b)) < 0)
        return 0;
    return memcmp(b, vss_identifier, sizeof(b)) == 0;
}

static int store_info(libvshadow_volume_t *v, int i, fsa_vss_store *s, libvshadow_error_t **e)
{
    libvshadow_store_t *st = NULL;
    if (libvshadow_volume_get_store(v, i, &st, e) != 1)
        return -EBADMSG;
    size64_t vsize = 0;
    int blocks = 0;
    int r = 0;
    memset(s, 0, sizeof(*s));
    if (libvshadow_store_get_identifier(st, s->identifier, 16, e) != 1 ||
        libvshadow_store_get_copy_set_identifier(st, s->copy_set_identifier, 16, e) != 1 ||
        libvshadow_store_get_creation_time(st, &s->creation_filetime, e) != 1 ||
        libvshadow_store_get_volume_size(st, &vsize, e) != 1)
        r = -EBADMSG;
    /* the store's own size: its block list's 16 KiB blocks (libvshadow_store_get_size is the
     * size of the volume the store shows, not of what it holds); a damaged list leaves 0 */
    if (r == 0 && (libvshadow_store_get_number_of_blocks(st, &blocks, NULL) != 1 || blocks < 0))
        blocks = 0;
    s->volume_size = vsize;
    s->store_size = (uint64_t)blocks * 16384;
    libvshadow_store_free(&st, NULL);
    return r;
}

int fsa_vss_list(fsa_yal_read_fn read, void *ctx, uint64_t size, fsa_vss_store *out, size_t cap,
                 size_t *ret_n, char *why, size_t why_cap)
{
    fsa_yal_io io = {.read = read, .ctx = ctx, .size = size};
    libbfio_handle_t *h = NULL;
    libvshadow_volume_t *v = NULL;
    libvshadow_error_t *e = NULL;
    int r = -EBADMSG, n = 0;
    why[0] = '\0';
    if (fsa_yal_handle(&io, &h) < 0)
        return -ENOMEM;
    if (libvshadow_volume_initialize(&v, &e) != 1) {
        r = -ENOMEM;
        goto out;
    }
    if (libvshadow_volume_open_file_io_handle(v, h, LIBVSHADOW_OPEN_READ, &e) != 1)
        goto out;
    if (libvshadow_volume_get_number_of_stores(v, &n, &e) != 1 || n < 0)
        goto out;
    for (int i = 0; i < n && (size_t)i < cap; i++) {
        if (store_info(v, i, &out[i], &e) < 0) {
            char eb[256] = "";
            if (e) {
                libvshadow_error_sprint(e, eb, sizeof(eb));
                libvshadow_error_free(&e);
                fsa_yal_first_line(eb);
            }
            snprintf(why, why_cap, "store %d of %d unreadable: %s", i + 1, n, eb);
            goto out;
        }
    }
    *ret_n = (size_t)n;
    r = 0;
out:
    if (e) {
        libvshadow_error_sprint(e, why, why_cap);
        libvshadow_error_free(&e);
        fsa_yal_first_line(why);
    }
    if (v) {
        libvshadow_volume_close(v, NULL);
        libvshadow_volume_free(&v, NULL);
    }
    libbfio_handle_free(&h, NULL);
    return r;
}

/* ---- one store read as a volume ---- */

struct fsa_vss_snap {
    fsa_yal_io io;
    libbfio_handle_t *h;
    libvshadow_volume_t *vol;
    libvshadow_store_t *store;
    uint64_t size;
};

void fsa_vss_snap_close(fsa_vss_snap *s)
{
    if (!s)
        return;
    if (s->store)
        libvshadow_store_free(&s->store, NULL);
    if (s->vol) {
        libvshadow_volume_close(s->vol, NULL);
        libvshadow_volume_free(&s->vol, NULL);
    }
    libbfio_handle_free(&s->h, NULL);
    free(s);
}

int fsa_vss_snap_open(fsa_yal_read_fn read, void *ctx, uint64_t size, unsigned index,
                      fsa_vss_snap **ret, char *why, size_t why_cap)
{
    why[0] = '\0';
    fsa_vss_snap *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->io = (fsa_yal_io){.read = read, .ctx = ctx, .size = size};
    libvshadow_error_t *e = NULL;
    int r = -EBADMSG, n = 0;
    size64_t vsize = 0;
    if (fsa_yal_handle(&s->io, &s->h) < 0 || libvshadow_volume_initialize(&s->vol, &e) != 1) {
        r = -ENOMEM;
        goto fail;
    }
    if (libvshadow_volume_open_file_io_handle(s->vol, s->h, LIBVSHADOW_OPEN_READ, &e) != 1 ||
        libvshadow_volume_get_number_of_stores(s->vol, &n, &e) != 1)
        goto fail;
    if (index < 1 || index > (unsigned)n) {
        snprintf(why, why_cap, "no store %u (the volume has %d)", index, n);
        r = -ENOENT;
        goto fail;
    }
    if (libvshadow_volume_get_store(s->vol, (int)index - 1, &s->store, &e) != 1 ||
        libvshadow_store_get_volume_size(s->store, &vsize, &e) != 1)
        goto fail;
    s->size = vsize;
    *ret = s;
    return 0;
fail:
    if (e) {
        libvshadow_error_sprint(e, why, why_cap);
        libvshadow_error_free(&e);
        fsa_yal_first_line(why);
    }
    fsa_vss_snap_close(s);
    return r;
}

uint64_t fsa_vss_snap_size(const fsa_vss_snap *s)
{
    return s->size;
}

ssize_t fsa_vss_snap_read(fsa_vss_snap *s, uint64_t off, void *buf, size_t len)
{
    if (off >= s->size)
        return 0;
    if (len > s->size - off)
        len = (size_t)(s->size - off);
    if (off > (uint64_t)INT64_MAX)
        return -1;
    return libvshadow_store_read_buffer_at_offset(s->store, buf, len, (off64_t)off, NULL);
}
