#!/usr/bin/env python3
"""Writes a SOFTWARE-like regf hive with N packages under CBS\\Packages, each with a
CurrentState dword, directly as regf (regf.py: 4 KiB bins, lh leaves under an ri index as
Windows lays out many subkeys), for timing the enumeration: hivex grows quadratically with many
subkeys under one key, so the sample-image builder cannot make these. With SIZE_MB, filler keys
under Classes\\CLSID (a string and a 1 KiB binary value each, as COM registrations are) bring
the hive to that size, as a real SOFTWARE of 15k packages is ~120 MB.
Usage: mksoftware.py N OUT [SIZE_MB]"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from regf import Regf, REG_BINARY, REG_DWORD, REG_SZ, sz

N = int(sys.argv[1]); out = sys.argv[2]
target = int(sys.argv[3]) << 20 if len(sys.argv) > 3 else 0
r = Regf(out)
root = r.nk('ROOT', 0, root=True)
chain = ['Microsoft', 'Windows', 'CurrentVersion', 'Component Based Servicing', 'Packages']
parent = root; top = []
for c in chain:
    k = r.nk(c, parent)
    if parent == root:
        top.append((k, c))
    else:
        r.subkeys(parent, [(k, c)])
    parent = k
pk = parent; subs = []
for i in range(N):
    name = 'Package_for_KB%07d~31bf3856ad364e35~amd64~~10.0.1.%d' % (i, i)
    k = r.nk(name, pk); r.values(k, [('CurrentState', REG_DWORD, (0x70).to_bytes(4, 'little'))])
    subs.append((k, name))
r.subkeys(pk, subs)
if target:
    classes = r.nk('Classes', root); clsid = r.nk('CLSID', classes)
    fill = []; i = 0; blob = bytes(range(256)) * 4
    while r.end() + 4096 < target:
        name = '{%08X-0000-4000-8000-%012X}' % (i, i * 7919)
        k = r.nk(name, clsid)
        r.values(k, [('', REG_SZ, sz('Filler class %d' % i)), ('Data', REG_BINARY, blob)])
        fill.append((k, name)); i += 1
    r.subkeys(clsid, fill); r.subkeys(classes, [(clsid, 'CLSID')]); top.append((classes, 'Classes'))
r.subkeys(root, top)
r.finish(root)
