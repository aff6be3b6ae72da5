/* Tests for fsaccess/: the directory backend on a generated tree, the libtsk backend on the
 * real corpus images (exact offsets, sizes, filesystems, labels, EWF metadata), bad input that
 * must fail with a diag naming the file, and proof that evidence is never modified. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "fsaccess/fsa.h"
#include "tests/support/corpus.h"

/* ---- helpers -------------------------------------------------------------------------- */

static void write_file(const char *dir, const char *rel, const char *content)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "create %s", p);
    cr_assert_eq(fwrite(content, 1, strlen(content), f), strlen(content));
    fclose(f);
}

static void make_dir(const char *dir, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", dir, rel);
    cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
}

/* True when some diag entry's message contains needle. */
static bool diag_has(const sxs_diag *d, const char *needle)
{
    for (size_t i = 0; i < sxs_diag_count(d); i++)
        if (strstr(sxs_diag_get(d, i)->message, needle))
            return true;
    return false;
}

typedef struct {
    size_t n;
    char names[64][128];
    fsa_type types[64];
} listing;

static int collect(const fsa_dirent *e, void *ctx)
{
    listing *l = ctx;
    if (l->n < 64) {
        snprintf(l->names[l->n], sizeof(l->names[0]), "%s", e->name);
        l->types[l->n] = e->type;
    }
    l->n++;
    return 0;
}

static int listing_find(const listing *l, const char *name)
{
    for (size_t i = 0; i < l->n && i < 64; i++)
        if (!strcmp(l->names[i], name))
            return (int)i;
    return -1;
}

/* ---- directory backend ---------------------------------------------------------------- */

/* A mounted-volume look-alike: mixed-case names as a case-insensitive filesystem would keep. */
static char *make_tree(void)
{
    char *root = sxs_test_tmpdir("fsa-dirtree");
    make_dir(root, "windows");
    make_dir(root, "windows/system32");
    make_dir(root, "windows/system32/CONFIG");
    write_file(root, "windows/system32/CONFIG/software", "regf-not-really");
    write_file(root, "windows/system32/CONFIG/SYSTEM", "sys");
    make_dir(root, "windows/WinSxS");
    make_dir(root, "windows/WinSxS/amd64_microsoft-windows-servicingstack_31bf3856ad364e35_"
                   "10.0.26100.5074_none_0");
    write_file(root, "windows/WinSxS/pending.xml", "0123456789abcdef");
    make_dir(root, "Users");
    char link[4096];
    snprintf(link, sizeof(link), "%s/Users/Docs", root);
    cr_assert_eq(symlink("/nonexistent/target", link), 0);
    return root;
}

Test(dirfs, finds_install_and_reports_one_volume)
{
    char *root = make_tree();
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(root, d, &ev), 0);
    const fsa_evidence_info *info = fsa_info(ev);
    cr_assert_eq(info->format, FSA_FMT_DIRECTORY);
    cr_assert_str_eq(fsa_format_name(info->format), "directory");
    cr_assert_eq(info->segment_count, 1);
    cr_assert_str_eq(info->segments[0], root);
    cr_assert_null(info->ewf_md5);
    cr_assert_eq(fsa_volume_count(ev), 1);
    const fsa_volume_info *v = fsa_volume(ev, 0);
    cr_assert_eq(v->index, 0);
    cr_assert_eq(v->offset, 0);
    cr_assert_eq(v->size, 0);
    cr_assert_str_eq(v->fs, "directory");
    cr_assert_str_eq(v->label, "");
    cr_assert_null(fsa_volume(ev, 1));
    cr_assert_eq(fsa_install_count(ev), 1);
    const fsa_install_info *in = fsa_install(ev, 0);
    cr_assert_eq(in->volume, 0);
    cr_assert_str_eq(in->windows_dir, "windows");
    cr_assert_eq(in->fs, fsa_volume_fs(ev, 0));
    fsa_close(ev);
    sxs_diag_free(d);
    free(root);
}

Test(dirfs, case_insensitive_lookup_and_true_name)
{
    char *root = make_tree();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(root, NULL, &ev), 0);
    fsa_fs *fs = fsa_volume_fs(ev, 0);
    fsa_stat st;
    cr_assert_eq(fsa_lookup(fs, "WINDOWS\\System32\\config\\SOFTWARE", &st), 1);
    cr_assert_eq(st.type, FSA_TYPE_FILE);
    cr_assert_eq(st.size, strlen("regf-not-really"));
    cr_assert_eq(st.is_reparse, false);
    cr_assert_neq(st.mtime, 0);
    cr_assert_eq(fsa_lookup(fs, "/windows/winsxs/", &st), 1);
    cr_assert_eq(st.type, FSA_TYPE_DIR);
    cr_assert_eq(st.attributes & 0x10u, 0x10u);
    cr_assert_eq(fsa_lookup(fs, "", &st), 1);
    cr_assert_eq(st.type, FSA_TYPE_DIR);
    cr_assert_eq(fsa_lookup(fs, "Windows/System32/config/SAM", &st), 0);
    cr_assert_eq(fsa_lookup(fs, "Windows/nothere/config", &st), 0);
    /* a file used as a directory is simply absent */
    cr_assert_eq(fsa_lookup(fs, "Windows/WinSxS/pending.xml/x", &st), 0);
    cr_assert_lt(fsa_lookup(fs, "Windows/../..", &st), 0);
    char name[256];
    cr_assert_eq(fsa_true_name(fs, "WINDOWS/SYSTEM32/Config", name, sizeof(name)), 1);
    cr_assert_str_eq(name, "CONFIG");
    cr_assert_eq(fsa_true_name(fs, "windows/winsxs", name, sizeof(name)), 1);
    cr_assert_str_eq(name, "WinSxS");
    cr_assert_eq(fsa_true_name(fs, "windows/none", name, sizeof(name)), 0);
    fsa_close(ev);
    free(root);
}

Test(dirfs, symlink_is_reparse_point_not_followed)
{
    char *root = make_tree();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(root, NULL, &ev), 0);
    fsa_fs *fs = fsa_volume_fs(ev, 0);
    fsa_stat st;
    cr_assert_eq(fsa_lookup(fs, "users/docs", &st), 1);
    cr_assert(st.is_reparse);
    cr_assert_eq(st.reparse_tag, FSA_REPARSE_SYMLINK);
    cr_assert_str_eq(st.reparse_target, "/nonexistent/target");
    cr_assert_eq(st.type, FSA_TYPE_OTHER);
    cr_assert_eq(fsa_lookup(fs, "users/docs/x", &st), 0);
    cr_assert_eq(fsa_list_dir(fs, "users/docs", collect, &(listing){0}), -ENOTDIR);
    fsa_file *f = NULL;
    cr_assert_lt(fsa_file_open(fs, "users/docs", &f), 0);
    fsa_close(ev);
    free(root);
}

Test(dirfs, lists_and_reads)
{
    char *root = make_tree();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(root, NULL, &ev), 0);
    fsa_fs *fs = fsa_volume_fs(ev, 0);
    listing l = {0};
    cr_assert_eq(fsa_list_dir(fs, "Windows/WINSXS", collect, &l), 0);
    cr_assert_eq(l.n, 2);
    int i = listing_find(&l, "pending.xml");
    cr_assert_geq(i, 0);
    cr_assert_eq(l.types[i], FSA_TYPE_FILE);
    i = listing_find(&l, "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100."
                         "5074_none_0");
    cr_assert_geq(i, 0);
    cr_assert_eq(l.types[i], FSA_TYPE_DIR);
    cr_assert_eq(fsa_list_dir(fs, "Windows/absent", collect, &l), -ENOENT);
    for (int pass = 0; pass < 2; pass++) { /* the root twice: no shared directory offset */
        listing top = {0};
        cr_assert_eq(fsa_list_dir(fs, "", collect, &top), 0);
        cr_assert_eq(top.n, 2, "pass %d", pass);
    }
    cr_assert_eq(fsa_list_dir(fs, "Windows/WinSxS/pending.xml", collect, &l), -ENOTDIR);

    fsa_file *f = NULL;
    cr_assert_eq(fsa_file_open(fs, "windows/winsxs/PENDING.XML", &f), 1);
    cr_assert_eq(fsa_file_size(f), 16);
    char buf[32] = {0};
    cr_assert_eq(fsa_file_read(f, 10, buf, sizeof(buf)), 6);
    cr_assert_str_eq(buf, "abcdef");
    cr_assert_eq(fsa_file_read(f, 16, buf, 4), 0);
    cr_assert_eq(fsa_file_read(f, 1000, buf, 4), 0);
    size_t got = 99;
    memset(buf, 0, sizeof(buf));
    cr_assert_eq(fsa_file_read_full(f, 0, buf, 16, &got), 0);
    cr_assert_eq(got, 16);
    cr_assert_eq(memcmp(buf + 10, "abcdef", 6), 0);
    cr_assert_eq(fsa_file_read_full(f, 12, buf, 8, &got), 0); /* the end comes first */
    cr_assert_eq(got, 4);
    cr_assert_eq(memcmp(buf, "cdef", 4), 0);
    cr_assert_eq(fsa_file_read_full(f, 16, buf, 8, &got), 0);
    cr_assert_eq(got, 0);
    fsa_file_close(f);
    cr_assert_eq(fsa_file_open(fs, "windows/winsxs/none", &f), 0);
    cr_assert_eq(fsa_file_open(fs, "windows/winsxs", &f), -EISDIR);
    fsa_close(ev);
    free(root);
}

