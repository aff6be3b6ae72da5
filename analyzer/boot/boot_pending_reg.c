/* Pending-operation registry facts (see boot_pending_reg.h). PendingFileRenameOperations is
 * REG_MULTI_SZ of pairs, source then destination, an empty destination meaning "delete at
 * boot" (Microsoft, MoveFileEx MOVEFILE_DELAY_UNTIL_REBOOT); Windows also uses
 * PendingFileRenameOperations2 when the first is large. Both are read and counted together. */
#include "analyzer/boot/boot_pending_reg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sxs_utf16.h"

/* A large cumulative update queues a few thousand renames (some hundred KiB); more than this
 * is not read (a warning says so, the count stays unknown). */
#define PFRO_MAX_BYTES (16u * 1024 * 1024)
/* Entries named in facts: enough to see what is queued, bounded whatever the list length. */
#define PFRO_NAMED 8
/* One path in UTF-8 (NT paths stay well under 32767 UTF-16 units). */
#define PFRO_PATH_MAX (3 * 32768)

long an_boot_rename_pairs(const uint8_t *data, size_t len, an_boot_rename_cb cb, void *ctx)
{
    size_t units = len / 2, i = 0;
    long pairs = 0;
    char *from = malloc(PFRO_PATH_MAX), *to = malloc(PFRO_PATH_MAX);
    if (!from || !to) {
        free(from);
        free(to);
        return -ENOMEM;
    }
    while (i < units) {
        /* source: a non-empty string; an empty one here is the list's terminator */
        size_t a = i;
        while (i < units && (data[2 * i] | data[2 * i + 1]))
            i++;
        size_t a_len = i - a;
        if (a_len == 0)
            break;
        i++; /* past its NUL (or the end) */
        /* destination: may be empty (delete), or missing at the very end */
        size_t b = i;
        while (i < units && (data[2 * i] | data[2 * i + 1]))
            i++;
        size_t b_len = i > b ? i - b : 0;
        i++;
        from[0] = to[0] = '\0';
        if (sxs_utf16le_to_utf8(data + 2 * a, a_len, 0, from, PFRO_PATH_MAX) < 0)
            from[0] = '\0';
        if (b_len && sxs_utf16le_to_utf8(data + 2 * b, b_len, 0, to, PFRO_PATH_MAX) < 0)
            to[0] = '\0';
        pairs++;
        if (cb) {
            int r = cb(from, to, ctx);
            if (r < 0) {
                pairs = r;
                break;
            }
        }
    }
    free(from);
    free(to);
    return pairs;
}

typedef struct {
    an_facts *facts;
    const char *source;
    size_t named;
} rename_ctx;

static int on_rename(const char *from, const char *to, void *vctx)
{
    rename_ctx *c = vctx;
    if (c->named >= PFRO_NAMED)
        return 0;
    c->named++;
    size_t n = strlen(from) + strlen(to) + 16;
    char *line = malloc(n);
    if (!line)
        return -ENOMEM;
    snprintf(line, n, "%s -> %s", from, to[0] ? to : "(delete)");
    int r = an_facts_add_str(c->facts, "system.pending_file_rename", line, c->source, -1);
    free(line);
    return r;
}

static int renames(an_hive *h, const char *cs, const char *source, an_facts *facts, sxs_diag *diag)
{
    char key[128];
    snprintf(key, sizeof(key), "%s\\Control\\Session Manager", cs);
    static const char *const values[] = {"PendingFileRenameOperations",
                                         "PendingFileRenameOperations2"};
    rename_ctx rc = {facts, source, 0};
    long total = 0;
    bool any = false;
    for (size_t v = 0; v < 2; v++) {
        size_t len = 0;
        uint32_t type = 0;
        uint8_t probe[4];
        int r = an_hive_get_data(h, key, values[v], probe, sizeof(probe), &len, &type);
        if (r == 0)
            continue;
        if (r < 0 && r != -EMSGSIZE) {
            sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "%s\\%s unreadable (%s)", key, values[v],
                         strerror(-r));
            continue;
        }
        if (len > PFRO_MAX_BYTES) {
            sxs_diag_add(diag, SXS_DIAG_WARN, source, -1,
                         "%s\\%s holds %zu bytes, more than the %u read; not counted", key,
                         values[v], len, PFRO_MAX_BYTES);
            continue;
        }
        uint8_t *data = malloc(len ? len : 1);
        if (!data)
            return -ENOMEM;
        r = an_hive_get_data(h, key, values[v], data, len, &len, &type);
        if (r == 1 && type == AN_REG_MULTI_SZ) {
            long n = an_boot_rename_pairs(data, len, on_rename, &rc);
            if (n < 0) {
                free(data);
                return (int)n;
            }
            total += n;
            any = true;
        } else if (r == 1) {
            sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "%s\\%s is not REG_MULTI_SZ (type %u)",
                         key, values[v], type);
        }
        free(data);
    }
    return any ? an_facts_add_num(facts, "system.pending_file_renames", total, source, -1) : 0;
}

/* A root value of COMPONENTS as a number: a DWORD, or a 4- or 8-byte REG_BINARY (how
 * servicing writes these flags). 1 added, 0 absent, negative -ENOMEM. */
static int components_num(an_hive *h, const char *value, const char *fact, const char *source,
                          an_facts *facts, sxs_diag *diag)
{
    uint8_t d[8];
    size_t len = 0;
    uint32_t type = 0;
    int r = an_hive_get_data(h, "", value, d, sizeof(d), &len, &type);
    if (r == 0)
        return 0;
    if (r < 0 || (len != 4 && len != 8)) {
        sxs_diag_add(diag, SXS_DIAG_WARN, source, -1, "COMPONENTS\\%s: %s", value,
                     r < 0 ? strerror(-r) : "not a 4- or 8-byte value");
        return 0;
    }
    uint64_t v = 0;
    for (size_t i = len; i-- > 0;)
        v = v << 8 | d[i];
    char text[24];
    snprintf(text, sizeof(text), "0x%0*llX", len == 4 ? 8 : 16, (unsigned long long)v);
    /* hex text: the rules' number comparisons parse it (strtoll base 0) */
    r = an_facts_add_str(facts, fact, text, source, -1);
    if (r < 0)
        return r;
    return 1;
}

int an_boot_pending_registry(an_hive *system, const char *system_source, an_hive *components,
                             const char *components_source, an_facts *facts, sxs_diag *diag)
{
    int r = 0;
    if (components &&
        ((r = components_num(components, "PoqexecFailure", "components.poqexec_failure",
                             components_source, facts, diag)) < 0 ||
         (r = components_num(components, "AdvancedInstallersNeedResolving",
                             "components.advanced_installers_need_resolving", components_source,
                             facts, diag)) < 0))
        return r;
    const an_fact *cs = an_facts_get(facts, "system.control_set");
    if (system && cs && cs->value[0] && strlen(cs->value) < 32)
        r = renames(system, cs->value, system_source, facts, diag);
    return r < 0 ? r : 0;
}
