/* The DataStore.edb reader of an_edb.h: libesedb over a libbfio handle whose io functions are
 * ranged fsa_file_read calls. Built into a libyal island with libesedb.a and libbfio.a. */
#include "analyzer/edb/an_edb.h"

#include <errno.h>
#include <inttypes.h>
#include <libbfio.h>
#include <libesedb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/an_yal_file.h"

/* ESE file header (libesedb's format documentation): signature 0x89abcdef at 4, the
 * database state at 52. */
#define EDB_SIGNATURE_AT 4
#define EDB_STATE_AT 52
#define EDB_PAGE_SIZE_AT 236
/* A large-text value longer than this is not read whole (titles are < 1 KiB). */
#define EDB_MAX_VALUE 65536

bool an_edb_date(uint64_t v, int64_t *ret)
{
    /* 1980-01-01 .. 2200-01-01 as FILETIME, and as OLE days */
    const uint64_t ft_lo = 119600064000000000ull, ft_hi = 188960832000000000ull;
    const uint64_t ft_epoch = 116444736000000000ull; /* 1970-01-01 */
    if (v >= ft_lo && v < ft_hi) {
        *ret = (int64_t)((v - ft_epoch) / 10000000ull);
        return true;
    }
    double d;
    memcpy(&d, &v, sizeof(d));
    if (!(d >= 29221.0 && d < 109575.0)) /* NaN fails too */
        return false;
    /* 25569: 1899-12-30 .. 1970-01-01; rounded, a second is not a fraction of a day in binary */
    double secs = (d - 25569.0) * 86400.0; /* > 0: the span starts in 1980 */
    *ret = (int64_t)(secs + 0.5);
    return true;
}

static void lib_error(char *out, size_t cap, const char *what, libesedb_error_t *err)
{
    /* the backtrace's first line is the innermost reason ("invalid number of page tags") */
    char msg[1024] = "";
    if (err && libesedb_error_backtrace_sprint(err, msg, sizeof(msg)) < 0)
        libesedb_error_sprint(err, msg, sizeof(msg));
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = '\0';
    snprintf(out, cap, "%s%s%s", what, msg[0] ? ": " : "", msg);
}

/* tbHistory's columns the history needs, by name: the value entry of each, or -1. */
enum { C_ID, C_STATUS, C_RESULT, C_UNMAPPED, C_UPDATE, C_DATE, C_FLAGS, C_CLIENT, C_TITLE, C_N };
static const char *const COLS[C_N] = {"IdEvent",        "Status",   "MappedResult",
                                      "UnmappedResult", "UpdateId", "Date",
                                      "Flags",          "ClientId", "Title"};

static void find_columns(libesedb_table_t *t, int col[C_N])
{
    for (int k = 0; k < C_N; k++)
        col[k] = -1;
    int n = 0;
    if (libesedb_table_get_number_of_columns(t, &n, 0, NULL) != 1)
        return;
    for (int i = 0; i < n; i++) {
        libesedb_column_t *c = NULL;
        if (libesedb_table_get_column(t, i, &c, 0, NULL) != 1)
            continue;
        char name[64];
        size_t need = 0;
        if (libesedb_column_get_utf8_name_size(c, &need, NULL) == 1 && need <= sizeof(name) &&
            libesedb_column_get_utf8_name(c, (uint8_t *)name, sizeof(name), NULL) == 1)
            for (int k = 0; k < C_N; k++)
                if (col[k] < 0 && strcmp(name, COLS[k]) == 0)
                    col[k] = i;
        libesedb_column_free(&c, NULL);
    }
}

/* 1 read, 0 NULL or absent, -1 unreadable. */
static int get_u32(libesedb_record_t *rec, int entry, uint32_t *ret)
{
    if (entry < 0)
        return 0;
    libesedb_error_t *err = NULL;
    int r = libesedb_record_get_value_32bit(rec, entry, ret, &err);
    libesedb_error_free(&err);
    return r;
}

/* Raw value bytes (fixed columns): 1 with *ret_n bytes, 0 NULL/absent, -1 unreadable. */
static int get_raw(libesedb_record_t *rec, int entry, uint8_t *buf, size_t cap, size_t *ret_n)
{
    size_t n = 0;
    if (entry < 0)
        return 0;
    if (libesedb_record_get_value_data_size(rec, entry, &n, NULL) != 1)
        return -1;
    if (n == 0)
        return 0;
    if (n > cap)
        return -1;
    if (libesedb_record_get_value_data(rec, entry, buf, n, NULL) != 1)
        return -1;
    *ret_n = n;
    return 1;
}

