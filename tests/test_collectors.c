/* Tests for the file-system collectors (analyzer/fs/an_fscollect.h and the collectors behind it):
 * Windows-like trees with mixed letter case are built in a temp dir and read through the
 * fsaccess directory backend; registry facts are pre-filled as the registry collector would;
 * exact facts are asserted. Servicing-stack folder names come from the real corpus. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/fs/an_driverstore.h"
#include "analyzer/an_facts.h"
#include "analyzer/fs/an_fscollect.h"
#include "analyzer/fs/an_reparse.h"
#include "analyzer/fs/an_winsxs.h"
#include "fsaccess/fsa.h"
#include "tests/support/corpus.h"

/* ---- tree building ---------------------------------------------------------------------- */

static void mkdirs(const char *root, const char *rel)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0)
            cr_assert_eq(errno, EEXIST, "mkdir %s: %s", p, strerror(errno));
        *s = '/';
    }
    if (mkdir(p, 0755) != 0)
        cr_assert_eq(errno, EEXIST, "mkdir %s: %s", p, strerror(errno));
}

static void parent_dirs(const char *root, const char *rel)
{
    char parent[4096];
    snprintf(parent, sizeof(parent), "%s", rel);
    char *slash = strrchr(parent, '/');
    if (slash) {
        *slash = '\0';
        mkdirs(root, parent);
    }
}

/* A file of size bytes ('x'), or holding content when content is not NULL. */
static void put(const char *root, const char *rel, const char *content, size_t size)
{
    parent_dirs(root, rel);
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "create %s", p);
    if (content) {
        cr_assert_eq(fwrite(content, 1, strlen(content), f), strlen(content));
    } else {
        for (size_t i = 0; i < size; i++)
            fputc('x', f);
    }
    cr_assert_eq(fclose(f), 0);
}

static void link_to(const char *root, const char *rel, const char *target)
{
    parent_dirs(root, rel);
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    cr_assert_eq(symlink(target, p), 0, "symlink %s: %s", p, strerror(errno));
}

static fsa_fs *open_fs(const char *root, fsa_evidence **ret_ev)
{
    cr_assert_eq(fsa_open(root, NULL, ret_ev), 0, "fsa_open %s", root);
    fsa_fs *fs = fsa_volume_fs(*ret_ev, 0);
    cr_assert_not_null(fs);
    return fs;
}

/* ---- fact helpers ----------------------------------------------------------------------- */

static size_t fact_count(const an_facts *f, const char *name)
{
    size_t n = 0, pos = 0;
    while (an_facts_next(f, name, &pos))
        n++;
    return n;
}

static bool fact_has(const an_facts *f, const char *name, const char *value)
{
    size_t pos = 0;
    const an_fact *x;
    while ((x = an_facts_next(f, name, &pos)))
        if (strcmp(x->value, value) == 0)
            return true;
    return false;
}

static int64_t fact_num(const an_facts *f, const char *name)
{
    const an_fact *x = an_facts_get(f, name);
    cr_assert_not_null(x, "fact %s missing", name);
    cr_assert(x->has_num, "fact %s has no number", name);
    return x->num;
}

static const char *fact_str(const an_facts *f, const char *name)
{
    const an_fact *x = an_facts_get(f, name);
    cr_assert_not_null(x, "fact %s missing", name);
    return x->value;
}

/* The i-th fact named name (0-based). */
static const char *fact_nth(const an_facts *f, const char *name, size_t i)
{
    size_t pos = 0;
    const an_fact *x = NULL;
    for (size_t k = 0; k <= i; k++) {
        x = an_facts_next(f, name, &pos);
        cr_assert_not_null(x, "fact %s #%zu missing", name, i);
    }
    return x->value;
}

/* Asserts that the facts named name are exactly the given values, in any order (listing order
 * depends on the host filesystem). */
static void assert_fact_set(const an_facts *f, const char *name, const char *const *values,
                            size_t n)
{
    cr_assert_eq(fact_count(f, name), n, "%s: %zu facts, expected %zu", name, fact_count(f, name),
                 n);
    for (size_t i = 0; i < n; i++)
        cr_assert(fact_has(f, name, values[i]), "%s = %s missing", name, values[i]);
}

static void prefill_ssu(an_facts *f, const char *version, const char *folder)
{
    char path[512];
    snprintf(path, sizeof(path), "%%SystemRoot%%\\WinSxS\\%s", folder);
    cr_assert_eq(an_facts_add_str(f, "cbs.ssu.version", version, "SOFTWARE", -1), 0);
    cr_assert_eq(an_facts_add_str(f, "cbs.ssu.folder", folder, "SOFTWARE", -1), 0);
    cr_assert_eq(an_facts_add_str(f, "cbs.ssu.path", path, "SOFTWARE", -1), 0);
}

static char *upper_dup(const char *s)
{
    char *u = strdup(s);
    cr_assert_not_null(u);
    for (char *p = u; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return u;
}

/* ---- corpus names ----------------------------------------------------------------------- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    cr_assert_lt(n, cap, "name too long for the test buffer: %s", src);
    memcpy(dst, src, n + 1);
}

/* The six 10.0.26100.5074 folder names Microsoft quotes (msdocs excerpt), in file order:
 * amd64, amd64-inetsrv, amd64-onecore, x86, x86-inetsrv, x86-onecore. */
typedef struct {
    char names[6][160];
} msdocs_names;

static void load_msdocs_names(msdocs_names *m)
{
    SXS_CORPUS_OR_SKIP(path, "logs/excerpts/msdocs_ssu-empty_signature-strings.txt");
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || !strstr(line, "_microsoft-windows-servicingstack"))
            continue;
        cr_assert_lt(n, 6);
        copy_str(m->names[n++], sizeof(m->names[0]), line);
    }
    fclose(f);
    free(path);
    cr_assert_eq(n, 6, "expected six servicing-stack names in the msdocs excerpt");
    cr_assert(strstr(m->names[1], "servicingstack-inetsrv_"));
    cr_assert(strstr(m->names[5], "x86_microsoft-windows-servicingstack-onecore_"));
}

