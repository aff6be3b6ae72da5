/* Whole reads from a host file descriptor: the pread loop (short reads, EINTR) every reader
 * of a host file used to spell out. Reading only; nothing here writes. */
#ifndef SXS_IO_H
#define SXS_IO_H

#include <stddef.h>
#include <stdint.h>

/* Reads [off, off + len) of fd into buf, going on after short reads and EINTR, until len
 * bytes are read or the file ends. Returns 0 with *ret_got = the bytes read (less than len
 * only when the file ends first), or -errno of the failed pread with *ret_got = the bytes
 * read before it (EOVERFLOW when off + len leaves off_t). */
int sxs_pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *ret_got);

#endif
