/* Registry collector: facts from real SYSTEM hives (values as listed in the corpus manifest),
 * from generated SOFTWARE/SYSTEM/COMPONENTS hives (CBS Version with several stacks, a
 * Select\Current pointing at ControlSet002), and end to end through fsaccess on a directory
 * laid out like a Windows volume. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/registry/an_registry.h"
#include "sample-images/mkhive.h"
#include "tests/support/corpus.h"
#include "tests/support/hive_mutate.h"

typedef struct {
    an_facts *facts;
    sxs_diag *diag;
    an_tz tz;
    an_hive_status st[3];
} collected;

/* Opens the given host hives (NULL = none) and runs the collector over them. */
static collected collect_host(const char *software, const char *system, const char *components)
{
    collected c = {an_facts_new(), sxs_diag_new(), {0}, {{0}}};
    cr_assert_not_null(c.facts);
    const char *paths[3] = {software, system, components};
    an_hive *hives[3] = {NULL};
    for (int i = 0; i < 3; i++)
        if (paths[i])
            cr_assert_eq(an_hive_open_host(paths[i], c.diag, &c.st[i], &hives[i]), 0, "%s: %s",
                         paths[i], c.st[i].detail);
    const char *sources[3] = {"SOFTWARE", "SYSTEM", "COMPONENTS"};
    cr_assert_eq(an_registry_collect_hives(hives, sources, c.facts, &c.tz, c.diag), 0);
    for (int i = 0; i < 3; i++)
        an_hive_free(hives[i]);
    return c;
}

static void collected_free(collected *c)
{
    an_facts_free(c->facts);
    sxs_diag_free(c->diag);
}

static const char *str_fact(const an_facts *f, const char *name)
{
    const an_fact *x = an_facts_get(f, name);
    cr_assert_not_null(x, "fact %s missing", name);
    return x->value;
}

static int64_t num_fact(const an_facts *f, const char *name)
{
    const an_fact *x = an_facts_get(f, name);
    cr_assert_not_null(x, "fact %s missing", name);
    cr_assert(x->has_num, "fact %s is not a number", name);
    return x->num;
}

static size_t fact_count(const an_facts *f, const char *name)
{
    size_t pos = 0, n = 0;
    while (an_facts_next(f, name, &pos))
        n++;
    return n;
}

/* The n-th (0-based) fact with this name. */
static const char *nth_fact(const an_facts *f, const char *name, size_t n)
{
    size_t pos = 0;
    const an_fact *x = NULL;
    for (size_t i = 0; i <= n; i++) {
        x = an_facts_next(f, name, &pos);
        cr_assert_not_null(x, "fact %s #%zu missing", name, i);
    }
    return x->value;
}

static void assert_services(const an_facts *f, int wuauserv, int bits, int bits_delayed,
                            int cryptsvc, int lanman, int trustedinstaller)
{
    cr_assert_eq(num_fact(f, "service.wuauserv.start"), wuauserv);
    cr_assert_eq(num_fact(f, "service.bits.start"), bits);
    if (bits_delayed >= 0)
        cr_assert_eq(num_fact(f, "service.bits.delayed_autostart"), bits_delayed);
    cr_assert_eq(num_fact(f, "service.cryptsvc.start"), cryptsvc);
    cr_assert_eq(num_fact(f, "service.lanmanworkstation.start"), lanman);
    cr_assert_eq(num_fact(f, "service.trustedinstaller.start"), trustedinstaller);
    cr_assert_str_eq(str_fact(f, "service.wuauserv.present"), "true");
}

Test(registry, win7_system)
{
    SXS_CORPUS_OR_SKIP(p, "hives/regipy/SYSTEM.xz");
    collected c = collect_host(NULL, p, NULL);
    cr_assert_eq(c.st[1].state, AN_HIVE_CLEAN);
    cr_assert_eq(num_fact(c.facts, "system.select.current"), 1);
    cr_assert_str_eq(str_fact(c.facts, "system.control_set"), "ControlSet001");
    cr_assert_str_eq(str_fact(c.facts, "system.computer_name"), "WKS-WIN732BITA");
    cr_assert_str_eq(str_fact(c.facts, "tz.key_name"), "Eastern Standard Time");
    cr_assert_eq(num_fact(c.facts, "tz.bias"), 300);
    assert_services(c.facts, 2, 3, -1, 2, 2, 3);
    /* McAfee VirusScan Enterprise: services under Program Files, and its filter driver. */
    cr_assert_eq(fact_count(c.facts, "security.product"), 7);
    cr_assert_str_eq(nth_fact(c.facts, "security.product", 3), "McShield");
    cr_assert_str_eq(str_fact(c.facts, "security.product.mfehidk.image_path"),
                     "system32\\drivers\\mfehidk.sys");
    cr_assert_str_eq(str_fact(c.facts, "components.loaded"), "false");
    cr_assert(c.tz.known);
    cr_assert_str_eq(c.tz.key_name, "Eastern Standard Time");
    cr_assert_eq(c.tz.bias, 300);
    cr_assert_eq(c.tz.daylight_bias, -60);
    cr_assert(c.tz.has_dst);
    cr_assert_eq(c.tz.daylight_start.month, 3);
    cr_assert_eq(c.tz.daylight_start.day, 2);
    cr_assert_eq(c.tz.standard_start.month, 11);
    collected_free(&c);
    free(p);
}

Test(registry, system_b_after_replay)
{
    SXS_CORPUS_OR_SKIP(l1, "hives/regipy/SYSTEM_B.LOG1.xz");
    SXS_CORPUS_OR_SKIP(l2, "hives/regipy/SYSTEM_B.LOG2.xz");
    SXS_CORPUS_OR_SKIP(p, "hives/regipy/SYSTEM_B.xz");
    collected c = collect_host(NULL, p, NULL);
    cr_assert_eq(c.st[1].state, AN_HIVE_REPLAYED);
    cr_assert_eq(c.st[1].pages, 315);
    cr_assert_eq(num_fact(c.facts, "system.select.current"), 1);
    cr_assert_str_eq(str_fact(c.facts, "system.computer_name"), "DESKTOP-PM6C56D");
    cr_assert_str_eq(str_fact(c.facts, "tz.key_name"), "Eastern Standard Time");
    cr_assert_eq(num_fact(c.facts, "tz.bias"), 300);
    cr_assert_eq(num_fact(c.facts, "tz.active_time_bias"), 240);
    assert_services(c.facts, 3, 2, 1, 2, 2, 3);
    cr_assert_str_eq(str_fact(c.facts, "service.wimmount.image_path"),
                     "system32\\drivers\\wimmount.sys");
    cr_assert_eq(fact_count(c.facts, "security.product"), 0);
    collected_free(&c);
    free(p);
    free(l1);
    free(l2);
}

