/* Progress line on stderr, shown only when stderr is a terminal (or --progress). */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

void cli_progress_init(int mode); /* -1 auto, 0 off, 1 on */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_done(void);
/* rule_progress_cb-compatible: "install N: log i/n: path". ctx = install number (uintptr_t). */
void cli_progress_log(size_t index, size_t count, const char *path, void *ctx);

#endif
