/* sxs-mkimage: a real BitLocker volume over the NTFS a scenario describes, written from
 * libbde's "BitLocker Drive Encryption (BDE) format" documentation (Windows 8+ layout: FVE
 * metadata block header version 2, metadata header version 1). The volume header keeps
 * "-FVE-FS-" and the three metadata offsets; the three FVE metadata blocks hold the volume
 * master key (VMK) protected by a recovery password, a user password, a startup key (its .BEK
 * file written next to the image) and/or a clear key (protection suspended), the full volume
 * encryption key (FVEK) AES-CCM-wrapped with the VMK, and the place of the relocated first 16
 * sectors (the NTFS boot sector and boot code). Every
 * other sector is AES-XTS-128 encrypted with the sector number as tweak. The metadata areas and
 * the relocated header live in files of "System Volume Information" (FVE2.{GUID}*), as Windows
 * reserves them, so NTFS never uses those clusters (libbde shows them as zeros). Keys come from a
 * deterministic generator (rebuilt images are identical): test tooling, not a way to protect
 * anything. */
#include "sample-images/mkhive.h"
#include "sample-images/mkimage.h"
#include "sample-images/mki_le.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    SECTOR = 512,
    HEADER_SECTORS = 16, /* the relocated volume header: 8 KiB */
    HEADER_BYTES = HEADER_SECTORS * 512,
    META_AREA = 64 * 1024,     /* what libbde reads as one metadata area (shown as zeros) */
    META_MAX = 8192,           /* libbde reads the first 8 KiB of a block: all must fit */
    STRETCH_ROUNDS = 0x100000, /* SHA-256 iterations of the key stretch */
    CHUNK = 1024 * 1024,
};

/* encryption methods (FVE metadata header, key entries) */
#define BDE_AES_XTS_128 0x8004u
#define BDE_STRETCH_RECOVERY 0x1000u
#define BDE_STRETCH_PASSWORD 0x1001u
#define BDE_CCM_KEY 0x2000u
#define BDE_CCM_EXTERNAL 0x2002u /* the key of a .BEK file */
#define BDE_CCM_VMK 0x2003u
/* entry types and value types */
#define ENTRY_PROPERTY 0x0000u
#define ENTRY_VMK 0x0002u
#define ENTRY_FVEK 0x0003u
#define ENTRY_STARTUP_KEY 0x0006u /* a .BEK file's one entry */
#define ENTRY_DESCRIPTION 0x0007u
#define ENTRY_VOLUME_HEADER 0x000Fu
#define VALUE_KEY 0x0001u
#define VALUE_STRING 0x0002u
#define VALUE_STRETCH 0x0003u
#define VALUE_CCM 0x0005u
#define VALUE_VMK 0x0008u
#define VALUE_EXTERNAL_KEY 0x0009u
#define VALUE_OFFSET_SIZE 0x000Fu
/* VMK protection types */
#define PROT_CLEAR 0x0000u
#define PROT_STARTUP 0x0200u
#define PROT_RECOVERY 0x0800u
#define PROT_PASSWORD 0x2000u

/* 2025-01-01 00:00:00 UTC: creation and nonce time of every key */
#define BDE_FILETIME 133801632000000000ull

static const uint8_t bitlocker_guid[16] = {0x3B, 0xD6, 0x67, 0x49, 0x29, 0x2E, 0xD8, 0x4A,
                                           0x83, 0x99, 0xF6, 0xA3, 0x39, 0xE3, 0xD0, 0x01};

int mki_part_is_real_bde(const struct mki_part *p)
{
    return p->kind == MKI_PART_BITLOCKER &&
           (p->bde.recovery_password || p->bde.password || p->bde.startup_key || p->bde.clear_key);
}

int mki_bde_recovery_key(const char *text, uint8_t ret_key[16])
{
    const char *s = text;
    for (int g = 0; g < 8; g++) {
        uint32_t v = 0;
        for (int d = 0; d < 6; d++, s++) {
            if (*s < '0' || *s > '9')
                return -EINVAL;
            v = v * 10 + (uint32_t)(*s - '0');
        }
        if (v % 11 || v / 11 > 0xFFFF || *s != (g < 7 ? '-' : '\0'))
            return -EINVAL;
        ret_key[2 * g] = (uint8_t)(v / 11);
        ret_key[2 * g + 1] = (uint8_t)((v / 11) >> 8);
        s++;
    }
    return 0;
}

