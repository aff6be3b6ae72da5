/* The pipeline: open the evidence read-only, then for each Windows install run the
 * collectors (registry, file system, logs) and the rules, and judge the whole evidence. */
#include "diagnose/sxs_diagnose.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/boot/an_boot.h"
#include "analyzer/fs/an_fscollect.h"
#include "analyzer/evtx/an_evtlog.h"
#include "analyzer/edb/an_wudb.h"
#include "analyzer/history/an_history.h"
#include "analyzer/logs/an_logpass.h"
#include "analyzer/setupdiag/an_setupdiag.h"
#include "analyzer/fs/an_snapshots.h"
#include "analyzer/registry/an_registry.h"
#include <ctype.h>
#include <stdarg.h>

#include "common/sxs_exit.h"

const char *sxs_install_fact(const sxs_install_report *ir, const char *name)
{
    const an_fact *f = ir->facts ? an_facts_get(ir->facts, name) : NULL;
    return f ? f->value : NULL;
}

const rule_finding *sxs_install_top(const sxs_install_report *ir)
{
    return ir->findings && ir->findings->nfindings ? &ir->findings->findings[0] : NULL;
}

int sxs_verdict_exit_code(sxs_verdict v)
{
    return v == SXS_VERDICT_HEALTHY    ? SXS_EXIT_HEALTHY
           : v == SXS_VERDICT_FINDINGS ? SXS_EXIT_FINDINGS
                                       : SXS_EXIT_UNREADABLE;
}

bool sxs_valid_recovery_password(const char *s)
{
    for (int g = 0; g < 8; g++) {
        for (int i = 0; i < 6; i++, s++)
            if (!isdigit((unsigned char)*s))
                return false;
        if (*s != (g == 7 ? '\0' : '-'))
            return false;
        s++;
    }
    return true;
}

/* One run: the report being built and the options it was asked with. */
typedef struct {
    sxs_report *r;
    const sxs_diagnose_options *opt;
} run;

