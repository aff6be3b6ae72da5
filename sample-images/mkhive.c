/* mkhive: writes a minimal regf hive by hand and fills it through hivex (see mkhive.h).
 * Layout of the minimal hive: a 4096-byte base block, then one 4096-byte hbin holding the
 * root "nk" cell, one "sk" cell (hivex copies the parent's security cell into every key it
 * adds, so the root needs a valid one) and a free cell for the rest. */
#include "sample-images/mkhive.h"
#include "sample-images/mki_le.h"

#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    BASE_BLOCK_SIZE = 4096,
    HBIN_SIZE = 4096,
    HBIN_HEADER_SIZE = 32,
    CHECKSUM_OFFSET = 508,
    KEY_HIVE_ENTRY = 0x0004,
    KEY_NO_DELETE = 0x0008,
    KEY_COMP_NAME = 0x0020,
    MAX_KEY_DEPTH = 512, /* registry limit on key nesting */
};

struct mkhive {
    hive_h *h;
    char *path;
    size_t max_value_len;
};

/* Version 1.4+ hives store values over this size as "db" big-data lists, which hivex does not
 * write; such hives are marked 1.3, where one big cell is the valid layout (libregf and
 * Windows read both). */
#define BIG_DATA_THRESHOLD 16344u

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* XOR of the first 127 dwords; 0 and ~0 are reserved values Windows maps away. */
static uint32_t base_block_checksum(const uint8_t *bb)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < CHECKSUM_OFFSET; i += 4)
        sum ^= get32(bb + i);
    if (sum == 0xFFFFFFFFu)
        sum = 0xFFFFFFFEu;
    else if (sum == 0)
        sum = 1;
    return sum;
}

/* 2024-01-01 00:00:00 UTC as FILETIME: fixed so that built images are reproducible. */
static const uint64_t FIXED_FILETIME = 133485408000000000ull;

/* A self-relative security descriptor: owner Administrators, group SYSTEM, DACL granting
 * Everyone KEY_ALL_ACCESS (inherited by subkeys). */