typedef struct {
    size_t n;
    char names[32][160];
    char versions[32][40];
} tsv_names;

static void load_tsv_names(tsv_names *t)
{
    SXS_CORPUS_OR_SKIP(path, "winsxs/servicingstack_folder_names_from_real_logs.tsv");
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[2048];
    t->n = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = '\0';
        char *ver = tab + 1;
        ver[strcspn(ver, "\t\r\n")] = '\0';
        cr_assert_lt(t->n, 32);
        copy_str(t->names[t->n], sizeof(t->names[0]), line);
        copy_str(t->versions[t->n], sizeof(t->versions[0]), ver);
        t->n++;
    }
    fclose(f);
    free(path);
    cr_assert_geq(t->n, 6);
}

/* Same folder with another architecture prefix (a made-up sibling: the hash is kept). */
static void with_arch(char *out, size_t cap, const char *name, const char *arch)
{
    snprintf(out, cap, "%s%s", arch, strchr(name, '_'));
}

/* ---- WinSxS ----------------------------------------------------------------------------- */

Test(winsxs, folder_version_parse)
{
    const char *v;
    size_t n;
    cr_assert(an_winsxs_folder_version(
        "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_none_"
        "a5532eb7772ad4c4",
        &v, &n));
    cr_assert_eq(n, strlen("10.0.26100.5074"));
    cr_assert_eq(strncmp(v, "10.0.26100.5074", n), 0);
    cr_assert(an_winsxs_folder_version("x86_a_b_c_1.2.3.4_en-us_deadbeef", &v, &n));
    cr_assert_eq(strncmp(v, "1.2.3.4", n), 0);
    cr_assert_eq(n, 7);
    cr_assert_not(an_winsxs_folder_version("", &v, &n));
    cr_assert_not(an_winsxs_folder_version("pending.xml", &v, &n));
    cr_assert_not(an_winsxs_folder_version("a_b_c_d_e", &v, &n)); /* no arch_ in front */
    cr_assert_not(an_winsxs_folder_version("amd64_x_31bf_10.0.x_none_h", &v, &n));
    cr_assert_not(an_winsxs_folder_version("amd64_x_31bf__none_h", &v, &n));
    cr_assert_not(an_winsxs_folder_version("____", &v, &n));
}

Test(winsxs, real_tsv_names_versions_and_counts)
{
    tsv_names t;
    load_tsv_names(&t);
    char *root = sxs_test_tmpdir("coll-tsv");
    for (size_t i = 0; i < t.n; i++) {
        const char *v;
        size_t n;
        cr_assert(an_winsxs_folder_version(t.names[i], &v, &n), "%s", t.names[i]);
        cr_assert_eq(n, strlen(t.versions[i]));
        cr_assert_eq(strncmp(v, t.versions[i], n), 0, "%s", t.names[i]);
        char rel[512];
        snprintf(rel, sizeof(rel), "Windows/WinSxS/%s/f.dll", t.names[i]);
        put(root, rel, "x", 0);
    }
    put(root, "Windows/WinSxS/Manifests/a.manifest", "m", 0);
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    prefill_ssu(facts, t.versions[0], t.names[0]);
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, NULL), 0);
    cr_assert_eq(fact_num(facts, "winsxs.entries"), (int64_t)t.n + 1);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_folder.count"), (int64_t)t.n);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_folder"), t.n);
    for (size_t i = 0; i < t.n; i++)
        cr_assert(fact_has(facts, "winsxs.ssu_folder", t.names[i]));
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_current.ok"), t.names[0]);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_current.ok.files"), 1);
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_current.version"), t.versions[0]);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_sibling.count"), 0);
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

/* The SSU-EMPTY layout of Microsoft's article: current amd64 folder present (mixed case on
 * disk, lower case in the registry), some of its five siblings empty. */