/* ---- little-endian building blocks ---- */

static int put_le(struct mki_bytes *b, uint64_t v, size_t n)
{
    uint8_t x[8];
    for (size_t i = 0; i < n; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    return mki_bytes_append(b, x, n);
}

/* An FVE metadata entry: size, entry type, value type, version 1, then the value. */
static int put_entry(struct mki_bytes *b, unsigned type, unsigned value_type,
                     const struct mki_bytes *value)
{
    if (value->len > 0xFFFF - 8)
        return -EFBIG;
    int r = put_le(b, 8 + value->len, 2);
    if (r == 0)
        r = put_le(b, type, 2);
    if (r == 0)
        r = put_le(b, value_type, 2);
    if (r == 0)
        r = put_le(b, 1, 2);
    return r ? r : mki_bytes_append(b, value->data, value->len);
}

static void wipe(struct mki_bytes *b)
{
    if (b->data)
        memset(b->data, 0, b->cap);
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- crypto (OpenSSL libcrypto) ---- */

struct keys {
    uint8_t fvek[32]; /* AES-XTS-128: data key, then tweak key */
    uint8_t vmk[32];
    uint8_t clear[32];
    uint8_t external[32]; /* the startup key, in the .BEK file */
    uint8_t salt_recovery[16], salt_password[16];
    uint8_t volume_id[16];
    uint8_t vmk_id[4][16]; /* recovery, password, clear, startup (the .BEK's key identifier) */
    uint32_t nonce_counter;
};

static int sha256(EVP_MD_CTX *ctx, const EVP_MD *md, const void *in, size_t n, uint8_t out[32])
{
    return EVP_DigestInit_ex2(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, in, n) == 1 &&
                   EVP_DigestFinal_ex(ctx, out, NULL) == 1
               ? 0
               : -EIO;
}

/* The key that wraps a VMK: from the SHA-256 of the secret (recovery key or password hash),
 * 0x100000 rounds of SHA-256 over {last hash, initial hash, salt, round number}. */
static int stretch_key(const uint8_t *secret, size_t n, int hash_twice, const uint8_t salt[16],
                       uint8_t ret[32])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    uint8_t data[88] = {0}; /* last[32] initial[32] salt[16] count[8] */
    int r = ctx && md ? sha256(ctx, md, secret, n, data + 32) : -ENOMEM;
    if (r == 0 && hash_twice)
        r = sha256(ctx, md, data + 32, 32, data + 32);
    memcpy(data + 64, salt, 16);
    for (uint64_t i = 0; r == 0 && i < STRETCH_ROUNDS; i++) {
        mki_put_le(data + 80, i, 8);
        r = sha256(ctx, md, data, sizeof data, data);
    }
    if (r == 0)
        memcpy(ret, data, 32);
    memset(data, 0, sizeof data);
    EVP_MD_free(md);
    EVP_MD_CTX_free(ctx);
    return r;
}

/* An AES-CCM encrypted key value: nonce (FILETIME + counter), then the MAC and the key entry
 * {size, 0, value type key, version 1, method, key} encrypted with AES-256-CCM. */
static int put_wrapped(struct mki_bytes *b, struct keys *k, const uint8_t wrap_key[32],
                       unsigned method, const uint8_t *key, size_t key_len)
{
    uint8_t nonce[12], plain[12 + 64], out[16 + sizeof plain];
    size_t n = 12 + key_len;
    mki_put_le(nonce, BDE_FILETIME, 8);
    mki_put_le(nonce + 8, k->nonce_counter++, 4);
    mki_put_le(plain, n, 2);
    mki_put_le(plain + 2, 0, 2);
    mki_put_le(plain + 4, VALUE_KEY, 2);
    mki_put_le(plain + 6, 1, 2);
    mki_put_le(plain + 8, method, 4);
    memcpy(plain + 12, key, key_len);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    int ok = ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_ccm(), NULL, NULL, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, NULL) == 1 &&
             EVP_EncryptInit_ex(ctx, NULL, NULL, wrap_key, nonce) == 1 &&
             EVP_EncryptUpdate(ctx, NULL, &len, NULL, (int)n) == 1 &&
             EVP_EncryptUpdate(ctx, out + 16, &len, plain, (int)n) == 1 &&
             EVP_EncryptFinal_ex(ctx, out + 16 + len, &fin) == 1 &&
             EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out) == 1;
    EVP_CIPHER_CTX_free(ctx);
    memset(plain, 0, sizeof plain);
    int r = ok ? 0 : -EIO;
    if (r == 0)
        r = mki_bytes_append(b, nonce, sizeof nonce);
    if (r == 0)
        r = mki_bytes_append(b, out, 16 + n);
    return r;
}