Test(registry, win10_1709_dirty_without_logs)
{
    SXS_CORPUS_OR_SKIP(p, "hives/regipy/SYSTEM_WIN_10_1709.xz");
    collected c = collect_host(NULL, p, NULL);
    cr_assert_eq(c.st[1].state, AN_HIVE_DIRTY_NOT_REPLAYED);
    cr_assert_str_eq(c.st[1].detail, "dirty (4317/4316): no usable log");
    cr_assert_eq(sxs_diag_count_level(c.diag, SXS_DIAG_WARN), 1);
    cr_assert_eq(num_fact(c.facts, "system.select.current"), 1);
    cr_assert_str_eq(str_fact(c.facts, "system.computer_name"), "DESKTOP-2KGM189");
    cr_assert_str_eq(str_fact(c.facts, "tz.key_name"), "Pacific Standard Time");
    cr_assert_eq(num_fact(c.facts, "tz.bias"), 480);
    cr_assert_eq(num_fact(c.facts, "service.wuauserv.start"), 3);
    cr_assert_eq(num_fact(c.facts, "service.bits.start"), 2);
    cr_assert_eq(num_fact(c.facts, "service.bits.delayed_autostart"), 1);
    collected_free(&c);
    free(p);
}

Test(registry, dissect_win10_system)
{
    SXS_CORPUS_OR_SKIP(p, "hives/dissect.regf/SYSTEM.gz");
    collected c = collect_host(NULL, p, NULL);
    cr_assert_eq(c.st[1].state, AN_HIVE_CLEAN);
    cr_assert_eq(num_fact(c.facts, "system.select.current"), 1);
    cr_assert_str_eq(str_fact(c.facts, "system.computer_name"), "DESKTOP-M3OSHQU");
    cr_assert_str_eq(str_fact(c.facts, "tz.key_name"), "W. Europe Standard Time");
    cr_assert_eq(num_fact(c.facts, "tz.bias"), -60);
    cr_assert_eq(num_fact(c.facts, "tz.active_time_bias"), -120);
    cr_assert_eq(num_fact(c.facts, "service.wuauserv.start"), 3);
    cr_assert_eq(num_fact(c.facts, "service.bits.start"), 2);
    cr_assert_eq(c.tz.bias, -60);
    cr_assert_eq(c.tz.daylight_start.month, 3);
    cr_assert_eq(c.tz.daylight_start.day, 5); /* last Sunday of March */
    cr_assert_eq(c.tz.standard_start.month, 10);
    collected_free(&c);
    free(p);
}

Test(registry, xp_system_has_no_time_zone_key_name)
{
    SXS_CORPUS_OR_SKIP(p, "hives/dfwinreg/SYSTEM_XP_IECOMPATVHD.xz");
    collected c = collect_host(NULL, p, NULL);
    cr_assert_str_eq(str_fact(c.facts, "system.computer_name"), "IECOMPATVHD");
    cr_assert_null(an_facts_get(c.facts, "tz.key_name"));
    cr_assert_eq(num_fact(c.facts, "tz.bias"), 480);
    cr_assert(c.tz.known);
    cr_assert_str_eq(c.tz.key_name, "");
    cr_assert_str_eq(str_fact(c.facts, "service.trustedinstaller.present"), "false");
    collected_free(&c);
    free(p);
}

/* ---- generated hives ------------------------------------------------------------------------ */

#define CBS "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"

static char *make_software(void)
{
    char *dir = sxs_test_tmpdir("reg-software");
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/SOFTWARE", dir) > 0);
    free(dir);
    mkhive *h = NULL;
    cr_assert_eq(mkhive_open(path, &h), 0);
    const char *cv = "Microsoft\\Windows NT\\CurrentVersion";
    cr_assert_eq(mkhive_put_sz(h, cv, "ProductName", MKHIVE_REG_SZ, "Windows 10 Pro"), 0);
    cr_assert_eq(mkhive_put_sz(h, cv, "EditionID", MKHIVE_REG_SZ, "Professional"), 0);
    cr_assert_eq(mkhive_put_sz(h, cv, "DisplayVersion", MKHIVE_REG_SZ, "22H2"), 0);
    cr_assert_eq(mkhive_put_sz(h, cv, "ReleaseId", MKHIVE_REG_SZ, "2009"), 0);
    cr_assert_eq(mkhive_put_sz(h, cv, "CurrentBuild", MKHIVE_REG_SZ, "19045"), 0);
    cr_assert_eq(mkhive_put_dword(h, cv, "UBR", 2965), 0);
    cr_assert_eq(mkhive_put_sz(h, cv, "InstallationType", MKHIVE_REG_SZ, "Client"), 0);
    /* Three servicing stacks, as after two SSU updates. */
    static const char *const vers[3] = {"10.0.19041.1220", "10.0.19041.2905", "10.0.19041.3920"};
    static const char *const hashes[3] = {"7e3d4c2a5b6f1d90", "7df2aec07ca10e81",
                                          "7e2b3c4d5e6f7a8b"};
    for (int i = 0; i < 3; i++) {
        char data[256];
        snprintf(data, sizeof(data),
                 "%%SystemRoot%%\\WinSxS\\amd64_microsoft-windows-servicingstack_"
                 "31bf3856ad364e35_%s_none_%s",
                 vers[i], hashes[i]);
        cr_assert_eq(mkhive_put_sz(h, CBS "\\Version", vers[i], MKHIVE_REG_EXPAND_SZ, data), 0);
    }
    cr_assert_eq(mkhive_put_key(h, CBS "\\RebootPending"), 0);
    cr_assert_eq(mkhive_put_dword(h, CBS "\\SessionsPending", "Exclusive", 1), 0);
    cr_assert_eq(mkhive_put_dword(h, CBS "\\SessionsPending", "TotalSessionPhases", 2), 0);
    static const uint32_t states[5] = {112, 112, 96, 5, 32};
    for (int i = 0; i < 5; i++) {
        char key[256];
        snprintf(key, sizeof(key),
                 CBS "\\Packages\\Package_%d_for_KB50%02d~31bf3856ad364e35~amd64~~10.0.1.%d", i, i,
                 i);
        cr_assert_eq(mkhive_put_dword(h, key, "CurrentState", states[i]), 0);
    }
    const char *pol = "Policies\\Microsoft\\Windows\\WindowsUpdate";
    cr_assert_eq(mkhive_put_sz(h, pol, "WUServer", MKHIVE_REG_SZ, "http://wsus.example:8530"), 0);
    cr_assert_eq(mkhive_put_dword(h, pol, "DoNotConnectToWindowsUpdateInternetLocations", 1), 0);
    cr_assert_eq(mkhive_put_dword(h, pol, "DisableOSUpgrade", 1), 0);
    cr_assert_eq(mkhive_put_dword(h, pol, "TargetReleaseVersion", 1), 0);
    cr_assert_eq(mkhive_put_sz(h, pol, "TargetReleaseVersionInfo", MKHIVE_REG_SZ, "22H2"), 0);
    cr_assert_eq(mkhive_put_dword(h, "Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\OSUpgrade",
                                  "AllowOSUpgrade", 0),
                 0);
    cr_assert_eq(mkhive_put_sz(h, "Microsoft\\Windows\\CurrentVersion\\RunOnce\\Setup", "spupdsvc",
                               MKHIVE_REG_SZ, "C:\\Windows\\System32\\spupdsvc.exe /revert"),
                 0);
    cr_assert_eq(mkhive_commit(h), 0);
    return path;
}

