/* libtsk backend, volume level: the partition table (GPT, MBR with its extended
 * chain) or a bare filesystem, and for each volume what it holds: BitLocker (by
 * its boot sector), a filesystem libtsk reads (with its label), a filesystem we
 * can only name, or nothing. One bad volume never stops the others; what went
 * wrong goes to the diag and the note. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_checked.h"
#include "common/sxs_utf16.h"
#include "fsaccess/fsa_gpt.h"
#include "fsaccess/fsa_tsk.h"

static const char *fs_name(TSK_FS_TYPE_ENUM t)
{
    if (TSK_FS_TYPE_ISNTFS(t))
        return "ntfs";
    if (t == TSK_FS_TYPE_FAT12)
        return "fat12";
    if (t == TSK_FS_TYPE_FAT16)
        return "fat16";
    if (t == TSK_FS_TYPE_FAT32)
        return "fat32";
    if (t == TSK_FS_TYPE_EXFAT)
        return "exfat";
    if (TSK_FS_TYPE_ISEXT(t))
        return "ext";
    if (TSK_FS_TYPE_ISISO9660(t))
        return "iso9660";
    if (TSK_FS_TYPE_ISHFS(t))
        return "hfs";
    if (TSK_FS_TYPE_ISFFS(t))
        return "ufs";
    const char *n = tsk_fs_type_toname(t);
    return n ? n : "unknown";
}

static bool read_at(TSK_IMG_INFO *img, uint64_t off, void *buf, size_t len)
{
    if (off > (uint64_t)INT64_MAX)
        return false;
    return tsk_img_read(img, (TSK_OFF_T)off, buf, len) == (ssize_t)len;
}

/* Filesystems libtsk does not read but a responder should see named (a disk
 * that is "unknown" invites the wrong conclusion). NULL when nothing matches.
 */
static const char *name_unsupported(TSK_IMG_INFO *img, uint64_t off, const uint8_t bs[512])
{
    if (!memcmp(bs, "XFSB", 4))
        return "xfs";
    if (!memcmp(bs, "LUKS\xba\xbe", 6))
        return "luks";
    if (!memcmp(bs + 3, "ReFS\0", 5))
        return "refs";
    uint8_t b[512];
    if (read_at(img, off + 512, b, sizeof(b)) && !memcmp(b, "LABELONE", 8))
        return "lvm2";
    if (read_at(img, off + 0x10000, b, sizeof(b)) && !memcmp(b + 0x40, "_BHRfS_M", 8))
        return "btrfs";
    return NULL;
}

static void trim_copy(const uint8_t *p, size_t n, char *out, size_t cap)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\0'))
        n--;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        out[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    out[k] = '\0';
}

static void ntfs_label(TSK_FS_INFO *tfs, char *out, size_t cap)
{
    TSK_FS_FILE *f = tsk_fs_file_open_meta(tfs, NULL, 3); /* $Volume */
    if (!f) {
        tsk_error_reset();
        return;
    }
    const TSK_FS_ATTR *a = tsk_fs_file_attr_get_type(f, TSK_FS_ATTR_TYPE_NTFS_VNAME, 0, 0);
    uint8_t buf[512];
    if (a && a->size > 0 && a->size <= (TSK_OFF_T)sizeof(buf)) {
        ssize_t n = tsk_fs_attr_read(a, 0, (char *)buf, (size_t)a->size, 0);
        if (n > 0 && sxs_utf16le_to_utf8(buf, (size_t)n / 2, 1, out, cap) < 0)
            out[0] = '\0';
    }
    tsk_error_reset();
    tsk_fs_file_close(f);
}

