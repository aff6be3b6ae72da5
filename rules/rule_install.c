/* rules/: evaluation of one Windows install: streams each of its logs once through the
 * analyzer's decoder into the engine (one pass, all rules), then evaluates with the facts.
 * Kept apart from rule_scan.c so the compiler and engine link without the log decoder. */
#include <errno.h>
#include <time.h>

#include "rules/rule_scan_int.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int rule_eval_install(const rule_set *rs, const rule_eval_input *in, rule_result **ret,
                      sxs_diag *diag)
{
    if (!rs || !in || !ret || (in->nlogs && !in->logs))
        return -EINVAL;
    rule_scan *s;
    int r = rule_scan_new(rs, &s);
    if (r < 0)
        return r;
    for (size_t i = 0; i < in->nlogs; i++) {
        const an_log_file *lf = &in->logs[i];
        if (in->progress)
            in->progress(i, in->nlogs, lf->path, in->progress_ctx);
        if (!in->fs) {
            rule_scan_family_present(s, lf->family);
            continue;
        }
        if ((r = rule_scan_file_begin(s, lf->family, lf->path)) < 0)
            break;
        an_log_stats st = {0};
        double t0 = now_s();
        int sr = an_log_stream(in->fs, lf, in->tz, rule_scan_line_cb, s, &st, diag);
        double t1 = now_s();
        if (sr < 0)
            sxs_diag_add(diag, SXS_DIAG_WARN, lf->path, -1,
                         "log could not be read to the end (%d); rules saw %llu lines", sr,
                         (unsigned long long)st.lines);
        if ((r = rule_scan_file_end(s, st.bytes, t1 - t0)) < 0)
            break;
    }
    if (r == 0)
        r = rule_scan_finish(s, in, ret, diag);
    rule_scan_free(s);
    return r;
}
