#!/usr/bin/env python3
"""Makes a small fuzz_hive seed from a real hive and its transaction logs.

usage: hive_seed.py OUT MAX_LEN HIVE [LOG...]

The seed is the harness's framing (fuzz_hive.c): the hive, then its logs, concatenated. To fit
MAX_LEN (the harness's input cap) without losing what makes the files interesting:
- each log is cut after its last HvLE entry (new-format logs: the rest is stale space), an
  old-format log is kept whole; logs that still do not fit are dropped from the end;
- the hive is cut to its base block plus the bins its base block declares (real hives carry
  free space after them), and to what is left of MAX_LEN, at a 4 KiB hive-bin boundary.
A cut hive keeps the base block as written: the harness sees the same declared size as the
reader would on a truncated file.
"""
import struct
import sys


def log_used(data):
    if len(data) < 512 or data[:4] != b"regf":
        return data
    pos = 512
    while pos + 40 <= len(data) and data[pos:pos + 4] == b"HvLE":
        size = struct.unpack_from("<I", data, pos + 4)[0]
        if size < 40 or pos + size > len(data):
            break
        pos += size
    if pos == 512:  # no HvLE entry: an old-format log (dirty vector) or an empty one
        return data
    return data[:(pos + 511) // 512 * 512]


def main():
    out, max_len, hive = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    h = open(hive, "rb").read()
    logs = [log_used(open(p, "rb").read()) for p in sys.argv[4:]]
    logs = [d for d in logs if d]
    declared = 4096 + struct.unpack_from("<I", h, 0x28)[0] if len(h) >= 0x2C else len(h)
    h = h[:min(len(h), declared)]
    while logs and len(h[:8192]) + sum(map(len, logs)) > max_len:
        logs.pop()
    room = max_len - sum(map(len, logs))
    if len(h) > room:
        h = h[:max(4096, room // 4096 * 4096)]
    with open(out, "wb") as f:
        f.write(h)
        for d in logs:
            f.write(d)


if __name__ == "__main__":
    main()
