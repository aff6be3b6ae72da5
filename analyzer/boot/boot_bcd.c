/* The BCD store collector (boot_bcd.h). Element numbers and object types are those bcdedit
 * and Microsoft's BCD WMI provider document (BcdBootMgrElementTypes, BcdLibraryElementTypes,
 * BcdOSLoaderElementTypes): 23000003 default, 24000001 displayorder, 11000001 device,
 * 12000002 path, 21000001 osdevice, 22000002 systemroot, 25000080 safeboot, 16000009
 * recoveryenabled, 250000e0 bootstatuspolicy, 14000008 recoverysequence; OS loader objects
 * have Description\Type 0x10200003. Integers and booleans are REG_BINARY, little-endian (8
 * bytes for integers, 1 for booleans as Windows writes them); objects and object lists are
 * REG_SZ / REG_MULTI_SZ GUID strings; devices are decoded by boot_bcd_device.c. */
#include "analyzer/boot/boot_bcd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/registry/an_hive.h"
#include "analyzer/boot/boot_bcd_device.h"

#define BOOTMGR_OBJ "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
#define OSLOADER_TYPE 0x10200003u
/* Loader objects listed or checked: a real store has a handful; a hostile one is capped. */
#define BCD_MAX_LOADERS 256
/* GUID strings in one object list (displayorder): same reason. */
#define BCD_MAX_LIST 64

typedef struct {
    fsa_fs *win_fs;
    const fsa_evidence *ev;
    an_hive *h;
    an_facts *facts;
    sxs_diag *diag;
    char source[160]; /* "EFI/Microsoft/Boot/BCD on volume 1" */
    char order[BCD_MAX_LIST][39];
    size_t n_order;
    char recovery[BCD_MAX_LIST][39];
    size_t n_recovery;
    char def[39];
    size_t loaders, leaked;
    bool damaged; /* a key or element could not be read: the state is "unreadable" */
    int err;      /* first -ENOMEM */
} bcd_ctx;

static int fact_str(bcd_ctx *c, const char *name, const char *value)
{
    int r = an_facts_add_str(c->facts, name, value, c->source, -1);
    if (r < 0 && !c->err)
        c->err = r;
    return r;
}

static int fact_num(bcd_ctx *c, const char *name, int64_t v)
{
    int r = an_facts_add_num(c->facts, name, v, c->source, -1);
    if (r < 0 && !c->err)
        c->err = r;
    return r;
}

/* A key or value the collector needs that could not be read: unread.bcd, never a finding. */
static void unread(bcd_ctx *c, const char *what, int err)
{
    char v[320];
    c->damaged = true;
    snprintf(v, sizeof(v), "%s: %s", what, err == -EBADMSG ? "corrupt cell" : strerror(-err));
    sxs_diag_add(c->diag, SXS_DIAG_ERROR, c->source, -1, "BCD store: %s not read (%s)", what,
                 err == -EBADMSG ? "corrupt cell" : strerror(-err));
    fact_str(c, "unread.bcd", v);
}

/* Reads Objects\obj\Elements\elem\Element. 1 found, 0 absent, negative error (reported). */
static int element(bcd_ctx *c, const char *obj, const char *elem, uint8_t *out, size_t cap,
                   size_t *ret_len, uint32_t *ret_type)
{
    char key[160];
    snprintf(key, sizeof(key), "Objects\\%s\\Elements\\%s", obj, elem);
    int r = an_hive_get_data(c->h, key, "Element", out, cap, ret_len, ret_type);
    if (r < 0 && r != -EMSGSIZE) {
        char what[200];
        snprintf(what, sizeof(what), "%s\\Element", key);
        unread(c, what, r);
    }
    return r == -EMSGSIZE ? 0 : r;
}

