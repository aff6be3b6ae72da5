/* analyzer/history/: in-place upgrade attempts from the setup logs (Panther setupact/setuperr,
 * $WINDOWS.~BT\Sources\Rollback, Windows\Panther\NewOS, MoSetup). One attempt per run of setup:
 * the host and target builds, each phase change, the failing operation, the fatal result (the
 * last one wins: setup logs several errors on the way down) and its extend code, rollback.
 * Lines are matched by their message prefix only, so the cost per line is a few compares. */
#include <stdio.h>
#include <string.h>

#include "analyzer/history/hist_int.h"
#include "common/sxs_errcode.h"

/* The attempt of this file, opened on the first line that belongs to setup. */
static long current(an_history *h, const an_log_line *l)
{
    if (h->setup.att >= 0)
        return h->setup.att;
    h->setup.att = hist_begin(h, AN_ATT_UPGRADE, l);
    an_attempt *a = hist_get(h, h->setup.att);
    if (a && h->setup.rollback_file)
        a->rolled_back = true;
    return h->setup.att;
}

/* "[A] -> [B]": copies A and B. */
static bool two_brackets(const char *s, char *a, size_t acap, char *b, size_t bcap)
{
    const char *p = strchr(s, '[');
    const char *q = p ? strchr(p, ']') : NULL;
    const char *r = q ? strstr(q, "-> [") : NULL;
    const char *t = r ? strchr(r + 4, ']') : NULL;
    if (!t)
        return false;
    hist_copy(a, acap, p + 1, (size_t)(q - p - 1));
    hist_copy(b, bcap, r + 4, (size_t)(t - r - 4));
    return true;
}

/* Setup's operation names (SetupPlatform's queue) -> SetupDiag's extend-code operation. */
static unsigned operation_code(const char *op)
{
    static const struct {
        const char *prefix;
        unsigned code;
    } ops[] = {
        {"Copy payload", 0x1},
        {"Download updates", 0x2},
        {"Install updates", 0x3},
        {"Install recovery environment", 0x4},
        {"Install WinRE", 0x4},
        {"Install recovery image", 0x5},
        {"Replicate OC", 0x6},
        {"Install drivers", 0x7},
        {"Prepare SafeOS", 0x8},
        {"Prepare Safe OS", 0x8},
        {"Prepare rollback", 0x9},
        {"Prepare first boot", 0xA},
        {"Prepare OOBE", 0xB},
        {"Apply WIM", 0xC},
        {"Apply image", 0xC},
        {"Migrate data", 0xD},
        {"Data migration", 0xD},
        {"Set product key", 0xE},
        {"Add unattend", 0xF},
        {"Add driver", 0x10},
        {"Add drivers", 0x10},
        {"Enable feature", 0x11},
        {"Disable feature", 0x12},
        {"Register async process", 0x13},
        {"Register sync process", 0x14},
        {"Create file", 0x15},
        {"Create registry", 0x16},
        {"Set boot command", 0x17},
        {"Sysprep", 0x18},
        {"Add provisioning package", 0x20},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strncasecmp(op, ops[i].prefix, strlen(ops[i].prefix)) == 0)
            return ops[i].code;
    return 0;
}

/* SetupPlatform's execution phase names -> extend-code phase. */
static unsigned phase_code(const char *phase)
{
    if (strcasestr(phase, "Safe OS") || strcasestr(phase, "SafeOS") || strcasestr(phase, "WinPE"))
        return 2;
    if (strcasestr(phase, "First Boot"))
        return 3;
    if (strcasestr(phase, "OOBE"))
        return 4;
    if (strcasestr(phase, "Uninstall") || strcasestr(phase, "Rollback"))
        return 5;
    if (strcasestr(phase, "Downlevel") || strcasestr(phase, "Pre-Finalize") ||
        strcasestr(phase, "Finalize"))
        return 1;
    return 0;
}

static void set_extend_from_log(an_attempt *a)
{
    if (a->has_extend || !a->phase[0])
        return;
    unsigned ph = phase_code(a->phase), op = a->operation[0] ? operation_code(a->operation) : 0;
    if (ph == 0 && op == 0)
        return;
    a->has_extend = true;
    a->extend_code = (ph << 16) | op;
}

static void fatal(an_history *h, long i, uint32_t code, const an_log_line *l)
{
    if (code == 0)
        return;
    hist_result(h, i, code, l);
    h->setup.fatal_seen = true;
}