/* ---- FVE metadata ---- */

/* A VMK entry: identifier, time, protection type, then its properties: an optional label, the
 * clear key or the stretch parameters (none for a startup key: the .BEK holds the AES-CCM key
 * itself), and the VMK AES-CCM-wrapped with wrap_key. */
static int put_vmk(struct mki_bytes *b, struct keys *k, int idx, unsigned protection,
                   const char *label, const uint8_t *salt, unsigned stretch_method,
                   const uint8_t wrap_key[32])
{
    struct mki_bytes v = {0}, prop = {0};
    int r = mki_bytes_append(&v, k->vmk_id[idx], 16);
    if (r == 0)
        r = put_le(&v, BDE_FILETIME, 8);
    if (r == 0)
        r = put_le(&v, 0, 2);
    if (r == 0)
        r = put_le(&v, protection, 2);
    if (r == 0 && label) {
        uint8_t *u;
        size_t ulen;
        r = mkhive_utf16le(label, &u, &ulen);
        if (r == 0) {
            struct mki_bytes s = {(char *)u, ulen, ulen};
            r = put_entry(&v, ENTRY_PROPERTY, VALUE_STRING, &s);
            free(u);
        }
    }
    if (r == 0 && protection == PROT_CLEAR) {
        r = put_le(&prop, BDE_CCM_KEY, 4);
        if (r == 0)
            r = mki_bytes_append(&prop, k->clear, 32);
        if (r == 0)
            r = put_entry(&v, ENTRY_PROPERTY, VALUE_KEY, &prop);
    } else if (r == 0 && salt) {
        r = put_le(&prop, stretch_method, 4);
        if (r == 0)
            r = mki_bytes_append(&prop, salt, 16);
        if (r == 0)
            r = put_entry(&v, ENTRY_PROPERTY, VALUE_STRETCH, &prop);
    }
    wipe(&prop);
    if (r == 0)
        r = put_wrapped(&prop, k, wrap_key, BDE_CCM_VMK, k->vmk, 32);
    if (r == 0)
        r = put_entry(&v, ENTRY_PROPERTY, VALUE_CCM, &prop);
    if (r == 0)
        r = put_entry(b, ENTRY_VMK, VALUE_VMK, &v);
    wipe(&prop);
    wipe(&v);
    return r;
}

/* The entries of an FVE metadata block: description, one VMK per protector, the FVEK, the
 * volume header block. */
