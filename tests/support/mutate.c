/* Test support: deterministic damage to copies of sample images (see mutate.h). */
#include "tests/support/mutate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tsk/libtsk.h>
#include <unistd.h>

#include "tests/support/corpus.h"

char *sxs_mut_copy(const char *src, const char *tag)
{
    char *dir = sxs_test_tmpdir(tag);
    const char *base = strrchr(src, '/');
    char *dst = NULL;
    if (asprintf(&dst, "%s/%s", dir, base ? base + 1 : src) < 0)
        dst = NULL;
    free(dir);
    int in = open(src, O_RDONLY), out = dst ? open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    static char buf[1 << 16];
    ssize_t n = 0;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    if (in < 0 || out < 0 || n < 0) {
        free(dst);
        return NULL;
    }
    return dst;
}

void sxs_mut_discard(char *img)
{
    if (!img)
        return;
    unlink(img);
    char *slash = strrchr(img, '/');
    if (slash) {
        *slash = '\0';
        rmdir(img);
    }
    free(img);
}

int sxs_mut_put(const char *img, uint64_t off, const void *data, size_t len)
{
    int fd = open(img, O_WRONLY);
    if (fd < 0)
        return -errno;
    ssize_t n = pwrite(fd, data, len, (off_t)off);
    int e = n == (ssize_t)len ? 0 : -EIO;
    close(fd);
    return e;
}

int sxs_mut_fill(const char *img, uint64_t off, uint8_t byte, size_t len)
{
    uint8_t *b = malloc(len ? len : 1);
    if (!b)
        return -ENOMEM;
    memset(b, byte, len);
    int r = sxs_mut_put(img, off, b, len);
    free(b);
    return r;
}

