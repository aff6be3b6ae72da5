/* Registry collector entry point: opens the three hives of one install through fsaccess (with
 * log replay), one at a time, hands each open hive to its collector (an_registry_software.c,
 * an_registry_system.c, COMPONENTS below), and reports each hive's state. */
#include "analyzer/boot/an_boot_drivers.h"
#include "analyzer/boot/boot_mounted.h"
#include "analyzer/registry/an_registry.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/registry/an_registry_int.h"
#include "analyzer/boot/boot_pending_reg.h"

static const char *const HIVE_NAMES[AN_HIVE_COUNT] = {"SOFTWARE", "SYSTEM", "COMPONENTS"};
static const char *const HIVE_KEYS[AN_HIVE_COUNT] = {"software", "system", "components"};

int an_reg_unread(const char *key, const char *value, int err, an_facts *facts, const char *source,
                  sxs_diag *diag)
{
    if (err == -ENOMEM)
        return err;
    char what[1024];
    snprintf(what, sizeof(what), "%s%s%s: %s", key[0] ? key : "(root)", value ? "\\" : "",
             value ? (value[0] ? value : "(default)") : "", strerror(-err));
    if (err == -EINVAL || err == -EMSGSIZE) { /* read, but not of the type or size expected */
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "cannot use %s", what);
        return 0;
    }
    sxs_diag_add(diag, SXS_DIAG_ERROR, source, -1, "%s unreadable; the rules did not see it", what);
    int r = an_facts_add_str(facts, "unread.registry", what, source, -1);
    return r < 0 ? r : 0;
}

int an_reg_str_fact(an_hive *h, const char *key, const char *value, an_facts *facts,
                    const char *fact, const char *source, sxs_diag *diag)
{
    char buf[2048];
    int r = an_hive_get_string(h, key, value, buf, sizeof(buf));
    if (r < 0)
        return an_reg_unread(key, value, r, facts, source, diag);
    if (r == 0)
        return 0;
    r = an_facts_add_str(facts, fact, buf, source, -1);
    return r < 0 ? r : 1;
}

int an_reg_num_fact(an_hive *h, const char *key, const char *value, an_facts *facts,
                    const char *fact, bool is_signed, const char *source, sxs_diag *diag)
{
    uint32_t v = 0;
    int r = an_hive_get_dword(h, key, value, &v);
    if (r < 0)
        return an_reg_unread(key, value, r, facts, source, diag);
    if (r == 0)
        return 0;
    int64_t n = is_signed ? (int64_t)(int32_t)v : (int64_t)v;
    r = an_facts_add_num(facts, fact, n, source, -1);
    return r < 0 ? r : 1;
}

/* Root values of COMPONENTS; PendingXmlIdentifier is REG_BINARY holding UTF-16 text. */
int an_reg_collect_components(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag)
{
    int r;
    if ((r = an_facts_add_bool(facts, "components.loaded", h != NULL, source)) < 0)
        return r;
    if (!h)
        return 0;
    if ((r = an_reg_num_fact(h, "", "StoreDirty", facts, "components.store_dirty", false, source,
                             diag)) < 0 ||
        (r = an_reg_num_fact(h, "", "ExecutionState", facts, "components.execution_state", false,
                             source, diag)) < 0 ||
        (r = an_reg_str_fact(h, "ServicingStackVersions", "LastWCPVersionToAccessStore", facts,
                             "components.last_wcp_version", source, diag)) < 0)
        return r;
    uint8_t data[512];
    size_t len = 0;
    uint32_t type = 0;
    r = an_hive_get_data(h, "", "PendingXmlIdentifier", data, sizeof(data), &len, &type);
    if (r == 1) {
        char text[512];
        if (len % 2 == 0 && sxs_utf16le_to_utf8(data, len / 2, 1, text, sizeof(text)) >= 0) {
            if ((r = an_facts_add_str(facts, "components.pending_xml_identifier", text, source,
                                      -1)) < 0)
                return r;
        } else {
            static const char hex[] = "0123456789abcdef";
            size_t n = 0;
            for (size_t i = 0; i < len && n + 2 < sizeof(text); i++) {
                text[n++] = hex[data[i] >> 4];
                text[n++] = hex[data[i] & 15];
            }
            text[n] = '\0';
            if ((r = an_facts_add_str(facts, "components.pending_xml_identifier", text, source,
                                      -1)) < 0)
                return r;
        }
    } else if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "PendingXmlIdentifier unreadable (%s)",
                     strerror(-r));
    }
    return 0;
}

