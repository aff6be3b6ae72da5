/* The single pass over an install's logs: each log is streamed ONCE and every line goes to
 * every consumer (the rule engine, the servicing-history collector, ...), so adding a consumer
 * never adds a read of the evidence. */
#ifndef AN_LOGPASS_H
#define AN_LOGPASS_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer/logs/an_log.h"

typedef struct {
    /* Each may be NULL. begin/end return 0 or a negative errno (stops the pass). */
    int (*file_begin)(an_log_family family, const char *path, void *ctx);
    an_log_line_cb line; /* its return value is ignored: a consumer cannot stop the others */
    int (*file_end)(uint64_t bytes, double seconds, void *ctx);
    /* A log that was found but whose content is not streamed (no file system). */
    void (*family_present)(an_log_family family, void *ctx);
    void *ctx;
} an_log_consumer;

/* Called before each log is streamed. */
typedef void (*an_logpass_progress_cb)(size_t index, size_t count, const char *path, void *ctx);

/* Streams every log of logs[0..nlogs) once (fs NULL: only family_present is called). A log that
 * cannot be read to its end is a diagnostic; the consumers keep what they saw. 0 or the first
 * negative errno a consumer returned. */
int an_logs_pass(fsa_fs *fs, const an_log_file *logs, size_t nlogs, const an_tz *tz,
                 const an_log_consumer *consumers, size_t nconsumers,
                 an_logpass_progress_cb progress, void *progress_ctx, sxs_diag *diag);

#endif