Test(winsxs, current_ok_and_empty_siblings)
{
    msdocs_names m;
    load_msdocs_names(&m);
    tsv_names t;
    load_tsv_names(&t);
    char *root = sxs_test_tmpdir("coll-ssu");
    char rel[512];
    char *cur_upper = upper_dup(m.names[0]);
    /* current: "AMD64_MICROSOFT-WINDOWS-SERVICINGSTACK_..." with three files */
    for (int i = 0; i < 3; i++) {
        snprintf(rel, sizeof(rel), "WINDOWS/winsxs/%s/file%d.dll", cur_upper, i);
        put(root, rel, "dll", 0);
    }
    /* siblings: amd64-inetsrv empty, amd64-onecore one file, x86 empty, x86-inetsrv one
     * sub-folder, x86-onecore absent; plus a wow64 variant (made up) empty */
    snprintf(rel, sizeof(rel), "WINDOWS/winsxs/%s", m.names[1]);
    mkdirs(root, rel);
    snprintf(rel, sizeof(rel), "WINDOWS/winsxs/%s/a.dll", m.names[2]);
    put(root, rel, "a", 0);
    snprintf(rel, sizeof(rel), "WINDOWS/winsxs/%s", m.names[3]);
    mkdirs(root, rel);
    snprintf(rel, sizeof(rel), "WINDOWS/winsxs/%s/sub", m.names[4]);
    mkdirs(root, rel);
    char wow64[200];
    with_arch(wow64, sizeof(wow64), m.names[0], "wow64");
    snprintf(rel, sizeof(rel), "WINDOWS/winsxs/%s", wow64);
    mkdirs(root, rel);
    /* older servicing stacks (other versions: not siblings, never listed) */
    for (size_t i = 0; i < 3; i++) {
        snprintf(rel, sizeof(rel), "WINDOWS/winsxs/%s", t.names[i]);
        mkdirs(root, rel);
    }
    /* other components and files */
    mkdirs(root, "WINDOWS/winsxs/amd64_microsoft-windows-servicingstack.resources_31bf3856ad364e35_"
                 "10.0.26100.5074_en-us_0123456789abcdef"); /* ".resources": no marker */
    mkdirs(root, "WINDOWS/winsxs/amd64_microsoft-windows-kernel32_31bf3856ad364e35_10.0.26100."
                 "5074_none_1111111111111111");
    mkdirs(root, "WINDOWS/winsxs/Manifests");
    put(root, "WINDOWS/winsxs/Pending.XML", NULL, 1234);
    put(root, "WINDOWS/winsxs/poqexec.log", "log", 0);
    /* a FILE whose name carries the marker is not a folder */
    put(root, "WINDOWS/winsxs/x86_microsoft-windows-servicingstack_stray.txt", "t", 0);

    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    prefill_ssu(facts, "10.0.26100.5074", m.names[0]);
    sxs_diag *diag = sxs_diag_new();
    cr_assert_eq(an_fs_collect(fs, "WINDOWS", facts, diag), 0);

    cr_assert_str_eq(fact_str(facts, "winsxs.present"), "true");
    /* 1 current + 5 siblings + 3 old + resources + kernel32 + Manifests + 3 files */
    cr_assert_eq(fact_num(facts, "winsxs.entries"), 15);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_folder.count"), 9);
    const char *ssu[] = {cur_upper, m.names[1], m.names[2], m.names[3], m.names[4],
                         wow64,     t.names[0], t.names[1], t.names[2]};
    assert_fact_set(facts, "winsxs.ssu_folder", ssu, 9);

    cr_assert_eq(fact_count(facts, "winsxs.ssu_current.ok"), 1);
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_current.ok"), cur_upper);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_current.ok.files"), 3);
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_current.version"), "10.0.26100.5074");
    cr_assert_eq(fact_count(facts, "winsxs.ssu_current.missing"), 0);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_current.empty"), 0);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_current.reparse"), 0);

    const char *sib[] = {m.names[1], m.names[2], m.names[3], m.names[4], wow64};
    assert_fact_set(facts, "winsxs.ssu_sibling", sib, 5);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_sibling.count"), 5);
    const char *empty[] = {m.names[1], m.names[3], wow64};
    assert_fact_set(facts, "winsxs.ssu_sibling.empty", empty, 3);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_sibling.reparse"), 0);

    cr_assert_str_eq(fact_str(facts, "winsxs.pending_xml.present"), "true");
    cr_assert_eq(fact_num(facts, "winsxs.pending_xml.size"), 1234);
    cr_assert_str_eq(fact_str(facts, "winsxs.poqexec_log.present"), "true");
    cr_assert_eq(sxs_diag_count_level(diag, SXS_DIAG_WARN), 0);

    sxs_diag_free(diag);
    an_facts_free(facts);
    fsa_close(ev);
    free(cur_upper);
    free(root);
}

/* Two versions in the CBS Version key: one folder missing, one present but empty; the
 * empty one's sibling is reported once. */
Test(winsxs, current_missing_and_empty)
{
    tsv_names t;
    load_tsv_names(&t);
    char *root = sxs_test_tmpdir("coll-miss");
    char rel[512];
    /* t.names[0] (19041.2905): present, empty; t.names[2] (22621.3801): absent */
    snprintf(rel, sizeof(rel), "Windows/WinSxS/%s", t.names[0]);
    mkdirs(root, rel);
    char x86[200];
    with_arch(x86, sizeof(x86), t.names[0], "x86");
    snprintf(rel, sizeof(rel), "Windows/WinSxS/%s/x.dll", x86);
    put(root, rel, "x", 0);
    snprintf(rel, sizeof(rel), "Windows/WinSxS/%s", t.names[1]);
    put(root, rel, "not a folder", 0);
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    prefill_ssu(facts, t.versions[2], t.names[2]);
    prefill_ssu(facts, t.versions[0], t.names[0]);
    prefill_ssu(facts, t.versions[1], t.names[1]);
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, NULL), 0);

    /* t.names[1] is a file, not a folder: as good as missing */
    cr_assert_eq(fact_count(facts, "winsxs.ssu_current.missing"), 2);
    cr_assert_str_eq(fact_nth(facts, "winsxs.ssu_current.missing", 0), t.names[2]);
    cr_assert_str_eq(fact_nth(facts, "winsxs.ssu_current.missing", 1), t.names[1]);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_current.empty"), 1);
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_current.empty"), t.names[0]);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_current.ok"), 0);
    cr_assert_str_eq(fact_nth(facts, "winsxs.ssu_current.version", 0), t.versions[2]);
    cr_assert_str_eq(fact_nth(facts, "winsxs.ssu_current.version", 1), t.versions[0]);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_folder.count"), 2);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_sibling.count"), 1);
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_sibling"), x86);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_sibling.empty"), 0);
    cr_assert_str_eq(fact_str(facts, "winsxs.pending_xml.present"), "false");
    cr_assert_null(an_facts_get(facts, "winsxs.pending_xml.size"));
    cr_assert_str_eq(fact_str(facts, "winsxs.poqexec_log.present"), "false");
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

/* A version whose registry folder name is unparsable falls back to cbs.ssu.version; a
 * current folder that is a link is reported as such, never listed. */