static void volume_label(TSK_FS_INFO *tfs, uint64_t off, const uint8_t bs[512], char *out,
                         size_t cap)
{
    out[0] = '\0';
    TSK_FS_TYPE_ENUM t = tfs->ftype;
    if (TSK_FS_TYPE_ISNTFS(t)) {
        ntfs_label(tfs, out, cap);
    } else if (t == TSK_FS_TYPE_FAT12 || t == TSK_FS_TYPE_FAT16) {
        trim_copy(bs + 43, 11, out, cap);
    } else if (t == TSK_FS_TYPE_FAT32) {
        trim_copy(bs + 71, 11, out, cap);
    } else if (TSK_FS_TYPE_ISEXT(t)) {
        uint8_t sb[512];
        if (read_at(tfs->img_info, off + 1024, sb, sizeof(sb)))
            trim_copy(sb + 120, 16, out, cap);
    }
    if ((t == TSK_FS_TYPE_FAT12 || t == TSK_FS_TYPE_FAT16 || t == TSK_FS_TYPE_FAT32) &&
        !strcmp(out, "NO NAME"))
        out[0] = '\0';
}

/* The filesystem type a volume's first sectors announce, or TSK_FS_TYPE_UNSUPP.
 * We do not use libtsk's autodetection: it tries every type it knows and some
 * of them (YAFFS2, ISO 9660) read through the whole partition, which on an E01
 * means decompressing all of it (measured: 48 MiB of repeated reads to open a
 * 64 MiB disk). */
static TSK_FS_TYPE_ENUM announced_fs(TSK_IMG_INFO *img, uint64_t off, const uint8_t bs[512])
{
    if (!memcmp(bs + 3, "NTFS    ", 8))
        return TSK_FS_TYPE_NTFS;
    if (!memcmp(bs + 3, "EXFAT   ", 8))
        return TSK_FS_TYPE_EXFAT;
    uint16_t bps = sxs_le16(bs + 11);
    bool boot_sig = bs[510] == 0x55 && bs[511] == 0xAA;
    if (boot_sig && (!memcmp(bs + 54, "FAT", 3) || !memcmp(bs + 82, "FAT32", 5) ||
                     ((bps == 512 || bps == 1024 || bps == 2048 || bps == 4096) && bs[13] != 0 &&
                      (bs[13] & (bs[13] - 1)) == 0 && sxs_le16(bs + 14) != 0 && bs[16] != 0)))
        return TSK_FS_TYPE_FAT_DETECT;
    uint8_t sb[512];
    if (read_at(img, off + 1024, sb, sizeof(sb)) && sxs_le16(sb + 56) == 0xEF53)
        return TSK_FS_TYPE_EXT_DETECT;
    tsk_error_reset();
    return TSK_FS_TYPE_UNSUPP;
}

static TSK_FS_INFO *open_fs(TSK_IMG_INFO *img, const TSK_VS_PART_INFO *part, uint64_t off,
                            const uint8_t bs[512])
{
    TSK_FS_TYPE_ENUM t = announced_fs(img, off, bs);
    if (t == TSK_FS_TYPE_UNSUPP)
        return NULL;
    TSK_FS_INFO *f = part ? tsk_fs_open_vol(part, t) : tsk_fs_open_img(img, (TSK_OFF_T)off, t);
    tsk_error_reset();
    return f;
}

/* A BitLocker volume: unlocked with the key material given (fsa_tsk_layers.c), its
 * filesystem is opened on the decrypted layer as on a clear volume; still locked, it is named
 * with its protectors. Returns as probe_volume. */
