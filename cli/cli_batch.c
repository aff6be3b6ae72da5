/* Many evidence in one run, each in a worker process of its own: a parser bug, an abort or
 * a signal in one takes only that evidence down (it gets an error report naming the signal,
 * exit 3), never the batch. At most --jobs workers at once; their reports are held by the
 * parent and printed in input order, so the output does not depend on --jobs. Workers'
 * stderr lines are forwarded prefixed with the evidence (with several evidence); their
 * progress stages come back through a pipe and are drawn here as "disk i/n: name: stage". */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli_escape.h"
#include "cli/cli_progress.h"
#include "cli/cli_run.h"
#include "common/sxs_exit.h"
#include "common/sxs_limits.h"

enum { P_OUT, P_ERR, P_PROG, P_N };

/* One worker: the evidence it analyses and what it sent back so far. */
typedef struct {
    size_t index;
    pid_t pid;   /* 0 when it could not be started */
    int fd[P_N]; /* read ends; -1 once at EOF */
    char *out;   /* the rendered report */
    size_t out_len, out_cap;
    bool too_big;   /* the report passed SXS_MAX_REPORT_SIZE: dropped */
    char err[1024]; /* the stderr line being assembled */
    size_t err_len;
    char prog[256]; /* the progress line being assembled */
    size_t prog_len;
    int done_code; /* the exit code the worker announced after writing its report, or -1 */
    bool reaped;
    int status;        /* from waitpid */
    char failure[160]; /* why it could not be started, or "" */
} worker;

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGABRT:
        return "SIGABRT";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGILL:
        return "SIGILL";
    case SIGKILL:
        return "SIGKILL";
    case SIGTERM:
        return "SIGTERM";
    case SIGINT:
        return "SIGINT";
    case SIGPIPE:
        return "SIGPIPE";
    case SIGXCPU:
        return "SIGXCPU";
    case SIGXFSZ:
        return "SIGXFSZ";
    case SIGSYS:
        return "SIGSYS";
    default:
        return "a signal";
    }
}

static const char *name_of(const cli_run *run, const worker *w)
{
    return run->inputs->paths[w->index];
}

static void close_fd(worker *w, int k)
{
    if (w->fd[k] >= 0)
        close(w->fd[k]);
    w->fd[k] = -1;
}

/* The worker process: stdout and stderr into the pipes, the analysis, then the announced
 * exit code on the progress pipe once the report is flushed. Never returns. */
static void worker_main(const cli_run *run, worker *w, const int pipes[P_N][2], const worker *all,
                        size_t n_all)
{
    for (size_t i = 0; i < n_all; i++) /* the other workers' read ends */
        for (int k = 0; k < P_N; k++)
            if (all[i].fd[k] >= 0 && &all[i] != w)
                close(all[i].fd[k]);
    for (int k = 0; k < P_N; k++)
        close(pipes[k][0]);
    if (dup2(pipes[P_OUT][1], STDOUT_FILENO) < 0 || dup2(pipes[P_ERR][1], STDERR_FILENO) < 0)
        _exit(SXS_EXIT_UNREADABLE);
    close(pipes[P_OUT][1]);
    close(pipes[P_ERR][1]);
    int prog = pipes[P_PROG][1];
    int rc = cli_run_one(run, w->index, stdout, run->progress ? prog : -1);
    fflush(stderr);
    char done[32];
    int n = snprintf(done, sizeof(done), "=%d\n", rc);
    if (write(prog, done, (size_t)n) != n)
        rc = SXS_EXIT_OUTPUT;
    close(prog);
    exit(rc); /* exit, not _exit: the sanitizers' leak check runs here */
}

static int start(const cli_run *run, worker *w, size_t index, worker *all, size_t n_all)
{
    memset(w, 0, sizeof(*w));
    w->index = index;
    w->done_code = -1;
    for (int k = 0; k < P_N; k++)
        w->fd[k] = -1;
    int pipes[P_N][2];
    int made = 0;
    for (; made < P_N; made++)
        if (pipe(pipes[made]) < 0)
            break;
    pid_t pid = -1;
    if (made == P_N) {
        fflush(stdout);
        fflush(stderr);
        pid = fork();
    }
    if (pid == 0)
        worker_main(run, w, (const int(*)[2])pipes, all, n_all);
    int e = errno;
    for (int k = 0; k < made; k++) {
        close(pipes[k][1]);
        if (pid > 0)
            w->fd[k] = pipes[k][0];
        else
            close(pipes[k][0]);
    }
    if (pid < 0) {
        snprintf(w->failure, sizeof(w->failure), "could not start its analysis: %s", strerror(e));
        w->reaped = true;
        return -e;
    }
    w->pid = pid;
    return 0;
}