Test(registry, generated_software_cbs_and_policies)
{
    char *path = make_software();
    collected c = collect_host(path, NULL, NULL);
    cr_assert_eq(c.st[0].state, AN_HIVE_CLEAN);
    cr_assert_str_eq(str_fact(c.facts, "os.product_name"), "Windows 10 Pro");
    cr_assert_str_eq(str_fact(c.facts, "os.edition_id"), "Professional");
    cr_assert_str_eq(str_fact(c.facts, "os.display_version"), "22H2");
    cr_assert_str_eq(str_fact(c.facts, "os.release_id"), "2009");
    cr_assert_eq(num_fact(c.facts, "os.current_build"), 19045);
    cr_assert_eq(num_fact(c.facts, "os.ubr"), 2965);
    cr_assert_str_eq(str_fact(c.facts, "os.installation_type"), "Client");

    cr_assert_eq(fact_count(c.facts, "cbs.ssu.version"), 3);
    cr_assert_eq(fact_count(c.facts, "cbs.ssu.folder"), 3);
    cr_assert_eq(fact_count(c.facts, "cbs.ssu.path"), 3);
    /* Same order for the three names: version i belongs to folder i. */
    for (size_t i = 0; i < 3; i++) {
        const char *v = nth_fact(c.facts, "cbs.ssu.version", i);
        const char *folder = nth_fact(c.facts, "cbs.ssu.folder", i);
        const char *path_i = nth_fact(c.facts, "cbs.ssu.path", i);
        cr_assert(strstr(folder, v), "folder %s for version %s", folder, v);
        cr_assert(strncmp(folder, "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_", 56) ==
                  0);
        cr_assert(strncmp(path_i, "%SystemRoot%\\WinSxS\\", 20) == 0);
        cr_assert_str_eq(path_i + 20, folder);
    }
    cr_assert_str_eq(nth_fact(c.facts, "cbs.ssu.folder", 1),
                     "amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.2905_"
                     "none_7df2aec07ca10e81");
    cr_assert_str_eq(str_fact(c.facts, "cbs.reboot_pending"), "true");
    cr_assert_str_eq(str_fact(c.facts, "cbs.packages_pending"), "false");
    cr_assert_str_eq(str_fact(c.facts, "cbs.reboot_in_progress"), "false");
    cr_assert_str_eq(str_fact(c.facts, "cbs.sessions_pending"), "true");
    cr_assert_eq(num_fact(c.facts, "cbs.sessions_pending.exclusive"), 1);
    cr_assert_eq(num_fact(c.facts, "cbs.sessions_pending.total_session_phases"), 2);
    cr_assert_eq(num_fact(c.facts, "cbs.packages.total"), 5);
    cr_assert_eq(num_fact(c.facts, "cbs.packages.state.112"), 2);
    cr_assert_eq(num_fact(c.facts, "cbs.packages.state.96"), 1);
    cr_assert_eq(num_fact(c.facts, "cbs.packages.state.5"), 1);
    cr_assert_eq(num_fact(c.facts, "cbs.packages.state.32"), 1);
    cr_assert_eq(num_fact(c.facts, "cbs.packages.pending"), 2);

    cr_assert_str_eq(str_fact(c.facts, "policy.wu.wuserver"), "http://wsus.example:8530");
    cr_assert_eq(num_fact(c.facts, "policy.wu.do_not_connect_to_wu_internet_locations"), 1);
    cr_assert_eq(num_fact(c.facts, "policy.wu.disable_os_upgrade"), 1);
    cr_assert_eq(num_fact(c.facts, "policy.wu.target_release_version"), 1);
    cr_assert_str_eq(str_fact(c.facts, "policy.wu.target_release_version_info"), "22H2");
    cr_assert_eq(num_fact(c.facts, "wu.os_upgrade.allow_os_upgrade"), 0);
    cr_assert_null(an_facts_get(c.facts, "wu.auto_update.allow_os_upgrade"));
    cr_assert_str_eq(str_fact(c.facts, "software.runonce"),
                     "C:\\Windows\\System32\\spupdsvc.exe /revert");
    cr_assert_str_eq(str_fact(c.facts, "software.runonce.name"), "spupdsvc");
    collected_free(&c);
    free(path);
}