/* A text column, inline or in the long-value tree, cut to cap: 1, 0 NULL/absent, -1. */
static int get_text(libesedb_record_t *rec, int entry, char *out, size_t cap)
{
    out[0] = '\0';
    if (entry < 0)
        return 0;
    libesedb_long_value_t *lv = NULL;
    int is_long = libesedb_record_is_long_value(rec, entry, NULL);
    if (is_long < 0)
        return -1;
    size_t need = 0;
    int r;
    if (is_long) {
        if (libesedb_record_get_long_value(rec, entry, &lv, NULL) != 1)
            return -1;
        r = libesedb_long_value_get_utf8_string_size(lv, &need, NULL);
    } else {
        r = libesedb_record_get_value_utf8_string_size(rec, entry, &need, NULL);
    }
    if (r == 1 && need > 0 && need <= EDB_MAX_VALUE) {
        uint8_t *tmp = need <= cap ? (uint8_t *)out : malloc(need);
        if (!tmp) {
            r = -1;
        } else {
            r = is_long ? libesedb_long_value_get_utf8_string(lv, tmp, need, NULL)
                        : libesedb_record_get_value_utf8_string(rec, entry, tmp, need, NULL);
            if (tmp != (uint8_t *)out) {
                if (r == 1) {
                    memcpy(out, tmp, cap - 1);
                    out[cap - 1] = '\0';
                }
                free(tmp);
            }
        }
    } else if (r == 1 && need > EDB_MAX_VALUE) {
        r = -1;
    }
    if (lv)
        libesedb_long_value_free(&lv, NULL);
    if (r != 1)
        out[0] = '\0';
    return r == 1 ? 1 : r == 0 ? 0 : -1;
}

typedef struct {
    char title[AN_EDB_MAX_TITLE];
    char client[AN_EDB_MAX_CLIENT];
} row_buf;

