/* VMDK through libvmdk, read-only. Lives in a libyal island (fsaccess/CMakeLists.txt): only
 * the fsa_vmdk_* names are global, so libvmdk and libbfio run on their own libcdata/libfcache/
 * libuna, not on the 2014 copies libewf.so exports (which is what libtsk's own VMDK support,
 * linked against the shared libvmdk, runs on). A sparse disk's own file is handed to libvmdk
 * as its extent: the extent name recorded in the descriptor breaks once the image is renamed. */
#include <errno.h>
#include <libbfio.h>
#include <libvmdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsaccess/fsa_yal.h"

struct fsa_vmdk {
    libvmdk_handle_t *h;
    libbfio_pool_t *pool; /* the extent file of a sparse disk */
    uint64_t size;
};

/* libvmdk's error, first line only (the rest is its call chain); frees it. */
static void reason(libvmdk_error_t **e, char *why, size_t cap)
{
    why[0] = '\0';
    if (*e) {
        if (libvmdk_error_sprint(*e, why, cap) < 0)
            why[0] = '\0';
        libvmdk_error_free(e);
    }
    why[strcspn(why, "\n")] = '\0';
}

/* Monolithic sparse and stream-optimized disks keep their one extent in the file itself. */
static int open_self_extent(fsa_vmdk *d, const char *path, libvmdk_error_t **e)
{
    libbfio_handle_t *fh = NULL;
    int entry = 0;
    if (libbfio_pool_initialize(&d->pool, 0, 0, NULL) != 1)
        return -1;
    if (libbfio_file_initialize(&fh, NULL) != 1)
        return -1;
    if (libbfio_file_set_name(fh, path, strlen(path) + 1, NULL) != 1 ||
        libbfio_pool_append_handle(d->pool, &entry, fh, LIBBFIO_OPEN_READ, NULL) != 1) {
        libbfio_handle_free(&fh, NULL);
        return -1;
    }
    return libvmdk_handle_open_extent_data_files_file_io_pool(d->h, d->pool, e);
}

int fsa_vmdk_open(const char *path, fsa_vmdk **ret, char *why, size_t why_cap)
{
    *ret = NULL;
    why[0] = '\0';
    fsa_vmdk *d = calloc(1, sizeof(*d));
    libvmdk_error_t *e = NULL;
    const char *what = NULL;
    int type = 0, r = -EINVAL;
    uint32_t parent_cid = 0xffffffffu;
    size64_t size = 0;
    if (!d || libvmdk_handle_initialize(&d->h, &e) != 1) {
        what = "cannot initialise libvmdk";
        r = -ENOMEM;
    } else if (libvmdk_handle_open(d->h, path, LIBVMDK_OPEN_READ, &e) != 1) {
        what = "not a readable VMDK image";
    } else if (libvmdk_handle_get_disk_type(d->h, &type, &e) != 1) {
        what = "VMDK disk type unreadable";
    } else if (libvmdk_handle_get_parent_content_identifier(d->h, &parent_cid, &e) == 1 &&
               parent_cid != 0xffffffffu) {
        what = "differencing VMDK: its parent disk is not available";
        r = -ENOENT;
    } else if ((type == LIBVMDK_DISK_TYPE_MONOLITHIC_SPARSE ||
                type == LIBVMDK_DISK_TYPE_STREAM_OPTIMIZED)
                   ? open_self_extent(d, path, &e) != 1
                   : libvmdk_handle_open_extent_data_files(d->h, &e) != 1) {
        what = "VMDK extent files cannot be opened";
    } else if (libvmdk_handle_get_media_size(d->h, &size, &e) != 1 || size == 0) {
        what = "VMDK media size unreadable";
    }
    char rs[512];
    reason(&e, rs, sizeof(rs));
    if (what) {
        snprintf(why, why_cap, "%s%s%s", what, rs[0] ? ": " : "", rs);
        fsa_vmdk_close(d);
        return r;
    }
    d->size = size;
    *ret = d;
    return 0;
}

uint64_t fsa_vmdk_size(const fsa_vmdk *d)
{
    return d->size;
}

ssize_t fsa_vmdk_read(fsa_vmdk *d, uint64_t off, void *buf, size_t len, char *why, size_t why_cap)
{
    why[0] = '\0';
    if (off >= d->size)
        return 0;
    if (len > d->size - off)
        len = (size_t)(d->size - off);
    libvmdk_error_t *e = NULL;
    ssize_t n = libvmdk_handle_read_buffer_at_offset(d->h, buf, len, (off64_t)off, &e);
    reason(&e, why, why_cap);
    if (n < 0 && !why[0])
        snprintf(why, why_cap, "read failed");
    return n;
}

void fsa_vmdk_close(fsa_vmdk *d)
{
    if (!d)
        return;
    if (d->h) {
        libvmdk_handle_close(d->h, NULL);
        libvmdk_handle_free(&d->h, NULL);
    }
    if (d->pool)
        libbfio_pool_free(&d->pool, NULL);
    free(d);
}
