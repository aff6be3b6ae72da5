/* sxs-mkimage: little-endian fields and GUID text, as every on-disk format the builder writes
 * (regf, EVTX, BCD, crash dumps, VSS, BitLocker) stores them. */
#ifndef MKI_LE_H
#define MKI_LE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The n low bytes of v at p, least significant first. */
static inline void mki_put_le(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void mki_put16(uint8_t *p, uint16_t v)
{
    mki_put_le(p, v, 2);
}

static inline void mki_put32(uint8_t *p, uint32_t v)
{
    mki_put_le(p, v, 4);
}

static inline void mki_put64(uint8_t *p, uint64_t v)
{
    mki_put_le(p, v, 8);
}

/* A GUID as stored (mixed-endian) in registry text form: {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}. */
static inline void mki_guid_text(const uint8_t g[16], char out[39])
{
    snprintf(out, 39, "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
             g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
             g[14], g[15]);
}

#endif