static size_t write_security_descriptor(uint8_t *sd)
{
    static const uint8_t admins[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0};
    static const uint8_t system[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    static const uint8_t everyone[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    sd[0] = 1;                 /* revision */
    mki_put16(sd + 2, 0x8004); /* SE_SELF_RELATIVE | SE_DACL_PRESENT */
    mki_put32(sd + 4, 20);     /* owner */
    mki_put32(sd + 8, 36);     /* group */
    mki_put32(sd + 12, 0);     /* no SACL */
    mki_put32(sd + 16, 48);    /* DACL */
    memcpy(sd + 20, admins, 16);
    memcpy(sd + 36, system, 12);
    uint8_t *acl = sd + 48;
    acl[0] = 2;                 /* ACL revision */
    mki_put16(acl + 2, 8 + 20); /* ACL size */
    mki_put16(acl + 4, 1);      /* one ACE */
    uint8_t *ace = acl + 8;
    ace[0] = 0;    /* ACCESS_ALLOWED_ACE_TYPE */
    ace[1] = 0x02; /* CONTAINER_INHERIT_ACE */
    mki_put16(ace + 2, 20);
    mki_put32(ace + 4, 0x000F003F); /* KEY_ALL_ACCESS */
    memcpy(ace + 8, everyone, 12);
    return 76;
}

int mkhive_create(const char *path)
{
    if (!path)
        return -EINVAL;
    uint8_t *buf = calloc(1, BASE_BLOCK_SIZE + HBIN_SIZE);
    if (!buf)
        return -ENOMEM;

    /* hbin header; cell offsets below are relative to the first hbin. */
    uint8_t *hbin = buf + BASE_BLOCK_SIZE;
    memcpy(hbin, "hbin", 4);
    mki_put32(hbin + 4, 0);
    mki_put32(hbin + 8, HBIN_SIZE);
    mki_put64(hbin + 20, FIXED_FILETIME);

    static const char root_name[] = "ROOT";
    const uint32_t nk_off = HBIN_HEADER_SIZE;
    const uint32_t nk_size = 88; /* 4 size + 76 fixed + 4 name, rounded to 8 */
    const uint32_t sk_off = nk_off + nk_size;
    const uint32_t sk_size = 104; /* 4 size + 20 header + 76 descriptor, rounded to 8 */
    const uint32_t free_off = sk_off + sk_size;

    uint8_t *cell = hbin + nk_off;
    mki_put32(cell, (uint32_t) - (int32_t)nk_size); /* negative size: allocated */
    uint8_t *nk = cell + 4;
    memcpy(nk, "nk", 2);
    mki_put16(nk + 2, KEY_HIVE_ENTRY | KEY_NO_DELETE | KEY_COMP_NAME);
    mki_put64(nk + 4, FIXED_FILETIME);
    mki_put32(nk + 16, 0xFFFFFFFFu); /* parent: none */
    mki_put32(nk + 28, 0xFFFFFFFFu); /* subkey list */
    mki_put32(nk + 32, 0xFFFFFFFFu); /* volatile subkey list */
    mki_put32(nk + 40, 0xFFFFFFFFu); /* value list */
    mki_put32(nk + 44, sk_off);
    mki_put32(nk + 48, 0xFFFFFFFFu); /* class name */
    mki_put16(nk + 72, (uint16_t)(sizeof root_name - 1));
    memcpy(nk + 76, root_name, sizeof root_name - 1);

    cell = hbin + sk_off;
    mki_put32(cell, (uint32_t) - (int32_t)sk_size);
    uint8_t *sk = cell + 4;
    memcpy(sk, "sk", 2);
    mki_put32(sk + 4, sk_off); /* the only sk: its list links point at itself */
    mki_put32(sk + 8, sk_off);
    mki_put32(sk + 12, 1); /* reference count: the root */
    mki_put32(sk + 16, (uint32_t)write_security_descriptor(sk + 20));

    mki_put32(hbin + free_off, HBIN_SIZE - free_off); /* positive size: free */

    uint8_t *bb = buf;
    memcpy(bb, "regf", 4);
    mki_put32(bb + 4, 1); /* primary sequence number */
    mki_put32(bb + 8, 1); /* secondary: equal means clean */
    mki_put64(bb + 12, FIXED_FILETIME);
    mki_put32(bb + 20, 1); /* major version */
    mki_put32(bb + 24, 5); /* minor version: 1.5 as Windows 10/11 write */
    mki_put32(bb + 28, 0); /* primary file */
    mki_put32(bb + 32, 1); /* direct memory load format */
    mki_put32(bb + 36, nk_off);
    mki_put32(bb + 40, HBIN_SIZE);
    mki_put32(bb + 44, 1); /* clustering factor */
    mki_put32(bb + CHECKSUM_OFFSET, base_block_checksum(bb));

    int ret = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        ret = -errno;
    } else {
        size_t total = BASE_BLOCK_SIZE + HBIN_SIZE, done = 0;
        while (done < total) {
            ssize_t n = write(fd, buf + done, total - done);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                ret = -errno;
                break;
            }
            done += (size_t)n;
        }
        if (close(fd) < 0 && ret == 0)
            ret = -errno;
    }
    free(buf);
    return ret;
}

int mkhive_utf16le(const char *utf8, uint8_t **ret_buf, size_t *ret_len)
{
    if (!utf8 || !ret_buf || !ret_len)
        return -EINVAL;
    size_t n = strlen(utf8);
    /* Each input byte yields at most one UTF-16 unit, except 4-byte sequences (2 units). */
    uint8_t *out = malloc((n + 1) * 2);
    if (!out)
        return -ENOMEM;
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)utf8;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len;
        if (s[i] < 0x80) {
            cp = s[i];
            len = 1;
        } else if ((s[i] & 0xE0) == 0xC0 && i + 1 < n) {
            cp = (uint32_t)(s[i] & 0x1F) << 6 | (s[i + 1] & 0x3F);
            len = 2;
        } else if ((s[i] & 0xF0) == 0xE0 && i + 2 < n) {
            cp = (uint32_t)(s[i] & 0x0F) << 12 | (uint32_t)(s[i + 1] & 0x3F) << 6 |
                 (s[i + 2] & 0x3F);
            len = 3;
        } else if ((s[i] & 0xF8) == 0xF0 && i + 3 < n) {
            cp = (uint32_t)(s[i] & 0x07) << 18 | (uint32_t)(s[i + 1] & 0x3F) << 12 |
                 (uint32_t)(s[i + 2] & 0x3F) << 6 | (s[i + 3] & 0x3F);
            len = 4;
        } else {
            free(out);
            return -EILSEQ;
        }
        i += len;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            mki_put16(out + o, (uint16_t)(0xD800 | (cp >> 10)));
            mki_put16(out + o + 2, (uint16_t)(0xDC00 | (cp & 0x3FF)));
            o += 4;
        } else {
            mki_put16(out + o, (uint16_t)cp);
            o += 2;
        }
    }
    mki_put16(out + o, 0);
    o += 2;
    *ret_buf = out;
    *ret_len = o;
    return 0;
}

