/* Progress on stderr: one line rewritten in place; nothing when stderr is not a terminal,
 * so logs and pipes stay clean. */
#include "cli/cli_progress.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static bool enabled;
static bool shown;

void cli_progress_init(int mode)
{
    enabled = mode == 1 || (mode == -1 && isatty(STDERR_FILENO));
}

void cli_progress(const char *fmt, ...)
{
    if (!enabled)
        return;
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    shown = true;
}

void cli_progress_done(void)
{
    if (enabled && shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    shown = false;
}

void cli_progress_log(size_t index, size_t count, const char *path, void *ctx)
{
    cli_progress("sxsdoctor: installation %u: log %zu/%zu %s", (unsigned)(uintptr_t)ctx,
                 index + 1, count, path);
}
