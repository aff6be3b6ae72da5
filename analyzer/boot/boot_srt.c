/* SrtTrail.txt collector and parser (see boot_srt.h). The log, as Startup Repair writes it:
 *   Startup Repair diagnosis and repair log
 *   ---------------------------
 *   Last successful boot time: 8/14/2025 7:02:12 AM (GMT)
 *   Number of repair attempts: 2
 *
 *   Session details
 *   ---------------------------
 *   ...
 *   Test Performed:
 *   ---------------------------
 *   Name: Check for pending package install
 *   Result: Completed successfully. Error code =  0x0
 *   ...
 *   Root cause found:
 *   ---------------------------
 *   A patch is preventing the system from starting.
 *
 *   Repair action: Uninstall patch
 *   Result: Failed. Error code =  0x80073712
 *   Time taken = 5563 ms
 * A root cause is the first line after "Root cause found:" that is not blank or dashes; a
 * repair action is its "Repair action:" line with the "Result:" line that follows it. */
#include "analyzer/boot/boot_srt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/fs/an_fsfacts.h"
#include "common/sxs_utf16.h"

/* SrtTrail.txt is a few KiB; Startup Repair rewrites it per run. A bigger file is read this
 * far (a warning says so). */
#define SRT_MAX_BYTES (4u * 1024 * 1024)

static bool starts_ci(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && strncasecmp(s, prefix, k) == 0;
}

/* One line: [s, s + n) without blanks and CR at either end. */
static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t'))
        (*s)++, (*n)--;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

static bool dashes(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '-')
            return false;
    return true;
}

/* Copies a line into dst as text: control bytes become spaces, cut to fit. */
static void put_text(char *dst, size_t cap, const char *s, size_t n)
{
    size_t k = n < cap - 1 ? n : cap - 1;
    for (size_t i = 0; i < k; i++)
        dst[i] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
    dst[k] = '\0';
}

typedef enum { WANT_NONE, WANT_CAUSE, WANT_RESULT } srt_want;

int boot_srt_parse(const char *text, size_t len, boot_srt_result *ret)
{
    boot_srt_result *r = ret;
    memset(r, 0, sizeof(*r));
    r->attempts = -1;
    bool header = false;
    unsigned session = 0;
    srt_want w = WANT_NONE;
    int64_t line = 0, cause_line = 0;
    boot_srt_item *repair = NULL;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *s = text + pos;
        size_t n = end - pos;
        pos = nl ? end + 1 : len;
        line++;
        trim(&s, &n);
        if (starts_ci(s, n, "Startup Repair diagnosis and repair log")) {
            header = true;
            continue;
        }
        if (starts_ci(s, n, "Session details")) {
            session++;
            w = WANT_NONE;
            continue;
        }
        if (starts_ci(s, n, "Number of repair attempts:")) {
            /* digits within the line only: the text is not NUL-terminated */
            int64_t v = 0;
            size_t k = 26;
            while (k < n && s[k] == ' ')
                k++;
            bool any = false;
            for (; k < n && s[k] >= '0' && s[k] <= '9' && v < 1000000000; k++, any = true)
                v = v * 10 + (s[k] - '0');
            if (any)
                r->attempts = v;
            continue;
        }
        if (starts_ci(s, n, "Root cause found:")) {
            w = WANT_CAUSE;
            cause_line = line;
            repair = NULL;
            continue;
        }
        if (w == WANT_CAUSE) {
            if (n == 0 || dashes(s, n))
                continue;
            w = WANT_NONE;
            if (r->n_causes == BOOT_SRT_MAX_ITEMS) {
                r->dropped++;
                continue;
            }
            boot_srt_item *c = &r->causes[r->n_causes++];
            put_text(c->text, sizeof(c->text), s, n);
            c->line = cause_line;
            c->session = session ? session : 1;
            continue;
        }
        if (starts_ci(s, n, "Repair action:")) {
            repair = NULL;
            if (r->n_repairs == BOOT_SRT_MAX_ITEMS) {
                r->dropped++;
                continue;
            }
            const char *a = s + 14;
            size_t an = n - 14;
            trim(&a, &an);
            repair = &r->repairs[r->n_repairs++];
            put_text(repair->text, sizeof(repair->text), a, an);
            repair->line = line;
            repair->session = session ? session : 1;
            w = WANT_RESULT;
            continue;
        }
        if (w == WANT_RESULT && repair && starts_ci(s, n, "Result:")) {
            const char *a = s + 7;
            size_t an = n - 7;
            trim(&a, &an);
            size_t used = strlen(repair->text);
            if (used + 3 < sizeof(repair->text)) {
                memcpy(repair->text + used, ": ", 2);
                put_text(repair->text + used + 2, sizeof(repair->text) - used - 2, a, an);
            }
            repair->success = starts_ci(a, an, "Completed successfully");
            repair = NULL;
            w = WANT_NONE;
        }
    }
    r->sessions = session ? session : 1;
    if (!header && r->n_causes == 0)
        return -EBADMSG;
    return 0;
}