static void progress(const run *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const run *x, const char *fmt, ...)
{
    if (!x->opt->progress)
        return;
    char stage[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(stage, sizeof(stage), fmt, ap);
    va_end(ap);
    x->opt->progress(stage, x->opt->progress_ctx);
}

typedef struct {
    const run *x;
    unsigned install;
} log_progress_ctx;

static void log_progress(size_t index, size_t count, const char *path, void *ctx)
{
    const log_progress_ctx *c = ctx;
    progress(c->x, "installation %u: log %zu/%zu %s", c->install, index + 1, count, path);
}

/* SHA-256 of the whole evidence as the container presents it (segments concatenated for
 * split raw; for E01/VHD/VHDX/VMDK the files as stored). Reads every byte: only on --hash. */
static int hash_evidence(const fsa_evidence_info *info, char out[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return -ENOMEM;
    }
    static unsigned char buf[1 << 20];
    int rc = 0;
    for (size_t s = 0; s < info->segment_count && rc == 0; s++) {
        FILE *f = fopen(info->segments[s], "rb");
        if (!f) {
            rc = -errno;
            break;
        }
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
            EVP_DigestUpdate(ctx, buf, n);
        if (ferror(f))
            rc = -EIO;
        fclose(f);
    }
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    if (rc == 0)
        for (unsigned i = 0; i < 32; i++)
            snprintf(out + 2 * i, 3, "%02x", md[i]);
    return rc;
}

/* Facts first (registry, then file system, which reads the registry's CBS facts), then the
 * logs, then every rule over both in one pass per log. */
static void analyse_install(const run *x, sxs_install_report *ir)
{
    sxs_report *r = x->r;
    const rule_set *rules = x->opt->rules;
    const fsa_install_info *in = ir->info;
    unsigned n = in->index + 1;
    ir->facts = an_facts_new();
    if (!ir->facts) {
        sxs_diag_add(r->diag, SXS_DIAG_ERROR, NULL, -1, "out of memory");
        return;
    }
    ir->analysed = true;

    progress(x, "installation %u: registry hives", n);
    an_hive_report hives[3];
    memset(hives, 0, sizeof(hives));
    if (an_registry_collect(in->fs, in->windows_dir, ir->facts, &ir->tz, hives, r->diag) < 0)
        sxs_diag_add(r->diag, SXS_DIAG_WARN, fsa_fs_describe(in->fs), -1,
                     "installation %u: the registry could not be analysed", n);

    progress(x, "installation %u: WinSxS and file-system evidence", n);
    if (an_fs_collect(in->fs, in->windows_dir, ir->facts, r->diag) < 0)
        sxs_diag_add(r->diag, SXS_DIAG_WARN, fsa_fs_describe(in->fs), -1,
                     "installation %u: file-system evidence could not be collected", n);

    progress(x, "installation %u: boot evidence", n);
    if (an_boot_collect(in->fs, in->windows_dir, ir->facts, r->diag) < 0)
        sxs_diag_add(r->diag, SXS_DIAG_ERROR, NULL, -1,
                     "installation %u: boot evidence could not be collected: out of memory", n);

    progress(x, "installation %u: finding logs", n);
    if (an_logs_find_facts(in->fs, in->windows_dir, ir->facts, &ir->logs, &ir->n_logs, r->diag) <
        0) {
        ir->logs = NULL;
        ir->n_logs = 0;
    }
    /* SetupDiag's own conclusion, if Windows ran it after a failed upgrade */
    if (an_setupdiag_collect(in->fs, in->windows_dir, ir->logs, ir->n_logs, &ir->tz, ir->facts,
                             r->diag) < 0)
        sxs_diag_add(r->diag, SXS_DIAG_WARN, NULL, -1,
                     "installation %u: SetupDiag's results could not be collected", n);

    /* one pass over the logs feeds the rules and the servicing history */
    ir->history = an_history_new();
    rule_scan *scan = NULL;
    if (!ir->history || (rules && rule_scan_new(rules, &scan) < 0)) {
        sxs_diag_add(r->diag, SXS_DIAG_ERROR, NULL, -1, "out of memory");
        return;
    }
    an_log_consumer consumers[2];
    size_t nc = 0;
    an_history_consumer(ir->history, &consumers[nc++]);
    if (scan)
        rule_scan_consumer(scan, &consumers[nc++]);
    log_progress_ctx lp = {x, n};
    int pr = an_logs_pass(in->fs, ir->logs, ir->n_logs, &ir->tz, consumers, nc, log_progress, &lp,
                          r->diag);
    /* the event logs: Windows Update's and servicing's own records of the same installs */
    if (pr == 0) {
        progress(x, "installation %u: event logs", n);
        pr = an_evtlog_collect(in->fs, in->windows_dir, ir->history, ir->facts, r->diag);
    }
    /* and Windows Update's own history database */
    if (pr == 0) {
        progress(x, "installation %u: Windows Update database", n);
        pr = an_wudb_collect(in->fs, in->windows_dir, ir->history, ir->facts, r->diag);
    }
    if (pr == 0)
        pr = an_history_add_setupdiag(ir->history, ir->facts);
    if (pr == 0)
        pr = an_history_finish(ir->history, sxs_install_fact(ir, "os.current_build"), ir->facts);
    if (pr == 0)
        pr = an_history_driver_facts(ir->history, in->fs, in->windows_dir, ir->facts, r->diag);
    /* what the shadow copies hold of what the facts above found broken (nothing is read
     * unless the volume has shadow copies and something is broken) */
    if (pr == 0) {
        progress(x, "installation %u: shadow copies", n);
        pr = an_snapshots_collect(r->ev, in, ir->facts, r->diag);
    }
    if (pr < 0 || !scan) {
        if (pr < 0)
            sxs_diag_add(r->diag, SXS_DIAG_ERROR, NULL, -1,
                         "installation %u: the logs could not be analysed (%s)", n, strerror(-pr));
        rule_scan_free(scan);
        return;
    }
    rule_eval_input input = {
        .fs = in->fs,
        .windows_dir = in->windows_dir,
        .facts = ir->facts,
        .tz = &ir->tz,
        .target_drive = x->opt->target_drive,
        .boot_drive = x->opt->boot_drive,
    };
    rule_result *res = NULL;
    int er = rule_scan_finish(scan, &input, &res, r->diag);
    rule_scan_free(scan);
    if (er < 0) {
        sxs_diag_add(r->diag, SXS_DIAG_ERROR, NULL, -1, "installation %u: rule evaluation failed",
                     n);
        return;
    }
    ir->findings = res;
}

/* Chunks of the container that failed their own checksum while the analysis read near them:
 * the reads that needed them were refused (and named by whoever needed them); this says that
 * the image itself is damaged, which ewfverify would confirm. */
static void container_damage(sxs_report *r)
{
    fsa_range bad[4];
    size_t n = fsa_container_damage(r->ev, bad, 4);
    if (n == 0)
        return;
    char list[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && i < 4 && len < sizeof(list); i++)
        len += (size_t)snprintf(list + len, sizeof(list) - len, "%sbytes %llu-%llu", i ? ", " : "",
                                (unsigned long long)bad[i].offset,
                                (unsigned long long)(bad[i].offset + bad[i].size - 1));
    sxs_diag_add(r->diag, SXS_DIAG_WARN, r->evidence, (int64_t)bad[0].offset,
                 "the image is damaged: %zu range%s of EWF chunks fail%s their checksum (%s%s); "
                 "no data from them was used as evidence. Check the image with ewfverify and "
                 "acquire it again if you can",
                 n, n == 1 ? "" : "s", n == 1 ? "s" : "", list, n > 4 ? ", ..." : "");
}

/* Most likely cause across installs: the engine orders each install's findings; compare the
 * tops by severity, then confidence. */
static const sxs_install_report *best_install(const sxs_report *r)
{
    const sxs_install_report *best = NULL;
    for (size_t i = 0; i < r->n_installs; i++) {
        const rule_finding *f = sxs_install_top(&r->installs[i]);
        if (!f)
            continue;
        const rule_finding *b = best ? sxs_install_top(best) : NULL;
        if (!b || f->severity > b->severity ||
            (f->severity == b->severity && f->confidence > b->confidence))
            best = &r->installs[i];
    }
    return best;
}

static bool is_unread(const an_fact *f)
{
    return strncmp(f->name, "unread.", 7) == 0;
}

/* Is part the source of an unread.* fact before fact k of install i? */
static bool part_seen(const sxs_report *r, size_t i, size_t k, const char *part)
{
    for (size_t a = 0; a <= i; a++) {
        const an_facts *facts = r->installs[a].facts;
        size_t end = a < i ? an_facts_count(facts) : k;
        for (size_t b = 0; facts && b < end; b++) {
            const an_fact *f = an_facts_at(facts, b);
            if (is_unread(f) && f->source && strcmp(f->source, part) == 0)
                return true;
        }
    }
    return false;
}

/* The unread.* facts of the analysed installs: their count, and their sources (the parts
 * not read) joined into out, each once, cut to fit. */
static size_t unread_parts(const sxs_report *r, char *out, size_t cap)
{
    size_t n = 0, o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->n_installs; i++) {
        const an_facts *facts = r->installs[i].facts;
        for (size_t k = 0; facts && k < an_facts_count(facts); k++) {
            const an_fact *f = an_facts_at(facts, k);
            if (!is_unread(f))
                continue;
            n++;
            const char *part = f->source ? f->source : f->name + 7;
            if (o < cap && !part_seen(r, i, k, part)) {
                int w = snprintf(out + o, cap - o, "%s%s", o ? ", " : "", part);
                o = w < 0 ? cap : o + (size_t)w;
            }
        }
    }
    if (o >= cap && cap > 4)
        memcpy(out + cap - 4, "...", 4);
    return n;
}