static bool utf16_guid(const uint8_t *p, size_t n, char out[39])
{
    /* "{8-4-4-4-12}" in UTF-16LE; anything else is not an object reference */
    if (n < 38 * 2)
        return false;
    for (size_t i = 0; i < 38; i++) {
        uint16_t ch = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
        bool hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
        bool ok = i == 0                                      ? ch == '{'
                  : i == 37                                   ? ch == '}'
                  : (i == 9 || i == 14 || i == 19 || i == 24) ? ch == '-'
                                                              : hex;
        if (!ok)
            return false;
        out[i] = (char)(ch >= 'A' && ch <= 'F' ? ch + 32 : ch);
    }
    out[38] = '\0';
    return true;
}

/* An object-list element (REG_MULTI_SZ of GUIDs) into list; entries that are not GUIDs are
 * skipped. */
static void object_list(bcd_ctx *c, const char *obj, const char *elem, char (*list)[39], size_t *n)
{
    uint8_t buf[BCD_MAX_LIST * 80];
    size_t len = 0;
    uint32_t type = 0;
    *n = 0;
    if (element(c, obj, elem, buf, sizeof(buf), &len, &type) != 1 || type != AN_REG_MULTI_SZ)
        return;
    size_t i = 0;
    while (i + 2 <= len && *n < BCD_MAX_LIST) {
        size_t j = i;
        while (j + 2 <= len && (buf[j] | buf[j + 1]))
            j += 2;
        if (j - i == 38 * 2 && utf16_guid(buf + i, j - i, list[*n]))
            (*n)++;
        i = j + 2;
    }
}

static bool in_list(char (*list)[39], size_t n, const char *g)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(list[i], g) == 0)
            return true;
    return false;
}

/* A string element as UTF-8 (path, systemroot). 1 found, 0 absent, negative. */
static int string_element(bcd_ctx *c, const char *obj, const char *elem, char *out, size_t cap)
{
    char key[160];
    snprintf(key, sizeof(key), "Objects\\%s\\Elements\\%s", obj, elem);
    int r = an_hive_get_string(c->h, key, "Element", out, cap);
    if (r < 0) {
        char what[200];
        snprintf(what, sizeof(what), "%s\\Element", key);
        if (r == -EINVAL || r == -EMSGSIZE) {
            sxs_diag_add(c->diag, SXS_DIAG_WARN, c->source, -1,
                         "BCD store: %s is not a string element", what);
            return 0;
        }
        unread(c, what, r);
    }
    return r;
}