static int probe_bitlocker(fsa_evidence *ev, fsa_tsk_ev *tev, uint64_t off, uint64_t size,
                           const char *ptype, sxs_diag *diag)
{
    unsigned idx = (unsigned)ev->nvols;
    TSK_IMG_INFO *img = NULL;
    const char *with = "", *prot = "";
    int u = fsa_tsk_bde_unlock(ev, tev, idx, off, size, diag, &img, &with, &prot);
    if (u < 0)
        return u;
    fsa_fs *fs = NULL;
    const char *name = "bitlocker";
    char label[256] = "", note[96] = "BitLocker-encrypted";
    bool ntfs = false;
    if (u == 0) {
        uint8_t bs[512];
        TSK_FS_INFO *tfs = read_at(img, 0, bs, sizeof(bs)) ? open_fs(img, NULL, 0, bs) : NULL;
        tsk_error_reset();
        snprintf(note, sizeof(note), "BitLocker-encrypted, unlocked with %s", with);
        if (tfs) {
            volume_label(tfs, 0, bs, label, sizeof(label));
            name = fs_name(tfs->ftype);
            ntfs = TSK_FS_TYPE_ISNTFS(tfs->ftype);
            char desc[160];
            snprintf(desc, sizeof(desc), "volume %u (%s on BitLocker at offset %llu)", idx, name,
                     (unsigned long long)off);
            fs = fsa_tsk_fs_new(tev, tfs, desc);
            if (!fs) {
                tsk_fs_close(tfs);
                return -ENOMEM;
            }
        } else if (announced_fs(img, 0, bs) == TSK_FS_TYPE_NTFS) {
            /* the decrypted boot sector says NTFS: the unlock worked, the filesystem is bad */
            name = "unknown";
            sxs_diag_add(diag, SXS_DIAG_WARN, ev->info.path, (int64_t)off,
                         "volume %u at offset %llu: unlocked with %s; its boot sector says NTFS "
                         "but the filesystem inside the BitLocker volume cannot be read (damaged "
                         "or partly encrypted)",
                         idx, (unsigned long long)off, with);
            tsk_error_reset();
        } else {
            name = "unknown";
            sxs_diag_add(diag, SXS_DIAG_WARN, ev->info.path, (int64_t)off,
                         "volume %u at offset %llu: unlocked with %s, but no filesystem "
                         "recognised inside the BitLocker volume",
                         idx, (unsigned long long)off, with);
        }
    }
    int r = fsa_ev_add_volume(ev, off, size, name, label, note, ptype, fs);
    if (r < 0)
        return r;
    fsa_volume_info *v = &ev->vols[ev->nvols - 1];
    v->encryption = "bitlocker";
    v->unlocked_with = with;
    v->protectors = prot;
    if (ntfs)
        r = fsa_tsk_vss_scan(ev, img, 0, (uint64_t)img->size, v, diag);
    return r < 0 ? r : 1;
}

/* Adds one volume after looking at what it holds. Returns 1 when a filesystem
 * (readable or named) or BitLocker was found, 0 when nothing was, negative on a
 * fatal error. With only_if_found, nothing is added when nothing was found
 * (bare-disk probe). */
static int probe_volume(fsa_evidence *ev, fsa_tsk_ev *tev, const TSK_VS_PART_INFO *part,
                        uint64_t off, uint64_t size, const char *ptype, bool only_if_found,
                        sxs_diag *diag)
{
    const char *src = ev->info.path;
    unsigned idx = (unsigned)ev->nvols;
    uint8_t bs[512];
    if (!read_at(tev->img, off, bs, sizeof(bs))) {
        tsk_error_reset();
        if (only_if_found)
            return 0;
        sxs_diag_add(diag, SXS_DIAG_WARN, src, (int64_t)off,
                     "volume %u at offset %llu: boot sector unreadable", idx,
                     (unsigned long long)off);
        return fsa_ev_add_volume(ev, off, size, "unknown", "", "boot sector unreadable", ptype,
                                 NULL);
    }
    if (!memcmp(bs + 3, "-FVE-FS-", 8))
        return probe_bitlocker(ev, tev, off, size, ptype, diag);
    TSK_FS_INFO *tfs = open_fs(tev->img, part, off, bs);
    if (tfs) {
        char label[256];
        volume_label(tfs, off, bs, label, sizeof(label));
        const char *name = fs_name(tfs->ftype);
        char desc[160];
        snprintf(desc, sizeof(desc), "volume %u (%s at offset %llu)", idx, name,
                 (unsigned long long)off);
        fsa_fs *fs = fsa_tsk_fs_new(tev, tfs, desc);
        if (!fs) {
            tsk_fs_close(tfs);
            return -ENOMEM;
        }
        const char *note = strcasestr(ptype, "EFI System") ? "EFI System" : "";
        bool ntfs = TSK_FS_TYPE_ISNTFS(tfs->ftype);
        int r = fsa_ev_add_volume(ev, off, size, name, label, note, ptype, fs);
        if (r == 0 && ntfs)
            r = fsa_tsk_vss_scan(ev, tev->img, off, size, &ev->vols[ev->nvols - 1], diag);
        return r < 0 ? r : 1;
    }
    const char *other = name_unsupported(tev->img, off, bs);
    tsk_error_reset();
    if (other) {
        int r =
            fsa_ev_add_volume(ev, off, size, other, "", "filesystem not supported", ptype, NULL);
        return r < 0 ? r : 1;
    }
    if (only_if_found)
        return 0;
    /* The GPT "Microsoft reserved" partition never holds a filesystem: say what it is rather
     * than leave a responder wondering about an unknown volume. */
    const char *why = strcasestr(ptype, "Microsoft reserved")
                          ? "Microsoft reserved partition (holds no filesystem)"
                          : "no filesystem recognised";
    int r = fsa_ev_add_volume(ev, off, size, "unknown", "", why, ptype, NULL);
    return r < 0 ? r : 0;
}

