/* sxs-mkimage: the `bcd` directive. Writes a Boot Configuration Data store the way bcdedit
 * and bcdboot lay it out: Description\KeyName; Objects\{GUID}\Description\Type (DWORD object
 * type: 0x10100002 boot manager, 0x10200003 OS loader); Objects\{GUID}\Elements\<type>\Element
 * with the value type the element's format asks for (devices REG_BINARY, strings and object
 * GUIDs REG_SZ, object lists REG_MULTI_SZ, integers REG_BINARY of 8 bytes, booleans
 * REG_BINARY of 1 byte). Device elements follow the layout analyzer/boot/boot_bcd_device.c
 * documents (ReactOS bl.h, BCD-SYS), naming partitions by the identity write_table gives them.
 *
 *   bcd [on=N] [path=P] [firmware=uefi|bios] [missing] [default=missing]
 *       [device=SPEC] [osdevice=SPEC] [winload=PATH] [systemroot=PATH]
 *       [safeboot=minimal|network] [leaked=N] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sample-images/mkhive.h"
#include "sample-images/mkimage.h"
#include "sample-images/mki_le.h"

#define BOOTMGR "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
#define LOADER "{b2721d73-1db4-4c62-bf78-c548a880142d}"

void mki_part_uuid(const struct mki_scenario *scn, size_t n, char out[37])
{
    uint64_t h = mki_hash_str(scn->name);
    char t[64];
    snprintf(t, sizeof(t), "%08llX-5358-5350-4152-%012zX", (unsigned long long)(h & 0xFFFFFFFF), n);
    snprintf(out, 37, "%.36s", t);
}

void mki_disk_uuid(const struct mki_scenario *scn, char out[37])
{
    uint64_t h = mki_hash_str(scn->name);
    char t[64];
    snprintf(t, sizeof(t), "%08llX-5358-5344-4F43-%012llX", (unsigned long long)(h & 0xFFFFFFFF),
             (unsigned long long)(h >> 16));
    snprintf(out, 37, "%.36s", t);
}

uint32_t mki_mbr_signature(const struct mki_scenario *scn)
{
    return (uint32_t)(mki_hash_str(scn->name) & 0xFFFFFFFF);
}

void mki_bcd_free(struct mki_bcd *b)
{
    free(b->path);
    free(b->device);
    free(b->osdevice);
    free(b->winload);
    free(b->systemroot);
    memset(b, 0, sizeof(*b));
}

static int opt_str(const char *t, const char *key, char **dst)
{
    size_t n = strlen(key);
    if (strncmp(t, key, n) != 0)
        return 0;
    free(*dst);
    *dst = strdup(t + n);
    return *dst ? 1 : -ENOMEM;
}

int mki_bcd_parse(struct mki_scenario *scn, const char *opts, char *errbuf, size_t errlen)
{
    struct mki_bcd *b = &scn->bcd;
    if (b->present) {
        snprintf(errbuf, errlen, "bcd given twice");
        return -EINVAL;
    }
    mki_bcd_free(b);
    b->present = 1;
    b->uefi = -1;
    b->safeboot = -1;
    b->on = (size_t)-1;
    char *copy = strdup(opts), *save = NULL;
    if (!copy)
        return -ENOMEM;
    int r = 0;
    for (char *t = strtok_r(copy, " \t", &save); t && r >= 0; t = strtok_r(NULL, " \t", &save)) {
        int k;
        if ((k = opt_str(t, "path=", &b->path)) || (k = opt_str(t, "device=", &b->device)) ||
            (k = opt_str(t, "osdevice=", &b->osdevice)) ||
            (k = opt_str(t, "winload=", &b->winload)) ||
            (k = opt_str(t, "systemroot=", &b->systemroot))) {
            r = k < 0 ? k : 0;
        } else if (strcmp(t, "firmware=uefi") == 0) {
            b->uefi = 1;
        } else if (strcmp(t, "firmware=bios") == 0) {
            b->uefi = 0;
        } else if (strcmp(t, "missing") == 0) {
            b->store_missing = 1;
        } else if (strcmp(t, "default=missing") == 0) {
            b->no_default = 1;
        } else if (strcmp(t, "safeboot=minimal") == 0) {
            b->safeboot = 0;
        } else if (strcmp(t, "safeboot=network") == 0) {
            b->safeboot = 1;
        } else if (strncmp(t, "on=", 3) == 0 && atoi(t + 3) >= 1) {
            b->on = (size_t)atoi(t + 3) - 1;
        } else if (strncmp(t, "leaked=", 7) == 0 && atoi(t + 7) >= 0 && atoi(t + 7) <= 16) {
            b->leaked = (unsigned)atoi(t + 7);
        } else {
            snprintf(errbuf, errlen, "unknown bcd option '%s'", t);
            r = -EINVAL;
        }
    }
    free(copy);
    return r;
}

/* GUID text (8-4-4-4-12) to the bytes Windows stores (first three fields little-endian). */
static int guid_bytes(const char *s, uint8_t out[16])
{
    unsigned v[16];
    if (strlen(s) != 36 || sscanf(s, "%2x%2x%2x%2x-%2x%2x-%2x%2x-%2x%2x-%2x%2x%2x%2x%2x%2x", &v[3],
                                  &v[2], &v[1], &v[0], &v[5], &v[4], &v[7], &v[6], &v[8], &v[9],
                                  &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) != 16)
        return -EINVAL;
    for (int i = 0; i < 16; i++)
        out[i] = (uint8_t)v[i];
    return 0;
}

