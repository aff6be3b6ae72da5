/* Facts from the SYSTEM hive: the control set named by Select\Current (offline there is no
 * CurrentControlSet), computer name, time zone (also into an_tz for the log collectors), the
 * start types of the services updates depend on, third-party security products, and the result
 * SetupDiag left under Setup\SetupDiag\Results (an_setupdiag_reg.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyzer/registry/an_registry_int.h"
#include "analyzer/setupdiag/an_setupdiag.h"

static const char *const WATCHED_SERVICES[] = {
    "wuauserv",          "bits",   "cryptsvc", "trustedinstaller", "msiserver",
    "lanmanworkstation", "usosvc", "wimmount",
};

/* Picks the control set: Select\Current, else ControlSet001 (with a warning). */
static int control_set(an_hive *h, const char *source, an_facts *facts, sxs_diag *diag, char *cs,
                       size_t cs_cap)
{
    uint32_t cur = 0;
    int r = an_hive_get_dword(h, "Select", "Current", &cur);
    if (r == 1 && cur >= 1 && cur <= 999) {
        if ((r = an_facts_add_num(facts, "system.select.current", cur, source, -1)) < 0)
            return r;
        snprintf(cs, cs_cap, "ControlSet%03u", cur);
        if (an_hive_key_exists(h, cs) == 1)
            return an_facts_add_str(facts, "system.control_set", cs, source, -1);
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1,
                     "Select\\Current names %s, which does not exist; using ControlSet001", cs);
    } else {
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1,
                     "Select\\Current missing or invalid; using ControlSet001");
    }
    snprintf(cs, cs_cap, "ControlSet001");
    if (an_hive_key_exists(h, cs) != 1) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, source, -1, "no control set found");
        cs[0] = '\0';
        return 0;
    }
    return an_facts_add_str(facts, "system.control_set", cs, source, -1);
}

static int tz_facts(an_hive *h, const char *cs, const char *source, an_facts *facts, an_tz *tz,
                    sxs_diag *diag)
{
    char key[256];
    snprintf(key, sizeof(key), "%s\\Control\\TimeZoneInformation", cs);
    int r;
    if ((r = an_reg_str_fact(h, key, "TimeZoneKeyName", facts, "tz.key_name", source, diag)) < 0 ||
        (r = an_reg_num_fact(h, key, "Bias", facts, "tz.bias", true, source, diag)) < 0 ||
        (r = an_reg_num_fact(h, key, "ActiveTimeBias", facts, "tz.active_time_bias", true, source,
                             diag)) < 0)
        return r;

    uint32_t v;
    if (an_hive_get_dword(h, key, "Bias", &v) != 1)
        return 0; /* tz stays unknown: logs keep local time, and say so */
    tz->known = true;
    tz->bias = (int32_t)v;
    if (an_hive_get_dword(h, key, "StandardBias", &v) == 1)
        tz->standard_bias = (int32_t)v;
    if (an_hive_get_dword(h, key, "DaylightBias", &v) == 1)
        tz->daylight_bias = (int32_t)v;
    if (an_hive_get_dword(h, key, "DynamicDaylightTimeDisabled", &v) == 1)
        tz->dynamic_dst_disabled = v != 0;
    if (an_hive_get_string(h, key, "TimeZoneKeyName", tz->key_name, sizeof(tz->key_name)) != 1)
        tz->key_name[0] = '\0';
    /* The transition dates use the TimeZoneInformation layout (month, week, hour, ...,
     * day of week last), which an_systemtime_parse (an_tz.c) decodes. */
    uint8_t st[32], dt[32];
    size_t sl = 0, dl = 0;
    uint32_t type;
    if (an_hive_get_data(h, key, "StandardStart", st, sizeof(st), &sl, &type) == 1 &&
        an_hive_get_data(h, key, "DaylightStart", dt, sizeof(dt), &dl, &type) == 1 &&
        an_systemtime_parse(st, (uint32_t)sl, &tz->standard_start) &&
        an_systemtime_parse(dt, (uint32_t)dl, &tz->daylight_start))
        tz->has_dst = tz->standard_start.month != 0 && tz->daylight_start.month != 0;
    return 0;
}

static int service_facts(an_hive *h, const char *cs, const char *source, an_facts *facts,
                         sxs_diag *diag)
{
    for (size_t i = 0; i < sizeof(WATCHED_SERVICES) / sizeof(WATCHED_SERVICES[0]); i++) {
        const char *svc = WATCHED_SERVICES[i];
        char key[256], fact[128];
        snprintf(key, sizeof(key), "%s\\Services\\%s", cs, svc);
        int present = an_hive_key_exists(h, key);
        snprintf(fact, sizeof(fact), "service.%s.present", svc);
        int r = an_facts_add_bool(facts, fact, present == 1, source);
        if (r < 0)
            return r;
        if (present != 1)
            continue;
        snprintf(fact, sizeof(fact), "service.%s.start", svc);
        if ((r = an_reg_num_fact(h, key, "Start", facts, fact, false, source, diag)) < 0)
            return r;
        snprintf(fact, sizeof(fact), "service.%s.delayed_autostart", svc);
        if ((r = an_reg_num_fact(h, key, "DelayedAutostart", facts, fact, false, source, diag)) < 0)
            return r;
        snprintf(fact, sizeof(fact), "service.%s.image_path", svc);
        if ((r = an_reg_str_fact(h, key, "ImagePath", facts, fact, source, diag)) < 0)
            return r;
    }
    return 0;
}

