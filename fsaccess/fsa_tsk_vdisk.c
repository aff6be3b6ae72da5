/* Virtual disks that libtsk cannot open well by itself: VMDK through libvmdk (libtsk looks the
 * extent up by the file name stored inside the descriptor, which fails once an image was
 * renamed), differencing VHD/VHDX refused by name (libvhdi, parent not available), and a
 * read-only in-memory image for the fuzz harness. The external images are handed to libtsk
 * with tsk_img_open_external, so everything above sees one TSK_IMG_INFO. */
#include <errno.h>
#include <libbfio.h>
#include <libvhdi.h>
#include <libvmdk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsaccess/fsa_tsk.h"

static const char *first_line(char *buf)
{
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? buf : "unknown error";
}

int fsa_tsk_vhd_check(const char *path, sxs_diag *diag)
{
    libvhdi_file_t *f = NULL;
    libvhdi_error_t *e = NULL;
    char eb[512] = "";
    int r = 0;
    if (libvhdi_file_initialize(&f, &e) != 1)
        r = -ENOMEM;
    else if (libvhdi_file_open(f, path, LIBVHDI_OPEN_READ, &e) != 1) {
        if (e)
            libvhdi_error_sprint(e, eb, sizeof(eb));
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: not a readable VHD/VHDX image: %s", path,
                     first_line(eb));
        r = -EINVAL;
    } else {
        uint32_t type = 0;
        if (libvhdi_file_get_disk_type(f, &type, &e) == 1 &&
            type == LIBVHDI_DISK_TYPE_DIFFERENTIAL) {
            uint8_t parent[1024] = "";
            if (libvhdi_file_get_utf8_parent_filename(f, parent, sizeof(parent), &e) != 1)
                snprintf((char *)parent, sizeof(parent), "(name not recorded)");
            parent[sizeof(parent) - 1] = '\0';
            sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1,
                         "%s: differencing VHD: parent %s not available (open a merged or "
                         "full copy of the disk instead)",
                         path, (const char *)parent);
            r = -ENOENT;
        }
        libvhdi_file_close(f, NULL);
    }
    if (e)
        libvhdi_error_free(&e);
    libvhdi_file_free(&f, NULL);
    return r;
}

/* ---- VMDK through libvmdk ---- */

typedef struct {
    TSK_IMG_INFO img; /* first: libtsk treats this struct as its TSK_IMG_INFO */
    libvmdk_handle_t *h;
    libbfio_pool_t *pool;
} vmdk_img;

static ssize_t vmdk_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    vmdk_img *v = (vmdk_img *)img;
    libvmdk_error_t *e = NULL;
    ssize_t n = libvmdk_handle_read_buffer_at_offset(v->h, buf, len, off, &e);
    if (n < 0) {
        char eb[256] = "";
        if (e) {
            libvmdk_error_sprint(e, eb, sizeof(eb));
            libvmdk_error_free(&e);
        }
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("vmdk read at %lld: %s", (long long)off, first_line(eb));
    }
    return n;
}

static void vmdk_destroy(vmdk_img *v)
{
    if (v->h) {
        libvmdk_handle_close(v->h, NULL);
        libvmdk_handle_free(&v->h, NULL);
    }
    if (v->pool)
        libbfio_pool_free(&v->pool, NULL);
    free(v);
}

static void vmdk_close(TSK_IMG_INFO *img)
{
    vmdk_destroy((vmdk_img *)img);
}

static void vmdk_imgstat(TSK_IMG_INFO *img, FILE *out)
{
    fprintf(out, "VMDK (libvmdk), %lld bytes\n", (long long)img->size);
}

/* Monolithic sparse and stream-optimized disks keep their one extent in the file itself:
 * hand libvmdk that file instead of letting it look up the name recorded inside. */