/* SYSTEM where Select\Current = 2 and the two control sets disagree. */
static char *make_system(const char *dir)
{
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/SYSTEM", dir) > 0);
    mkhive *h = NULL;
    cr_assert_eq(mkhive_open(path, &h), 0);
    cr_assert_eq(mkhive_put_dword(h, "Select", "Current", 2), 0);
    cr_assert_eq(mkhive_put_dword(h, "Select", "Default", 2), 0);
    cr_assert_eq(mkhive_put_dword(h, "Select", "LastKnownGood", 1), 0);
    for (int cs = 1; cs <= 2; cs++) {
        char key[256];
        snprintf(key, sizeof(key), "ControlSet%03d\\Control\\ComputerName\\ComputerName", cs);
        cr_assert_eq(
            mkhive_put_sz(h, key, "ComputerName", MKHIVE_REG_SZ, cs == 1 ? "OLD-NAME" : "SRV-02"),
            0);
        snprintf(key, sizeof(key), "ControlSet%03d\\Services\\wuauserv", cs);
        cr_assert_eq(mkhive_put_dword(h, key, "Start", cs == 1 ? 3 : 4), 0);
        snprintf(key, sizeof(key), "ControlSet%03d\\Services\\BITS", cs);
        cr_assert_eq(mkhive_put_dword(h, key, "Start", 2), 0);
        cr_assert_eq(mkhive_put_dword(h, key, "DelayedAutostart", cs == 1 ? 1 : 0), 0);
        snprintf(key, sizeof(key), "ControlSet%03d\\Control\\TimeZoneInformation", cs);
        cr_assert_eq(mkhive_put_sz(h, key, "TimeZoneKeyName", MKHIVE_REG_SZ,
                                   cs == 1 ? "UTC" : "Tokyo Standard Time"),
                     0);
        cr_assert_eq(mkhive_put_dword(h, key, "Bias", cs == 1 ? 0 : (uint32_t)-540), 0);
    }
    /* A third-party AV filter driver, and one service in the AV group that is Microsoft's. */
    cr_assert_eq(mkhive_put_sz(h, "ControlSet002\\Services\\SophosED", "ImagePath",
                               MKHIVE_REG_EXPAND_SZ,
                               "\\SystemRoot\\system32\\DRIVERS\\SophosED.sys"),
                 0);
    cr_assert_eq(mkhive_put_sz(h, "ControlSet002\\Services\\SophosED", "Group", MKHIVE_REG_SZ,
                               "FSFilter Anti-Virus"),
                 0);
    cr_assert_eq(mkhive_put_sz(h, "ControlSet002\\Services\\WdFilter", "ImagePath",
                               MKHIVE_REG_EXPAND_SZ, "system32\\drivers\\wd\\WdFilter.sys"),
                 0);
    cr_assert_eq(mkhive_put_sz(h, "ControlSet002\\Services\\WdFilter", "Group", MKHIVE_REG_SZ,
                               "FSFilter Anti-Virus"),
                 0);
    /* A firewall service under Program Files, and an ordinary one. */
    cr_assert_eq(mkhive_put_sz(h, "ControlSet002\\Services\\AcmeFirewall", "ImagePath",
                               MKHIVE_REG_EXPAND_SZ, "\"C:\\Program Files\\Acme\\fwsvc.exe\""),
                 0);
    cr_assert_eq(mkhive_put_sz(h, "ControlSet002\\Services\\Spooler", "ImagePath",
                               MKHIVE_REG_EXPAND_SZ, "%SystemRoot%\\System32\\spoolsv.exe"),
                 0);
    cr_assert_eq(mkhive_commit(h), 0);
    return path;
}

Test(registry, select_current_2_uses_controlset002)
{
    char *dir = sxs_test_tmpdir("reg-system");
    char *path = make_system(dir);
    collected c = collect_host(NULL, path, NULL);
    cr_assert_eq(num_fact(c.facts, "system.select.current"), 2);
    cr_assert_str_eq(str_fact(c.facts, "system.control_set"), "ControlSet002");
    cr_assert_str_eq(str_fact(c.facts, "system.computer_name"), "SRV-02");
    cr_assert_eq(num_fact(c.facts, "service.wuauserv.start"), 4);
    cr_assert_eq(num_fact(c.facts, "service.bits.delayed_autostart"), 0);
    cr_assert_str_eq(str_fact(c.facts, "tz.key_name"), "Tokyo Standard Time");
    cr_assert_eq(num_fact(c.facts, "tz.bias"), -540);
    cr_assert_eq(c.tz.bias, -540);
    cr_assert(!c.tz.has_dst);
    cr_assert_str_eq(str_fact(c.facts, "service.cryptsvc.present"), "false");
    cr_assert_eq(fact_count(c.facts, "security.product"), 2);
    cr_assert_str_eq(nth_fact(c.facts, "security.product", 0), "AcmeFirewall");
    cr_assert_str_eq(nth_fact(c.facts, "security.product", 1), "SophosED");
    cr_assert_str_eq(str_fact(c.facts, "security.product.sophosed.image_path"),
                     "\\SystemRoot\\system32\\DRIVERS\\SophosED.sys");
    collected_free(&c);
    free(path);
    free(dir);
}

static char *make_components(const char *dir)
{
    char *path = NULL;
    cr_assert(asprintf(&path, "%s/COMPONENTS", dir) > 0);
    mkhive *h = NULL;
    cr_assert_eq(mkhive_open(path, &h), 0);
    cr_assert_eq(mkhive_put_dword(h, "", "StoreDirty", 1), 0);
    cr_assert_eq(mkhive_put_dword(h, "", "ExecutionState", 3), 0);
    uint8_t *id = NULL;
    size_t idlen = 0;
    cr_assert_eq(mkhive_utf16le("bbd8d1a2b6a4d901070000007c0e2c10", &id, &idlen), 0);
    cr_assert_eq(mkhive_put(h, "", "PendingXmlIdentifier", MKHIVE_REG_BINARY, id, idlen), 0);
    free(id);
    cr_assert_eq(mkhive_put_sz(h, "ServicingStackVersions", "LastWCPVersionToAccessStore",
                               MKHIVE_REG_SZ, "10.0.19041.2905 (WinBuild.160101.0800)"),
                 0);
    cr_assert_eq(mkhive_commit(h), 0);
    return path;
}

Test(registry, generated_components)
{
    char *dir = sxs_test_tmpdir("reg-components");
    char *path = make_components(dir);
    collected c = collect_host(NULL, NULL, path);
    cr_assert_str_eq(str_fact(c.facts, "components.loaded"), "true");
    cr_assert_eq(num_fact(c.facts, "components.store_dirty"), 1);
    cr_assert_eq(num_fact(c.facts, "components.execution_state"), 3);
    cr_assert_str_eq(str_fact(c.facts, "components.pending_xml_identifier"),
                     "bbd8d1a2b6a4d901070000007c0e2c10");
    cr_assert_str_eq(str_fact(c.facts, "components.last_wcp_version"),
                     "10.0.19041.2905 (WinBuild.160101.0800)");
    collected_free(&c);
    free(path);
    free(dir);
}

