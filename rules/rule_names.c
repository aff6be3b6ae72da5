/* rules/: the names a rule file may use, checked by the compiler: scenario ids (DESIGN.md),
 * fact names (analyzer/facts-registry.md, facts-fs.md, facts-setupdiag.md, facts-boot.md),
 * placeholders and log families (analyzer/logs/an_log.h). A fact pattern component written "<x>"
 * matches any one dotted component, so "service.<svc>.start" accepts "service.bits.start". */
#include <string.h>
#include <strings.h>

#include "rules/rule_int.h"

static const char *const scenarios[] = {
    "SSU-EMPTY",  "DRIVER-MISSING", "BACKUP-REPARSE", "WU-SERVICES",     "COMPONENT-CORRUPT",
    "WU-CACHE",   "PENDING-STUCK",  "UPGRADE-POLICY", "WIMMOUNT-DRIVER", "SPUPDSVC-RUNONCE",
    "IIS-PATH",   "AV-THIRD-PARTY", "IPU-REQUIRED",   "UPGRADE-FAILED",  "UPDATE-FAILED",
    "DISK-SPACE", "BOOT-CONFIG",    "BOOT-DRIVER",    "HIVE-DAMAGED",    "BUGCHECK",
};

/* Keep in step with analyzer/facts-registry.md, facts-fs.md, facts-setupdiag.md and
 * facts-history.md. */
