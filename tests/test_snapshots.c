/* analyzer/fs/an_snapshots.c: the checks one shadow copy gets, driven by the live facts. The
 * snapshot's filesystem here is a directory tree (fsaccess directory backend): the checks see
 * only fsa_fs, so what they read from a libvshadow store is the same (tests/test_fsaccess.c
 * "vss" reads real stores through fsa_shadow_fs). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "analyzer/fs/an_snapshots.h"
#include "sample-images/mkhive.h"
#include "tests/support/corpus.h"

#define SSU                                                                                        \
    "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_none_"                \
    "a5532eb7772ad4c4"
#define SSU2                                                                                       \
    "x86_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.5074_none_4934933311cc5c8e"

static void mkdirs(const char *root, const char *rel)
{
    char p[2048];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0755);
        *s = '/';
    }
    cr_assert(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s", p);
}

static void write_file(const char *root, const char *rel, size_t size)
{
    char p[2048];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "%s", p);
    for (size_t i = 0; i < size; i++)
        fputc('x', f);
    fclose(f);
}

static const fsa_shadow_info SHADOW = {
    .index = 2,
    .identifier = "600f0b6d-5bdf-11e3-9d6c-005056c00008",
    .copy_set = "600f0b6e-5bdf-11e3-9d6c-005056c00008",
    .created = 1709251200, /* 2024-03-01 00:00:00 UTC */
};

static const char *note_with(const an_facts *f, const char *needle)
{
    size_t pos = 0;
    const an_fact *x;
    while ((x = an_facts_next(f, "snapshot.note", &pos)))
        if (strstr(x->value, needle))
            return x->value;
    return NULL;
}

/* A snapshot holding the servicing stack folder the live volume has empty, a SYSTEM hive whose
 * wuauserv was still manual, and the driver package the live DriverStore lacks. */
static fsa_fs *snapshot_tree(char **ret_dir, fsa_evidence **ret_ev, sxs_diag *d)
{
    char *dir = sxs_test_tmpdir("snap");
    mkdirs(dir, "Windows/WinSxS/" SSU);
    write_file(dir, "Windows/WinSxS/" SSU "/cbscore.dll", 4000);
    write_file(dir, "Windows/WinSxS/" SSU "/TrustedInstaller.exe", 100);
    write_file(dir, "Windows/WinSxS/" SSU "/wcp.dll", 1000);
    mkdirs(dir, "Windows/WinSxS/" SSU2); /* empty in the snapshot too */
    mkdirs(dir, "Windows/System32/config");
    mkdirs(dir, "Windows/System32/DriverStore/FileRepository/netathrx.inf_amd64_d3b2c1f0e9a8b7c6");
    char hive[2048];
    snprintf(hive, sizeof(hive), "%s/Windows/System32/config/SYSTEM", dir);
    cr_assert_eq(mkhive_create(hive), 0);
    cr_assert_eq(mkhive_set_dword(hive, "Select", "Current", 1), 0);
    cr_assert_eq(mkhive_set_dword(hive, "ControlSet001\\Services\\wuauserv", "Start", 3), 0);
    cr_assert_eq(mkhive_set_dword(hive, "ControlSet001\\Services\\BITS", "Start", 4), 0);
    write_file(dir, "Windows/System32/config/SOFTWARE", 10);
    cr_assert_eq(fsa_open(dir, d, ret_ev), 0);
    *ret_dir = dir;
    return fsa_install(*ret_ev, 0)->fs;
}