/* An integer or boolean element (REG_BINARY, 1..8 bytes little-endian). */
static int integer_element(bcd_ctx *c, const char *obj, const char *elem, uint64_t *ret)
{
    uint8_t b[8];
    size_t len = 0;
    uint32_t type = 0;
    int r = element(c, obj, elem, b, sizeof(b), &len, &type);
    if (r != 1)
        return r;
    if (type != AN_REG_BINARY || len == 0 || len > 8) {
        sxs_diag_add(c->diag, SXS_DIAG_WARN, c->source, -1,
                     "BCD store: element %s of %s is not an integer (type %u, %zu bytes)", elem,
                     obj, type, len);
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v |= (uint64_t)b[i] << (8 * i);
    *ret = v;
    return 1;
}

/* device / osdevice: decoded, resolved to a volume of this disk. *ret_vol gets the volume
 * index when resolved. */
static int device_facts(bcd_ctx *c, const char *elem, const char *name, size_t *ret_vol)
{
    uint8_t b[1024];
    size_t len = 0;
    uint32_t type = 0;
    char fname[96], desc[96];
    int r = element(c, c->def, elem, b, sizeof(b), &len, &type);
    if (r < 0)
        return 0;
    snprintf(fname, sizeof(fname), "boot.bcd.default.%s.resolved", name);
    if (r == 0) {
        snprintf(fname, sizeof(fname), "boot.bcd.default.%s.kind", name);
        fact_str(c, fname, "missing");
        snprintf(fname, sizeof(fname), "boot.bcd.default.%s.resolved", name);
        return fact_str(c, fname, "missing");
    }
    boot_device d;
    if (type != AN_REG_BINARY)
        d.kind = BOOT_DEV_INVALID;
    else
        boot_bcd_device_decode(b, len, &d);
    boot_device_describe(&d, desc, sizeof(desc));
    snprintf(fname, sizeof(fname), "boot.bcd.default.%s", name);
    fact_str(c, fname, desc);
    snprintf(fname, sizeof(fname), "boot.bcd.default.%s.kind", name);
    fact_str(c, fname, boot_dev_kind_name(d.kind));
    snprintf(fname, sizeof(fname), "boot.bcd.default.%s.resolved", name);
    if (d.kind == BOOT_DEV_INVALID) {
        sxs_diag_add(c->diag, SXS_DIAG_WARN, c->source, -1,
                     "BCD store: %s element of the default entry %s is not a device element "
                     "we can read (%zu bytes, type %u)",
                     name, c->def, len, type);
        return fact_str(c, fname, "invalid");
    }
    size_t vol = 0;
    r = boot_device_resolve(c->ev, &d, &vol);
    if (r == 1) {
        char v[32];
        snprintf(v, sizeof(v), "volume:%zu", vol + 1);
        *ret_vol = vol;
        snprintf(fname, sizeof(fname), "boot.bcd.default.%s.volume", name);
        fact_num(c, fname, (int64_t)vol + 1);
        snprintf(fname, sizeof(fname), "boot.bcd.default.%s.resolved", name);
        return fact_str(c, fname, v);
    }
    if (r == 0)
        return fact_str(c, fname, "not-on-disk");
    /* boot, locate, ramdisk, a raw disk, or evidence without partition identity */
    return fact_str(c, fname,
                    d.kind == BOOT_DEV_PARTITION_GPT || d.kind == BOOT_DEV_PARTITION_MBR
                        ? "unverifiable"
                        : boot_dev_kind_name(d.kind));
}

/* path / systemroot exist on the resolved volume. */
static void check_on_volume(bcd_ctx *c, size_t vol, const char *bcd_path, const char *name,
                            fsa_type want)
{
    fsa_fs *fs = fsa_volume_fs((fsa_evidence *)c->ev, vol);
    char fname[96];
    snprintf(fname, sizeof(fname), "boot.bcd.default.%s.exists", name);
    if (!fs) {
        sxs_diag_add(c->diag, SXS_DIAG_WARN, c->source, -1,
                     "BCD store: the %s %s is on volume %zu, whose filesystem cannot be read", name,
                     bcd_path, vol + 1);
        return;
    }
    fsa_stat st;
    int r = fsa_lookup(fs, bcd_path, &st);
    if (r < 0) {
        char what[400];
        snprintf(what, sizeof(what), "%s on volume %zu", bcd_path, vol + 1);
        unread(c, what, r);
        return;
    }
    an_facts_add_bool(c->facts, fname, r == 1 && st.type == want, fsa_fs_describe(fs));
}

static void default_entry(bcd_ctx *c)
{
    char key[96];
    snprintf(key, sizeof(key), "Objects\\%s", c->def);
    int r = an_hive_key_exists(c->h, key);
    if (r < 0) {
        unread(c, key, r);
        return;
    }
    an_facts_add_bool(c->facts, "boot.bcd.default.present", r == 1, c->source);
    if (r != 1)
        return;
    size_t dev_vol = SIZE_MAX, os_vol = SIZE_MAX;
    device_facts(c, "11000001", "device", &dev_vol);
    device_facts(c, "21000001", "osdevice", &os_vol);
    char s[512];
    if (string_element(c, c->def, "12000002", s, sizeof(s)) == 1) {
        fact_str(c, "boot.bcd.default.path", s);
        if (dev_vol != SIZE_MAX)
            check_on_volume(c, dev_vol, s, "path", FSA_TYPE_FILE);
    }
    if (string_element(c, c->def, "22000002", s, sizeof(s)) == 1) {
        fact_str(c, "boot.bcd.default.systemroot", s);
        if (os_vol != SIZE_MAX)
            check_on_volume(c, os_vol, s, "systemroot", FSA_TYPE_DIR);
    }
    uint64_t v;
    if (integer_element(c, c->def, "25000080", &v) == 1)
        fact_num(c, "boot.bcd.default.safeboot", (int64_t)(v & 0xFFFFFFFF));
    if (integer_element(c, c->def, "16000009", &v) == 1)
        an_facts_add_bool(c->facts, "boot.bcd.default.recoveryenabled", v != 0, c->source);
    if (integer_element(c, c->def, "250000e0", &v) == 1)
        fact_num(c, "boot.bcd.default.bootstatuspolicy", (int64_t)(v & 0xFFFFFFFF));
}

static int each_loader(an_hive_key *sub, const char *name, void *vctx)
{
    (void)sub;
    bcd_ctx *c = vctx;
    char key[160];
    snprintf(key, sizeof(key), "Objects\\%s\\Description", name);
    uint32_t type = 0;
    if (an_hive_get_dword(c->h, key, "Type", &type) != 1 || type != OSLOADER_TYPE)
        return 0;
    if (++c->loaders > BCD_MAX_LOADERS)
        return 1;
    /* the loader's recoverysequence (WinRE) is a loader no menu lists, and not leaked */
    char tmp[BCD_MAX_LIST][39];
    size_t n = 0;
    object_list(c, name, "14000008", tmp, &n);
    for (size_t i = 0; i < n && c->n_recovery < BCD_MAX_LIST; i++)
        memcpy(c->recovery[c->n_recovery++], tmp[i], 39);
    return 0;
}

/* Second pass: the loaders no menu lists and nothing references (left by a failed rollback
 * or an interrupted upgrade). */
static int each_leaked(an_hive_key *sub, const char *name, void *vctx)
{
    (void)sub;
    bcd_ctx *c = vctx;
    char key[160], g[39];
    snprintf(key, sizeof(key), "Objects\\%s\\Description", name);
    uint32_t type = 0;
    if (an_hive_get_dword(c->h, key, "Type", &type) != 1 || type != OSLOADER_TYPE)
        return 0;
    size_t n = strlen(name);
    if (n != 38)
        return 0;
    uint8_t u[76];
    for (size_t i = 0; i < 38; i++) {
        u[2 * i] = (uint8_t)name[i];
        u[2 * i + 1] = 0;
    }
    if (!utf16_guid(u, sizeof(u), g))
        return 0;
    if (strcasecmp(g, c->def) == 0 || in_list(c->order, c->n_order, g) ||
        in_list(c->recovery, c->n_recovery, g))
        return 0;
    c->leaked++;
    fact_str(c, "boot.bcd.loader.leaked", g);
    return c->leaked >= BCD_MAX_LOADERS;
}

static void read_store(bcd_ctx *c)
{
    int r = an_hive_key_exists(c->h, "Objects\\" BOOTMGR_OBJ);
    if (r < 0) {
        unread(c, "Objects\\" BOOTMGR_OBJ, r);
        return;
    }
    an_facts_add_bool(c->facts, "boot.bcd.bootmgr.present", r == 1, c->source);
    if (r == 1) {
        uint8_t b[200];
        size_t len = 0;
        uint32_t type = 0;
        r = element(c, BOOTMGR_OBJ, "23000003", b, sizeof(b), &len, &type);
        if (r == 1 && type == AN_REG_SZ && utf16_guid(b, len, c->def)) {
            fact_str(c, "boot.bcd.default", c->def);
            default_entry(c);
        } else if (r >= 0) {
            fact_str(c, "boot.bcd.default", "missing");
        }
        object_list(c, BOOTMGR_OBJ, "24000001", c->order, &c->n_order);
        fact_num(c, "boot.bcd.displayorder.count", (int64_t)c->n_order);
    }
    r = an_hive_each_subkey(c->h, "Objects", each_loader, c);
    if (r < 0 && r != -ENOENT) {
        unread(c, "Objects", r);
        return;
    }
    fact_num(c, "boot.bcd.loader.count", (int64_t)c->loaders);
    if (r >= 0)
        an_hive_each_subkey(c->h, "Objects", each_leaked, c);
}

/* Where the store should be: the system partition's, else the Windows volume's own. */
static int locate(bcd_ctx *c, fsa_fs **ret_fs, size_t *ret_vol, const char **ret_path,
                  const char **ret_firmware, bool *ret_bootmgr)
{
    size_t sys = 0;
    fsa_fs *sfs = NULL;
    bool have_sys = fsa_fs_system_volume(c->win_fs, &sys, &sfs) == 1;
    bool esp = have_sys && strcmp(fsa_volume(c->ev, sys)->note, "EFI System") == 0;
    *ret_vol = have_sys ? sys : fsa_fs_volume(c->win_fs);
    *ret_fs = have_sys ? sfs : c->win_fs;
    *ret_path = esp ? "EFI/Microsoft/Boot/BCD" : "Boot/BCD";
    *ret_firmware = esp ? "uefi" : "bios";
    if (!*ret_fs)
        return -EIO;
    static const char *const mgr_uefi[] = {"EFI/Microsoft/Boot/bootmgfw.efi",
                                           "EFI/Boot/bootx64.efi"};
    static const char *const mgr_bios[] = {"bootmgr"};
    const char *const *m = esp ? mgr_uefi : mgr_bios;
    size_t nm = esp ? 2 : 1;
    *ret_bootmgr = false;
    for (size_t i = 0; i < nm; i++)
        if (fsa_lookup(*ret_fs, m[i], NULL) == 1)
            *ret_bootmgr = true;
    return fsa_lookup(*ret_fs, *ret_path, NULL);
}

int boot_bcd_collect(fsa_fs *win_fs, an_facts *facts, sxs_diag *diag)
{
    bcd_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    *c = (bcd_ctx){.win_fs = win_fs, .ev = fsa_fs_evidence(win_fs), .facts = facts, .diag = diag};
    fsa_fs *fs = NULL;
    size_t vol = 0;
    const char *path = "", *fw = "";
    bool mgr = false;
    int r = locate(c, &fs, &vol, &path, &fw, &mgr);
    snprintf(c->source, sizeof(c->source), "%s on volume %zu", path, vol + 1);
    fact_str(c, "boot.bcd.path", path);
    fact_num(c, "boot.bcd.volume", (int64_t)vol + 1);
    fact_str(c, "boot.bcd.firmware", fw);
    if (fs)
        an_facts_add_bool(facts, "boot.bootmgr.present", mgr, c->source);
    if (r < 0) {
        const char *why = fs ? fsa_fs_damage(fs, NULL) : "";
        char v[600];
        snprintf(v, sizeof(v), "%s", why[0] ? why : fs ? strerror(-r) : "filesystem not readable");
        sxs_diag_add(diag, SXS_DIAG_ERROR, c->source, -1, "BCD store not looked up: %s", v);
        fact_str(c, "boot.bcd.state", "unreadable");
        fact_str(c, "unread.bcd", v);
    } else if (r == 0) {
        /* Without a boot manager on this disk the store's absence explains nothing. */
        fact_str(c, "boot.bcd.state", mgr ? "missing" : "no-bootmgr");
        an_facts_add_bool(facts, "boot.bcd.present", false, c->source);
    } else {
        an_hive_status st;
        r = an_hive_open_fsa(fs, path, diag, &st, &c->h);
        an_facts_add_bool(facts, "boot.bcd.present", true, c->source);
        if (r == -ENOMEM) {
            free(c);
            return r;
        }
        if (r < 0) {
            sxs_diag_add(diag, SXS_DIAG_ERROR, c->source, -1,
                         "BCD store %s on volume %zu cannot be read: %s", path, vol + 1,
                         st.detail[0] ? st.detail : strerror(-r));
            fact_str(c, "boot.bcd.state", "unreadable");
            fact_str(c, "unread.bcd", st.detail[0] ? st.detail : strerror(-r));
        } else {
            /* a store read in part is damage: no rule judges it (they need state ok) */
            read_store(c);
            an_hive_free(c->h);
            fact_str(c, "boot.bcd.state", c->damaged ? "unreadable" : "ok");
        }
    }
    r = c->err;
    free(c);
    return r;
}