int mkhive_open(const char *path, mkhive **ret_hive)
{
    if (!path || !ret_hive)
        return -EINVAL;
    if (access(path, F_OK) != 0) {
        int r = mkhive_create(path);
        if (r < 0)
            return r;
    }
    mkhive *hive = calloc(1, sizeof *hive);
    if (!hive)
        return -ENOMEM;
    hive->h = hivex_open(path, HIVEX_OPEN_WRITE);
    hive->path = strdup(path);
    if (!hive->h || !hive->path) {
        int r = !hive->path ? -ENOMEM : errno ? -errno : -EIO;
        if (hive->h)
            hivex_close(hive->h);
        free(hive->path);
        free(hive);
        return r;
    }
    *ret_hive = hive;
    return 0;
}

void mkhive_close(mkhive *hive)
{
    if (!hive)
        return;
    if (hive->h)
        hivex_close(hive->h);
    free(hive->path);
    free(hive);
}

static int set_minor_version(const char *path, uint32_t minor)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    uint8_t bb[512];
    int ret = 0;
    if (pread(fd, bb, sizeof bb, 0) != (ssize_t)sizeof bb) {
        ret = -EIO;
    } else {
        mki_put32(bb + 24, minor);
        mki_put32(bb + CHECKSUM_OFFSET, base_block_checksum(bb));
        if (pwrite(fd, bb, sizeof bb, 0) != (ssize_t)sizeof bb)
            ret = -EIO;
    }
    if (close(fd) < 0 && ret == 0)
        ret = -errno;
    return ret;
}

int mkhive_commit(mkhive *hive)
{
    if (!hive)
        return -EINVAL;
    int ret = 0;
    if (hivex_commit(hive->h, NULL, 0) < 0)
        ret = errno ? -errno : -EIO;
    if (ret == 0 && hive->max_value_len > BIG_DATA_THRESHOLD)
        ret = set_minor_version(hive->path, 3);
    mkhive_close(hive);
    return ret;
}

/* Walks key_path from the root, adding each missing component. */
static int find_or_add_key(mkhive *hive, const char *key_path, hive_node_h *ret_node)
{
    hive_node_h node = hivex_root(hive->h);
    if (!node)
        return -EIO;
    char *copy = strdup(key_path ? key_path : "");
    if (!copy)
        return -ENOMEM;
    int ret = 0, depth = 0;
    char *p = copy;
    while (*p) {
        char *sep = strchr(p, '\\');
        if (sep)
            *sep = '\0';
        if (*p) {
            if (++depth > MAX_KEY_DEPTH) {
                ret = -ELOOP;
                break;
            }
            errno = 0;
            hive_node_h child = hivex_node_get_child(hive->h, node, p);
            if (!child && errno) {
                ret = -errno;
                break;
            }
            if (!child) {
                child = hivex_node_add_child(hive->h, node, p);
                if (!child) {
                    ret = errno ? -errno : -EIO;
                    break;
                }
            }
            node = child;
        }
        if (!sep)
            break;
        p = sep + 1;
    }
    free(copy);
    if (ret == 0)
        *ret_node = node;
    return ret;
}

int mkhive_put_key(mkhive *hive, const char *key_path)
{
    if (!hive || !key_path)
        return -EINVAL;
    hive_node_h node = 0;
    return find_or_add_key(hive, key_path, &node);
}

int mkhive_put(mkhive *hive, const char *key_path, const char *value_name, int type,
               const void *data, size_t len)
{
    if (!hive || !key_path || !value_name || (len && !data) || type < 0)
        return -EINVAL;
    hive_node_h node = 0;
    int r = find_or_add_key(hive, key_path, &node);
    if (r < 0)
        return r;
    hive_set_value v = {
        .key = (char *)value_name,
        .t = (hive_type)type,
        .len = len,
        .value = (char *)data,
    };
    if (hivex_node_set_value(hive->h, node, &v, 0) < 0)
        return errno ? -errno : -EIO;
    if (len > hive->max_value_len)
        hive->max_value_len = len;
    return 0;
}

