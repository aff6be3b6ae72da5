/* Checked size arithmetic for lengths that come from untrusted evidence bytes. */
#ifndef SXS_CHECKED_H
#define SXS_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Each returns true on overflow and leaves *ret untouched then. */
static inline bool sxs_add_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return true;
    *ret = r;
    return false;
}

static inline bool sxs_mul_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return true;
    *ret = r;
    return false;
}

static inline bool sxs_add_size(size_t a, size_t b, size_t *ret)
{
    size_t r;
    if (__builtin_add_overflow(a, b, &r))
        return true;
    *ret = r;
    return false;
}

/* True when [off, off+len) lies inside a buffer of size total. */
static inline bool sxs_range_ok(uint64_t off, uint64_t len, uint64_t total)
{
    return off <= total && len <= total - off;
}

/* Little-endian loads from a byte buffer; the caller has checked the range. */
static inline uint16_t sxs_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t sxs_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t sxs_le64(const uint8_t *p)
{
    return (uint64_t)sxs_le32(p) | ((uint64_t)sxs_le32(p + 4) << 32);
}

#endif
