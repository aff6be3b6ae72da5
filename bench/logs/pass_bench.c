/* Rule-pass benchmark: streams one log once through the whole rule pack, with or without the
 * servicing-history collector beside it (the single pass sxsdoctor runs), and prints MB/s per
 * CPU second, wall seconds and peak RSS. bench/logs/history.sh runs both modes interleaved and
 * prints the medians and their ratio.
 *   pass_bench RULES_DIR FAMILY LOGFILE rules|rules+history [scalar|ssse3|avx2|avx512vbmi]
 * (the last: the literal pass's implementation, forced; default the CPU's best) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "analyzer/history/an_history.h"
#include "rules/rule.h"
#include "rules/rule_scan_int.h"

typedef struct {
    rule_scan *scan;
    an_history *hist;
} fan;

static int on_line(const an_log_line *ln, void *ctx)
{
    fan *f = ctx;
    rule_scan_line_cb(ln, f->scan);
    if (f->hist)
        an_history_line_cb(ln, f->hist);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr,
                "usage: %s RULES_DIR FAMILY LOGFILE rules|rules+history "
                "[scalar|ssse3|avx2|avx512vbmi]\n",
                argv[0]);
        return 2;
    }
    int fam = an_log_family_from_name(argv[2]);
    bool with_history = strcmp(argv[4], "rules+history") == 0;
    rule_set *rs = rule_set_new();
    if (fam < 0 || !rs || rule_set_load_dir(rs, argv[1], NULL, NULL) < 0) {
        fprintf(stderr, "bad family or rules\n");
        return 2;
    }
    fan f = {0};
    if (rule_scan_new(rs, &f.scan) < 0 || (with_history && !(f.hist = an_history_new())))
        return 1;
    if (argc == 6) {
        static const char *const names[] = {"scalar", "ssse3", "avx2", "avx512vbmi"};
        static const rule_lit_impl impls[] = {RULE_LIT_SCALAR, RULE_LIT_SSSE3, RULE_LIT_AVX2,
                                              RULE_LIT_AVX512VBMI};
        size_t k = 0;
        while (k < 4 && strcmp(argv[5], names[k]) != 0)
            k++;
        rule_litset *ls = f.scan->fam[fam].ls;
        if (k == 4 || (ls && rule_litset_use(ls, impls[k]) != 0)) {
            fprintf(stderr, "literal pass %s: unknown or not on this CPU\n", argv[5]);
            return 2;
        }
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    an_log_stats st = {0};
    rule_scan_file_begin(f.scan, (an_log_family)fam, argv[3]);
    if (f.hist)
        an_history_file_begin(f.hist, (an_log_family)fam, argv[3]);
    if (an_log_stream_host(argv[3], (an_log_family)fam, NULL, on_line, &f, &st, NULL) != 0)
        return 1;
    rule_scan_file_end(f.scan, st.bytes, 0);
    an_facts *facts = an_facts_new();
    if (f.hist) {
        an_history_file_end(f.hist);
        an_history_finish(f.hist, NULL, facts);
    }
    rule_eval_input in = {.facts = facts};
    rule_result *res = NULL;
    rule_scan_finish(f.scan, &in, &res, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    double cpu = user + sys;
    /* sys is mostly the kernel copying the file into the read buffer, which any reader pays;
     * MBps_per_user_second is the decoder's and the rules' own speed */
    printf("mode=%s lines=%llu bytes=%llu attempts=%zu findings=%zu seconds=%.3f "
           "cpu_seconds=%.3f user_seconds=%.3f sys_seconds=%.3f MBps_per_cpu_second=%.1f "
           "MBps_per_user_second=%.1f maxrss_kib=%ld\n",
           argv[4], (unsigned long long)st.lines, (unsigned long long)st.bytes,
           an_history_count(f.hist), res ? res->nfindings : 0, s, cpu, user, sys,
           (double)st.bytes / 1e6 / cpu, (double)st.bytes / 1e6 / user, ru.ru_maxrss);
    rule_result_free(res);
    an_facts_free(facts);
    an_history_free(f.hist);
    rule_scan_free(f.scan);
    rule_set_free(rs);
    return 0;
}
