/* SYSTEM\MountedDevices (boot_mounted.h). Value names are "\DosDevices\X:" for drive letters
 * and "\??\Volume{GUID}" for volume names; only the letters are facts. The data forms are
 * decoded by boot_bcd_device.c (libyal dtformats, mounted_devices.yaml). */
#include "analyzer/boot/boot_mounted.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "analyzer/boot/boot_bcd_device.h"

/* Drive letters are 26; a hive claiming more values is damaged or hostile: only this many
 * letters are looked at (duplicates included). */
#define MOUNTED_MAX_LETTERS 64

typedef struct {
    const fsa_evidence *ev;
    const char *source;
    an_facts *facts;
    sxs_diag *diag;
    unsigned letters;
    int err;
} mounted_ctx;

static void add(mounted_ctx *c, char letter, const char *what, const char *value)
{
    if (!c->err)
        c->err = an_facts_add_strf(c->facts, value, c->source, "mounted.%c.%s", letter, what);
}

static int on_value(const char *name, uint32_t type, const uint8_t *data, size_t len, void *vctx)
{
    mounted_ctx *c = vctx;
    if (strncasecmp(name, "\\DosDevices\\", 12) != 0 || !isalpha((unsigned char)name[12]) ||
        name[13] != ':' || name[14] != '\0')
        return 0;
    if (++c->letters > MOUNTED_MAX_LETTERS)
        return 1;
    char letter = (char)tolower((unsigned char)name[12]);
    boot_device d;
    if (type != AN_REG_BINARY)
        d.kind = BOOT_DEV_INVALID;
    else
        boot_mounted_device_decode(data, len, &d);
    char desc[96];
    boot_device_describe(&d, desc, sizeof(desc));
    if (d.kind == BOOT_DEV_OTHER)
        snprintf(desc, sizeof(desc), "other (%zu bytes: not a partition of a fixed disk)", len);
    add(c, letter, "device", desc);
    if (d.kind == BOOT_DEV_INVALID) {
        sxs_diag_add(c->diag, SXS_DIAG_WARN, c->source, -1,
                     "MountedDevices value %s: %zu bytes of type %u are no volume identity", name,
                     len, type);
        add(c, letter, "resolved", "invalid");
        return c->err;
    }
    if (d.kind == BOOT_DEV_OTHER) {
        add(c, letter, "resolved", "other");
        return c->err;
    }
    size_t vol = 0;
    int r = c->ev ? boot_device_resolve(c->ev, &d, &vol) : -ENODATA;
    if (r == 1) {
        char v[32];
        snprintf(v, sizeof(v), "volume:%zu", vol + 1);
        add(c, letter, "resolved", v);
        if (!c->err)
            c->err = an_facts_add_numf(c->facts, (int64_t)vol + 1, c->source, "mounted.%c.volume",
                                       letter);
    } else {
        add(c, letter, "resolved", r == 0 ? "not-on-disk" : "unverifiable");
    }
    return c->err;
}

int boot_mounted_collect(an_hive *system, const char *source, const fsa_evidence *ev,
                         an_facts *facts, sxs_diag *diag)
{
    mounted_ctx c = {.ev = ev, .source = source, .facts = facts, .diag = diag};
    int r = an_hive_list_values(system, "MountedDevices", on_value, &c);
    if (c.err)
        return c.err;
    if (r == -ENOENT)
        return 0; /* a hive without the key (a never-booted image): no letters to know */
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, source, -1, "MountedDevices not read (%s)",
                     r == -EBADMSG ? "corrupt cell" : strerror(-r));
        return an_facts_add_str(facts, "unread.registry",
                                r == -EBADMSG ? "MountedDevices: corrupt cell"
                                              : "MountedDevices: read error",
                                source, -1);
    }
    if (c.letters > MOUNTED_MAX_LETTERS)
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1,
                     "MountedDevices names more than %d drive letters: the rest not read",
                     MOUNTED_MAX_LETTERS);
    return an_facts_add_num(facts, "mounted.count",
                            c.letters > MOUNTED_MAX_LETTERS ? MOUNTED_MAX_LETTERS : c.letters,
                            source, -1);
}