/* ---- end to end through fsaccess ------------------------------------------------------------ */

static void copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *data = sxs_slurp(from, &len);
    cr_assert_not_null(data, "read %s", from);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    free(data);
}

Test(registry, collect_from_directory_volume)
{
    SXS_CORPUS_OR_SKIP(sys, "hives/regipy/SYSTEM_B.xz");
    SXS_CORPUS_OR_SKIP(l1, "hives/regipy/SYSTEM_B.LOG1.xz");
    SXS_CORPUS_OR_SKIP(l2, "hives/regipy/SYSTEM_B.LOG2.xz");
    char *root = sxs_test_tmpdir("reg-dirvol");
    char cfg[4096];
    snprintf(cfg, sizeof(cfg), "%s/Windows", root);
    cr_assert_eq(mkdir(cfg, 0755), 0);
    snprintf(cfg, sizeof(cfg), "%s/Windows/System32", root);
    cr_assert_eq(mkdir(cfg, 0755), 0);
    snprintf(cfg, sizeof(cfg), "%s/Windows/System32/config", root);
    cr_assert_eq(mkdir(cfg, 0755), 0);
    char dst[4200];
    snprintf(dst, sizeof(dst), "%s/SYSTEM", cfg);
    copy_file(sys, dst);
    snprintf(dst, sizeof(dst), "%s/system.log1", cfg); /* letter case as found on disks */
    copy_file(l1, dst);
    snprintf(dst, sizeof(dst), "%s/SYSTEM.Log2", cfg);
    copy_file(l2, dst);
    char *sw = make_software();
    snprintf(dst, sizeof(dst), "%s/SOFTWARE", cfg);
    copy_file(sw, dst);

    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(root, d, &ev), 0);
    an_facts *f = an_facts_new();
    an_tz tz;
    an_hive_report rep[3];
    cr_assert_eq(an_registry_collect(fsa_volume_fs(ev, 0), "Windows", f, &tz, rep, d), 0);
    cr_assert_str_eq(rep[0].name, "SOFTWARE");
    cr_assert_str_eq(rep[0].state, "clean");
    cr_assert_str_eq(rep[1].name, "SYSTEM");
    cr_assert_str_eq(rep[1].state, "replayed");
    cr_assert_eq(rep[1].pages, 315);
    cr_assert_eq(rep[1].entries, 24);
    cr_assert_str_eq(rep[1].logs, "LOG1+LOG2");
    cr_assert_str_eq(rep[2].name, "COMPONENTS");
    cr_assert_str_eq(rep[2].state, "absent");
    cr_assert_str_eq(str_fact(f, "hive.system.state"), "replayed");
    cr_assert_eq(num_fact(f, "hive.system.replay_pages"), 315);
    cr_assert_eq(num_fact(f, "hive.system.replay_entries"), 24);
    cr_assert_str_eq(str_fact(f, "hive.system.logs"), "LOG1+LOG2");
    cr_assert_str_eq(str_fact(f, "hive.software.state"), "clean");
    cr_assert_str_eq(str_fact(f, "hive.components.state"), "absent");
    cr_assert_str_eq(str_fact(f, "components.loaded"), "false");
    cr_assert_str_eq(str_fact(f, "system.computer_name"), "DESKTOP-PM6C56D");
    cr_assert_eq(num_fact(f, "os.current_build"), 19045);
    cr_assert_eq(fact_count(f, "cbs.ssu.version"), 3);
    const an_fact *src = an_facts_get(f, "system.computer_name");
    cr_assert_str_eq(src->source, "Windows/System32/config/SYSTEM");
    cr_assert(tz.known);
    cr_assert_eq(tz.bias, 300);
    an_facts_free(f);
    fsa_close(ev);
    sxs_diag_free(d);
    free(sw);
    free(root);
    free(sys);
    free(l1);
    free(l2);
}

/* ---- damaged subkey graphs: refused before libregf walks them ----------------------------- */

typedef struct {
    uint8_t *data;
    size_t len;
} hive_bytes;

static hive_bytes software_bytes(void)
{
    char *path = make_software();
    hive_bytes b = {0};
    b.data = (uint8_t *)sxs_slurp(path, &b.len);
    cr_assert_not_null(b.data);
    free(path);
    return b;
}

static uint32_t list_of(const hive_bytes *b, const char *key)
{
    uint32_t nk = hm_find_key(b->data, b->len, key);
    cr_assert_neq(nk, 0, "key %s not found", key);
    uint32_t list = hm_subkey_list(b->data, b->len, nk);
    cr_assert_neq(list, 0, "key %s has no subkey list", key);
    return list;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    cr_assert(vasprintf(&s, f, ap) > 0);
    va_end(ap);
    return s;
}

/* The check names the cell and the damage; opening refuses the hive with that reason, as an
 * error on the hive at the cell's file offset, and nothing crashes. */
static void assert_refused(hive_bytes *b, uint32_t cell, const char *why)
{
    uint32_t got_cell = 0;
    char got[256] = "";
    cr_assert_eq(an_hive_check_subkeys(b->data, b->len, &got_cell, got, sizeof(got)), -EBADMSG);
    cr_assert_str_eq(got, why);
    cr_assert_eq(got_cell, cell, "cell 0x%x, want 0x%x", got_cell, cell);

    sxs_diag *d = sxs_diag_new();
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_mem(b->data, b->len, NULL, NULL, NULL,
                                  "Windows/System32/config/SOFTWARE", d, &st, &h),
                 -EBADMSG);
    cr_assert_null(h);
    cr_assert_eq(st.state, AN_HIVE_UNREADABLE);
    char *detail = fmt("corrupt: %s", why);
    cr_assert_str_eq(st.detail, detail);
    cr_assert_eq(sxs_diag_count_level(d, SXS_DIAG_ERROR), 1);
    const sxs_diag_entry *e = sxs_diag_get(d, sxs_diag_count(d) - 1);
    cr_assert_eq(e->level, SXS_DIAG_ERROR);
    cr_assert_str_eq(e->source, "Windows/System32/config/SOFTWARE");
    cr_assert_eq(e->offset, 4096 + (int64_t)cell);
    char *msg = fmt("hive unreadable (clean): corrupt: %s", why);
    cr_assert_str_eq(e->message, msg);
    free(msg);
    free(detail);
    sxs_diag_free(d);
}