int mkhive_put_sz(mkhive *hive, const char *key_path, const char *value_name, int type,
                  const char *utf8)
{
    uint8_t *buf;
    size_t len;
    int r = mkhive_utf16le(utf8, &buf, &len);
    if (r < 0)
        return r;
    r = mkhive_put(hive, key_path, value_name, type, buf, len);
    free(buf);
    return r;
}

int mkhive_put_dword(mkhive *hive, const char *key_path, const char *value_name, uint32_t value)
{
    uint8_t le[4];
    mki_put32(le, value);
    return mkhive_put(hive, key_path, value_name, MKHIVE_REG_DWORD, le, sizeof le);
}

int mkhive_put_multi_sz(mkhive *hive, const char *key_path, const char *value_name,
                        const char *const *strings, size_t count)
{
    size_t total = 2, cap = 64;
    uint8_t *all = malloc(cap);
    if (!all)
        return -ENOMEM;
    size_t used = 0;
    int r = 0;
    for (size_t i = 0; i < count && r == 0; i++) {
        uint8_t *one;
        size_t len;
        r = mkhive_utf16le(strings[i], &one, &len);
        if (r < 0)
            break;
        if (used + len + 2 > cap) {
            size_t ncap = (used + len + 2) * 2;
            uint8_t *n = realloc(all, ncap);
            if (!n) {
                free(one);
                r = -ENOMEM;
                break;
            }
            all = n;
            cap = ncap;
        }
        memcpy(all + used, one, len);
        used += len;
        free(one);
    }
    if (r == 0) {
        mki_put16(all + used, 0); /* the list ends with an empty string */
        total = used + 2;
        r = mkhive_put(hive, key_path, value_name, MKHIVE_REG_MULTI_SZ, all, total);
    }
    free(all);
    return r;
}

int mkhive_set(const char *path, const char *key_path, const char *value_name, int type,
               const void *data, size_t len)
{
    mkhive *hive = NULL;
    int r = mkhive_open(path, &hive);
    if (r < 0)
        return r;
    r = mkhive_put(hive, key_path, value_name, type, data, len);
    if (r < 0) {
        mkhive_close(hive);
        return r;
    }
    return mkhive_commit(hive);
}

static int set_string(const char *path, const char *key_path, const char *value_name, int type,
                      const char *utf8)
{
    uint8_t *buf;
    size_t len;
    int r = mkhive_utf16le(utf8, &buf, &len);
    if (r < 0)
        return r;
    r = mkhive_set(path, key_path, value_name, type, buf, len);
    free(buf);
    return r;
}

int mkhive_set_sz(const char *path, const char *key_path, const char *value_name, const char *utf8)
{
    return set_string(path, key_path, value_name, MKHIVE_REG_SZ, utf8);
}

int mkhive_set_expand_sz(const char *path, const char *key_path, const char *value_name,
                         const char *utf8)
{
    return set_string(path, key_path, value_name, MKHIVE_REG_EXPAND_SZ, utf8);
}

int mkhive_set_dword(const char *path, const char *key_path, const char *value_name, uint32_t value)
{
    uint8_t le[4];
    mki_put32(le, value);
    return mkhive_set(path, key_path, value_name, MKHIVE_REG_DWORD, le, sizeof le);
}

int mkhive_mark_dirty(const char *path)
{
    if (!path)
        return -EINVAL;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    uint8_t bb[BASE_BLOCK_SIZE];
    int ret = 0;
    if (pread(fd, bb, sizeof bb, 0) != (ssize_t)sizeof bb || memcmp(bb, "regf", 4) != 0) {
        ret = -EINVAL;
    } else {
        mki_put32(bb + 4, get32(bb + 8) + 1);
        mki_put32(bb + CHECKSUM_OFFSET, base_block_checksum(bb));
        if (pwrite(fd, bb, 512, 0) != 512)
            ret = -EIO;
    }
    if (close(fd) < 0 && ret == 0)
        ret = -errno;
    return ret;
}

/* ---- new-format transaction log ---- */

#define MARVIN32_LOG_SEED 0x82EF4D887A4E55C5ull

static uint32_t rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32u - n));
}

static void marvin_mix(uint32_t *lo, uint32_t *hi, uint32_t v)
{
    *lo += v;
    *hi ^= *lo;
    *lo = rotl32(*lo, 20) + *hi;
    *hi = rotl32(*hi, 9) ^ *lo;
    *lo = rotl32(*lo, 27) + *hi;
    *hi = rotl32(*hi, 19);
}