static int put_entries(struct mki_bytes *b, const struct mki_part *p, struct keys *k,
                       uint64_t header_off)
{
    char desc[128];
    snprintf(desc, sizeof desc, "SXS-MKIMAGE %s 1/1/2025", p->label ? p->label : "Windows");
    uint8_t *u;
    size_t ulen;
    int r = mkhive_utf16le(desc, &u, &ulen);
    if (r < 0)
        return r;
    struct mki_bytes s = {(char *)u, ulen, ulen};
    r = put_entry(b, ENTRY_DESCRIPTION, VALUE_STRING, &s);
    free(u);
    uint8_t wrap[32];
    if (r == 0 && p->bde.recovery_password) {
        uint8_t rk[16];
        r = mki_bde_recovery_key(p->bde.recovery_password, rk);
        if (r == 0)
            r = stretch_key(rk, sizeof rk, 0, k->salt_recovery, wrap);
        memset(rk, 0, sizeof rk);
        if (r == 0)
            r = put_vmk(b, k, 0, PROT_RECOVERY, "DiskPassword", k->salt_recovery,
                        BDE_STRETCH_RECOVERY, wrap);
    }
    if (r == 0 && p->bde.password) {
        uint8_t *pw;
        size_t pwlen;
        r = mkhive_utf16le(p->bde.password, &pw, &pwlen);
        if (r == 0) { /* UTF-16LE without the terminator */
            r = stretch_key(pw, pwlen - 2, 1, k->salt_password, wrap);
            memset(pw, 0, pwlen);
            free(pw);
        }
        if (r == 0)
            r = put_vmk(b, k, 1, PROT_PASSWORD, NULL, k->salt_password, BDE_STRETCH_PASSWORD, wrap);
    }
    if (r == 0 && p->bde.clear_key)
        r = put_vmk(b, k, 2, PROT_CLEAR, NULL, NULL, 0, k->clear);
    /* libbde and dislocker pick this VMK by its identifier: the key identifier in the .BEK */
    if (r == 0 && p->bde.startup_key)
        r = put_vmk(b, k, 3, PROT_STARTUP, "ExternalKey", NULL, 0, k->external);
    memset(wrap, 0, sizeof wrap);
    struct mki_bytes v = {0};
    if (r == 0)
        r = put_wrapped(&v, k, k->vmk, BDE_AES_XTS_128, k->fvek, sizeof k->fvek);
    if (r == 0)
        r = put_entry(b, ENTRY_FVEK, VALUE_CCM, &v);
    wipe(&v);
    if (r == 0)
        r = put_le(&v, header_off, 8);
    if (r == 0)
        r = put_le(&v, HEADER_SECTORS * SECTOR, 8);
    if (r == 0)
        r = put_entry(b, ENTRY_VOLUME_HEADER, VALUE_OFFSET_SIZE, &v);
    wipe(&v);
    return r;
}

/* One FVE metadata block: block header (version 2), metadata header (version 1), entries. */
static int build_metadata(const struct mki_part *p, struct keys *k, const uint64_t meta[3],
                          uint64_t header_off, uint8_t *block)
{
    struct mki_bytes e = {0};
    int r = put_entries(&e, p, k, header_off);
    /* the block's size in 16-byte units, then the validation header (dislocker checks its
     * CRC32 of the block) */
    size_t total = (64 + 48 + e.len + 15) / 16 * 16;
    if (r == 0 && total + 8 > META_MAX)
        r = -EFBIG;
    if (r == 0) {
        memset(block, 0, META_AREA);
        memcpy(block, "-FVE-FS-", 8);
        mki_put_le(block + 8, total / 16, 2);
        mki_put_le(block + 10, 2, 2);       /* version 2: Windows 7 and later */
        mki_put_le(block + 12, 4, 2);       /* state: encrypted */
        mki_put_le(block + 14, 4, 2);       /* next state */
        mki_put_le(block + 16, p->size, 8); /* encrypted volume size: all of it */
        mki_put_le(block + 28, HEADER_SECTORS, 4);
        for (int i = 0; i < 3; i++)
            mki_put_le(block + 32 + 8 * i, meta[i], 8);
        mki_put_le(block + 56, header_off, 8);
        uint8_t *h = block + 64;
        mki_put_le(h, 48 + e.len, 4); /* metadata size */
        mki_put_le(h + 4, 1, 4);      /* version */
        mki_put_le(h + 8, 48, 4);     /* header size */
        mki_put_le(h + 12, 48 + e.len, 4);
        memcpy(h + 16, k->volume_id, 16);
        mki_put_le(h + 32, k->nonce_counter, 4);
        mki_put_le(h + 36, BDE_AES_XTS_128, 2);
        mki_put_le(h + 38, BDE_AES_XTS_128, 2);
        mki_put_le(h + 40, BDE_FILETIME, 8);
        memcpy(h + 48, e.data, e.len);
        mki_put_le(block + total, 8, 2); /* validation: size, version, CRC32 (no SHA-256 entry) */
        mki_put_le(block + total + 2, 2, 2);
        mki_put_le(block + total + 4, crc32(0L, block, (uInt)total), 4);
    }
    wipe(&e);
    return r;
}

/* The BitLocker volume header (Windows 7 and later): boot entry point, "-FVE-FS-", a FAT32-like
 * BPB, the BitLocker GUID and the three metadata offsets. */