Test(registry, generated_hive_passes_subkey_check)
{
    hive_bytes b = software_bytes();
    uint32_t cell = 7;
    char why[256] = "untouched";
    cr_assert_eq(an_hive_check_subkeys(b.data, b.len, &cell, why, sizeof(why)), 0);
    cr_assert_eq(cell, 7);
    cr_assert_str_eq(why, "untouched");
    free(b.data);
}

/* The crash of issue 17: an ri index listing itself (libregf 20201007 recursed ~58,000 frames
 * deep and died with SIGSEGV). */
Test(registry, ri_listing_itself_refused)
{
    hive_bytes b = software_bytes();
    uint32_t l = list_of(&b, "Microsoft");
    cr_assert_eq(hm_make_ri(b.data, b.len, l, &l, 1), 0);
    char *why = fmt("subkey index (ri) at cell offset 0x%x lists itself", l);
    assert_refused(&b, l, why);
    free(why);
    free(b.data);
}

Test(registry, ri_two_cycle_refused)
{
    hive_bytes b = software_bytes();
    uint32_t a = list_of(&b, "Microsoft"), c = list_of(&b, "Microsoft\\Windows NT");
    cr_assert_eq(hm_make_ri(b.data, b.len, a, &c, 1), 0);
    cr_assert_eq(hm_make_ri(b.data, b.len, c, &a, 1), 0);
    char *why = fmt("subkey list (ri) at cell offset 0x%x is part of a cycle, reached again from "
                    "the subkey index (ri) at 0x%x",
                    a, c);
    assert_refused(&b, a, why);
    free(why);
    free(b.data);
}

Test(registry, leaf_list_naming_its_own_key_refused)
{
    hive_bytes b = software_bytes();
    uint32_t nk = hm_find_key(b.data, b.len, "Microsoft");
    uint32_t l = list_of(&b, "Microsoft");
    char sig[3] = {(char)b.data[4096 + l + 4], (char)b.data[4096 + l + 5], 0};
    cr_assert_eq(hm_set_leaf(b.data, b.len, l, 0, nk), 0);
    char *why = fmt("key (nk) at cell offset 0x%x lists itself as its own subkey (in its subkey "
                    "list (%s) at 0x%x)",
                    nk, sig, l);
    assert_refused(&b, nk, why);
    free(why);
    free(b.data);
}

/* A grandchild listing its grandparent: a longer cycle through the key tree. */
Test(registry, key_cycle_through_descendant_refused)
{
    hive_bytes b = software_bytes();
    uint32_t top = hm_find_key(b.data, b.len, "Microsoft");
    uint32_t l = list_of(&b, "Microsoft\\Windows NT");
    cr_assert_eq(hm_set_leaf(b.data, b.len, l, 0, top), 0);
    char sig[3] = {(char)b.data[4096 + l + 4], (char)b.data[4096 + l + 5], 0};
    uint32_t owner = hm_find_key(b.data, b.len, "Microsoft\\Windows NT");
    char *why = fmt("key (nk) at cell offset 0x%x is its own descendant (a cycle), reached again "
                    "from the subkey list (%s) at 0x%x of key 0x%x",
                    top, sig, l, owner);
    assert_refused(&b, top, why);
    free(why);
    free(b.data);
}

Test(registry, list_shared_by_two_keys_refused)
{
    hive_bytes b = software_bytes();
    uint32_t l = list_of(&b, "Microsoft\\Windows NT");
    uint32_t pol = hm_find_key(b.data, b.len, "Policies");
    cr_assert_eq(hm_set_subkey_list(b.data, b.len, pol, l, 1), 0);
    char sig[3] = {(char)b.data[4096 + l + 4], (char)b.data[4096 + l + 5], 0};
    char *why = fmt("subkey list (%s) at cell offset 0x%x is shared: key (nk) at 0x%x points at "
                    "a list already reached from another key",
                    sig, l, pol);
    assert_refused(&b, l, why);
    free(why);
    free(b.data);
}

/* Distinct ri indexes chained five deep: no loop, but libregf would recurse once per level. */
Test(registry, index_chain_too_deep_refused)
{
    hive_bytes b = software_bytes();
    const char *keys[5] = {"Microsoft", "Microsoft\\Windows NT", "Microsoft\\Windows",
                           "Microsoft\\Windows\\CurrentVersion", "Policies"};
    uint32_t l[5];
    for (int i = 0; i < 5; i++)
        l[i] = list_of(&b, keys[i]);
    char sig[3] = {(char)b.data[4096 + l[4] + 4], (char)b.data[4096 + l[4] + 5], 0};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(hm_make_ri(b.data, b.len, l[i], &l[i + 1], 1), 0);
    char *why =
        fmt("subkey list (%s) at cell offset 0x%x is nested 5 indexes deep (at most 4)", sig, l[4]);
    assert_refused(&b, l[4], why);
    free(why);
    /* Four levels are still read. */
    cr_assert_eq(hm_make_ri(b.data, b.len, l[3], &l[3], 0), 0);
    b.data[4096 + l[3] + 4] = 'l';
    b.data[4096 + l[3] + 5] = 'i';
    uint32_t cell;
    char w[256];
    cr_assert_eq(an_hive_check_subkeys(b.data, b.len, &cell, w, sizeof(w)), 0, "%s", w);
    free(b.data);
}

Test(registry, keys_nested_deeper_than_windows_allows_refused)
{
    char *dir = sxs_test_tmpdir("reg-deep");
    char *path = fmt("%s/SOFTWARE", dir);
    char *key = malloc(600 * 2);
    cr_assert_not_null(key);
    key[0] = '\0';
    for (int i = 0; i < 512; i++) /* as deep as Windows (and mkhive) goes */
        strcat(key, i ? "\\k" : "k");
    mkhive *m = NULL;
    cr_assert_eq(mkhive_open(path, &m), 0);
    cr_assert_eq(mkhive_put_key(m, key), 0);
    cr_assert_eq(mkhive_put_key(m, "x\\y"), 0);
    cr_assert_eq(mkhive_commit(m), 0);
    hive_bytes b = {0};
    b.data = (uint8_t *)sxs_slurp(path, &b.len);
    cr_assert_not_null(b.data);
    uint32_t cell;
    char w[256] = "";
    cr_assert_eq(an_hive_check_subkeys(b.data, b.len, &cell, w, sizeof(w)), 0, "%s", w);
    /* The deepest key adopts x's subkey list: y is now 513 levels down. */
    uint32_t deepest = hm_find_key(b.data, b.len, key);
    uint32_t y = hm_find_key(b.data, b.len, "x\\y");
    cr_assert(deepest && y);
    cr_assert_eq(hm_set_subkey_list(b.data, b.len, deepest, list_of(&b, "x"), 1), 0);
    char *why = fmt("key (nk) at cell offset 0x%x is nested more than 512 levels deep", y);
    assert_refused(&b, y, why);
    free(why);
    free(b.data);
    free(key);
    free(path);
    free(dir);
}