/* Reads the first line of a key file into buf (cap bytes, NUL-terminated, line end cut).
 * 0, or negative with a diag naming the file (never its content). */
static int read_key_file(const char *path, const char *what, char *buf, size_t cap, sxs_diag *diag)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        int e = errno;
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "cannot read the %s file %s: %s", what, path,
                     strerror(e));
        return -e;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (!buf[0]) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1, "the %s file %s is empty", what, path);
        return -EINVAL;
    }
    return 0;
}

/* A .BEK startup key file is handed to libbde by name, which says only that it was not
 * accepted: check first that it can be read at all, so that the error names the file and what
 * is wrong with it. Its content is neither read nor shown here. 0, or negative with a diag. */
enum { BEK_HEADER = 48 }; /* a .BEK starts with a 48-byte metadata header */

static int check_bek_file(const char *path, sxs_diag *diag)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int e = fd < 0 || fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    char byte;
    if (e == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && pread(fd, &byte, 1, 0) != 1)
        e = errno ? errno : EIO;
    if (fd >= 0)
        close(fd);
    if (e) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1,
                     "cannot read the BitLocker startup key file (--bek) %s: %s", path,
                     strerror(e));
        return -e;
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1,
                     "the BitLocker startup key file (--bek) %s is empty", path);
        return -EINVAL;
    }
    if (S_ISREG(st.st_mode) && st.st_size < BEK_HEADER) {
        sxs_diag_add(diag, SXS_DIAG_ERROR, path, -1,
                     "the BitLocker startup key file (--bek) %s is %lld bytes: too short for a "
                     ".BEK file (a 48-byte header, then the key)",
                     path, (long long)st.st_size);
        return -EINVAL;
    }
    return 0;
}

