"""A minimal regf (registry hive) writer for the bench hives, streamed to the file so a
600 MB hive needs no 600 MB in memory: 4 KiB bins (bigger only for a cell that needs it), keys
with ASCII names, subkey lists as Windows writes them (one lh leaf up to LEAF subkeys, an ri
index over lh leaves beyond), values inline (<= 4 bytes) or in a data cell (< 16 KiB). hivex
grows quadratically with many subkeys under one key and leaves most of a big hive as dead
cells, so the bench writes regf directly."""
import os, struct

LEAF = 512  # subkeys per lh leaf under an ri index (Windows splits leaves near 500)
REG_SZ, REG_BINARY, REG_DWORD = 1, 3, 4


def lh_hash(name):
    h = 0
    for c in name.upper():
        h = (h * 37 + ord(c)) & 0xFFFFFFFF
    return h


class Regf:
    def __init__(self, path):
        self.f = open(path, 'w+b')
        self.fd = self.f.fileno()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, bytes(4096), 0)
        self.flushed = 0          # bins bytes already in the file
        self.buf = bytearray()    # bins bytes from self.flushed on
        self.bin_start = self.bin_size = 0

    def end(self):
        return self.flushed + len(self.buf)

    def _close_bin(self):
        if self.bin_size:
            free = self.bin_start + self.bin_size - self.end()
            if free:
                self.buf += struct.pack('<i', free) + bytes(free - 4)
        if len(self.buf) >= 8 << 20:  # at a bin boundary: no cell straddles the flush
            os.pwrite(self.fd, self.buf, 4096 + self.flushed)
            self.flushed += len(self.buf)
            self.buf = bytearray()

    def _new_bin(self, need):
        self._close_bin()
        self.bin_start = self.end()
        self.bin_size = max(4096, (need + 32 + 4095) & ~4095)
        self.buf += struct.pack('<4sIIQQI', b'hbin', self.bin_start, self.bin_size, 0, 0, 0)

    def alloc(self, d):
        size = (len(d) + 4 + 7) & ~7
        if not self.bin_size or self.end() + size > self.bin_start + self.bin_size:
            self._new_bin(size)
        off = self.end()
        self.buf += struct.pack('<i', -size) + d + bytes(size - 4 - len(d))
        return off

    def patch(self, cell, pos, fmt, val):
        at = cell + 4 + pos
        if at >= self.flushed:
            struct.pack_into(fmt, self.buf, at - self.flushed, val)
        else:
            os.pwrite(self.fd, struct.pack(fmt, val), 4096 + at)

    def nk(self, name, parent, root=False):
        nb = name.encode('ascii')
        d = struct.pack('<2sHQIIIIIIIIIIIIIIIHH', b'nk', 0x2C if root else 0x20, 0, 0, parent,
                        0, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
                        0, 0, 0, 0, 0, len(nb), 0) + nb
        return self.alloc(d)

    def subkeys(self, key, subs):
        """subs: [(cell, name)]; sorted here as Windows keeps them."""
        subs = sorted(subs, key=lambda s: s[1].upper())
        def leaf(part):
            return self.alloc(struct.pack('<2sH', b'lh', len(part)) + b''.join(
                struct.pack('<II', o, lh_hash(n)) for o, n in part))
        if len(subs) <= 2 * LEAF:
            lst = leaf(subs)
        else:
            leaves = [leaf(subs[i:i + LEAF]) for i in range(0, len(subs), LEAF)]
            lst = self.alloc(struct.pack('<2sH', b'ri', len(leaves)) +
                             b''.join(struct.pack('<I', o) for o in leaves))
        self.patch(key, 20, '<I', len(subs))
        self.patch(key, 28, '<I', lst)
        self.patch(key, 52, '<I', max(len(n) * 2 for _, n in subs))

    def values(self, key, vals):
        """vals: [(name, type, data bytes)]."""
        cells = []
        for name, typ, data in vals:
            nb = name.encode('ascii')
            if len(data) <= 4:
                size, off = 0x80000000 | len(data), struct.unpack('<I', data.ljust(4, b'\0'))[0]
            else:
                size, off = len(data), self.alloc(data)
            cells.append(self.alloc(struct.pack('<2sHIIIHH', b'vk', len(nb), size, off, typ,
                                                1 if nb else 0, 0) + nb))
        vl = self.alloc(b''.join(struct.pack('<I', c) for c in cells))
        self.patch(key, 36, '<I', len(cells))
        self.patch(key, 40, '<I', vl)

    def finish(self, root):
        self._close_bin()
        self.bin_size = 0
        total = self.end()
        os.pwrite(self.fd, self.buf, 4096 + self.flushed)
        base = bytearray(4096)
        struct.pack_into('<4sIIQIIIII', base, 0, b'regf', 1, 1, 0, 1, 5, 0, 1, root)
        struct.pack_into('<II', base, 40, total, 1)
        x = 0
        for i in range(127):
            x ^= struct.unpack_from('<I', base, i * 4)[0]
        struct.pack_into('<I', base, 508, x)
        os.pwrite(self.fd, bytes(base), 0)
        self.f.close()
        return 4096 + total


def sz(text):
    return (text + '\0').encode('utf-16-le')
