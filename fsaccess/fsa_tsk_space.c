/* libtsk backend, free space from the filesystem's own allocation map: the NTFS $Bitmap (one
 * bit per cluster, read through libtsk like any file) and the first FAT of FAT12/16/32 (read
 * from the volume with tsk_fs_read). Both are streamed in SPACE_CHUNK pieces and checked for
 * the damage that would make the count wrong: a short map, the boot sector marked free, FAT
 * reserved entries that are not what every formatter writes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_checked.h"
#include "fsaccess/fsa_tsk.h"

/* Bytes of allocation map read per call: big enough that a 3 MB bitmap (100 GB at 4 KiB
 * clusters) is 48 reads, small enough to live on the heap without notice. */
#define SPACE_CHUNK (64u * 1024u)

/* NTFS $Bitmap is MFT record 6. */
#define NTFS_BITMAP_INUM 6

/* Set bits in the first nbits bits of buf (little-endian bit order, as NTFS stores them). */
static uint64_t count_set_bits(const unsigned char *buf, uint64_t nbits)
{
    uint64_t n = 0, full = nbits / 64, i;
    for (i = 0; i < full; i++) {
        uint64_t w;
        memcpy(&w, buf + i * 8, 8);
        n += (uint64_t)__builtin_popcountll(w);
    }
    for (uint64_t b = full * 64; b < nbits; b++)
        n += (buf[b / 8] >> (b % 8)) & 1u;
    return n;
}

static int ntfs_space(TSK_FS_INFO *tfs, uint64_t *ret_total, uint64_t *ret_free)
{
    uint64_t clusters = (uint64_t)tfs->block_count, csize = tfs->block_size, total;
    if (clusters == 0 || csize == 0 || sxs_mul_u64(clusters, csize, &total))
        return -EBADMSG;
    TSK_FS_FILE *bm = tsk_fs_file_open_meta(tfs, NULL, NTFS_BITMAP_INUM);
    if (!bm || !bm->meta) {
        tsk_fs_file_close(bm);
        return -EIO;
    }
    uint64_t need = (clusters + 7) / 8;
    if (bm->meta->size < 0 || (uint64_t)bm->meta->size < need) {
        tsk_fs_file_close(bm);
        return -EBADMSG; /* fewer bits than clusters */
    }
    unsigned char *buf = malloc(SPACE_CHUNK);
    if (!buf) {
        tsk_fs_file_close(bm);
        return -ENOMEM;
    }
    uint64_t used = 0, off = 0;
    int ret = 0;
    bool first = true;
    while (off < need) {
        size_t len = need - off < SPACE_CHUNK ? (size_t)(need - off) : SPACE_CHUNK;
        ssize_t got =
            tsk_fs_file_read(bm, (TSK_OFF_T)off, (char *)buf, len, TSK_FS_FILE_READ_FLAG_NONE);
        if (got != (ssize_t)len) {
            ret = -EIO;
            break;
        }
        /* Cluster 0 holds the boot sector: a bitmap calling it free is not a bitmap. */
        if (first && !(buf[0] & 1u)) {
            ret = -EBADMSG;
            break;
        }
        first = false;
        uint64_t bits = (uint64_t)len * 8;
        if (off * 8 + bits > clusters)
            bits = clusters - off * 8;
        used += count_set_bits(buf, bits);
        off += len;
    }
    free(buf);
    tsk_fs_file_close(bm);
    if (ret < 0)
        return ret;
    if (used > clusters)
        return -EBADMSG;
    *ret_total = total;
    *ret_free = (clusters - used) * csize;
    return 0;
}

static unsigned le16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool pow2(unsigned v)
{
    return v && !(v & (v - 1));
}

typedef struct {
    unsigned bits;     /* 12, 16, 32 */
    uint64_t fat_off;  /* bytes from the volume start */
    uint64_t fat_size; /* bytes of one FAT */
    uint64_t clusters; /* data clusters (entries 2 .. clusters + 1) */
    uint64_t csize;    /* bytes per cluster */
} fat_geom;

/* The geometry from the BPB (Microsoft's FAT specification: the FAT type follows from the
 * cluster count alone). */