static void guid_text(const uint8_t *g, size_t n, char out[48])
{
    out[0] = '\0';
    if (n < 16)
        return;
    uint32_t d1 =
        (uint32_t)g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16 | (uint32_t)g[3] << 24;
    unsigned d2 = (unsigned)(g[4] | g[5] << 8), d3 = (unsigned)(g[6] | g[7] << 8);
    int w = snprintf(out, 48, "%08" PRIx32 "-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", d1, d2,
                     d3, g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    if (n >= 20 && w == 36) {
        uint32_t rev =
            (uint32_t)g[16] | (uint32_t)g[17] << 8 | (uint32_t)g[18] << 16 | (uint32_t)g[19] << 24;
        snprintf(out + w, (size_t)(48 - w), ".%" PRIu32, rev);
    }
}

/* One row into r: 0 (*what "text" when a title or client could not be decoded), or
 * -EBADMSG with *what the column that could not be read. */
static int read_row(libesedb_record_t *rec, const int col[C_N], an_edb_row *r, row_buf *b,
                    const char **what)
{
    uint32_t v = 0;
    int g;
#define U32(k, has, field, type)                                                                   \
    do {                                                                                           \
        g = get_u32(rec, col[k], &v);                                                              \
        if (g < 0) {                                                                               \
            *what = COLS[k];                                                                       \
            return -EBADMSG;                                                                       \
        }                                                                                          \
        r->has = g == 1;                                                                           \
        r->field = (type)v;                                                                        \
    } while (0)
    U32(C_ID, has_id_event, id_event, int32_t);
    U32(C_STATUS, has_status, status, int32_t);
    U32(C_RESULT, has_result, result, uint32_t);
    U32(C_UNMAPPED, has_unmapped, unmapped, uint32_t);
    U32(C_FLAGS, has_flags, flags, int32_t);
#undef U32
    uint8_t raw[32];
    size_t n = 0;
    g = get_raw(rec, col[C_DATE], raw, sizeof(raw), &n);
    if (g < 0) {
        *what = COLS[C_DATE];
        return -EBADMSG;
    }
    if (g == 1 && n == 8) {
        uint64_t d = 0;
        for (int i = 7; i >= 0; i--)
            d = d << 8 | raw[i];
        r->has_time = an_edb_date(d, &r->time);
    }
    if (get_raw(rec, col[C_UPDATE], raw, sizeof(raw), &n) == 1)
        guid_text(raw, n, r->update_id);
    /* a text libesedb cannot decode (a compression it does not know) leaves the row usable:
     * its result, time and update id still say what happened; the caller counts it */
    if (get_text(rec, col[C_TITLE], b->title, sizeof(b->title)) < 0 ||
        get_text(rec, col[C_CLIENT], b->client, sizeof(b->client)) < 0)
        *what = "text";
    r->title = b->title;
    r->client = b->client;
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The header's page size (0 when no header or none stated: 4096 before Vista). */
static uint32_t page_size(an_yal_file_io *io)
{
    uint8_t h[EDB_PAGE_SIZE_AT + 4];
    if (fsa_file_read(io->f, 0, h, sizeof(h)) != (long)sizeof(h) ||
        le32(h + EDB_SIGNATURE_AT) != 0x89abcdefu)
        return 0;
    uint32_t p = le32(h + EDB_PAGE_SIZE_AT);
    return p == 0 ? 4096 : p;
}

static void read_state(an_yal_file_io *io, an_edb_stats *st)
{
    uint8_t h[EDB_STATE_AT + 4];
    if (fsa_file_read(io->f, 0, h, sizeof(h)) != (long)sizeof(h))
        return;
    static const uint8_t sig[4] = {0xef, 0xcd, 0xab, 0x89};
    if (memcmp(h + EDB_SIGNATURE_AT, sig, 4) != 0)
        return;
    st->state = le32(h + EDB_STATE_AT);
    st->dirty = st->state != 3;
}

static int read_table(libesedb_table_t *t, const char *path, an_edb_row_cb cb, void *ctx,
                      an_edb_stats *st)
{
    int col[C_N];
    find_columns(t, col);
    int n = 0;
    libesedb_error_t *err = NULL;
    if (libesedb_table_get_number_of_records(t, &n, &err) != 1) {
        lib_error(st->failed, sizeof(st->failed), "tbHistory: the rows could not be listed", err);
        libesedb_error_free(&err);
        return 0;
    }
    st->rows_total = n > 0 ? (uint64_t)n : 0;
    row_buf *b = malloc(sizeof(*b));
    if (!b)
        return -ENOMEM;
    int ret = 0;
    for (int i = 0; i < n && ret == 0; i++) {
        libesedb_record_t *rec = NULL;
        an_edb_row r = {.path = path, .row = (uint64_t)i + 1, .title = "", .client = ""};
        const char *what = NULL;
        if (libesedb_table_get_record(t, i, &rec, &err) != 1) {
            if (!st->failed[0]) {
                char w[48];
                snprintf(w, sizeof(w), "tbHistory row %d", i + 1);
                lib_error(st->failed, sizeof(st->failed), w, err);
            }
            libesedb_error_free(&err);
            st->unreadable++;
            continue;
        }
        int rr = read_row(rec, col, &r, b, &what);
        libesedb_record_free(&rec, NULL);
        if (rr == 0 && what)
            st->text_undecoded++;
        if (rr < 0) {
            if (!st->failed[0])
                snprintf(st->failed, sizeof(st->failed),
                         "tbHistory row %d: column %s could not be read", i + 1, what);
            st->unreadable++;
            continue;
        }
        st->rows++;
        ret = cb(&r, ctx);
    }
    free(b);
    return ret;
}

int an_edb_read_history(fsa_file *f, const char *path, an_edb_row_cb cb, void *ctx,
                        an_edb_stats *st, char *why, size_t why_cap)
{
    memset(st, 0, sizeof(*st));
    if (why_cap)
        why[0] = '\0';
    an_yal_file_io io = {.f = f, .size = fsa_file_size(f)};
    st->size = io.size;
    read_state(&io, st);
    libbfio_handle_t *bfio = NULL;
    libesedb_file_t *file = NULL;
    libesedb_error_t *err = NULL;
    int ret = 0;
    if (an_yal_file_handle(&io, &bfio) != 1 ||
        libesedb_file_initialize(&file, &err) != 1) {
        ret = -ENOMEM;
        goto out;
    }
    if (libesedb_file_open_file_io_handle(file, bfio, LIBESEDB_OPEN_READ, &err) != 1) {
        if (io.failed) {
            snprintf(why, why_cap, "%s", io.damage);
            ret = -EIO;
        } else {
            char what[160] = "not an ESE database libesedb can open";
            uint32_t ps = page_size(&io);
            if (ps >= 2048 && ps <= 65536 && (io.size % ps != 0 || io.size < 4ull * ps))
                snprintf(what, sizeof(what),
                         "cut short (%" PRIu64 " bytes: %s of %" PRIu32
                         "-byte pages), libesedb cannot open it",
                         io.size, io.size % ps ? "not a whole number" : "fewer than four", ps);
            lib_error(why, why_cap, what, err);
            ret = -EBADMSG;
        }
        goto out;
    }
    int nt = 0;
    if (libesedb_file_get_number_of_tables(file, &nt, NULL) == 1 && nt > 0)
        st->tables = (uint32_t)nt;
    libesedb_table_t *t = NULL;
    libesedb_error_free(&err);
    static const char name[] = "tbHistory";
    int g = libesedb_file_get_table_by_utf8_name(file, (const uint8_t *)name, sizeof(name) - 1, &t,
                                                 &err);
    if (g == 1) {
        st->has_history = true;
        ret = read_table(t, path, cb, ctx, st);
        libesedb_table_free(&t, NULL);
    } else if (g < 0) {
        lib_error(st->failed, sizeof(st->failed), "the catalog could not be read", err);
    }
    if (ret == 0 && io.failed) {
        snprintf(why, why_cap, "%s", io.damage);
        if (!st->failed[0])
            snprintf(st->failed, sizeof(st->failed), "%.150s", io.damage);
    }
    libesedb_file_close(file, NULL);
out:
    if (file)
        libesedb_file_free(&file, NULL);
    libesedb_error_free(&err);
    if (bfio)
        libbfio_handle_free(&bfio, NULL);
    return ret;
}