Test(winsxs, current_reparse_and_version_fallback)
{
    msdocs_names m;
    load_msdocs_names(&m);
    char *root = sxs_test_tmpdir("coll-cur-rp");
    char rel[512];
    snprintf(rel, sizeof(rel), "Windows/WinSxS/%s", m.names[0]);
    link_to(root, rel, "\\??\\D:\\Stash\\ssu");
    snprintf(rel, sizeof(rel), "Windows/WinSxS/%s", m.names[3]);
    link_to(root, rel, "../elsewhere");
    mkdirs(root, "Windows/WinSxS/odd-folder");
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    prefill_ssu(facts, "10.0.26100.5074", m.names[0]);
    prefill_ssu(facts, "10.0.1.1", "ODD-FOLDER");
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, NULL), 0);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_current.reparse"), 1);
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_current.reparse"), m.names[0]);
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_current.reparse.target"), "\\??\\D:\\Stash\\ssu");
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_current.empty"), "odd-folder");
    cr_assert_str_eq(fact_nth(facts, "winsxs.ssu_current.version", 1), "10.0.1.1");
    cr_assert_eq(fact_num(facts, "winsxs.ssu_sibling.count"), 1);
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_sibling.reparse"), m.names[3]);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_sibling.empty"), 0);
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

Test(winsxs, absent)
{
    char *root = sxs_test_tmpdir("coll-none");
    mkdirs(root, "Windows/System32");
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    prefill_ssu(facts, "10.0.26100.5074",
                "amd64_microsoft-windows-servicingstack_31bf3856ad364e3"
                "5_10.0.26100.5074_none_a5532eb7772ad4c4");
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, NULL), 0);
    cr_assert_str_eq(fact_str(facts, "winsxs.present"), "false");
    cr_assert_null(an_facts_get(facts, "winsxs.entries"));
    cr_assert_null(an_facts_get(facts, "winsxs.ssu_folder.count"));
    cr_assert_null(an_facts_get(facts, "winsxs.ssu_current.missing"));
    cr_assert_str_eq(fact_str(facts, "winsxs.pending_xml.present"), "false");
    cr_assert_str_eq(fact_str(facts, "driverstore.present"), "false");
    cr_assert_null(an_facts_get(facts, "driverstore.packages"));
    cr_assert_null(an_facts_get(facts, "reparse.library_junction.count"));
    /* every bool is emitted false */
    const char *bools[] = {"file.spupdsvc.present",          "file.wimmount_sys.present",
                           "iis.app_host_config.present",    "wu.softwaredistribution.present",
                           "wu.datastore.present",           "wu.catroot2.present",
                           "panther.upgrade_folder.present", "panther.rollback.present",
                           "winsxs.poqexec_log.present"};
    for (size_t i = 0; i < sizeof(bools) / sizeof(*bools); i++) {
        cr_assert_eq(fact_count(facts, bools[i]), 1, "%s", bools[i]);
        cr_assert_str_eq(fact_str(facts, bools[i]), "false", "%s", bools[i]);
    }
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

/* 20,000 WinSxS entries: one listing, counts exact, and quick. */
Test(winsxs, twenty_thousand_entries)
{
    msdocs_names m;
    load_msdocs_names(&m);
    char *root = sxs_test_tmpdir("coll-20k");
    mkdirs(root, "Windows/WinSxS");
    char rel[512];
    char p[4096];
    const int total = 20000, ssu = 30;
    for (int i = 0; i < total - ssu - 1; i++) {
        snprintf(p, sizeof(p),
                 "%s/Windows/WinSxS/amd64_microsoft-windows-component%05d_31bf3856"
                 "ad364e35_10.0.26100.%d_none_%016x",
                 root, i, i % 7000, (unsigned)i * 2654435761u);
        cr_assert_eq(mkdir(p, 0755), 0);
    }
    for (int i = 0; i < ssu; i++) { /* old servicing stacks, plus the current one below */
        snprintf(p, sizeof(p),
                 "%s/Windows/WinSxS/%s_microsoft-windows-servicingstack_31bf3856ad"
                 "364e35_10.0.%d.%d_none_%016x",
                 root, (i & 1) ? "x86" : "amd64", 19041 + i, i, (unsigned)i);
        cr_assert_eq(mkdir(p, 0755), 0);
    }
    snprintf(rel, sizeof(rel), "Windows/WinSxS/%s/ssu.dll", m.names[0]);
    put(root, rel, "d", 0);
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    prefill_ssu(facts, "10.0.26100.5074", m.names[0]);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, NULL), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    cr_assert_eq(fact_num(facts, "winsxs.entries"), total);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_folder.count"), ssu + 1);
    cr_assert_eq(fact_count(facts, "winsxs.ssu_folder"), (size_t)ssu + 1);
    cr_assert_str_eq(fact_str(facts, "winsxs.ssu_current.ok"), m.names[0]);
    cr_assert_eq(fact_num(facts, "winsxs.ssu_sibling.count"), 0);
    cr_assert_lt(secs, 5.0, "an_fs_collect over 20,000 entries took %.2f s", secs);
    cr_log_info("an_fs_collect over 20,000 WinSxS entries: %.3f s", secs);
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

/* ---- driver store ----------------------------------------------------------------------- */

static char *make_driverstore_tree(void)
{
    char *root = sxs_test_tmpdir("coll-ds");
    mkdirs(root, "Windows/system32/DRIVERSTORE/FileRepository/ntprint4.inf_amd64_0123456789abcdef");
    mkdirs(root, "Windows/system32/DRIVERSTORE/FileRepository/NTPRINT.INF_amd64_neutral_4a5b6c");
    mkdirs(root, "Windows/system32/DRIVERSTORE/FileRepository/usbport.inf_amd64_fedcba9876543210");
    put(root, "Windows/system32/DRIVERSTORE/FileRepository/ntprint4.inf_loose_file", "f", 0);
    return root;
}