const char *boot_srt_cause_kind(const char *c)
{
    static const struct {
        const char *needle, *kind;
    } kinds[] = {
        {"patch is preventing", "patch"},
        {"boot critical file", "boot-file"},
        {"boot configuration", "boot-config"},
        {"boot manager", "boot-config"},
        {"os loader", "boot-config"},
        {"registry", "registry"},
        {"bugcheck", "bugcheck"},
        {"hard disk", "disk"},
        {"disk metadata", "disk"},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcasestr(c, kinds[i].needle))
            return kinds[i].kind;
    return "other";
}

/* "Boot critical file c:\windows\system32\drivers\x.sys is corrupt." -> the path. */
static bool cause_file(const char *c, char *out, size_t cap)
{
    const char *p = strcasestr(c, "boot critical file ");
    if (!p)
        return false;
    p += 19;
    const char *e = strcasestr(p, " is corrupt");
    if (!e || e == p || (size_t)(e - p) >= cap)
        return false;
    memcpy(out, p, (size_t)(e - p));
    out[e - p] = '\0';
    return true;
}

/* The file's bytes as UTF-8 text (UTF-16LE with or without BOM, UTF-8 with or without BOM). */
static char *decode(const uint8_t *b, size_t n, size_t *ret_len)
{
    bool u16 = n >= 2 && b[0] == 0xFF && b[1] == 0xFE;
    size_t skip = u16 ? 2 : 0;
    if (!u16 && n >= 4 && b[1] == 0 && b[3] == 0 && b[0] && b[2])
        u16 = true; /* no BOM, but "S\0t\0" */
    if (!u16) {
        if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
            skip = 3;
        char *t = malloc(n - skip + 1);
        if (!t)
            return NULL;
        memcpy(t, b + skip, n - skip);
        t[n - skip] = '\0';
        *ret_len = n - skip;
        return t;
    }
    char *t = sxs_utf16le_to_utf8_dup(b + skip, (n - skip) / 2, 0);
    if (t)
        *ret_len = strlen(t); /* the converter keeps NUL units out */
    return t;
}

