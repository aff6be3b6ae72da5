/* SetupDiag's registry copy of its result: the values of SYSTEM\Setup\SetupDiag\Results (where
 * Windows Setup tells it to write, /RegPath) and of SYSTEM\Setup\MoSetup\Volatile\SetupDiag
 * (its default when run by hand). One value per field: ProfileName, ProfileGuid, FailureData
 * (REG_SZ or REG_MULTI_SZ), FailureDetails, Remediation, DateTime, SetupDiagVersion,
 * Host/TargetOSVersion, LastSetupPhase/Operation, ... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/setupdiag/an_setupdiag_int.h"
#include "common/sxs_utf16.h"

/* Most values looked at in the key; SetupDiag writes about 25. */
#define SD_MAX_VALUES 4096

typedef struct {
    an_setupdiag_result *r;
    const char *source;
    const char *key;
    sxs_diag *diag;
    unsigned values;
    int err;
} reg_ctx;

enum {
    V_VERSION,
    V_PROFILE,
    V_GUID,
    V_FAILURE_DATA,
    V_FAILURE_DETAILS,
    V_REMEDIATION,
    V_LOG_ERROR_LINE,
    V_DATETIME,
    V_HOST_BUILD,
    V_HOST_VERSION,
    V_TARGET_BUILD,
    V_TARGET_VERSION,
    V_UPGRADE_START,
    V_UPGRADE_END,
    V_RESULT,
    V_EXTEND,
    V_PHASE,
    V_OPERATION,
};

static int value_kind(const char *name)
{
    static const struct {
        const char *name;
        int kind;
    } map[] = {
        {"SetupDiagVersion", V_VERSION},
        {"Version", V_VERSION},
        {"ProfileName", V_PROFILE},
        {"ProfileGuid", V_GUID},
        {"FailureData", V_FAILURE_DATA},
        {"FailureDetails", V_FAILURE_DETAILS},
        {"Remediation", V_REMEDIATION},
        {"LogErrorLine", V_LOG_ERROR_LINE},
        {"DateTime", V_DATETIME},
        {"HostOSBuildString", V_HOST_BUILD},
        {"HostOSVersion", V_HOST_VERSION},
        {"TargetOSBuildString", V_TARGET_BUILD},
        {"TargetOSVersion", V_TARGET_VERSION},
        {"UpgradeStartTime", V_UPGRADE_START},
        {"UpgradeEndTime", V_UPGRADE_END},
        {"Setup360Result", V_RESULT},
        {"ErrorCode", V_RESULT},
        {"Setup360Extended", V_EXTEND},
        {"ExtendedErrorCode", V_EXTEND},
        {"LastSetupPhase", V_PHASE},
        {"LastSetupOperation", V_OPERATION},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcasecmp(name, map[i].name) == 0)
            return map[i].kind;
    return -1;
}

/* One string of the value (a REG_MULTI_SZ calls this once per string). */
static int on_string(an_setupdiag_result *r, int kind, const char *s, size_t n)
{
    uint32_t code;
    size_t used;
    int rc = 0;
    switch (kind) {
    case V_VERSION:
        return sd_text_set(&r->version, s, n, -1, SD_PRIO_FIELD);
    case V_PROFILE:
        return sd_text_set(&r->profile, s, n, -1, SD_PRIO_FIELD);
    case V_GUID:
        return sd_text_set(&r->profile_guid, s, n, -1, SD_PRIO_FIELD);
    case V_FAILURE_DATA:
        rc = sd_list_add(r->failure_data, &r->n_failure_data, s, n, -1);
        return rc < 0 ? rc : sd_scan_text(r, s, n, -1, SD_PRIO_SENTENCE);
    case V_FAILURE_DETAILS:
        rc = sd_text_set(&r->failure_details, s, n, -1, SD_PRIO_FIELD);
        return rc < 0 ? rc : sd_scan_details(r, s, n, -1);
    case V_REMEDIATION:
        return sd_list_add(r->remediation, &r->n_remediation, s, n, -1);
    case V_LOG_ERROR_LINE:
        return sd_text_set(&r->log_error_line, s, n, -1, SD_PRIO_FIELD);
    case V_DATETIME:
        sd_time_set(&r->run_time, s, n, -1);
        return 0;
    case V_HOST_BUILD:
        return sd_text_set(&r->host_os, s, n, -1, SD_PRIO_FIELD);
    case V_HOST_VERSION:
        return sd_text_set(&r->host_os, s, n, -1, SD_PRIO_DETAILS);
    case V_TARGET_BUILD:
        return sd_text_set(&r->target_os, s, n, -1, SD_PRIO_FIELD);
    case V_TARGET_VERSION:
        return sd_text_set(&r->target_os, s, n, -1, SD_PRIO_DETAILS);
    case V_UPGRADE_START:
        sd_time_set(&r->upgrade_start, s, n, -1);
        return 0;
    case V_UPGRADE_END:
        sd_time_set(&r->upgrade_end, s, n, -1);
        return 0;
    case V_RESULT:
        if (sd_parse_hex(s, n, &code, &used))
            sd_code_set(&r->result, code, -1, SD_PRIO_FIELD);
        return 0;
    case V_EXTEND:
        if (sd_parse_hex(s, n, &code, &used))
            sd_code_set(&r->extend_code, code, -1, SD_PRIO_FIELD);
        return 0;
    case V_PHASE:
        return sd_text_set(&r->phase, s, n, -1, SD_PRIO_FIELD);
    case V_OPERATION:
        return sd_text_set(&r->operation, s, n, -1, SD_PRIO_FIELD);
    }
    return 0;
}

