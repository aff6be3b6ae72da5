/* libFuzzer harness for analyzer/boot/boot_bcd_device.c: the input is one value's bytes,
 * decoded as a BCD device element and as a MountedDevices value, then described and resolved
 * against a fixed evidence-less volume list. Asserts the contract: 0 with a kind other than
 * INVALID or -EBADMSG with INVALID, a NUL-terminated description, no read past the input. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/boot/boot_bcd_device.h"

static void check(int r, const boot_device *d)
{
    if (r == 0 ? d->kind == BOOT_DEV_INVALID : (r != -EBADMSG || d->kind != BOOT_DEV_INVALID))
        abort();
    char s[96];
    memset(s, 'x', sizeof(s));
    boot_device_describe(d, s, sizeof(s));
    if (!memchr(s, '\0', sizeof(s)))
        abort();
    if (strcmp(boot_dev_kind_name(d->kind), "") == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* a private copy of exactly size bytes, so ASan sees a read past the value */
    uint8_t *b = malloc(size ? size : 1);
    if (!b)
        return 0;
    if (size)
        memcpy(b, data, size);
    boot_device d;
    check(boot_bcd_device_decode(b, size, &d), &d);
    check(boot_mounted_device_decode(b, size, &d), &d);
    free(b);
    return 0;
}
