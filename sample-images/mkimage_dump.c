/* sxs-mkimage: the bytes of a crash dump file for the `crashdump` scenario line: a kernel dump
 * header (DUMP_HEADER64 "PAGEDU64", or DUMP_HEADER32 "PAGEDUMP") with the bug check, build,
 * time and dump type; for a triage dump (a minidump) a TRIAGE_DUMP header, a loaded-driver
 * list (DUMP_DRIVER_ENTRY with the KLDR_DATA_TABLE_ENTRY base and size) and a string pool of
 * DUMP_STRING names; or a user-mode "MDMP" header. Offsets as analyzer/boot/boot_dump_parse.c
 * documents them (written independently here, from the same published layouts). Unused header
 * fields hold "PAGE", as Windows leaves them. */
#include "sample-images/mkimage.h"
#include "sample-images/mki_le.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t align(size_t v, size_t a)
{
    return (v + a - 1) / a * a;
}

int mki_dump_bytes(const struct mki_dump_spec *s, struct mki_bytes *out)
{
    const int b64 = s->bits != 32;
    const size_t hdr = b64 ? 0x2000 : 0x1000, stride = b64 ? 0x90 : 0x4C;
    size_t list = hdr + 0x100, pool = list + s->n_drivers * stride, pool_len = 0;
    for (size_t i = 0; i < s->n_drivers; i++)
        pool_len += align(4 + 2 * (strlen(s->drivers[i].name) + 1), 8);
    size_t total = align(pool + pool_len, 0x1000) + 0x1000;
    uint8_t *b = calloc(1, total);
    if (!b)
        return -ENOMEM;
    if (s->kind == MKI_DUMP_USER) {
        memcpy(b, "MDMP", 4);
        mki_put32(b + 4, 0xA793); /* MINIDUMP_VERSION */
        mki_put32(b + 8, 0);      /* NumberOfStreams */
        mki_put32(b + 12, 0x20);  /* StreamDirectoryRva */
    } else {
        for (size_t o = 0; o < hdr; o += 4)
            memcpy(b + o, "PAGE", 4);
        memcpy(b + 4, s->kind == MKI_DUMP_UNFINISHED ? "PAGE" : b64 ? "DU64" : "DUMP", 4);
        mki_put32(b + 0x08, 0xF);
        mki_put32(b + 0x0C, s->build);
        uint32_t type = s->kind == MKI_DUMP_UNFINISHED ? MKI_DUMP_FULL : (uint32_t)s->kind;
        if (b64) {
            mki_put32(b + 0x30, 0x8664); /* MachineImageType: AMD64 */
            mki_put32(b + 0x34, 2);
            mki_put32(b + 0x38, s->code);
            mki_put32(b + 0x3C, 0);
            for (int p = 0; p < 4; p++)
                mki_put64(b + 0x40 + 8 * p, s->param[p]);
            mki_put32(b + 0xF98, type);
            if (s->time)
                mki_put64(b + 0xFA8, s->time);
        } else {
            mki_put32(b + 0x20, 0x14C); /* i386 */
            mki_put32(b + 0x24, 1);
            mki_put32(b + 0x28, s->code);
            for (int p = 0; p < 4; p++)
                mki_put32(b + 0x2C + 4 * p, (uint32_t)s->param[p]);
            mki_put32(b + 0xF88, type);
            if (s->time)
                mki_put64(b + 0xFC0, s->time);
        }
        if (s->kind == MKI_DUMP_TRIAGE) {
            uint8_t *t = b + hdr;
            memset(t, 0, 0x100);
            mki_put32(t + 0x00, s->build); /* ServicePackBuild */
            mki_put32(t + 0x04, (uint32_t)total);
            mki_put32(t + 0x30, s->list_offset ? s->list_offset : (uint32_t)list);
            mki_put32(t + 0x34, (uint32_t)s->n_drivers);
            mki_put32(t + 0x38, (uint32_t)pool);
            mki_put32(t + 0x3C, (uint32_t)pool_len);
            size_t at = pool;
            for (size_t i = 0; i < s->n_drivers; i++) {
                uint8_t *e = b + list + i * stride;
                const struct mki_dump_driver *d = &s->drivers[i];
                mki_put32(e, (uint32_t)at);
                if (b64) {
                    mki_put64(e + 0x08 + 0x30, d->base);
                    mki_put32(e + 0x08 + 0x40, d->size);
                } else {
                    mki_put32(e + 0x04 + 0x18, (uint32_t)d->base);
                    mki_put32(e + 0x04 + 0x20, d->size);
                }
                size_t n = strlen(d->name);
                mki_put32(b + at, (uint32_t)n);
                for (size_t k = 0; k < n; k++)
                    b[at + 4 + 2 * k] = (uint8_t)d->name[k];
                at += align(4 + 2 * (n + 1), 8);
            }
        }
    }
    size_t len = s->cut && s->cut < total ? (size_t)s->cut : total;
    int r = mki_bytes_append(out, b, len);
    free(b);
    return r;
}