static void forward_err_line(const cli_run *run, worker *w)
{
    cli_progress_done();
    if (run->inputs->count > 1) {
        cli_put_value(stderr, name_of(run, w));
        fputs(": ", stderr);
    }
    fwrite(w->err, 1, w->err_len, stderr);
    if (w->err_len == 0 || w->err[w->err_len - 1] != '\n')
        fputc('\n', stderr);
    fflush(stderr);
    w->err_len = 0;
}

/* Draws a stage; control characters (evidence names are evidence text) become '?'. */
static void show_stage(const cli_run *run, const worker *w, char *stage)
{
    for (char *p = stage; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (run->inputs->count > 1) {
        /* the file name: the line must fit a terminal; stderr lines carry the whole path */
        const char *path = name_of(run, w);
        const char *base = strrchr(path, '/');
        char name[64];
        snprintf(name, sizeof(name), "%s", base && base[1] ? base + 1 : path);
        for (char *p = name; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
        cli_progress("disk %zu/%zu: %s: %s", w->index + 1, run->inputs->count, name, stage);
    } else {
        cli_progress("sxsdoctor: %s", stage);
    }
}

static void take_prog_line(const cli_run *run, worker *w)
{
    w->prog[w->prog_len] = '\0';
    if (w->prog[0] == '=')
        w->done_code = atoi(w->prog + 1);
    else if (w->prog[0] == '-')
        show_stage(run, w, w->prog + 1);
    w->prog_len = 0;
}

static void take(const cli_run *run, worker *w, int k, const char *buf, size_t n)
{
    if (k == P_OUT) {
        if (w->too_big || w->out_len + n > SXS_MAX_REPORT_SIZE) {
            w->too_big = true;
            return;
        }
        if (w->out_len + n > w->out_cap) {
            size_t cap = w->out_cap ? w->out_cap : 65536;
            while (cap < w->out_len + n)
                cap *= 2;
            char *p = realloc(w->out, cap);
            if (!p) {
                w->too_big = true;
                return;
            }
            w->out = p;
            w->out_cap = cap;
        }
        memcpy(w->out + w->out_len, buf, n);
        w->out_len += n;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (k == P_ERR) {
            w->err[w->err_len++] = buf[i];
            if (buf[i] == '\n' || w->err_len == sizeof(w->err))
                forward_err_line(run, w);
        } else if (buf[i] == '\n' || w->prog_len == sizeof(w->prog) - 1) {
            take_prog_line(run, w);
        } else {
            w->prog[w->prog_len++] = buf[i];
        }
    }
}

/* Waits for any pipe of the running workers, reads what is there; reaps workers whose pipes
 * are all at EOF. */
static void pump(const cli_run *run, worker *slots, size_t n_slots)
{
    struct pollfd pfd[SXS_MAX_JOBS * P_N];
    size_t who[SXS_MAX_JOBS * P_N];
    int kind[SXS_MAX_JOBS * P_N];
    nfds_t n = 0;
    for (size_t s = 0; s < n_slots; s++)
        for (int k = 0; k < P_N; k++)
            if (slots[s].pid > 0 && slots[s].fd[k] >= 0) {
                pfd[n] = (struct pollfd){.fd = slots[s].fd[k], .events = POLLIN};
                who[n] = s;
                kind[n] = k;
                n++;
            }
    if (n > 0 && poll(pfd, n, -1) < 0 && errno != EINTR)
        return;
    for (nfds_t i = 0; i < n; i++) {
        if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        worker *w = &slots[who[i]];
        char buf[65536];
        ssize_t got = read(pfd[i].fd, buf, sizeof(buf));
        if (got > 0) {
            take(run, w, kind[i], buf, (size_t)got);
        } else if (got == 0 || errno != EINTR) {
            if (kind[i] == P_ERR && w->err_len)
                forward_err_line(run, w);
            close_fd(w, kind[i]);
        }
    }
    for (size_t s = 0; s < n_slots; s++) {
        worker *w = &slots[s];
        if (w->pid > 0 && !w->reaped && w->fd[P_OUT] < 0 && w->fd[P_ERR] < 0 && w->fd[P_PROG] < 0) {
            while (waitpid(w->pid, &w->status, 0) < 0 && errno == EINTR)
                ;
            w->reaped = true;
        }
    }
}

/* The exit code of a finished worker, or -1 when its report cannot be trusted (*why says
 * what happened). */
static int outcome(const worker *w, char *why, size_t cap)
{
    if (w->failure[0]) {
        snprintf(why, cap, "%s", w->failure);
        return -1;
    }
    if (WIFSIGNALED(w->status)) {
        int sig = WTERMSIG(w->status);
        snprintf(why, cap, "its analysis crashed (signal %d, %s: %s); nothing from it is used", sig,
                 signal_name(sig), strsignal(sig));
        return -1;
    }
    int code = WIFEXITED(w->status) ? WEXITSTATUS(w->status) : -1;
    if (code != w->done_code || w->done_code < 0) {
        snprintf(why, cap,
                 "its analysis ended abnormally (exit status %d); nothing from it is "
                 "used",
                 code);
        return -1;
    }
    if (w->too_big) {
        snprintf(why, cap, "its report is larger than %u bytes; it was dropped",
                 SXS_MAX_REPORT_SIZE);
        return -1;
    }
    return code;
}

/* Prints the finished worker's report, or an error report in its place. Its exit code. */
static int emit(const cli_run *run, worker *w)
{
    char why[256];
    int code = outcome(w, why, sizeof(why));
    bool ok = true;
    if (code >= 0) {
        ok = fwrite(w->out, 1, w->out_len, stdout) == w->out_len && fflush(stdout) == 0;
    } else {
        const char *input = name_of(run, w);
        cli_progress_done();
        if (run->inputs->count > 1) {
            cli_put_value(stderr, input);
            fputs(": ", stderr);
        }
        fputs("sxsdoctor: ", stderr);
        cli_put_value(stderr, input);
        fprintf(stderr, ": error: %s\n", why);
        code = SXS_EXIT_UNREADABLE;
        sxs_report *d = sxs_report_new_failed(input, why);
        if (d) {
            cli_report r = {.opt = run->opt, .version = run->version, .input = input, .d = d};
            ok = cli_render(run, &r, w->index, stdout);
            sxs_report_free(d);
        } else {
            ok = false;
        }
    }
    if (!ok) {
        fprintf(stderr, "sxsdoctor: writing the report to standard output failed: %s\n",
                strerror(errno));
        code = SXS_EXIT_OUTPUT;
    }
    free(w->out);
    w->out = NULL;
    return code;
}

/* 4 > 3 > 1 > 0: an undelivered verdict outranks them all, an unread evidence outranks
 * findings. 2 never occurs here (usage errors stop before any work). */
static int worse(int a, int b)
{
    return a > b ? a : b;
}

int cli_run_batch(const cli_run *run)
{
    size_t n = run->inputs->count;
    size_t jobs = (size_t)(run->opt->jobs > 0 ? run->opt->jobs : 1);
    if (jobs > n)
        jobs = n;
    worker *slots = calloc(jobs, sizeof(*slots));
    if (!slots) {
        fputs("sxsdoctor: out of memory\n", stderr);
        return SXS_EXIT_UNREADABLE;
    }
    for (size_t s = 0; s < jobs; s++)
        for (int k = 0; k < P_N; k++)
            slots[s].fd[k] = -1;
    cli_progress_init(run->progress ? 1 : 0);
    int rc = SXS_EXIT_HEALTHY;
    size_t next_start = 0, next_emit = 0;
    while (next_emit < n) {
        /* a window of jobs evidence from the next one to print: the parent holds at most
         * jobs reports, whatever the order in which the workers finish */
        while (next_start < n && next_start < next_emit + jobs) {
            start(run, &slots[next_start % jobs], next_start, slots, jobs);
            next_start++;
        }
        worker *head = &slots[next_emit % jobs];
        if (head->reaped) {
            rc = worse(rc, emit(run, head));
            head->reaped = false;
            head->pid = 0;
            next_emit++;
            continue;
        }
        pump(run, slots, jobs);
    }
    cli_progress_done();
    free(slots);
    return rc;
}
