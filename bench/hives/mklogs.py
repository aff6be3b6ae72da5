#!/usr/bin/env python3
"""Makes a hive dirty with two big new-format transaction logs, for measuring the replay's
memory and time (issue 16 item 2): copies HIVE_IN to OUT (its base block sequence numbers made
S+1/S, as a crash leaves them) and writes OUT.LOG1 and OUT.LOG2 of LOG_MB MiB each, full of
valid "HvLE" entries (Marvin32 hashes) that rewrite the hive's first PAGES pages of bins with
their own bytes, LOG2 continuing LOG1's sequence, so the replay applies every entry of both
and the result reads as the input hive. Each entry carries the same pages, so only its header
(sequence number, header hash) changes and the data hash is computed once.
Usage: mklogs.py HIVE_IN OUT LOG_MB [PAGES]"""
import os, struct, sys

SEED = 0x82EF4D887A4E55C5
M32 = 0xFFFFFFFF


def rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & M32


def marvin32(data, seed=SEED):
    lo, hi = seed & M32, seed >> 32

    def mix(lo, hi, v):
        lo = (lo + v) & M32
        hi ^= lo
        lo = (rotl(lo, 20) + hi) & M32
        hi = rotl(hi, 9) ^ lo
        lo = (rotl(lo, 27) + hi) & M32
        hi = rotl(hi, 19)
        return lo, hi
    n = len(data) // 4
    for (v,) in struct.iter_unpack('<I', data[:n * 4]):
        lo, hi = mix(lo, hi, v)
    final = 0x80
    for b in reversed(data[n * 4:]):
        final = (final << 8) | b
    lo, hi = mix(lo, hi, final)
    lo, hi = mix(lo, hi, 0)
    return (hi << 32) | lo


def checksum(bb):
    x = 0
    for (v,) in struct.iter_unpack('<I', bytes(bb[:508])):
        x ^= v
    return 1 if x == 0 else 0xFFFFFFFE if x == M32 else x


def main():
    src, out, log_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pages = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    with open(src, 'rb') as f:
        base = bytearray(f.read(4096))
        bins = f.read(pages * 4096)
    assert base[:4] == b'regf' and len(bins) == pages * 4096, 'hive too small'
    seq = struct.unpack_from('<I', base, 8)[0]
    hbins = struct.unpack_from('<I', base, 40)[0]
    # The primary: dirty (S+1/S), the rest of it copied as is.
    with open(src, 'rb') as f, open(out, 'wb') as o:
        f.seek(4096)
        dirty = bytearray(base)
        struct.pack_into('<II', dirty, 4, seq + 1, seq)
        struct.pack_into('<I', dirty, 508, checksum(dirty))
        o.write(dirty)
        while True:
            chunk = f.read(8 << 20)
            if not chunk:
                break
            o.write(chunk)
    # One entry body (page list + pages), hashed once.
    body = b''.join(struct.pack('<II', i * 4096, 4096) for i in range(pages)) + bins
    size = (40 + len(body) + 511) // 512 * 512
    body += bytes(size - 40 - len(body))
    data_hash = marvin32(body)
    per_log = max(1, (log_mb << 20) // size)
    first = seq
    for name in ('LOG1', 'LOG2'):
        bb = bytearray(base[:512])
        struct.pack_into('<II', bb, 4, first, first)
        struct.pack_into('<I', bb, 28, 6)  # file type: new-format log
        struct.pack_into('<I', bb, 508, checksum(bb))
        with open('%s.%s' % (out, name), 'wb') as o:
            o.write(bb)
            for k in range(per_log):
                h = bytearray(struct.pack('<4sIIIIIQ', b'HvLE', size, 0, first + k, hbins, pages,
                                          data_hash))
                h += struct.pack('<Q', marvin32(bytes(h[:32])))
                o.write(h)
                o.write(body)
        first += per_log
    print('%s: %d entries of %d bytes per log, sequence %d..%d' %
          (out, per_log, size, seq, first - 1))


main()