/* Longest key text accepted (a BitLocker password is at most 256 characters, UTF-8 up to 4
 * bytes each; the recovery password is 55). */
#define SXS_KEY_CAP 1100

typedef struct {
    char recovery[SXS_KEY_CAP];
    char password[SXS_KEY_CAP];
} key_text;

/* Gathers the key material of opt into k and o. 0, or negative with a diag. */
static int gather_keys(const char *evidence, const sxs_diagnose_options *opt, key_text *k,
                       fsa_open_opts *o, sxs_diag *diag)
{
    const char *env = getenv("SXS_BITLOCKER_RECOVERY_PASSWORD");
    if (opt->recovery_password) {
        snprintf(k->recovery, sizeof(k->recovery), "%s", opt->recovery_password);
    } else if (opt->recovery_password_file) {
        if (read_key_file(opt->recovery_password_file, "recovery password", k->recovery,
                          sizeof(k->recovery), diag) < 0)
            return -EINVAL;
    } else if (env && *env) {
        snprintf(k->recovery, sizeof(k->recovery), "%s", env);
    }
    if (k->recovery[0]) {
        if (!sxs_valid_recovery_password(k->recovery)) {
            sxs_diag_add(diag, SXS_DIAG_ERROR, evidence, -1,
                         "the BitLocker recovery password given (%s) is not 48 digits in 8 "
                         "groups of 6 joined by '-'",
                         opt->recovery_password        ? "--recovery-password"
                         : opt->recovery_password_file ? "--recovery-password-file"
                                                       : "SXS_BITLOCKER_RECOVERY_PASSWORD");
            return -EINVAL;
        }
        o->recovery_password = k->recovery;
    }
    if (opt->password_file) {
        if (read_key_file(opt->password_file, "BitLocker password", k->password,
                          sizeof(k->password), diag) < 0)
            return -EINVAL;
        o->password = k->password;
    }
    if (opt->bek_file) {
        if (check_bek_file(opt->bek_file, diag) < 0)
            return -EINVAL;
        o->startup_key_file = opt->bek_file;
    }
    o->snapshot = opt->snapshot;
    return 0;
}