Test(driverstore, find_present_and_absent)
{
    char *root = make_driverstore_tree();
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_driverstore *ds = NULL;
    cr_assert_eq(an_driverstore_open(fs, "Windows", NULL, &ds), 0);
    cr_assert(an_driverstore_present(ds));
    cr_assert_eq(an_driverstore_packages(ds), 3);
    char folder[128];
    cr_assert_eq(an_driverstore_find(ds, "ntprint4.inf", folder, sizeof(folder)), 1);
    cr_assert_str_eq(folder, "ntprint4.inf_amd64_0123456789abcdef");
    cr_assert_eq(an_driverstore_find(ds, "C:\\Windows\\INF\\NtPrint.inf", folder, sizeof(folder)),
                 1);
    cr_assert_str_eq(folder, "NTPRINT.INF_amd64_neutral_4a5b6c");
    /* "ntprint.inf" must not match "ntprint4.inf_..." and vice versa */
    cr_assert_eq(an_driverstore_find(ds, "ntprint", folder, sizeof(folder)), 0);
    cr_assert_eq(an_driverstore_find(ds, "oem12.inf", folder, sizeof(folder)), 0);
    cr_assert_eq(an_driverstore_find(ds, "usbport.inf", folder, 10), -ENAMETOOLONG);
    cr_assert_eq(an_driverstore_find(ds, "", folder, sizeof(folder)), -EINVAL);
    cr_assert_eq(an_driverstore_find(ds, "dir\\", folder, sizeof(folder)), -EINVAL);
    an_driverstore_free(ds);

    cr_assert_eq(an_driverstore_find_inf(fs, "Windows", "USBPORT.inf", folder, sizeof(folder)), 1);
    cr_assert_str_eq(folder, "usbport.inf_amd64_fedcba9876543210");
    cr_assert_eq(an_driverstore_find_inf(fs, "Windows", "missing.inf", folder, sizeof(folder)), 0);
    cr_assert_eq(an_driverstore_find_inf(fs, "NoWindows", "usbport.inf", folder, sizeof(folder)),
                 0);

    an_facts *facts = an_facts_new();
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, NULL), 0);
    cr_assert_str_eq(fact_str(facts, "driverstore.present"), "true");
    cr_assert_eq(fact_num(facts, "driverstore.packages"), 3);
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

Test(driverstore, absent_store)
{
    char *root = sxs_test_tmpdir("coll-ds0");
    mkdirs(root, "Windows/System32/DriverStore");
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_driverstore *ds = NULL;
    cr_assert_eq(an_driverstore_open(fs, "Windows", NULL, &ds), 0);
    cr_assert_not(an_driverstore_present(ds));
    cr_assert_eq(an_driverstore_packages(ds), 0);
    char folder[64];
    cr_assert_eq(an_driverstore_find(ds, "ntprint4.inf", folder, sizeof(folder)), 0);
    an_driverstore_free(ds);
    an_driverstore_free(NULL);
    fsa_close(ev);
    free(root);
}

/* ---- reparse points in libraries -------------------------------------------------------- */

Test(reparse, classify_targets)
{
    char out[256];
    cr_assert_eq(an_reparse_classify("\\??\\C:\\Users\\Bob\\Music", "Users/x", out, sizeof(out)),
                 AN_TARGET_THIS_VOLUME);
    cr_assert_str_eq(out, "Users/Bob/Music");
    cr_assert_eq(an_reparse_classify("c:/a/./b/../c", "", out, sizeof(out)), AN_TARGET_THIS_VOLUME);
    cr_assert_str_eq(out, "a/c");
    cr_assert_eq(an_reparse_classify("\\??\\Volume{4c1b02c1-d990-11dc-99ae-806e6f6e6963}\\", "",
                                     out, sizeof(out)),
                 AN_TARGET_VOLUME_ROOT);
    cr_assert_eq(an_reparse_classify("\\\\?\\Volume{4c1b02c1-d990-11dc-99ae-806e6f6e6963}\\x", "",
                                     out, sizeof(out)),
                 AN_TARGET_OTHER);
    cr_assert_eq(an_reparse_classify("E:\\", "", out, sizeof(out)), AN_TARGET_VOLUME_ROOT);
    cr_assert_eq(an_reparse_classify("\\??\\C:\\", "", out, sizeof(out)), AN_TARGET_VOLUME_ROOT);
    cr_assert_eq(an_reparse_classify("\\??\\E:\\Data", "", out, sizeof(out)), AN_TARGET_OTHER);
    cr_assert_eq(an_reparse_classify("/.NTFS-3G/E:/Data", "", out, sizeof(out)), AN_TARGET_OTHER);
    cr_assert_eq(an_reparse_classify("/.NTFS-3G/C:/Data", "", out, sizeof(out)),
                 AN_TARGET_THIS_VOLUME);
    cr_assert_str_eq(out, "Data");
    cr_assert_eq(an_reparse_classify("\\??\\UNC\\server\\share", "", out, sizeof(out)),
                 AN_TARGET_OTHER);
    cr_assert_eq(an_reparse_classify("\\\\server\\share", "", out, sizeof(out)), AN_TARGET_OTHER);
    cr_assert_eq(an_reparse_classify("/mnt/win/Users", "", out, sizeof(out)), AN_TARGET_OTHER);
    cr_assert_eq(an_reparse_classify("..\\Pictures\\2019", "Users/a/Documents", out, sizeof(out)),
                 AN_TARGET_THIS_VOLUME);
    cr_assert_str_eq(out, "Users/a/Pictures/2019");
    cr_assert_eq(an_reparse_classify("\\Data", "Users/a", out, sizeof(out)), AN_TARGET_THIS_VOLUME);
    cr_assert_str_eq(out, "Data");
    cr_assert_eq(an_reparse_classify("../../../../x", "Users/a", out, sizeof(out)),
                 AN_TARGET_OTHER);
    cr_assert_eq(an_reparse_classify("", "", out, sizeof(out)), AN_TARGET_NONE);
    cr_assert_eq(an_reparse_classify("\\??\\Volume{broken", "", out, sizeof(out)), AN_TARGET_NONE);
}