/* Marvin32 (the hash HvLE entries carry). */
static uint64_t marvin32(const uint8_t *p, size_t len, uint64_t seed)
{
    uint32_t lo = (uint32_t)seed, hi = (uint32_t)(seed >> 32);
    size_t pos = 0;
    for (; len - pos >= 4; pos += 4)
        marvin_mix(&lo, &hi, get32(p + pos));
    uint32_t final = 0x80;
    for (size_t i = len; i > pos; i--)
        final = (final << 8) | p[i - 1];
    marvin_mix(&lo, &hi, final);
    marvin_mix(&lo, &hi, 0);
    return (uint64_t)hi << 32 | lo;
}

static int slurp(const char *path, uint8_t **ret, size_t *ret_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < BASE_BLOCK_SIZE + HBIN_SIZE || size > (off_t)1 << 30) {
        close(fd);
        return -EINVAL;
    }
    uint8_t *buf = malloc((size_t)size);
    int r = buf ? 0 : -ENOMEM;
    if (r == 0 && pread(fd, buf, (size_t)size, 0) != (ssize_t)size)
        r = -EIO;
    close(fd);
    if (r < 0) {
        free(buf);
        return r;
    }
    *ret = buf;
    *ret_len = (size_t)size;
    return 0;
}

static int write_all(const char *path, const uint8_t *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    int r = 0;
    if (write(fd, buf, len) != (ssize_t)len)
        r = -EIO;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    return r;
}

int mkhive_make_dirty_with_log(const char *primary_path, const char *final_path,
                               const char *log_path)
{
    uint8_t *p = NULL, *f = NULL, *log = NULL;
    size_t plen = 0, flen = 0;
    int r = slurp(primary_path, &p, &plen);
    if (r == 0)
        r = slurp(final_path, &f, &flen);
    if (r < 0)
        goto out;
    uint32_t hbins = get32(f + 40);
    if ((size_t)hbins + BASE_BLOCK_SIZE > flen || hbins % HBIN_SIZE) {
        r = -EINVAL;
        goto out;
    }
    /* pages of the final hive bins that the primary lacks or holds differently */
    size_t pages = hbins / HBIN_SIZE, count = 0;
    for (size_t i = 0; i < pages; i++) {
        size_t off = BASE_BLOCK_SIZE + i * HBIN_SIZE;
        if (off + HBIN_SIZE > plen || memcmp(p + off, f + off, HBIN_SIZE) != 0)
            count++;
    }
    size_t entry = 40 + count * 8 + count * HBIN_SIZE;
    entry = (entry + 511) / 512 * 512;
    size_t total = 512 + entry;
    log = calloc(1, total);
    if (!log) {
        r = -ENOMEM;
        goto out;
    }
    uint32_t seq = get32(p + 8);
    /* log base block: the final hive's, file type 6, clean, at the primary's sequence */
    memcpy(log, f, 512);
    mki_put32(log + 4, seq);
    mki_put32(log + 8, seq);
    mki_put32(log + 28, 6);
    mki_put32(log + CHECKSUM_OFFSET, base_block_checksum(log));
    uint8_t *e = log + 512;
    memcpy(e, "HvLE", 4);
    mki_put32(e + 4, (uint32_t)entry);
    mki_put32(e + 8, 0);
    mki_put32(e + 12, seq);
    mki_put32(e + 16, hbins);
    mki_put32(e + 20, (uint32_t)count);
    size_t ref = 40, data = 40 + count * 8;
    for (size_t i = 0; i < pages; i++) {
        size_t off = BASE_BLOCK_SIZE + i * HBIN_SIZE;
        if (off + HBIN_SIZE <= plen && memcmp(p + off, f + off, HBIN_SIZE) == 0)
            continue;
        mki_put32(e + ref, (uint32_t)(i * HBIN_SIZE));
        mki_put32(e + ref + 4, HBIN_SIZE);
        memcpy(e + data, f + off, HBIN_SIZE);
        ref += 8;
        data += HBIN_SIZE;
    }
    mki_put64(e + 24, marvin32(e + 40, entry - 40, MARVIN32_LOG_SEED));
    mki_put64(e + 32, marvin32(e, 32, MARVIN32_LOG_SEED));
    r = write_all(log_path, log, total);
    if (r == 0) {
        /* the primary as a crash leaves it: its own bins, primary sequence one ahead */
        mki_put32(p + 4, seq + 1);
        mki_put32(p + CHECKSUM_OFFSET, base_block_checksum(p));
        r = write_all(primary_path, p, plen);
    }
out:
    free(p);
    free(f);
    free(log);
    return r;
}
