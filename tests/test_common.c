/* Tests for common/: diagnostics, bounded buffers, UTF-16 conversion, checked arithmetic. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/sxs_buf.h"
#include "common/sxs_checked.h"
#include "common/sxs_diag.h"
#include "common/sxs_grow.h"
#include "common/sxs_io.h"
#include "common/sxs_utf16.h"
#include "tests/support/corpus.h"

Test(diag, collects_and_counts_levels)
{
    sxs_diag *d = sxs_diag_new();
    sxs_diag_add(d, SXS_DIAG_WARN, "img.E01", 512, "bad sector %d", 7);
    sxs_diag_add_line(d, SXS_DIAG_ERROR, "CBS.log", 42, "cut");
    sxs_diag_add(NULL, SXS_DIAG_ERROR, "x", 0, "dropped silently");
    cr_assert_eq(sxs_diag_count(d), 2);
    cr_assert_eq(sxs_diag_count_level(d, SXS_DIAG_ERROR), 1);
    const sxs_diag_entry *e = sxs_diag_get(d, 0);
    cr_assert_str_eq(e->source, "img.E01");
    cr_assert_eq(e->offset, 512);
    cr_assert_eq(e->line, -1);
    cr_assert_str_eq(e->message, "bad sector 7");
    cr_assert_eq(sxs_diag_get(d, 1)->line, 42);
    cr_assert_null(sxs_diag_get(d, 2));
    sxs_diag_free(d);
    sxs_diag_free(NULL);
}

Test(buf, refuses_to_grow_past_max)
{
    sxs_buf b;
    sxs_buf_init(&b, 8);
    cr_assert_eq(sxs_buf_append_str(&b, "abcdef"), 0);
    cr_assert_eq(sxs_buf_append_str(&b, "ghi"), -ENOSPC);
    cr_assert_str_eq(b.data, "abcdef");
    cr_assert_eq(sxs_buf_printf(&b, "%d", 12), 0);
    cr_assert_str_eq(b.data, "abcdef12");
    char *s = sxs_buf_steal(&b);
    cr_assert_str_eq(s, "abcdef12");
    cr_assert_eq(b.len, 0);
    free(s);
    /* Stealing from a buffer that never held data still gives an empty string. */
    s = sxs_buf_steal(&b);
    cr_assert_not_null(s);
    cr_assert_str_eq(s, "");
    free(s);
    sxs_buf_free(&b);
}

/* Doubles from first, keeps the contents, and refuses (NULL, array and cap untouched) a size
 * that would overflow size_t. */
Test(grow, doubles_keeps_contents_and_refuses_overflow)
{
    int *v = NULL;
    size_t cap = 0, n = 0;
    for (int i = 0; i < 100; i++) {
        int *g = sxs_grow(v, &cap, n, sizeof(*g), 4);
        cr_assert_not_null(g);
        v = g;
        v[n++] = i;
        if (i == 0)
            cr_assert_eq(cap, 4);
    }
    cr_assert_eq(cap, 128); /* 4, 8, ..., 128 */
    for (int i = 0; i < 100; i++)
        cr_assert_eq(v[i], i);
    cr_assert_eq(sxs_grow(v, &cap, 99, sizeof(*v), 4), v); /* room left: no realloc */
    size_t huge = SIZE_MAX / 2 + 1;
    cr_assert_null(sxs_grow(v, &huge, huge, 1, 4));
    cr_assert_eq(huge, SIZE_MAX / 2 + 1);
    size_t big = SIZE_MAX / 16;
    cr_assert_null(sxs_grow(v, &big, big, 16, 4)); /* twice big elements of 16 bytes */
    cr_assert_eq(big, SIZE_MAX / 16);
    free(v);
}

Test(utf16, converts_bmp_surrogates_and_bad_units)
{
    /* "Aé€" + U+1F600 + lone high surrogate + NUL + "x" */
    const uint8_t in[] = {0x41, 0, 0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE,
                          0x00, 0xD8, 0, 0, 'x', 0};
    char out[64];
    long n = sxs_utf16le_to_utf8(in, 8, 1, out, sizeof(out));
    cr_assert_eq(n, 1 + 2 + 3 + 4 + 3);
    cr_assert_str_eq(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD");
    n = sxs_utf16le_to_utf8(in, 8, 0, out, sizeof(out));
    cr_assert_eq(n, 13 + 1 + 1); /* embedded U+0000 is kept as one byte */
    cr_assert_eq(out[14], 'x');
    char small[4];
    cr_assert_eq(sxs_utf16le_to_utf8(in, 8, 1, small, sizeof(small)), -ENOSPC);
    cr_assert_str_eq(small, "A\xC3\xA9");
}

Test(checked, detects_overflow_and_ranges)
{
    uint64_t r = 5;
    cr_assert(sxs_add_u64(UINT64_MAX, 1, &r));
    cr_assert_eq(r, 5);
    cr_assert_not(sxs_add_u64(2, 3, &r));
    cr_assert_eq(r, 5);
    cr_assert(sxs_mul_u64(UINT64_MAX / 2, 3, &r));
    cr_assert(sxs_range_ok(4090, 6, 4096));
    cr_assert_not(sxs_range_ok(4090, 7, 4096));
    cr_assert_not(sxs_range_ok(5000, 0, 4096));
    const uint8_t b[] = {0x78, 0x56, 0x34, 0x12, 0xEF, 0xCD, 0xAB, 0x90};
    cr_assert_eq(sxs_le32(b), 0x12345678u);
    cr_assert_eq(sxs_le64(b), 0x90ABCDEF12345678ull);
}

Test(io, pread_full_reads_to_the_end_and_names_errors)
{
    char path[] = "/tmp/sxs-io-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    uint8_t data[10000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    cr_assert_eq(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
    uint8_t buf[10000];
    size_t got = 99;
    cr_assert_eq(sxs_pread_full(fd, buf, sizeof(buf), 0, &got), 0);
    cr_assert_eq(got, sizeof(data));
    cr_assert_eq(memcmp(buf, data, sizeof(data)), 0);
    cr_assert_eq(sxs_pread_full(fd, buf, 5000, 9000, &got), 0); /* the file ends first */
    cr_assert_eq(got, 1000);
    cr_assert_eq(memcmp(buf, data + 9000, 1000), 0);
    cr_assert_eq(sxs_pread_full(fd, buf, 10, 20000, &got), 0);
    cr_assert_eq(got, 0);
    cr_assert_eq(sxs_pread_full(fd, buf, 10, (uint64_t)INT64_MAX + 1, &got), -EOVERFLOW);
    cr_assert_eq(got, 0);
    close(fd);
    cr_assert_eq(sxs_pread_full(fd, buf, 10, 0, &got), -EBADF);
    cr_assert_eq(got, 0);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(sxs_pread_full(p[0], buf, 10, 0, &got), -ESPIPE);
    close(p[0]);
    close(p[1]);
}
