/* Tests for analyzer/boot/boot_bcd_device.c: BCD device elements and MountedDevices values
 * decoded from exact bytes (the layouts bcdedit writes: GPT and MBR partitions, boot, locate,
 * ramdisk), hostile sizes refused, and resolution against volumes of a disk image built in
 * memory (a GPT with known partition GUIDs). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/boot/boot_bcd_device.h"

static const uint8_t PART_GUID[16] = {0x4e, 0x3d, 0x2c, 0x1b, 0x60, 0x5f, 0x72, 0x41,
                                      0x83, 0x94, 0xa5, 0xb6, 0xc7, 0xd8, 0xe9, 0xf0};

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* An 88-byte partition device element as bcdedit writes it. */
static void partition_element(uint8_t e[88], uint32_t style)
{
    memset(e, 0, 88);
    put32(e + 0x10, 6);
    put32(e + 0x18, 0x48);
    put32(e + 0x34, style);
}

Test(bcd_device, gpt_partition)
{
    uint8_t e[88];
    partition_element(e, 0);
    memcpy(e + 0x20, PART_GUID, 16);
    e[0x38] = 0xAA;
    boot_device d;
    cr_assert_eq(boot_bcd_device_decode(e, sizeof(e), &d), 0);
    cr_assert_eq(d.kind, BOOT_DEV_PARTITION_GPT);
    cr_assert_arr_eq(d.part_guid, PART_GUID, 16);
    cr_assert_eq(d.disk_guid[0], 0xAA);
    char s[96];
    boot_device_describe(&d, s, sizeof(s));
    cr_assert_str_eq(s, "gpt {1b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0}");
    cr_assert_str_eq(boot_dev_kind_name(d.kind), "partition");
}

Test(bcd_device, mbr_partition)
{
    uint8_t e[88];
    partition_element(e, 1);
    put32(e + 0x20, 0x00900000); /* offset 9437184 */
    put32(e + 0x24, 0x1);        /* high half: offset + 4 GiB */
    put32(e + 0x38, 0x5a3c9e01);
    boot_device d;
    cr_assert_eq(boot_bcd_device_decode(e, sizeof(e), &d), 0);
    cr_assert_eq(d.kind, BOOT_DEV_PARTITION_MBR);
    cr_assert_eq(d.part_offset, 0x100900000ull);
    cr_assert_eq(d.mbr_signature, 0x5a3c9e01u);
    char s[96];
    boot_device_describe(&d, s, sizeof(s));
    cr_assert_str_eq(s, "mbr 0x5a3c9e01+4304404480");
}