Test(dirfs, no_install_without_software_hive)
{
    char *root = sxs_test_tmpdir("fsa-noinstall");
    make_dir(root, "Windows");
    make_dir(root, "Windows/System32");
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(root, NULL, &ev), 0);
    cr_assert_eq(fsa_install_count(ev), 0);
    fsa_close(ev);
    free(root);
}

Test(dirfs, windows_dir_given_instead_of_volume_root)
{
    char *root = make_tree();
    char *win = NULL;
    cr_assert_geq(asprintf(&win, "%s/windows", root), 0);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(win, d, &ev), 0);
    cr_assert_eq(fsa_install_count(ev), 0);
    cr_assert(diag_has(d, "looks like a Windows directory itself"));
    fsa_close(ev);
    sxs_diag_free(d);
    free(win);
    free(root);
}

Test(open, missing_path_names_the_file)
{
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open("/nonexistent/disk.E01", d, &ev), -ENOENT);
    cr_assert_null(ev);
    cr_assert(diag_has(d, "/nonexistent/disk.E01"));
    sxs_diag_free(d);
}

/* ---- libtsk backend on the real corpus ---------------------------------------------------- */

typedef struct {
    uint64_t start, sectors; /* 512-byte sectors */
    const char *fs, *label, *note, *ptype;
} want_vol;

static fsa_evidence *open_ok(const char *path, sxs_diag *d)
{
    fsa_evidence *ev = NULL;
    int r = fsa_open(path, d, &ev);
    cr_assert_eq(r, 0, "fsa_open(%s) = %d (%s)", path, r,
                 sxs_diag_count(d) ? sxs_diag_get(d, 0)->message : "no diag");
    return ev;
}

