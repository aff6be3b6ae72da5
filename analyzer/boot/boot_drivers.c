/* BOOT-DRIVER evidence from SYSTEM: in the control set Select\Current names, the services of
 * the boot storage stack (ACPI, disk, volmgr, partmgr, volsnap, volume, mountmgr; storvsc and
 * vmbus on Azure), the boot-start storage miniports and bus extenders, and the drivers the
 * disk, volume and SCSI adapter classes name in UpperFilters/LowerFilters, each with its
 * Start, Type, ImagePath and whether the file exists on the Windows volume. The analyzer
 * judges (writes the boot.stack.* / boot.filter.*.bad lists); rules only read them.
 *
 * What is judged, and why:
 * - A storage-stack driver with Start other than 0 (boot start): the boot loader loads only
 *   boot-start drivers, so the boot volume cannot be reached: stop 0x7B.
 * - A storage-stack service key that is absent, but only when the hive holds the stack at all
 *   (at least one of the always-present drivers) and the build is Vista or later (XP had no
 *   volmgr): a hive without any of them is not a boot hive we can judge. volume.sys came with
 *   Windows 8, so its absence is never judged.
 * - storvsc and vmbus are inbox on every Windows since 2008 R2 (Start 3 on a Windows 7 that
 *   never ran on Hyper-V is normal), so they are judged only on Azure. Azure = the Azure VM
 *   agent's services (WindowsAzureGuestAgent, RdAgent) exist in the control set: the agent is
 *   installed on every Azure Marketplace image and by the offline agent install; vmbus/storvsc
 *   being present says nothing, they ship with Windows.
 * - A boot-start (0) or system-start (1) driver of the stack whose ImagePath file is absent.
 * - A class filter naming a driver without a service key, disabled (Start 4), or whose file is
 *   absent: PnP cannot build the disk or volume stack without its filters (0x7B).
 * A file that cannot be read is unread (unread.boot), never "absent". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/boot/boot_int.h"
#include "common/sxs_buf.h"
#include "common/sxs_limits.h"

typedef struct {
    const char *name;
    bool required;   /* always present since Vista: its absence is judged */
    bool azure_only; /* judged only on Azure */
} stack_driver;

static const stack_driver STACK[] = {
    {"ACPI", true, false},     {"disk", true, false},    {"volmgr", true, false},
    {"partmgr", true, false},  {"volsnap", true, false}, {"volume", false, false},
    {"mountmgr", true, false}, {"storvsc", true, true},  {"vmbus", true, true},
};

/* The Azure VM agent's services. */
static const char *const AZURE_SERVICES[] = {"WindowsAzureGuestAgent", "RdAgent"};

typedef struct {
    const char *key;  /* fact component */
    const char *guid; /* Control\Class subkey */
} filter_class;

static const filter_class CLASSES[] = {
    {"disk", "{4d36e967-e325-11ce-bfc1-08002be10318}"},
    {"volume", "{71a27cdd-812a-11d0-bec7-08002be2092f}"},
    {"scsi", "{4d36e97b-e325-11ce-bfc1-08002be10318}"},
};

/* Load-order groups of the storage miniports and bus extenders the boot path goes through. */
static bool is_miniport_group(const char *g)
{
    return strcasecmp(g, "SCSI miniport") == 0;
}

static bool is_bus_group(const char *g)
{
    return strcasecmp(g, "Boot Bus Extender") == 0 || strcasecmp(g, "System Bus Extender") == 0;
}

typedef struct {
    an_hive *h;
    const char *source;
    const char *cs;
    fsa_fs *fs;
    const char *windows_dir;
    an_facts *facts;
    sxs_diag *diag;
} ctx;

/* ---- helpers ----------------------------------------------------------------------------- */

void an_boot_lower(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (; name[n] && n + 1 < cap; n++)
        out[n] = (char)(name[n] >= 'A' && name[n] <= 'Z' ? name[n] + 32 : name[n]);
    if (cap)
        out[n] = '\0';
}

int an_boot_unread_reg(const char *key, const char *value, int err, an_facts *facts,
                       const char *source, sxs_diag *diag)
{
    if (err == -ENOMEM)
        return err;
    char what[768];
    snprintf(what, sizeof(what), "%s%s%s: %s", key, value ? "\\" : "", value ? value : "",
             strerror(-err));
    if (err == -EINVAL || err == -EMSGSIZE) { /* read, but not of the type or size expected */
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "cannot use %s", what);
        return 0;
    }
    sxs_diag_add(diag, SXS_DIAG_ERROR, source, -1, "%s unreadable; the rules did not see it", what);
    int r = an_facts_add_str(facts, "unread.registry", what, source, -1);
    return r < 0 ? r : 0;
}