/* Fills r (evidence and diag set, verdict unreadable) for evidence. */
static void build(sxs_report *r, const sxs_diagnose_options *opt)
{
    const run x = {r, opt};
    const char *evidence = r->evidence;
    const rule_set *rules = opt->rules;

    key_text keys = {0};
    fsa_open_opts fo = {0};
    int opened = gather_keys(evidence, opt, &keys, &fo, r->diag);
    if (opened == 0)
        opened = fsa_open_ex(evidence, &fo, r->diag, &r->ev);
    explicit_bzero(&keys, sizeof(keys));
    explicit_bzero(&fo, sizeof(fo));
    if (opened < 0) {
        snprintf(r->summary, sizeof(r->summary), "the evidence %s could not be read", evidence);
        return;
    }
    if (opt->hash) {
        int hr = hash_evidence(fsa_info(r->ev), r->sha256);
        if (hr < 0)
            sxs_diag_add(r->diag, SXS_DIAG_WARN, evidence, -1, "could not hash the evidence: %s",
                         strerror(-hr));
    }

    r->n_installs = fsa_install_count(r->ev);
    if (r->n_installs == 0) {
        snprintf(r->summary, sizeof(r->summary),
                 "no Windows installation found on %s (no volume holds "
                 "Windows\\System32\\config\\SOFTWARE)",
                 evidence);
        sxs_diag_add(r->diag, SXS_DIAG_ERROR, evidence, -1, "no Windows installation found");
        return;
    }
    if (opt->install > 0 && (size_t)opt->install > r->n_installs) {
        snprintf(r->summary, sizeof(r->summary),
                 "--install %d asked, but %s holds %zu Windows installation(s)", opt->install,
                 evidence, r->n_installs);
        sxs_diag_add(r->diag, SXS_DIAG_ERROR, evidence, -1, "%s", r->summary);
        r->n_installs = 0;
        return;
    }
    r->installs = calloc(r->n_installs, sizeof(*r->installs));
    if (!r->installs) {
        r->n_installs = 0;
        sxs_diag_add(r->diag, SXS_DIAG_ERROR, NULL, -1, "out of memory");
        return;
    }

    for (size_t i = 0; i < r->n_installs; i++) {
        sxs_install_report *ir = &r->installs[i];
        ir->info = fsa_install(r->ev, i);
        if (opt->install > 0 && (size_t)opt->install != i + 1)
            continue;
        analyse_install(&x, ir);
    }
    container_damage(r);

    /* Evidence a rule needs that could not be read (unread.* facts: a hive, its keys, a log,
     * the WinSxS listing): never HEALTHY; named in the summary either way. */
    char unread[256];
    size_t n_unread = unread_parts(r, unread, sizeof(unread));
    const sxs_install_report *best = best_install(r);
    if (best) {
        const rule_finding *f = sxs_install_top(best);
        size_t total = 0;
        for (size_t i = 0; i < r->n_installs; i++)
            total += r->installs[i].findings ? r->installs[i].findings->nfindings : 0;
        r->verdict = SXS_VERDICT_FINDINGS;
        r->primary_id = f->id;
        snprintf(r->summary, sizeof(r->summary),
                 "most likely cause: %s, %s (installation %u; %s confidence)%s%s%s", f->id,
                 f->title, best->info->index + 1, rule_confidence_name(f->confidence),
                 total > 1 ? "; see the other findings below" : "",
                 n_unread ? "; not read, so not checked: " : "", n_unread ? unread : "");
        return;
    }
    /* No rule fired, yet the history holds a failure no later attempt resolved (only with
     * --no-builtin-rules: the shipped UPGRADE-FAILED / UPDATE-FAILED rules name it): that is
     * not a clean bill of health either. */
    size_t unresolved = 0;
    for (size_t i = 0; i < r->n_installs; i++)
        unresolved += an_history_unresolved(r->installs[i].history);
    if (unresolved) {
        r->verdict = SXS_VERDICT_FINDINGS;
        snprintf(r->summary, sizeof(r->summary),
                 "no loaded rule explains %zu unresolved failed attempt(s) in the servicing "
                 "history (see the history)",
                 unresolved);
        return;
    }
    /* Nothing found, but part of the evidence could not be read (an unreadable hive, a
     * damaged log): that is not a clean bill of health. */
    size_t errors = sxs_diag_count_level(r->diag, SXS_DIAG_ERROR);
    if (n_unread || errors) {
        r->verdict = SXS_VERDICT_UNREADABLE;
        if (n_unread)
            snprintf(r->summary, sizeof(r->summary),
                     "no known cause found in what could be read, but %zu part(s) of the "
                     "evidence the rules need could not be read: %s (see the errors)",
                     n_unread, unread);
        else
            snprintf(r->summary, sizeof(r->summary),
                     "no known cause found in what could be read, but %zu part(s) of the "
                     "evidence could not be read (see the errors)",
                     errors);
        return;
    }
    r->verdict = SXS_VERDICT_HEALTHY;
    snprintf(r->summary, sizeof(r->summary),
             "no known cause of an update failure found (%zu rule(s) checked)",
             rules ? rule_set_count(rules) : (size_t)0);
    return;
}

int sxs_diagnose(const char *evidence, const sxs_diagnose_options *opt, sxs_report **ret_report)
{
    sxs_report *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->verdict = SXS_VERDICT_UNREADABLE;
    r->evidence = strdup(evidence);
    r->diag = sxs_diag_new();
    if (!r->evidence || !r->diag) {
        sxs_report_free(r);
        return -ENOMEM;
    }
    build(r, opt);
    *ret_report = r;
    return 0;
}

sxs_report *sxs_report_new_failed(const char *evidence, const char *message)
{
    sxs_report *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->verdict = SXS_VERDICT_UNREADABLE;
    r->evidence = strdup(evidence);
    r->diag = sxs_diag_new();
    if (!r->evidence || !r->diag) {
        sxs_report_free(r);
        return NULL;
    }
    snprintf(r->summary, sizeof(r->summary), "%s", message);
    sxs_diag_add(r->diag, SXS_DIAG_ERROR, evidence, -1, "%s", message);
    return r;
}

void sxs_report_free(sxs_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_installs; i++) {
        an_facts_free(r->installs[i].facts);
        rule_result_free(r->installs[i].findings);
        an_history_free(r->installs[i].history);
        an_logs_free(r->installs[i].logs, r->installs[i].n_logs);
    }
    free(r->installs);
    fsa_close(r->ev);
    sxs_diag_free(r->diag);
    free(r->evidence);
    free(r);
}
