/* VHD and VHDX through libvhdi, read-only. Lives in a libyal island (fsaccess/CMakeLists.txt):
 * only the fsa_vhdi_* names are global, so libvhdi runs on its own libcdata/libfcache/libuna
 * and libbfio, not on the 2014 copies libewf.so exports (which is what libtsk's own VHD
 * support, linked against the shared libvhdi, runs on). libvhdi opens a differencing disk and
 * fails only on reads, so differencing disks are refused here by name. */
#include <errno.h>
#include <libvhdi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsaccess/fsa_yal.h"

struct fsa_vhdi {
    libvhdi_file_t *f;
    uint64_t size;
};

/* libvhdi's error, first line only (the rest is its call chain); frees it. */
static void reason(libvhdi_error_t **e, char *why, size_t cap)
{
    why[0] = '\0';
    if (*e) {
        if (libvhdi_error_sprint(*e, why, cap) < 0)
            why[0] = '\0';
        libvhdi_error_free(e);
    }
    why[strcspn(why, "\n")] = '\0';
}

/* "what: reason", or "what" when libvhdi gave no reason. */
static void say(char *why, size_t cap, const char *what, const char *r)
{
    snprintf(why, cap, "%s%s%s", what, r[0] ? ": " : "", r);
}

int fsa_vhdi_open(const char *path, fsa_vhdi **ret, char *why, size_t why_cap)
{
    *ret = NULL;
    why[0] = '\0';
    fsa_vhdi *d = calloc(1, sizeof(*d));
    libvhdi_error_t *e = NULL;
    char rs[512];
    int r = 0;
    uint32_t type = 0;
    size64_t size = 0;
    if (!d || libvhdi_file_initialize(&d->f, &e) != 1) {
        reason(&e, rs, sizeof(rs));
        say(why, why_cap, "cannot initialise libvhdi", rs);
        r = -ENOMEM;
    } else if (libvhdi_file_open(d->f, path, LIBVHDI_OPEN_READ, &e) != 1) {
        reason(&e, rs, sizeof(rs));
        say(why, why_cap, "not a readable VHD/VHDX image", rs);
        r = -EINVAL;
    } else if (libvhdi_file_get_disk_type(d->f, &type, &e) == 1 &&
               type == LIBVHDI_DISK_TYPE_DIFFERENTIAL) {
        uint8_t parent[1024] = "";
        if (libvhdi_file_get_utf8_parent_filename(d->f, parent, sizeof(parent), &e) != 1)
            snprintf((char *)parent, sizeof(parent), "(name not recorded)");
        parent[sizeof(parent) - 1] = '\0';
        snprintf(why, why_cap,
                 "differencing VHD: parent %s not available (open a merged or full copy of the "
                 "disk instead)",
                 (const char *)parent);
        r = -ENOENT;
    } else if (libvhdi_file_get_media_size(d->f, &size, &e) != 1 || size == 0) {
        reason(&e, rs, sizeof(rs));
        say(why, why_cap, "VHD/VHDX media size unreadable", rs);
        r = -EINVAL;
    }
    reason(&e, rs, sizeof(rs)); /* frees what a tolerated call left */
    if (r < 0) {
        fsa_vhdi_close(d);
        return r;
    }
    d->size = size;
    *ret = d;
    return 0;
}

uint64_t fsa_vhdi_size(const fsa_vhdi *d)
{
    return d->size;
}

ssize_t fsa_vhdi_read(fsa_vhdi *d, uint64_t off, void *buf, size_t len, char *why, size_t why_cap)
{
    why[0] = '\0';
    if (off >= d->size)
        return 0;
    if (len > d->size - off)
        len = (size_t)(d->size - off);
    libvhdi_error_t *e = NULL;
    ssize_t n = libvhdi_file_read_buffer_at_offset(d->f, buf, len, (off64_t)off, &e);
    reason(&e, why, why_cap);
    if (n < 0 && !why[0])
        snprintf(why, why_cap, "read failed");
    return n;
}

void fsa_vhdi_close(fsa_vhdi *d)
{
    if (!d)
        return;
    if (d->f) {
        libvhdi_file_close(d->f, NULL);
        libvhdi_file_free(&d->f, NULL);
    }
    free(d);
}