int an_boot_unread_file(fsa_fs *fs, const char *path, int err, an_facts *facts, sxs_diag *diag)
{
    if (err == -ENOMEM)
        return err;
    int64_t at = -1;
    const char *dmg = fsa_fs_damage(fs, &at);
    char why[512];
    snprintf(why, sizeof(why), "%s", dmg[0] ? dmg : strerror(-err));
    sxs_diag_add(diag, SXS_DIAG_ERROR, path, at, "cannot be looked up (%s); not checked", why);
    int r = an_facts_add_str(facts, "unread.boot", why, path, -1);
    return r < 0 ? r : 0;
}

static bool starts_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* ImagePath as the kernel's loader reads it, as a path on the Windows volume ('/'-separated):
 * absent -> System32\drivers\<name>.sys; "\SystemRoot\", "SystemRoot\", "%SystemRoot%\",
 * "%windir%\", "\Windows\", "\??\C:\Windows\" and "C:\Windows\" -> the Windows directory;
 * any other relative path is relative to SystemRoot. false when the path leaves this volume's
 * Windows directory in a way we cannot resolve offline (another drive letter's folder, a
 * device path): such a file is not looked up. */
static bool image_volume_path(const char *windows_dir, const char *name, const char *image,
                              char *out, size_t cap)
{
    char rel[1024];
    if (!image || !image[0]) {
        snprintf(rel, sizeof(rel), "System32\\drivers\\%s.sys", name);
    } else {
        const char *p = image;
        while (*p == '"' || *p == ' ')
            p++;
        if (starts_ci(p, "\\??\\"))
            p += 4;
        static const char *const roots[] = {"\\SystemRoot\\", "SystemRoot\\", "%SystemRoot%\\",
                                            "%windir%\\", "\\Windows\\"};
        bool rooted = false;
        for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]) && !rooted; i++)
            if (starts_ci(p, roots[i])) {
                p += strlen(roots[i]);
                rooted = true;
            }
        if (!rooted && p[0] && p[1] == ':' && p[2] == '\\') {
            if (!starts_ci(p + 3, "Windows\\"))
                return false;
            p += 3 + strlen("Windows\\");
        } else if (!rooted && (p[0] == '\\' || p[0] == '%')) {
            return false; /* a device path or another environment variable */
        }
        snprintf(rel, sizeof(rel), "%s", p);
        size_t n = strlen(rel);
        while (n && (rel[n - 1] == '"' || rel[n - 1] == ' '))
            rel[--n] = '\0';
        if (!n)
            return false;
    }
    int w = snprintf(out, cap, "%s/%s", windows_dir, rel);
    if (w < 0 || (size_t)w >= cap)
        return false;
    for (char *q = out; *q; q++)
        if (*q == '\\')
            *q = '/';
    return true;
}

/* 1 the file exists, 0 absent, -EAGAIN not checked (unreadable: reported; or no fs), -ENOMEM. */
static int file_present(ctx *c, const char *path)
{
    if (!c->fs)
        return -EAGAIN;
    fsa_stat st;
    int r = fsa_lookup(c->fs, path, &st);
    if (r == 1)
        return st.type == FSA_TYPE_FILE ? 1 : 0;
    if (r == 0)
        return 0;
    int u = an_boot_unread_file(c->fs, path, r, c->facts, c->diag);
    return u < 0 ? u : -EAGAIN;
}

typedef struct {
    bool present;
    bool has_start;
    uint32_t start;
    bool image_checked;
    bool image_present;
    char image[1024]; /* volume path, "" when not resolvable */
} svc_info;

static const char *start_name(uint32_t s)
{
    static const char *const n[] = {"boot start", "system start", "automatic", "demand start",
                                    "disabled"};
    return s < 5 ? n[s] : "not a start type";
}

/* Reads one service's Start, Type, Group, ImagePath; writes boot.driver.<lname>.* when
 * with_facts. 0, or -ENOMEM. */
