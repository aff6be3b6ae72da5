/* Facts from the SOFTWARE hive: OS version, Component Based Servicing state (servicing-stack
 * versions, pending flags, package state counts), Windows Update policies and upgrade switches,
 * RunOnce entries. Names are listed in analyzer/facts-registry.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/registry/an_registry_int.h"

#define CV_NT "Microsoft\\Windows NT\\CurrentVersion"
#define CBS "Microsoft\\Windows\\CurrentVersion\\Component Based Servicing"
#define WU_POLICY "Policies\\Microsoft\\Windows\\WindowsUpdate"
#define WU "Microsoft\\Windows\\CurrentVersion\\WindowsUpdate"
#define RUNONCE "Microsoft\\Windows\\CurrentVersion\\RunOnce"

/* CurrentBuild is REG_SZ ("19045"); a number for the rules. */
static int build_fact(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag)
{
    char buf[64];
    int r = an_hive_get_string(h, CV_NT, "CurrentBuild", buf, sizeof(buf));
    if (r != 1)
        r = an_hive_get_string(h, CV_NT, "CurrentBuildNumber", buf, sizeof(buf));
    if (r != 1)
        return 0;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(buf, &end, 10);
    if (errno || end == buf || n < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "CurrentBuild \"%s\" is not a number", buf);
        return 0;
    }
    return an_facts_add_num(facts, "os.current_build", n, source, -1);
}

static int os_facts(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag)
{
    static const struct {
        const char *value, *fact;
    } strs[] = {{"ProductName", "os.product_name"},
                {"EditionID", "os.edition_id"},
                {"DisplayVersion", "os.display_version"},
                {"ReleaseId", "os.release_id"},
                {"InstallationType", "os.installation_type"}};
    int r;
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if ((r = an_reg_str_fact(h, CV_NT, strs[i].value, facts, strs[i].fact, source, diag)) < 0)
            return r;
    if ((r = build_fact(h, source, facts, diag)) < 0)
        return r;
    r = an_reg_num_fact(h, CV_NT, "UBR", facts, "os.ubr", false, source, diag);
    return r < 0 ? r : 0;
}

typedef struct {
    an_facts *facts;
    const char *source;
    int err;
} value_ctx;

/* CBS\Version: value NAME = servicing-stack version, data = %SystemRoot%\WinSxS\<folder>. */
static int on_ssu_version(const char *name, uint32_t type, const uint8_t *data, size_t len,
                          void *vctx)
{
    value_ctx *c = vctx;
    char path[1024] = "";
    if (type == AN_REG_SZ || type == AN_REG_EXPAND_SZ)
        sxs_utf16le_to_utf8(data, len / 2, 1, path, sizeof(path));
    const char *slash = strrchr(path, '\\');
    const char *folder = slash ? slash + 1 : path;
    int r;
    if ((r = an_facts_add_str(c->facts, "cbs.ssu.version", name, c->source, -1)) < 0 ||
        (r = an_facts_add_str(c->facts, "cbs.ssu.folder", folder, c->source, -1)) < 0 ||
        (r = an_facts_add_str(c->facts, "cbs.ssu.path", path, c->source, -1)) < 0) {
        c->err = r;
        return 1;
    }
    return 0;
}

/* Package state counts: CurrentState values, as unsigned decimal. */
typedef struct {
    uint32_t state;
    int64_t count;
} state_count;

/* Names of the packages in a pending state kept for the plan (PENDING-STUCK): a stuck update
 * leaves a handful; the count fact still counts them all. */
#define CBS_PENDING_NAMES 16

typedef struct {
    state_count items[64]; /* CBS defines about a dozen states; more is corruption */
    size_t n;
    int64_t total, pending, overflow;
    char pending_name[CBS_PENDING_NAMES][256];
    uint32_t pending_state[CBS_PENDING_NAMES];
    size_t n_pending_names;
} package_ctx;

static int on_package(an_hive_key *sub, const char *name, void *vctx)
{
    package_ctx *c = vctx;
    c->total++;
    uint32_t st;
    if (an_hive_key_get_dword(sub, "CurrentState", &st) != 1)
        return 0;
    /* 0x5 Uninstall Pending, 0x60 Install Pending (Microsoft, "CBS Servicing States Chart") */
    if (st == 0x5 || st == 0x60) {
        c->pending++;
        if (c->n_pending_names < CBS_PENDING_NAMES && strlen(name) < sizeof(c->pending_name[0])) {
            snprintf(c->pending_name[c->n_pending_names], sizeof(c->pending_name[0]), "%s", name);
            c->pending_state[c->n_pending_names++] = st;
        }
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].state == st) {
            c->items[i].count++;
            return 0;
        }
    if (c->n == sizeof(c->items) / sizeof(c->items[0])) {
        c->overflow++;
        return 0;
    }
    c->items[c->n++] = (state_count){st, 1};
    return 0;
}