static void build_volume_header(const struct mki_part *p, const uint8_t *ntfs_boot,
                                const uint64_t meta[3], uint8_t *h)
{
    static const uint8_t jump[11] = {0xEB, 0x58, 0x90, '-', 'F', 'V', 'E', '-', 'F', 'S', '-'};
    memset(h, 0, SECTOR);
    memcpy(h, jump, sizeof jump);
    mki_put_le(h + 11, SECTOR, 2);
    h[13] = ntfs_boot[13]; /* sectors per cluster, as the NTFS below */
    h[21] = 0xF8;          /* fixed disk */
    mki_put_le(h + 24, 63, 2);
    mki_put_le(h + 26, 255, 2);
    mki_put_le(h + 28, p->start / SECTOR, 4); /* hidden sectors: where the volume starts */
    mki_put_le(h + 36, 0x1FE0, 4);
    mki_put_le(h + 48, 1, 2);
    mki_put_le(h + 50, 6, 2);
    h[64] = 0x80;
    h[66] = 0x29;
    memcpy(h + 67, ntfs_boot + 72, 4); /* volume serial number */
    memcpy(h + 71, "NO NAME    FAT32   ", 19);
    memcpy(h + 160, bitlocker_guid, 16);
    for (int i = 0; i < 3; i++)
        mki_put_le(h + 176 + 8 * i, meta[i], 8);
    h[510] = 0x55;
    h[511] = 0xAA;
}

static void random_guid(uint64_t seed, uint64_t n, uint8_t g[16])
{
    mki_fill_bytes(MKI_FILL_RANDOM, seed, n * 16, g, 16);
    g[7] = (uint8_t)((g[7] & 0x0F) | 0x40); /* version 4 (bytes 6-7 are a little-endian u16) */
    g[8] = (uint8_t)((g[8] & 0x3F) | 0x80);
}

static void make_keys(const struct mki_part *p, struct keys *k)
{
    uint64_t seed = mki_hash_str("sxs-mkimage bitlocker") ^ p->start;
    memset(k, 0, sizeof *k);
    mki_fill_bytes(MKI_FILL_RANDOM, seed, 0x1000, k->fvek, sizeof k->fvek);
    mki_fill_bytes(MKI_FILL_RANDOM, seed, 0x2000, k->vmk, sizeof k->vmk);
    mki_fill_bytes(MKI_FILL_RANDOM, seed, 0x3000, k->clear, sizeof k->clear);
    mki_fill_bytes(MKI_FILL_RANDOM, seed, 0x4000, k->salt_recovery, 16);
    mki_fill_bytes(MKI_FILL_RANDOM, seed, 0x5000, k->salt_password, 16);
    mki_fill_bytes(MKI_FILL_RANDOM, seed, 0x6000, k->external, sizeof k->external);
    random_guid(seed, 0, k->volume_id);
    for (uint64_t i = 0; i < 4; i++)
        random_guid(seed, 1 + i, k->vmk_id[i]);
}

/* ---- the .BEK file (startup key) ---- */

/* A BitLocker external key file: a metadata header as the FVE one (version 1, 48 bytes; its
 * GUID the key identifier) and one startup-key entry holding an external key: the key
 * identifier, a time, the "ExternalKey" label and the 256-bit key (156 bytes, as Windows'). */
static int build_bek(const struct keys *k, struct mki_bytes *ret)
{
    struct mki_bytes ext = {0}, prop = {0}, e = {0};
    uint8_t *u;
    size_t ulen;
    int r = mki_bytes_append(&ext, k->vmk_id[3], 16);
    if (r == 0)
        r = put_le(&ext, BDE_FILETIME, 8);
    if (r == 0 && (r = mkhive_utf16le("ExternalKey", &u, &ulen)) == 0) {
        struct mki_bytes s = {(char *)u, ulen, ulen};
        r = put_entry(&ext, ENTRY_PROPERTY, VALUE_STRING, &s);
        free(u);
    }
    if (r == 0)
        r = put_le(&prop, BDE_CCM_EXTERNAL, 4);
    if (r == 0)
        r = mki_bytes_append(&prop, k->external, sizeof k->external);
    if (r == 0)
        r = put_entry(&ext, ENTRY_PROPERTY, VALUE_KEY, &prop);
    if (r == 0)
        r = put_entry(&e, ENTRY_STARTUP_KEY, VALUE_EXTERNAL_KEY, &ext);
    uint8_t h[48] = {0};
    mki_put_le(h, 48 + e.len, 4); /* metadata size: the whole file */
    mki_put_le(h + 4, 1, 4);      /* version */
    mki_put_le(h + 8, 48, 4);     /* header size */
    mki_put_le(h + 12, 48 + e.len, 4);
    memcpy(h + 16, k->vmk_id[3], 16);
    mki_put_le(h + 32, 1, 4); /* next nonce counter; encryption method 0: an external key */
    mki_put_le(h + 40, BDE_FILETIME, 8);
    if (r == 0)
        r = mki_bytes_append(ret, h, sizeof h);
    if (r == 0)
        r = mki_bytes_append(ret, e.data, e.len);
    wipe(&prop);
    wipe(&ext);
    wipe(&e);
    return r;
}

