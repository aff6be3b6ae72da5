/* libFuzzer harness for our EWF1 reader (fsaccess/fsa_ewf1.c): the input is one segment file
 * (a one-segment .E01), put in a memfd and opened by its /proc name as a set of one. Asserts
 * the contract: the open takes the set (0) or declines it (1), never anything else short of
 * -ENOMEM; a taken set reads its first MiB and a few offsets near its end with every read
 * either the bytes asked for (short only at the media end) or -1 with a message naming the
 * segment. Built with the reader's structure checksums off (SXS_FUZZ_NO_CHECKSUMS), so that
 * mutated descriptors and tables reach the code that trusts them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fsaccess/fsa_ewf1.h"

static void noted(void *ctx, uint64_t off, uint64_t len)
{
    (void)off;
    if (len == 0)
        abort();
    ++*(unsigned *)ctx;
}

static void read_at(fsa_ewf1 *r, uint64_t off, size_t len, uint8_t *buf)
{
    const fsa_ewf1_info *in = fsa_ewf1_info_of(r);
    unsigned bad = 0;
    ssize_t n = fsa_ewf1_read(r, off, buf, len, noted, &bad);
    uint64_t left = off < in->media_size ? in->media_size - off : 0;
    if (n < 0) {
        if (strncmp(fsa_ewf1_error(r), "EWF segment ", 12) != 0)
            abort();
        return;
    }
    if ((uint64_t)n != (left < len ? left : len))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz.E01", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char name[64];
    snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
    const char *const names[1] = {name};
    fsa_ewf1 *r = NULL;
    char why[256];
    int rc = fsa_ewf1_open(names, 1, &r, why, sizeof(why));
    if (rc != 0 && rc != 1 && rc != -12)
        abort();
    if ((rc == 0) != (r != NULL))
        abort();
    if (r) {
        static uint8_t buf[(1u << 20) + 1];
        const fsa_ewf1_info *in = fsa_ewf1_info_of(r);
        read_at(r, 0, sizeof(buf), buf);
        for (uint64_t k = 1; k <= 4; k++)
            read_at(r, in->media_size > k * 40000 ? in->media_size - k * 40000 : 0, 50000, buf);
        read_at(r, in->media_size, 1, buf);
        fsa_ewf1_close(r);
    }
    close(fd);
    return 0;
}