static void check_volumes(fsa_evidence *ev, const want_vol *w, size_t n)
{
    cr_assert_eq(fsa_volume_count(ev), n, "volumes: %zu, want %zu", fsa_volume_count(ev), n);
    for (size_t i = 0; i < n; i++) {
        const fsa_volume_info *v = fsa_volume(ev, i);
        cr_assert_eq(v->index, i);
        cr_assert_eq(v->offset, w[i].start * 512, "vol %zu offset %llu", i,
                     (unsigned long long)v->offset);
        cr_assert_eq(v->size, w[i].sectors * 512, "vol %zu size %llu", i,
                     (unsigned long long)v->size);
        cr_assert_str_eq(v->fs, w[i].fs, "vol %zu", i);
        cr_assert_str_eq(v->label, w[i].label, "vol %zu", i);
        cr_assert_str_eq(v->note, w[i].note, "vol %zu", i);
        cr_assert_str_eq(v->partition_type, w[i].ptype, "vol %zu", i);
        bool readable =
            strcmp(w[i].fs, "unknown") && strcmp(w[i].fs, "bitlocker") && strcmp(w[i].fs, "btrfs");
        cr_assert_eq(fsa_volume_fs(ev, i) != NULL, readable, "vol %zu fs handle", i);
    }
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

Test(tsk, split_ewf_plaso)
{
    SXS_CORPUS_OR_SKIP(p, "images/plaso_image-split.E01");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    const fsa_evidence_info *in = fsa_info(ev);
    cr_assert_eq(in->format, FSA_FMT_EWF);
    cr_assert_eq(in->segment_count, 2);
    cr_assert(ends_with(in->segments[0], "plaso_image-split.E01"));
    cr_assert(ends_with(in->segments[1], "plaso_image-split.E02"));
    cr_assert_eq(in->media_size, 2880 * 512);
    cr_assert_eq(in->sector_size, 512);
    cr_assert_str_eq(in->ewf_md5, "38ea5af8a80e16e46c095c9110242fc0");
    cr_assert_null(in->ewf_sha1);
    cr_assert_str_eq(in->ewf_examiner, "John");
    cr_assert_str_eq(in->ewf_acquiry_software, "20140406");
    static const want_vol w[] = {
        {1, 350, "unknown", "", "no filesystem recognised", "Linux (0x83)"},
        {352, 2528, "ext", "", "", "Linux (0x83)"},
    };
    check_volumes(ev, w, 2);
    cr_assert_eq(fsa_install_count(ev), 0);
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

Test(tsk, ftk_e01_metadata_and_ntfs_volumes)
{
    SXS_CORPUS_OR_SKIP(p, "images/tsk_imageformat_mmls_1.E01");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    const fsa_evidence_info *in = fsa_info(ev);
    cr_assert_eq(in->format, FSA_FMT_EWF);
    cr_assert_eq(in->segment_count, 1);
    cr_assert_eq(in->media_size, 122881ull * 512);
    cr_assert_str_eq(in->ewf_examiner, "Rishwanth");
    cr_assert_str_eq(in->ewf_md5, "8ec671e301095c258224aad701740503");
    cr_assert_str_eq(in->ewf_sha1, "067bc6ab29685ee19b0cf82c9d15ac510d1e7d95");
    cr_assert_str_eq(in->ewf_acquiry_software, "ADI2.9.0.13");
    cr_assert_not_null(in->ewf_acquiry_date);
    cr_assert(strstr(in->ewf_acquiry_date, "2018"), "%s", in->ewf_acquiry_date);
    static const want_vol w[] = {
        {128, 55296, "ntfs", "Part 1", "", "NTFS / exFAT (0x07)"},
        {55424, 61440, "ntfs", "Part 2", "", "NTFS / exFAT (0x07)"},
    };
    check_volumes(ev, w, 2);
    cr_assert_eq(fsa_install_count(ev), 0);
    cr_assert_str_eq(fsa_fs_describe(fsa_volume_fs(ev, 1)), "volume 1 (ntfs at offset 28377088)");
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

Test(tsk, ewf_without_filesystem)
{
    SXS_CORPUS_OR_SKIP(p, "images/dissect_ewf.E01");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    cr_assert_eq(fsa_info(ev)->media_size, 4096);
    cr_assert_str_eq(fsa_info(ev)->ewf_md5, "4a225557e15472d956eb5fe34eed3b9d");
    cr_assert_eq(fsa_volume_count(ev), 0);
    cr_assert_eq(fsa_install_count(ev), 0);
    cr_assert(diag_has(d, "no partition table or filesystem recognised"));
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

Test(tsk, vhd_and_vmdk_with_bare_ext2)
{
    static const struct {
        const char *rel;
        fsa_format fmt;
        uint64_t size;
    } cases[] = {
        {"images/tsk_image.vhd", FSA_FMT_VHD, 104448},
        {"images/tsk_image.vmdk", FSA_FMT_VMDK, 102400},
    };
    for (size_t i = 0; i < 2; i++) {
        SXS_CORPUS_OR_SKIP(p, cases[i].rel);
        sxs_diag *d = sxs_diag_new();
        fsa_evidence *ev = open_ok(p, d);
        cr_assert_eq(fsa_info(ev)->format, cases[i].fmt, "%s", cases[i].rel);
        cr_assert_eq(fsa_info(ev)->media_size, cases[i].size, "%s", cases[i].rel);
        want_vol w[] = {{0, cases[i].size / 512, "ext", "", "", ""}};
        check_volumes(ev, w, 1);
        fsa_close(ev);
        sxs_diag_free(d);
        free(p);
    }
}

/* The same Windows-formatted NTFS disk in three containers. */
static const struct {
    const char *rel;
    fsa_format fmt;
    uint64_t media;
} ntfs_index_cases[] = {
    {"images/qemu_ntfs_index.vhdx", FSA_FMT_VHDX, 33554432},
    {"images/qemu_ntfs_index.vhd", FSA_FMT_VHD, 33562624},
    {"images/qemu_ntfs_index.vmdk", FSA_FMT_VMDK, 33554432},
    {"images/dfir_ntfs_ntfs_index.raw", FSA_FMT_RAW, 33554432},
};

ParameterizedTestParameters(tsk, ntfs_index_containers)
{
    static int idx[] = {0, 1, 2, 3};
    return cr_make_param_array(int, idx, 4);
}

ParameterizedTest(int *i, tsk, ntfs_index_containers)
{
    SXS_CORPUS_OR_SKIP(p, ntfs_index_cases[*i].rel);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    cr_assert_eq(fsa_info(ev)->format, ntfs_index_cases[*i].fmt);
    cr_assert_eq(fsa_info(ev)->media_size, ntfs_index_cases[*i].media);
    static const want_vol w[] = {{128, 59392, "ntfs", "Test index", "", "NTFS / exFAT (0x07)"}};
    check_volumes(ev, w, 1);
    cr_assert_eq(fsa_install_count(ev), 0);
    /* win_fs over the real index: any letter case, true case back, exact listing */
    fsa_fs *fs = fsa_volume_fs(ev, 0);
    fsa_stat st;
    cr_assert_eq(fsa_lookup(fs, "TEST_DIR", &st), 1);
    cr_assert_eq(st.type, FSA_TYPE_DIR);
    cr_assert_eq(st.inode, 39);
    cr_assert_eq(st.attributes & 0x10u, 0x10u);
    char name[64];
    cr_assert_eq(fsa_true_name(fs, "Test_Dir", name, sizeof(name)), 1);
    cr_assert_str_eq(name, "test_dir");
    cr_assert_eq(fsa_lookup(fs, "test_dir\\111111111111111.TXT", &st), 1);
    cr_assert_eq(st.type, FSA_TYPE_FILE);
    cr_assert_eq(st.inode, 43);
    cr_assert_eq(st.size, 0);
    cr_assert_eq(st.crtime, 1557519194); /* 2019-05-10 20:13:14 UTC, as istat shows */
    cr_assert_eq(st.attributes, 0x20u);  /* Archive */
    cr_assert_eq(st.is_reparse, false);
    listing l = {0};
    cr_assert_eq(fsa_list_dir(fs, "test_dir", collect, &l), 0);
    cr_assert_eq(l.n, 9);
    cr_assert_geq(listing_find(&l, "999999999999999.txt"), 0);
    cr_assert_geq(listing_find(&l, "AAAAAAAAAAA.txt"), 0);
    listing root = {0};
    cr_assert_eq(fsa_list_dir(fs, "/", collect, &root), 0);
    cr_assert_eq(root.n, 31); /* 12 system files + $RECYCLE.BIN, SVI, test_dir, 16 AAA files */
    int k = listing_find(&root, "System Volume Information");
    cr_assert_geq(k, 0);
    cr_assert_eq(root.types[k], FSA_TYPE_DIR);
    cr_assert_eq(fsa_lookup(fs, "test_dir/nothere.txt", &st), 0);
    cr_assert_eq(fsa_lookup(fs, "test_dir/111111111111111.txt/x", &st), 0);
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

Test(tsk, windows_mbr_with_extended_chain)
{
    SXS_CORPUS_OR_SKIP(p, "images/dfir_ntfs_mbr-win-512.raw.xz");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    cr_assert_eq(fsa_info(ev)->format, FSA_FMT_RAW);
    cr_assert_eq(fsa_info(ev)->media_size, 268435456);
    static const want_vol w[] = {
        {128, 16384, "unknown", "", "no filesystem recognised", "DOS FAT16 (0x06)"},
        {16512, 16384, "unknown", "", "no filesystem recognised", "DOS FAT16 (0x06)"},
        {32896, 16384, "unknown", "", "no filesystem recognised", "DOS FAT16 (0x06)"},
        {49408, 16384, "unknown", "", "no filesystem recognised", "DOS FAT16 (0x06)"},
        {65920, 16384, "unknown", "", "no filesystem recognised", "DOS FAT16 (0x06)"},
        {82432, 16384, "unknown", "", "no filesystem recognised", "DOS FAT16 (0x06)"},
        {98944, 417792, "unknown", "", "no filesystem recognised", "DOS FAT16 (0x06)"},
    };
    check_volumes(ev, w, 7);
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

Test(tsk, bare_ntfs_without_table)
{
    SXS_CORPUS_OR_SKIP(p, "images/dfir_ntfs_ntfs3.raw.gz");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    static const want_vol w[] = {{0, 131072, "ntfs", "", "", ""}};
    check_volumes(ev, w, 1);
    fsa_fs *fs = fsa_volume_fs(ev, 0);
    listing l = {0};
    cr_assert_eq(fsa_list_dir(fs, "TEST", collect, &l), 0);
    cr_assert_eq(l.n, 2); /* 1.txt was deleted: not in the index */
    cr_assert_geq(listing_find(&l, "2.txt"), 0);
    cr_assert_geq(listing_find(&l, "3.txt"), 0);
    cr_assert_eq(fsa_lookup(fs, "test/1.txt", NULL), 0);
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

/* Streams a file through fsa_file_read in small chunks (as the analyzer does). */
static void sha256_of_fsa_file(fsa_file *f, char out[65])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    cr_assert_not_null(c);
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    char buf[4000]; /* deliberately not a multiple of the cluster size */
    uint64_t off = 0;
    long n;
    while ((n = fsa_file_read(f, off, buf, sizeof(buf))) > 0) {
        EVP_DigestUpdate(c, buf, (size_t)n);
        off += (uint64_t)n;
    }
    cr_assert_eq(n, 0);
    cr_assert_eq(off, fsa_file_size(f));
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(c, md, &len);
    EVP_MD_CTX_free(c);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

Test(tsk, multiple_filesystems_and_reads)
{
    SXS_CORPUS_OR_SKIP(p, "images/forensics-samples_fs.multiple.raw.xz");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    static const want_vol w[] = {
        {2048, 225280, "btrfs", "", "filesystem not supported", "Linux (0x83)"},
        {227328, 81920, "ext", "", "", "Linux (0x83)"},
        {309248, 81920, "exfat", "", "", "NTFS / exFAT (0x07)"},
        {391168, 120832, "ntfs", "", "", "NTFS / exFAT (0x07)"},
    };
    check_volumes(ev, w, 4);
    cr_assert_eq(fsa_install_count(ev), 0);
    /* every readable filesystem lists the same two files and reads them identically */
    for (size_t v = 1; v < 4; v++) {
        fsa_fs *fs = fsa_volume_fs(ev, v);
        listing l = {0};
        cr_assert_eq(fsa_list_dir(fs, "", collect, &l), 0);
        cr_assert_geq(listing_find(&l, "test.txt"), 0, "vol %zu", v);
        cr_assert_geq(listing_find(&l, "debian_logo.jpg"), 0, "vol %zu", v);
        cr_assert_lt(listing_find(&l, "$OrphanFiles"), 0, "vol %zu", v);
        cr_assert_lt(listing_find(&l, "$ALLOC_BITMAP"), 0, "vol %zu", v);
        fsa_stat st;
        cr_assert_eq(fsa_lookup(fs, "TEST.TXT", &st), 1, "vol %zu", v);
        cr_assert_eq(st.size, 26);
        char name[32];
        cr_assert_eq(fsa_true_name(fs, "Test.Txt", name, sizeof(name)), 1);
        cr_assert_str_eq(name, "test.txt");
        fsa_file *f = NULL;
        cr_assert_eq(fsa_file_open(fs, "test.TXT", &f), 1);
        char buf[16] = {0};
        cr_assert_eq(fsa_file_read(f, 5, buf, 9), 9);
        cr_assert_str_eq(buf, "is a text");
        cr_assert_eq(fsa_file_read(f, 20, buf, 16), 6);
        fsa_file_close(f);
        cr_assert_eq(fsa_file_open(fs, "debian_logo.jpg", &f), 1);
        cr_assert_eq(fsa_file_size(f), 36885);
        char h[65];
        sha256_of_fsa_file(f, h);
        cr_assert_str_eq(h, "373206709037a7e561ebe5e9ee346dcbd56c35b1a8f9ff657d205a84b49ef36b",
                         "vol %zu", v);
        fsa_file_close(f);
    }
    fsa_stat st;
    cr_assert_eq(fsa_lookup(fsa_volume_fs(ev, 3), "test.txt", &st), 1);
    cr_assert_eq(st.crtime, 1604199249); /* 2020-11-01 02:54:09 UTC */
    cr_assert_eq(st.inode, 65);
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

Test(tsk, gpt_three_partitions)
{
    SXS_CORPUS_OR_SKIP(p, "images/dfir_ntfs_gpt-512-3p.raw.gz");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    static const want_vol w[] = {
        {34, 31, "unknown", "", "no filesystem recognised", "Linux filesystem"},
        {65, 64, "unknown", "", "no filesystem recognised", "Linux filesystem"},
        {129, 1886, "unknown", "", "no filesystem recognised", "EFI System"},
    };
    check_volumes(ev, w, 3);
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

Test(tsk, differencing_vhd_names_missing_parent)
{
    SXS_CORPUS_OR_SKIP(p, "images/dfvfs_fat-differential.vhd");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_lt(fsa_open(p, d, &ev), 0);
    cr_assert_null(ev);
    cr_assert(diag_has(d, "differencing VHD: parent"));
    cr_assert(diag_has(d, "fat-parent.vhd"));
    cr_assert(diag_has(d, p));
    cr_assert_eq(sxs_diag_get(d, 0)->level, SXS_DIAG_ERROR);
    sxs_diag_free(d);
    free(p);
}

/* ---- bad input: each a clear error naming the file, never a crash ----------------------- */

static char *tmp_file(const char *dir, const char *name)
{
    char *p = NULL;
    cr_assert_geq(asprintf(&p, "%s/%s", dir, name), 0);
    return p;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "create %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void expect_error_naming(const char *path, const char *what)
{
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    int r = fsa_open(path, d, &ev);
    cr_assert_lt(r, 0, "%s opened (%d)", path, r);
    cr_assert_null(ev);
    cr_assert_geq(sxs_diag_count_level(d, SXS_DIAG_ERROR), 1);
    cr_assert(diag_has(d, path), "diag does not name %s", path);
    cr_assert(diag_has(d, what), "diag lacks \"%s\": %s", what, sxs_diag_get(d, 0)->message);
    sxs_diag_free(d);
}

Test(bad, zero_byte_file)
{
    char *dir = sxs_test_tmpdir("fsa-bad");
    char *p = tmp_file(dir, "empty.raw");
    write_bytes(p, "", 0);
    expect_error_naming(p, "empty file (0 bytes)");
    free(p);
    free(dir);
}

Test(bad, random_bytes)
{
    char *dir = sxs_test_tmpdir("fsa-bad");
    char *p = tmp_file(dir, "random.img");
    size_t len = 1 << 20;
    uint8_t *b = malloc(len);
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* xorshift: reproducible noise */
        b[i] = (uint8_t)x;
    }
    write_bytes(p, b, len);
    free(b);
    expect_error_naming(p, "not a disk image");
    free(p);
    free(dir);
}

Test(bad, truncated_e01)
{
    SXS_CORPUS_OR_SKIP(src, "images/tsk_imageformat_mmls_1.E01");
    size_t len = 0;
    char *data = sxs_slurp(src, &len);
    cr_assert_not_null(data);
    char *dir = sxs_test_tmpdir("fsa-bad");
    char *p = tmp_file(dir, "cut.E01");
    write_bytes(p, data, len / 2);
    free(data);
    expect_error_naming(p, "truncated");
    free(p);
    free(dir);
    free(src);
}

/* A 3-segment E01 made with ewfacquire from a generated raw disk, then E02 removed. */
Test(bad, split_e01_missing_middle_segment)
{
    if (access("/usr/bin/ewfacquire", X_OK) != 0)
        cr_skip_test("ewfacquire not installed (ewf-tools)");
    char *dir = sxs_test_tmpdir("fsa-ewf3");
    char *raw = tmp_file(dir, "src.raw");
    size_t len = 2816u * 1024; /* three segments of at most 1 MiB, the last one partly full */
    uint8_t *b = malloc(len);
    uint32_t x = 0xC0FFEEu;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* incompressible, so segments fill */
        b[i] = (uint8_t)x;
    }
    write_bytes(raw, b, len);
    free(b);
    char *target = tmp_file(dir, "disk");
    char *argv[] = {
        "/usr/bin/ewfacquire", "-u", "-q", "-c", "none", "-S", "1048576", "-t", target, raw, NULL};
    cr_assert_eq(sxs_run(argv, NULL, NULL, NULL), 0, "ewfacquire failed");
    char *e01 = tmp_file(dir, "disk.E01"), *e02 = tmp_file(dir, "disk.E02"),
         *e03 = tmp_file(dir, "disk.E03");
    cr_assert_eq(access(e03, R_OK), 0, "ewfacquire made fewer than 3 segments");
    /* whole set first: it must open, with the right size */
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(e01, d);
    cr_assert_eq(fsa_info(ev)->segment_count, 3);
    cr_assert_eq(fsa_info(ev)->media_size, len);
    cr_assert_eq(fsa_volume_count(ev), 0); /* noise: a valid container holding no volume */
    fsa_close(ev);
    sxs_diag_free(d);
    cr_assert_eq(unlink(e02), 0);
    expect_error_naming(e01, "disk.E02 is missing");
    free(e01);
    free(e02);
    free(e03);
    free(target);
    free(raw);
    free(dir);
}

/* A raw disk whose MBR holds one NTFS-typed partition with a BitLocker boot sector. */
static uint8_t *make_bitlocker_disk(size_t *ret_len)
{
    size_t len = 4u << 20;
    uint8_t *b = calloc(1, len);
    cr_assert_not_null(b);
    uint8_t *pe = b + 446;        /* first partition entry */
    pe[4] = 0x07;                 /* NTFS/exFAT/BitLocker */
    pe[8] = 0x00, pe[9] = 0x08;   /* start LBA 2048 */
    pe[12] = 0x00, pe[13] = 0x10; /* 4096 sectors */
    b[510] = 0x55, b[511] = 0xAA;
    uint8_t *bs = b + 2048 * 512;
    memcpy(bs, "\xEB\x58\x90-FVE-FS-", 11);
    bs[510] = 0x55, bs[511] = 0xAA;
    *ret_len = 2048 * 512 + 4096 * 512 > len ? len : len;
    return b;
}

Test(bad, bitlocker_volume_named_not_unknown)
{
    char *dir = sxs_test_tmpdir("fsa-bde");
    char *p = tmp_file(dir, "bitlocker.raw");
    size_t len;
    uint8_t *b = make_bitlocker_disk(&len);
    write_bytes(p, b, len);
    for (int pass = 0; pass < 2; pass++) { /* from a file, then from memory */
        sxs_diag *d = sxs_diag_new();
        fsa_evidence *ev = NULL;
        int r = pass == 0 ? fsa_open(p, d, &ev) : fsa_open_memory(b, len, p, d, &ev);
        cr_assert_eq(r, 0);
        cr_assert_eq(fsa_volume_count(ev), 1);
        const fsa_volume_info *v = fsa_volume(ev, 0);
        cr_assert_str_eq(v->fs, "bitlocker");
        cr_assert_str_eq(v->note, "BitLocker-encrypted");
        cr_assert_eq(v->offset, 1048576);
        cr_assert_null(fsa_volume_fs(ev, 0));
        cr_assert_eq(fsa_install_count(ev), 0);
        cr_assert(diag_has(d, "volume 0 at offset 1048576 is BitLocker-encrypted"));
        cr_assert_str_eq(sxs_diag_get(d, 0)->source, p);
        fsa_close(ev);
        sxs_diag_free(d);
    }
    free(b);
    free(p);
    free(dir);
}

Test(tsk, generated_fat_label)
{
    if (access("/usr/sbin/mkfs.vfat", X_OK) != 0)
        cr_skip_test("mkfs.vfat not installed (dosfstools)");
    char *dir = sxs_test_tmpdir("fsa-fat");
    char *p = tmp_file(dir, "fat.img");
    char *argv[] = {"/usr/sbin/mkfs.vfat", "-C", "-n", "SXSLABEL", p, "4096", NULL};
    cr_assert_eq(sxs_run(argv, NULL, NULL, NULL), 0);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    static const want_vol w[] = {{0, 8192, "fat12", "SXSLABEL", "", ""}};
    check_volumes(ev, w, 1);
    listing l = {0};
    cr_assert_eq(fsa_list_dir(fsa_volume_fs(ev, 0), "", collect, &l), 0);
    cr_assert_eq(l.n, 0); /* libtsk's $MBR/$FAT1/$OrphanFiles are not listed */
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
    free(dir);
}

/* ---- read-only proof ------------------------------------------------------------------- */

Test(readonly, corpus_images_unchanged_after_open_and_read)
{
    static const char *const rels[] = {
        "images/plaso_image-split.E01",
        "images/plaso_image-split.E02",
        "images/tsk_imageformat_mmls_1.E01",
        "images/dissect_ewf.E01",
        "images/tsk_image.vhd",
        "images/tsk_image.vmdk",
        "images/qemu_ntfs_index.vhdx",
        "images/qemu_ntfs_index.vmdk",
        "images/dfir_ntfs_ntfs3.raw.gz",
        "images/dfvfs_fat-differential.vhd",
        "images/forensics-samples_fs.multiple.raw.xz",
    };
    size_t n = sizeof(rels) / sizeof(rels[0]);
    char before[16][65], after[16][65];
    char *paths[16];
    for (size_t i = 0; i < n; i++) {
        paths[i] = sxs_corpus_path(rels[i]);
        if (!paths[i])
            cr_skip_test("corpus file %s absent", rels[i]);
        cr_assert_eq(sxs_sha256_file(paths[i], before[i]), 0);
    }
    for (size_t i = 0; i < n; i++) {
        if (ends_with(paths[i], ".E02"))
            continue; /* opened through its .E01 */
        fsa_evidence *ev = NULL;
        if (fsa_open(paths[i], NULL, &ev) < 0)
            continue; /* the differencing VHD */
        for (size_t v = 0; v < fsa_volume_count(ev); v++) {
            fsa_fs *fs = fsa_volume_fs(ev, v);
            listing l = {0};
            if (fs)
                fsa_list_dir(fs, "", collect, &l);
        }
        fsa_close(ev);
    }
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(sxs_sha256_file(paths[i], after[i]), 0);
        cr_assert_str_eq(before[i], after[i], "%s changed", rels[i]);
        free(paths[i]);
    }
}

/* ---- the same tree through both backends ---------------------------------------------- */

typedef struct {
    fsa_fs *fs;
    const char *rel; /* directory being copied, relative to the volume root */
    const char *out; /* where it goes on the host */
    unsigned copied;
} copy_ctx;

static void copy_tree(fsa_fs *fs, const char *rel, const char *out, unsigned *copied);

static int copy_entry(const fsa_dirent *e, void *vctx)
{
    copy_ctx *c = vctx;
    if (c->rel[0] == '\0' && e->name[0] == '$')
        return 0; /* NTFS metadata files: a mounted volume does not show them */
    char rel[2048], out[4096];
    snprintf(rel, sizeof(rel), "%s%s%s", c->rel, c->rel[0] ? "/" : "", e->name);
    snprintf(out, sizeof(out), "%s/%s", c->out, e->name);
    fsa_stat st;
    cr_assert_eq(fsa_lookup(c->fs, rel, &st), 1, "%s", rel);
    cr_assert_lt(++*(&c->copied), 5000u, "tree too large for this test");
    if (st.is_reparse) {
        cr_assert_eq(symlink(st.reparse_target, out), 0, "%s", out); /* as ntfs-3g shows it */
    } else if (st.type == FSA_TYPE_DIR) {
        cr_assert_eq(mkdir(out, 0755), 0, "%s", out);
        copy_tree(c->fs, rel, out, &c->copied);
    } else if (st.type == FSA_TYPE_FILE) {
        fsa_file *f = NULL;
        cr_assert_eq(fsa_file_open(c->fs, rel, &f), 1, "%s", rel);
        FILE *o = fopen(out, "wb");
        cr_assert_not_null(o);
        char buf[8192];
        uint64_t off = 0;
        long n;
        while ((n = fsa_file_read(f, off, buf, sizeof(buf))) > 0) {
            cr_assert_eq(fwrite(buf, 1, (size_t)n, o), (size_t)n);
            off += (uint64_t)n;
        }
        cr_assert_eq(off, st.size, "%s", rel);
        fclose(o);
        fsa_file_close(f);
    }
    return 0;
}

static void copy_tree(fsa_fs *fs, const char *rel, const char *out, unsigned *copied)
{
    copy_ctx c = {.fs = fs, .rel = rel, .out = out, .copied = *copied};
    cr_assert_eq(fsa_list_dir(fs, rel, copy_entry, &c), 0, "%s", rel);
    *copied = c.copied;
}

typedef struct {
    fsa_fs *a, *b; /* image, directory */
    const char *rel;
    unsigned checked;
} cmp_ctx;

static void compare_dir(fsa_fs *a, fsa_fs *b, const char *rel, unsigned *checked);

/* Every entry of the directory copy must resolve the same way in the image, with its name
 * given in upper case (case-insensitive lookups on both sides). */
static int compare_entry(const fsa_dirent *e, void *vctx)
{
    cmp_ctx *c = vctx;
    char rel[2048], upper[2048];
    snprintf(rel, sizeof(rel), "%s%s%s", c->rel, c->rel[0] ? "/" : "", e->name);
    size_t i = 0;
    for (; rel[i] && i + 1 < sizeof(upper); i++)
        upper[i] = (rel[i] >= 'a' && rel[i] <= 'z') ? (char)(rel[i] - 32) : rel[i];
    upper[i] = '\0';
    fsa_stat sa, sb;
    cr_assert_eq(fsa_lookup(c->a, upper, &sa), 1, "image: %s", upper);
    cr_assert_eq(fsa_lookup(c->b, upper, &sb), 1, "directory: %s", upper);
    cr_assert_eq(sa.is_reparse, sb.is_reparse, "%s", rel);
    cr_assert_eq(sa.size, sb.size, "%s", rel);
    if (sa.is_reparse)
        cr_assert_str_eq(sa.reparse_target, sb.reparse_target, "%s", rel);
    else
        cr_assert_eq(sa.type, sb.type, "%s", rel);
    char na[1024], nb[1024];
    cr_assert_eq(fsa_true_name(c->a, upper, na, sizeof(na)), 1);
    cr_assert_eq(fsa_true_name(c->b, upper, nb, sizeof(nb)), 1);
    cr_assert_str_eq(na, nb, "%s", rel);
    c->checked++;
    if (!sa.is_reparse && sa.type == FSA_TYPE_DIR)
        compare_dir(c->a, c->b, rel, &c->checked);
    return 0;
}

static int count_entry(const fsa_dirent *e, void *ctx)
{
    (void)e;
    ++*(unsigned *)ctx;
    return 0;
}

static void compare_dir(fsa_fs *a, fsa_fs *b, const char *rel, unsigned *checked)
{
    unsigned na = 0, nb = 0;
    cr_assert_eq(fsa_list_dir(a, rel, count_entry, &na), 0);
    cr_assert_eq(fsa_list_dir(b, rel, count_entry, &nb), 0);
    if (rel[0]) /* the image root also holds the NTFS metadata files */
        cr_assert_eq(na, nb, "%s: %u entries in the image, %u in the copy", rel, na, nb);
    cmp_ctx c = {.a = a, .b = b, .rel = rel, .checked = *checked};
    cr_assert_eq(fsa_list_dir(b, rel, compare_entry, &c), 0);
    *checked = c.checked;
}

/* Copies an image's install volume to a directory through fsaccess, then checks that the
 * directory backend finds the same install and resolves every path the same way. */
static void compare_backends(const char *image, unsigned min_entries)
{
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *img = open_ok(image, d);
    cr_assert_eq(fsa_install_count(img), 1, "%s", image);
    const fsa_install_info *ii = fsa_install(img, 0);
    char *dir = sxs_test_tmpdir("fsa-copy");
    unsigned copied = 0;
    copy_tree(ii->fs, "", dir, &copied);
    fsa_evidence *ev = open_ok(dir, d);
    cr_assert_eq(fsa_install_count(ev), 1);
    cr_assert_str_eq(fsa_install(ev, 0)->windows_dir, ii->windows_dir);
    unsigned checked = 0;
    compare_dir(ii->fs, fsa_install(ev, 0)->fs, "", &checked);
    cr_assert_eq(checked, copied, "checked %u, copied %u", checked, copied);
    cr_assert_geq(checked, min_entries);
    fsa_close(ev);
    fsa_close(img);
    sxs_diag_free(d);
    free(dir);
}

/* tests/data/fsaccess/tiny-ntfs.raw.xz (bare NTFS, 2 MiB, a Windows skeleton and a junction;
 * see tiny.scn) decompressed into dir; malloc'd path. */
static char *tiny_raw(const char *dir)
{
    char *src = NULL, *cmd = NULL;
    cr_assert_geq(asprintf(&src, "%s/tests/data/fsaccess/tiny-ntfs.raw.xz", SXS_SOURCE_DIR), 0);
    char *raw = tmp_file(dir, "tiny-ntfs.raw");
    cr_assert_geq(asprintf(&cmd, "xz -dc '%s' > '%s'", src, raw), 0);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    free(src);
    return raw;
}

Test(backends, tiny_ntfs_same_through_directory)
{
    char *dir = sxs_test_tmpdir("fsa-tiny");
    char *raw = tiny_raw(dir);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(raw, d);
    static const want_vol w[] = {{0, 4096, "ntfs", "Win", "", ""}};
    check_volumes(ev, w, 1);
    cr_assert_eq(fsa_install_count(ev), 1);
    fsa_fs *fs = fsa_install(ev, 0)->fs;
    fsa_stat st;
    cr_assert_eq(fsa_lookup(fs, "users/ALEX/documents/archive", &st), 1);
    cr_assert(st.is_reparse);
    cr_assert_eq(st.reparse_tag, FSA_REPARSE_MOUNT_POINT);
    cr_assert_str_eq(st.reparse_target, "\\??\\C:\\OldArchive");
    cr_assert_eq(st.attributes & 0x410u, 0x410u); /* directory + reparse point */
    cr_assert_eq(fsa_lookup(fs, "Users/alex/Documents/Archive/x", &st), 0);
    cr_assert_eq(fsa_list_dir(fs, "Users/alex/Documents/Archive", count_entry, &(unsigned){0}),
                 -ENOTDIR);
    fsa_close(ev);
    sxs_diag_free(d);
    compare_backends(raw, 10);
    free(raw);
    free(dir);
}

/* The tiny disk converted by qemu-img: fixed and dynamic VHD, dynamic VHDX. */
Test(tsk, qemu_img_vhd_fixed_dynamic_and_vhdx)
{
    if (access("/usr/bin/qemu-img", X_OK) != 0)
        cr_skip_test("qemu-img not installed (qemu-utils)");
    static const struct {
        const char *name, *fmt, *opt;
        fsa_format want;
        uint64_t media;
    } cases[] = {
        {"fixed.vhd", "vpc", "subformat=fixed", FSA_FMT_VHD, 2123776}, /* CHS rounding */
        {"dynamic.vhd", "vpc", "subformat=dynamic", FSA_FMT_VHD, 2123776},
        {"dynamic.vhdx", "vhdx", "subformat=dynamic", FSA_FMT_VHDX, 2097152},
    };
    char *dir = sxs_test_tmpdir("fsa-qemu");
    char *raw = tiny_raw(dir);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = tmp_file(dir, cases[i].name);
        char *argv[] = {
            "/usr/bin/qemu-img",  "convert", "-f", "raw", "-O", (char *)cases[i].fmt, "-o",
            (char *)cases[i].opt, raw,       out,  NULL};
        cr_assert_eq(sxs_run(argv, NULL, NULL, NULL), 0, "qemu-img %s", cases[i].name);
        sxs_diag *d = sxs_diag_new();
        fsa_evidence *ev = open_ok(out, d);
        cr_assert_eq(fsa_info(ev)->format, cases[i].want, "%s", cases[i].name);
        cr_assert_eq(fsa_info(ev)->media_size, cases[i].media, "%s", cases[i].name);
        cr_assert_eq(fsa_volume_count(ev), 1);
        cr_assert_str_eq(fsa_volume(ev, 0)->fs, "ntfs");
        cr_assert_eq(fsa_install_count(ev), 1, "%s", cases[i].name);
        fsa_stat st;
        cr_assert_eq(fsa_lookup(fsa_install(ev, 0)->fs, "windows/system32/config/software", &st),
                     1);
        cr_assert_eq(st.size, 4096);
        fsa_close(ev);
        sxs_diag_free(d);
        free(out);
    }
    free(raw);
    free(dir);
}

/* A block device: the tiny disk attached read-only to a loop device (root only; skipped
 * elsewhere). Results are collected before the device is detached, then asserted. */
Test(tsk, block_device_read_only_loop)
{
    if (geteuid() != 0 || access("/usr/sbin/losetup", X_OK) != 0)
        cr_skip_test("needs root and losetup to attach a loop device");
    char *dir = sxs_test_tmpdir("fsa-loop");
    char *raw = tiny_raw(dir);
    char *out = NULL;
    char *argv[] = {"/usr/sbin/losetup", "-f", "--show", "-r", raw, NULL};
    if (sxs_run(argv, &out, NULL, NULL) != 0 || !out || strncmp(out, "/dev/loop", 9) != 0)
        cr_skip_test("no loop device available");
    out[strcspn(out, "\n")] = '\0';
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    int r = fsa_open(out, d, &ev);
    fsa_format fmt = ev ? fsa_info(ev)->format : FSA_FMT_RAW;
    uint64_t media = ev ? fsa_info(ev)->media_size : 0;
    size_t installs = fsa_install_count(ev);
    fsa_close(ev);
    char *det[] = {"/usr/sbin/losetup", "-d", out, NULL};
    int detached = sxs_run(det, NULL, NULL, NULL);
    cr_assert_eq(r, 0);
    cr_assert_eq(fmt, FSA_FMT_DEVICE);
    cr_assert_eq(media, 2u << 20);
    cr_assert_eq(installs, 1);
    cr_assert_eq(detached, 0);
    sxs_diag_free(d);
    free(out);
    free(raw);
    free(dir);
}

Test(tsk, split_raw_found_from_first_segment)
{
    char *dir = sxs_test_tmpdir("fsa-split");
    char *raw = tiny_raw(dir);
    size_t len = 0;
    char *data = sxs_slurp(raw, &len);
    cr_assert_eq(len, 2u << 20);
    char *s1 = tmp_file(dir, "disk.001"), *s2 = tmp_file(dir, "disk.002");
    write_bytes(s1, data, 1u << 20);
    write_bytes(s2, data + (1u << 20), len - (1u << 20));
    free(data);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(s1, d);
    const fsa_evidence_info *in = fsa_info(ev);
    cr_assert_eq(in->format, FSA_FMT_SPLIT_RAW);
    cr_assert_str_eq(fsa_format_name(in->format), "split-raw");
    cr_assert_eq(in->segment_count, 2);
    cr_assert_str_eq(in->segments[1], s2);
    cr_assert_eq(in->media_size, 2u << 20);
    cr_assert_eq(fsa_install_count(ev), 1);
    /* a file whose clusters straddle the two segments reads whole */
    fsa_file *f = NULL;
    cr_assert_eq(fsa_file_open(fsa_install(ev, 0)->fs, "Windows/System32/config/SOFTWARE", &f), 1);
    cr_assert_eq(fsa_file_size(f), 4096);
    char buf[4096];
    cr_assert_eq(fsa_file_read(f, 0, buf, sizeof(buf)), 4096);
    fsa_file_close(f);
    fsa_close(ev);
    sxs_diag_free(d);
    free(s1);
    free(s2);
    free(raw);
    free(dir);
}

Test(tsk, ewfacquire_metadata_and_install)
{
    if (access("/usr/bin/ewfacquire", X_OK) != 0)
        cr_skip_test("ewfacquire not installed (ewf-tools)");
    char *dir = sxs_test_tmpdir("fsa-ewfmeta");
    char *raw = tiny_raw(dir);
    char *target = tmp_file(dir, "tiny");
    char *argv[] = {"/usr/bin/ewfacquire",
                    "-u",
                    "-q",
                    "-c",
                    "fast",
                    "-d",
                    "sha1",
                    "-C",
                    "CASE-7",
                    "-D",
                    "tiny disk",
                    "-e",
                    "Ex Aminer",
                    "-E",
                    "EV-1",
                    "-N",
                    "some notes",
                    "-t",
                    target,
                    raw,
                    NULL};
    cr_assert_eq(sxs_run(argv, NULL, NULL, NULL), 0, "ewfacquire failed");
    char *e01 = tmp_file(dir, "tiny.E01");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(e01, d);
    const fsa_evidence_info *in = fsa_info(ev);
    cr_assert_eq(in->format, FSA_FMT_EWF);
    cr_assert_eq(in->media_size, 2u << 20);
    cr_assert_str_eq(in->ewf_case_number, "CASE-7");
    cr_assert_str_eq(in->ewf_description, "tiny disk");
    cr_assert_str_eq(in->ewf_examiner, "Ex Aminer");
    cr_assert_str_eq(in->ewf_evidence_number, "EV-1");
    cr_assert_str_eq(in->ewf_notes, "some notes");
    cr_assert_not_null(in->ewf_acquiry_software);
    /* the stored digests are those of the raw disk */
    size_t len = 0;
    char *data = sxs_slurp(raw, &len);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL);
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    cr_assert_str_eq(in->ewf_md5, hex);
    EVP_Digest(data, len, md, &mdlen, EVP_sha1(), NULL);
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    cr_assert_str_eq(in->ewf_sha1, hex);
    free(data);
    static const want_vol w[] = {{0, 4096, "ntfs", "Win", "", ""}};
    check_volumes(ev, w, 1);
    cr_assert_eq(fsa_install_count(ev), 1);
    cr_assert_str_eq(fsa_install(ev, 0)->windows_dir, "Windows");
    fsa_close(ev);
    sxs_diag_free(d);
    free(e01);
    free(target);
    free(raw);
    free(dir);
}

/* Images of the sample-image builder, when a build tree has made them (not required). */
static char *sample_image(const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/sample-images/out/%s", SXS_BINARY_DIR, name) >= 0 && access(p, R_OK) == 0)
        return p;
    free(p);
    char *pattern = NULL;
    if (asprintf(&pattern, "%s/build-*/sample-images/out/%s", SXS_SOURCE_DIR, name) < 0)
        return NULL;
    glob_t g;
    char *found = NULL;
    if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0)
        found = strdup(g.gl_pathv[0]);
    globfree(&g);
    free(pattern);
    return found;
}

Test(backends, sample_image_same_through_directory)
{
    char *p = sample_image("backup-reparse.raw");
    if (!p)
        cr_skip_test("no sample image backup-reparse.raw built (sample-images/)");
    compare_backends(p, 50);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    fsa_stat st;
    cr_assert_eq(fsa_lookup(fsa_install(ev, 0)->fs, "Users/alex/Documents/Scans", &st), 1);
    cr_assert_str_eq(st.reparse_target, "\\??\\D:\\Scans");
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

Test(backends, sample_multi_install)
{
    char *p = sample_image("multi-install.raw");
    if (!p)
        cr_skip_test("no sample image multi-install.raw built (sample-images/)");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(p, d);
    cr_assert_eq(fsa_install_count(ev), 2);
    cr_assert_eq(fsa_install(ev, 0)->volume, 2);
    cr_assert_eq(fsa_install(ev, 1)->volume, 3);
    cr_assert_eq(fsa_install(ev, 1)->index, 1);
    fsa_close(ev);
    sxs_diag_free(d);
    free(p);
}

/* ---- GPT header pre-validation (issue 17 item 6): libtsk never sees a hostile header ---- */
#include "fsaccess/fsa_gpt.h"

typedef struct {
    uint8_t *b;
    size_t n;
} memdisk;

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    const memdisk *d = ctx;
    if (off > d->n || len > d->n - off)
        return -EIO;
    memcpy(buf, d->b + off, len);
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A 1 MiB disk with a protective MBR and a GPT (128 entries of 128 bytes at LBA 2, one
 * partition at LBA 64) in ss-byte sectors. */
static memdisk gpt_disk(unsigned ss)
{
    memdisk d = {calloc(1, 1 << 20), 1 << 20};
    cr_assert_not_null(d.b);
    d.b[446 + 4] = 0xEE;
    d.b[510] = 0x55;
    d.b[511] = 0xAA;
    uint8_t *h = d.b + ss;
    memcpy(h, "EFI PART", 8);
    put32(h + 12, 92);
    put64(h + 72, 2);
    put32(h + 80, 128);
    put32(h + 84, 128);
    put64(d.b + 2 * ss + 32, 64);
    put64(d.b + 2 * ss + 40, 100);
    return d;
}

static int precheck(memdisk *d, unsigned ss, char *why, size_t n)
{
    return fsa_gpt_precheck(mem_read, d, d->n, ss, why, n);
}

Test(gpt_precheck, valid_and_absent_headers_pass)
{
    char why[320];
    memdisk d = gpt_disk(512);
    cr_assert_eq(precheck(&d, 512, why, sizeof(why)), 1);
    cr_assert_str_eq(why, "");
    memset(d.b, 0, d.n); /* no GPT at all: libtsk refuses it at once */
    cr_assert_eq(precheck(&d, 512, why, sizeof(why)), 1);
    free(d.b);
    d = gpt_disk(4096);
    cr_assert_eq(precheck(&d, 4096, why, sizeof(why)), 1);
    cr_assert_eq(precheck(&d, 512, why, sizeof(why)), 1, "found at 4096 after 512: %s", why);
    free(d.b);
}

Test(gpt_precheck, bad_headers_named)
{
    static const struct {
        unsigned ss;
        unsigned field;
        uint32_t value;
        const char *why;
    } cases[] = {
        {512, 80, 0xFFFFFFFFu,
         "GPT header at LBA 1: 4294967295 partition entries of 128 bytes (512.0 GiB) exceed "
         "the 128 KiB limit"},
        {512, 80, 1025,
         "GPT header at LBA 1: 1025 partition entries of 128 bytes (128.1 KiB) exceed the 128 "
         "KiB limit"},
        {512, 84, 200, "GPT header at LBA 1: partition entry size 200 is not a multiple of 128"},
        {512, 12, 600, "GPT header at LBA 1: header size 600 bytes is outside 92..512"},
        {512, 72, 4096,
         "GPT header at LBA 1: partition entries at LBA 4096 (32 sectors) lie outside the disk "
         "(2048 sectors)"},
        {4096, 80, 0xFFFFFFFFu,
         "GPT header at LBA 1 (4096-byte sectors): 4294967295 partition entries of 128 bytes "
         "(512.0 GiB) exceed the 128 KiB limit"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memdisk d = gpt_disk(cases[i].ss);
        put32(d.b + cases[i].ss + cases[i].field, cases[i].value);
        char why[320];
        cr_expect_eq(precheck(&d, 512, why, sizeof(why)), 0, "case %zu", i);
        cr_expect_str_eq(why, cases[i].why, "case %zu", i);
        free(d.b);
    }
}

/* libtsk's own quick refusals stay libtsk's: an entry size below 128, or a first partition
 * past the disk, makes it move on, so they pass to it; a bad backup header (read when the
 * primary is refused) is caught. */
Test(gpt_precheck, libtsk_refusals_and_backup)
{
    char why[320];
    memdisk d = gpt_disk(512);
    put32(d.b + 512 + 84, 64);
    cr_assert_eq(precheck(&d, 512, why, sizeof(why)), 1, "%s", why);
    free(d.b);
    d = gpt_disk(512);
    put64(d.b + 2 * 512 + 32, 1u << 30);
    cr_assert_eq(precheck(&d, 512, why, sizeof(why)), 1, "%s", why);
    /* Now also a backup header at the last LBA claiming 2^32-1 entries. */
    uint8_t *bk = d.b + d.n - 512;
    memcpy(bk, "EFI PART", 8);
    put32(bk + 12, 92);
    put64(bk + 72, 2);
    put32(bk + 80, 0xFFFFFFFFu);
    put32(bk + 84, 128);
    cr_assert_eq(precheck(&d, 512, why, sizeof(why)), 0);
    cr_assert_str_eq(why, "backup GPT header at LBA 2047: 4294967295 partition entries of 128 "
                          "bytes (512.0 GiB) exceed the 128 KiB limit");
    free(d.b);
}

/* ---- partition identity (BCD device elements, MountedDevices) ---------------------------- */

/* A disk image of 8 MiB partitioned by sfdisk from script; returns its path. */
static char *sfdisk_image(const char *name, const char *script)
{
    char dir[] = "/tmp/sxs-ident-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *img = tmp_file(dir, name), *cmd = NULL;
    FILE *f = fopen(img, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(ftruncate(fileno(f), 8 << 20), 0);
    fclose(f);
    cr_assert_geq(
        asprintf(&cmd, "sfdisk -q --no-reread --no-tell-kernel '%s' >/dev/null 2>&1", img), 0);
    FILE *p = popen(cmd, "w");
    cr_assert_not_null(p);
    fputs(script, p);
    cr_assert_eq(pclose(p), 0, "sfdisk failed on %s", img);
    free(cmd);
    return img;
}

/* "uuid=..." of partition n (1-based) as sfdisk --dump prints it, upper case. */
static void sfdisk_dump_uuid(const char *img, int n, char out[37])
{
    char *cmd = NULL, line[512];
    cr_assert_geq(asprintf(&cmd, "sfdisk --dump '%s'", img), 0);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    int seen = 0;
    out[0] = '\0';
    while (fgets(line, sizeof(line), p))
        if (strstr(line, " : start=") && ++seen == n) {
            const char *u = strstr(line, "uuid=");
            cr_assert_not_null(u);
            memcpy(out, u + 5, 36);
            out[36] = '\0';
        }
    pclose(p);
    free(cmd);
    cr_assert_eq(strlen(out), 36, "no uuid for partition %d in sfdisk --dump", n);
}

static void guid_text(const uint8_t g[16], char out[37])
{
    snprintf(out, 37, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", g[3],
             g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
             g[14], g[15]);
}

Test(identity, gpt_partition_guids_match_sfdisk)
{
    char *img =
        sfdisk_image("gpt.raw", "label: gpt\n"
                                "start=2048, size=4096, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, "
                                "uuid=1B2C3D4E-5F60-4172-8394-A5B6C7D8E9F0\n"
                                "start=6144, size=8192, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, "
                                "uuid=0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9\n");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(img, d);
    cr_assert_eq(fsa_volume_count(ev), 2);
    static const char *const types[] = {"C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
                                        "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"};
    for (int i = 0; i < 2; i++) {
        const fsa_volume_info *v = fsa_volume(ev, (size_t)i);
        char want[37], got[37];
        sfdisk_dump_uuid(img, i + 1, want);
        cr_assert_str_eq(v->table, "gpt");
        cr_assert(v->has_guid, "volume %d has no GUID", i);
        guid_text(v->part_guid, got);
        cr_assert_str_eq(got, want, "volume %d", i);
        guid_text(v->type_guid, got);
        cr_assert_str_eq(got, types[i]);
        cr_assert_eq(v->mbr_signature, 0);
    }
    /* the on-disk byte order: first three fields little-endian */
    cr_assert_eq(fsa_volume(ev, 0)->part_guid[0], 0x4E);
    cr_assert_eq(fsa_volume(ev, 0)->part_guid[8], 0x83);
    fsa_close(ev);
    sxs_diag_free(d);
    unlink(img);
    free(img);
}

Test(identity, mbr_signature_and_offsets)
{
    char *img = sfdisk_image("mbr.raw", "label: dos\nlabel-id: 0x5a3c9e01\n"
                                        "start=2048, size=4096, type=7, bootable\n"
                                        "start=6144, size=8192, type=7\n");
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(img, d);
    cr_assert_eq(fsa_volume_count(ev), 2);
    for (size_t i = 0; i < 2; i++) {
        const fsa_volume_info *v = fsa_volume(ev, i);
        cr_assert_str_eq(v->table, "mbr");
        cr_assert_eq(v->mbr_signature, 0x5a3c9e01u);
        cr_assert_not(v->has_guid);
    }
    cr_assert_eq(fsa_volume(ev, 0)->offset, 2048u * 512);
    cr_assert_eq(fsa_volume(ev, 1)->offset, 6144u * 512);
    fsa_close(ev);
    sxs_diag_free(d);
    unlink(img);
    free(img);
}

Test(identity, directory_backend_has_none)
{
    char *dir = make_tree();
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(dir, d);
    const fsa_volume_info *v = fsa_volume(ev, 0);
    cr_assert_str_eq(v->table, "");
    cr_assert_not(v->has_guid);
    cr_assert_eq(v->mbr_signature, 0);
    fsa_close(ev);
    sxs_diag_free(d);
    free(dir);
}

/* ---- shadow copies read as volumes (fsa_tsk_layers.c over libvshadow) ----
 * tests/data/vsstest.qcow2 (plaso, Apache-2.0): one NTFS volume whose root holds, as
 * vshadowmount + fls show it: in vss1 (2013-12-03 06:35:09) "syslog"; in vss2 (06:37:48)
 * "syslog.gz" and "another_file"; now "syslog.gz", "another_file" and "password.txt". */

static char *vsstest_raw(const char *dir)
{
    char *src = NULL, *raw = tmp_file(dir, "vss.raw");
    cr_assert_geq(asprintf(&src, "%s/tests/data/vsstest.qcow2", SXS_SOURCE_DIR), 0);
    char *argv[] = {"/usr/bin/qemu-img", "convert", "-O", "raw", src, raw, NULL};
    cr_assert_eq(sxs_run(argv, NULL, NULL, NULL), 0, "qemu-img convert vsstest.qcow2");
    free(src);
    return raw;
}

static int root_has(fsa_fs *fs, const char *name)
{
    fsa_stat st;
    return fsa_lookup(fs, name, &st);
}

Test(vss, snapshot_is_read_as_the_volume)
{
    if (access("/usr/bin/qemu-img", X_OK) != 0)
        cr_skip_test("qemu-img not installed (qemu-utils)");
    char *dir = sxs_test_tmpdir("fsa-vss");
    char *raw = vsstest_raw(dir);
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(raw, before), 0);
    static const struct {
        unsigned snapshot;
        int syslog, gz, another, password;
    } cases[] = {{0, 0, 1, 1, 1}, {1, 1, 0, 0, 0}, {2, 0, 1, 1, 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sxs_diag *d = sxs_diag_new();
        fsa_open_opts o = {.snapshot = cases[i].snapshot};
        fsa_evidence *ev = NULL;
        cr_assert_eq(fsa_open_ex(raw, &o, d, &ev), 0, "--snapshot %u", cases[i].snapshot);
        const fsa_volume_info *v = fsa_volume(ev, 0);
        cr_assert_eq(v->n_shadows, 2);
        fsa_fs *fs = fsa_volume_fs(ev, 0);
        cr_assert_not_null(fs);
        cr_assert_eq(root_has(fs, "syslog"), cases[i].syslog, "snapshot %u", cases[i].snapshot);
        cr_assert_eq(root_has(fs, "SYSLOG.GZ"), cases[i].gz, "snapshot %u", cases[i].snapshot);
        cr_assert_eq(root_has(fs, "another_file"), cases[i].another, "snapshot %u",
                     cases[i].snapshot);
        cr_assert_eq(root_has(fs, "password.txt"), cases[i].password, "snapshot %u",
                     cases[i].snapshot);
        if (cases[i].snapshot) {
            cr_assert_eq(v->snapshot, &v->shadows[cases[i].snapshot - 1]);
            cr_assert(strstr(v->note, "read as its shadow copy vss"), "%s", v->note);
        } else {
            cr_assert_null(v->snapshot);
        }
        fsa_close(ev);
        sxs_diag_free(d);
    }
    cr_assert_eq(sxs_sha256_file(raw, after), 0);
    cr_assert_str_eq(before, after, "the evidence changed");
    free(raw);
    free(dir);
}

Test(vss, shadow_fs_on_demand_reads_the_store)
{
    if (access("/usr/bin/qemu-img", X_OK) != 0)
        cr_skip_test("qemu-img not installed (qemu-utils)");
    char *dir = sxs_test_tmpdir("fsa-vss");
    char *raw = vsstest_raw(dir);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(raw, d);
    fsa_fs *live = fsa_volume_fs(ev, 0), *s1 = NULL, *s2 = NULL, *again = NULL;
    cr_assert_eq(fsa_shadow_fs(ev, 0, 1, d, &s1), 1);
    cr_assert_eq(fsa_shadow_fs(ev, 0, 2, d, &s2), 1);
    cr_assert_eq(fsa_shadow_fs(ev, 0, 2, d, &again), 1);
    cr_assert_eq(s2, again, "a store's filesystem is opened once");
    cr_assert_eq(fsa_shadow_fs(ev, 0, 3, d, &again), 0, "there is no vss3");
    cr_assert_eq(fsa_shadow_fs(ev, 0, 0, d, &again), 0);
    /* the same inode numbers on three filesystems: the directory cache keeps them apart */
    cr_assert_eq(root_has(live, "password.txt"), 1);
    cr_assert_eq(root_has(s1, "password.txt"), 0);
    cr_assert_eq(root_has(s1, "syslog"), 1);
    cr_assert_eq(root_has(s2, "syslog"), 0);
    cr_assert_eq(root_has(live, "syslog"), 0);
    fsa_file *f = NULL;
    cr_assert_eq(fsa_file_open(s2, "another_file", &f), 1);
    char buf[64] = "";
    long n = fsa_file_read(f, 0, buf, sizeof(buf) - 1);
    cr_assert_eq(n, 22);
    cr_assert_str_eq(buf, "This is another file.\n");
    fsa_file_close(f);
    cr_assert(strstr(fsa_fs_describe(s2), "shadow copy vss2 of 2013-12-03 06:37:48 UTC"), "%s",
              fsa_fs_describe(s2));
    fsa_close(ev);
    sxs_diag_free(d);
    free(raw);
    free(dir);
}

Test(vss, snapshot_that_does_not_exist_names_the_stores)
{
    if (access("/usr/bin/qemu-img", X_OK) != 0)
        cr_skip_test("qemu-img not installed (qemu-utils)");
    char *dir = sxs_test_tmpdir("fsa-vss");
    char *raw = vsstest_raw(dir);
    sxs_diag *d = sxs_diag_new();
    fsa_open_opts o = {.snapshot = 3};
    fsa_evidence *ev = NULL;
    cr_assert_lt(fsa_open_ex(raw, &o, d, &ev), 0);
    cr_assert_null(ev);
    bool named = false;
    for (size_t i = 0; i < sxs_diag_count(d); i++) {
        const char *m = sxs_diag_get(d, i)->message;
        named |=
            strstr(m, "no shadow copy vss3") &&
            strstr(m, "vss1 of 2013-12-03 06:35:09 UTC {600f0b69-5bdf-11e3-9d6c-005056c00008}") &&
            strstr(m, "vss2 of 2013-12-03 06:37:48 UTC {600f0b6d-5bdf-11e3-9d6c-005056c00008}");
    }
    cr_assert(named, "no diag names the stores that exist");
    sxs_diag_free(d);
    /* a directory has no shadow copies */
    d = sxs_diag_new();
    cr_assert_lt(fsa_open_ex(dir, &o, d, &ev), 0);
    named = false;
    for (size_t i = 0; i < sxs_diag_count(d); i++)
        named |=
            strstr(sxs_diag_get(d, i)->message, "has shadow copies (a directory has none") != NULL;
    sxs_diag_free(d);
    cr_assert(named, "a directory with --snapshot: no clear error");
    free(raw);
    free(dir);
}

/* ---- E01 handle reopened to bound libewf's chunk-table state (fsa_tsk_ewf.c) ---- */
#include "fsaccess/fsa_tsk.h"

static int count_entries(const fsa_dirent *ent, void *ctx)
{
    (void)ent;
    ++*(size_t *)ctx;
    return 0;
}

/* The SHA-256 of each evidence file and the WinSxS entry count of image's first install,
 * and how many times its EWF handle was reopened. */
static const char *const reopen_files[] = {"Windows/System32/config/SOFTWARE",
                                           "Windows/System32/config/SYSTEM",
                                           "Windows/Logs/CBS/CBS.log"};
static uint64_t read_evidence(const char *image, char sums[][65], size_t *ret_winsxs)
{
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = open_ok(image, d);
    cr_assert_geq(fsa_install_count(ev), 1, "%s", image);
    fsa_fs *fs = fsa_install(ev, 0)->fs;
    for (size_t i = 0; i < sizeof(reopen_files) / sizeof(reopen_files[0]); i++) {
        fsa_file *f = NULL;
        cr_assert_eq(fsa_file_open(fs, reopen_files[i], &f), 1, "%s in %s", reopen_files[i], image);
        sha256_of_fsa_file(f, sums[i]);
        fsa_file_close(f);
    }
    *ret_winsxs = 0;
    cr_assert_eq(fsa_list_dir(fs, "Windows/WinSxS", count_entries, ret_winsxs), 0);
    uint64_t reopens = fsa_tsk_ewf_reopens(ev);
    fsa_close(ev);
    sxs_diag_free(d);
    return reopens;
}

/* With windows of one chunk (SXS_TEST_EWF_WINDOW, test builds only) nearly every read closes
 * and reopens the handle; every file reads the same as from the raw image of the same disk,
 * one segment or several, and without the override the sample images never reopen. */
Test(tsk, ewf_reopened_handle_reads_the_same)
{
    static const char *const pairs[][2] = {{"healthy.raw", "healthy.E01"},
                                           {"ssu-empty.raw", "ssu-empty-split.E01"}};
    for (size_t p = 0; p < 2; p++) {
        char *raw = sxs_sample(pairs[p][0]), *e01 = sxs_sample(pairs[p][1]);
        char want[3][65], plain[3][65], forced[3][65];
        size_t n_raw = 0, n_plain = 0, n_forced = 0;
        cr_assert_eq(read_evidence(raw, want, &n_raw), 0);
        cr_assert_eq(read_evidence(e01, plain, &n_plain), 0, "%s reopened unforced", e01);
        cr_assert_eq(setenv("SXS_TEST_EWF_WINDOW", "1", 1), 0);
        uint64_t reopens = read_evidence(e01, forced, &n_forced);
        unsetenv("SXS_TEST_EWF_WINDOW");
        cr_assert_geq(reopens, 10, "%s: only %llu reopens", e01, (unsigned long long)reopens);
        cr_assert_gt(n_raw, 10);
        cr_assert_eq(n_plain, n_raw, "%s", e01);
        cr_assert_eq(n_forced, n_raw, "%s", e01);
        for (size_t i = 0; i < 3; i++) {
            cr_assert_str_eq(plain[i], want[i], "%s: %s", e01, reopen_files[i]);
            cr_assert_str_eq(forced[i], want[i], "%s: %s after reopens", e01, reopen_files[i]);
        }
        free(raw);
        free(e01);
    }
}
