/* libFuzzer harness for the crash dump header decoder (analyzer/boot/boot_dump_parse.c):
 * arbitrary bytes as a whole dump. Checks the invariants: a decoded kernel dump has 32 or 64
 * bits; a named driver is a non-empty NUL-terminated string of at most its buffer, a
 * parameter lies inside its [base, base + size), and the driver count never exceeds what the
 * bytes can hold; a refusal always says why. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/boot/boot_dump_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    boot_dump_info d;
    char why[160];
    why[0] = '\0';
    int r = boot_dump_parse(data, size, &d, why, sizeof(why));
    if (r < 0) {
        if (r != -EBADMSG || !why[0])
            abort();
        return 0;
    }
    if (r != 0 || (d.kind != BOOT_DUMP_KERNEL && d.kind != BOOT_DUMP_USER))
        abort();
    if (d.kind == BOOT_DUMP_USER)
        return 0;
    if (d.bits != 32 && d.bits != 64)
        abort();
    size_t stride = d.bits == 64 ? 0x90 : 0x4C;
    if ((size_t)d.driver_count * stride > size || (!d.drivers_read && d.driver_count))
        abort();
    if (memchr(d.note, '\0', sizeof(d.note)) == NULL ||
        memchr(d.driver, '\0', sizeof(d.driver)) == NULL)
        abort();
    if (d.driver[0]) {
        if (d.driver_param < 1 || d.driver_param > 4 || d.driver_size == 0)
            abort();
        uint64_t p = d.param[d.driver_param - 1];
        if (p < d.driver_base || p - d.driver_base >= d.driver_size)
            abort();
    } else if (d.driver_param) {
        abort();
    }
    (void)boot_dump_type_name(d.dump_type);
    return 0;
}