/* A device element (88 bytes) for spec; *ret_len 0 for "missing". */
static int device_element(const struct mki_scenario *scn, const char *spec, uint8_t out[88],
                          size_t *ret_len, char *errbuf, size_t errlen)
{
    memset(out, 0, 88);
    *ret_len = 88;
    mki_put_le(out + 0x18, 0x48, 4);
    if (strcmp(spec, "missing") == 0) {
        *ret_len = 0;
        return 0;
    }
    if (strcmp(spec, "boot") == 0 || strcmp(spec, "locate") == 0) {
        mki_put_le(out + 0x10, spec[0] == 'b' ? 5 : 8, 4);
        mki_put_le(out + 0x18, 0x18, 4);
        *ret_len = 0x28;
        return 0;
    }
    if (strcmp(spec, "garbage") == 0) {
        *ret_len = 7;
        memset(out, 0xEE, 7);
        return 0;
    }
    mki_put32(out + 0x10, 6); /* partition */
    char uuid[37];
    if (strncmp(spec, "volume:", 7) == 0) {
        size_t n = (size_t)atoi(spec + 7);
        if (n < 1 || n > scn->n_parts) {
            snprintf(errbuf, errlen, "bcd: no partition %s", spec + 7);
            return -EINVAL;
        }
        if (scn->table == MKI_TABLE_GPT) {
            mki_part_uuid(scn, n, uuid);
            guid_bytes(uuid, out + 0x20);
            mki_disk_uuid(scn, uuid);
            guid_bytes(uuid, out + 0x38);
        } else {
            uint64_t off = scn->parts[n - 1].start;
            mki_put_le(out + 0x20, off, 4);
            mki_put_le(out + 0x24, off >> 32, 4);
            mki_put_le(out + 0x34, 1, 4);
            mki_put_le(out + 0x38, mki_mbr_signature(scn), 4);
        }
        return 0;
    }
    if (strncmp(spec, "guid:", 5) == 0) {
        if (guid_bytes(spec + 5, out + 0x20) < 0) {
            snprintf(errbuf, errlen, "bcd: bad GUID '%s'", spec + 5);
            return -EINVAL;
        }
        mki_disk_uuid(scn, uuid);
        guid_bytes(uuid, out + 0x38);
        return 0;
    }
    unsigned long long sig = 0, off = 0;
    if (sscanf(spec, "mbr:%llx+%llu", &sig, &off) == 2) {
        mki_put_le(out + 0x20, off, 4);
        mki_put_le(out + 0x24, off >> 32, 4);
        mki_put_le(out + 0x34, 1, 4);
        mki_put_le(out + 0x38, sig, 4);
        return 0;
    }
    snprintf(errbuf, errlen, "bcd: bad device '%s'", spec);
    return -EINVAL;
}

struct ops {
    struct mki_hive *h;
    int err;
};