Test(snapshots, says_what_the_snapshot_holds)
{
    sxs_diag *d = sxs_diag_new();
    char *dir;
    fsa_evidence *ev;
    fsa_fs *snap = snapshot_tree(&dir, &ev, d);
    an_facts *live = an_facts_new(), *out = an_facts_new();
    an_facts_add_str(live, "winsxs.ssu_current.empty", SSU, "Windows/WinSxS", -1);
    an_facts_add_str(live, "winsxs.ssu_current.missing", SSU2, "Windows/WinSxS", -1);
    an_facts_add_str(live, "winsxs.ssu_current.empty", "../../Users", "Windows/WinSxS", -1);
    an_facts_add_num(live, "service.wuauserv.start", 4, "SYSTEM", -1);
    an_facts_add_num(live, "service.bits.start", 4, "SYSTEM", -1);
    an_facts_add_num(live, "service.cryptsvc.start", 2, "SYSTEM", -1);
    an_facts_add_str(live, "history.driver.missing", "netathrx.inf", "CBS.log", -1);
    an_facts_add_str(live, "history.driver.missing", "absent.inf", "CBS.log", -1);
    cr_assert_eq(an_snapshot_check(snap, &SHADOW, "Windows", live, out, d), 0);

    const an_fact *f = an_facts_get(out, "snapshot.ssu_current.populated");
    cr_assert_not_null(f);
    cr_assert_str_eq(f->value, SSU);
    cr_assert_str_eq(f->source, "vss2 {600f0b6d-5bdf-11e3-9d6c-005056c00008}: Windows/WinSxS/" SSU);
    cr_assert_eq(an_facts_get(out, "snapshot.ssu_current.populated.store")->num, 2);
    cr_assert_eq(an_facts_get(out, "snapshot.ssu_current.populated.files")->num, 3);
    cr_assert_eq(an_facts_get(out, "snapshot.ssu_current.populated.bytes")->num, 5100);
    cr_assert_str_eq(an_facts_get(out, "snapshot.ssu_current.populated.set")->value,
                     SHADOW.copy_set);
    cr_assert_not_null(note_with(out, "the servicing stack folder " SSU
                                      " is populated in the shadow copy vss2 of 2024-03-01 "
                                      "00:00:00 UTC (3 files, 5.1 KB)"));
    cr_assert_str_eq(an_facts_get(out, "snapshot.ssu_current.empty")->value, SSU2,
                     "the folder the live volume misses is empty in the snapshot");
    cr_assert_not_null(note_with(out, SSU2 " is empty in the shadow copy vss2"));
    /* a value that is not a folder name is never looked up */
    size_t pos = 0, n = 0;
    while (an_facts_next(out, "snapshot.ssu_current.empty", &pos))
        n++;
    cr_assert_eq(n, 1);

    cr_assert_eq(an_facts_get(out, "snapshot.service.wuauserv.start")->num, 3);
    cr_assert_eq(an_facts_get(out, "snapshot.service.bits.start")->num, 4);
    cr_assert_null(an_facts_get(out, "snapshot.service.cryptsvc.start"),
                   "a service that is fine now is not read");
    cr_assert_not_null(note_with(out, "SYSTEM in the shadow copy vss2 of 2024-03-01 00:00:00 UTC "
                                      "has wuauserv Start=3"));
    cr_assert_not_null(note_with(out, "has bits Start=4 (disabled then too)"));

    cr_assert_str_eq(an_facts_get(out, "snapshot.driver.present")->value, "netathrx.inf");
    cr_assert_str_eq(an_facts_get(out, "snapshot.driver.folder")->value,
                     "netathrx.inf_amd64_d3b2c1f0e9a8b7c6");
    pos = n = 0;
    while (an_facts_next(out, "snapshot.driver.present", &pos))
        n++;
    cr_assert_eq(n, 1, "absent.inf is not in the snapshot either");
    cr_assert_not_null(note_with(out, "the DriverStore package netathrx.inf_amd64_d3b2c1f0e9a8b7c6 "
                                      "exists in the shadow copy vss2"));
    an_facts_free(live);
    an_facts_free(out);
    fsa_close(ev);
    sxs_diag_free(d);
    free(dir);
}

Test(snapshots, nothing_broken_nothing_read)
{
    sxs_diag *d = sxs_diag_new();
    char *dir;
    fsa_evidence *ev;
    fsa_fs *snap = snapshot_tree(&dir, &ev, d);
    an_facts *live = an_facts_new(), *out = an_facts_new();
    an_facts_add_str(live, "winsxs.ssu_current.ok", SSU, "Windows/WinSxS", -1);
    an_facts_add_num(live, "service.wuauserv.start", 3, "SYSTEM", -1);
    cr_assert_eq(an_snapshot_check(snap, &SHADOW, "Windows", live, out, d), 0);
    cr_assert_eq(an_facts_count(out), 0);
    /* and the collector opens no store on a volume without shadow copies */
    cr_assert_eq(an_snapshots_collect(ev, fsa_install(ev, 0), live, d), 0);
    cr_assert_eq(an_facts_count(live), 2);
    an_facts_free(live);
    an_facts_free(out);
    fsa_close(ev);
    sxs_diag_free(d);
    free(dir);
}

