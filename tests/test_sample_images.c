/* Tests of sample-images/: the mkhive library (create, set, read back with hivex and
 * libregf's regfexport) and the images sxs-mkimage built for the scenarios, checked with
 * independent tools (mmls, fsstat, fls, ifind, icat, istat from The Sleuth Kit, img_cat,
 * hivexget, regfinfo/regfexport), plus the builder's own parsing (repeat, append, heredocs,
 * encodings, errors). */
#include "analyzer/registry/an_hive.h"
#include "sample-images/mkhive.h"
#include "tests/support/corpus.h"

#include <criterion/criterion.h>
#include <hivex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IMG_DIR SXS_BINARY_DIR "/sample-images/out"
#define MKIMAGE SXS_BINARY_DIR "/sample-images/sxs-mkimage"
/* First sector of the NTFS volume in the standard layout: 1 MiB + ESP 8 MiB + MSR 16 MiB. */
#define NTFS_SECTOR 51200

/* ---- helpers ---- */

/* Runs a shell command; returns its stdout (malloc'd) and asserts the exit status. */
static char *sh(int want_status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *sh(int want_status, const char *fmt, ...)
{
    char *cmd;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    cr_assert(n > 0);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    char *out = NULL, *err = NULL;
    int st = sxs_run(argv, &out, &err, NULL);
    if (want_status >= 0)
        cr_assert_eq(st, want_status, "`%s` exited %d, stderr: %s", cmd, st, err ? err : "");
    free(cmd);
    free(err);
    return out ? out : strdup("");
}

static int have_images(void)
{
    struct stat st;
    return stat(IMG_DIR "/healthy.raw", &st) == 0;
}

#define IMAGES_OR_SKIP()                                                                           \
    do {                                                                                           \
        if (!have_images())                                                                        \
            cr_skip_test("sample images not built (cmake --build ... --target sample_images)");    \
    } while (0)

/* Bytes of the file at path (from the volume root, '/' separated) in an image. */
static char *image_file(const char *image, long sector, const char *path, size_t *ret_len)
{
    char *tmp = sxs_test_tmpdir("img");
    cr_assert_not_null(tmp);
    char *out = sh(0, "ifind -o %ld -n '%s' '%s/%s'", sector, path, IMG_DIR, image);
    long inode = atol(out);
    cr_assert_gt(inode, 0, "%s not found in %s (%s)", path, image, out);
    free(out);
    free(sh(0, "icat -o %ld '%s/%s' %ld > '%s/f'", sector, IMG_DIR, image, inode, tmp));
    char *file;
    cr_assert(asprintf(&file, "%s/f", tmp) > 0);
    char *data = sxs_slurp(file, ret_len);
    cr_assert_not_null(data);
    free(file);
    free(tmp);
    return data;
}

/* Extracts a hive from an image into a temp file; returns its path. */
static char *image_hive(const char *image, long sector, const char *name)
{
    char *rel, *tmp = sxs_test_tmpdir("hive"), *path;
    cr_assert(asprintf(&rel, "/Windows/System32/config/%s", name) > 0);
    cr_assert(asprintf(&path, "%s/%s", tmp, name) > 0);
    char *out = sh(0, "ifind -o %ld -n '%s' '%s/%s'", sector, rel, IMG_DIR, image);
    long inode = atol(out);
    cr_assert_gt(inode, 0);
    free(out);
    free(sh(0, "icat -o %ld '%s/%s' %ld > '%s'", sector, IMG_DIR, image, inode, path));
    free(rel);
    free(tmp);
    return path;
}

static char *hivexget(const char *hive, const char *key, const char *value)
{
    char *out = sh(0, "hivexget '%s' '%s' '%s'", hive, key, value);
    size_t n = strlen(out);
    while (n && out[n - 1] == '\n')
        out[--n] = '\0';
    return out;
}

/* UTF-8 (ASCII) to the UTF-16LE bytes expected in a file. */
static size_t utf16(const char *s, char *out)
{
    size_t n = 0;
    for (; *s; s++) {
        out[n++] = *s;
        out[n++] = 0;
    }
    return n;
}

/* ---- mkhive ---- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t checksum(const uint8_t *bb)
{
    uint32_t x = 0;
    for (int i = 0; i < 508; i += 4)
        x ^= le32(bb + i);
    return x;
}

Test(mkhive, create_writes_valid_base_block)
{
    char *dir = sxs_test_tmpdir("mkhive"), *path;
    cr_assert(asprintf(&path, "%s/EMPTY", dir) > 0);
    cr_assert_eq(mkhive_create(path), 0);
    size_t len;
    uint8_t *b = (uint8_t *)sxs_slurp(path, &len);
    cr_assert_eq(len, 8192);
    cr_assert_eq(memcmp(b, "regf", 4), 0);
    cr_assert_eq(le32(b + 4), le32(b + 8), "sequence numbers equal: clean");
    cr_assert_eq(le32(b + 20), 1);
    cr_assert_eq(le32(b + 24), 5);
    cr_assert_eq(le32(b + 28), 0);
    cr_assert_eq(le32(b + 32), 1);
    cr_assert_eq(le32(b + 36), 32, "root cell right after the hbin header");
    cr_assert_eq(le32(b + 40), 4096);
    cr_assert_eq(le32(b + 508), checksum(b));
    cr_assert_eq(memcmp(b + 4096, "hbin", 4), 0);
    cr_assert_eq(memcmp(b + 4096 + 32 + 4, "nk", 2), 0);
    hive_h *h = hivex_open(path, 0);
    cr_assert_not_null(h);
    hive_node_h *kids = hivex_node_children(h, hivex_root(h));
    cr_assert_not_null(kids);
    cr_assert_eq(kids[0], 0, "no subkeys");
    free(kids);
    hivex_close(h);
    char *out = sh(0, "regfinfo '%s'", path);
    cr_assert_not_null(strstr(out, "Version:\t1.5"), "%s", out);
    free(out);
    free(b);
    free(path);
    free(dir);
}

Test(mkhive, set_reads_back_every_type)
{
    char *dir = sxs_test_tmpdir("mkhive"), *path;
    cr_assert(asprintf(&path, "%s/SOFTWARE", dir) > 0);
    const char *cv = "Microsoft\\Windows NT\\CurrentVersion";
    cr_assert_eq(mkhive_set_sz(path, cv, "ProductName", "Windows 10 Pro"), 0); /* creates */
    cr_assert_eq(mkhive_set_dword(path, cv, "UBR", 5074), 0);
    cr_assert_eq(mkhive_set_expand_sz(path, "A\\B", "", "%SystemRoot%\\x"), 0);
    const uint8_t bin[5] = {0, 1, 0xFE, 0xFF, 7};
    cr_assert_eq(mkhive_set(path, "A\\B", "Bin", MKHIVE_REG_BINARY, bin, sizeof bin), 0);
    const uint8_t q[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    cr_assert_eq(mkhive_set(path, "A\\B", "Q", MKHIVE_REG_QWORD, q, sizeof q), 0);
    cr_assert_eq(mkhive_set_dword(path, cv, "UBR", 6000), 0); /* replaces */

    hive_h *h = hivex_open(path, 0);
    cr_assert_not_null(h);
    hive_node_h n = hivex_root(h);
    n = hivex_node_get_child(h, n, "microsoft"); /* lookups are case-insensitive */
    n = hivex_node_get_child(h, n, "Windows NT");
    n = hivex_node_get_child(h, n, "CurrentVersion");
    cr_assert_neq(n, 0);
    hive_value_h *vals = hivex_node_values(h, n);
    size_t count = 0;
    while (vals[count])
        count++;
    cr_assert_eq(count, 2, "UBR replaced, not duplicated");
    free(vals);
    hive_value_h v = hivex_node_get_value(h, n, "ProductName");
    char *s = hivex_value_string(h, v);
    cr_assert_str_eq(s, "Windows 10 Pro");
    free(s);
    v = hivex_node_get_value(h, n, "UBR");
    cr_assert_eq(hivex_value_dword(h, v), 6000);
    hive_node_h ab = hivex_node_get_child(h, hivex_node_get_child(h, hivex_root(h), "A"), "B");
    cr_assert_neq(ab, 0);
    hive_type t;
    size_t len;
    v = hivex_node_get_value(h, ab, "");
    cr_assert_eq(hivex_value_type(h, v, &t, &len), 0);
    cr_assert_eq(t, hive_t_REG_EXPAND_SZ);
    s = hivex_value_string(h, v);
    cr_assert_str_eq(s, "%SystemRoot%\\x");
    free(s);
    v = hivex_node_get_value(h, ab, "Bin");
    char *raw = hivex_value_value(h, v, &t, &len);
    cr_assert_eq(t, hive_t_REG_BINARY);
    cr_assert_eq(len, sizeof bin);
    cr_assert_eq(memcmp(raw, bin, sizeof bin), 0);
    free(raw);
    v = hivex_node_get_value(h, ab, "Q");
    cr_assert_eq(hivex_value_qword(h, v), 0x0807060504030201LL);
    hivex_close(h);

    /* libregf (what sxsdoctor reads hives with) must open it too */
    char *out = sh(0, "regfexport '%s'", path);
    cr_assert_not_null(strstr(out, "Data: Windows 10 Pro"), "%s", out);
    cr_assert_not_null(strstr(out, "Data: 6000"), "%s", out);
    free(out);
    free(path);
    free(dir);
}

Test(mkhive, batch_many_values_and_multi_sz)
{
    char *dir = sxs_test_tmpdir("mkhive"), *path;
    cr_assert(asprintf(&path, "%s/COMPONENTS", dir) > 0);
    mkhive *mh;
    cr_assert_eq(mkhive_open(path, &mh), 0);
    char key[64], name[32];
    for (int k = 0; k < 300; k++) {
        snprintf(key, sizeof key, "DerivedData\\Components\\c%03d", k);
        for (int i = 0; i < 5; i++) {
            snprintf(name, sizeof name, "v%d", i);
            cr_assert_eq(mkhive_put_dword(mh, key, name, (uint32_t)(k * 10 + i)), 0);
        }
    }
    const char *list[] = {"alpha", "beta gamma", "\xc3\xa9t\xc3\xa9"};
    cr_assert_eq(mkhive_put_multi_sz(mh, "", "Multi", list, 3), 0);
    cr_assert_eq(mkhive_put_key(mh, "Empty\\Key"), 0);
    cr_assert_eq(mkhive_commit(mh), 0);

    hive_h *h = hivex_open(path, 0);
    cr_assert_not_null(h);
    hive_node_h comps = hivex_node_get_child(
        h, hivex_node_get_child(h, hivex_root(h), "DerivedData"), "Components");
    cr_assert_eq(hivex_node_nr_children(h, comps), 300);
    hive_node_h c = hivex_node_get_child(h, comps, "c123");
    cr_assert_eq(hivex_value_dword(h, hivex_node_get_value(h, c, "v4")), 1234);
    hive_type t;
    size_t len;
    char *raw = hivex_value_value(h, hivex_node_get_value(h, hivex_root(h), "Multi"), &t, &len);
    /* UTF-16LE strings, each NUL-terminated, then an empty string ends the list */
    static const char want[] = "a\0l\0p\0h\0a\0\0\0b\0e\0t\0a\0 \0g\0a\0m\0m\0a\0\0\0"
                               "\xe9\0t\0\xe9\0\0\0\0\0";
    cr_assert_eq(t, hive_t_REG_MULTI_SZ);
    cr_assert_eq(len, sizeof want - 1);
    cr_assert_eq(memcmp(raw, want, len), 0);
    free(raw);
    cr_assert_neq(hivex_node_get_child(h, hivex_node_get_child(h, hivex_root(h), "Empty"), "Key"),
                  0);
    hivex_close(h);
    free(sh(0, "regfinfo '%s' >/dev/null", path));
    free(path);
    free(dir);
}

/* Values over 16344 bytes: hivex writes one big cell, valid in a version 1.3 hive. */
Test(mkhive, big_value_readable_by_libregf)
{
    char *dir = sxs_test_tmpdir("mkhive"), *path;
    cr_assert(asprintf(&path, "%s/BIG", dir) > 0);
    static uint8_t data[40000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    cr_assert_eq(mkhive_set(path, "K", "Big", MKHIVE_REG_BINARY, data, sizeof data), 0);
    char *out = sh(0, "regfexport '%s'", path);
    cr_assert_not_null(strstr(out, "Data size: 40000"), "%s", out);
    free(out);
    out = sh(0, "regfinfo '%s'", path);
    cr_assert_not_null(strstr(out, "Version:\t1.3"), "%s", out);
    free(out);
    hive_h *h = hivex_open(path, 0);
    cr_assert_not_null(h);
    hive_type t;
    size_t len;
    char *v = hivex_value_value(
        h, hivex_node_get_value(h, hivex_node_get_child(h, hivex_root(h), "K"), "Big"), &t, &len);
    cr_assert_eq(len, sizeof data);
    cr_assert_eq(memcmp(v, data, len), 0);
    free(v);
    hivex_close(h);
    free(path);
    free(dir);
}

Test(mkhive, utf16le_and_dirty)
{
    uint8_t *u;
    size_t len;
    cr_assert_eq(mkhive_utf16le("A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", &u, &len), 0);
    const uint8_t want[] = {'A', 0, 0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE, 0, 0};
    cr_assert_eq(len, sizeof want);
    cr_assert_eq(memcmp(u, want, sizeof want), 0);
    free(u);
    cr_assert_eq(mkhive_utf16le("\xc3", &u, &len), -EILSEQ);

    char *dir = sxs_test_tmpdir("mkhive"), *path;
    cr_assert(asprintf(&path, "%s/SYSTEM", dir) > 0);
    cr_assert_eq(mkhive_set_dword(path, "Select", "Current", 1), 0);
    cr_assert_eq(mkhive_mark_dirty(path), 0);
    uint8_t *b = (uint8_t *)sxs_slurp(path, &len);
    cr_assert_eq(le32(b + 4), le32(b + 8) + 1, "primary sequence ahead: dirty");
    cr_assert_eq(le32(b + 508), checksum(b));
    free(b);
    free(path);
    free(dir);
}

/* The crash-state log must replay, by the analyzer's yarp-style replay (an independent
 * implementation), into the final hive. */
Test(mkhive, dirty_with_new_format_log_replays)
{
    char *dir = sxs_test_tmpdir("mkhive"), *prim, *fin, *log;
    cr_assert(asprintf(&prim, "%s/SYSTEM", dir) > 0);
    cr_assert(asprintf(&fin, "%s/SYSTEM.final", dir) > 0);
    cr_assert(asprintf(&log, "%s/SYSTEM.LOG1", dir) > 0);
    cr_assert_eq(mkhive_set_dword(prim, "ControlSet001\\Services\\wuauserv", "Start", 3), 0);
    free(sh(0, "cp '%s' '%s'", prim, fin));
    mkhive *mh;
    cr_assert_eq(mkhive_open(fin, &mh), 0);
    cr_assert_eq(mkhive_put_dword(mh, "ControlSet001\\Services\\wuauserv", "Start", 4), 0);
    for (int i = 0; i < 200; i++) { /* enough to need a new hbin */
        char name[16];
        snprintf(name, sizeof name, "v%03d", i);
        cr_assert_eq(mkhive_put_sz(mh, "Grown", name, MKHIVE_REG_SZ, "some data to fill a page"),
                     0);
    }
    cr_assert_eq(mkhive_commit(mh), 0);
    cr_assert_eq(mkhive_make_dirty_with_log(prim, fin, log), 0);

    size_t plen, llen, flen;
    uint8_t *p = (uint8_t *)sxs_slurp(prim, &plen);
    uint8_t *l = (uint8_t *)sxs_slurp(log, &llen);
    uint8_t *f = (uint8_t *)sxs_slurp(fin, &flen);
    cr_assert_eq(le32(p + 4), le32(p + 8) + 1, "primary dirty");
    cr_assert_eq(le32(p + 508), checksum(p));
    cr_assert_eq(le32(l + 28), 6, "new-format log");
    cr_assert_eq(le32(l + 4), le32(p + 8));
    cr_assert_eq(le32(l + 508), checksum(l));
    cr_assert_eq(memcmp(l + 512, "HvLE", 4), 0);
    cr_assert_eq(le32(l + 512 + 12), le32(p + 8), "entry sequence = hive secondary");
    cr_assert_gt(flen, plen, "the final hive grew");
    char *v = hivexget(prim, "\\ControlSet001\\Services\\wuauserv", "Start");
    cr_assert_str_eq(v, "3", "primary alone: the stale value");
    free(v);

    an_hive_log l1 = {.data = l, .len = llen, .name = "LOG1"};
    an_hive_status st;
    uint8_t *buf = malloc(plen);
    memcpy(buf, p, plen);
    size_t blen = plen;
    cr_assert_eq(an_hive_replay(&buf, &blen, 64u << 20, NULL, &l1, NULL, &st), 0);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED, "%s", st.detail);
    cr_assert_eq(st.entries, 1);
    cr_assert_eq(blen, flen);
    cr_assert_eq(memcmp(buf + 4096, f + 4096, flen - 4096), 0, "replayed bins = final bins");
    free(buf);
    free(p);
    free(l);
    free(f);
    free(prim);
    free(fin);
    free(log);
    free(dir);
}

/* ---- images: layout, labels, contents ---- */

Test(images, gpt_layout_and_labels)
{
    IMAGES_OR_SKIP();
    char *out = sh(0, "mmls '%s/healthy.raw'", IMG_DIR);
    cr_assert_not_null(strstr(out, "GUID Partition Table"), "%s", out);
    cr_assert_not_null(
        strstr(out, ":  000       0000002048   0000018431   0000016384   EFI system partition"),
        "%s", out);
    cr_assert_not_null(strstr(out, ":  001       0000018432   0000051199   0000032768   "
                                   "Microsoft reserved partition"),
                       "%s", out);
    cr_assert_not_null(
        strstr(out, ":  002       0000051200   0000129023   0000077824   Basic data partition"),
        "%s", out);
    cr_assert_null(strstr(out, ":  003 "), "exactly three partitions: %s", out);
    free(out);
    /* partition type GUIDs, read from the GPT entries themselves */
    out = sh(0, "sfdisk -d '%s/healthy.raw'", IMG_DIR);
    cr_assert_not_null(strstr(out, "type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B"), "%s", out);
    cr_assert_not_null(strstr(out, "type=E3C9E316-0B5C-4DB8-817D-F92DF00215AE"), "%s", out);
    cr_assert_not_null(strstr(out, "type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"), "%s", out);
    free(out);
    out = sh(0, "fsstat -o %d '%s/healthy.raw'", NTFS_SECTOR, IMG_DIR);
    cr_assert_not_null(strstr(out, "File System Type: NTFS"), "%s", out);
    cr_assert_not_null(strstr(out, "Volume Name: Windows\n"), "%s", out);
    free(out);
    out = sh(0, "fsstat -o 2048 '%s/healthy.raw'", IMG_DIR);
    cr_assert_not_null(strstr(out, "File System Type: FAT12"), "%s", out);
    cr_assert_not_null(strstr(out, "Volume Label (Boot Sector): SYSTEM"), "%s", out);
    free(out);
}

Test(images, text_files_exact_bytes)
{
    IMAGES_OR_SKIP();
    size_t len;
    char *cbs = image_file("healthy.raw", NTFS_SECTOR, "/Windows/Logs/CBS/CBS.log", &len);
    const char *first = "\xEF\xBB\xBF"
                        "2025-08-14 09:02:11, Info                  CBS    TI: --- Initializing "
                        "Trusted Installer ---\r\n";
    cr_assert_geq(len, strlen(first));
    cr_assert_eq(memcmp(cbs, first, strlen(first)), 0, "%.*s", 120, cbs);
    cr_assert_str_eq(cbs + len - strlen("Ending the TrustedInstaller main loop.\r\n"),
                     "Ending the TrustedInstaller main loop.\r\n");
    free(cbs);

    /* UTF-16LE with BOM and CRLF, as Panther writes it */
    char *sa = image_file("ssu-empty.raw", NTFS_SECTOR,
                          "/$WINDOWS.~BT/Sources/Panther/setupact.log", &len);
    char want[1024];
    size_t n = 0;
    want[n++] = (char)0xFF;
    want[n++] = (char)0xFE;
    n += utf16("2025-09-03 14:20:05, Info                  MOUPG  *************** SetupHost "
               "Logging Begin ***************\r\n",
               want + n);
    cr_assert_geq(len, n);
    cr_assert_eq(memcmp(sa, want, n), 0);
    size_t m = utf16("Operation failed: Process Drivers for Migration. Error: 0x80070003", want);
    cr_assert_not_null(memmem(sa, len, want, m), "signature line present in UTF-16");
    free(sa);

    /* a log's times are those of its last line (09:07:40 in W. Europe summer time = UTC+2);
     * other files carry the install time */
    char *out = sh(0,
                   "istat -o %d '%s/healthy.raw' $(ifind -o %d -n /Windows/Logs/CBS/CBS.log "
                   "'%s/healthy.raw') | grep -m1 'File Modified'",
                   NTFS_SECTOR, IMG_DIR, NTFS_SECTOR, IMG_DIR);
    cr_assert_str_eq(out, "File Modified:\t2025-08-14 07:07:40.000000000 (UTC)\n");
    free(out);
    out = sh(0,
             "istat -o %d '%s/healthy.raw' $(ifind -o %d -n /Windows/explorer.exe "
             "'%s/healthy.raw') | grep -m1 'Created'",
             NTFS_SECTOR, IMG_DIR, NTFS_SECTOR, IMG_DIR);
    cr_assert_str_eq(out, "Created:\t2024-06-14 07:44:00.000000000 (UTC)\n");
    free(out);

    char *notes = image_file("healthy.raw", NTFS_SECTOR, "/Users/alex/Documents/notes.txt", &len);
    cr_assert_eq(len, strlen("quarterly numbers\n"));
    cr_assert_eq(memcmp(notes, "quarterly numbers\n", len), 0);
    free(notes);

    char *kernel = image_file("ssu-empty.raw", NTFS_SECTOR, "/Windows/System32/ntoskrnl.exe", &len);
    cr_assert_eq(len, 3u * 1024 * 1024);
    free(kernel);
}

/* A rolled-over log stored as Windows does: an MSZIP cabinet holding the .log. */
Test(images, cbs_persist_cabinet)
{
    IMAGES_OR_SKIP();
    char *tmp = sxs_test_tmpdir("cab");
    free(sh(0,
            "icat -o %d '%s/driver-missing-persist.raw' $(ifind -o %d -n "
            "/Windows/Logs/CBS/CbsPersist_20250611031306.cab '%s/driver-missing-persist.raw') "
            "> '%s/x.cab'",
            NTFS_SECTOR, IMG_DIR, NTFS_SECTOR, IMG_DIR, tmp));
    char *out = sh(0, "gcab -l '%s/x.cab'", tmp);
    cr_assert_str_eq(out, "CbsPersist_20250611031306.log 1081 2025-01-01 00:00:00 0x20\n");
    free(out);
    free(sh(0, "gcab -x -C '%s' '%s/x.cab'", tmp, tmp));
    char *path;
    cr_assert(asprintf(&path, "%s/CbsPersist_20250611031306.log", tmp) > 0);
    size_t len;
    char *log = sxs_slurp(path, &len);
    cr_assert_eq(len, 1081);
    const char *want = "Doqe: Recording result: 0x80070003, for Inf: ntprint4.inf\r\n";
    cr_assert_not_null(memmem(log, len, want, strlen(want)));
    cr_assert_eq(memcmp(log,
                        "\xEF\xBB\xBF"
                        "2025-06-11 03:12:40, Info",
                        28),
                 0);
    free(log);
    free(path);
    free(tmp);
}

Test(images, empty_servicing_stack_folder)
{
    IMAGES_OR_SKIP();
    const char *amd64 = "/Windows/WinSxS/amd64_microsoft-windows-servicingstack_31bf3856ad364e35_"
                        "10.0.26100.5074_none_a5532eb7772ad4c4";
    char *out = sh(0, "ifind -o %d -n '%s' '%s/ssu-empty.raw'", NTFS_SECTOR, amd64, IMG_DIR);
    long inode = atol(out);
    free(out);
    cr_assert_gt(inode, 0);
    out = sh(0, "fls -o %d '%s/ssu-empty.raw' %ld", NTFS_SECTOR, IMG_DIR, inode);
    cr_assert_str_eq(out, "", "folder must be empty: %s", out);
    free(out);
    /* the same folder in the healthy image holds the five stack files */
    out = sh(0, "fls -o %d '%s/healthy.raw' $(ifind -o %d -n '%s' '%s/healthy.raw') | wc -l",
             NTFS_SECTOR, IMG_DIR, NTFS_SECTOR, amd64, IMG_DIR);
    cr_assert_eq(atoi(out), 5, "%s", out);
    free(out);
}

Test(images, driver_store_lacks_ntprint4)
{
    IMAGES_OR_SKIP();
    char *out = sh(0,
                   "fls -o %d '%s/driver-missing.raw' $(ifind -o %d -n "
                   "/Windows/System32/DriverStore/FileRepository '%s/driver-missing.raw')",
                   NTFS_SECTOR, IMG_DIR, NTFS_SECTOR, IMG_DIR);
    cr_assert_null(strstr(out, "ntprint4"), "%s", out);
    cr_assert_not_null(strstr(out, "mshdc.inf_amd64_79f38c21b894a1c1"), "%s", out);
    free(out);
}

Test(images, junction_tag_and_target)
{
    IMAGES_OR_SKIP();
    char *out = sh(0, "ifind -o %d -n /Users/alex/Documents/Archive '%s/backup-reparse.raw'",
                   NTFS_SECTOR, IMG_DIR);
    long inode = atol(out);
    free(out);
    cr_assert_gt(inode, 0);
    out = sh(0, "istat -o %d '%s/backup-reparse.raw' %ld", NTFS_SECTOR, IMG_DIR, inode);
    cr_assert_not_null(strstr(out, "Reparse Point"), "%s", out);
    cr_assert_not_null(strstr(out, "$REPARSE_POINT (192-"), "%s", out);
    free(out);
    char *tmp = sxs_test_tmpdir("reparse"), *file;
    cr_assert(asprintf(&file, "%s/rp", tmp) > 0);
    free(sh(0, "icat -o %d '%s/backup-reparse.raw' %ld-192 > '%s'", NTFS_SECTOR, IMG_DIR, inode,
            file));
    size_t len;
    uint8_t *rp = (uint8_t *)sxs_slurp(file, &len);
    cr_assert_eq(le32(rp), 0xA0000003u, "IO_REPARSE_TAG_MOUNT_POINT");
    char sub[256], print[256];
    size_t ns = utf16("\\??\\C:\\OldArchive\\2019", sub), np = utf16("C:\\OldArchive\\2019", print);
    uint16_t sub_off = (uint16_t)(rp[8] | rp[9] << 8), sub_len = (uint16_t)(rp[10] | rp[11] << 8);
    uint16_t pr_off = (uint16_t)(rp[12] | rp[13] << 8), pr_len = (uint16_t)(rp[14] | rp[15] << 8);
    cr_assert_eq(sub_len, ns);
    cr_assert_eq(pr_len, np);
    cr_assert_leq(16u + pr_off + pr_len, len);
    cr_assert_eq(memcmp(rp + 16 + sub_off, sub, ns), 0);
    cr_assert_eq(memcmp(rp + 16 + pr_off, print, np), 0);
    free(rp);
    free(file);
    free(tmp);
}

/* Reparse data of an image's entry (attribute 192) into a malloc'd buffer. */
static uint8_t *reparse_data(const char *image, const char *path, size_t *ret_len)
{
    char *tmp = sxs_test_tmpdir("reparse"), *file;
    cr_assert(asprintf(&file, "%s/rp", tmp) > 0);
    free(sh(0, "icat -o %d '%s/%s' $(ifind -o %d -n '%s' '%s/%s')-192 > '%s'", NTFS_SECTOR, IMG_DIR,
            image, NTFS_SECTOR, path, IMG_DIR, image, file));
    uint8_t *rp = (uint8_t *)sxs_slurp(file, ret_len);
    cr_assert_not_null(rp);
    free(file);
    free(tmp);
    return rp;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

Test(images, mount_point_and_symlinks)
{
    IMAGES_OR_SKIP();
    size_t len;
    char want[256];
    /* volume mount point: a junction whose substitute name is the volume, print name empty */
    uint8_t *rp = reparse_data("backup-reparse-kinds.raw", "/Users/alex/Documents/Backup", &len);
    cr_assert_eq(le32(rp), 0xA0000003u);
    size_t n = utf16("\\??\\Volume{5b1d0c8e-7a11-4c3e-9f20-6d2a1b3c4d5e}\\", want);
    cr_assert_eq(le16(rp + 10), n);
    cr_assert_eq(memcmp(rp + 16 + le16(rp + 8), want, n), 0);
    cr_assert_eq(le16(rp + 14), 0, "empty print name");
    free(rp);
    /* absolute directory symlink: tag 0xA000000C, flags 0, \??\ substitute name */
    rp = reparse_data("backup-reparse-kinds.raw", "/Users/alex/Documents/Old", &len);
    cr_assert_eq(le32(rp), 0xA000000Cu);
    cr_assert_eq(le32(rp + 16), 0);
    n = utf16("\\??\\C:\\OldStuff", want);
    cr_assert_eq(le16(rp + 10), n);
    cr_assert_eq(memcmp(rp + 20 + le16(rp + 8), want, n), 0);
    free(rp);
    /* relative symlink: flag SYMLINK_FLAG_RELATIVE, names as written */
    rp = reparse_data("backup-reparse-kinds.raw", "/Users/alex/Pictures/Trips", &len);
    cr_assert_eq(le32(rp + 16), 1);
    n = utf16("..\\..\\Shared\\Trips", want);
    cr_assert_eq(memcmp(rp + 20 + le16(rp + 8), want, n), 0);
    cr_assert_eq(memcmp(rp + 20 + le16(rp + 12), want, n), 0);
    free(rp);
    /* a file symlink is a file (r/r), a directory symlink a directory (d/d) */
    char *out = sh(0,
                   "fls -o %d '%s/backup-reparse-kinds.raw' $(ifind -o %d -n "
                   "/Users/alex/Documents '%s/backup-reparse-kinds.raw')",
                   NTFS_SECTOR, IMG_DIR, NTFS_SECTOR, IMG_DIR);
    cr_assert_not_null(strstr(out, "r/r "), "%s", out);
    cr_assert_not_null(strstr(out, ":\tq3-report.xlsx\n"), "%s", out);
    cr_assert_not_null(strstr(out, ":\tOld\n"), "%s", out);
    free(out);
}

Test(images, hive_values_read_back)
{
    IMAGES_OR_SKIP();
    char *sw = image_hive("healthy.raw", NTFS_SECTOR, "SOFTWARE");
    const char *cv = "\\Microsoft\\Windows NT\\CurrentVersion";
    char *v = hivexget(sw, cv, "CurrentBuild");
    cr_assert_str_eq(v, "26100");
    free(v);
    v = hivexget(sw, cv, "UBR");
    cr_assert_str_eq(v, "5074");
    free(v);
    v = hivexget(sw, cv, "DisplayVersion");
    cr_assert_str_eq(v, "24H2");
    free(v);
    v = hivexget(sw, "\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Version",
                 "10.0.26100.5074");
    cr_assert_str_eq(v, "%SystemRoot%\\WinSxS\\amd64_microsoft-windows-servicingstack_"
                        "31bf3856ad364e35_10.0.26100.5074_none_a5532eb7772ad4c4");
    free(v);
    char *out = sh(0, "regfexport '%s'", sw); /* libregf reads the hive the image holds */
    cr_assert_not_null(strstr(out, "Type: expandable string (REG_EXPAND_SZ)"), "%s", out);
    free(out);
    free(sw);

    char *sys = image_hive("healthy.raw", NTFS_SECTOR, "SYSTEM");
    v = hivexget(sys, "\\Select", "Current");
    cr_assert_str_eq(v, "1");
    free(v);
    v = hivexget(sys, "\\ControlSet001\\Services\\BITS", "DelayedAutostart");
    cr_assert_str_eq(v, "1");
    free(v);
    out = sh(0, "hivexget '%s' '\\ControlSet001\\Control\\TimeZoneInformation'", sys);
    cr_assert_not_null(strstr(out, "\"StandardStart\"=hex(3):00,00,0a,00,00,00,05,00,03,00,00,00,"
                                   "00,00,00,00"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "\"Bias\"=dword:ffffffc4"), "%s", out);
    free(out);
    free(sys);

    /* select-current-2: the two control sets disagree; Current says which one counts */
    sys = image_hive("select-current-2.raw", NTFS_SECTOR, "SYSTEM");
    v = hivexget(sys, "\\Select", "Current");
    cr_assert_str_eq(v, "2");
    free(v);
    v = hivexget(sys, "\\ControlSet001\\Services\\wuauserv", "Start");
    cr_assert_str_eq(v, "4");
    free(v);
    v = hivexget(sys, "\\ControlSet002\\Services\\wuauserv", "Start");
    cr_assert_str_eq(v, "3");
    free(v);
    free(sys);
    sw = image_hive("select-current-2.raw", NTFS_SECTOR, "SOFTWARE");
    out = sh(0,
             "hivexget '%s' '\\Microsoft\\Windows\\CurrentVersion\\Component Based "
             "Servicing\\Version' | wc -l",
             sw);
    cr_assert_eq(atoi(out), 3);
    free(out);
    free(sw);

    sys = image_hive("wu-services.raw", NTFS_SECTOR, "SYSTEM");
    v = hivexget(sys, "\\ControlSet001\\Services\\BITS", "Start");
    cr_assert_str_eq(v, "4");
    free(v);
    v = hivexget(sys, "\\ControlSet002\\Services\\BITS", "Start");
    cr_assert_str_eq(v, "2");
    free(v);
    free(sys);

    char *comp = image_hive("pending-stuck.raw", NTFS_SECTOR, "COMPONENTS");
    out = sh(0, "hivexget '%s' '\\' PendingXmlIdentifier | od -An -tx1 | tr -d ' \\n'", comp);
    cr_assert_str_eq(out, "390031003600630064003400610033000000", "%s", out);
    free(out);
    free(comp);
}

Test(images, dirty_system_hive_with_log)
{
    IMAGES_OR_SKIP();
    size_t plen, llen, l2len;
    uint8_t *p = (uint8_t *)image_file("wu-services-dirty.raw", NTFS_SECTOR,
                                       "/Windows/System32/config/SYSTEM", &plen);
    uint8_t *l = (uint8_t *)image_file("wu-services-dirty.raw", NTFS_SECTOR,
                                       "/Windows/System32/config/SYSTEM.LOG1", &llen);
    char *l2 = image_file("wu-services-dirty.raw", NTFS_SECTOR,
                          "/Windows/System32/config/SYSTEM.LOG2", &l2len);
    cr_assert_eq(l2len, 0);
    cr_assert_neq(le32(p + 4), le32(p + 8), "primary is dirty");
    cr_assert_eq(memcmp(l + 512, "HvLE", 4), 0);
    an_hive_log l1 = {.data = l, .len = llen, .name = "LOG1"};
    an_hive_status st;
    an_hive *h = NULL;
    sxs_diag *d = sxs_diag_new();
    cr_assert_eq(an_hive_open_mem(p, plen, NULL, &l1, NULL, "SYSTEM", d, &st, &h), 0);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED, "%s", st.detail);
    uint32_t start = 0;
    cr_assert_eq(an_hive_get_dword(h, "ControlSet001\\Services\\wuauserv", "Start", &start), 1);
    cr_assert_eq(start, 4, "the logged change");
    cr_assert_eq(an_hive_get_dword(h, "ControlSet001\\Services\\BITS", "Start", &start), 1);
    cr_assert_eq(start, 2, "unchanged values survive the replay");
    an_hive_free(h);
    sxs_diag_free(d);
    free(p);
    free(l);
    free(l2);
}

Test(images, multi_install_two_windows_volumes)
{
    IMAGES_OR_SKIP();
    char *out = sh(0, "mmls '%s/multi-install.raw' | grep -c 'Basic data'", IMG_DIR);
    cr_assert_eq(atoi(out), 2);
    free(out);
    /* ESP 8 MiB, MSR 8 MiB, "Windows" 24 MiB, then "Win10" */
    const long second = 2048 + 16384 + 16384 + 49152;
    char *a = image_hive("multi-install.raw", 34816, "SOFTWARE");
    char *b = image_hive("multi-install.raw", second, "SOFTWARE");
    char *va = hivexget(a, "\\Microsoft\\Windows NT\\CurrentVersion", "CurrentBuild");
    char *vb = hivexget(b, "\\Microsoft\\Windows NT\\CurrentVersion", "CurrentBuild");
    cr_assert_str_eq(va, "26100");
    cr_assert_str_eq(vb, "19045");
    free(va);
    free(vb);
    free(a);
    free(b);
    out = sh(0, "fsstat -o %ld '%s/multi-install.raw' | grep 'Volume Name'", second, IMG_DIR);
    cr_assert_str_eq(out, "Volume Name: Win10\n");
    free(out);
}

Test(images, mbr_and_bare_volume)
{
    IMAGES_OR_SKIP();
    char *out = sh(0, "sfdisk -d '%s/mbr-system-reserved.raw'", IMG_DIR);
    cr_assert_not_null(strstr(out, "label: dos"), "%s", out);
    cr_assert_not_null(strstr(out, "start=        2048, size=       16384, type=7, bootable"), "%s",
                       out);
    cr_assert_not_null(strstr(out, "start=       18432, size=      112640, type=7\n"), "%s", out);
    free(out);
    out = sh(0, "fsstat -o 2048 '%s/mbr-system-reserved.raw' | grep 'Volume Name'", IMG_DIR);
    cr_assert_str_eq(out, "Volume Name: System Reserved\n");
    free(out);
    out = sh(-1, "mmls '%s/bare-volume.raw' 2>&1", IMG_DIR);
    cr_assert_null(strstr(out, "NTFS"), "no partition table: %s", out);
    free(out);
    out =
        sh(0, "fsstat -o 0 '%s/bare-volume.raw' | grep -E 'File System Type|Volume Name'", IMG_DIR);
    cr_assert_str_eq(out, "File System Type: NTFS\nVolume Name: Windows\n");
    free(out);
    char *sw = image_hive("bare-volume.raw", 0, "SOFTWARE");
    char *v = hivexget(sw, "\\Microsoft\\Windows NT\\CurrentVersion", "CurrentBuild");
    cr_assert_str_eq(v, "26100");
    free(v);
    free(sw);
}

Test(images, bitlocker_header)
{
    IMAGES_OR_SKIP();
    char *out = sh(0,
                   "dd if='%s/bitlocker.raw' bs=512 skip=51200 count=1 2>/dev/null | "
                   "od -An -c -j3 -N8 | tr -d ' \\n'",
                   IMG_DIR);
    cr_assert_str_eq(out, "-FVE-FS-");
    free(out);
    out = sh(-1, "fsstat -o 51200 '%s/bitlocker.raw' 2>&1", IMG_DIR);
    cr_assert_null(strstr(out, "NTFS"), "BitLocker volume must not parse as NTFS: %s", out);
    free(out);
    out = sh(0, "fsstat -o 100352 '%s/bitlocker.raw' | grep 'Volume Name'", IMG_DIR);
    cr_assert_str_eq(out, "Volume Name: Data\n");
    free(out);
}

/* raw, split raw, E01 (one and several segments), VHDX, VHD (dynamic, fixed) and VMDK of a
 * scenario hold the same disk. */
Test(images, containers_hold_identical_bytes)
{
    IMAGES_OR_SKIP();
    static const char *const ssu[] = {"ssu-empty.raw", "ssu-empty.E01", "ssu-empty-split.E01",
                                      "ssu-empty.vhdx"};
    char *ref = NULL;
    for (size_t i = 0; i < sizeof ssu / sizeof ssu[0]; i++) {
        char *h = sh(0, "img_cat '%s/%s' | sha256sum", IMG_DIR, ssu[i]);
        if (!ref)
            ref = h;
        else {
            cr_assert_str_eq(h, ref, "%s differs from ssu-empty.raw", ssu[i]);
            free(h);
        }
    }
    free(ref);
    struct stat st;
    cr_assert_eq(stat(IMG_DIR "/ssu-empty-split.E03", &st), 0, "split E01 has 3+ segments");
    static const char *const healthy[] = {"healthy.E01", "healthy.vhd", "healthy-fixed.vhd",
                                          "healthy.vmdk", "healthy-split.001"};
    char *a = sh(0, "img_cat '%s/healthy.raw' | sha256sum", IMG_DIR);
    for (size_t i = 0; i < sizeof healthy / sizeof healthy[0]; i++) {
        char *b = sh(0, "img_cat '%s/%s' | sha256sum", IMG_DIR, healthy[i]);
        cr_assert_str_eq(a, b, "%s differs from healthy.raw", healthy[i]);
        free(b);
    }
    free(a);
    cr_assert_eq(stat(IMG_DIR "/healthy-split.004", &st), 0, "split raw: four 16 MiB pieces");
    cr_assert_eq(st.st_size, 16 * 1024 * 1024);
    /* fixed VHD: the disk plus a 512-byte "conectix" footer of disk type 2 (fixed) */
    cr_assert_eq(stat(IMG_DIR "/healthy-fixed.vhd", &st), 0);
    cr_assert_eq(st.st_size, 64 * 1024 * 1024 + 512);
    char *info = sh(0,
                    "tail -c 512 '%s/healthy-fixed.vhd' | od -An -c -N8 | tr -d ' \\n'; "
                    "tail -c 512 '%s/healthy-fixed.vhd' | od -An -tx1 -j60 -N4 | tr -d ' \\n'",
                    IMG_DIR, IMG_DIR);
    cr_assert_str_eq(info, "conectix00000002");
    free(info);
    char *out = sh(0, "ewfinfo '%s/healthy.E01'", IMG_DIR);
    cr_assert_not_null(strstr(out, "Case number:\t\tSXS-TEST-1"), "%s", out);
    cr_assert_not_null(strstr(out, "Evidence number:\thealthy"), "%s", out);
    cr_assert_not_null(strstr(out, "Media size:\t\t64 MiB (67108864 bytes)"), "%s", out);
    free(out);
}

/* The directory form of a scenario holds the same files as its image. */
Test(images, tree_matches_image)
{
    IMAGES_OR_SKIP();
    static const char *const files[] = {"Windows/Logs/CBS/CBS.log",
                                        "Windows/System32/config/SOFTWARE",
                                        "Windows/System32/config/SYSTEM",
                                        "Windows/System32/config/COMPONENTS",
                                        "$WINDOWS.~BT/Sources/Panther/setupact.log",
                                        "Windows/System32/ntoskrnl.exe"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *a = sh(0,
                     "icat -o %d '%s/ssu-empty.raw' $(ifind -o %d -n '/%s' "
                     "'%s/ssu-empty.raw') | sha256sum",
                     NTFS_SECTOR, IMG_DIR, NTFS_SECTOR, files[i], IMG_DIR);
        char *b = sh(0, "sha256sum < '%s/ssu-empty.tree/%s'", IMG_DIR, files[i]);
        cr_assert_str_eq(a, b, "%s differs between image and tree", files[i]);
        free(a);
        free(b);
    }
    char *out = sh(0, "readlink '%s/backup-reparse.tree/Users/alex/Documents/Archive'", IMG_DIR);
    cr_assert_str_eq(out, "C:\\OldArchive\\2019\n");
    free(out);
    out = sh(0,
             "ls -A '%s/ssu-empty.tree/Windows/WinSxS/"
             "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_none_"
             "a5532eb7772ad4c4'",
             IMG_DIR);
    cr_assert_str_eq(out, "", "empty folder stays empty: %s", out);
    free(out);
    out = sh(0,
             "hivexget '%s/multi-install-win10.tree/Windows/System32/config/SOFTWARE' "
             "'\\Microsoft\\Windows NT\\CurrentVersion' CurrentBuild",
             IMG_DIR);
    cr_assert_str_eq(out, "19045\n");
    free(out);
}

/* ---- the builder itself ---- */

static char *write_scn(const char *dir, const char *name, const char *text)
{
    char *p;
    cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

Test(builder, repeat_append_heredoc_encodings)
{
    char *dir = sxs_test_tmpdir("mkimage");
    char *scn = write_scn(dir, "t.scn",
                          "disk size=32M table=mbr\n"
                          "partition ntfs size=rest label=\"Test Vol\"\n"
                          "file a/log.txt eol=crlf <<EOF\n"
                          "first\n"
                          "EOF\n"
                          "repeat 3 from=8\n"
                          "dir WinSxS/x86_c_{#:4}_{#:2x}\n"
                          "append a/log.txt <<EOF\n"
                          "line {#}\n"
                          "EOF\n"
                          "end\n"
                          "file u16.txt encoding=utf16le text=\"h\\xc3\\xa9\"\n"
                          "file empty.bin\n"
                          "file f.bin size=10000 fill=pattern\n"
                          "dir EmptyDir\n"
                          "hive Users/x/NTUSER.DAT\n"
                          "key Software\\Test\n"
                          "value \"Name With Space\" multi_sz one \"two three\"\n");
    /* leak detection on: the builder's own code must not leak (its image builds run
     * with detect_leaks=0 so that a third-party leak cannot break the build) */
    char *out = sh(0, "ASAN_OPTIONS=detect_leaks=1 '%s' '%s' '%s/t.raw' 2>&1", MKIMAGE, scn, dir);
    cr_assert_null(strstr(out, "Sanitizer"), "%s", out);
    free(out);
    out = sh(0, "mmls '%s/t.raw' | grep -c NTFS", dir);
    cr_assert_eq(atoi(out), 1);
    free(out);
    out = sh(0, "fls -o 2048 -p -r '%s/t.raw' | grep -v '\\$' | sed 's/.*:\t//' | sort", dir);
    cr_assert_str_eq(out,
                     "EmptyDir\nUsers\nUsers/x\nUsers/x/NTUSER.DAT\nWinSxS\n"
                     "WinSxS/x86_c_0008_08\nWinSxS/x86_c_0009_09\nWinSxS/x86_c_0010_0a\n"
                     "a\na/log.txt\nempty.bin\nf.bin\nu16.txt\n",
                     "%s", out);
    free(out);
    out = sh(0, "icat -o 2048 '%s/t.raw' $(ifind -o 2048 -n a/log.txt '%s/t.raw')", dir, dir);
    cr_assert_str_eq(out, "first\r\nline 8\r\nline 9\r\nline 10\r\n");
    free(out);
    out = sh(0, "icat -o 2048 '%s/t.raw' $(ifind -o 2048 -n u16.txt '%s/t.raw') | od -An -tx1", dir,
             dir);
    cr_assert_str_eq(out, " 68 00 e9 00\n");
    free(out);
    out = sh(0, "icat -o 2048 '%s/t.raw' $(ifind -o 2048 -n f.bin '%s/t.raw') | wc -c", dir, dir);
    cr_assert_eq(atoi(out), 10000);
    free(out);
    out = sh(0, "fsstat -o 2048 '%s/t.raw' | grep 'Volume Name'", dir);
    cr_assert_str_eq(out, "Volume Name: Test Vol\n");
    free(out);
    out = sh(0,
             "icat -o 2048 '%s/t.raw' $(ifind -o 2048 -n Users/x/NTUSER.DAT '%s/t.raw') > "
             "'%s/nt' && hivexget '%s/nt' '\\Software\\Test' 'Name With Space'",
             dir, dir, dir, dir);
    /* hivexget prints the list's terminating empty string as an empty line */
    cr_assert_str_eq(out, "one\ntwo three\n\n");
    free(out);
    free(scn);
    free(dir);
}

Test(builder, errors_name_file_and_line)
{
    char *dir = sxs_test_tmpdir("mkimage");
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"disk size=64M\npartition ntfs\nbogus x\n", "t.scn:3: unknown command 'bogus'"},
        {"disk size=64M\ndir a\n", "t.scn:2: no NTFS partition declared yet"},
        {"partition ntfs\nfile a <<EOF\nno end\n", "t.scn:2: heredoc not closed"},
        {"partition ntfs\nrepeat 2\ndir a{#}\n", "t.scn:2: repeat without end"},
        {"partition ntfs\nhive SOFTWARE\nkey A\nvalue X dword 4294967296\n", "t.scn:4: bad number"},
        {"partition ntfs\nfile a\nfile A\n", "t.scn:3: 'A' declared twice"},
        {"partition ntfs\njunction j relative\\path\n", "must be an absolute Windows path"},
        {"partition ntfs\nsymlink s\n", "symlink needs a target"},
        {"disk size=4M\npartition ntfs size=8M\n", "do not fit"},
        {"partition ntfs\nfile ../x\n", "no . or .. components"},
        {"partition ntfs\nevent time=2025-01-01T00:00:00 provider=P id=1\n",
         "t.scn:2: event without an evtx log"},
        {"partition ntfs\nevtx L.evtx\nevent provider=P id=1\n",
         "t.scn:3: event needs provider=, time= and id="},
        {"partition ntfs\nevtx L.evtx\nevent time=2025-01-01T00:00:00 provider=P id=70000\n",
         "t.scn:3: event: bad id"},
        {"partition ntfs\nevtx L.evtx bad-crc=x\n", "t.scn:2: evtx: bad number"},
        {"partition ntfs\nevtx L.evtx\nevent time=2025-01-01T00:00:00 provider=P id=1 "
         "x=\"\xff\"\n",
         "t.scn:3: event: does not fit a 64 KiB chunk, or its text is not UTF-8"},
        {"partition ntfs\ninclude ../healthy.scn\n", "t.scn:2: include: '../healthy.scn'"},
        {"partition ntfs\ninclude missing.scn\n", "t.scn:2: include:"},
        /* shadow copies (sample-images/mkimage_vss.c) */
        {"partition ntfs\nsnapshot id=1\n", "t.scn:2: bad GUID"},
        {"partition ntfs\nsnapshot time=2025-01-01\n", "t.scn:2: bad time"},
        {"partition ntfs\nsnapshot\n", "t.scn:2: snapshot needs time="},
        {"partition ntfs\nsnapshot time=2025-02-01T00:00:00\nsnapshot time=2025-01-01T00:00:00\n",
         "t.scn:3: snapshot times must increase"},
        {"partition ntfs\nsnapshot time=2025-01-01T00:00:00\nsnapshot time=2025-01-02T00:00:00\n"
         "snapshot time=2025-01-03T00:00:00\nsnapshot time=2025-01-04T00:00:00\n",
         "t.scn:5: at most 3 snapshot lines"},
        {"partition ntfs\nsnapshot time=2025-01-01T00:00:00 "
         "id=11111111-2222-3333-4444-555555555555\n"
         "snapshot time=2025-01-02T00:00:00 id={11111111-2222-3333-4444-555555555555}\n",
         "t.scn:3: snapshot id used twice"},
        {"partition ntfs\nfile a text=x\nsnapshot time=2025-01-01T00:00:00\nappend a text=y\n",
         "t.scn:4: append: 'a' was declared before a snapshot line"},
        {"partition ntfs\ndelete a\n", "t.scn:2: delete 'a': nothing declared there"},
        {"partition ntfs\nfile a/b\ndelete a\ndelete a/b\n",
         "t.scn:4: delete 'a/b': nothing declared there"},
        {"partition ntfs\nhive Windows/h.dat\ndelete Windows\n", "hives cannot be deleted"},
        /* BitLocker (sample-images/mkimage_bde.c) */
        {"partition ntfs\nbitlocker recovery-password=123\n", "t.scn:2: bad recovery-password"},
        /* 720896 = 11 * 65536: one past the largest group */
        {"partition ntfs\nbitlocker recovery-password=000011-000011-000011-000011-000011-000011-"
         "000011-720896\n",
         "t.scn:2: bad recovery-password"},
        {"partition ntfs\nbitlocker recovery-password=000011-000011-000011-000011-000011-000011-"
         "000011-000012\n",
         "t.scn:2: bad recovery-password"},
        {"partition ntfs\nbitlocker\n", "t.scn:2: bitlocker needs recovery-password="},
        {"partition ntfs\nbitlocker tpm\n", "t.scn:2: unknown bitlocker option 'tpm'"},
        {"partition ntfs\nbitlocker password=\n", "t.scn:2: empty BitLocker password"},
        {"partition ntfs\nbitlocker startup-key=\n", "t.scn:2: startup-key= needs the .BEK file"},
        /* the error path frees the .BEK name already taken (leak detection is on) */
        {"partition bitlocker startup-key=a.BEK tpm\n", "t.scn:1: unknown partition option 'tpm'"},
        {"disk size=64M\nbitlocker clear-key\n", "t.scn:2: no NTFS partition declared yet"},
        /* without a key option `partition bitlocker` is the fake header: it holds no files */
        {"partition bitlocker size=8M\ndir a\n", "t.scn:2: no NTFS partition declared yet"},
        {"partition ntfs recovery-password=000011-000011-000011-000011-000011-000011-000011-"
         "000011\n",
         "t.scn:1: unknown partition option"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *scn = write_scn(dir, "t.scn", cases[i].text);
        char *out = sh(1, "ASAN_OPTIONS=detect_leaks=1 '%s' --check '%s' 2>&1", MKIMAGE, scn);
        cr_assert_not_null(strstr(out, cases[i].want), "case %zu: %s", i, out);
        cr_assert_null(strstr(out, "Sanitizer"), "case %zu: %s", i, out);
        free(out);
        free(scn);
    }
    char *out = sh(2, "'%s' x.scn out.iso 2>&1", MKIMAGE);
    cr_assert_not_null(strstr(out, ".vmdk"), "%s", out);
    cr_assert_not_null(strstr(out, "extension must be"), "%s", out);
    free(out);
    free(dir);
}

/* Conflicts only the NTFS writer can see: a clear message, exit 1, no leak, no temp left. */
Test(builder, build_errors_are_clean)
{
    char *dir = sxs_test_tmpdir("mkimage");
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"partition ntfs\nfile a\nfile a/b\n", "parent is a file: 'a'"},
        {"partition ntfs\nhive SOFTWARE\nkey A\nfile Windows/System32/config/SOFTWARE/z\n",
         "create 'Windows/System32/config/SOFTWARE': File exists"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *scn = write_scn(dir, "t.scn", cases[i].text);
        char *out =
            sh(1, "ASAN_OPTIONS=detect_leaks=1 '%s' '%s' '%s/t.raw' 2>&1", MKIMAGE, scn, dir);
        cr_assert_not_null(strstr(out, cases[i].want), "case %zu: %s", i, out);
        cr_assert_null(strstr(out, "Sanitizer"), "case %zu: %s", i, out);
        free(out);
        free(scn);
    }
    char *out = sh(0, "ls '%s'", dir);
    cr_assert_str_eq(out, "t.scn\n", "no image and no build directory left: %s", out);
    free(out);
    free(dir);
}

