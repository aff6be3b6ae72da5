/* Log-reading benchmark: streams one log through an_log_stream_host and prints lines, bytes,
 * throughput (MB/s, wall clock, decode + split + timestamp parse, no rules) and peak RSS
 * (getrusage ru_maxrss of this process), and MB per CPU-second (user + system). Used by
 * bench/logs/run.sh on a generated 300 MB CBS log; also a handy "cat" for checking a log: --show N
 * prints line N with its provenance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "analyzer/logs/an_log.h"

typedef struct {
    uint64_t show;
    uint64_t timed;
    uint64_t text_bytes;
} bench_ctx;

static int on_line(const an_log_line *ln, void *vctx)
{
    bench_ctx *c = vctx;
    c->text_bytes += ln->len;
    if (ln->has_time)
        c->timed++;
    if (ln->line_no == c->show)
        printf("line %llu offset %llu time '%s' %lld utc=%d trunc=%d: %s\n",
               (unsigned long long)ln->line_no, (unsigned long long)ln->offset, ln->time_text,
               (long long)ln->time, ln->time_is_utc, ln->truncated, ln->text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s FAMILY LOGFILE [--show N] [--repeat K]\n", argv[0]);
        return 2;
    }
    int fam = an_log_family_from_name(argv[1]);
    if (fam < 0) {
        fprintf(stderr, "unknown family %s\n", argv[1]);
        return 2;
    }
    bench_ctx c = {0};
    int repeat = 1;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--show") == 0)
            c.show = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--repeat") == 0)
            repeat = atoi(argv[i + 1]);
    }
    an_log_stats st = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < repeat; k++) {
        int rc = an_log_stream_host(argv[2], (an_log_family)fam, NULL, on_line, &c, &st, NULL);
        if (rc != 0) {
            fprintf(stderr, "stream failed: %d\n", rc);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("lines=%llu timed=%llu bytes=%llu nul_runs=%llu binary=%llu truncated=%llu "
           "encoding=%s\n",
           (unsigned long long)st.lines, (unsigned long long)c.timed / (unsigned)repeat,
           (unsigned long long)st.bytes, (unsigned long long)st.nul_runs,
           (unsigned long long)st.binary_bytes, (unsigned long long)st.lines_truncated,
           st.encoding);
    /* CPU time too: on a loaded machine wall-clock MB/s understates the per-core speed. */
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("seconds=%.3f MBps=%.1f cpu_seconds=%.3f MBps_per_cpu_second=%.1f maxrss_kib=%ld\n", s,
           (double)st.bytes * repeat / 1e6 / s, cpu, (double)st.bytes * repeat / 1e6 / cpu,
           ru.ru_maxrss);
    return 0;
}