/* ---- a real image with three VSS stores (sample-images/scenarios/ssu-empty-vss.scn, written
 * by sample-images/mkimage_vss.c and read back through libvshadow) ---- */

#define VSS_IMAGE "ssu-empty-vss.raw"
#define VSS_NTFS_OFFSET 26214400L /* the Windows partition: 25 MiB */
static const struct {
    const char *id, *set, *when;
    long long created;
} STORES[3] = {
    {"8f0e7a52-2b1c-11f0-9a3e-00155d2a0b01", "8f0e7a54-2b1c-11f0-9a3e-00155d2a0b01",
     "2025-07-30 02:00:11 UTC", 1753840811},
    {"c41d9e07-7d5f-11f0-9a3e-00155d2a0b01", "c41d9e09-7d5f-11f0-9a3e-00155d2a0b01",
     "2025-08-20 02:00:09 UTC", 1755655209},
    {"0b6a44f1-88c2-11f0-9a3e-00155d2a0b01", "0b6a44f3-88c2-11f0-9a3e-00155d2a0b01",
     "2025-09-03 18:19:57 UTC", 1756923597},
};

static int tool(char **out, const char *a1, const char *a2, const char *a3, const char *a4)
{
    char *argv[] = {(char *)sxs_binary(), (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    char *err = NULL;
    int sig = 0;
    int rc = sxs_run(argv, out, &err, &sig);
    cr_assert_eq(sig, 0, "sxsdoctor died with signal %d: %s", sig, err);
    cr_assert_geq(rc, 0, "%s", err);
    free(err);
    return rc;
}

/* The collector over the image itself: every store is opened through libvshadow and says the
 * folder the live volume has empty is populated there, with what the scenario put in it. */
Test(snapshot_image, facts_from_each_store)
{
    char *img = sxs_sample(VSS_IMAGE);
    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev;
    cr_assert_eq(fsa_open(img, d, &ev), 0);
    const fsa_install_info *in = fsa_install(ev, 0);
    cr_assert_not_null(in);
    an_facts *f = an_facts_new();
    an_facts_add_str(f, "winsxs.ssu_current.empty", SSU, "Windows/WinSxS", -1);
    cr_assert_eq(an_snapshots_collect(ev, in, f, d), 0);
    bool seen[3] = {false, false, false};
    size_t pos = 0;
    const an_fact *x;
    while ((x = an_facts_next(f, "snapshot.ssu_current.populated", &pos))) {
        cr_assert_str_eq(x->value, SSU);
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (strstr(x->source, STORES[i].id))
                k = i;
        cr_assert_geq(k, 0, "a store the scenario did not make: %s", x->source);
        cr_assert_not(seen[k], "store %d reported twice", k + 1);
        seen[k] = true;
        char want[160];
        snprintf(want, sizeof want, "vss%d {%s}: Windows/WinSxS/" SSU, k + 1, STORES[k].id);
        cr_assert_str_eq(x->source, want);
    }
    cr_assert(seen[0] && seen[1] && seen[2], "every store holds the folder");
    pos = 0;
    size_t n = 0;
    while ((x = an_facts_next(f, "snapshot.ssu_current.populated.files", &pos))) {
        cr_assert_eq(x->num, 5, "cbscore.dll CbsApi.dll wcp.dll TiWorker.exe DrUpdate.dll");
        n++;
    }
    cr_assert_eq(n, 3);
    pos = n = 0;
    while ((x = an_facts_next(f, "snapshot.ssu_current.populated.bytes", &pos))) {
        cr_assert_eq(x->num, (48 + 24 + 64 + 16 + 20) * 1024);
        n++;
    }
    cr_assert_eq(n, 3);
    for (int k = 0; k < 3; k++) {
        char want[200];
        snprintf(want, sizeof want,
                 "is populated in the shadow copy vss%d of %s (5 files, 176.1 KB)", k + 1,
                 STORES[k].when);
        cr_assert_not_null(note_with(f, want), "%s", want);
    }
    an_facts_free(f);
    fsa_close(ev);
    sxs_diag_free(d);
    free(img);
}

/* sxsdoctor on the image: the stores listed with their times and identifiers, SSU-EMPTY whose
 * evidence cites each store, and a plan that restores from the newest one (backup first, the
 * dry run before the copy, every placeholder filled by a validated value); the image is not
 * written to. */
Test(snapshot_image, ssu_empty_restores_from_the_newest_store)
{
    char *img = sxs_sample(VSS_IMAGE);
    char before[65], after[65];
    cr_assert_eq(sxs_sha256_file(img, before), 0);
    char *out;
    cr_assert_eq(tool(&out, "--json", img, NULL, NULL), 1);
    ASSERT_JSON(out, "d['verdict']['primary']", "SSU-EMPTY");
    ASSERT_JSON(out, "[len(v['shadow_copies']) for v in d['volumes']]", "[0, 0, 3]");
    ASSERT_JSON(out, "d['volumes'][2]['shadow_error']", "");
    for (int k = 0; k < 3; k++) {
        char expr[160], want[160];
        snprintf(expr, sizeof expr,
                 "[(s['index'], s['identifier'], s['copy_set'], s['created']) for s in "
                 "d['volumes'][2]['shadow_copies']][%d]",
                 k);
        snprintf(want, sizeof want, "(%d, '%s', '%s', %lld)", k + 1, STORES[k].id, STORES[k].set,
                 STORES[k].created);
        ASSERT_JSON(out, expr, want);
    }
    ASSERT_JSON(out,
                "sorted(e['source'].split(' ')[0] for e in d['findings'][0]['evidence'] "
                "if e['source'].startswith('vss') and 'is populated in the shadow copy' in "
                "e['text'] and '(5 files, 176.1 KB)' in e['text'])",
                "['vss1', 'vss2', 'vss3']");
    /* the restore steps, in order, after the backup */
    ASSERT_JSON(out, "'Back up' in d['findings'][0]['plan'][0]['step']", "True");
    const char *steps = "[i for i, s in enumerate(d['findings'][0]['plan']) if s['command'] in ("
                        "'vssadmin list shadows /for=F:\\\\', "
                        "'mklink /d C:\\\\vss3 "
                        "\\\\\\\\?\\\\GLOBALROOT\\\\Device\\\\HarddiskVolumeShadowCopy<N>\\\\', "
                        "'robocopy \"C:\\\\vss3\\\\Windows\\\\WinSxS\\\\" SSU
                        "\" \"F:\\\\Windows\\\\WinSxS\\\\" SSU "\" /E /COPYALL /B /R:0 /W:0 /L', "
                        "'robocopy \"C:\\\\vss3\\\\Windows\\\\WinSxS\\\\" SSU
                        "\" \"F:\\\\Windows\\\\WinSxS\\\\" SSU "\" /E /COPYALL /B /R:0 /W:0', "
                        "'rmdir C:\\\\vss3')]";
    char *idx = sxs_json_query(out, steps);
    int a, b, c, e, g;
    cr_assert_eq(sscanf(idx, "[%d, %d, %d, %d, %d]", &a, &b, &c, &e, &g), 5, "steps %s", idx);
    cr_assert(0 < a && a < b && b < c && c < e && e < g, "order of the restore steps: %s", idx);
    free(idx);
    ASSERT_JSON(out,
                "any('created "
                "2025-09-03 18:19:57 UTC (shadow copy set "
                "0b6a44f3-88c2-11f0-9a3e-00155d2a0b01)' in s['step'] for s in "
                "d['findings'][0]['plan'])",
                "True");
    ASSERT_JSON(out,
                "any(s['command'] == 'vshadowmount /dev/<windows-partition> /mnt/vss && mount -o "
                "ro,loop /mnt/vss/vss3 /mnt/snap' for s in d['findings'][0]['plan'])",
                "True");
    /* a placeholder whose value failed validation leaves the command empty: none here */
    ASSERT_JSON(out,
                "[s['step'][:40] for s in d['findings'][0]['plan'] if 'shadow copy' in s['step'] "
                "and not s['command']]",
                "[]");
    free(out);
    cr_assert_eq(sxs_sha256_file(img, after), 0);
    cr_assert_str_eq(before, after, "the image changed during analysis");
    free(img);
}

/* --snapshot N reads the volume as each store holds it: the machine was healthy then. */
Test(snapshot_image, each_snapshot_was_healthy)
{
    char *img = sxs_sample(VSS_IMAGE);
    for (int k = 0; k < 3; k++) {
        char n[4], want[80], *out;
        snprintf(n, sizeof n, "%d", k + 1);
        cr_assert_eq(tool(&out, "--json", "--snapshot", n, img), 0, "--snapshot %s", n);
        ASSERT_JSON(out, "d['verdict']['status']", "healthy");
        ASSERT_JSON(out, "d['findings']", "[]");
        snprintf(want, sizeof want, "(%d, '%s')", k + 1, STORES[k].id);
        ASSERT_JSON(out,
                    "(d['volumes'][2]['snapshot']['index'], "
                    "d['volumes'][2]['snapshot']['identifier'])",
                    want);
        free(out);
    }
    /* and the verbose facts of the live volume say the same of each store */
    char *out;
    cr_assert_eq(tool(&out, "-v", img, NULL, NULL), 1);
    for (int k = 1; k <= 3; k++) {
        char want[64];
        snprintf(want, sizeof want, "snapshot.ssu_current.populated.store = %d\n", k);
        cr_assert_not_null(strstr(out, want), "%s", want);
    }
    free(out);
    free(img);
}

/* A copy of the image with a damaged VSS header or catalog. */
static char *damaged_copy(const char *tag, long off, size_t len)
{
    char *src = sxs_sample(VSS_IMAGE), *dir = sxs_test_tmpdir(tag), *dst;
    cr_assert(asprintf(&dst, "%s/" VSS_IMAGE, dir) > 0);
    size_t n;
    char *bytes = sxs_slurp(src, &n);
    cr_assert_not_null(bytes);
    if (off < 0) { /* the catalog: where the volume header points */
        uint64_t cat = 0;
        for (int i = 7; i >= 0; i--)
            cat = cat << 8 | (uint8_t)bytes[VSS_NTFS_OFFSET + 0x1e00 + 48 + i];
        cr_assert(cat > 0 && cat < 64u << 20);
        off = VSS_NTFS_OFFSET + (long)cat;
    }
    memset(bytes + off, 0, len);
    FILE *f = fopen(dst, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
    free(bytes);
    free(src);
    free(dir);
    return dst;
}

/* Without the VSS header there are no stores: SSU-EMPTY with the SSU download only. */
Test(snapshot_image, header_zeroed_no_stores)
{
    char *img = damaged_copy("vss-nohdr", VSS_NTFS_OFFSET + 0x1e00, 512), *out;
    cr_assert_eq(tool(&out, "--json", img, NULL, NULL), 1);
    ASSERT_JSON(out, "d['verdict']['primary']", "SSU-EMPTY");
    ASSERT_JSON(out, "d['volumes'][2]['shadow_copies']", "[]");
    ASSERT_JSON(out, "any('vss' in s['command'] for s in d['findings'][0]['plan'])", "False");
    free(out);
    free(img);
}

/* A catalog that is no catalog: a clear message naming the volume, no crash, same finding. */
Test(snapshot_image, damaged_catalog_named)
{
    char *img = damaged_copy("vss-nocat", -1, 16), *out;
    cr_assert_eq(tool(&out, "--json", img, NULL, NULL), 1);
    ASSERT_JSON(out, "d['verdict']['primary']", "SSU-EMPTY");
    ASSERT_JSON(out, "d['volumes'][2]['shadow_copies']", "[]");
    ASSERT_JSON(out, "d['volumes'][2]['shadow_error'] != ''", "True");
    free(out);
    free(img);
}
