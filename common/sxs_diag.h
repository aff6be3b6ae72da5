/* Diagnostics: a caller-owned list of messages about evidence (what could not be read, and
 * why), so the report can show them. Library code never prints; the CLI does. */
#ifndef SXS_DIAG_H
#define SXS_DIAG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SXS_DIAG_INFO,
    SXS_DIAG_WARN,
    SXS_DIAG_ERROR,
} sxs_diag_level;

typedef struct {
    sxs_diag_level level;
    char *source;   /* file or structure the message is about, e.g. "image.E01" */
    int64_t offset; /* byte offset in source, or -1 when not applicable */
    int64_t line;   /* line number in source, or -1 */
    char *message;
} sxs_diag_entry;

typedef struct sxs_diag sxs_diag;

sxs_diag *sxs_diag_new(void);
void sxs_diag_free(sxs_diag *d);

/* Every add function accepts d == NULL (the message is dropped). source may be NULL. */
void sxs_diag_add(sxs_diag *d, sxs_diag_level level, const char *source, int64_t offset,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void sxs_diag_add_line(sxs_diag *d, sxs_diag_level level, const char *source, int64_t line,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

size_t sxs_diag_count(const sxs_diag *d);
const sxs_diag_entry *sxs_diag_get(const sxs_diag *d, size_t i);
/* Number of entries at or above level. */
size_t sxs_diag_count_level(const sxs_diag *d, sxs_diag_level level);
/* Messages dropped after SXS_MAX_DIAGS was reached. */
size_t sxs_diag_dropped(const sxs_diag *d);

#endif