/* Looks up the bad-junction triple (path, target, reason) among the parallel facts. */
static bool has_bad(const an_facts *f, const char *path, const char *target, const char *reason)
{
    size_t n = fact_count(f, "reparse.library_junction.bad");
    cr_assert_eq(fact_count(f, "reparse.library_junction.bad.target"), n);
    cr_assert_eq(fact_count(f, "reparse.library_junction.bad.reason"), n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(fact_nth(f, "reparse.library_junction.bad", i), path) &&
            !strcmp(fact_nth(f, "reparse.library_junction.bad.target", i), target) &&
            !strcmp(fact_nth(f, "reparse.library_junction.bad.reason", i), reason))
            return true;
    return false;
}

Test(reparse, library_junctions)
{
    char *root = sxs_test_tmpdir("coll-rp");
    mkdirs(root, "Windows/System32");
    mkdirs(root, "users/Alice/Music");
    mkdirs(root, "users/Alice/Pictures");
    mkdirs(root, "users/Alice/DOCUMENTS/Stuff");
    link_to(root, "users/Alice/DOCUMENTS/Old", "\\??\\C:\\Users\\Alice\\Gone");
    link_to(root, "users/Alice/DOCUMENTS/Archive",
            "\\??\\Volume{1b2c3d4e-0000-0000-0000-100000000000}\\");
    link_to(root, "users/Alice/DOCUMENTS/My Music", "\\??\\C:\\Users\\Alice\\Music");
    link_to(root, "users/Alice/DOCUMENTS/rel", "../Pictures");
    link_to(root, "users/Alice/DOCUMENTS/relbad", "../NoSuch");
    link_to(root, "users/Alice/DOCUMENTS/Ext", "\\??\\E:\\Data");
    put(root, "users/Alice/DOCUMENTS/notes.txt", "n", 0);
    /* two levels deep: never looked at */
    link_to(root, "users/Alice/DOCUMENTS/Stuff/Deep", "\\??\\C:\\Nowhere");
    /* through a junction on the way: C:\Docs -> Users\Alice\Documents, so Docs\Stuff exists */
    link_to(root, "Docs", "\\??\\C:\\Users\\Alice\\Documents");
    link_to(root, "users/Alice/Music/Via", "\\??\\C:\\Docs\\Stuff");
    link_to(root, "users/Alice/Music/ViaBad", "\\??\\C:\\Docs\\Nothing");
    /* a library folder that is itself a junction to a volume root */
    mkdirs(root, "users/Bob");
    link_to(root, "users/Bob/Pictures", "D:\\");
    /* profile links are skipped (seen through their real profile) */
    link_to(root, "users/All Users", "\\??\\C:\\ProgramData");
    /* folders outside the libraries are not looked at */
    link_to(root, "users/Bob/AppData", "\\??\\C:\\Missing");

    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    sxs_diag *diag = sxs_diag_new();
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, diag), 0);

    cr_assert_eq(fact_num(facts, "reparse.library_junction.count"), 9);
    cr_assert_eq(fact_count(facts, "reparse.library_junction.bad"), 5);
    cr_assert(
        has_bad(facts, "Users/Alice/Documents/Old", "\\??\\C:\\Users\\Alice\\Gone", "missing"));
    cr_assert(has_bad(facts, "Users/Alice/Documents/Archive",
                      "\\??\\Volume{1b2c3d4e-0000-0000-0000-100000000000}\\", "volume-root"));
    cr_assert(has_bad(facts, "Users/Alice/Documents/relbad", "../NoSuch", "missing"));
    cr_assert(has_bad(facts, "Users/Bob/Pictures", "D:\\", "volume-root"));
    cr_assert(has_bad(facts, "Users/Alice/Music/ViaBad", "\\??\\C:\\Docs\\Nothing", "missing"));
    const char *unverified[] = {"Users/Alice/Documents/Ext"};
    assert_fact_set(facts, "reparse.library_junction.unverified", unverified, 1);
    sxs_diag_free(diag);
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

/* ---- single files, Windows Update cache, Panther ---------------------------------------- */

Test(fsfacts, files_wu_panther)
{
    char *root = sxs_test_tmpdir("coll-files");
    put(root, "Windows/SYSTEM32/SpUpdSvc.exe", "MZ", 0);
    mkdirs(root, "Windows/SYSTEM32/drivers");
    mkdirs(root, "Windows/SYSTEM32/CatRoot2");
    put(root, "Windows/SoftwareDistribution/download/a1b2/x.cab", "c", 0);
    put(root, "Windows/SoftwareDistribution/download/file.bin", "c", 0);
    mkdirs(root, "Windows/SoftwareDistribution/download/c3d4");
    put(root, "Windows/SoftwareDistribution/DataStore/datastore.EDB", NULL, 4096);
    mkdirs(root, "$Windows.~BT/sources/panther");
    put(root, "$Windows.~BT/sources/rollback", "not a folder", 0);
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, NULL), 0);
    cr_assert_str_eq(fact_str(facts, "file.spupdsvc.present"), "true");
    cr_assert_str_eq(fact_str(facts, "file.wimmount_sys.present"), "false");
    cr_assert_str_eq(fact_str(facts, "wu.softwaredistribution.present"), "true");
    cr_assert_eq(fact_num(facts, "wu.softwaredistribution.download.entries"), 3);
    cr_assert_str_eq(fact_str(facts, "wu.datastore.present"), "true");
    cr_assert_eq(fact_num(facts, "wu.datastore.size"), 4096);
    cr_assert_str_eq(fact_str(facts, "wu.catroot2.present"), "true");
    cr_assert_str_eq(fact_str(facts, "panther.upgrade_folder.present"), "true");
    cr_assert_str_eq(fact_str(facts, "panther.rollback.present"), "false");
    cr_assert_str_eq(fact_str(facts, "iis.app_host_config.present"), "false");
    cr_assert_null(an_facts_get(facts, "iis.physical_path.count"));
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