static const char *const facts[] = {
    /* registry: hive state */
    "hive.<name>.state",
    "hive.<name>.replay_entries",
    "hive.<name>.replay_pages",
    "hive.<name>.logs",
    "hive.<name>.detail",
    /* registry: OS */
    "os.product_name",
    "os.edition_id",
    "os.display_version",
    "os.release_id",
    "os.current_build",
    "os.ubr",
    "os.installation_type",
    /* registry: CBS */
    "cbs.ssu.version",
    "cbs.ssu.folder",
    "cbs.ssu.path",
    "cbs.reboot_pending",
    "cbs.packages_pending",
    "cbs.reboot_in_progress",
    "cbs.sessions_pending",
    "cbs.sessions_pending.exclusive",
    "cbs.sessions_pending.total_session_phases",
    "cbs.packages.total",
    "cbs.packages.state.<n>",
    "cbs.packages.pending",
    /* registry: policies */
    "policy.wu.wuserver",
    "policy.wu.do_not_connect_to_wu_internet_locations",
    "policy.wu.disable_os_upgrade",
    "policy.wu.target_release_version",
    "policy.wu.target_release_version_info",
    "wu.os_upgrade.allow_os_upgrade",
    "wu.auto_update.allow_os_upgrade",
    /* registry: RunOnce */
    "software.runonce",
    "software.runonce.name",
    /* registry: SYSTEM */
    "system.select.current",
    "system.control_set",
    "system.computer_name",
    "tz.key_name",
    "tz.bias",
    "tz.active_time_bias",
    "service.<svc>.present",
    "service.<svc>.start",
    "service.<svc>.delayed_autostart",
    "service.<svc>.image_path",
    "security.product",
    "security.product.<name>.image_path",
    /* registry: COMPONENTS */
    "components.loaded",
    "components.store_dirty",
    "components.execution_state",
    "components.pending_xml_identifier",
    "components.last_wcp_version",
    /* file system: WinSxS */
    "winsxs.present",
    "winsxs.entries",
    "winsxs.ssu_folder",
    "winsxs.ssu_folder.count",
    "winsxs.ssu_current.missing",
    "winsxs.ssu_current.reparse",
    "winsxs.ssu_current.reparse.target",
    "winsxs.ssu_current.empty",
    "winsxs.ssu_current.ok",
    "winsxs.ssu_current.ok.files",
    "winsxs.ssu_current.version",
    /* shadow copies (facts-fs.md, "Shadow copies") */
    "snapshot.note",
    "snapshot.ssu_current.populated",
    "snapshot.ssu_current.populated.store",
    "snapshot.ssu_current.populated.files",
    "snapshot.ssu_current.populated.bytes",
    "snapshot.ssu_current.populated.set",
    "snapshot.ssu_current.populated.created",
    "snapshot.ssu_current.empty",
    "snapshot.ssu_current.missing",
    "snapshot.ssu_current.source",
    "snapshot.ssu_current.source.store",
    "snapshot.ssu_current.source.set",
    "snapshot.ssu_current.source.created",
    "snapshot.service.<svc>.start",
    "snapshot.service.store",
    "snapshot.driver.present",
    "snapshot.driver.folder",
    "snapshot.driver.store",
    "winsxs.ssu_sibling",
    "winsxs.ssu_sibling.empty",
    "winsxs.ssu_sibling.reparse",
    "winsxs.ssu_sibling.count",
    "winsxs.pending_xml.present",
    "winsxs.pending_xml.size",
    "winsxs.poqexec_log.present",
    /* file system: driver store */
    "driverstore.present",
    "driverstore.packages",
    /* file system: reparse points in libraries */
    "reparse.library_junction.count",
    "reparse.library_junction.bad",
    "reparse.library_junction.bad.target",
    "reparse.library_junction.bad.reason",
    "reparse.library_junction.unverified",
    "reparse.library_junction.offdisk",
    "reparse.library_junction.loop",
    /* file system: single files */
    "file.spupdsvc.present",
    "file.wimmount_sys.present",
    "wu.softwaredistribution.present",
    "wu.softwaredistribution.download.entries",
    "wu.datastore.present",
    "wu.datastore.size",
    "wu.catroot2.present",
    "panther.upgrade_folder.present",
    "panther.rollback.present",
    /* boot configuration (analyzer/facts-boot.md) */
    "boot.bootmgr.present",
    "boot.bcd.state",
    "boot.bcd.present",
    "boot.bcd.path",
    "boot.bcd.volume",
    "boot.bcd.firmware",
    "boot.bcd.bootmgr.present",
    "boot.bcd.default",
    "boot.bcd.default.present",
    "boot.bcd.default.<dev>",
    "boot.bcd.default.<dev>.kind",
    "boot.bcd.default.<dev>.resolved",
    "boot.bcd.default.<dev>.volume",
    "boot.bcd.default.<dev>.exists",
    "boot.bcd.default.safeboot",
    "boot.bcd.default.recoveryenabled",
    "boot.bcd.default.bootstatuspolicy",
    "boot.bcd.displayorder.count",
    "boot.bcd.loader.count",
    "boot.bcd.loader.leaked",
    "unread.bcd",
    "mounted.count",
    "mounted.<letter>.device",
    "mounted.<letter>.resolved",
    "mounted.<letter>.volume",
    /* servicing history (analyzer/facts-history.md) */
    "history.attempts",
    "history.failed",
    "history.unresolved",
    "history.unresolved.kind",
    "history.disk_space",
    "history.<group>.failure.<field>",
    "history.driver.missing",
    "history.driver.missing_folder",
    "history.driver.present",
    "history.driver.present_folder",
    /* event logs (analyzer/facts-history.md, "Event logs") */
    "history.evtx.service_failure",
    "history.evtx.service_failure.service",
    "history.evtx.servicing_unfinished",
    "history.evtx.servicing_unfinished.package",
    "history.evtx.bugcheck.code",
    "history.evtx.driver_not_loaded",
    "history.evtx.unexpected_restart",
    "history.evtx.restart_requested",
    "history.evtx.bugcheck",
    "history.evtx.wu.detect_failure",
    "history.evtx.wu.download_failure",
    "history.evtx.wer.wu_failure",
    "history.evtx.wer.setupdiag",
    "history.evtx.notes_dropped",
    "evtx.log",
    "evtx.records",
    "evtx.recovered",
    "evtx.unreadable",
    "evtx.recovered_unreadable",
    "evtx.chunks",
    "evtx.bad_chunks",
    "evtx.crc_bad_chunks",
    "evtx.crc_bad_records",
    "evtx.dirty",
    "unread.evtx",
    "edb.file",
    "edb.state",
    "edb.history_table",
    "edb.history_rows",
    "edb.history_unreadable",
    "unread.edb",
    /* file system: IIS */
    "iis.app_host_config.present",
    "iis.physical_path.count",
    /* fs: free space (analyzer/fs/an_space.c) */
    "volume.windows.total_bytes",
    "volume.windows.free_bytes",
    "volume.windows.free_percent",
    "volume.system.total_bytes",
    "volume.system.free_bytes",
    "volume.system.free_percent",
    "iis.physical_path.missing",
    /* boot-critical drivers and registry backups (analyzer/facts-boot.md) */
    "boot.control_set",
    "boot.azure",
    "boot.azure.evidence",
    "boot.driver.<name>.present",
    "boot.driver.<name>.start",
    "boot.driver.<name>.type",
    "boot.driver.<name>.group",
    "boot.driver.<name>.image_path",
    "boot.driver.<name>.image_present",
    "boot.stack.judged",
    "boot.stack.not_boot_start",
    "boot.stack.not_boot_start.detail",
    "boot.stack.service_missing",
    "boot.stack.service_missing.detail",
    "boot.stack.image_missing",
    "boot.stack.image_missing.path",
    "boot.boot_start.miniport",
    "boot.boot_start.miniport_count",
    "boot.boot_start.no_miniport",
    "boot.boot_start.image_missing",
    "boot.boot_start.image_missing.path",
    "boot.filter.<class>.<which>",
    "boot.filter.<class>.<which>.bad",
    "boot.filter.<class>.<which>.bad.detail",
    "boot.filter.<class>.<which>.rest",
    "boot.filter.<class>.<which>.rest_empty",
    "boot.select.current",
    "boot.select.default",
    "boot.select.failed",
    "boot.select.last_known_good",
    "boot.lkg.control_set",
    "boot.lkg.exists",
    "boot.lkg.differs",
    "boot.lkg.usable",
    "boot.lkg.target",
    "boot.lkg.family",
    "boot.lkg.set.current",
    "boot.lkg.set.failed",
    "boot.lkg.set.last_known_good",
    "boot.lkg.fixes_stack",
    "crowdstrike.present",
    "crowdstrike.channel_291",
    "crowdstrike.channel_291.time",
    "crowdstrike.channel_291.bad",
    "crowdstrike.channel_291.bad.time",
    "hive.<name>.mtime",
    "hive.<name>.damage",
    "hive.regback.<name>.present",
    "hive.regback.<name>.size",
    "hive.regback.<name>.mtime",
    "hive.regback.<name>.real",
    "unread.boot",
    /* boot: crash dumps (analyzer/facts-boot.md) */
    "bugcheck.dumps",
    "bugcheck.live_reports",
    "bugcheck.user_dumps",
    "bugcheck.malformed",
    "bugcheck.dump",
    "bugcheck.user_dump",
    "bugcheck.newest.<field>",
    /* boot: pending operations (analyzer/facts-boot.md) */
    "components.poqexec_failure",
    "components.advanced_installers_need_resolving",
    "system.pending_file_renames",
    "system.pending_file_rename",
    "cbs.package.install_pending",
    "cbs.package.uninstall_pending",
    "winsxs.pending_xml.parsed",
    "winsxs.pending_xml.actions",
    "winsxs.pending_xml.error",
    /* boot: Startup Repair (analyzer/facts-boot.md) */
    "srt.present",
    "srt.sessions",
    "srt.repair_attempts",
    "srt.root_cause",
    "srt.repair",
    "srt.last.root_cause",
    "srt.last.kind",
    "srt.last.file",
    "srt.last.repaired",
    "srt.last.repair",
    "unread.dump",
    /* evidence that could not be read (facts-fs.md, facts-registry.md): the verdict reads
     * these; a rule may test them too */
    "unread.winsxs",
    "unread.log",
    "unread.driverstore",
    "unread.hive",
    "unread.registry",
    /* SetupDiag's own results (XML, text report, SYSTEM\Setup\SetupDiag\Results) */
    "setupdiag.source",
    "setupdiag.version",
    "setupdiag.profile",
    "setupdiag.profile_guid",
    "setupdiag.result",
    "setupdiag.extend_code",
    "setupdiag.phase",
    "setupdiag.operation",
    "setupdiag.failure_data",
    "setupdiag.failure_details",
    "setupdiag.remediation",
    "setupdiag.log_error_line",
    "setupdiag.disk_space_mb",
    "setupdiag.host_os_build",
    "setupdiag.target_os_build",
    "setupdiag.time",
    "setupdiag.time_kind",
    "setupdiag.upgrade_start",
    "setupdiag.upgrade_end",
};