Test(bcd_device, boot_locate_ramdisk_and_others)
{
    static const struct {
        uint32_t type, local;
        boot_dev_kind kind;
        const char *name;
    } cases[] = {
        {5, 0, BOOT_DEV_BOOT, "boot"},
        {8, 0, BOOT_DEV_LOCATE, "locate"},
        {0, 3, BOOT_DEV_RAMDISK, "ramdisk"},
        {0, 6, BOOT_DEV_FILE, "file"},
        {2, 0, BOOT_DEV_PARTITION_LEGACY, "legacy-partition"},
        {9, 0, BOOT_DEV_OTHER, "other"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t e[88] = {0};
        put32(e + 0x10, cases[i].type);
        put32(e + 0x18, 0x48);
        put32(e + 0x20, cases[i].local);
        boot_device d;
        cr_assert_eq(boot_bcd_device_decode(e, sizeof(e), &d), 0, "case %zu", i);
        cr_assert_eq(d.kind, cases[i].kind, "case %zu", i);
        cr_assert_str_eq(boot_dev_kind_name(d.kind), cases[i].name);
    }
}

Test(bcd_device, hostile_sizes_are_invalid)
{
    uint8_t e[88];
    partition_element(e, 0);
    boot_device d;
    /* shorter than the header */
    cr_assert_eq(boot_bcd_device_decode(e, 0x1F, &d), -EBADMSG);
    cr_assert_eq(d.kind, BOOT_DEV_INVALID);
    /* the descriptor claims more than the value holds */
    cr_assert_eq(boot_bcd_device_decode(e, 0x57, &d), -EBADMSG);
    put32(e + 0x18, 0xFFFFFFFF);
    cr_assert_eq(boot_bcd_device_decode(e, sizeof(e), &d), -EBADMSG);
    /* a partition descriptor too small for the partition fields */
    put32(e + 0x18, 0x20);
    cr_assert_eq(boot_bcd_device_decode(e, sizeof(e), &d), -EBADMSG);
    /* an unknown partition style */
    partition_element(e, 7);
    cr_assert_eq(boot_bcd_device_decode(e, sizeof(e), &d), -EBADMSG);
    cr_assert_eq(boot_bcd_device_decode(NULL, 88, &d), -EBADMSG);
    char s[96];
    boot_device_describe(&d, s, sizeof(s));
    cr_assert_str_eq(s, "invalid");
}

Test(mounted, forms)
{
    boot_device d;
    uint8_t mbr[12] = {0x01, 0x9e, 0x3c, 0x5a, 0x00, 0x00, 0x10, 0x00, 0, 0, 0, 0};
    cr_assert_eq(boot_mounted_device_decode(mbr, sizeof(mbr), &d), 0);
    cr_assert_eq(d.kind, BOOT_DEV_PARTITION_MBR);
    cr_assert_eq(d.mbr_signature, 0x5a3c9e01u);
    cr_assert_eq(d.part_offset, 1048576u);
    uint8_t gpt[24];
    memcpy(gpt, "DMIO:ID:", 8);
    memcpy(gpt + 8, PART_GUID, 16);
    cr_assert_eq(boot_mounted_device_decode(gpt, sizeof(gpt), &d), 0);
    cr_assert_eq(d.kind, BOOT_DEV_PARTITION_GPT);
    cr_assert_arr_eq(d.part_guid, PART_GUID, 16);
    /* 24 bytes without the DMIO prefix, a UTF-16 device path: other */
    memset(gpt, 'x', 8);
    cr_assert_eq(boot_mounted_device_decode(gpt, sizeof(gpt), &d), 0);
    cr_assert_eq(d.kind, BOOT_DEV_OTHER);
    cr_assert_eq(boot_mounted_device_decode(mbr, 3, &d), -EBADMSG);
    cr_assert_eq(d.kind, BOOT_DEV_INVALID);
    cr_assert_eq(boot_mounted_device_decode(mbr, 0, &d), -EBADMSG);
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

/* A GPT disk in memory: protective MBR, header at LBA 1, entries at LBA 2, two partitions,
 * partition 2 with PART_GUID; no filesystems (volumes without one are still listed). */
static uint8_t *gpt_disk(size_t *ret_len)
{
    size_t len = 4u << 20;
    uint8_t *b = calloc(1, len);
    cr_assert_not_null(b);
    b[510] = 0x55;
    b[511] = 0xAA;
    b[446 + 4] = 0xEE;
    put32(b + 446 + 8, 1);
    put32(b + 446 + 12, (uint32_t)(len / 512 - 1));
    uint8_t *h = b + 512;
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put32(h + 24, 1);                          /* my LBA */
    put32(h + 32, (uint32_t)(len / 512 - 1));  /* alternate */
    put32(h + 40, 34);                         /* first usable */
    put32(h + 48, (uint32_t)(len / 512 - 34)); /* last usable */
    put32(h + 72, 2);                          /* entries LBA */
    put32(h + 80, 128);
    put32(h + 84, 128);
    static const uint8_t basic[16] = {0xa2, 0xa0, 0xd0, 0xeb, 0xe5, 0xb9, 0x33, 0x44,
                                      0x87, 0xc0, 0x68, 0xb6, 0xb7, 0x26, 0x99, 0xc7};
    for (int i = 0; i < 2; i++) {
        uint8_t *e = b + 1024 + 128 * i;
        memcpy(e, basic, 16);
        memcpy(e + 16, PART_GUID, 16);
        e[16] = (uint8_t)(0x10 + i); /* partition 1 differs in its first byte */
        put32(e + 32, 2048 + 2048 * (uint32_t)i);
        put32(e + 40, 2048 + 2048 * (uint32_t)i + 2047);
    }
    *ret_len = len;
    return b;
}

Test(bcd_device, resolves_against_the_disk)
{
    size_t len;
    uint8_t *b = gpt_disk(&len);
    /* libtsk checks the header and array CRCs: compute them */
    put32(b + 512 + 88, (uint32_t)crc32(0, b + 1024, 128 * 128));
    put32(b + 512 + 16, 0);
    put32(b + 512 + 16, (uint32_t)crc32(0, b + 512, 92));
    sxs_diag *diag = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open_memory(b, len, "mem.raw", diag, &ev), 0);
    cr_assert_eq(fsa_volume_count(ev), 2);
    boot_device d = {.kind = BOOT_DEV_PARTITION_GPT};
    memcpy(d.part_guid, PART_GUID, 16);
    d.part_guid[0] = 0x11;
    size_t vol = 99;
    cr_assert_eq(boot_device_resolve(ev, &d, &vol), 1);
    cr_assert_eq(vol, 1);
    d.part_guid[0] = 0x99;
    cr_assert_eq(boot_device_resolve(ev, &d, &vol), 0);
    boot_device mbr = {.kind = BOOT_DEV_PARTITION_MBR, .part_offset = 1048576};
    cr_assert_eq(boot_device_resolve(ev, &mbr, &vol), 0, "an MBR identity is no GPT volume");
    boot_device boot = {.kind = BOOT_DEV_BOOT};
    cr_assert_eq(boot_device_resolve(ev, &boot, &vol), -ENODATA);
    fsa_close(ev);
    sxs_diag_free(diag);
    free(b);
}

/* ---- a real BCD store ---------------------------------------------------------------------- */

#include <stdio.h>
#include <sys/stat.h>

#include "analyzer/an_facts.h"
#include "analyzer/boot/boot_bcd.h"
#include "tests/support/corpus.h"

static const char *fact(const an_facts *f, const char *name)
{
    const an_fact *x = an_facts_get(f, name);
    return x ? x->value : "(none)";
}

/* regipy's BCD.xz (mkorman90/regipy@f31541586488 regipy_tests/data/BCD.xz, MIT): a Windows 10
 * UEFI store as bcdboot wrote it. Put as Boot\BCD of a mounted-volume tree, it is read whole:
 * the default loader and its devices (GPT partition GUIDs; the tree carries no partition
 * identity, so unverifiable), path and systemroot, and recoveryenabled = Yes, which the store
 * holds as one resident byte 01 (hivexsh agrees; libregf 20201007 alone returns 00). Its
 * second OS loader is the WinRE recoverysequence: not leaked. */
Test(bcd_real, regipy_bcd_read_whole)
{
    SXS_CORPUS_OR_SKIP(p, "hives/regipy/BCD.xz");
    char *dir = sxs_test_tmpdir("realbcd"), *cmd = NULL;
    cr_assert(asprintf(&cmd, "mkdir -p '%s/Boot' && cp '%s' '%s/Boot/BCD' && echo x > '%s/bootmgr'",
                       dir, p, dir, dir) > 0);
    cr_assert_eq(system(cmd), 0);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(dir, d, &ev), 0);
    an_facts *f = an_facts_new();
    cr_assert_eq(boot_bcd_collect(fsa_volume_fs(ev, 0), f, d), 0);
    cr_assert_str_eq(fact(f, "boot.bcd.state"), "ok");
    cr_assert_str_eq(fact(f, "boot.bcd.default"), "{733b62e5-f608-11eb-825c-c112f60133ab}");
    cr_assert_str_eq(fact(f, "boot.bcd.default.device"),
                     "gpt {8e0f2c38-e4ea-47ba-b7fc-9d8c74dccf0b}");
    cr_assert_str_eq(fact(f, "boot.bcd.default.osdevice"),
                     "gpt {8e0f2c38-e4ea-47ba-b7fc-9d8c74dccf0b}");
    cr_assert_str_eq(fact(f, "boot.bcd.default.device.resolved"), "unverifiable");
    cr_assert_str_eq(fact(f, "boot.bcd.default.path"), "\\Windows\\system32\\winload.efi");
    cr_assert_str_eq(fact(f, "boot.bcd.default.systemroot"), "\\Windows");
    cr_assert_str_eq(fact(f, "boot.bcd.default.recoveryenabled"), "true");
    cr_assert_str_eq(fact(f, "boot.bcd.loader.count"), "2");
    cr_assert_str_eq(fact(f, "boot.bcd.displayorder.count"), "1");
    cr_assert_null(an_facts_get(f, "boot.bcd.loader.leaked"));
    cr_assert_null(an_facts_get(f, "boot.bcd.default.safeboot"));
    cr_assert_null(an_facts_get(f, "unread.bcd"));
    an_facts_free(f);
    fsa_close(ev);
    sxs_diag_free(d);
    free(cmd);
    free(dir);
    free(p);
}