int an_registry_collect_hives(an_hive *const hives[3], const char *const sources[3],
                              an_facts *facts, an_tz *ret_tz, sxs_diag *diag)
{
    an_tz tz;
    memset(&tz, 0, sizeof(tz));
    int r = 0;
    if (hives[AN_HIVE_SOFTWARE])
        r = an_reg_collect_software(hives[AN_HIVE_SOFTWARE], sources[AN_HIVE_SOFTWARE], facts,
                                    diag);
    if (r >= 0 && hives[AN_HIVE_SYSTEM])
        r = an_reg_collect_system(hives[AN_HIVE_SYSTEM], sources[AN_HIVE_SYSTEM], facts, &tz, diag);
    if (r >= 0)
        r = an_reg_collect_components(hives[AN_HIVE_COMPONENTS], sources[AN_HIVE_COMPONENTS], facts,
                                      diag);
    if (r >= 0) /* pending operations for PENDING-STUCK (analyzer/facts-boot.md) */
        r = an_boot_pending_registry(hives[AN_HIVE_SYSTEM], sources[AN_HIVE_SYSTEM],
                                     hives[AN_HIVE_COMPONENTS], sources[AN_HIVE_COMPONENTS], facts,
                                     diag);
    if (r < 0)
        return r;
    *ret_tz = tz;
    return 0;
}

void an_registry_report_from_status(an_hive_report *rep, const char *name, int rc,
                                    const an_hive_status *st)
{
    memset(rep, 0, sizeof(*rep));
    snprintf(rep->name, sizeof(rep->name), "%s", name);
    if (rc == -ENOENT) {
        snprintf(rep->state, sizeof(rep->state), "absent");
        snprintf(rep->detail, sizeof(rep->detail), "file not found");
        return;
    }
    snprintf(rep->state, sizeof(rep->state), "%s", an_hive_state_name(st->state));
    snprintf(rep->detail, sizeof(rep->detail), "%s", st->detail);
    snprintf(rep->logs, sizeof(rep->logs), "%s", st->logs);
    rep->entries = st->entries;
    rep->pages = st->pages;
}

int an_registry_report_facts(const an_hive_report reports[3], const char *const sources[3],
                             an_facts *facts)
{
    for (int i = 0; i < AN_HIVE_COUNT; i++) {
        const an_hive_report *rep = &reports[i];
        int r;
        if ((r = an_facts_add_strf(facts, rep->state, sources[i], "hive.%s.state", HIVE_KEYS[i])) <
                0 ||
            (r = an_facts_add_numf(facts, rep->entries, sources[i], "hive.%s.replay_entries",
                                   HIVE_KEYS[i])) < 0 ||
            (r = an_facts_add_numf(facts, rep->pages, sources[i], "hive.%s.replay_pages",
                                   HIVE_KEYS[i])) < 0 ||
            (r = an_facts_add_strf(facts, rep->logs, sources[i], "hive.%s.logs", HIVE_KEYS[i])) <
                0 ||
            (r = an_facts_add_strf(facts, rep->detail, sources[i], "hive.%s.detail",
                                   HIVE_KEYS[i])) < 0)
            return r;
    }
    return 0;
}

/* Values and subkeys libregf could not read while the facts were collected: the rules did not
 * see them, so the hive was not read whole (unread.registry), whatever else it gave. */
static int report_skipped(const an_hive *h, const char *source, an_facts *facts, sxs_diag *diag)
{
    const char *first;
    unsigned n = an_hive_skipped(h, &first);
    if (n == 0)
        return 0;
    char what[512];
    snprintf(what, sizeof(what), "%s%s", first,
             n > 1 ? " (and more parts of the hive the rules did not see)" : "");
    sxs_diag_add(diag, SXS_DIAG_ERROR, source, -1,
                 "%u part(s) of the hive could not be read, the first: %s; the rules did not see "
                 "them",
                 n, first);
    int r = an_facts_add_str(facts, "unread.registry", what, source, -1);
    return r < 0 ? r : 0;
}