static int open_self_extent(vmdk_img *v, const char *path, libvmdk_error_t **e)
{
    libbfio_handle_t *fh = NULL;
    int entry = 0;
    if (libbfio_pool_initialize(&v->pool, 0, 0, NULL) != 1)
        return -1;
    if (libbfio_file_initialize(&fh, NULL) != 1)
        return -1;
    if (libbfio_file_set_name(fh, path, strlen(path) + 1, NULL) != 1 ||
        libbfio_pool_append_handle(v->pool, &entry, fh, LIBBFIO_OPEN_READ, NULL) != 1) {
        libbfio_handle_free(&fh, NULL);
        return -1;
    }
    return libvmdk_handle_open_extent_data_files_file_io_pool(v->h, v->pool, e);
}

TSK_IMG_INFO *fsa_tsk_vmdk_open(const char *path, sxs_diag *diag)
{
    vmdk_img *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    libvmdk_error_t *e = NULL;
    char eb[512] = "";
    const char *what = NULL;
    int type = 0;
    uint32_t parent_cid = 0xffffffffu;
    size64_t size = 0;
    if (libvmdk_handle_initialize(&v->h, &e) != 1) {
        what = "cannot initialise libvmdk";
    } else if (libvmdk_handle_open(v->h, path, LIBVMDK_OPEN_READ, &e) != 1) {
        what = "not a readable VMDK image";
    } else if (libvmdk_handle_get_disk_type(v->h, &type, &e) != 1) {
        what = "VMDK disk type unreadable";
    } else if (libvmdk_handle_get_parent_content_identifier(v->h, &parent_cid, &e) == 1 &&
               parent_cid != 0xffffffffu) {
        what = "differencing VMDK: its parent disk is not available";
    } else if ((type == LIBVMDK_DISK_TYPE_MONOLITHIC_SPARSE ||
                type == LIBVMDK_DISK_TYPE_STREAM_OPTIMIZED)
                   ? open_self_extent(v, path, &e) != 1
                   : libvmdk_handle_open_extent_data_files(v->h, &e) != 1) {
        what = "VMDK extent files cannot be opened";
    } else if (libvmdk_handle_get_media_size(v->h, &size, &e) != 1 || size == 0) {
        what = "VMDK media size unreadable";
    }
    if (e) {
        libvmdk_error_sprint(e, eb, sizeof(eb));
        libvmdk_error_free(&e);
    }
    if (what) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: %s%s%s", path, what, eb[0] ? ": " : "",
                     eb[0] ? first_line(eb) : "");
        vmdk_destroy(v);
        return NULL;
    }
    TSK_IMG_INFO *img =
        tsk_img_open_external(v, (TSK_OFF_T)size, 512, vmdk_read, vmdk_close, vmdk_imgstat);
    if (!img) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: %s", path, fsa_tsk_errstr());
        vmdk_destroy(v);
    }
    return img;
}

/* ---- a caller-owned buffer as an image ---- */

typedef struct {
    TSK_IMG_INFO img;
    const uint8_t *data;
    size_t len;
} mem_img;

static ssize_t mem_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    mem_img *m = (mem_img *)img;
    if (off < 0 || (uint64_t)off >= m->len)
        return 0;
    size_t n = m->len - (size_t)off;
    if (n > len)
        n = len;
    memcpy(buf, m->data + off, n);
    return (ssize_t)n;
}

static void mem_close(TSK_IMG_INFO *img)
{
    free(img);
}

static void mem_imgstat(TSK_IMG_INFO *img, FILE *out)
{
    fprintf(out, "memory image, %lld bytes\n", (long long)img->size);
}

TSK_IMG_INFO *fsa_tsk_mem_open(const void *data, size_t len)
{
    mem_img *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->data = data;
    m->len = len;
    TSK_IMG_INFO *img =
        tsk_img_open_external(m, (TSK_OFF_T)len, 512, mem_read, mem_close, mem_imgstat);
    if (!img)
        free(m);
    return img;
}
