/* libFuzzer harness for the log line reader: arbitrary bytes streamed through
 * an_log_stream_mem (decoding, NUL/junk handling, line cutting, each family's timestamp
 * parser, setupapi section state; inputs starting with "MSCF" exercise the in-memory cabinet
 * expansion). One family per input, so an execution is one parse: the first byte picks the
 * family (and, by its high bit, whether a time zone is known); a seed without that byte still
 * works, as the first byte of a log is rarely a format decision. The callback checks the line
 * invariants. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/logs/an_log.h"
#include "common/sxs_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_line(const an_log_line *ln, void *ctx)
{
    uint64_t *prev = ctx;
    if (ln->len > SXS_MAX_LOG_LINE || strlen(ln->text) != ln->len)
        abort();
    if (ln->line_no != *prev + 1)
        abort();
    *prev = ln->line_no;
    if (!ln->has_time && ln->time_text[0] != '\0')
        abort();
    if (memchr(ln->time_text, '\0', sizeof(ln->time_text)) == NULL)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const an_tz tz = {
        .known = true,
        .bias = -60,
        .daylight_bias = -60,
        .has_dst = true,
        .standard_start = {.month = 10, .day = 5, .hour = 3},
        .daylight_start = {.month = 3, .day = 5, .hour = 2},
    };
    if (size == 0)
        return 0;
    int f = (data[0] & 0x7f) % AN_LOG_FAMILY_COUNT;
    const an_tz *z = (data[0] & 0x80) ? &tz : NULL;
    data++;
    size--;
    uint64_t prev = 0;
    an_log_stats st = {0};
    int rc = an_log_stream_mem(data, size, "fuzz", (an_log_family)f, z, check_line, &prev, &st,
                               NULL);
    if (rc == 0 && st.lines != prev)
        abort();
    if (rc >= 0 && st.bytes > size && !(size >= 4 && memcmp(data, "MSCF", 4) == 0))
        abort();
    return 0;
}