static int fat_geometry(TSK_FS_INFO *tfs, fat_geom *g)
{
    unsigned char bs[512];
    if (tsk_fs_read(tfs, 0, (char *)bs, sizeof(bs)) != (ssize_t)sizeof(bs))
        return -EIO;
    unsigned bps = le16(bs + 11), spc = bs[13], rsvd = le16(bs + 14), nfats = bs[16];
    unsigned rootent = le16(bs + 17);
    uint64_t total = le16(bs + 19) ? le16(bs + 19) : le32(bs + 32);
    uint64_t fatsz = le16(bs + 22) ? le16(bs + 22) : le32(bs + 36);
    if (bps < 512 || bps > 4096 || !pow2(bps) || !pow2(spc) || rsvd == 0 || nfats == 0 ||
        fatsz == 0)
        return -EBADMSG;
    uint64_t rootsec = ((uint64_t)rootent * 32 + bps - 1) / bps;
    uint64_t meta = rsvd + (uint64_t)nfats * fatsz + rootsec;
    if (total <= meta)
        return -EBADMSG;
    g->clusters = (total - meta) / spc;
    g->bits = g->clusters < 4085 ? 12 : g->clusters < 65525 ? 16 : 32;
    g->csize = (uint64_t)bps * spc;
    g->fat_off = (uint64_t)rsvd * bps;
    g->fat_size = fatsz * bps;
    uint64_t need =
        g->bits == 12 ? ((g->clusters + 2) * 3 + 1) / 2 : (g->clusters + 2) * g->bits / 8;
    if (g->clusters == 0 || g->fat_size < need)
        return -EBADMSG; /* the FAT cannot describe every cluster */
    return 0;
}

static uint32_t fat_entry(const unsigned char *fat, unsigned bits, uint64_t n)
{
    if (bits == 32)
        return le32(fat + n * 4) & 0x0FFFFFFFu;
    if (bits == 16)
        return le16(fat + n * 2);
    unsigned v = le16(fat + n * 3 / 2);
    return (n & 1) ? v >> 4 : v & 0xFFFu;
}

/* Entry 0 carries the media byte in its low 8 bits and all ones above; entry 1 is an
 * end-of-chain value. A FAT whose first entries are zero has been wiped. */
static bool fat_reserved_ok(const unsigned char *fat, unsigned bits)
{
    uint32_t mask = bits == 32 ? 0x0FFFFFFFu : bits == 16 ? 0xFFFFu : 0xFFFu;
    uint32_t e0 = fat_entry(fat, bits, 0), e1 = fat_entry(fat, bits, 1);
    return (e0 | 0xFFu) == mask && fat[0] >= 0xF0 && e1 != 0;
}

static int fat_space(TSK_FS_INFO *tfs, uint64_t *ret_total, uint64_t *ret_free)
{
    fat_geom g;
    int r = fat_geometry(tfs, &g);
    if (r < 0)
        return r;
    uint64_t total;
    if (sxs_mul_u64(g.clusters, g.csize, &total))
        return -EBADMSG;
    /* A chunk holds whole entries: 3 bytes hold two FAT12 entries, 4 one FAT32 entry. */
    size_t chunk = g.bits == 12 ? (SPACE_CHUNK / 3) * 3 : SPACE_CHUNK;
    unsigned char *buf = malloc(chunk + 1);
    if (!buf)
        return -ENOMEM;
    uint64_t last = g.clusters + 1, freec = 0, entry = 0;
    uint64_t ent_per_chunk = g.bits == 12 ? chunk / 3 * 2 : chunk * 8 / g.bits;
    int ret = 0;
    while (entry <= last) {
        uint64_t n = last - entry + 1 < ent_per_chunk ? last - entry + 1 : ent_per_chunk;
        uint64_t boff = g.bits == 12 ? entry / 2 * 3 : entry * g.bits / 8;
        size_t len = g.bits == 12 ? (size_t)((n + 1) / 2 * 3) : (size_t)(n * g.bits / 8);
        if (boff + len > g.fat_size)
            len = (size_t)(g.fat_size - boff);
        memset(buf, 0, chunk + 1);
        if (tsk_fs_read(tfs, (TSK_OFF_T)(g.fat_off + boff), (char *)buf, len) != (ssize_t)len) {
            ret = -EIO;
            break;
        }
        if (entry == 0 && !fat_reserved_ok(buf, g.bits)) {
            ret = -EBADMSG;
            break;
        }
        for (uint64_t i = 0; i < n; i++) {
            uint64_t e = entry + i;
            if (e >= 2 && fat_entry(buf, g.bits, i) == 0)
                freec++;
        }
        entry += n;
    }
    free(buf);
    if (ret < 0)
        return ret;
    *ret_total = total;
    *ret_free = freec * g.csize;
    return 0;
}

int fsa_tsk_space(fsa_fs *base, uint64_t *ret_total, uint64_t *ret_free)
{
    fsa_tsk_fs *fs = (fsa_tsk_fs *)base;
    TSK_FS_INFO *tfs = fs->tfs;
    if (TSK_FS_TYPE_ISNTFS(tfs->ftype))
        return ntfs_space(tfs, ret_total, ret_free);
    if (tfs->ftype == TSK_FS_TYPE_FAT12 || tfs->ftype == TSK_FS_TYPE_FAT16 ||
        tfs->ftype == TSK_FS_TYPE_FAT32)
        return fat_space(tfs, ret_total, ret_free);
    return -ENOTSUP;
}
