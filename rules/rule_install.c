/* rules/: evaluation of one Windows install: streams each of its logs once through the
 * analyzer's single log pass into the engine (all rules in one pass), then evaluates with the
 * facts. Kept apart from rule_scan.c so the compiler and engine link without the log decoder. */
#include <errno.h>

#include "analyzer/logs/an_logpass.h"
#include "rules/rule_scan_int.h"

static int c_begin(an_log_family family, const char *path, void *ctx)
{
    return rule_scan_file_begin(ctx, family, path);
}

static int c_end(uint64_t bytes, double seconds, void *ctx)
{
    return rule_scan_file_end(ctx, bytes, seconds);
}

static void c_present(an_log_family family, void *ctx)
{
    rule_scan_family_present(ctx, family);
}

void rule_scan_consumer(rule_scan *s, an_log_consumer *ret)
{
    *ret = (an_log_consumer){.file_begin = c_begin,
                             .line = rule_scan_line_cb,
                             .file_end = c_end,
                             .family_present = c_present,
                             .ctx = s};
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
    an_log_consumer c;
    rule_scan_consumer(s, &c);
    r = an_logs_pass(in->fs, in->logs, in->nlogs, in->tz, &c, 1, in->progress, in->progress_ctx,
                     diag);
    if (r == 0)
        r = rule_scan_finish(s, in, ret, diag);
    rule_scan_free(s);
    return r;
}
