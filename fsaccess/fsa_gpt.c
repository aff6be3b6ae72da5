/* GPT header pre-validation (fsa_gpt.h): decides, from the headers libtsk's tsk_vs_gpt_open
 * would read, whether handing the disk to it is safe. Mirrors libtsk 4.11's search order and
 * its own quick refusals, so a header libtsk skips at once is skipped here too, and a header
 * it would walk is checked first. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsaccess/fsa_gpt.h"

#define GPT_SIG 0x5452415020494645ull /* "EFI PART" read little-endian */
#define GPT_HEAD_MIN 92u              /* the UEFI header fields */
#define GPT_ENTRY_MIN 128u

typedef enum { HDR_SKIP, HDR_ACCEPT, HDR_BAD } hdr_result;

typedef struct {
    fsa_gpt_read_fn read;
    void *ctx;
    uint64_t disk_size;
    char *why;
    size_t why_len;
} scan;

static uint64_t get_le(const uint8_t *p, int n, bool big)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[big ? n - 1 - i : i] << (8 * i);
    return v;
}

/* "512.0 GiB": the size a claimed entry array would have. */
static void human(uint64_t bytes, char *out, size_t cap)
{
    static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) {
        snprintf(out, cap, "%llu bytes", (unsigned long long)bytes);
        return;
    }
    double v = (double)bytes / 1024.0;
    int u = 0;
    while (u < 3 && v >= 1024.0) {
        v /= 1024.0;
        u++;
    }
    snprintf(out, cap, "%.1f %s", v, unit[u]);
}

__attribute__((format(printf, 5, 6))) static hdr_result
bad(const scan *s, bool backup, uint64_t lba, unsigned ss, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    char sectors[32] = "";
    if (ss != 512)
        snprintf(sectors, sizeof(sectors), " (%u-byte sectors)", ss);
    snprintf(s->why, s->why_len, "%sGPT header at LBA %llu%s: %s", backup ? "backup " : "",
             (unsigned long long)lba, sectors, what);
    return HDR_BAD;
}

/* libtsk refuses at once (and tries the next location) when the first two used entries start
 * past the disk; anything else it walks entry by entry. */
static hdr_result check_entries(const scan *s, uint64_t lba, uint64_t bytes, uint32_t count,
                                uint32_t esize, unsigned ss, bool big)
{
    if (bytes == 0)
        return HDR_ACCEPT;
    uint8_t *buf = malloc((size_t)bytes);
    if (!buf)
        return HDR_SKIP;
    hdr_result r = HDR_ACCEPT;
    if (s->read(s->ctx, lba * ss, buf, (size_t)bytes) < 0) {
        r = HDR_SKIP; /* libtsk's read fails the same way, at once */
    } else {
        uint64_t max_lba = s->disk_size / ss;
        /* libtsk steps through the array by 128 bytes within each sector; the first two
         * entries are at the same place either way. */
        for (uint32_t i = 0; i < 2 && i < count; i++) {
            uint64_t start = get_le(buf + (size_t)i * GPT_ENTRY_MIN + 32, 8, big);
            if (start != 0 && start > max_lba)
                r = HDR_SKIP;
        }
    }
    (void)esize;
    free(buf);
    return r;
}

