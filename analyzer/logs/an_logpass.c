/* The single pass over an install's logs, fanned out to every consumer (an_logpass.h). */
#include "analyzer/logs/an_logpass.h"

#include <errno.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    const an_log_consumer *c;
    size_t n;
} fanout;

static int fan_line(const an_log_line *line, void *ctx)
{
    const fanout *f = ctx;
    for (size_t i = 0; i < f->n; i++)
        if (f->c[i].line)
            f->c[i].line(line, f->c[i].ctx);
    return 0;
}

int an_logs_pass(fsa_fs *fs, const an_log_file *logs, size_t nlogs, const an_tz *tz,
                 const an_log_consumer *consumers, size_t nconsumers,
                 an_logpass_progress_cb progress, void *progress_ctx, sxs_diag *diag)
{
    if (nlogs && !logs)
        return -EINVAL;
    fanout f = {consumers, nconsumers};
    int r = 0;
    for (size_t i = 0; i < nlogs && r == 0; i++) {
        const an_log_file *lf = &logs[i];
        if (progress)
            progress(i, nlogs, lf->path, progress_ctx);
        if (!fs) {
            for (size_t k = 0; k < nconsumers; k++)
                if (consumers[k].family_present)
                    consumers[k].family_present(lf->family, consumers[k].ctx);
            continue;
        }
        for (size_t k = 0; k < nconsumers && r == 0; k++)
            if (consumers[k].file_begin)
                r = consumers[k].file_begin(lf->family, lf->path, consumers[k].ctx);
        if (r < 0)
            break;
        an_log_stats st = {0};
        double t0 = now_s();
        int sr = an_log_stream(fs, lf, tz, fan_line, &f, &st, diag);
        double t1 = now_s();
        if (sr < 0)
            sxs_diag_add(diag, SXS_DIAG_WARN, lf->path, -1,
                         "log could not be read to the end (%d); %llu lines were analysed", sr,
                         (unsigned long long)st.lines);
        for (size_t k = 0; k < nconsumers && r == 0; k++)
            if (consumers[k].file_end)
                r = consumers[k].file_end(st.bytes, t1 - t0, consumers[k].ctx);
    }
    return r;
}
