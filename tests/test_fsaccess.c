/* Tests for fsaccess/: the directory backend on a generated tree, the libtsk backend on the
 * real corpus images (exact offsets, sizes, filesystems, labels, EWF metadata), bad input that
 * must fail with a diag naming the file, and proof that evidence is never modified. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    cr_assert_eq(fsa_list_dir(fs, "Windows/WinSxS/pending.xml", collect, &l), -ENOTDIR);

    fsa_file *f = NULL;
    cr_assert_eq(fsa_file_open(fs, "windows/winsxs/PENDING.XML", &f), 1);
    cr_assert_eq(fsa_file_size(f), 16);
    char buf[32] = {0};
    cr_assert_eq(fsa_file_read(f, 10, buf, sizeof(buf)), 6);
    cr_assert_str_eq(buf, "abcdef");
    cr_assert_eq(fsa_file_read(f, 16, buf, 4), 0);
    cr_assert_eq(fsa_file_read(f, 1000, buf, 4), 0);
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

Test(open, missing_path_names_the_file)
{
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open("/nonexistent/disk.E01", d, &ev), -ENOENT);
    cr_assert_null(ev);
    cr_assert(diag_has(d, "/nonexistent/disk.E01"));
    sxs_diag_free(d);
}