Test(fsfacts, wimmount_present_download_absent)
{
    char *root = sxs_test_tmpdir("coll-wim");
    put(root, "windows/System32/Drivers/WIMMOUNT.SYS", "MZ", 0);
    mkdirs(root, "windows/SoftwareDistribution");
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    cr_assert_eq(an_fs_collect(fs, "windows", facts, NULL), 0);
    cr_assert_str_eq(fact_str(facts, "file.wimmount_sys.present"), "true");
    cr_assert_str_eq(fact_str(facts, "wu.softwaredistribution.present"), "true");
    cr_assert_null(an_facts_get(facts, "wu.softwaredistribution.download.entries"));
    cr_assert_str_eq(fact_str(facts, "wu.datastore.present"), "false");
    cr_assert_null(an_facts_get(facts, "wu.datastore.size"));
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

/* ---- IIS -------------------------------------------------------------------------------- */

static void write_app_host_config(const char *root, size_t pad)
{
    char p[4096];
    parent_dirs(root, "Windows/System32/inetsrv/config/applicationHost.config");
    snprintf(p, sizeof(p), "%s/Windows/System32/inetsrv/config/applicationHost.config", root);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<configuration>\n"
          "  <system.applicationHost>\n    <sites>\n"
          "      <site name=\"Default Web Site\" id=\"1\">\n"
          "        <application path=\"/\">\n"
          "          <virtualDirectory path=\"/\" physicalPath=\"%SystemDrive%\\inetpub\\wwwroot\" "
          "/>\n"
          "        </application>\n"
          "        <application path=\"/old\">\n"
          "          <virtualDirectory path=\"/\" physicalPath=\"%SystemDrive%\\inetpub\\old\" />\n"
          "          <virtualDirectory path=\"/again\" physicalPath = "
          "'%SYSTEMDRIVE%\\inetpub\\old' />\n"
          "        </application>\n"
          "      </site>\n"
          "      <!-- <virtualDirectory path=\"/\" physicalPath=\"C:\\Commented\" /> -->\n"
          "      <site name=\"Shop\"><application path=\"/\">\n"
          "        <virtualDirectory path=\"/\" physicalPath=\"C:\\Sites\\Shop\" />\n"
          "        <virtualDirectory path=\"/blog\" physicalPath=\"c:\\SITES\\blog\\\" />\n"
          "        <virtualDirectory path=\"/d\" physicalPath=\"D:\\Web\" />\n"
          "        <virtualDirectory path=\"/unc\" physicalPath=\"\\\\fileserver\\web\" />\n"
          "        <virtualDirectory path=\"/ab\" physicalPath=\"C:\\Sites\\A&amp;B\" />\n"
          "        <virtualDirectory path=\"/w\" physicalPath=\"%windir%\\Web\\missing\" />\n"
          "        <virtualDirectory path=\"/v\" physicalPath=\"%UserProfile%\\site\" />\n"
          "        <virtualDirectory path=\"/x\" xphysicalPath=\"C:\\NotAnAttribute\" />\n"
          "        <virtualDirectory path=\"/e\" physicalPath=\"&#67;:\\Sites\\Shop\" />\n",
          f);
    /* padding so the next attribute straddles the 1 MiB read chunk */
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f);
    fputs("<virtualDirectory physicalPath=\"C:\\Across\\Chunk\" />\n"
          "      </application></site>\n    </sites>\n  </system.applicationHost>\n"
          "</configuration>\n",
          f);
    cr_assert_eq(fclose(f), 0);
}

Test(iis, missing_physical_paths)
{
    char *root = sxs_test_tmpdir("coll-iis");
    mkdirs(root, "inetpub/wwwroot");
    mkdirs(root, "Sites/Blog");
    mkdirs(root, "Windows/Web");
    /* place "physicalPath" across the 1 MiB boundary: header bytes are counted below */
    write_app_host_config(root, 0);
    char p[4096];
    snprintf(p, sizeof(p), "%s/Windows/System32/inetsrv/config/applicationHost.config", root);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    size_t head = (size_t)st.st_size - strlen("<virtualDirectory physicalPath=\"C:\\Across\\Chunk"
                                              "\" />\n      </application></site>\n    </sites>\n"
                                              "  </system.applicationHost>\n</configuration>\n");
    size_t pad = 1024 * 1024 - head - strlen("<virtualDirectory phys");
    write_app_host_config(root, pad);

    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    sxs_diag *diag = sxs_diag_new();
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, diag), 0);
    cr_assert_str_eq(fact_str(facts, "iis.app_host_config.present"), "true");
    /* 12 attributes outside the comment (xphysicalPath is another attribute); "&#67;:" is
     * "C:", a duplicate of a missing path already reported */
    cr_assert_eq(fact_num(facts, "iis.physical_path.count"), 12);
    const char *missing[] = {"%SystemDrive%\\inetpub\\old", "C:\\Sites\\Shop", "C:\\Sites\\A&B",
                             "%windir%\\Web\\missing", "C:\\Across\\Chunk"};
    assert_fact_set(facts, "iis.physical_path.missing", missing, 5);
    const an_fact *first = an_facts_get(facts, "iis.physical_path.missing");
    cr_assert_gt(first->offset, 0);
    size_t notes = 0;
    for (size_t i = 0; i < sxs_diag_count(diag); i++)
        if (strstr(sxs_diag_get(diag, i)->message, "not checked"))
            notes++;
    cr_assert_eq(notes, 3, "D:, UNC and %%UserProfile%% are skipped with a note");
    sxs_diag_free(diag);
    an_facts_free(facts);
    fsa_close(ev);
    free(root);
}