Test(builder, every_scenario_parses)
{
    char *out = sh(0,
                   "for f in '%s'/sample-images/scenarios/*.scn; do '%s' --check \"$f\" || "
                   "echo \"FAILED $f\"; done 2>&1",
                   SXS_SOURCE_DIR, MKIMAGE);
    cr_assert_str_eq(out, "", "%s", out);
    free(out);
}

/* ---- BCD stores (the bcd directive) ---- */

/* Extracts a volume file from an image into a temp file; returns its path. */
static char *image_extract(const char *image, long sector, const char *path)
{
    size_t len = 0;
    char *data = image_file(image, sector, path, &len);
    char *tmp = sxs_test_tmpdir("bcd"), *file;
    cr_assert(asprintf(&file, "%s/BCD", tmp) > 0);
    FILE *f = fopen(file, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    free(data);
    free(tmp);
    return file;
}

/* hivexsh's lsval line for an element of an object. */
static char *hivex_element(const char *hive, const char *obj, const char *elem)
{
    return sh(0, "printf 'cd \\\\Objects\\\\%s\\\\Elements\\\\%s\\nlsval\\n' | hivexsh '%s'", obj,
              elem, hive);
}

/* The device element bytes for a GPT partition, as hivexsh prints them: options GUID zero,
 * DeviceType 6, size 0x48, partition GUID, style 0 (GPT), the disk GUID. */
static void gpt_device_hex(const char *part_uuid, const char *disk_uuid, char *out, size_t cap)
{
    unsigned p[16], d[16];
    cr_assert_eq(sscanf(part_uuid, "%2x%2x%2x%2x-%2x%2x-%2x%2x-%2x%2x-%2x%2x%2x%2x%2x%2x", &p[3],
                        &p[2], &p[1], &p[0], &p[5], &p[4], &p[7], &p[6], &p[8], &p[9], &p[10],
                        &p[11], &p[12], &p[13], &p[14], &p[15]),
                 16);
    cr_assert_eq(sscanf(disk_uuid, "%2x%2x%2x%2x-%2x%2x-%2x%2x-%2x%2x-%2x%2x%2x%2x%2x%2x", &d[3],
                        &d[2], &d[1], &d[0], &d[5], &d[4], &d[7], &d[6], &d[8], &d[9], &d[10],
                        &d[11], &d[12], &d[13], &d[14], &d[15]),
                 16);
    uint8_t b[88] = {0};
    b[0x10] = 6;
    b[0x18] = 0x48;
    for (int i = 0; i < 16; i++) {
        b[0x20 + i] = (uint8_t)p[i];
        b[0x38 + i] = (uint8_t)d[i];
    }
    size_t o = (size_t)snprintf(out, cap, "\"Element\"=hex(3):");
    for (int i = 0; i < 88; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x%s", b[i], i < 87 ? "," : "\n");
}

/* sfdisk -d's uuid= of partition n, and its label-id. */
static void sfdisk_ids(const char *image, int n, char part[37], char disk[37])
{
    char *out = sh(0, "sfdisk -d '%s/%s'", IMG_DIR, image);
    const char *l = strstr(out, "label-id: ");
    cr_assert_not_null(l);
    memcpy(disk, l + 10, 36);
    disk[36] = '\0';
    const char *u = out;
    for (int i = 0; i < n; i++) {
        u = strstr(u, "uuid=");
        cr_assert_not_null(u);
        u += 5;
    }
    memcpy(part, u, 36);
    part[36] = '\0';
    free(out);
}

#define LOADER_OBJ "{b2721d73-1db4-4c62-bf78-c548a880142d}"
#define BOOTMGR_OBJ "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"

Test(images, bcd_on_esp_cross_checked_with_hivex_and_libregf)
{
    IMAGES_OR_SKIP();
    char *bcd = image_extract("healthy.raw", 2048, "/EFI/Microsoft/Boot/BCD");
    char part[37], disk[37], want[512];
    sfdisk_ids("healthy.raw", 3, part, disk);
    gpt_device_hex(part, disk, want, sizeof(want));
    /* hivex: element value types and bytes */
    char *out = hivex_element(bcd, LOADER_OBJ, "11000001");
    cr_assert_str_eq(out, want);
    free(out);
    out = hivex_element(bcd, LOADER_OBJ, "21000001");
    cr_assert_str_eq(out, want);
    free(out);
    out = hivex_element(bcd, LOADER_OBJ, "12000002");
    cr_assert_str_eq(out, "\"Element\"=\"\\\\Windows\\\\system32\\\\winload.efi\"\n");
    free(out);
    out = hivex_element(bcd, LOADER_OBJ, "16000009");
    cr_assert_str_eq(out, "\"Element\"=hex(3):01\n");
    free(out);
    out = hivex_element(bcd, BOOTMGR_OBJ, "23000003");
    cr_assert_str_eq(out, "\"Element\"=\"" LOADER_OBJ "\"\n");
    free(out);
    out = hivex_element(bcd, BOOTMGR_OBJ, "25000004");
    cr_assert_str_eq(out, "\"Element\"=hex(3):1e,00,00,00,00,00,00,00\n");
    free(out);
    out = hivex_element(bcd, BOOTMGR_OBJ, "24000001");
    cr_assert_not_null(strstr(out, "\"Element\"=hex(7):7b,00,62,00,32,00"), "%s", out);
    free(out);
    /* the ESP partition GUID for {bootmgr}'s device */
    sfdisk_ids("healthy.raw", 1, part, disk);
    gpt_device_hex(part, disk, want, sizeof(want));
    out = hivex_element(bcd, BOOTMGR_OBJ, "11000001");
    cr_assert_str_eq(out, want);
    free(out);
    /* libregf reads the same store: types and the object type DWORD */
    out = sh(0, "regfexport '%s' 2>/dev/null", bcd);
    cr_assert_not_null(strstr(out, "Key path: ROOT\\Objects\\" LOADER_OBJ "\\Elements\\21000001\n"),
                       "%s", out);
    cr_assert_not_null(
        strstr(out, "Value: 0 Element\nType: binary data (REG_BINARY)\nData size: 88"), "%s", out);
    cr_assert_not_null(strstr(out, "Type: string (REG_SZ)\nData size: 60\nData: "
                                   "\\Windows\\system32\\winload.efi"),
                       "%s", out);
    cr_assert_not_null(strstr(out, "Type: multi-value string (REG_MULTI_SZ)"), "%s", out);
    cr_assert_not_null(strstr(out, "Value: 0 Type\nType: 32-bit integer little-endian "
                                   "(REG_DWORD_LITTLE_ENDIAN)\nData size: 4\nData: 270532611"),
                       "%s", out);
    free(out);
    free(bcd);
}

Test(images, bcd_on_system_reserved_names_mbr_signature_and_offset)
{
    IMAGES_OR_SKIP();
    char *bcd = image_extract("mbr-system-reserved.raw", 2048, "/Boot/BCD");
    char *id =
        sh(0, "sfdisk -d '%s/mbr-system-reserved.raw' | sed -n 's/^label-id: 0x//p'", IMG_DIR);
    unsigned long sig = strtoul(id, NULL, 16);
    free(id);
    /* Windows partition at sector 18432: offset 9437184 = 0x900000 */
    char want[512];
    size_t o = (size_t)snprintf(want, sizeof(want), "\"Element\"=hex(3):");
    uint8_t b[88] = {0};
    b[0x10] = 6;
    b[0x18] = 0x48;
    b[0x22] = 0x90; /* offset 0x00900000, little-endian */
    b[0x34] = 1;    /* MBR */
    for (int i = 0; i < 4; i++)
        b[0x38 + i] = (uint8_t)(sig >> (8 * i));
    for (int i = 0; i < 88; i++)
        o += (size_t)snprintf(want + o, sizeof(want) - o, "%02x%s", b[i], i < 87 ? "," : "\n");
    char *out = hivex_element(bcd, LOADER_OBJ, "21000001");
    cr_assert_str_eq(out, want);
    free(out);
    out = hivex_element(bcd, LOADER_OBJ, "12000002");
    cr_assert_str_eq(out, "\"Element\"=\"\\\\Windows\\\\system32\\\\winload.exe\"\n");
    free(out);
    out = sh(0, "regfexport '%s' 2>/dev/null | grep -c 'Elements'", bcd);
    cr_assert_gt(atoi(out), 10, "%s", out);
    free(out);
    free(bcd);
}

Test(images, mounted_devices_value_names_the_windows_partition)
{
    IMAGES_OR_SKIP();
    char *sys = image_hive("healthy.raw", NTFS_SECTOR, "SYSTEM");
    char part[37], disk[37], dev[512];
    sfdisk_ids("healthy.raw", 3, part, disk);
    gpt_device_hex(part, disk, dev, sizeof(dev));
    /* "DMIO:ID:" then the partition GUID bytes (bytes 0x20..0x2f of the device element) */
    char want[256];
    snprintf(want, sizeof(want), "\"\\\\DosDevices\\\\C:\"=hex(3):44,4d,49,4f,3a,49,44,3a,%.47s\n",
             strstr(dev, ":") + 1 + 0x20 * 3);
    char *out = sh(0, "printf 'cd \\\\MountedDevices\\nlsval\\n' | hivexsh '%s'", sys);
    cr_assert_str_eq(out, want);
    free(out);
    free(sys);
}