static int write_bek(const struct mki_part *p, const char *path)
{
    struct keys k;
    make_keys(p, &k); /* the volume's keys, as mki_build_bde made them */
    struct mki_bytes b = {0};
    int r = build_bek(&k, &b);
    memset(&k, 0, sizeof k);
    int fd = r == 0 ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (r == 0 && fd < 0)
        r = -errno;
    if (r == 0 && write(fd, b.data, b.len) != (ssize_t)b.len)
        r = -EIO;
    if (fd >= 0 && close(fd) < 0 && r == 0)
        r = -errno;
    wipe(&b);
    return r;
}

int mki_bde_write_startup_keys(const struct mki_scenario *scn, const char *output, char *errbuf,
                               size_t errlen)
{
    const char *slash = strrchr(output, '/');
    int dir_len = slash ? (int)(slash - output) + 1 : 0;
    for (size_t i = 0; i < scn->n_parts; i++) {
        const struct mki_part *p = &scn->parts[i];
        if (!mki_part_is_real_bde(p) || !p->bde.startup_key)
            continue;
        const char *f = p->bde.startup_key;
        char *path;
        if (asprintf(&path, "%.*s%s", f[0] == '/' ? 0 : dir_len, output, f) < 0)
            return -ENOMEM;
        int r = write_bek(p, path);
        if (r < 0)
            snprintf(errbuf, errlen, "startup key file %s: %s", path, strerror(-r));
        free(path);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- the volume ---- */

struct layout {
    uint64_t meta[3];                      /* FVE metadata blocks, volume-relative */
    uint64_t header;                       /* the relocated first 16 sectors */
    uint8_t *block;                        /* META_AREA bytes: one metadata block */
    uint8_t head[HEADER_SECTORS * SECTOR]; /* the plain first sectors */
    uint8_t vhdr[SECTOR];
};

/* What physical sector `s` of the volume holds: 1 plain bytes at *ret (the volume header,
 * metadata, zeros), 0 encrypt *ret with tweak s. */
static int sector_source(const struct layout *l, const uint8_t *chunk, uint64_t chunk_off,
                         uint64_t s, const uint8_t **ret)
{
    static const uint8_t zeros[SECTOR];
    uint64_t off = s * SECTOR;
    for (int i = 0; i < 3; i++)
        if (off >= l->meta[i] && off < l->meta[i] + META_AREA) {
            *ret = l->block + (off - l->meta[i]);
            return 1;
        }
    if (off < HEADER_SECTORS * SECTOR) {
        *ret = off == 0 ? l->vhdr : zeros;
        return 1;
    }
    if (off >= l->header && off < l->header + HEADER_SECTORS * SECTOR)
        *ret = l->head + (off - l->header);
    else
        *ret = chunk + (off - chunk_off);
    return 0;
}

static int encrypt_volume(const struct mki_part *p, const struct keys *k, const struct layout *l,
                          int in, int disk)
{
    uint8_t *buf = malloc(CHUNK), *out = malloc(CHUNK);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int r = buf && out && ctx ? 0 : -ENOMEM;
    if (r == 0 && EVP_EncryptInit_ex(ctx, EVP_aes_128_xts(), NULL, k->fvek, NULL) != 1)
        r = -EIO;
    for (uint64_t off = 0; r == 0 && off < p->size; off += CHUNK) {
        size_t n = p->size - off < CHUNK ? (size_t)(p->size - off) : CHUNK;
        if (pread(in, buf, n, (off_t)off) != (ssize_t)n) {
            r = -EIO;
            break;
        }
        for (size_t i = 0; r == 0 && i < n; i += SECTOR) {
            uint64_t s = (off + i) / SECTOR;
            const uint8_t *src;
            if (sector_source(l, buf, off, s, &src)) {
                memcpy(out + i, src, SECTOR);
                continue;
            }
            uint8_t iv[16] = {0};
            mki_put_le(iv, s, 8);
            int len = 0;
            if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) != 1 ||
                EVP_EncryptUpdate(ctx, out + i, &len, src, SECTOR) != 1 || len != SECTOR)
                r = -EIO;
        }
        if (r == 0 && pwrite(disk, out, n, (off_t)(p->start + off)) != (ssize_t)n)
            r = -EIO;
    }
    EVP_CIPHER_CTX_free(ctx);
    free(buf);
    free(out);
    return r;
}

