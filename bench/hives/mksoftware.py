#!/usr/bin/env python3
"""Writes a SOFTWARE-like regf hive with N packages under CBS\\Packages, each with a
CurrentState dword, directly as regf (4 KiB bins, one lf list per key, as Windows lays
small keys out), for timing the enumeration: hivex grows quadratically with many subkeys
under one key, so the sample-image builder cannot make these. Usage: mksoftware.py N OUT"""
import struct, sys
N = int(sys.argv[1]); out = sys.argv[2]
# hive bins data as Windows lays it out: 4 KiB bins (bigger only for a cell that needs it)
data = bytearray(); bin_start = 0; bin_size = 0
def new_bin(need):
    global bin_start, bin_size
    if bin_size:
        used = len(data) - bin_start
        free = bin_size - used
        if free: data.extend(struct.pack('<i', free) + b'\0' * (free - 4))
    bin_start = len(data); bin_size = max(4096, (need + 32 + 4095) & ~4095)
    data.extend(struct.pack('<4sIIQQI', b'hbin', bin_start, bin_size, 0, 0, 0))
def alloc(d):
    size = (len(d) + 4 + 7) & ~7
    if not bin_size or len(data) + size > bin_start + bin_size: new_bin(size)
    off = len(data)
    data.extend(struct.pack('<i', -size) + d + b'\0' * (size - 4 - len(d)))
    return off
def patch(off, pos, fmt, val):
    struct.pack_into(fmt, data, off + 4 + pos, val)
def nk(name, parent, root=False):
    nb = name.encode('ascii')
    d = struct.pack('<2sHQIIIIIIIIIIIIIIIHH', b'nk', 0x2C if root else 0x20, 0, 0, parent,
                    0, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
                    0, 0, 0, 0, 0, len(nb), 0) + nb
    return alloc(d)
def set_subkeys(key, subs):
    d = struct.pack('<2sH', b'lf', len(subs)) + b''.join(
        struct.pack('<I4s', o, n.encode()[:4].ljust(4, b'\0')) for o, n in subs)
    lst = alloc(d)
    patch(key, 20, '<I', len(subs)); patch(key, 28, '<I', lst)
    patch(key, 52, '<I', max(len(n) * 2 for _, n in subs))
def set_dword(key, name, val):
    nb = name.encode()
    vk = alloc(struct.pack('<2sHIIIHH', b'vk', len(nb), 0x80000004, val, 4, 1, 0) + nb)
    vl = alloc(struct.pack('<I', vk))
    patch(key, 36, '<I', 1); patch(key, 40, '<I', vl)
root = nk('ROOT', 0, root=True)
chain = ['Microsoft', 'Windows', 'CurrentVersion', 'Component Based Servicing', 'Packages']
parent = root; keys = []
for c in chain:
    k = nk(c, parent); set_subkeys(parent, [(k, c)]); keys.append(k); parent = k
pk = parent; subs = []
for i in range(N):
    name = 'Package_for_KB%07d~31bf3856ad364e35~amd64~~10.0.1.%d' % (i, i)
    k = nk(name, pk); set_dword(k, 'CurrentState', 0x70); subs.append((k, name))
subs.sort(key=lambda s: s[1].upper())
set_subkeys(pk, subs)
new_bin(0)  # closes the last bin with a free cell
del data[bin_start:]
total = len(data)
hbin = bytes(data)
base = bytearray(4096)
struct.pack_into('<4sIIQIIIII', base, 0, b'regf', 1, 1, 0, 1, 5, 0, 1, root)
struct.pack_into('<II', base, 40, total, 1)
x = 0
for i in range(127): x ^= struct.unpack_from('<I', base, i * 4)[0]
struct.pack_into('<I', base, 508, x)
open(out, 'wb').write(bytes(base) + hbin)
