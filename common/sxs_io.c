#include "sxs_io.h"

#include <errno.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

int sxs_pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *ret_got)
{
    uint8_t *p = buf;
    size_t got = 0;
    int ret = 0;
    while (got < len) {
        if (off + got > (uint64_t)INT64_MAX) {
            ret = -EOVERFLOW;
            break;
        }
        ssize_t n = pread(fd, p + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ret = -errno;
            break;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    *ret_got = got;
    return ret;
}
