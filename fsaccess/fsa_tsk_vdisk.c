/* Virtual disks as external libtsk images: VHD, VHDX and VMDK read through the libvhdi/libvmdk
 * island (fsa_vdisk.c), never through libtsk's own VHD/VMDK support, whose shared libvhdi and
 * libvmdk run on libewf's 2014 libcdata/libfcache; and a read-only in-memory image for the
 * fuzz harness. Everything above sees one TSK_IMG_INFO. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsaccess/fsa_tsk.h"
#include "fsaccess/fsa_yal.h"

typedef struct {
    TSK_IMG_INFO img; /* first: libtsk treats this struct as its TSK_IMG_INFO */
    fsa_vhdi *vhd;    /* one of the two */
    fsa_vmdk *vmdk;
} vdisk_img;

static ssize_t vdisk_read(TSK_IMG_INFO *img, TSK_OFF_T off, char *buf, size_t len)
{
    vdisk_img *v = (vdisk_img *)img;
    char why[256] = "negative offset";
    ssize_t n = off < 0  ? -1
                : v->vhd ? fsa_vhdi_read(v->vhd, (uint64_t)off, buf, len, why, sizeof(why))
                         : fsa_vmdk_read(v->vmdk, (uint64_t)off, buf, len, why, sizeof(why));
    if (n < 0) {
        tsk_error_reset();
        tsk_error_set_errno(TSK_ERR_IMG_READ);
        tsk_error_set_errstr("%s read at %lld: %s", v->vhd ? "VHD" : "VMDK", (long long)off, why);
    }
    return n;
}

static void vdisk_free(vdisk_img *v)
{
    fsa_vhdi_close(v->vhd);
    fsa_vmdk_close(v->vmdk);
    free(v);
}

static void vdisk_close(TSK_IMG_INFO *img)
{
    vdisk_free((vdisk_img *)img);
}

static void vdisk_imgstat(TSK_IMG_INFO *img, FILE *out)
{
    vdisk_img *v = (vdisk_img *)img;
    fprintf(out, "%s, %lld bytes\n", v->vhd ? "VHD/VHDX (libvhdi)" : "VMDK (libvmdk)",
            (long long)img->size);
}

int fsa_tsk_vdisk_open(const char *path, bool vmdk, sxs_diag *diag, TSK_IMG_INFO **ret_img)
{
    *ret_img = NULL;
    vdisk_img *v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    char why[1200];
    int r = vmdk ? fsa_vmdk_open(path, &v->vmdk, why, sizeof(why))
                 : fsa_vhdi_open(path, &v->vhd, why, sizeof(why));
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: %s", path, why);
        vdisk_free(v);
        return r;
    }
    uint64_t size = vmdk ? fsa_vmdk_size(v->vmdk) : fsa_vhdi_size(v->vhd);
    TSK_IMG_INFO *img =
        tsk_img_open_external(v, (TSK_OFF_T)size, 512, vdisk_read, vdisk_close, vdisk_imgstat);
    if (!img) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: %s", path, fsa_tsk_errstr());
        vdisk_free(v);
        return -EINVAL;
    }
    *ret_img = img;
    return 0;
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
