/* analyzer/an_snapshots.c: the checks one shadow copy gets, driven by the live facts. The
 * snapshot's filesystem here is a directory tree (fsaccess directory backend): the checks see
 * only fsa_fs, so what they read from a libvshadow store is the same (tests/test_fsaccess.c
 * "vss" reads real stores through fsa_shadow_fs). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer/an_snapshots.h"
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
