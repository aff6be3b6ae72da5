/* libFuzzer harness for the Startup Repair log parser (analyzer/boot/boot_srt.c): arbitrary
 * bytes as SrtTrail.txt text. Checks the invariants: items within their caps, each a
 * NUL-terminated single line with a line number inside the text and a session in range. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/boot/boot_srt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const boot_srt_item *it, const boot_srt_result *r, int64_t lines)
{
    if (!memchr(it->text, '\0', sizeof(it->text)) || strchr(it->text, '\n') ||
        strchr(it->text, '\r') || it->line < 1 || it->line > lines || it->session < 1 ||
        it->session > r->sessions)
        abort();
    (void)boot_srt_cause_kind(it->text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static boot_srt_result r;
    int rc = boot_srt_parse((const char *)data, size, &r);
    if (rc != 0 && rc != -EBADMSG)
        abort();
    if (rc != 0)
        return 0;
    int64_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (r.n_causes > BOOT_SRT_MAX_ITEMS || r.n_repairs > BOOT_SRT_MAX_ITEMS || r.sessions < 1)
        abort();
    for (size_t i = 0; i < r.n_causes; i++)
        check(&r.causes[i], &r, lines);
    for (size_t i = 0; i < r.n_repairs; i++)
        check(&r.repairs[i], &r, lines);
    return 0;
}