/* Placeholders plan text may use; captures (named regex groups, fact "capture:") must use
 * these names too, so a typo in either place is caught. The kind says what a value must look
 * like before it goes into a plan command (rule_quote.c); TEXT never may. */
static const struct {
    const char *name;
    rule_kind kind;
} placeholders[] = {
    {"folder", RULE_KIND_FOLDER},
    {"inf", RULE_KIND_INF},
    {"version", RULE_KIND_VERSION},
    {"path", RULE_KIND_PATH},
    {"code", RULE_KIND_CODE},
    {"target_drive", RULE_KIND_DRIVE},
    {"boot_drive", RULE_KIND_DRIVE},
    {"bcd_path", RULE_KIND_PATH}, /* the BCD store, volume-relative (EFI/Microsoft/Boot/BCD) */
    {"windows_dir", RULE_KIND_WINDOWS_DIR},
    {"kb", RULE_KIND_KB},
    {"package", RULE_KIND_PACKAGE},
    {"service", RULE_KIND_SERVICE},
    {"start", RULE_KIND_NUMBER},
    {"value", RULE_KIND_TEXT},
    {"product", RULE_KIND_TEXT},
    {"file", RULE_KIND_FILE},
    {"phase", RULE_KIND_TEXT},
    {"operation", RULE_KIND_TEXT},
    {"build", RULE_KIND_VERSION},
    {"image_path", RULE_KIND_TEXT}, /* may hold %SystemRoot% and arguments */
    {"name", RULE_KIND_TEXT},
    {"command", RULE_KIND_TEXT}, /* a RunOnce command line */
    {"guid", RULE_KIND_GUID},
    {"snapshot_store", RULE_KIND_NUMBER},  /* vssN as vshadowinfo/vshadowmount number it */
    {"snapshot_set", RULE_KIND_GUID},      /* its shadow copy set, as vssadmin lists it */
    {"snapshot_date", RULE_KIND_TEXT},     /* its creation time, for people */
    {"snapshot_folder", RULE_KIND_FOLDER}, /* a folder the snapshot holds intact */
    {"target", RULE_KIND_TEXT},            /* a reparse target as stored: \??\Volume{...}\ */
    {"reason", RULE_KIND_TEXT},
    {"component", RULE_KIND_PACKAGE},
    {"edition", RULE_KIND_TEXT},
    {"session", RULE_KIND_PACKAGE},
    {"control_set", RULE_KIND_CONTROL_SET},
    /* servicing history (analyzer/facts-history.md) */
    {"result", RULE_KIND_CODE},
    {"result_name", RULE_KIND_TEXT},
    {"extend_code", RULE_KIND_CODE},
    {"extend_phase", RULE_KIND_TEXT},
    {"extend_operation", RULE_KIND_TEXT},
    {"client", RULE_KIND_TEXT},
    {"source_build", RULE_KIND_TEXT}, /* "19041.1.amd64fre.vb_release.191206-1406" */
    {"target_build", RULE_KIND_TEXT},
    {"kind", RULE_KIND_TEXT},
    {"line", RULE_KIND_TEXT},
    {"free", RULE_KIND_NUMBER},
    /* boot (analyzer/facts-boot.md) */
    {"filters", RULE_KIND_TEXT}, /* a filter list, names joined by \0: shown, never run */
    {"time", RULE_KIND_TEXT},
    {"hive_time", RULE_KIND_TEXT},
    {"lkg_target", RULE_KIND_CONTROL_SET},
    {"lkg_current", RULE_KIND_NUMBER},
    {"lkg_failed", RULE_KIND_NUMBER},
    {"lkg_lkg", RULE_KIND_NUMBER},
    {"family", RULE_KIND_TEXT},
    {"size", RULE_KIND_NUMBER},
    /* boot: crash dumps (analyzer/facts-boot.md) */
    {"bugcheck_code", RULE_KIND_CODE},
    {"bugcheck_name", RULE_KIND_TEXT},
    {"bugcheck_params", RULE_KIND_TEXT},
    {"bugcheck_advice", RULE_KIND_TEXT},
    {"bugcheck_driver", RULE_KIND_FILE},
    {"bugcheck_time", RULE_KIND_TEXT},
    {"dump_path", RULE_KIND_PATH},
    {"dump_age", RULE_KIND_NUMBER},
    /* boot: pending operations */
    {"poqexec_failure", RULE_KIND_CODE},
    {"pending_package", RULE_KIND_PACKAGE},
    {"pending_actions", RULE_KIND_NUMBER},
    {"pending_renames", RULE_KIND_NUMBER},
    /* boot: Startup Repair */
    {"srt_cause", RULE_KIND_TEXT},
    {"srt_file", RULE_KIND_TEXT},
};