static int scan_partitions(fsa_evidence *ev, fsa_tsk_ev *tev, sxs_diag *diag)
{
    TSK_VS_INFO *vs = tev->vs;
    for (TSK_PNUM_T i = 0; i < vs->part_count; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
        if (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
            continue; /* table entries and unallocated gaps are not volumes */
        uint64_t start, off, size;
        if (sxs_mul_u64(p->start, vs->block_size, &start) ||
            sxs_add_u64(start, (uint64_t)vs->offset, &off) ||
            sxs_mul_u64(p->len, vs->block_size, &size)) {
            /* name the entry as the table numbers it, not libtsk's slot in its own list */
            if (vs->vstype == TSK_VS_TYPE_GPT)
                sxs_diag_add(diag, SXS_DIAG_WARN, ev->info.path, -1,
                             "GPT partition entry #%d: impossible start or length, skipped",
                             (int)p->slot_num + 1);
            else
                sxs_diag_add(diag, SXS_DIAG_WARN, ev->info.path, -1,
                             "partition table %d entry #%d: impossible start or length, skipped",
                             (int)p->table_num, (int)p->slot_num + 1);
            continue;
        }
        if (off >= ev->info.media_size)
            sxs_diag_add(diag, SXS_DIAG_WARN, ev->info.path, (int64_t)off,
                         "volume %zu at offset %llu starts past the end of the disk (%llu "
                         "bytes): image truncated?",
                         ev->nvols, (unsigned long long)off,
                         (unsigned long long)ev->info.media_size);
        int r = probe_volume(ev, tev, p, off, size, p->desc ? p->desc : "", false, diag);
        if (r == -E2BIG) {
            sxs_diag_add(diag, SXS_DIAG_WARN, ev->info.path, -1,
                         "more than %zu volumes: the rest are not reported", ev->nvols);
            return 0;
        }
        if (r < 0)
            return r;
    }
    return 0;
}

static int gpt_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    return read_at(ctx, off, buf, len) ? 0 : -EIO;
}

typedef struct {
    fsa_evidence *ev;
    size_t first; /* volumes from here on came from this partition table */
    unsigned block_size;
} gpt_match;

static int match_gpt_entry(const fsa_gpt_entry *e, void *vctx)
{
    gpt_match *m = vctx;
    for (size_t i = m->first; i < m->ev->nvols; i++) {
        fsa_volume_info *v = &m->ev->vols[i];
        if (v->offset / m->block_size == e->first_lba && v->offset % m->block_size == 0) {
            v->has_guid = true;
            memcpy(v->part_guid, e->part_guid, 16);
            memcpy(v->type_guid, e->type_guid, 16);
        }
    }
    return 0;
}

