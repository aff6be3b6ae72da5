/* sxs-mkimage: the bytes of a scenario file: text encoded (UTF-8/UTF-16LE, BOM, CRLF),
 * filler (pattern, random, zero) or a cabinet of either (gcab), handed in slices to a sink (the
 * NTFS writer or the directory-tree writer), so a benchmark log of hundreds of MiB is never held
 * twice. */
#include "sample-images/mkhive.h"
#include "sample-images/mkimage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { WRITE_CHUNK = 1024 * 1024 };

void mki_fill_bytes(enum mki_fill fill, uint64_t seed, uint64_t off, uint8_t *buf, size_t n)
{
    static const char pattern[] = "sxs-mkimage filler 0123456789abcdefghijklmnopqrstuvwxyz\r\n";
    const size_t plen = sizeof pattern - 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t o = off + i;
        if (fill == MKI_FILL_ZERO) {
            buf[i] = 0;
        } else if (fill == MKI_FILL_PATTERN) {
            buf[i] = (uint8_t)pattern[o % plen];
        } else { /* splitmix64 of the 8-byte word index: incompressible, reproducible */
            uint64_t z = seed + (o / 8) * 0x9E3779B97F4A7C15ull;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            z ^= z >> 31;
            buf[i] = (uint8_t)(z >> (8 * (o % 8)));
        }
    }
}

/* Encodes text[from, to) (UTF-8, '\n' line ends) into the bytes the file holds. */
static int encode_slice(const struct mki_node *n, size_t from, size_t to, struct mki_bytes *out)
{
    struct mki_bytes eol = {0};
    const char *src = n->text.data + from;
    size_t len = to - from;
    int r = 0;
    if (n->crlf) {
        size_t start = from;
        for (size_t i = from; i < to && r == 0; i++)
            if (n->text.data[i] == '\n' && (i == 0 || n->text.data[i - 1] != '\r')) {
                r = mki_bytes_append(&eol, n->text.data + start, i - start);
                if (r == 0)
                    r = mki_bytes_append(&eol, "\r\n", 2);
                start = i + 1;
            }
        if (r == 0)
            r = mki_bytes_append(&eol, n->text.data + start, to - start);
        src = eol.data ? eol.data : "";
        len = eol.len;
    }
    if (r == 0 && (n->enc == MKI_ENC_UTF16LE || n->enc == MKI_ENC_UTF16LE_BOM)) {
        if (len) {
            char *tmp = strndup(src, len);
            uint8_t *u = NULL;
            size_t ulen = 0;
            r = tmp ? mkhive_utf16le(tmp, &u, &ulen) : -ENOMEM;
            if (r == 0)
                r = mki_bytes_append(out, u, ulen - 2); /* without the NUL */
            free(u);
            free(tmp);
        }
    } else if (r == 0) {
        r = mki_bytes_append(out, src, len);
    }
    free(eol.data);
    return r;
}

/* Writes a text file in slices cut after a '\n' (so no UTF-8 sequence is split): a
 * benchmark log of hundreds of MiB is never held twice in memory. */
static int write_text(const struct mki_node *n, mki_sink sink, void *arg)
{
    struct mki_bytes buf = {0};
    uint64_t off = 0;
    int r = 0;
    if (n->enc == MKI_ENC_UTF8_BOM)
        r = mki_bytes_append(&buf, "\xEF\xBB\xBF", 3);
    else if (n->enc == MKI_ENC_UTF16LE_BOM)
        r = mki_bytes_append(&buf, "\xFF\xFE", 2);
    for (size_t pos = 0; r == 0 && pos < n->text.len;) {
        size_t end = pos + WRITE_CHUNK < n->text.len ? pos + WRITE_CHUNK : n->text.len;
        const char *nl =
            end < n->text.len ? memchr(n->text.data + end, '\n', n->text.len - end) : NULL;
        end = nl ? (size_t)(nl - n->text.data) + 1 : n->text.len;
        r = encode_slice(n, pos, end, &buf);
        if (r == 0)
            r = sink(arg, buf.data, buf.len, off);
        off += buf.len;
        buf.len = 0;
        pos = end;
    }
    if (r == 0 && !n->text.len && buf.len)
        r = sink(arg, buf.data, buf.len, 0); /* a BOM alone */
    free(buf.data);
    return r;
}

static int write_filler(const struct mki_node *n, mki_sink sink, void *arg)
{
    uint8_t *buf = malloc(WRITE_CHUNK);
    if (!buf)
        return -ENOMEM;
    uint64_t seed = mki_hash_str(n->path);
    int r = 0;
    for (uint64_t off = 0; r == 0 && off < n->filler_size; off += WRITE_CHUNK) {
        size_t len =
            (size_t)(n->filler_size - off < WRITE_CHUNK ? n->filler_size - off : WRITE_CHUNK);
        mki_fill_bytes(n->fill, seed, off, buf, len);
        r = sink(arg, buf, len, off);
    }
    free(buf);
    return r;
}

static int plain_content(const struct mki_node *n, mki_sink sink, void *arg)
{
    return n->is_filler ? write_filler(n, sink, arg) : write_text(n, sink, arg);
}

static int fd_sink(void *arg, const void *buf, size_t len, uint64_t off)
{
    int fd = *(int *)arg;
    return pwrite(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -EIO;
}

/* A rolled-over log as Windows keeps it (CbsPersist_*.cab): the content goes into a file
 * named cab_name, gcab packs it with MSZIP, and the cabinet's bytes go to the sink. */
static int cab_content(const struct mki_node *n, const char *tmpdir, mki_sink sink, void *arg)
{
    char *work = NULL, *inner = NULL, *cab = NULL;
    int r = 0;
    if (asprintf(&work, "%s/cab-XXXXXX", tmpdir) < 0 || !mkdtemp(work) ||
        asprintf(&inner, "%s/%s", work, n->cab_name) < 0 || asprintf(&cab, "%s/out.cab", work) < 0)
        r = -ENOMEM;
    int fd = r == 0 ? open(inner, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (r == 0 && fd < 0)
        r = -errno;
    if (r == 0) {
        r = plain_content(n, fd_sink, &fd);
        if (close(fd) < 0 && r == 0)
            r = -errno;
    }
    if (r == 0) {
        /* the cabinet records the file's time: fixed, so rebuilt images are identical */
        struct timespec t[2] = {{1735689600, 0}, {1735689600, 0}}; /* 2025-01-01 UTC */
        utimensat(AT_FDCWD, inner, t, 0);
    }
    if (r == 0) {
        char *argv[] = {"gcab", "-c", "-z", "-n", cab, inner, NULL};
        r = mki_run(argv, NULL) == 0 ? 0 : -EIO;
    }
    fd = r == 0 ? open(cab, O_RDONLY | O_CLOEXEC) : -1;
    if (r == 0 && fd < 0)
        r = -errno;
    if (fd >= 0) {
        char buf[65536];
        uint64_t off = 0;
        ssize_t got;
        while (r == 0 && (got = read(fd, buf, sizeof buf)) > 0) {
            r = sink(arg, buf, (size_t)got, off);
            off += (uint64_t)got;
        }
        close(fd);
    }
    if (inner)
        unlink(inner);
    if (cab)
        unlink(cab);
    if (work)
        rmdir(work);
    free(work);
    free(inner);
    free(cab);
    return r;
}

int mki_write_content(const struct mki_node *n, const char *tmpdir, mki_sink sink, void *arg)
{
    return n->cab_name ? cab_content(n, tmpdir, sink, arg) : plain_content(n, sink, arg);
}