/* Found by fuzz_hive: libregf 20201007 checks "count * 4 <= list size" in 32 bits, so a count
 * of 0x40000001 (4 bytes after the wrap) passes and it reads a billion value offsets. */
Test(registry, value_count_wrapping_libregf_check_refused)
{
    hive_bytes b = software_bytes();
    uint32_t nk = hm_find_key(b.data, b.len, "Microsoft\\Windows NT\\CurrentVersion");
    cr_assert_neq(nk, 0);
    uint32_t vlist =
        (uint32_t)(b.data[4096 + nk + 4 + 40] | b.data[4096 + nk + 4 + 41] << 8 |
                   b.data[4096 + nk + 4 + 42] << 16 | (uint32_t)b.data[4096 + nk + 4 + 43] << 24);
    cr_assert_eq(hm_set_value_count(b.data, b.len, nk, 0x3FFFFFFFu), 0);
    uint32_t cell;
    char w[256] = "";
    /* Just under the wrap libregf refuses the key itself: not a reason to drop the hive. */
    cr_assert_eq(an_hive_check_subkeys(b.data, b.len, &cell, w, sizeof(w)), 0, "%s", w);
    cr_assert_eq(hm_set_value_count(b.data, b.len, nk, 0x40000001u), 0);
    char *why = fmt("key (nk) at cell offset 0x%x claims 1073741825 values, more than its value "
                    "list at 0x%x holds",
                    nk, vlist);
    assert_refused(&b, nk, why);
    free(why);
    free(b.data);
}

/* A real Windows hive, five bytes changed: refused with the cell named, no crash. */
Test(registry, real_system_hive_with_looping_index_refused)
{
    SXS_CORPUS_OR_SKIP(sys, "hives/regipy/SYSTEM.xz");
    hive_bytes b = {0};
    b.data = (uint8_t *)sxs_slurp(sys, &b.len);
    cr_assert_not_null(b.data);
    uint32_t l = list_of(&b, "ControlSet001\\Services");
    uint8_t before[12];
    memcpy(before, b.data + 4096 + l + 4, sizeof(before));
    cr_assert_eq(hm_make_ri(b.data, b.len, l, &l, 1), 0);
    int changed = 0;
    for (size_t i = 0; i < sizeof(before); i++)
        changed += before[i] != b.data[4096 + l + 4 + i];
    cr_assert_leq(changed, 8, "%d bytes changed", changed); /* signature, count, one offset */
    char *why = fmt("subkey index (ri) at cell offset 0x%x lists itself", l);
    assert_refused(&b, l, why);
    free(why);
    free(b.data);
    free(sys);
}

/* No false alarm: every real hive of the corpus passes, before and after replay. */
Test(registry, corpus_hives_pass_subkey_check)
{
    static const char *const hives[] = {
        "hives/regipy/SYSTEM.xz",
        "hives/regipy/SYSTEM_2.xz",
        "hives/regipy/SYSTEM_B.xz",
        "hives/regipy/SYSTEM_WIN_10_1709.xz",
        "hives/regipy/UsrClass.dat.xz",
        "hives/regipy/transactions_NTUSER.DAT.xz",
        "hives/regipy/corrupted_system_hive.xz",
        "hives/dfwinreg/SYSTEM_XP_IECOMPATVHD.xz",
        "hives/dissect.regf/SYSTEM.gz",
        "hives/yarp/OldDirtyHive/RecoveredHive_Windows7",
        "hives/yarp/NewDirtyHive1/RecoveredHive_Windows10",
    };
    for (size_t i = 0; i < sizeof(hives) / sizeof(hives[0]); i++) {
        SXS_CORPUS_OR_SKIP(p, hives[i]);
        hive_bytes b = {0};
        b.data = (uint8_t *)sxs_slurp(p, &b.len);
        cr_assert_not_null(b.data);
        uint32_t cell;
        char why[256] = "";
        cr_assert_eq(an_hive_check_subkeys(b.data, b.len, &cell, why, sizeof(why)), 0, "%s: %s",
                     hives[i], why);
        free(b.data);
        free(p);
    }
    SXS_CORPUS_OR_SKIP(sys, "hives/regipy/SYSTEM_B.xz");
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_host(sys, NULL, &st, &h), 0, "%s", st.detail);
    cr_assert_eq(st.state, AN_HIVE_REPLAYED);
    size_t len = 0;
    const uint8_t *bytes = an_hive_bytes(h, &len);
    uint32_t cell;
    char why[256] = "";
    cr_assert_eq(an_hive_check_subkeys(bytes, len, &cell, why, sizeof(why)), 0, "%s", why);
    an_hive_free(h);
    free(sys);
}

/* The collector goes on: SOFTWARE refused, SYSTEM's facts still collected. */
Test(registry, looping_software_refused_system_still_read)
{
    char *root = sxs_test_tmpdir("reg-loopvol");
    char *cfg = fmt("%s/Windows/System32/config", root);
    char *cmd = fmt("mkdir -p '%s'", cfg);
    cr_assert_eq(system(cmd), 0);
    hive_bytes b = software_bytes();
    uint32_t l = list_of(&b, "Microsoft");
    cr_assert_eq(hm_make_ri(b.data, b.len, l, &l, 1), 0);
    char *sw = fmt("%s/SOFTWARE", cfg);
    FILE *f = fopen(sw, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(b.data, 1, b.len, f), b.len);
    fclose(f);
    char *sys = make_system(cfg);

    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(root, d, &ev), 0);
    an_facts *facts = an_facts_new();
    an_tz tz;
    an_hive_report rep[3];
    cr_assert_eq(an_registry_collect(fsa_volume_fs(ev, 0), "Windows", facts, &tz, rep, d), 0);
    cr_assert_str_eq(rep[0].state, "unreadable");
    char *detail = fmt("corrupt: subkey index (ri) at cell offset 0x%x lists itself", l);
    cr_assert_str_eq(rep[0].detail, detail);
    cr_assert_str_eq(str_fact(facts, "hive.software.state"), "unreadable");
    cr_assert_str_eq(str_fact(facts, "hive.software.detail"), detail);
    cr_assert_str_eq(rep[1].state, "clean");
    cr_assert_str_eq(str_fact(facts, "system.computer_name"), "SRV-02");
    cr_assert_eq(num_fact(facts, "service.wuauserv.start"), 4);
    an_facts_free(facts);
    fsa_close(ev);
    sxs_diag_free(d);
    free(detail);
    free(sys);
    free(sw);
    free(b.data);
    free(cmd);
    free(cfg);
    free(root);
}