static int cbs_facts(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag)
{
    int r = an_hive_key_exists(h, CBS);
    if (r < 0)
        return an_reg_unread(CBS, NULL, r, facts, source, diag);
    if (r == 0)
        return 0;
    static const struct {
        const char *key, *fact;
    } flags[] = {{CBS "\\RebootPending", "cbs.reboot_pending"},
                 {CBS "\\PackagesPending", "cbs.packages_pending"},
                 {CBS "\\RebootInProgress", "cbs.reboot_in_progress"},
                 {CBS "\\SessionsPending", "cbs.sessions_pending"}};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if ((r = an_facts_add_bool(facts, flags[i].fact, an_hive_key_exists(h, flags[i].key) == 1,
                                   source)) < 0)
            return r;
    if ((r = an_reg_num_fact(h, CBS "\\SessionsPending", "Exclusive", facts,
                             "cbs.sessions_pending.exclusive", false, source, diag)) < 0 ||
        (r = an_reg_num_fact(h, CBS "\\SessionsPending", "TotalSessionPhases", facts,
                             "cbs.sessions_pending.total_session_phases", false, source, diag)) < 0)
        return r;

    value_ctx vc = {facts, source, 0};
    r = an_hive_list_values(h, CBS "\\Version", on_ssu_version, &vc);
    if (vc.err < 0)
        return vc.err;
    if (r < 0 && r != -ENOENT &&
        (r = an_reg_unread(CBS "\\Version", NULL, r, facts, source, diag)) < 0)
        return r;

    package_ctx *pc = calloc(1, sizeof(*pc));
    if (!pc)
        return -ENOMEM;
    r = an_hive_each_subkey(h, CBS "\\Packages", on_package, pc);
    if (r == 0) {
        if ((r = an_facts_add_num(facts, "cbs.packages.total", pc->total, source, -1)) < 0 ||
            (r = an_facts_add_num(facts, "cbs.packages.pending", pc->pending, source, -1)) < 0)
            goto out;
        for (size_t i = 0; i < pc->n; i++)
            if ((r = an_facts_add_numf(facts, pc->items[i].count, source, "cbs.packages.state.%u",
                                       pc->items[i].state)) < 0)
                goto out;
        for (size_t i = 0; i < pc->n_pending_names; i++)
            if ((r = an_facts_add_str(facts,
                                      pc->pending_state[i] == 0x60
                                          ? "cbs.package.install_pending"
                                          : "cbs.package.uninstall_pending",
                                      pc->pending_name[i], source, -1)) < 0)
                goto out;
        if (pc->overflow)
            sxs_diag_add(diag, SXS_DIAG_WARN, source, -1,
                         "%lld packages with unusual CurrentState values not counted",
                         (long long)pc->overflow);
    } else if (r != -ENOENT &&
               (r = an_reg_unread(CBS "\\Packages", NULL, r, facts, source, diag)) < 0) {
        goto out;
    }
    r = 0;
out:
    free(pc);
    return r;
}

static int wu_facts(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag)
{
    int r;
    if ((r = an_reg_str_fact(h, WU_POLICY, "WUServer", facts, "policy.wu.wuserver", source, diag)) <
            0 ||
        (r = an_reg_num_fact(h, WU_POLICY, "DoNotConnectToWindowsUpdateInternetLocations", facts,
                             "policy.wu.do_not_connect_to_wu_internet_locations", false, source,
                             diag)) < 0 ||
        (r = an_reg_num_fact(h, WU_POLICY, "DisableOSUpgrade", facts,
                             "policy.wu.disable_os_upgrade", false, source, diag)) < 0 ||
        (r = an_reg_num_fact(h, WU_POLICY, "TargetReleaseVersion", facts,
                             "policy.wu.target_release_version", false, source, diag)) < 0 ||
        (r = an_reg_str_fact(h, WU_POLICY, "TargetReleaseVersionInfo", facts,
                             "policy.wu.target_release_version_info", source, diag)) < 0 ||
        (r = an_reg_num_fact(h, WU "\\OSUpgrade", "AllowOSUpgrade", facts,
                             "wu.os_upgrade.allow_os_upgrade", false, source, diag)) < 0 ||
        (r = an_reg_num_fact(h, WU "\\Auto Update", "AllowOSUpgrade", facts,
                             "wu.auto_update.allow_os_upgrade", false, source, diag)) < 0)
        return r;
    return 0;
}

static int on_runonce(const char *name, uint32_t type, const uint8_t *data, size_t len, void *vctx)
{
    value_ctx *c = vctx;
    char cmd[2048] = "";
    if (type == AN_REG_SZ || type == AN_REG_EXPAND_SZ)
        sxs_utf16le_to_utf8(data, len / 2, 1, cmd, sizeof(cmd));
    int r;
    if ((r = an_facts_add_str(c->facts, "software.runonce", cmd, c->source, -1)) < 0 ||
        (r = an_facts_add_str(c->facts, "software.runonce.name", name, c->source, -1)) < 0) {
        c->err = r;
        return 1;
    }
    return 0;
}

static int runonce_facts(an_hive *h, const char *source, an_facts *facts)
{
    static const char *const keys[] = {RUNONCE, RUNONCE "\\Setup"};
    for (size_t i = 0; i < 2; i++) {
        value_ctx vc = {facts, source, 0};
        an_hive_list_values(h, keys[i], on_runonce, &vc);
        if (vc.err < 0)
            return vc.err;
    }
    return 0;
}

int an_reg_collect_software(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag)
{
    int r;
    if ((r = os_facts(h, source, facts, diag)) < 0 || (r = cbs_facts(h, source, facts, diag)) < 0 ||
        (r = wu_facts(h, source, facts, diag)) < 0 || (r = runonce_facts(h, source, facts)) < 0)
        return r;
    return 0;
}
