/* libtsk backend, container level: recognises the evidence format by its signature (not by
 * the file name), opens it read-only through libtsk (raw, split raw, EWF, VHD/VHDX) or an
 * external image (VMDK, memory), records segments and media size, then hands over to the
 * volume scan. Formats we cannot read are refused by name. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsaccess/fsa_tsk.h"

const char *fsa_tsk_errstr(void)
{
    const char *s = tsk_error_get();
    return s && *s ? s : "unknown libtsk error";
}

typedef enum {
    SIG_RAW,
    SIG_EWF,
    SIG_VHD,
    SIG_VHDX,
    SIG_VMDK,
    SIG_UNSUPPORTED,
} sig_kind;

static bool has(const uint8_t *buf, size_t len, size_t off, const char *magic, size_t n)
{
    return off + n <= len && memcmp(buf + off, magic, n) == 0;
}

/* Looks at the first and last 512 bytes. For SIG_UNSUPPORTED, *ret_what names the format. */
static sig_kind detect(const uint8_t *head, size_t hlen, const uint8_t *tail, size_t tlen,
                       const char **ret_what)
{
    if (has(head, hlen, 0, "EVF\x09\x0d\x0a\xff\x00", 8))
        return SIG_EWF;
    if (has(head, hlen, 0, "EVF2\x0d\x0a\x81\x00", 8)) {
        *ret_what = "EWF2 (Ex01) image: not supported by this libewf; convert it to E01";
        return SIG_UNSUPPORTED;
    }
    if (has(head, hlen, 0, "LVF\x09\x0d\x0a\xff\x00", 8) ||
        has(head, hlen, 0, "LEF2\x0d\x0a\x81\x00", 8)) {
        *ret_what = "EWF logical evidence file (L01/Lx01): holds files, not a disk image";
        return SIG_UNSUPPORTED;
    }
    if (has(head, hlen, 0, "vhdxfile", 8))
        return SIG_VHDX;
    if (has(head, hlen, 0, "conectix", 8) || has(tail, tlen, 0, "conectix", 8))
        return SIG_VHD;
    if (has(head, hlen, 0, "KDMV", 4) || has(head, hlen, 0, "COWD", 4) ||
        has(head, hlen, 0, "# Disk DescriptorFile", 21))
        return SIG_VMDK;
    if (has(head, hlen, 0, "QFI\xfb", 4)) {
        *ret_what = "QCOW image: not supported; convert it with qemu-img to raw or VHDX";
        return SIG_UNSUPPORTED;
    }
    if (has(head, hlen, 0, "<<< ", 4) && has(head, hlen, 0x40, "\x7f\x10\xda\xbe", 4)) {
        *ret_what = "VirtualBox VDI image: not supported; convert it with qemu-img";
        return SIG_UNSUPPORTED;
    }
    return SIG_RAW;
}

static void tsk_backend_close(fsa_evidence *ev)
{
    fsa_tsk_ev *tev = ev->backend;
    if (!tev)
        return;
    fsa_tsk_vss_free(tev);
    fsa_tsk_dircache_free(tev->dirs);
    if (tev->vs)
        tsk_vs_close(tev->vs);
    for (size_t i = 0; i < tev->nlayers; i++)
        tsk_img_close(tev->layers[i]);
    free(tev->layers);
    if (tev->img)
        tsk_img_close(tev->img);
    free(tev);
    ev->backend = NULL;
}

static int attach_backend(fsa_evidence *ev, fsa_tsk_ev **ret)
{
    fsa_tsk_ev *tev = calloc(1, sizeof(*tev));
    if (!tev)
        return -ENOMEM;
    tev->dirs = fsa_tsk_dircache_new();
    if (!tev->dirs) {
        free(tev);
        return -ENOMEM;
    }
    ev->backend = tev;
    ev->backend_close = tsk_backend_close;
    ev->shadow_fs = fsa_tsk_shadow_fs;
    *ret = tev;
    return 0;
}

/* Size, head and tail of the evidence file or device. */
/* libtsk globs a split raw image (disk.001, disk.002, ...) up to the first number missing and
 * opens the set as if it ended there. A segment after that one that exists reveals the gap:
 * an error naming the missing segment, as for E01. Numeric extensions only (.001, .01). */
#define FSA_SPLIT_LOOKAHEAD 4
static int split_raw_gap(const char *path, int found, sxs_diag *diag)
{
    const char *dot = strrchr(path, '.');
    size_t n = strlen(path);
    if (!dot || found < 1 || dot[1] == '\0' || strchr(dot, '/') ||
        strspn(dot + 1, "0123456789") != strlen(dot + 1) || n - (size_t)(dot + 1 - path) > 6)
        return 0;
    int width = (int)strlen(dot + 1);
    unsigned long first = strtoul(dot + 1, NULL, 10);
    size_t stem = (size_t)(dot + 1 - path);
    char missing[4096], later[4096];
    if (stem + 8 > sizeof(missing))
        return 0;
    unsigned long miss = first + (unsigned long)found;
    snprintf(missing, sizeof(missing), "%.*s%0*lu", (int)stem, path, width, miss);
    for (unsigned long k = miss + 1; k <= miss + FSA_SPLIT_LOOKAHEAD; k++) {
        snprintf(later, sizeof(later), "%.*s%0*lu", (int)stem, path, width, k);
        struct stat st;
        if (strlen(later) == n && stat(later, &st) == 0) {
            sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1,
                         "%s: split raw segment %s is missing (%s is present): the image is "
                         "incomplete",
                         path, missing, later);
            return -ENOENT;
        }
    }
    return 0;
}