static int on_value(const char *name, uint32_t type, const uint8_t *data, size_t len, void *vctx)
{
    reg_ctx *c = vctx;
    if (++c->values > SD_MAX_VALUES)
        return 1;
    int kind = value_kind(name);
    if (kind < 0)
        return 0;
    if (type == AN_REG_DWORD && len == 4) {
        uint32_t v = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 24;
        if (kind == V_RESULT)
            sd_code_set(&c->r->result, v, -1, SD_PRIO_FIELD);
        else if (kind == V_EXTEND)
            sd_code_set(&c->r->extend_code, v, -1, SD_PRIO_FIELD);
        return 0;
    }
    if (type != AN_REG_SZ && type != AN_REG_EXPAND_SZ && type != AN_REG_MULTI_SZ) {
        sxs_diag_add(c->diag, SXS_DIAG_INFO, c->source, -1,
                     "%s\\%s: value of type %u, not a string; ignored", c->key, name, type);
        return 0;
    }
    /* REG_MULTI_SZ: strings separated by NUL units; REG_SZ: up to the first NUL. */
    size_t units = len / 2, start = 0;
    for (size_t i = 0; i <= units; i++) {
        bool end = i == units || (data[2 * i] == 0 && data[2 * i + 1] == 0);
        if (!end)
            continue;
        if (i > start) {
            char *s = sxs_utf16le_to_utf8_dup(data + 2 * start, i - start, 0);
            if (!s) {
                c->err = -ENOMEM;
                return 1;
            }
            int rc = on_string(c->r, kind, s, strlen(s));
            free(s);
            if (rc < 0) {
                c->err = rc;
                return 1;
            }
        }
        if (type != AN_REG_MULTI_SZ)
            break;
        start = i + 1;
    }
    return 0;
}

int an_setupdiag_read_registry(an_hive *system, const char *key_path, const char *source,
                               an_setupdiag_result *ret_result, sxs_diag *diag)
{
    memset(ret_result, 0, sizeof(*ret_result));
    an_setupdiag_result r;
    memset(&r, 0, sizeof(r));
    r.kind = AN_SETUPDIAG_REGISTRY;
    reg_ctx c = {.r = &r, .source = source, .key = key_path, .diag = diag};
    int rc = an_hive_list_values(system, key_path, on_value, &c);
    if (c.err < 0) {
        an_setupdiag_result_clear(&r);
        return c.err;
    }
    if (rc == -ENOENT || (rc >= 0 && c.values == 0)) {
        an_setupdiag_result_clear(&r);
        return 0;
    }
    if (rc < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "%s unreadable (%s)", key_path,
                     strerror(-rc));
        an_setupdiag_result_clear(&r);
        return 0;
    }
    *ret_result = r;
    return 1;
}

int an_setupdiag_collect_registry(an_hive *system, const char *source, const an_tz *tz,
                                  an_facts *facts, sxs_diag *diag)
{
    static const char *const keys[] = {"Setup\\SetupDiag\\Results",
                                       "Setup\\MoSetup\\Volatile\\SetupDiag"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        an_setupdiag_result r;
        int rc = an_setupdiag_read_registry(system, keys[i], source, &r, diag);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue;
        rc = an_setupdiag_add_facts(&r, source, tz, facts);
        an_setupdiag_result_clear(&r);
        if (rc < 0)
            return rc;
    }
    return 0;
}