static void put(struct ops *o, const char *key, const char *name, int type, const void *data,
                size_t len)
{
    if (o->err)
        return;
    struct mki_hive *h = o->h;
    if (h->n_ops == h->cap_ops) {
        size_t cap = h->cap_ops ? h->cap_ops * 2 : 64;
        struct mki_regop *n = realloc(h->ops, cap * sizeof(*n));
        if (!n) {
            o->err = -ENOMEM;
            return;
        }
        h->ops = n;
        h->cap_ops = cap;
    }
    struct mki_regop op = {.key = strdup(key), .type = type, .len = len};
    if (name)
        op.name = strdup(name);
    if (len) {
        op.data = malloc(len);
        if (op.data)
            memcpy(op.data, data, len);
    }
    if (!op.key || (name && !op.name) || (len && !op.data)) {
        free(op.key);
        free(op.name);
        free(op.data);
        o->err = -ENOMEM;
        return;
    }
    h->ops[h->n_ops++] = op;
}

static void put_sz(struct ops *o, const char *key, const char *name, const char *s)
{
    uint8_t *u = NULL;
    size_t n = 0;
    if (!o->err && (o->err = mkhive_utf16le(s, &u, &n)) == 0)
        put(o, key, name, MKHIVE_REG_SZ, u, n);
    free(u);
}

static void element(struct ops *o, const char *obj, const char *elem, int type, const void *d,
                    size_t len)
{
    char key[160];
    snprintf(key, sizeof(key), "Objects\\%s\\Elements\\%s", obj, elem);
    put(o, key, "Element", type, d, len);
}

static void element_sz(struct ops *o, const char *obj, const char *elem, const char *s)
{
    char key[160];
    snprintf(key, sizeof(key), "Objects\\%s\\Elements\\%s", obj, elem);
    put_sz(o, key, "Element", s);
}

static void element_int(struct ops *o, const char *obj, const char *elem, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    element(o, obj, elem, MKHIVE_REG_BINARY, b, n);
}

static void object_type(struct ops *o, const char *obj, uint32_t type)
{
    char key[160];
    snprintf(key, sizeof(key), "Objects\\%s\\Description", obj);
    uint8_t b[4];
    mki_put_le(b, type, 4);
    put(o, key, "Type", MKHIVE_REG_DWORD, b, 4);
}

static int device(struct ops *o, const struct mki_scenario *scn, const char *obj, const char *elem,
                  const char *spec, char *errbuf, size_t errlen)
{
    uint8_t d[88];
    size_t n = 0;
    int r = device_element(scn, spec, d, &n, errbuf, errlen);
    if (r == 0 && n)
        element(o, obj, elem, MKHIVE_REG_BINARY, d, n);
    return r;
}

/* `value NAME mounted SPEC` values become the bytes Windows writes in MountedDevices:
 * "DMIO:ID:" + the GPT partition GUID, or the MBR disk signature + partition byte offset. */
static int resolve_mounted(struct mki_scenario *scn, char *errbuf, size_t errlen)
{
    for (size_t i = 0; i < scn->n_parts; i++)
        for (size_t h = 0; h < scn->parts[i].n_hives; h++)
            for (size_t k = 0; k < scn->parts[i].hives[h].n_ops; k++) {
                struct mki_regop *op = &scn->parts[i].hives[h].ops[k];
                if (op->type != MKI_REG_MOUNTED)
                    continue;
                uint8_t d[88];
                size_t n = 0;
                int r = device_element(scn, (const char *)op->data, d, &n, errbuf, errlen);
                if (r < 0)
                    return r;
                uint32_t style = (uint32_t)d[0x34];
                uint8_t *out = malloc(24);
                if (!out)
                    return -ENOMEM;
                if (n == 88 && style == 0) {
                    memcpy(out, "DMIO:ID:", 8);
                    memcpy(out + 8, d + 0x20, 16);
                    n = 24;
                } else if (n == 88 && style == 1) {
                    memcpy(out, d + 0x38, 4);
                    memcpy(out + 4, d + 0x20, 8);
                    n = 12;
                } else {
                    free(out);
                    snprintf(errbuf, errlen, "mounted: '%s' is no partition",
                             (const char *)op->data);
                    return -EINVAL;
                }
                free(op->data);
                op->data = out;
                op->len = n;
                op->type = MKHIVE_REG_BINARY;
            }
    return 0;
}