static int probe_file(const char *path, const struct stat *st, uint64_t *ret_size,
                      uint8_t head[512], size_t *hlen, uint8_t tail[512], size_t *tlen,
                      sxs_diag *diag)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "cannot open %s: %s", path, strerror(e));
        return -e;
    }
    uint64_t size = (uint64_t)st->st_size;
    if (S_ISBLK(st->st_mode) && ioctl(fd, BLKGETSIZE64, &size) < 0) {
        int e = errno;
        close(fd);
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: cannot get the device size: %s", path,
                     strerror(e));
        return -e;
    }
    ssize_t h = size ? pread(fd, head, 512, 0) : 0;
    ssize_t t = size >= 512 ? pread(fd, tail, 512, (off_t)(size - 512)) : 0;
    int e = errno;
    close(fd);
    if (h < 0 || t < 0) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: read error: %s", path, strerror(e));
        return -e;
    }
    *ret_size = size;
    *hlen = (size_t)h;
    *tlen = (size_t)t;
    return 0;
}

static int finish_open(fsa_evidence *ev, fsa_tsk_ev *tev, TSK_IMG_INFO *img, const char *path,
                       bool container_known, sxs_diag *diag)
{
    tev->img = img;
    ev->info.media_size = (uint64_t)img->size;
    ev->info.sector_size = img->sector_size;
    return fsa_tsk_volumes(ev, tev, path, container_known, diag);
}

int fsa_tsk_open(fsa_evidence *ev, const char *path, const struct stat *st, sxs_diag *diag)
{
    if (!S_ISREG(st->st_mode) && !S_ISBLK(st->st_mode)) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1,
                     "%s: not a disk image, block device or directory", path);
        return -EINVAL;
    }
    uint8_t head[512], tail[512];
    size_t hlen = 0, tlen = 0;
    uint64_t size = 0;
    int r = probe_file(path, st, &size, head, &hlen, tail, &tlen, diag);
    if (r < 0)
        return r;
    if (size == 0) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: empty file (0 bytes): not a disk image",
                     path);
        return -EINVAL;
    }
    const char *what = NULL;
    sig_kind kind = detect(head, hlen, tail, tlen, &what);
    if (kind == SIG_UNSUPPORTED) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: %s", path, what);
        return -ENOTSUP;
    }
    fsa_tsk_ev *tev;
    r = attach_backend(ev, &tev);
    if (r < 0)
        return r;
    TSK_IMG_INFO *img = NULL;
    const char *one[1] = {path};
    switch (kind) {
    case SIG_EWF:
        ev->info.format = FSA_FMT_EWF;
        r = fsa_tsk_ewf_open(ev, path, diag, &img);
        if (r < 0)
            return r;
        break;
    case SIG_VHD:
    case SIG_VHDX:
    case SIG_VMDK:
        ev->info.format = kind == SIG_VHD    ? FSA_FMT_VHD
                          : kind == SIG_VHDX ? FSA_FMT_VHDX
                                             : FSA_FMT_VMDK;
        r = fsa_ev_set_segments(ev, one, 1);
        if (r == 0)
            r = fsa_tsk_vdisk_open(path, kind == SIG_VMDK, diag, &img);
        if (r < 0)
            return r;
        break;
    default:
        ev->info.format = S_ISBLK(st->st_mode) ? FSA_FMT_DEVICE : FSA_FMT_RAW;
        img = tsk_img_open_utf8_sing(path, TSK_IMG_TYPE_RAW, 0);
        if (img && split_raw_gap(path, img->num_img, diag) < 0) {
            tsk_img_close(img);
            return -ENOENT;
        }
        if (img) {
            r = fsa_ev_set_segments(ev, (const char *const *)img->images,
                                    img->num_img > 0 ? (size_t)img->num_img : 0);
            if (r < 0) {
                tsk_img_close(img);
                return r;
            }
            if (img->num_img > 1)
                ev->info.format = FSA_FMT_SPLIT_RAW;
        }
        break;
    }
    if (!img) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s: cannot open the %s image: %s", path,
                     fsa_format_name(ev->info.format), fsa_tsk_errstr());
        return -EINVAL;
    }
    return finish_open(ev, tev, img, path, kind != SIG_RAW || S_ISBLK(st->st_mode), diag);
}

int fsa_open_memory(const void *data, size_t len, const char *name, sxs_diag *diag,
                    fsa_evidence **ret_ev)
{
    if ((!data && len) || !name || !ret_ev)
        return -EINVAL;
    if (len == 0) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, name, -1, "%s: empty (0 bytes): not a disk image", name);
        return -EINVAL;
    }
    fsa_evidence *ev = calloc(1, sizeof(*ev));
    if (!ev)
        return -ENOMEM;
    ev->info.path = fsa_ev_strdup(ev, name);
    ev->info.format = FSA_FMT_RAW;
    const char *one[1] = {name};
    fsa_tsk_ev *tev = NULL;
    int r = ev->info.path ? fsa_ev_set_segments(ev, one, 1) : -ENOMEM;
    if (r == 0)
        r = attach_backend(ev, &tev);
    TSK_IMG_INFO *img = NULL;
    if (r == 0) {
        img = fsa_tsk_mem_open(data, len);
        if (!img)
            r = -ENOMEM;
    }
    if (r == 0)
        r = finish_open(ev, tev, img, name, false, diag);
    if (r == 0)
        r = fsa_find_installs(ev, diag);
    if (r < 0) {
        fsa_close(ev);
        return r;
    }
    *ret_ev = ev;
    return 0;
}