static int add_facts(const boot_srt_result *r, const char *path, an_facts *facts)
{
    int rc;
    if ((rc = an_facts_add_num(facts, "srt.sessions", r->sessions, path, -1)) < 0 ||
        (r->attempts >= 0 &&
         (rc = an_facts_add_num(facts, "srt.repair_attempts", r->attempts, path, -1)) < 0))
        return rc;
    for (size_t i = 0; i < r->n_causes; i++)
        if ((rc = an_facts_add_str_line(facts, "srt.root_cause", r->causes[i].text, path,
                                        r->causes[i].line)) < 0)
            return rc;
    for (size_t i = 0; i < r->n_repairs; i++)
        if ((rc = an_facts_add_str_line(facts, "srt.repair", r->repairs[i].text, path,
                                        r->repairs[i].line)) < 0)
            return rc;
    /* the newest session (Startup Repair appends one per run); its repairs, and whether one
     * of them worked */
    unsigned last = r->sessions;
    bool repaired = false, has_cause = false;
    for (size_t i = 0; i < r->n_repairs; i++) {
        if (r->repairs[i].session != last)
            continue;
        repaired |= r->repairs[i].success;
        if ((rc = an_facts_add_str_line(facts, "srt.last.repair", r->repairs[i].text, path,
                                        r->repairs[i].line)) < 0)
            return rc;
    }
    for (size_t i = 0; i < r->n_causes; i++)
        has_cause |= r->causes[i].session == last;
    if (!has_cause)
        return 0;
    for (size_t i = 0; i < r->n_causes; i++) {
        const boot_srt_item *c = &r->causes[i];
        if (c->session != last)
            continue;
        char file[BOOT_SRT_TEXT];
        if ((rc = an_facts_add_str_line(facts, "srt.last.root_cause", c->text, path, c->line)) <
                0 ||
            (rc = an_facts_add_str_line(facts, "srt.last.kind", boot_srt_cause_kind(c->text), path,
                                        c->line)) < 0 ||
            (cause_file(c->text, file, sizeof(file)) &&
             (rc = an_facts_add_str_line(facts, "srt.last.file", file, path, c->line)) < 0))
            return rc;
    }
    return an_facts_add_bool(facts, "srt.last.repaired", repaired, path);
}

int an_boot_srt_collect(fsa_fs *fs, const char *windows_dir, an_facts *facts, sxs_diag *diag)
{
    char path[AN_FS_PATH_MAX];
    if (an_fs_join(path, sizeof(path), windows_dir, "System32/LogFiles/Srt/SrtTrail.txt") < 0)
        return 0;
    fsa_stat st;
    int r = an_fs_presence_fact(fs, path, false, "srt.present", facts, diag, &st);
    if (r <= 0)
        return r == -ENOMEM ? r : 0;
    fsa_file *f = NULL;
    if ((r = fsa_file_open(fs, path, &f)) <= 0)
        return r == 0 ? 0
                      : an_fs_unread(fs, path, r, "log", "Startup Repair's conclusion was not read",
                                     facts, diag);
    uint64_t size = fsa_file_size(f);
    size_t want = size < SRT_MAX_BYTES ? (size_t)size : SRT_MAX_BYTES;
    if (size > SRT_MAX_BYTES)
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1, "%s: %llu bytes, only the first %u read", path,
                     (unsigned long long)size, SRT_MAX_BYTES);
    uint8_t *buf = malloc(want ? want : 1);
    if (!buf) {
        fsa_file_close(f);
        return -ENOMEM;
    }
    size_t got;
    int n = fsa_file_read_full(f, 0, buf, want, &got);
    if (n < 0) {
        r = an_fs_unread(fs, path, n, "log", "Startup Repair's conclusion was not read", facts,
                         diag);
        free(buf);
        fsa_file_close(f);
        return r;
    }
    fsa_file_close(f);
    size_t tlen = 0;
    char *text = decode(buf, got, &tlen);
    free(buf);
    if (!text)
        return -ENOMEM;
    boot_srt_result *res = malloc(sizeof(*res));
    if (!res) {
        free(text);
        return -ENOMEM;
    }
    r = boot_srt_parse(text, tlen, res);
    free(text);
    if (r < 0) {
        sxs_diag_add(diag, SXS_DIAG_WARN, path, -1,
                     "%s is not a Startup Repair log (no header, no root cause); not read", path);
        r = 0;
    } else {
        if (res->dropped)
            sxs_diag_add(diag, SXS_DIAG_WARN, path, -1,
                         "%s: %zu root causes or repair actions beyond the first %d not kept", path,
                         res->dropped, BOOT_SRT_MAX_ITEMS);
        r = add_facts(res, path, facts);
    }
    free(res);
    return r;
}