/* Opens hive i of the install; fills its report, and notes an unreadable hive as a fact. */
static int open_one(fsa_fs *fs, int i, const char *path, an_hive_report *rep, an_facts *facts,
                    sxs_diag *diag, an_hive **ret_hive)
{
    an_hive_status st;
    int rc = an_hive_open_fsa(fs, path, diag, &st, ret_hive);
    if (rc == -ENOMEM)
        return rc;
    if (rc == -ENOENT)
        sxs_diag_add(diag, i == AN_HIVE_COMPONENTS ? SXS_DIAG_INFO : SXS_DIAG_WARN, path, -1,
                     "hive absent");
    an_registry_report_from_status(rep, HIVE_NAMES[i], rc, &st);
    if (rc < 0 && rc != -ENOENT &&
        an_facts_add_str(facts, "unread.hive", rep->detail[0] ? rep->detail : strerror(-rc), path,
                         -1) < 0)
        return -ENOMEM;
    return 0;
}

/* The hives are opened one at a time (each is read by range, but libregf's index of its bins
 * and caches grow with its size): SOFTWARE for its facts, then SYSTEM for its facts, the drive
 * letters, the boot drivers and the pending renames, then COMPONENTS for the servicing values.
 * The facts are those an_registry_collect_hives gives for the three open at once. */
int an_registry_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, an_tz *ret_tz,
                        an_hive_report ret_reports[3], sxs_diag *diag)
{
    char paths[AN_HIVE_COUNT][512];
    const char *sources[AN_HIVE_COUNT];
    an_hive_report reports[AN_HIVE_COUNT];
    an_tz tz;
    memset(&tz, 0, sizeof(tz));
    for (int i = 0; i < AN_HIVE_COUNT; i++) {
        snprintf(paths[i], sizeof(paths[i]), "%s/System32/config/%s", windows_dir, HIVE_NAMES[i]);
        sources[i] = paths[i];
    }
    an_hive *h = NULL;
    int r = open_one(fs, AN_HIVE_SOFTWARE, paths[AN_HIVE_SOFTWARE], &reports[AN_HIVE_SOFTWARE],
                     facts, diag, &h);
    if (r == 0 && h)
        r = an_reg_collect_software(h, sources[AN_HIVE_SOFTWARE], facts, diag);
    if (r >= 0)
        r = report_skipped(h, sources[AN_HIVE_SOFTWARE], facts, diag);
    an_hive_free(h);
    h = NULL;

    if (r == 0)
        r = open_one(fs, AN_HIVE_SYSTEM, paths[AN_HIVE_SYSTEM], &reports[AN_HIVE_SYSTEM], facts,
                     diag, &h);
    if (r == 0 && h)
        r = an_reg_collect_system(h, sources[AN_HIVE_SYSTEM], facts, &tz, diag);
    if (r >= 0 && h) /* pending renames for PENDING-STUCK (analyzer/facts-boot.md) */
        r = an_boot_pending_registry(h, sources[AN_HIVE_SYSTEM], NULL, NULL, facts, diag);
    /* drive letters, resolved against the volumes of this disk */
    if (r >= 0 && h)
        r = boot_mounted_collect(h, sources[AN_HIVE_SYSTEM], fsa_fs_evidence(fs), facts, diag);
    /* boot-critical drivers and Last Known Good, from the same open SYSTEM (facts-boot.md) */
    const an_fact *cs = an_facts_get(facts, "system.control_set");
    if (r >= 0 && h && cs)
        r = an_boot_drivers_from_hive(h, cs->source ? cs->source : sources[AN_HIVE_SYSTEM],
                                      cs->value, fs, windows_dir, facts, diag);
    if (r >= 0)
        r = report_skipped(h, sources[AN_HIVE_SYSTEM], facts, diag);
    an_hive_free(h);
    h = NULL;

    if (r == 0)
        r = open_one(fs, AN_HIVE_COMPONENTS, paths[AN_HIVE_COMPONENTS],
                     &reports[AN_HIVE_COMPONENTS], facts, diag, &h);
    if (r == 0)
        r = an_reg_collect_components(h, sources[AN_HIVE_COMPONENTS], facts, diag);
    if (r >= 0 && h) /* pending operations for PENDING-STUCK */
        r = an_boot_pending_registry(NULL, NULL, h, sources[AN_HIVE_COMPONENTS], facts, diag);
    if (r >= 0)
        r = report_skipped(h, sources[AN_HIVE_COMPONENTS], facts, diag);
    an_hive_free(h);

    if (r >= 0)
        r = an_registry_report_facts(reports, sources, facts);
    if (r < 0)
        return r;
    memcpy(ret_reports, reports, sizeof(reports));
    *ret_tz = tz;
    return 0;
}