static hdr_result check_header(const scan *s, bool backup, unsigned ss)
{
    if (s->disk_size < 2ull * ss)
        return HDR_SKIP;
    uint64_t sectors = s->disk_size / ss;
    uint64_t lba = backup ? sectors - 1 : 1;
    bool big = false;
    uint8_t *h = malloc(ss);
    if (!h)
        return HDR_SKIP;
    hdr_result r = HDR_SKIP;
    if (!backup) {
        /* libtsk wants the protective MBR first and takes its byte order from the MBR magic. */
        if (s->read(s->ctx, 0, h, ss) < 0)
            goto out;
        if (h[510] == 0xAA && h[511] == 0x55)
            big = true;
        else if (!(h[510] == 0x55 && h[511] == 0xAA))
            goto out;
        if (h[446 + 4] != 0xEE)
            goto out;
    }
    if (s->read(s->ctx, lba * ss, h, ss) < 0)
        goto out;
    if (backup && get_le(h, 8, true) == GPT_SIG)
        big = true;
    if (get_le(h, 8, big) != GPT_SIG)
        goto out;
    uint32_t hsize = (uint32_t)get_le(h + 12, 4, big);
    uint64_t elba = get_le(h + 72, 8, big);
    uint32_t count = (uint32_t)get_le(h + 80, 4, big);
    uint32_t esize = (uint32_t)get_le(h + 84, 4, big);
    if (esize < GPT_ENTRY_MIN)
        goto out; /* libtsk refuses this header itself, at once */
    if (hsize < GPT_HEAD_MIN || hsize > ss) {
        r = bad(s, backup, lba, ss, "header size %u bytes is outside %u..%u", hsize, GPT_HEAD_MIN,
                ss);
        goto out;
    }
    if (esize % GPT_ENTRY_MIN) {
        r = bad(s, backup, lba, ss, "partition entry size %u is not a multiple of 128", esize);
        goto out;
    }
    uint64_t bytes = (uint64_t)count * esize;
    if (bytes > FSA_GPT_MAX_ARRAY) {
        char hb[32];
        human(bytes, hb, sizeof(hb));
        r = bad(s, backup, lba, ss,
                "%u partition entries of %u bytes (%s) exceed the 128 KiB limit", count, esize, hb);
        goto out;
    }
    uint64_t nsec = (bytes + ss - 1) / ss;
    if (elba == 0 || elba >= sectors || nsec > sectors - elba) {
        r = bad(s, backup, lba, ss,
                "partition entries at LBA %llu (%llu sectors) lie outside the disk (%llu "
                "sectors)",
                (unsigned long long)elba, (unsigned long long)nsec, (unsigned long long)sectors);
        goto out;
    }
    r = check_entries(s, elba, bytes, count, esize, ss, big);
out:
    free(h);
    return r;
}

int fsa_gpt_precheck(fsa_gpt_read_fn read, void *ctx, uint64_t disk_size, unsigned sector_size,
                     char *why, size_t why_len)
{
    if (!read || !why || why_len == 0)
        return -EINVAL;
    why[0] = '\0';
    scan s = {read, ctx, disk_size, why, why_len};
    /* libtsk's order: the image's sector size, then 512 to 8192, primary before backup. */
    unsigned sizes[6] = {sector_size ? sector_size : 512, 512, 1024, 2048, 4096, 8192};
    for (int backup = 0; backup < 2; backup++)
        for (size_t i = 0; i < 6; i++) {
            if (sizes[i] < 512 || sizes[i] > 65536 || sizes[i] % 512)
                continue;
            hdr_result r = check_header(&s, backup != 0, sizes[i]);
            if (r == HDR_ACCEPT)
                return 1;
            if (r == HDR_BAD)
                return 0;
        }
    return 1;
}

int fsa_gpt_entries(fsa_gpt_read_fn read, void *ctx, unsigned sector_size, fsa_gpt_entry_cb cb,
                    void *cb_ctx)
{
    if (!read || !cb || sector_size < 512 || sector_size > 65536)
        return -EINVAL;
    uint8_t h[GPT_HEAD_MIN];
    if (read(ctx, sector_size, h, sizeof(h)) < 0)
        return -EIO;
    if (get_le(h, 8, false) != GPT_SIG)
        return -EBADMSG;
    uint64_t array_lba = get_le(h + 72, 8, false);
    uint32_t count = (uint32_t)get_le(h + 80, 4, false);
    uint32_t esize = (uint32_t)get_le(h + 84, 4, false);
    if (esize < GPT_ENTRY_MIN || count == 0 || (uint64_t)count * esize > FSA_GPT_MAX_ARRAY ||
        array_lba == 0 || array_lba > UINT64_MAX / sector_size)
        return -EBADMSG;
    size_t len = (size_t)count * esize;
    uint8_t *a = malloc(len);
    if (!a)
        return -ENOMEM;
    int r = read(ctx, array_lba * sector_size, a, len) < 0 ? -EIO : 0;
    for (uint32_t i = 0; r == 0 && i < count; i++) {
        const uint8_t *p = a + (size_t)i * esize;
        static const uint8_t zero[16];
        if (!memcmp(p, zero, 16))
            continue; /* unused entry */
        fsa_gpt_entry e = {.first_lba = get_le(p + 32, 8, false)};
        memcpy(e.type_guid, p, 16);
        memcpy(e.part_guid, p + 16, 16);
        if (cb(&e, cb_ctx))
            break;
    }
    free(a);
    return r;
}