int mki_bcd_apply(struct mki_scenario *scn, char *errbuf, size_t errlen)
{
    struct mki_bcd *b = &scn->bcd;
    int rm = resolve_mounted(scn, errbuf, errlen);
    if (rm < 0 || !b->present)
        return rm;
    size_t esp = scn->n_parts, win = scn->n_parts;
    for (size_t i = 0; i < scn->n_parts; i++) {
        if (scn->parts[i].kind == MKI_PART_ESP && esp == scn->n_parts)
            esp = i;
        if (scn->parts[i].kind == MKI_PART_NTFS || mki_part_is_real_bde(&scn->parts[i]))
            win = i;
    }
    if (b->on == (size_t)-1)
        b->on = esp < scn->n_parts ? esp : 0;
    if (b->on >= scn->n_parts ||
        (scn->parts[b->on].kind != MKI_PART_ESP && scn->parts[b->on].kind != MKI_PART_NTFS)) {
        snprintf(errbuf, errlen, "%s: bcd: partition %zu is no ESP or NTFS volume", scn->name,
                 b->on + 1);
        return -EINVAL;
    }
    struct mki_part *part = &scn->parts[b->on];
    if (b->uefi < 0)
        b->uefi = part->kind == MKI_PART_ESP;
    if (!b->path && !(b->path = strdup(b->uefi ? "EFI/Microsoft/Boot/BCD" : "Boot/BCD")))
        return -ENOMEM;
    if (b->store_missing)
        return 0;
    struct mki_hive *hv = realloc(part->hives, (part->n_hives + 1) * sizeof(*hv));
    if (!hv)
        return -ENOMEM;
    part->hives = hv;
    struct mki_hive *h = &hv[part->n_hives++];
    *h = (struct mki_hive){.path = strdup(b->path)};
    if (!h->path)
        return -ENOMEM;
    struct ops o = {.h = h};
    char sysvol[32], winvol[32];
    snprintf(sysvol, sizeof(sysvol), "volume:%zu", b->on + 1);
    snprintf(winvol, sizeof(winvol), "volume:%zu", win + 1);
    put_sz(&o, "Description", "KeyName", "BCD00000001");
    /* {bootmgr} */
    object_type(&o, BOOTMGR, 0x10100002);
    int r = device(&o, scn, BOOTMGR, "11000001", sysvol, errbuf, errlen);
    if (b->uefi)
        element_sz(&o, BOOTMGR, "12000002", "\\EFI\\Microsoft\\Boot\\bootmgfw.efi");
    element_sz(&o, BOOTMGR, "12000004", "Windows Boot Manager");
    element_sz(&o, BOOTMGR, "12000005", "en-US");
    if (!b->no_default)
        element_sz(&o, BOOTMGR, "23000003", LOADER);
    uint8_t multi[80];
    uint8_t *u = NULL;
    size_t un = 0;
    if (!o.err && (o.err = mkhive_utf16le(LOADER, &u, &un)) == 0 && un + 2 <= sizeof(multi)) {
        memcpy(multi, u, un);
        multi[un] = multi[un + 1] = 0;
        element(&o, BOOTMGR, "24000001", MKHIVE_REG_MULTI_SZ, multi, un + 2);
    }
    free(u);
    element_int(&o, BOOTMGR, "25000004", 30, 8); /* timeout */
    /* the default OS loader */
    object_type(&o, LOADER, 0x10200003);
    if (r == 0)
        r = device(&o, scn, LOADER, "11000001", b->device ? b->device : winvol, errbuf, errlen);
    element_sz(&o, LOADER, "12000002",
               b->winload ? b->winload
               : b->uefi  ? "\\Windows\\system32\\winload.efi"
                          : "\\Windows\\system32\\winload.exe");
    element_sz(&o, LOADER, "12000004", "Windows 10");
    element_sz(&o, LOADER, "12000005", "en-US");
    element_int(&o, LOADER, "16000009", 1, 1); /* recoveryenabled */
    if (r == 0)
        r = device(&o, scn, LOADER, "21000001", b->osdevice ? b->osdevice : winvol, errbuf, errlen);
    element_sz(&o, LOADER, "22000002", b->systemroot ? b->systemroot : "\\Windows");
    element_int(&o, LOADER, "250000e0", 0, 8); /* bootstatuspolicy DisplayAllFailures */
    if (b->safeboot >= 0)
        element_int(&o, LOADER, "25000080", (uint64_t)b->safeboot, 8);
    for (unsigned i = 0; i < b->leaked; i++) {
        char g[48];
        snprintf(g, sizeof(g), "{b2721d73-1db4-4c62-bf78-c548a88015%02x}", i);
        object_type(&o, g, 0x10200003);
        if (r == 0)
            r = device(&o, scn, g, "21000001", winvol, errbuf, errlen);
        element_sz(&o, g, "12000004", "Windows Rollback");
    }
    return r < 0 ? r : o.err;
}