Test(iis, long_value_and_utf16)
{
    char *root = sxs_test_tmpdir("coll-iis2");
    char p[4096];
    parent_dirs(root, "Windows/System32/inetsrv/config/applicationHost.config");
    snprintf(p, sizeof(p), "%s/Windows/System32/inetsrv/config/applicationHost.config", root);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    fputs("<sites><site><virtualDirectory physicalPath=\"C:\\", f);
    for (int i = 0; i < 5000; i++)
        fputc('a', f);
    fputs("\" /> <virtualDirectory physicalPath=\"C:\\Short\" /> <virtualDirectory "
          "physicalPath=\"C:\\Unterminated",
          f);
    cr_assert_eq(fclose(f), 0);
    fsa_evidence *ev;
    fsa_fs *fs = open_fs(root, &ev);
    an_facts *facts = an_facts_new();
    sxs_diag *diag = sxs_diag_new();
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, diag), 0);
    cr_assert_eq(fact_num(facts, "iis.physical_path.count"), 2);
    const char *missing[] = {"C:\\Short"};
    assert_fact_set(facts, "iis.physical_path.missing", missing, 1);
    bool cut = false;
    for (size_t i = 0; i < sxs_diag_count(diag); i++)
        cut = cut || strstr(sxs_diag_get(diag, i)->message, "longer than 4096 bytes");
    cr_assert(cut);
    an_facts_free(facts);
    sxs_diag_free(diag);

    /* UTF-16 with a BOM: said so, nothing guessed */
    f = fopen(p, "wb");
    cr_assert_not_null(f);
    fputs("\xff\xfe<\0s\0", f);
    cr_assert_eq(fclose(f), 0);
    facts = an_facts_new();
    diag = sxs_diag_new();
    cr_assert_eq(an_fs_collect(fs, "Windows", facts, diag), 0);
    cr_assert_str_eq(fact_str(facts, "iis.app_host_config.present"), "true");
    cr_assert_eq(fact_num(facts, "iis.physical_path.count"), 0);
    cr_assert_eq(fact_count(facts, "iis.physical_path.missing"), 0);
    bool utf16 = false;
    for (size_t i = 0; i < sxs_diag_count(diag); i++)
        utf16 = utf16 || strstr(sxs_diag_get(diag, i)->message, "UTF-16");
    cr_assert(utf16);
    an_facts_free(facts);
    sxs_diag_free(diag);
    fsa_close(ev);
    free(root);
}

Test(collect, bad_arguments)
{
    an_facts *facts = an_facts_new();
    cr_assert_eq(an_fs_collect(NULL, "Windows", facts, NULL), -EINVAL);
    an_facts_free(facts);
}

/* ---- hostile input ---------------------------------------------------------------------- */

/* Random targets built from the characters the classifier cares about, into small buffers:
 * the sanitizers catch any out-of-bounds access; the result must be a valid kind and, for
 * this volume, a NUL-terminated path that fits. */
Test(reparse, classify_random_targets)
{
    static const char alphabet[] = "\\/?.:cCdDeE{}Volume UNC.NTFS-3G-x_";
    unsigned seed = 12345;
    char target[64], out[16];
    for (int i = 0; i < 20000; i++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % sizeof(target);
        for (size_t k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            target[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        target[len] = '\0';
        size_t cap = 1 + (size_t)(seed % sizeof(out));
        an_target_kind k =
            an_reparse_classify(target, (seed & 1) ? "Users/a/Documents" : "", out, cap);
        cr_assert(k == AN_TARGET_THIS_VOLUME || k == AN_TARGET_VOLUME_ROOT ||
                  k == AN_TARGET_OTHER || k == AN_TARGET_NONE);
        if (k == AN_TARGET_THIS_VOLUME)
            cr_assert_lt(strlen(out), cap);
    }
}

/* A config of random fragments (attribute names, quotes, comment marks, entities, paths) is
 * scanned without a crash and every counted attribute is bounded. */
Test(iis, random_config_fragments)
{
    static const char *const frags[] = {" physicalPath",
                                        "=",
                                        "\"",
                                        "'",
                                        "<!--",
                                        "-->",
                                        "-",
                                        ">",
                                        "<",
                                        " ",
                                        "&amp;",
                                        "&#",
                                        "&#x41;",
                                        ";",
                                        "C:\\",
                                        "D:\\",
                                        "%SystemDrive%",
                                        "%windir%",
                                        "\\\\",
                                        "x",
                                        "\n",
                                        "\0",
                                        "physicalPath=\"C:\\nope\"",
                                        " physicalPath=\"%SystemDrive%\\gone\""};
    char *root = sxs_test_tmpdir("coll-iis-rand");
    char p[4096];
    parent_dirs(root, "Windows/System32/inetsrv/config/applicationHost.config");
    snprintf(p, sizeof(p), "%s/Windows/System32/inetsrv/config/applicationHost.config", root);
    unsigned seed = 777;
    fsa_evidence *ev;
    fsa_fs *fs = NULL;
    for (int round = 0; round < 20; round++) {
        FILE *f = fopen(p, "wb");
        cr_assert_not_null(f);
        for (int i = 0; i < 4000; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *fr = frags[(seed >> 16) % (sizeof(frags) / sizeof(*frags))];
            fwrite(fr, 1, fr[0] ? strlen(fr) : 1, f);
        }
        cr_assert_eq(fclose(f), 0);
        if (!fs)
            fs = open_fs(root, &ev);
        an_facts *facts = an_facts_new();
        sxs_diag *diag = sxs_diag_new();
        cr_assert_eq(an_fs_collect(fs, "Windows", facts, diag), 0);
        cr_assert_str_eq(fact_str(facts, "iis.app_host_config.present"), "true");
        int64_t n = fact_num(facts, "iis.physical_path.count");
        cr_assert_geq(n, 0);
        cr_assert_leq((int64_t)fact_count(facts, "iis.physical_path.missing"), n);
        an_facts_free(facts);
        sxs_diag_free(diag);
    }
    fsa_close(ev);
    free(root);
}