/* The identity Windows names partitions by (fsa.h: table, GUIDs, MBR signature): libtsk's
 * partition list does not carry it, so it is read from the table itself. A table we cannot
 * re-read leaves the volumes without it (BCD and MountedDevices then resolve to nothing). */
static void volume_identity(fsa_evidence *ev, fsa_tsk_ev *tev, size_t first)
{
    TSK_VS_INFO *vs = tev->vs;
    if (vs->vstype == TSK_VS_TYPE_GPT) {
        for (size_t i = first; i < ev->nvols; i++)
            ev->vols[i].table = "gpt";
        gpt_match m = {.ev = ev, .first = first, .block_size = vs->block_size};
        if (fsa_gpt_entries(gpt_read, tev->img, vs->block_size, match_gpt_entry, &m) < 0)
            tsk_error_reset();
    } else if (vs->vstype == TSK_VS_TYPE_DOS) {
        uint8_t sig[4];
        bool ok = read_at(tev->img, (uint64_t)vs->offset + 0x1B8, sig, sizeof(sig));
        tsk_error_reset();
        for (size_t i = first; i < ev->nvols; i++) {
            ev->vols[i].table = "mbr";
            ev->vols[i].mbr_signature = ok ? sxs_le32(sig) : 0;
        }
    }
}

/* Without a usable GPT: what libtsk's autodetection tries, minus its GPT step. */
static TSK_VS_INFO *open_vs_without_gpt(TSK_IMG_INFO *img)
{
    static const TSK_VS_TYPE_ENUM types[] = {TSK_VS_TYPE_DOS, TSK_VS_TYPE_BSD, TSK_VS_TYPE_SUN,
                                             TSK_VS_TYPE_MAC};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        TSK_VS_INFO *vs = tsk_vs_open(img, 0, types[i]);
        tsk_error_reset();
        if (vs)
            return vs;
    }
    return NULL;
}

int fsa_tsk_volumes(fsa_evidence *ev, fsa_tsk_ev *tev, const char *path, bool container_known,
                    sxs_diag *diag)
{
    /* libtsk walks whatever entry count a GPT header claims (4 billion took it a minute), so
     * the headers it would read are checked first; a bad one is reported and skipped. */
    char why[320];
    int gpt_ok = fsa_gpt_precheck(gpt_read, tev->img, (uint64_t)tev->img->size,
                                  tev->img->sector_size, why, sizeof(why));
    if (gpt_ok == 0) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "%s; the partition table was not read", why);
        tev->vs = open_vs_without_gpt(tev->img);
    } else {
        /* GPT first, as Windows does: libtsk's autodetection also finds the
         * protective MBR and leaks that candidate's partition list when it drops it.
         */
        tev->vs = tsk_vs_open(tev->img, 0, TSK_VS_TYPE_GPT);
        tsk_error_reset();
        if (!tev->vs)
            tev->vs = tsk_vs_open(tev->img, 0, TSK_VS_TYPE_DETECT);
        tsk_error_reset();
    }
    if (tev->vs) {
        size_t first = ev->nvols;
        int r = scan_partitions(ev, tev, diag);
        if (r == 0)
            volume_identity(ev, tev, first);
        return r;
    }
    int r = probe_volume(ev, tev, NULL, 0, ev->info.media_size, "", true, diag);
    if (r < 0)
        return r;
    if (r == 1)
        return 0;
    if (container_known) {
        sxs_diag_add(diag, SXS_DIAG_WARN, path, 0,
                     "%s: no partition table or filesystem recognised on the %s disk", path,
                     fsa_format_name(ev->info.format));
        return 0;
    }
    sxs_diag_add(diag, SXS_DIAG_ERROR, path, 0,
                 "%s: not a disk image: no partition table or filesystem recognised", path);
    return -EINVAL;
}