static int get(const char *img, uint64_t off, void *buf, size_t len)
{
    int fd = open(img, O_RDONLY);
    if (fd < 0)
        return -errno;
    ssize_t n = pread(fd, buf, len, (off_t)off);
    close(fd);
    return n == (ssize_t)len ? 0 : -EIO;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Image offset of byte off of attribute a's data, from its runs. */
static int64_t run_offset(const TSK_FS_ATTR *a, uint64_t vol_off, uint64_t off)
{
    if (!a || !(a->flags & TSK_FS_ATTR_NONRES))
        return -1;
    uint64_t bs = a->fs_file->fs_info->block_size, blk = off / bs;
    for (const TSK_FS_ATTR_RUN *r = a->nrd.run; r; r = r->next)
        if (blk >= r->offset && blk - r->offset < r->len)
            return (int64_t)(vol_off + (r->addr + blk - r->offset) * bs + off % bs);
    return -1;
}

typedef struct {
    TSK_IMG_INFO *img;
    TSK_FS_INFO *fs;
    uint64_t vol_off;
} opened;

static void close_all(opened *o)
{
    if (o->fs)
        tsk_fs_close(o->fs);
    if (o->img)
        tsk_img_close(o->img);
    tsk_error_reset();
}

/* path's MFT record number on the NTFS volume at vol_off, from sleuthkit's ifind (libtsk's own
 * path lookup leaks on NTFS in the packaged version; the tool's leaks do not matter). */
static int ifind(const char *img, uint64_t vol_off, const char *path, uint64_t *ret_inode)
{
    char sectors[32];
    snprintf(sectors, sizeof(sectors), "%llu", (unsigned long long)(vol_off / 512));
    char *argv[] = {"/usr/bin/ifind", "-o", sectors, "-n", (char *)path, (char *)img, NULL};
    char *out = NULL;
    int rc = sxs_run(argv, &out, NULL, NULL);
    char *end = NULL;
    unsigned long long v = out ? strtoull(out, &end, 10) : 0;
    bool ok = rc == 0 && end && end != out && (*end == '\n' || *end == '\0');
    free(out);
    if (!ok)
        return -ENOENT;
    *ret_inode = v;
    return 0;
}

/* Start offsets of the partitions (GPT or MBR primary; the whole image when neither), read
 * here: libtsk's volume-system open leaks in the packaged version. Returns how many. */
static size_t partitions(const char *img, uint64_t *starts, size_t cap)
{
    uint8_t s[512];
    size_t n = 0;
    if (get(img, 0, s, sizeof(s)) != 0 || s[510] != 0x55 || s[511] != 0xAA) {
        starts[0] = 0;
        return 1;
    }
    if (s[446 + 4] == 0xEE) { /* protective MBR: GPT entries from LBA 2, 128 bytes each */
        uint8_t hdr[512], e[128];
        if (get(img, 512, hdr, sizeof(hdr)) != 0 || memcmp(hdr, "EFI PART", 8) != 0)
            return 0;
        uint64_t lba = le64(hdr + 72);
        uint32_t count = le32(hdr + 80), size = le32(hdr + 84);
        for (uint32_t i = 0; i < count && i < 128 && n < cap && size >= 128; i++) {
            if (get(img, lba * 512 + (uint64_t)i * size, e, sizeof(e)) != 0)
                break;
            uint64_t first = le64(e + 32);
            if (first)
                starts[n++] = first * 512;
        }
        return n;
    }
    for (int i = 0; i < 4 && n < cap; i++) {
        uint32_t first = le32(s + 446 + 16 * i + 8);
        if (s[446 + 16 * i + 4] && first)
            starts[n++] = (uint64_t)first * 512;
    }
    return n;
}

/* Opens the first NTFS volume holding path. */
static int open_ntfs(const char *img, const char *path, opened *o, uint64_t *ret_inode)
{
    memset(o, 0, sizeof(*o));
    o->img = tsk_img_open_sing(img, TSK_IMG_TYPE_RAW, 0);
    if (!o->img)
        return -EIO;
    uint64_t starts[128];
    size_t n = partitions(img, starts, 128);
    for (size_t i = 0; i < n; i++) {
        TSK_FS_INFO *fs = tsk_fs_open_img(o->img, (TSK_OFF_T)starts[i], TSK_FS_TYPE_NTFS);
        if (!fs) {
            tsk_error_reset();
            continue;
        }
        if (ifind(img, starts[i], path, ret_inode) == 0) {
            o->fs = fs;
            o->vol_off = starts[i];
            return 0;
        }
        tsk_fs_close(fs);
    }
    close_all(o);
    return -ENOENT;
}

static int64_t record_offset(opened *o, uint32_t rec_size, uint64_t inode)
{
    TSK_FS_FILE *mft = tsk_fs_file_open_meta(o->fs, NULL, 0);
    if (!mft)
        return -1;
    int64_t at = run_offset(tsk_fs_file_attr_get_type(mft, TSK_FS_ATTR_TYPE_NTFS_DATA, 0, 0),
                            o->vol_off, inode * rec_size);
    tsk_fs_file_close(mft);
    return at;
}

int sxs_ntfs_find(const char *img, const char *path, sxs_ntfs_file *ret)
{
    opened o;
    uint64_t inode = 0;
    int r = open_ntfs(img, path, &o, &inode);
    if (r < 0)
        return r;
    uint8_t boot[512];
    TSK_FS_FILE *f = tsk_fs_file_open_meta(o.fs, NULL, inode);
    r = -EIO;
    if (f && f->meta && get(img, o.vol_off, boot, sizeof(boot)) == 0) {
        int8_t c = (int8_t)boot[0x40];
        ret->vol_off = o.vol_off;
        ret->cluster = o.fs->block_size;
        ret->rec_size = c > 0 ? (uint32_t)c * o.fs->block_size : 1u << -c;
        ret->inode = f->meta->addr;
        ret->rec_off = record_offset(&o, ret->rec_size, ret->inode);
        r = ret->rec_off >= 0 ? 0 : -EIO;
    }
    if (f)
        tsk_fs_file_close(f);
    close_all(&o);
    return r;
}

int64_t sxs_ntfs_attr_data(const char *img, const sxs_ntfs_file *f, uint32_t type, const char *name,
                           uint64_t file_off)
{
    opened o = {0};
    o.img = tsk_img_open_sing(img, TSK_IMG_TYPE_RAW, 0);
    o.fs = o.img ? tsk_fs_open_img(o.img, (TSK_OFF_T)f->vol_off, TSK_FS_TYPE_NTFS) : NULL;
    int64_t at = -1;
    TSK_FS_FILE *file = o.fs ? tsk_fs_file_open_meta(o.fs, NULL, f->inode) : NULL;
    for (int i = 0; file && i < tsk_fs_file_attr_getsize(file); i++) {
        const TSK_FS_ATTR *a = tsk_fs_file_attr_get_idx(file, i);
        if (a && (uint32_t)a->type == type && !strcmp(a->name ? a->name : "", name)) {
            at = run_offset(a, f->vol_off, file_off);
            break;
        }
    }
    if (file)
        tsk_fs_file_close(file);
    close_all(&o);
    return at;
}

static bool name_is(const uint8_t *rec, size_t pos, const char *name)
{
    size_t n = rec[pos + 9], off = le16(rec + pos + 10);
    if (n != strlen(name))
        return false;
    for (size_t i = 0; i < n; i++)
        if (le16(rec + pos + off + 2 * i) != (uint8_t)name[i])
            return false;
    return true;
}

/* Offset in rec of the attribute record type/name, or -1. */
static int64_t find_in_record(const uint8_t *rec, uint32_t rec_size, uint32_t type,
                              const char *name)
{
    size_t pos = le16(rec + 0x14);
    while (pos + 16 <= rec_size) {
        uint32_t t = le32(rec + pos), len = le32(rec + pos + 4);
        if (t == 0xFFFFFFFFu || len < 16 || pos + len > rec_size)
            return -1;
        if (t == type && name_is(rec, pos, name))
            return (int64_t)pos;
        pos += len;
    }
    return -1;
}

int64_t sxs_ntfs_attr_record(const char *img, const sxs_ntfs_file *f, uint32_t type,
                             const char *name)
{
    uint8_t *rec = malloc(f->rec_size);
    if (!rec || get(img, (uint64_t)f->rec_off, rec, f->rec_size) != 0) {
        free(rec);
        return -1;
    }
    int64_t at = find_in_record(rec, f->rec_size, type, name);
    if (at >= 0) {
        free(rec);
        return f->rec_off + at;
    }
    /* Not in the base record: $ATTRIBUTE_LIST names the extension record holding it. */
    opened o = {0};
    o.img = tsk_img_open_sing(img, TSK_IMG_TYPE_RAW, 0);
    o.fs = o.img ? tsk_fs_open_img(o.img, (TSK_OFF_T)f->vol_off, TSK_FS_TYPE_NTFS) : NULL;
    o.vol_off = f->vol_off;
    TSK_FS_FILE *file = o.fs ? tsk_fs_file_open_meta(o.fs, NULL, f->inode) : NULL;
    const TSK_FS_ATTR *al =
        file ? tsk_fs_file_attr_get_type(file, TSK_FS_ATTR_TYPE_NTFS_ATTRLIST, 0, 0) : NULL;
    uint8_t list[4096];
    ssize_t n = al && al->size <= (TSK_OFF_T)sizeof(list)
                    ? tsk_fs_attr_read(al, 0, (char *)list, (size_t)al->size, 0)
                    : -1;
    for (ssize_t p = 0; n > 0 && p + 26 <= n && at < 0;) {
        uint16_t len = le16(list + p + 4);
        if (len < 26)
            break;
        uint64_t ref = le64(list + p + 16) & 0xFFFFFFFFFFFFull;
        size_t nlen = list[p + 6], noff = list[p + 7];
        bool same = le32(list + p) == type && nlen == strlen(name);
        for (size_t i = 0; same && i < nlen; i++)
            same = le16(list + p + noff + 2 * i) == (uint8_t)name[i];
        int64_t ro = same ? record_offset(&o, f->rec_size, ref) : -1;
        if (ro >= 0 && get(img, (uint64_t)ro, rec, f->rec_size) == 0) {
            int64_t in = find_in_record(rec, f->rec_size, type, name);
            at = in >= 0 ? ro + in : -1;
        }
        p += len;
    }
    if (file)
        tsk_fs_file_close(file);
    close_all(&o);
    free(rec);
    return at;
}

int sxs_mut_tear_block(const char *img, int64_t off)
{
    if (off < 0)
        return -EINVAL;
    static const uint8_t junk[2] = {0xDE, 0xAD};
    return sxs_mut_put(img, (uint64_t)off + 510, junk, 2);
}

int sxs_mut_tear_record(const char *img, int64_t rec_off)
{
    return sxs_mut_tear_block(img, rec_off);
}

int sxs_mut_run_past_volume(const char *img, int64_t attr_off)
{
    uint8_t a[1024];
    if (attr_off < 0 || get(img, (uint64_t)attr_off, a, 16) != 0)
        return -EINVAL;
    uint32_t len = le32(a + 4);
    if (len > sizeof(a) || len < 0x48 || a[8] != 1 || get(img, (uint64_t)attr_off, a, len) != 0)
        return -EINVAL; /* not a non-resident attribute record */
    size_t ro = le16(a + 0x20);
    /* Total clusters of the old runs, kept so the sizes stay consistent. */
    uint64_t clusters = 0;
    for (size_t p = ro; p < len && a[p];) {
        unsigned ln = a[p] & 0xF, on = a[p] >> 4;
        if (p + 1 + ln + on > len || ln > 8)
            return -EINVAL;
        uint64_t l = 0;
        for (unsigned i = 0; i < ln; i++)
            l |= (uint64_t)a[p + 1 + i] << (8 * i);
        clusters += l;
        p += 1 + ln + on;
    }
    if (clusters == 0 || clusters > 0xFFFF || ro + 7 > len)
        return -EINVAL;
    const uint8_t run[7] = {0x32, (uint8_t)clusters, (uint8_t)(clusters >> 8), 0xFF, 0xFF, 0x7F,
                            0x00};
    return sxs_mut_put(img, (uint64_t)attr_off + ro, run, sizeof(run));
}

int sxs_mut_zero_resident(const char *img, int64_t attr_off)
{
    uint8_t a[24];
    if (attr_off < 0 || get(img, (uint64_t)attr_off, a, sizeof(a)) != 0 || a[8] != 0)
        return -EINVAL;
    return sxs_mut_fill(img, (uint64_t)attr_off + le16(a + 0x14), 0, le32(a + 0x10));
}

int sxs_mut_hive_key(const char *hive, const char *key_name, size_t field_off, uint32_t value)
{
    size_t len = 0;
    char *b = sxs_slurp(hive, &len);
    if (!b)
        return -EIO;
    size_t nl = strlen(key_name);
    int r = -ENOENT;
    for (size_t i = 4096; i + 76 + nl <= len; i += 2) {
        const uint8_t *nk = (const uint8_t *)b + i;
        if (nk[0] != 'n' || nk[1] != 'k' || le16(nk + 72) != nl || memcmp(nk + 76, key_name, nl))
            continue;
        uint8_t v[4] = {(uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
                        (uint8_t)(value >> 24)};
        r = sxs_mut_put(hive, i + field_off, v, 4);
        break;
    }
    free(b);
    return r;
}

int sxs_ewf_chunk(const char *e01, uint64_t chunk, uint64_t *ret_off, uint64_t *ret_len)
{
    uint8_t d[76];
    /* EWF v1: 13-byte file header, then sections of a 76-byte descriptor (type[16], next
     * offset, size) each; a table section: entry count at +76, base offset at +84, entries
     * (u32, high bit = compressed) at +100. A chunk ends where the next one starts, the last
     * one where the table section does. */
    for (uint64_t off = 13, guard = 0; guard < 4096; guard++) {
        if (get(e01, off, d, sizeof(d)) != 0)
            return -EIO;
        uint64_t next = le64(d + 16);
        if (memcmp(d, "table", 6) == 0) {
            uint8_t h[24], e[8];
            if (get(e01, off + 76, h, sizeof(h)) != 0)
                return -EIO;
            uint32_t n = le32(h);
            uint64_t base = le64(h + 8);
            if (chunk >= n || get(e01, off + 100 + 4 * chunk, e, 8) != 0)
                return -EINVAL;
            uint64_t start = base + (le32(e) & 0x7FFFFFFFu);
            uint64_t end = chunk + 1 < n ? base + (le32(e + 4) & 0x7FFFFFFFu) : off;
            if (end <= start)
                return -EINVAL;
            *ret_off = start;
            *ret_len = end - start;
            return 0;
        }
        if (next <= off)
            return -ENOENT;
        off = next;
    }
    return -ENOENT;
}
