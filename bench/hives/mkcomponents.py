#!/usr/bin/env python3
"""Writes a COMPONENTS-like regf hive of about SIZE_MB megabytes directly as regf (regf.py: lh
leaves under ri indexes), for measuring what opening a big COMPONENTS costs: DerivedData\\
Components with one key per component (identity, S256H hash and a c! deployment value, ~2 KB,
as Windows stores them) until the size is reached, CanonicalData\\Deployments, and the servicing
keys sxsdoctor reads (ServicingStackVersions with the SSU of the healthy sample image, so the
facts stay those of the healthy tree). Real servers carry COMPONENTS hives of 600 MB and more.
Usage: mkcomponents.py SIZE_MB OUT"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from regf import Regf, REG_BINARY, REG_SZ, sz

target = int(sys.argv[1]) << 20; out = sys.argv[2]
r = Regf(out)
root = r.nk('ROOT', 0, root=True)
ssv = r.nk('ServicingStackVersions', root)
r.values(ssv, [('10.0.26100.5074', REG_SZ, sz(
    'C:\\WINDOWS\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_'
    '10.0.26100.5074_none_a5532eb7772ad4c4'))])
canon = r.nk('CanonicalData', root); dep = r.nk('Deployments', canon)
derived = r.nk('DerivedData', root); comps = r.nk('Components', derived)
subs = []; i = 0
ident = bytes(range(256)) * 6  # identity buffer, ~1.5 KB
while r.end() + 4096 < target:
    name = 'amd64_microsoft-windows-component%06d_31bf3856ad364e35_10.0.26100.%d_none_%016x' % (
        i, i % 5000, (i * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
    k = r.nk(name, comps)
    r.values(k, [('identity', REG_BINARY, ident), ('S256H', REG_BINARY, bytes(32)),
                 ('c!%s' % name[:60], REG_BINARY, b''), ('CF', REG_BINARY, bytes(8))])
    subs.append((k, name)); i += 1
r.subkeys(comps, subs)
r.subkeys(derived, [(comps, 'Components')])
d0 = r.nk('amd64_microsoft-windows-deployment_31bf3856ad364e35_10.0.26100.5074_none', dep)
r.subkeys(dep, [(d0, 'amd64_microsoft-windows-deployment_31bf3856ad364e35_10.0.26100.5074_none')])
r.subkeys(canon, [(dep, 'Deployments')])
r.subkeys(root, [(ssv, 'ServicingStackVersions'), (canon, 'CanonicalData'),
                 (derived, 'DerivedData')])
total = r.finish(root)
print('%s: %d bytes, %d components' % (out, total, i), file=sys.stderr)