/* ---- third-party security products -------------------------------------------------------- */

static bool starts_with_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static bool contains_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return true;
    return false;
}

/* True when an ImagePath points inside the Windows directory, in any of the spellings the
 * service control manager accepts. */
static bool image_in_windows(const char *p)
{
    while (*p == '"' || *p == ' ')
        p++;
    if (starts_with_ci(p, "\\??\\"))
        p += 4;
    if (starts_with_ci(p, "\\SystemRoot\\") || starts_with_ci(p, "SystemRoot\\") ||
        starts_with_ci(p, "%SystemRoot%\\") || starts_with_ci(p, "%windir%\\") ||
        starts_with_ci(p, "system32\\") || starts_with_ci(p, "\\Windows\\"))
        return true;
    /* "C:\Windows\..." on any drive letter */
    return p[0] && p[1] == ':' && starts_with_ci(p + 2, "\\Windows\\");
}

/* Microsoft's own security services, which share the antivirus load-order groups. */
static bool is_inbox_security(const char *name, const char *image)
{
    static const char *const inbox[] = {
        "WdFilter",  "WdBoot",    "WdNisDrv",        "WdNisSvc",
        "WinDefend", "MsSecFlt",  "MsSecCore",       "MpsSvc",
        "mpsdrv",    "BFE",       "Sense",           "SecurityHealthService",
        "wscsvc",    "MDCoreSvc", "webthreatdefsvc", "webthreatdefusersvc",
    };
    for (size_t i = 0; i < sizeof(inbox) / sizeof(inbox[0]); i++)
        if (strcasecmp(name, inbox[i]) == 0)
            return true;
    return contains_ci(image, "\\Windows Defender") ||
           contains_ci(image, "\\Microsoft\\Windows Defender");
}

static bool marks_security(const char *s)
{
    static const char *const markers[] = {
        "anti-virus",  "antivirus",   "firewall",    "endpoint protection",
        "antimalware", "sophos",      "mcafee",      "symantec",
        "norton",      "kaspersky",   "eset",        "avast",
        "bitdefender", "trend micro", "crowdstrike", "csagent",
        "sentinel",    "carbonblack", "cylance",     "malwarebytes",
        "webroot",     "f-secure",    "zonealarm",   "comodo",
        "panda",
    };
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
        if (contains_ci(s, markers[i]))
            return true;
    return false;
}

typedef struct {
    an_facts *facts;
    const char *source;
    int err;
} security_ctx;

static int on_service(an_hive_key *sub, const char *name, void *vctx)
{
    security_ctx *c = vctx;
    char image[1024] = "", group[256] = "", display[512] = "";
    an_hive_key_get_string(sub, "ImagePath", image, sizeof(image));
    an_hive_key_get_string(sub, "Group", group, sizeof(group));
    an_hive_key_get_string(sub, "DisplayName", display, sizeof(display));
    if (!image[0] || is_inbox_security(name, image))
        return 0;
    /* Filter drivers in the antivirus load-order group are security products wherever their
     * file lives; other services only when their file is outside \Windows\ and their name or
     * group says antivirus/firewall. */
    bool av_filter = starts_with_ci(group, "FSFilter Anti-Virus");
    bool marked = marks_security(group) || marks_security(name) ||
                  (display[0] != '@' && marks_security(display));
    if (!av_filter && !(marked && !image_in_windows(image)))
        return 0;
    char lower[256];
    size_t n = 0;
    for (; name[n] && n + 1 < sizeof(lower); n++)
        lower[n] = (char)(name[n] >= 'A' && name[n] <= 'Z' ? name[n] + 32 : name[n]);
    lower[n] = '\0';
    int r;
    if ((r = an_facts_add_str(c->facts, "security.product", name, c->source, -1)) < 0 ||
        (r = an_facts_add_strf(c->facts, image, c->source, "security.product.%s.image_path",
                               lower)) < 0) {
        c->err = r;
        return 1;
    }
    return 0;
}

int an_reg_collect_system(an_hive *h, const char *source, an_facts *facts, an_tz *tz,
                          sxs_diag *diag)
{
    char cs[32];
    int r = control_set(h, source, facts, diag, cs, sizeof(cs));
    if (r < 0)
        return r;
    if (!cs[0])
        return 0;
    char key[256];
    snprintf(key, sizeof(key), "%s\\Control\\ComputerName\\ComputerName", cs);
    if ((r = an_reg_str_fact(h, key, "ComputerName", facts, "system.computer_name", source, diag)) <
            0 ||
        (r = tz_facts(h, cs, source, facts, tz, diag)) < 0 ||
        (r = service_facts(h, cs, source, facts, diag)) < 0 ||
        (r = an_setupdiag_collect_registry(h, source, tz, facts, diag)) < 0)
        return r;
    snprintf(key, sizeof(key), "%s\\Services", cs);
    security_ctx sc = {facts, source, 0};
    r = an_hive_each_subkey(h, key, on_service, &sc);
    if (sc.err < 0)
        return sc.err;
    if (r < 0 && r != -ENOENT)
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "%s unreadable (%s)", key, strerror(-r));
    return 0;
}