static int read_service(ctx *c, const char *name, bool with_facts, svc_info *ret)
{
    memset(ret, 0, sizeof(*ret));
    char key[512], lname[256];
    snprintf(key, sizeof(key), "%s\\Services\\%s", c->cs, name);
    an_boot_lower(name, lname, sizeof(lname));
    int r = an_hive_key_exists(c->h, key);
    if (r < 0)
        return an_boot_unread_reg(key, NULL, r, c->facts, c->source, c->diag) < 0 ? -ENOMEM
                                                                                  : -EAGAIN;
    ret->present = r == 1;
    if (with_facts && an_facts_add_strf(c->facts, ret->present ? "true" : "false", c->source,
                                        "boot.driver.%s.present", lname) < 0)
        return -ENOMEM;
    if (!ret->present)
        return 0;
    uint32_t v;
    r = an_hive_get_dword(c->h, key, "Start", &v);
    if (r < 0 && an_boot_unread_reg(key, "Start", r, c->facts, c->source, c->diag) < 0)
        return -ENOMEM;
    if (r < 0)
        return -EAGAIN; /* not judged on a value we could not read */
    if (r == 1) {
        ret->has_start = true;
        ret->start = v;
        if (with_facts &&
            an_facts_add_numf(c->facts, v, c->source, "boot.driver.%s.start", lname) < 0)
            return -ENOMEM;
    }
    if (with_facts && an_hive_get_dword(c->h, key, "Type", &v) == 1 &&
        an_facts_add_numf(c->facts, v, c->source, "boot.driver.%s.type", lname) < 0)
        return -ENOMEM;
    char group[256] = "", image[1024] = "";
    if (with_facts && an_hive_get_string(c->h, key, "Group", group, sizeof(group)) == 1 &&
        an_facts_add_strf(c->facts, group, c->source, "boot.driver.%s.group", lname) < 0)
        return -ENOMEM;
    r = an_hive_get_string(c->h, key, "ImagePath", image, sizeof(image));
    if (r < 0 && r != -EINVAL && r != -EMSGSIZE) {
        if (an_boot_unread_reg(key, "ImagePath", r, c->facts, c->source, c->diag) < 0)
            return -ENOMEM;
        return -EAGAIN;
    }
    if (r != 1)
        image[0] = '\0';
    if (!image_volume_path(c->windows_dir, name, image, ret->image, sizeof(ret->image)))
        ret->image[0] = '\0';
    if (with_facts && ret->image[0] &&
        an_facts_add_strf(c->facts, ret->image, c->source, "boot.driver.%s.image_path", lname) < 0)
        return -ENOMEM;
    if (!ret->image[0])
        return 0;
    int p = file_present(c, ret->image);
    if (p == -ENOMEM)
        return p;
    if (p >= 0) {
        ret->image_checked = true;
        ret->image_present = p == 1;
        if (with_facts && an_facts_add_strf(c->facts, p ? "true" : "false", ret->image,
                                            "boot.driver.%s.image_present", lname) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* ---- Azure ------------------------------------------------------------------------------- */

static int azure_facts(ctx *c, bool *ret_azure)
{
    *ret_azure = false;
    for (size_t i = 0; i < sizeof(AZURE_SERVICES) / sizeof(AZURE_SERVICES[0]); i++) {
        char key[256];
        snprintf(key, sizeof(key), "%s\\Services\\%s", c->cs, AZURE_SERVICES[i]);
        if (an_hive_key_exists(c->h, key) == 1) {
            *ret_azure = true;
            char what[128];
            snprintf(what, sizeof(what), "service %s", AZURE_SERVICES[i]);
            if (an_facts_add_str(c->facts, "boot.azure.evidence", what, c->source, -1) < 0)
                return -ENOMEM;
        }
    }
    return an_facts_add_bool(c->facts, "boot.azure", *ret_azure, c->source);
}

/* ---- the storage stack ------------------------------------------------------------------- */

static int stack_facts(ctx *c, bool azure, unsigned build)
{
    svc_info info[sizeof(STACK) / sizeof(STACK[0])];
    bool readable[sizeof(STACK) / sizeof(STACK[0])];
    unsigned present_required = 0;
    for (size_t i = 0; i < sizeof(STACK) / sizeof(STACK[0]); i++) {
        int r = read_service(c, STACK[i].name, true, &info[i]);
        if (r == -ENOMEM)
            return r;
        readable[i] = r == 0;
        if (readable[i] && info[i].present && STACK[i].required && !STACK[i].azure_only)
            present_required++;
    }
    /* a hive holding none of the stack (a partial or test hive) or pre-Vista: not judged */
    bool judge_missing = present_required > 0 && (build == 0 || build >= 6000);
    if (an_facts_add_bool(c->facts, "boot.stack.judged", judge_missing, c->source) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < sizeof(STACK) / sizeof(STACK[0]); i++) {
        const char *name = STACK[i].name;
        const svc_info *s = &info[i];
        if (!readable[i] || (STACK[i].azure_only && !azure) || present_required == 0)
            continue;
        char detail[512];
        if (!s->present) {
            if (!STACK[i].required || !judge_missing)
                continue;
            snprintf(detail, sizeof(detail), "%s: no service key %s\\Services\\%s", name, c->cs,
                     name);
            if (an_facts_add_str(c->facts, "boot.stack.service_missing", name, c->source, -1) < 0 ||
                an_facts_add_str(c->facts, "boot.stack.service_missing.detail", detail, c->source,
                                 -1) < 0)
                return -ENOMEM;
            continue;
        }
        if (!s->has_start || s->start != 0) {
            if (s->has_start)
                snprintf(detail, sizeof(detail),
                         "%s: %s\\Services\\%s Start = %u (%s), must be 0 (boot start)", name,
                         c->cs, name, s->start, start_name(s->start));
            else
                snprintf(detail, sizeof(detail),
                         "%s: %s\\Services\\%s has no Start value, must be 0 (boot start)", name,
                         c->cs, name);
            if (an_facts_add_str(c->facts, "boot.stack.not_boot_start", name, c->source, -1) < 0 ||
                an_facts_add_str(c->facts, "boot.stack.not_boot_start.detail", detail, c->source,
                                 -1) < 0)
                return -ENOMEM;
        }
        if (s->image_checked && !s->image_present && (!s->has_start || s->start <= 1)) {
            if (an_facts_add_str(c->facts, "boot.stack.image_missing", name, s->image, -1) < 0 ||
                an_facts_add_str(c->facts, "boot.stack.image_missing.path", s->image, s->image,
                                 -1) < 0)
                return -ENOMEM;
        }
    }
    return 0;
}

/* ---- boot-start miniports and bus extenders ---------------------------------------------- */

typedef struct {
    ctx *c;
    bool azure;
    unsigned miniports; /* storage miniports at Start 0 */
    int err;
} bootstart_ctx;

/* A name we look up as a service: no '\' (a key path separator), no '/' (it would build the
 * default file path from it), not "." or "..", no control byte. */
static bool service_name_ok(const char *n)
{
    if (!n[0] || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
        return false;
    for (const unsigned char *p = (const unsigned char *)n; *p; p++)
        if (*p == '\\' || *p == '/' || *p < 0x20)
            return false;
    return true;
}

static bool in_stack(const char *name)
{
    for (size_t i = 0; i < sizeof(STACK) / sizeof(STACK[0]); i++)
        if (strcasecmp(name, STACK[i].name) == 0)
            return true;
    return false;
}

static int on_service(an_hive_key *sub, const char *name, void *vctx)
{
    bootstart_ctx *b = vctx;
    ctx *c = b->c;
    char group[256] = "", image[1024] = "";
    uint32_t start = 0;
    if (an_hive_key_get_dword(sub, "Start", &start) != 1 || start != 0)
        return 0;
    bool storvsc = b->azure && strcasecmp(name, "storvsc") == 0;
    an_hive_key_get_string(sub, "Group", group, sizeof(group));
    bool miniport = is_miniport_group(group) || storvsc;
    if (!miniport && !is_bus_group(group))
        return 0;
    if (miniport) {
        b->miniports++;
        if (an_facts_add_str(c->facts, "boot.boot_start.miniport", name, c->source, -1) < 0) {
            b->err = -ENOMEM;
            return 1;
        }
    }
    if (in_stack(name) || !service_name_ok(name))
        return 0; /* judged with the stack, or not a name to build a file path from */
    if (an_hive_key_get_string(sub, "ImagePath", image, sizeof(image)) != 1)
        image[0] = '\0';
    char path[1024];
    if (!image_volume_path(c->windows_dir, name, image, path, sizeof(path)))
        return 0;
    int p = file_present(c, path);
    if (p == -ENOMEM) {
        b->err = p;
        return 1;
    }
    if (p == 0 &&
        (an_facts_add_str(c->facts, "boot.boot_start.image_missing", name, path, -1) < 0 ||
         an_facts_add_str(c->facts, "boot.boot_start.image_missing.path", path, path, -1) < 0)) {
        b->err = -ENOMEM;
        return 1;
    }
    return 0;
}

static int bootstart_facts(ctx *c, bool azure)
{
    char key[256];
    snprintf(key, sizeof(key), "%s\\Services", c->cs);
    bootstart_ctx b = {c, azure, 0, 0};
    int r = an_hive_each_subkey(c->h, key, on_service, &b);
    if (b.err < 0)
        return b.err;
    if (r < 0 && r != -ENOENT)
        return an_boot_unread_reg(key, NULL, r, c->facts, c->source, c->diag);
    if (an_facts_add_num(c->facts, "boot.boot_start.miniport_count", b.miniports, c->source, -1) <
        0)
        return -ENOMEM;
    const an_fact *judged = an_facts_get(c->facts, "boot.stack.judged");
    bool none = judged && strcmp(judged->value, "true") == 0 && b.miniports == 0;
    return an_facts_add_bool(c->facts, "boot.boot_start.no_miniport", none, c->source);
}

/* ---- class filters ----------------------------------------------------------------------- */

typedef struct {
    ctx *c;
    const char *cls;   /* "disk" */
    const char *guid;  /* class GUID */
    const char *which; /* "upper" */
    const char *value; /* "UpperFilters" */
    sxs_buf rest;      /* the good names, joined by the two characters \0 (reg.exe's separator) */
    unsigned bad;
    int err;
} filter_ctx;

static int on_filter(const char *name, bool too_long, void *vctx)
{
    filter_ctx *f = vctx;
    ctx *c = f->c;
    char detail[2048], fact[160];
    snprintf(fact, sizeof(fact), "boot.filter.%s.%s", f->cls, f->which);
    if (an_facts_add_str(c->facts, fact, name, c->source, -1) < 0)
        return -ENOMEM;
    const char *why = NULL;
    svc_info s;
    memset(&s, 0, sizeof(s));
    if (too_long || !service_name_ok(name)) {
        why = "not a name a service key can have";
    } else {
        int r = read_service(c, name, false, &s);
        if (r == -ENOMEM)
            return r;
        if (r == -EAGAIN)
            return 0; /* unreadable: reported, not judged */
        if (!s.present)
            why = "no service key";
        else if (s.has_start && s.start == 4)
            why = "the service is disabled (Start = 4)";
        else if (s.image_checked && !s.image_present)
            why = "its driver file is missing";
    }
    if (!why) {
        if ((f->rest.len && sxs_buf_append_str(&f->rest, "\\0") < 0) ||
            sxs_buf_append_str(&f->rest, name) < 0)
            return -ENOMEM;
        return 0;
    }
    f->bad++;
    if (s.image_checked && !s.image_present)
        snprintf(detail, sizeof(detail), "%s\\Control\\Class\\%s %s names %s: %s (%s)", c->cs,
                 f->guid, f->value, name, why, s.image);
    else
        snprintf(detail, sizeof(detail), "%s\\Control\\Class\\%s %s names %s: %s", c->cs, f->guid,
                 f->value, name, why);
    snprintf(fact, sizeof(fact), "boot.filter.%s.%s.bad", f->cls, f->which);
    if (an_facts_add_str(c->facts, fact, name, c->source, -1) < 0)
        return -ENOMEM;
    snprintf(fact, sizeof(fact), "boot.filter.%s.%s.bad.detail", f->cls, f->which);
    if (an_facts_add_str(c->facts, fact, detail, c->source, -1) < 0)
        return -ENOMEM;
    return 0;
}

static int one_filter_value(ctx *c, const filter_class *fc, const char *value, const char *which)
{
    char key[256];
    snprintf(key, sizeof(key), "%s\\Control\\Class\\%s", c->cs, fc->guid);
    /* 64 names of 255 UTF-16 units with their NULs, plus the list's NUL: a longer value is not
     * a filter list Windows wrote, and is reported rather than judged */
    size_t cap = SXS_MAX_MULTI_SZ_ITEMS * (SXS_MAX_MULTI_SZ_ITEM + 1) * 2 + 2;
    uint8_t *data = malloc(cap);
    if (!data)
        return -ENOMEM;
    size_t len = 0;
    uint32_t type = 0;
    int r = an_hive_get_data(c->h, key, value, data, cap, &len, &type);
    if (r == -EMSGSIZE) {
        sxs_diag_add(c->diag, SXS_DIAG_WARN, c->source, -1,
                     "%s\\%s holds %zu bytes, more than a filter list; not judged", key, value,
                     len);
        free(data);
        return 0;
    }
    if (r <= 0) {
        free(data);
        return r == 0 ? 0 : an_boot_unread_reg(key, value, r, c->facts, c->source, c->diag);
    }
    if (type != AN_REG_MULTI_SZ && type != AN_REG_SZ) {
        sxs_diag_add(c->diag, SXS_DIAG_WARN, c->source, -1,
                     "%s\\%s is of type %u, not REG_MULTI_SZ; not judged", key, value, type);
        free(data);
        return 0;
    }
    filter_ctx f = {.c = c, .cls = fc->key, .guid = fc->guid, .which = which, .value = value};
    sxs_buf_init(&f.rest, 64 * 1024);
    r = an_multi_sz_each(data, len, on_filter, &f);
    free(data);
    if (r == -E2BIG)
        sxs_diag_add(c->diag, SXS_DIAG_WARN, c->source, -1,
                     "%s\\%s names more than %d drivers; the rest were not checked", key, value,
                     SXS_MAX_MULTI_SZ_ITEMS);
    else if (r < 0) {
        sxs_buf_free(&f.rest);
        return r;
    }
    char fact[160];
    snprintf(fact, sizeof(fact), "boot.filter.%s.%s.rest", fc->key, which);
    r = 0;
    if (f.bad && f.rest.len)
        r = an_facts_add_str(c->facts, fact, f.rest.data, c->source, -1);
    else if (f.bad)
        r = an_facts_add_strf(c->facts, "true", c->source, "boot.filter.%s.%s.rest_empty", fc->key,
                              which);
    sxs_buf_free(&f.rest);
    return r;
}

static int filter_facts(ctx *c)
{
    for (size_t i = 0; i < sizeof(CLASSES) / sizeof(CLASSES[0]); i++) {
        int r;
        if ((r = one_filter_value(c, &CLASSES[i], "UpperFilters", "upper")) < 0 ||
            (r = one_filter_value(c, &CLASSES[i], "LowerFilters", "lower")) < 0)
            return r;
    }
    return 0;
}

/* Whether the control set Last Known Good would boot starts every driver the current one does
 * not (boot.lkg.fixes_stack): then LKG is a way back. */
static int lkg_stack_facts(ctx *c)
{
    const an_fact *t = an_facts_get(c->facts, "boot.lkg.target");
    if (!t || !an_facts_get(c->facts, "boot.stack.not_boot_start"))
        return 0;
    bool ok = true;
    size_t pos = 0;
    const an_fact *f;
    while (ok && (f = an_facts_next(c->facts, "boot.stack.not_boot_start", &pos)) != NULL) {
        char key[512];
        uint32_t v = 0;
        snprintf(key, sizeof(key), "%s\\Services\\%s", t->value, f->value);
        ok = an_hive_get_dword(c->h, key, "Start", &v) == 1 && v == 0;
    }
    return an_facts_add_bool(c->facts, "boot.lkg.fixes_stack", ok, c->source);
}

int an_boot_drivers_from_hive(an_hive *h, const char *source, const char *control_set, fsa_fs *fs,
                              const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    ctx c = {h, source, control_set, fs, windows_dir, facts, diag};
    const an_fact *b = an_facts_get(facts, "os.current_build");
    unsigned build = b ? (unsigned)strtoul(b->value, NULL, 10) : 0;
    bool azure = false;
    int r;
    if ((r = an_facts_add_str(facts, "boot.control_set", control_set, source, -1)) < 0 ||
        (r = an_boot_select_facts(h, source, facts, diag)) < 0 ||
        (r = azure_facts(&c, &azure)) < 0 || (r = stack_facts(&c, azure, build)) < 0 ||
        (r = lkg_stack_facts(&c)) < 0 || (r = bootstart_facts(&c, azure)) < 0 ||
        (r = filter_facts(&c)) < 0)
        return r;
    return 0;
}