/* Directory evidence whose SOFTWARE is a symbolic link and whose COMPONENTS is a FIFO: each is
 * named for what it is (the link not followed on purpose, the FIFO not a file), SYSTEM is
 * still read. */
Test(registry, hive_symlink_and_fifo_named_for_what_they_are)
{
    char *root = sxs_test_tmpdir("reg-special");
    char *cfg = fmt("%s/Windows/System32/config", root);
    char *cmd = fmt("mkdir -p '%s'", cfg);
    cr_assert_eq(system(cmd), 0);
    char *sys = make_system(cfg);
    char *sw = fmt("%s/SOFTWARE", cfg);
    cr_assert_eq(symlink(sys, sw), 0, "symlink %s: %s", sw, strerror(errno));
    char *comp = fmt("%s/COMPONENTS", cfg);
    cr_assert_eq(mkfifo(comp, 0600), 0, "mkfifo %s: %s", comp, strerror(errno));

    sxs_diag *d = sxs_diag_new();
    fsa_evidence *ev = NULL;
    cr_assert_eq(fsa_open(root, d, &ev), 0);
    an_facts *facts = an_facts_new();
    an_tz tz;
    an_hive_report rep[3];
    cr_assert_eq(an_registry_collect(fsa_volume_fs(ev, 0), "Windows", facts, &tz, rep, d), 0);
    cr_assert_str_eq(rep[0].state, "unreadable");
    cr_assert_not_null(strstr(rep[0].detail, "is a symbolic link in the directory evidence"), "%s",
                       rep[0].detail);
    cr_assert_not_null(strstr(rep[0].detail, "not followed"), "%s", rep[0].detail);
    cr_assert_str_eq(rep[2].state, "unreadable");
    cr_assert_not_null(strstr(rep[2].detail, "is a FIFO (named pipe), not a regular file"), "%s",
                       rep[2].detail);
    cr_assert_str_eq(rep[1].state, "clean");
    cr_assert_str_eq(str_fact(facts, "system.computer_name"), "SRV-02");
    an_facts_free(facts);
    fsa_close(ev);
    sxs_diag_free(d);
    free(comp);
    free(sys);
    free(sw);
    free(cmd);
    free(cfg);
    free(root);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Issue 16: a hive bigger than the former 512 MiB limit is read by range, in constant memory:
 * the generated SOFTWARE followed by 520 MiB of empty 64 KiB bins (a sparse file), opened,
 * checked and read with a peak RSS growth far below the hive's size. */
Test(registry, hive_over_512_mib_read_by_range)
{
    char *path = make_software();
    size_t len = 0;
    uint8_t *b = (uint8_t *)sxs_slurp(path, &len);
    cr_assert_not_null(b);
    uint32_t bins =
        (uint32_t)b[40] | (uint32_t)b[41] << 8 | (uint32_t)b[42] << 16 | (uint32_t)b[43] << 24;
    cr_assert_eq((uint64_t)bins + 4096, len, "the generated hive ends with its last bin");
    const uint32_t bin = 64 * 1024, nbins = 520 * 16;
    int fd = open(path, O_WRONLY);
    cr_assert_geq(fd, 0);
    for (uint32_t i = 0; i < nbins; i++) {
        uint8_t hdr[36] = "hbin";
        put32(hdr + 4, bins + i * bin); /* its offset in the bins */
        put32(hdr + 8, bin);
        put32(hdr + 32, bin - 32); /* one free cell fills it */
        cr_assert_eq(pwrite(fd, hdr, sizeof(hdr), (off_t)(4096 + bins + (uint64_t)i * bin)),
                     (ssize_t)sizeof(hdr));
    }
    uint64_t total = 4096 + (uint64_t)bins + (uint64_t)nbins * bin;
    put32(b + 40, (uint32_t)(total - 4096));
    uint32_t x = 0;
    for (int i = 0; i < 127; i++)
        x ^= (uint32_t)b[i * 4] | (uint32_t)b[i * 4 + 1] << 8 | (uint32_t)b[i * 4 + 2] << 16 |
             (uint32_t)b[i * 4 + 3] << 24;
    put32(b + 508, x);
    cr_assert_eq(pwrite(fd, b, 512, 0), 512);
    cr_assert_eq(ftruncate(fd, (off_t)total), 0);
    close(fd);
    free(b);
    cr_assert_gt(total, 512ull << 20);

    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    sxs_diag *d = sxs_diag_new();
    an_hive_status st;
    an_hive *h = NULL;
    cr_assert_eq(an_hive_open_host(path, d, &st, &h), 0, "%s", st.detail);
    cr_assert_eq(st.state, AN_HIVE_CLEAN);
    char name[64];
    cr_assert_eq(an_hive_get_string(h, "Microsoft\\Windows NT\\CurrentVersion", "ProductName", name,
                                    sizeof(name)),
                 1);
    cr_assert_str_eq(name, "Windows 10 Pro");
    uint32_t n = 0;
    cr_assert_eq(an_hive_subkey_count(h, CBS "\\Packages", &n), 1);
    cr_assert_eq(n, 5);
    an_hive_free(h);
    getrusage(RUSAGE_SELF, &after);
    long grew_kib = after.ru_maxrss - before.ru_maxrss;
    cr_assert_lt(grew_kib, 64 * 1024, "peak RSS grew by %ld KiB for a %llu-byte hive", grew_kib,
                 (unsigned long long)total);
    cr_assert_eq(sxs_diag_count_level(d, SXS_DIAG_ERROR), 0);
    sxs_diag_free(d);
    unlink(path);
    free(path);
}