void hist_setup_line(an_history *h, const an_log_line *l)
{
    const char *m = hist_message(h, l, NULL, NULL);
    if (!m)
        return;
    uint32_t code;
    char a1[128], a2[128];
    an_attempt *a;
    switch (m[0]) {
    case 'S':
        if (hist_starts(m, "SetupHost: Setup build version is: ")) {
            /* a new run of setup: a new attempt unless this file's one has not started yet */
            an_attempt *cur = hist_get(h, h->setup.att);
            if (cur && (cur->has_result || cur->phase[0])) {
                hist_close(h, h->setup.att, AN_ATT_UNKNOWN);
                h->setup.att = -1;
                h->setup.fatal_seen = false;
            }
            long i = current(h, l);
            if ((a = hist_get(h, i)) != NULL) {
                const char *v = m + strlen("SetupHost: Setup build version is: ");
                HIST_COPY(a->target_build, v, strcspn(v, " "));
                hist_cite(h, i, l, false);
            }
        } else if (hist_starts(m, "Setup phase change: ") &&
                   two_brackets(m, a1, sizeof(a1), a2, sizeof(a2))) {
            long i = current(h, l);
            if ((a = hist_get(h, i)) == NULL)
                return;
            if (strcmp(a2, "SetupPhaseError") == 0) {
                a->status = AN_ATT_FAILED;
                HIST_COPY(a->phase, a1, strlen(a1));
                hist_cite(h, i, l, true);
            } else if (a->status != AN_ATT_FAILED) {
                HIST_COPY(a->phase, a2, strlen(a2));
            }
        } else if (hist_starts(m, "SetupHost: Reporting error event -> [")) {
            /* "[0x80070032, 0x50013]": setup's own result and extend code */
            long i = current(h, l);
            const char *p = m + strlen("SetupHost: Reporting error event -> [");
            size_t n = sxs_errcode_parse_hex(p, strlen(p), &code);
            if (n && (a = hist_get(h, i)) != NULL && code != 0) {
                fatal(h, i, code, l);
                uint32_t ext;
                const char *q = strchr(p + n, ',');
                if (q && sxs_errcode_parse_hex(q + 1, strlen(q + 1), &ext) && ext != 0) {
                    a->has_extend = true;
                    a->extend_code = ext;
                }
            }
        }
        return;
    case 'E':
        if (hist_starts(m, "Execution phase [")) {
            /* "Execution phase [Safe OS] exiting with HRESULT [0x8007000D]" */
            const char *e = strchr(m + 17, ']');
            if (!e)
                return;
            long i = current(h, l);
            if ((a = hist_get(h, i)) == NULL)
                return;
            HIST_COPY(a->phase, m + 17, (size_t)(e - m - 17));
            if (hist_hex_after(e, "HRESULT", &code)) {
                if (code != 0) {
                    fatal(h, i, code, l);
                } else if (!h->setup.fatal_seen && a->status != AN_ATT_FAILED &&
                           (strcasestr(a->phase, "OOBE") || strcasestr(a->phase, "First Boot"))) {
                    a->status = AN_ATT_SUCCEEDED; /* the last phases of setup completed */
                    hist_cite(h, i, l, true);
                }
            }
        } else if (hist_starts(m, "ExecuteOperations: Failed execution phase ")) {
            long i = current(h, l);
            if (hist_hex_after(m, "Error:", &code))
                fatal(h, i, code, l);
        }
        return;
    case 'O':
        if (hist_starts(m, "Operation failed: ")) {
            /* "Operation failed: Apply WIM file ... to D:\$WINDOWS.~BT\NewOS. Error: 0x80070570" */
            long i = current(h, l);
            if ((a = hist_get(h, i)) == NULL)
                return;
            const char *op = m + strlen("Operation failed: ");
            const char *e = strstr(op, ". Error:");
            HIST_COPY(a->operation, op, e ? (size_t)(e - op) : strlen(op));
            hist_cite(h, i, l, true);
        }
        return;
    case 'C':
        if (hist_starts(m, "CSetupHost::Execute(") && hist_hex_after(m, "Result =", &code)) {
            fatal(h, current(h, l), code, l);
        } else if (hist_starts(m, "CDlpAction") && strstr(m, "::ExecuteRoutine(") &&
                   hist_hex_after(m, "Result =", &code) && code != 0) {
            /* "CDlpActionDataMigrate::ExecuteRoutine(691): Result = 0x80070032": the action */
            long i = current(h, l);
            if ((a = hist_get(h, i)) != NULL) {
                const char *n = m + strlen("CDlpAction");
                HIST_COPY(a->operation, n, strcspn(n, ":"));
                hist_cite(h, i, l, true);
            }
        }
        return;
    case 'M':
        if (hist_starts(m, "MoSetupPlatform: Using action error code: ") &&
            hist_hex_after(m, "error code:", &code))
            fatal(h, current(h, l), code, l);
        return;
    case 'I':
        if (hist_starts(m, "Initiating rollback")) {
            long i = current(h, l);
            if ((a = hist_get(h, i)) != NULL) {
                a->rolled_back = true;
                a->status = AN_ATT_FAILED;
                hist_cite(h, i, l, true);
            }
        }
        return;
    case 'H':
        if (hist_starts(m, "Host OS version: ") || hist_starts(m, "Host OS Build String")) {
            /* builds are noted for a run of setup already seen, never start one: OOBE and
             * install logs print them too */
            a = hist_get(h, h->setup.att);
            const char *v = strchr(m, '[');
            v = v ? v + 1 : m + strlen("Host OS version: ");
            while (*v == ' ')
                v++;
            if (a && !a->source_build[0])
                HIST_COPY(a->source_build, v, strcspn(v, " ]"));
        }
        return;
    case 'T':
        if (hist_starts(m, "Target OS: Version = [") || hist_starts(m, "Target OS version: ")) {
            a = hist_get(h, h->setup.att);
            const char *v = strchr(m, '[');
            v = v ? v + 1 : m + strlen("Target OS version: ");
            if (a)
                HIST_COPY(a->target_build, v, strcspn(v, " ]"));
        }
        return;
    case 'F':
        /* the compatibility scan's disk-space block */
        if (hist_starts(m, "Found Disk Space Hard Block")) {
            long i = current(h, l);
            if ((a = hist_get(h, i)) != NULL) {
                a->disk_space = true;
                a->status = AN_ATT_FAILED;
                hist_cite(h, i, l, true);
            }
        }
        return;
    default:
        return;
    }
}

void hist_setup_end(an_history *h)
{
    an_attempt *a = hist_get(h, h->setup.att);
    if (a) {
        set_extend_from_log(a);
        hist_close(h, h->setup.att, a->status);
    }
    h->setup.att = -1;
}
