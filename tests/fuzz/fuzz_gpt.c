/* libFuzzer harness for the GPT header pre-validation (fsaccess/fsa_gpt.c): the input is the
 * start of a disk (protective MBR, headers, entry arrays); its low bit of byte 0 (MBR boot code,
 * never checked) picks 512- or 4096-byte sectors. Asserts the contract: 1 or 0, a reason that
 * names the header exactly when 0, none when 1, and no read outside the disk. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsaccess/fsa_gpt.h"

typedef struct {
    const uint8_t *b;
    size_t n;
} memdisk;

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    const memdisk *d = ctx;
    if (off > d->n || len > d->n - off)
        return -5;
    memcpy(buf, d->b + off, len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memdisk d = {data, size};
    unsigned ss = size && (data[0] & 1) ? 4096 : 512;
    char why[320];
    int r = fsa_gpt_precheck(mem_read, &d, size, ss, why, sizeof(why));
    if (r != 0 && r != 1)
        abort();
    if (r == 1 && why[0] != '\0')
        abort();
    if (r == 0 && strncmp(why, "GPT header at LBA ", 18) != 0 &&
        strncmp(why, "backup GPT header at LBA ", 25) != 0)
        abort();
    if (memchr(why, '\0', sizeof(why)) == NULL)
        abort();
    return 0;
}
