#!/usr/bin/env bash
# Volume layers (fsaccess/fsa_tsk_layers.c): shadow copies listed through libvshadow and
# checked against vshadowinfo; BitLocker key handling (wrong key names the volume and its
# protectors, no key in any output, bad format refused without echo, evidence unchanged); a
# real BitLocker image when SXS_BDE_TEST_IMAGE (+ SXS_BDE_TEST_PASSWORD) is given.
#   check_layers.sh SXSDOCTOR DATA_DIR
set -uo pipefail
bin=$1 data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

# ---- shadow copies ----
if ! command -v qemu-img >/dev/null || ! command -v vshadowinfo >/dev/null; then
    echo "skip: qemu-img or vshadowinfo absent, shadow-copy checks not run"
else
    qemu-img convert -O raw "$data/vsstest.qcow2" "$tmp/vss.raw"
    before=$(sha256sum <"$tmp/vss.raw")
    want=$(vshadowinfo "$tmp/vss.raw" | python3 -c '
import sys, re, datetime
ids = re.findall(r"^\tIdentifier\s+: (\S+)", sys.stdin.read(), re.M)
sys.stdin = None
print(ids)')
    wantt=$(vshadowinfo "$tmp/vss.raw" | python3 -c '
import sys, re, datetime
ts = re.findall(r"Creation time\s+: (\w+ \d+, \d+ \d+:\d+:\d+)", sys.stdin.read())
print([int(datetime.datetime.strptime(t, "%b %d, %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()) for t in ts])')
    "$bin" --json "$tmp/vss.raw" >"$tmp/vss.json" 2>"$tmp/vss.err"
    got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([s["identifier"] for s in d["volumes"][0]["shadow_copies"]])' "$tmp/vss.json")
    gott=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([s["created"] for s in d["volumes"][0]["shadow_copies"]])' "$tmp/vss.json")
    [ "$got" = "$want" ] || no "shadow copy identifiers $got, vshadowinfo says $want"
    [ "$gott" = "$wantt" ] || no "shadow copy dates $gott, vshadowinfo says $wantt"
    [ "$want" = "['600f0b69-5bdf-11e3-9d6c-005056c00008', '600f0b6d-5bdf-11e3-9d6c-005056c00008']" ] ||
        no "vshadowinfo lists $want (expected the 2 stores of vsstest)"
    "$bin" "$tmp/vss.raw" >"$tmp/vss.txt" 2>&1
    grep -q "vss2   2013-12-03 06:37:48 UTC  {600f0b6d-5bdf-11e3-9d6c-005056c00008}" "$tmp/vss.txt" ||
        no "text report lacks the dated rollback line: $(cat "$tmp/vss.txt")"
    "$bin" --markdown "$tmp/vss.raw" >"$tmp/vss.md" 2>&1
    grep -qF -- '- `vss2` 2013-12-03 06:37:48 UTC, store `{600f0b6d-5bdf-11e3-9d6c-005056c00008}`' \
        "$tmp/vss.md" || no "Markdown report lacks the dated rollback line: $(cat "$tmp/vss.md")"
    # a damaged catalog: the store list block (first catalog block) overwritten
    cp "$tmp/vss.raw" "$tmp/bad.raw"
    cat_off=$(python3 -c 'import struct,sys; f=open(sys.argv[1],"rb"); f.seek(0x1e00+0x30); print(struct.unpack("<Q", f.read(8))[0])' "$tmp/bad.raw")
    if [ "$cat_off" -gt 0 ]; then
        printf 'garbage-garbage-garbage' | dd of="$tmp/bad.raw" bs=1 seek="$cat_off" conv=notrunc status=none
        "$bin" --json "$tmp/bad.raw" >"$tmp/bad.json" 2>"$tmp/bad.err"
        rc=$?
        [ "$rc" = 3 ] || no "damaged VSS catalog: exit $rc, expected 3 (no Windows), not a crash"
        grep -q "shadow copies cannot be listed" "$tmp/bad.err" || no "damaged catalog: no clear message: $(cat "$tmp/bad.err")"
    else
        no "vsstest has no catalog offset"
    fi
    # --snapshot N: the store read as the volume, named in every format
    "$bin" --snapshot 2 "$tmp/vss.raw" >"$tmp/s2.txt" 2>&1
    grep -qF "snapshot volume 0 is read as its shadow copy vss2 {600f0b6d-5bdf-11e3-9d6c-005056c00008}, created 2013-12-03 06:37:48 UTC" \
        "$tmp/s2.txt" || no "--snapshot 2: text report does not say which snapshot: $(cat "$tmp/s2.txt")"
    "$bin" --json --snapshot 1 "$tmp/vss.raw" >"$tmp/s1.json" 2>/dev/null
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["volumes"][0]["snapshot"]; assert s=={"index":1,"identifier":"600f0b69-5bdf-11e3-9d6c-005056c00008","created":1386052509}, s' \
        "$tmp/s1.json" || no "--snapshot 1: JSON volumes[0].snapshot wrong"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["volumes"][0]["snapshot"] is None' "$tmp/vss.json" ||
        no "without --snapshot, volumes[0].snapshot is not null"
    "$bin" --markdown --snapshot 2 "$tmp/vss.raw" >"$tmp/s2.md" 2>/dev/null
    grep -qF -- '- **Snapshot**: volume 0 is read as its shadow copy vss2' "$tmp/s2.md" ||
        no "--snapshot 2: Markdown report does not say which snapshot"
    "$bin" --snapshot 3 "$tmp/vss.raw" >"$tmp/s3.txt" 2>&1; rc=$?
    [ "$rc" = 3 ] || no "--snapshot 3 (no such store): exit $rc, expected 3"
    grep -qF "volume 0 has no shadow copy vss3; its 2 shadow copies are: vss1 of 2013-12-03 06:35:09 UTC {600f0b69-5bdf-11e3-9d6c-005056c00008}, vss2 of 2013-12-03 06:37:48 UTC {600f0b6d-5bdf-11e3-9d6c-005056c00008}" \
        "$tmp/s3.txt" || no "--snapshot 3: the error does not name the stores: $(cat "$tmp/s3.txt")"
    "$bin" --snapshot x "$tmp/vss.raw" >/dev/null 2>&1; rc=$?
    [ "$rc" = 2 ] || no "--snapshot x: exit $rc, expected 2"
    "$bin" --snapshot 1 "$tmp/bad.raw" >"$tmp/bads.txt" 2>&1; rc=$?
    [ "$rc" = 3 ] && grep -q "shadow copies of .* cannot be listed" "$tmp/bads.txt" ||
        no "--snapshot on a damaged catalog: exit $rc: $(cat "$tmp/bads.txt")"
    # damaged store: the block list (catalog entry type 3, offset 8) of the 2nd store overwritten
    cp "$tmp/vss.raw" "$tmp/badstore.raw"
    bl=$(python3 -c '
import struct, sys
f = open(sys.argv[1], "rb"); f.seek(0x1e00 + 0x30); cat = struct.unpack("<Q", f.read(8))[0]
f.seek(cat); b = f.read(16384)
t3 = [struct.unpack("<Q", b[i + 8:i + 16])[0] for i in range(128, 16384, 128) if struct.unpack("<Q", b[i:i + 8])[0] == 3]
print(t3[-1])' "$tmp/badstore.raw")
    python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(int(sys.argv[2])); f.write(b"\xde\xad" * 64)' "$tmp/badstore.raw" "$bl"
    "$bin" --snapshot 2 "$tmp/badstore.raw" >"$tmp/bst.txt" 2>&1; rc=$?
    [ "$rc" = 3 ] || no "--snapshot 2 on a damaged store: exit $rc, expected 3"
    grep -q "shadow copy vss2 {600f0b6d-5bdf-11e3-9d6c-005056c00008} of 2013-12-03 06:37:48 UTC holds no readable NTFS" \
        "$tmp/bst.txt" || no "damaged store: no clear message: $(cat "$tmp/bst.txt")"
    [ "$(sha256sum <"$tmp/vss.raw")" = "$before" ] || no "the evidence changed"
fi

# ---- BitLocker key handling on a BitLocker-looking volume ----
rp=111111-222222-333333-444444-555555-666666-777777-888888
python3 - "$tmp/bde.raw" <<'PY'
import sys
b = bytearray(4 << 20)
pe = 446
b[pe + 4] = 0x07
b[pe + 8:pe + 12] = (2048).to_bytes(4, "little")
b[pe + 12:pe + 16] = (4096).to_bytes(4, "little")
b[510:512] = b"\x55\xaa"
bs = 2048 * 512
b[bs:bs + 11] = b"\xeb\x58\x90-FVE-FS-"
b[bs + 510:bs + 512] = b"\x55\xaa"
open(sys.argv[1], "wb").write(b)
PY
before=$(sha256sum <"$tmp/bde.raw")
"$bin" --json --recovery-password "$rp" "$tmp/bde.raw" >"$tmp/b1.out" 2>"$tmp/b1.err"; rc=$?
[ "$rc" = 3 ] || no "locked BitLocker: exit $rc, expected 3"
grep -q "volume 0 at offset 1048576 is BitLocker-encrypted" "$tmp/b1.err" || no "no message naming the volume: $(cat "$tmp/b1.err")"
printf '%s\n' "$rp" >"$tmp/rp.txt"
printf 'hunter2-secret\n' >"$tmp/pw.txt"
"$bin" -v --recovery-password-file "$tmp/rp.txt" --password-file "$tmp/pw.txt" "$tmp/bde.raw" >"$tmp/b2.out" 2>"$tmp/b2.err"
SXS_BITLOCKER_RECOVERY_PASSWORD=$rp "$bin" --markdown "$tmp/bde.raw" >"$tmp/b3.out" 2>"$tmp/b3.err"
for f in "$tmp"/b[123].*; do
    if grep -q -e "$rp" -e "111111" -e "hunter2" "$f"; then no "key material in $(basename "$f")"; fi
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d["volumes"][0]; assert v["fs"]=="bitlocker" and v["encryption"]=="bitlocker" and v["unlocked_with"]=="", v' "$tmp/b1.out" ||
    no "locked volume fields"
"$bin" --recovery-password 12345-bad-key99 "$tmp/bde.raw" >"$tmp/b4.out" 2>"$tmp/b4.err"; rc=$?
[ "$rc" = 2 ] || no "malformed recovery password: exit $rc, expected 2"
grep -q "bad-key99" "$tmp/b4.err" && no "the malformed key is echoed"
printf 'not-a-recovery-password\n' >"$tmp/bad.txt"
"$bin" --recovery-password-file "$tmp/bad.txt" "$tmp/bde.raw" >/dev/null 2>"$tmp/b5.err"; rc=$?
[ "$rc" = 3 ] || no "malformed key file: exit $rc, expected 3"
grep -q "not 48 digits" "$tmp/b5.err" || no "malformed key file: $(cat "$tmp/b5.err")"
grep -q "not-a-recovery" "$tmp/b5.err" && no "the key file's content is echoed"
[ "$(sha256sum <"$tmp/bde.raw")" = "$before" ] || no "the BitLocker evidence changed"

# ---- a real BitLocker volume ----
# cryptsetup's test image bitlk-aes-xts-128 (mbroz/cryptsetup tests/bitlk-images.tar.xz,
# GPL-2.0+; made by Windows 10, password "anaconda" and a recovery password, both in its
# images.conf) from the corpus as images/bitlk-aes-xts-128.img.xz, or any image given with
# SXS_BDE_TEST_IMAGE + SXS_BDE_TEST_PASSWORD (+ SXS_BDE_TEST_RECOVERY).
corpus=${3:-}
if [ -z "${SXS_BDE_TEST_IMAGE:-}" ] && [ -n "$corpus" ] && [ -f "$corpus/images/bitlk-aes-xts-128.img.xz" ]; then
    xz -dc "$corpus/images/bitlk-aes-xts-128.img.xz" >"$tmp/bitlk.img"
    SXS_BDE_TEST_IMAGE=$tmp/bitlk.img
    SXS_BDE_TEST_PASSWORD=anaconda
    SXS_BDE_TEST_RECOVERY=235818-357951-253979-013365-241120-245575-342914-591910
fi
if [ -n "${SXS_BDE_TEST_IMAGE:-}" ] && [ -n "${SXS_BDE_TEST_PASSWORD:-}" ]; then
    img=$SXS_BDE_TEST_IMAGE
    before=$(sha256sum <"$img")
    printf '%s\n' "$SXS_BDE_TEST_PASSWORD" >"$tmp/realpw"
    "$bin" --json --password-file "$tmp/realpw" "$img" >"$tmp/r.json" 2>"$tmp/r.err"
    # bdeinfo (libbde-utils) is the cross-check: the same protectors, and it unlocks it too
    bdeinfo -p "$SXS_BDE_TEST_PASSWORD" "$img" >"$tmp/bdeinfo.txt" 2>&1
    grep -q "Is locked" "$tmp/bdeinfo.txt" && no "bdeinfo cannot unlock it either"
    want_prot=$(python3 -c '
import re, sys
names = {"Password": "password", "Recovery password": "recovery password", "Clear key": "clear key",
         "TPM": "TPM", "Startup key": "startup key"}
seen = []
for t in re.findall(r"^\tType\s+: (.+)$", open(sys.argv[1]).read(), re.M):
    n = names.get(t.strip(), "other")
    if n not in seen:
        seen.append(n)
print(", ".join(seen))' "$tmp/bdeinfo.txt")
    python3 - "$tmp/r.json" "$want_prot" <<'PY' || no "real BitLocker image, password: $(cat "$tmp/r.err")"
import json, sys
d = json.load(open(sys.argv[1]))
v = [v for v in d["volumes"] if v["encryption"] == "bitlocker"][0]
assert v["unlocked_with"] == "password", v
assert v["protectors"] == sys.argv[2], (v["protectors"], sys.argv[2])
assert "unlocked with password" in v["note"], v
assert d["verdict"]["status"] == "unreadable" or d["installs"], d["verdict"]
PY
    grep -q "no Windows installation found" "$tmp/r.err" || grep -q '"installs": \[{' "$tmp/r.json" ||
        no "real BitLocker image: neither an install nor 'no Windows installation found': $(cat "$tmp/r.err")"
    if [ -n "${SXS_BDE_TEST_RECOVERY:-}" ]; then
        printf '%s\n' "$SXS_BDE_TEST_RECOVERY" >"$tmp/realrp"
        "$bin" --json --recovery-password-file "$tmp/realrp" "$img" >"$tmp/rr.json" 2>"$tmp/rr.err"
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d["volumes"][0]; assert v["unlocked_with"]=="recovery password", v' \
            "$tmp/rr.json" || no "real BitLocker image not unlocked by its recovery password: $(cat "$tmp/rr.err")"
        SXS_BITLOCKER_RECOVERY_PASSWORD=$SXS_BDE_TEST_RECOVERY "$bin" "$img" >"$tmp/re.txt" 2>&1
        grep -q "unlocked with recovery password" "$tmp/re.txt" || no "SXS_BITLOCKER_RECOVERY_PASSWORD did not unlock it"
        grep -q -F -e "$SXS_BDE_TEST_RECOVERY" -e "${SXS_BDE_TEST_RECOVERY%%-*}" "$tmp/rr.json" "$tmp/rr.err" "$tmp/re.txt" &&
            no "recovery password in output"
    fi
    # a wrong key: a clear error naming the volume and its protectors
    printf 'not-the-password\n' >"$tmp/wrongpw"
    "$bin" --password-file "$tmp/wrongpw" "$img" >"$tmp/w.txt" 2>&1; rc=$?
    [ "$rc" = 3 ] || no "wrong password: exit $rc, expected 3"
    grep -qF "is BitLocker-encrypted and the key given does not unlock it (wrong key, or a protector it does not have); its protectors: $want_prot" \
        "$tmp/w.txt" || no "wrong password: no clear error: $(cat "$tmp/w.txt")"
    grep -q -F -e "$SXS_BDE_TEST_PASSWORD" -e "not-the-password" "$tmp/r.json" "$tmp/r.err" "$tmp/w.txt" && no "real key in output"
    [ "$(sha256sum <"$img")" = "$before" ] || no "the BitLocker evidence changed"
else
    echo "skip: no real BitLocker image (corpus images/bitlk-aes-xts-128.img.xz, or SXS_BDE_TEST_IMAGE + SXS_BDE_TEST_PASSWORD), real unlock not run"
fi
[ $fail -eq 0 ] && echo "ok: shadow copies match vshadowinfo; BitLocker keys never shown"
exit $fail