static const char *const builtin_placeholders[] = {"target_drive", "boot_drive", "windows_dir"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

bool rule_known_scenario(const char *id)
{
    return in_list(scenarios, NELEM(scenarios), id);
}

/* Component-wise match; "<x>" in the pattern matches one non-empty component. */
static bool fact_matches(const char *pat, const char *name)
{
    while (*pat && *name) {
        const char *pe = strchr(pat, '.');
        const char *ne = strchr(name, '.');
        size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
        size_t nl = ne ? (size_t)(ne - name) : strlen(name);
        if (nl == 0)
            return false;
        bool wild = pl >= 2 && pat[0] == '<' && pat[pl - 1] == '>';
        if (!wild && (pl != nl || memcmp(pat, name, pl) != 0))
            return false;
        if (!pe || !ne)
            return !pe && !ne;
        pat = pe + 1;
        name = ne + 1;
    }
    return *pat == '\0' && *name == '\0';
}

bool rule_known_fact(const char *name)
{
    for (size_t i = 0; i < NELEM(facts); i++)
        if (fact_matches(facts[i], name))
            return true;
    return false;
}

bool rule_known_placeholder(const char *name)
{
    return rule_placeholder_kind(name, strlen(name), NULL);
}

bool rule_placeholder_kind(const char *name, size_t len, rule_kind *ret_kind)
{
    for (size_t i = 0; i < NELEM(placeholders); i++)
        if (strlen(placeholders[i].name) == len && memcmp(placeholders[i].name, name, len) == 0) {
            if (ret_kind)
                *ret_kind = placeholders[i].kind;
            return true;
        }
    return false;
}

bool rule_builtin_placeholder(const char *name)
{
    return in_list(builtin_placeholders, NELEM(builtin_placeholders), name);
}

const char *rule_severity_name(rule_severity s)
{
    static const char *const n[] = {"info", "low", "medium", "high", "critical"};
    return (unsigned)s < NELEM(n) ? n[s] : "?";
}

const char *rule_confidence_name(rule_confidence c)
{
    static const char *const n[] = {"low", "medium", "high"};
    return (unsigned)c < NELEM(n) ? n[c] : "?";
}