/* Builds the NTFS with the four FVE2 files reserved first (as the VSS builder reserves its
 * store files) and returns where each one's single run starts. */
static int build_plain(const struct mki_part *p, const char *ntfs_path, const char *tmpdir,
                       const struct keys *k, uint64_t ret_offs[4], char *errbuf, size_t errlen)
{
    char g[39], names[4][96];
    mki_guid_text(k->volume_id, g);
    for (int i = 0; i < 3; i++)
        snprintf(names[i], sizeof names[i], "System Volume Information/FVE2.%s.%d", g, i + 1);
    snprintf(names[3], sizeof names[3], "System Volume Information/FVE2.%s", g);
    struct mki_resv resv[4];
    for (int i = 0; i < 4; i++)
        resv[i] = (struct mki_resv){.path = names[i], .size = i < 3 ? META_AREA : HEADER_BYTES};
    struct mki_ntfs_state st = {
        .n_nodes = p->n_nodes, .n_hives = p->n_hives, .resv = resv, .n_resv = 4, .keep_resv = 1};
    int r = mki_build_ntfs_state(p, ntfs_path, tmpdir, &st, errbuf, errlen);
    for (int i = 0; i < 4; i++) {
        if (r == 0 && (resv[i].n_ext != 1 || resv[i].ext[0].len < resv[i].size)) {
            snprintf(errbuf, errlen, "%s is not one contiguous run", names[i]);
            r = -EFBIG;
        }
        if (r == 0)
            ret_offs[i] = resv[i].ext[0].off;
        free(resv[i].ext);
    }
    return r;
}

int mki_build_bde(const struct mki_part *p, const char *ntfs_path, const char *tmpdir, int disk,
                  char *errbuf, size_t errlen)
{
    if (p->n_snaps) {
        snprintf(errbuf, errlen, "shadow copies on a BitLocker volume are not supported");
        return -ENOTSUP;
    }
    struct keys k;
    make_keys(p, &k);
    uint64_t offs[4];
    int r = build_plain(p, ntfs_path, tmpdir, &k, offs, errbuf, errlen);
    if (r < 0)
        return r;
    struct layout *l = calloc(1, sizeof *l);
    if (!l || !(l->block = malloc(META_AREA))) {
        free(l);
        return -ENOMEM;
    }
    memcpy(l->meta, offs, sizeof l->meta);
    l->header = offs[3];
    int in = open(ntfs_path, O_RDONLY | O_CLOEXEC);
    if (in < 0 || pread(in, l->head, sizeof l->head, 0) != (ssize_t)sizeof l->head)
        r = -EIO;
    if (r == 0 && (r = build_metadata(p, &k, l->meta, l->header, l->block)) < 0)
        snprintf(errbuf, errlen, "FVE metadata: %s", strerror(-r));
    if (r == 0) {
        build_volume_header(p, l->head, l->meta, l->vhdr);
        r = encrypt_volume(p, &k, l, in, disk);
        if (r < 0)
            snprintf(errbuf, errlen, "encrypting the BitLocker volume: %s", strerror(-r));
    }
    if (in >= 0)
        close(in);
    memset(&k, 0, sizeof k);
    free(l->block);
    free(l);
    return r;
}
