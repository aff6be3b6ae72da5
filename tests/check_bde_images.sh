#!/usr/bin/env bash
# BitLocker volumes made by the sample-image builder (sample-images/mkimage_bde.c) checked by
# other readers first, then by sxsdoctor:
#  - bdeinfo (libbde-utils) lists the protectors, unlocks with the right key, not a wrong one;
#  - Debian's libbde (through python ctypes) decrypts the volume into an NTFS that The Sleuth
#    Kit lists exactly as the plain scenario's (bar the FVE2 files), file bytes identical;
#  - dislocker-file (dislocker, which checks the AES-CCM MACs and the metadata CRC32) decrypts
#    each volume to the same bytes as libbde;
#  - a startup-key volume opens with the .BEK file the builder writes next to it, in bdeinfo,
#    libbde and dislocker, as in sxsdoctor --bek;
#  - sxsdoctor unlocks with --recovery-password, --recovery-password-file,
#    SXS_BITLOCKER_RECOVERY_PASSWORD, --password-file, --bek, and with no key a suspended
#    (clear-key) volume, and gives the plain scenario's findings, verdict, history and exit
#    code; a wrong key is a clear error naming the protectors, exit 3; a .BEK that cannot be
#    read is named with what is wrong; no key material in any output; the evidence is never
#    written.
#   check_bde_images.sh SXSDOCTOR SXS-MKIMAGE SCENARIO_DIR IMAGE_DIR
set -uo pipefail
bin=$1 mk=$2 scn=$3 out=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

rp=154022-356026-390885-368775-419584-104709-648428-436843 # scenarios/bitlocker-ssu-empty.scn
rp2=231231-000011-655336-111111-022022-700007-123453-098824
pw='Sample Pass 1!'
plain=$out/ssu-empty.raw enc=$out/bitlocker-ssu-empty.raw
for f in "$plain" "$enc"; do
    [ -f "$f" ] || { echo "FAIL: $f not built (cmake --build BUILD --target sample_images)"; exit 1; }
done
for t in bdeinfo fls fsstat icat ifind sfdisk python3; do
    command -v $t >/dev/null || { echo "FAIL: $t not installed (scripts/setup.sh)"; exit 1; }
done

# the Windows volume (GPT partition 3) of a disk: start and size in sectors
part() {
    sfdisk -J "$1" | python3 -c 'import json,sys; p=json.load(sys.stdin)["partitiontable"]["partitions"][2]; print(p["start"], p["size"])'
}
read -r start size < <(part "$enc")
off=$((start * 512))

# ---- the image itself: BitLocker on disk, no plaintext left ----
[ "$(dd if="$enc" bs=1 skip=$((off + 3)) count=8 status=none)" = "-FVE-FS-" ] ||
    no "volume header lacks -FVE-FS-"
grep -q "quarterly numbers" "$plain" || no "the plain image lacks notes.txt's text (test is blind)"
grep -q "quarterly numbers" "$enc" && no "the encrypted image holds plaintext of notes.txt"

# ---- bdeinfo ----
bdeinfo -o "$off" "$enc" >"$tmp/bi0.txt" 2>&1
grep -qP '^\tEncryption method\t+: AES-XTS 128-bit$' "$tmp/bi0.txt" || no "bdeinfo: $(cat "$tmp/bi0.txt")"
grep -qP '^\tNumber of key protectors\t: 1$' "$tmp/bi0.txt" || no "bdeinfo: not 1 protector"
grep -qP '^\tType\t+: Recovery password$' "$tmp/bi0.txt" || no "bdeinfo: no recovery password protector"
bdeinfo -o "$off" -r "$rp" "$enc" >"$tmp/bi1.txt" 2>&1
grep -q "Unable to unlock" "$tmp/bi1.txt" && no "bdeinfo cannot unlock with the recovery password: $(cat "$tmp/bi1.txt")"
bdeinfo -o "$off" -r "$rp2" "$enc" >"$tmp/bi2.txt" 2>&1
grep -q "Unable to unlock" "$tmp/bi2.txt" || no "bdeinfo unlocks with a wrong recovery password"

# ---- libbde decrypts; TSK reads the result as the plain NTFS ----
dd if="$enc" of="$tmp/vol.bde" bs=512 skip="$start" count="$size" status=none
# decrypt.py VOLUME OUT recovery|password|startup|none (key, or the .BEK file's name, in
# BDE_KEY): Debian's libbde decrypts
cat >"$tmp/decrypt.py" <<'PY'
import ctypes, os, sys
lib = ctypes.CDLL("libbde.so.1")
lib.libbde_volume_read_buffer_at_offset.restype = ctypes.c_ssize_t
lib.libbde_volume_read_buffer_at_offset.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                                                    ctypes.c_int64, ctypes.c_void_p]
vol, err = ctypes.c_void_p(), ctypes.c_void_p()
assert lib.libbde_volume_initialize(ctypes.byref(vol), ctypes.byref(err)) == 1
key = os.environ.get("BDE_KEY", "").encode()
if sys.argv[3] == "startup":
    assert lib.libbde_volume_read_startup_key(vol, key, ctypes.byref(err)) == 1, "the .BEK"
elif sys.argv[3] != "none":
    setter = {"recovery": lib.libbde_volume_set_utf8_recovery_password,
              "password": lib.libbde_volume_set_utf8_password}[sys.argv[3]]
    assert setter(vol, key, ctypes.c_size_t(len(key)), ctypes.byref(err)) == 1
assert lib.libbde_volume_open(vol, sys.argv[1].encode(), 1, ctypes.byref(err)) == 1, "open"
assert lib.libbde_volume_is_locked(vol, ctypes.byref(err)) == 0, "still locked"
size = ctypes.c_uint64()
assert lib.libbde_volume_get_size(vol, ctypes.byref(size), ctypes.byref(err)) == 1
assert size.value == os.path.getsize(sys.argv[1]), ("size", size.value)
buf = ctypes.create_string_buffer(1 << 20)
with open(sys.argv[2], "wb") as f:
    pos = 0
    while pos < size.value:
        n = lib.libbde_volume_read_buffer_at_offset(vol, buf, min(len(buf), size.value - pos), pos, None)
        assert n > 0, ("read", pos)
        f.write(buf.raw[:n])
        pos += n
PY
BDE_KEY=$rp python3 "$tmp/decrypt.py" "$tmp/vol.bde" "$tmp/dec.raw" recovery || no "libbde could not decrypt the volume"
if [ -f "$tmp/dec.raw" ]; then
    [ "$(dd if="$tmp/dec.raw" bs=1 skip=3 count=8 status=none)" = "NTFS    " ] ||
        no "decrypted sector 0 is not the NTFS boot sector (relocated header not followed)"
    # the plain NTFS has no System Volume Information (mkntfs makes none): BitLocker's adds it
    listing() { fls -r -p "$@" | sed 's/ [0-9][0-9-]*:\t/\t/' | grep -v -e 'System Volume Information/FVE2\.' -e $'^d/d\tSystem Volume Information$' | sort; }
    listing "$tmp/dec.raw" >"$tmp/dec.fls"
    listing -o "$start" "$plain" >"$tmp/plain.fls"
    [ "$(wc -l <"$tmp/plain.fls")" -gt 50 ] || no "plain listing too short: $(wc -l <"$tmp/plain.fls")"
    diff "$tmp/plain.fls" "$tmp/dec.fls" >"$tmp/fls.diff" || no "decrypted NTFS lists differently: $(head -20 "$tmp/fls.diff")"
    [ "$(fls -r -p "$tmp/dec.raw" | grep -c 'System Volume Information/FVE2\.')" = 4 ] ||
        no "the decrypted NTFS lacks the 4 FVE2 files that hold the BitLocker areas"
    for f in Users/maria/Documents/notes.txt Windows/System32/ntoskrnl.exe; do
        a=$(icat -o "$start" "$plain" "$(ifind -o "$start" -n "$f" "$plain")" | sha256sum)
        b=$(icat "$tmp/dec.raw" "$(ifind -n "$f" "$tmp/dec.raw")" | sha256sum)
        [ "$a" = "$b" ] || no "$f differs after decryption"
    done
    [ "$(icat "$tmp/dec.raw" "$(ifind -n Users/maria/Documents/notes.txt "$tmp/dec.raw")")" = "quarterly numbers" ] ||
        no "notes.txt content after decryption"
fi
# dislocker, a second reader that also checks the AES-CCM MACs and the metadata CRC32: the
# same plaintext as libbde's, byte for byte
have_dislocker=0
if command -v dislocker-file >/dev/null; then
    have_dislocker=1
else
    echo "skip: dislocker-file absent (scripts/setup.sh installs dislocker), second reader not run"
fi
dislocker_same() { # VOLUME LIBBDE-PLAINTEXT WHAT DISLOCKER-KEY-ARGS...
    local vol=$1 ref=$2 what=$3
    shift 3
    [ $have_dislocker = 1 ] || return 0
    rm -f "$tmp/dis.raw"
    timeout 300 dislocker-file -r -V "$vol" "$@" -- "$tmp/dis.raw" >"$tmp/dis.log" 2>&1 ||
        no "$what: dislocker-file failed: $(tail -3 "$tmp/dis.log")"
    cmp -s "$tmp/dis.raw" "$ref" || no "$what: dislocker and libbde decrypt differently"
}
dislocker_same "$tmp/vol.bde" "$tmp/dec.raw" "recovery password" "-p$rp"

# ---- sxsdoctor: the same verdict as the plain scenario ----
same_as_plain() { # JSON-FILE RC WHAT WANT-UNLOCKED-WITH WANT-PROTECTORS
    [ "$2" = "$prc" ] || no "$3: exit $2, the plain scenario exits $prc"
    python3 - "$tmp/plain.json" "$1" "$4" "$5" <<'PY' || no "$3: not the plain scenario's report"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("verdict", "findings", "history"):
    assert a[k] == b[k], (k, a[k], b[k])
assert b["verdict"]["primary"] == "SSU-EMPTY", b["verdict"]
assert len(b["installs"]) == 1 and b["installs"][0]["volume"] == a["installs"][0]["volume"], b["installs"]
v = [v for v in b["volumes"] if v["encryption"] == "bitlocker"]
assert len(v) == 1 and v[0]["fs"] == "ntfs", v
assert v[0]["unlocked_with"] == sys.argv[3], v[0]
assert v[0]["protectors"] == sys.argv[4], v[0]
assert "unlocked with " + sys.argv[3] in v[0]["note"], v[0]
PY
}
before=$(sha256sum <"$enc")
"$bin" --json "$plain" >"$tmp/plain.json" 2>"$tmp/plain.err"
prc=$?
[ "$prc" = 1 ] || no "plain ssu-empty exits $prc, expected 1 (findings)"
"$bin" --json --recovery-password "$rp" "$enc" >"$tmp/s1.json" 2>"$tmp/s1.err"
same_as_plain "$tmp/s1.json" $? "--recovery-password" "recovery password" "recovery password"
printf '%s\n' "$rp" >"$tmp/rp.txt"
"$bin" --json -v --recovery-password-file "$tmp/rp.txt" "$enc" >"$tmp/s2.json" 2>"$tmp/s2.err"
same_as_plain "$tmp/s2.json" $? "--recovery-password-file" "recovery password" "recovery password"
SXS_BITLOCKER_RECOVERY_PASSWORD=$rp "$bin" --json "$enc" >"$tmp/s3.json" 2>"$tmp/s3.err"
same_as_plain "$tmp/s3.json" $? "SXS_BITLOCKER_RECOVERY_PASSWORD" "recovery password" "recovery password"
SXS_BITLOCKER_RECOVERY_PASSWORD=$rp "$bin" "$enc" >"$tmp/s4.txt" 2>&1
grep -q "BitLocker-encrypted, unlocked with recovery password" "$tmp/s4.txt" || no "text report does not say how it was unlocked"
grep -q "^Verdict: FINDINGS - most likely cause: SSU-EMPTY" "$tmp/s4.txt" || no "text report verdict: $(grep Verdict "$tmp/s4.txt")"

# no key, a wrong key, the wrong kind of key: exit 3 naming the volume and its protectors
"$bin" "$enc" >"$tmp/w0.out" 2>"$tmp/w0.err"; rc=$?
[ "$rc" = 3 ] || no "no key: exit $rc, expected 3"
grep -qF "volume 2 at offset $off is BitLocker-encrypted: its contents cannot be read without unlocking it (its protectors: recovery password;" \
    "$tmp/w0.err" || no "no key: $(cat "$tmp/w0.err")"
"$bin" --json --recovery-password "$rp2" "$enc" >"$tmp/w1.json" 2>"$tmp/w1.err"; rc=$?
[ "$rc" = 3 ] || no "wrong recovery password: exit $rc, expected 3"
grep -qF "volume 2 at offset $off is BitLocker-encrypted and the key given does not unlock it (wrong key, or a protector it does not have); its protectors: recovery password" \
    "$tmp/w1.err" || no "wrong recovery password: $(cat "$tmp/w1.err")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d["volumes"][2]; assert v["fs"]=="bitlocker" and v["unlocked_with"]=="" and v["protectors"]=="recovery password", v; assert d["installs"]==[]' \
    "$tmp/w1.json" || no "wrong recovery password: JSON volume fields"
# a key of a kind the volume lacks: libbde 20190102 fails the open then, which is not
# unreadable metadata once the volume was read without a key: the same "does not unlock it"
printf '%s\n' "$pw" >"$tmp/pw.txt"
"$bin" --password-file "$tmp/pw.txt" "$enc" >"$tmp/w2.out" 2>"$tmp/w2.err"; rc=$?
[ "$rc" = 3 ] || no "password on a recovery-password volume: exit $rc, expected 3"
grep -qF "volume 2 at offset $off is BitLocker-encrypted and the key given does not unlock it (wrong key, or a protector it does not have); its protectors: recovery password" \
    "$tmp/w2.err" || no "wrong kind of key: $(cat "$tmp/w2.err")"

[ "$(sha256sum <"$enc")" = "$before" ] || no "the BitLocker evidence changed"

# ---- a suspended volume (clear key) and a password-protected one, built here ----
cp "$scn/ssu-empty.scn" "$tmp/"
printf 'include ssu-empty.scn\nbitlocker recovery-password=%s clear-key\n' "$rp2" >"$tmp/suspended.scn"
printf 'include ssu-empty.scn\nbitlocker "password=%s"\n' "$pw" >"$tmp/password.scn"
printf 'include ssu-empty.scn\nbitlocker startup-key=startup.BEK\n' >"$tmp/startup.scn"
for s in suspended password startup; do
    ASAN_OPTIONS=detect_leaks=0 "$mk" "$tmp/$s.scn" "$tmp/$s.raw" || no "sxs-mkimage $s.scn failed"
done
for s in suspended password startup; do
    dd if="$tmp/$s.raw" of="$tmp/$s.bde" bs=512 skip="$start" count="$size" status=none
done
python3 "$tmp/decrypt.py" "$tmp/suspended.bde" "$tmp/suspended.dec" none || no "libbde cannot open the suspended volume"
dislocker_same "$tmp/suspended.bde" "$tmp/suspended.dec" "clear key" -c
BDE_KEY=$pw python3 "$tmp/decrypt.py" "$tmp/password.bde" "$tmp/password.dec" password || no "libbde cannot decrypt with the password"
dislocker_same "$tmp/password.bde" "$tmp/password.dec" "password" "-u$pw"
bdeinfo -o "$off" "$tmp/suspended.raw" >"$tmp/bs.txt" 2>&1
[ "$(grep -oP '^\tType\t+: \K.*' "$tmp/bs.txt" | paste -sd,)" = "Recovery password,Clear key" ] ||
    no "suspended: bdeinfo protectors: $(cat "$tmp/bs.txt")"
grep -q "Unable to unlock" "$tmp/bs.txt" && no "suspended: bdeinfo needs a key"
"$bin" --json "$tmp/suspended.raw" >"$tmp/c1.json" 2>"$tmp/c1.err"
same_as_plain "$tmp/c1.json" $? "suspended (clear key), no key given" "clear key" "recovery password, clear key"
bdeinfo -o "$off" "$tmp/password.raw" >"$tmp/bp0.txt" 2>&1
grep -qP '^\tType\t+: Password$' "$tmp/bp0.txt" || no "password volume: bdeinfo: $(cat "$tmp/bp0.txt")"
bdeinfo -o "$off" -p "$pw" "$tmp/password.raw" >"$tmp/bp1.txt" 2>&1
grep -q "Unable to unlock" "$tmp/bp1.txt" && no "bdeinfo cannot unlock with the password"
bdeinfo -o "$off" -p "not the password" "$tmp/password.raw" >"$tmp/bp2.txt" 2>&1
grep -q "Unable to unlock" "$tmp/bp2.txt" || no "bdeinfo unlocks with a wrong password"
"$bin" --json --password-file "$tmp/pw.txt" "$tmp/password.raw" >"$tmp/p1.json" 2>"$tmp/p1.err"
same_as_plain "$tmp/p1.json" $? "--password-file" "password" "password"
# a recovery password (tried first) the volume has no protector for does not stop the right
# password given with it (libbde fails that open; it is not unreadable metadata)
"$bin" --json --recovery-password "$rp" --password-file "$tmp/pw.txt" "$tmp/password.raw" \
    >"$tmp/p3.json" 2>"$tmp/p3.err"
same_as_plain "$tmp/p3.json" $? "a recovery password the volume lacks, then its password" \
    "password" "password"
printf 'not the password\n' >"$tmp/badpw.txt"
"$bin" --password-file "$tmp/badpw.txt" "$tmp/password.raw" >"$tmp/p2.out" 2>"$tmp/p2.err"; rc=$?
[ "$rc" = 3 ] && grep -qF "its protectors: password" "$tmp/p2.err" || no "wrong password: exit $rc: $(cat "$tmp/p2.err")"

# ---- a startup key: the builder writes the .BEK (next to the image, as startup-key= says) ----
bek=$tmp/startup.BEK
[ "$(stat -c %s "$bek" 2>/dev/null)" = 156 ] || no "startup: no 156-byte .BEK next to the image (as Windows')"
# a .BEK whose key is one bit off, and one for another key identifier (the entry's and the
# header's GUID): neither unlocks
python3 - "$bek" "$tmp/wrongkey.BEK" "$tmp/wrongid.BEK" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
k = bytearray(b); k[-1] ^= 1; open(sys.argv[2], "wb").write(k)
g = bytearray(b); g[16] ^= 1; g[56] ^= 1; open(sys.argv[3], "wb").write(g)
PY
bdeinfo -o "$off" "$tmp/startup.raw" >"$tmp/bk0.txt" 2>&1
grep -qP '^\tType\t+: Startup key$' "$tmp/bk0.txt" || no "startup: bdeinfo: $(cat "$tmp/bk0.txt")"
grep -q "Unable to unlock" "$tmp/bk0.txt" || no "startup: bdeinfo unlocks with no key"
# the protector's identifier is the key identifier of the .BEK (its file header and entry)
bekid=$(python3 -c 'import sys,uuid; b=open(sys.argv[1],"rb").read(); assert b[16:32]==b[56:72]; print(uuid.UUID(bytes_le=b[56:72]))' "$bek")
grep -qP "^\tIdentifier\t+: $bekid$" "$tmp/bk0.txt" || no "startup: the VMK is not the .BEK's key $bekid: $(cat "$tmp/bk0.txt")"
bdeinfo -o "$off" -s "$bek" "$tmp/startup.raw" >"$tmp/bk1.txt" 2>&1
grep -q "Unable to" "$tmp/bk1.txt" && no "bdeinfo cannot unlock with the .BEK: $(cat "$tmp/bk1.txt")"
grep -qP '^\tType\t+: Startup key$' "$tmp/bk1.txt" || no "bdeinfo with the .BEK: $(cat "$tmp/bk1.txt")"
for b in wrongkey wrongid; do
    bdeinfo -o "$off" -s "$tmp/$b.BEK" "$tmp/startup.raw" >"$tmp/bk2.txt" 2>&1
    grep -q "Unable to" "$tmp/bk2.txt" || no "bdeinfo unlocks with $b.BEK"
done
BDE_KEY=$bek python3 "$tmp/decrypt.py" "$tmp/startup.bde" "$tmp/startup.dec" startup || no "libbde cannot decrypt with the .BEK"
if [ -f "$tmp/startup.dec" ]; then
    fls -r -p "$tmp/startup.dec" | sed 's/ [0-9][0-9-]*:\t/\t/' | grep -v -e 'System Volume Information/FVE2\.' -e $'^d/d\tSystem Volume Information$' | sort >"$tmp/startup.fls"
    diff -q "$tmp/plain.fls" "$tmp/startup.fls" >/dev/null || no "startup: the decrypted NTFS lists differently"
    [ "$(icat "$tmp/startup.dec" "$(ifind -n Users/maria/Documents/notes.txt "$tmp/startup.dec")")" = "quarterly numbers" ] ||
        no "startup: notes.txt content after decryption"
fi
# (dislocker 0.7.3 crashes on a wrong .BEK: only the right one is given to it)
dislocker_same "$tmp/startup.bde" "$tmp/startup.dec" "startup key" "-f$bek"
"$bin" --json --bek "$bek" "$tmp/startup.raw" >"$tmp/k1.json" 2>"$tmp/k1.err"
same_as_plain "$tmp/k1.json" $? "--bek" "startup key" "startup key"
"$bin" --bek "$bek" "$tmp/startup.raw" >"$tmp/k2.txt" 2>&1
grep -q "BitLocker-encrypted, unlocked with startup key" "$tmp/k2.txt" || no "--bek: text report does not say how it was unlocked"
# a startup key the recovery-password volume has no protector for: its recovery password still unlocks
"$bin" --json --bek "$bek" --recovery-password "$rp" "$enc" >"$tmp/k3.json" 2>"$tmp/k3.err"
same_as_plain "$tmp/k3.json" $? "a .BEK the volume lacks, then its recovery password" \
    "recovery password" "recovery password"
for b in wrongkey wrongid; do
    "$bin" --bek "$tmp/$b.BEK" "$tmp/startup.raw" >"$tmp/k4.out" 2>"$tmp/k4-$b.err"; rc=$?
    [ "$rc" = 3 ] || no "$b.BEK: exit $rc, expected 3"
    grep -qF "volume 2 at offset $off is BitLocker-encrypted and the key given does not unlock it (wrong key, or a protector it does not have); its protectors: startup key" \
        "$tmp/k4-$b.err" || no "$b.BEK: $(cat "$tmp/k4-$b.err")"
done
# a .BEK that cannot be read: the file named, and what is wrong with it
: >"$tmp/empty.BEK"
head -c 20 "$bek" >"$tmp/short.BEK"
mkdir "$tmp/dir.BEK"
for c in "missing.BEK:No such file or directory" "dir.BEK:Is a directory" "empty.BEK:is empty" \
    "short.BEK:is 20 bytes: too short for a .BEK file"; do
    f=$tmp/${c%%:*}
    "$bin" --bek "$f" "$tmp/startup.raw" >"$tmp/k5.out" 2>"$tmp/k5-${c%%:*}.err"; rc=$?
    [ "$rc" = 3 ] || no "--bek ${c%%:*}: exit $rc, expected 3"
    grep -qF "the BitLocker startup key file (--bek) $f" "$tmp/k5-${c%%:*}.err" &&
        grep -qF "${c#*:}" "$tmp/k5-${c%%:*}.err" || no "--bek ${c%%:*}: $(cat "$tmp/k5-${c%%:*}.err")"
done
# the key itself (raw, or in hex) in nothing sxsdoctor wrote
python3 - "$bek" "$tmp"/k[0-9]* <<'PY' || no "the .BEK's key in sxsdoctor's output"
import sys
key = open(sys.argv[1], "rb").read()[-32:]
for f in sys.argv[2:]:
    d = open(f, "rb").read()
    assert key not in d and key[:8].hex().encode() not in d.lower(), f
PY

# the `partition bitlocker ... clear-key` form, on an MBR disk: the content lines go inside
printf 'disk size=64M table=mbr\npartition bitlocker size=rest label=Data clear-key\nfile Notes/a.txt text="partition line\\n"\n' \
    >"$tmp/partline.scn"
ASAN_OPTIONS=detect_leaks=0 "$mk" "$tmp/partline.scn" "$tmp/partline.raw" || no "sxs-mkimage partline.scn failed"
[ "$(dd if="$tmp/partline.raw" bs=1 skip=$((1048576 + 3)) count=8 status=none)" = "-FVE-FS-" ] ||
    no "partition line: no BitLocker header at 1 MiB"
dd if="$tmp/partline.raw" of="$tmp/pl.bde" bs=1M skip=1 status=none
python3 "$tmp/decrypt.py" "$tmp/pl.bde" "$tmp/pl.raw" none || no "partition line: libbde cannot open the clear-key volume"
[ "$(icat "$tmp/pl.raw" "$(ifind -n Notes/a.txt "$tmp/pl.raw")" 2>&1)" = "partition line" ] ||
    no "partition line: Notes/a.txt not in the decrypted volume"
fsstat "$tmp/pl.raw" | grep -q "^Volume Name: Data$" || no "partition line: label"

# a bare BitLocker volume (table=none), as a volume image taken from Windows: sxsdoctor opens
# it with no key (clear key) and finds no Windows on it
printf 'disk size=32M table=none\npartition bitlocker clear-key\nfile a.txt text="bare\\n"\n' >"$tmp/bare.scn"
ASAN_OPTIONS=detect_leaks=0 "$mk" "$tmp/bare.scn" "$tmp/bare.raw" || no "sxs-mkimage bare.scn failed"
"$bin" --json "$tmp/bare.raw" >"$tmp/c2.json" 2>"$tmp/c2.err"; rc=$?
[ "$rc" = 3 ] || no "bare clear-key volume: exit $rc, expected 3 (no Windows)"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["volumes"]; assert len(v)==1 and v[0]["offset"]==0 and v[0]["fs"]=="ntfs" and v[0]["unlocked_with"]=="clear key", v' \
    "$tmp/c2.json" || no "bare clear-key volume: $(cat "$tmp/c2.err")"

# ---- no key material anywhere sxsdoctor wrote ----
for f in "$tmp"/[swcpk][0-9]*; do
    if grep -q -F -e "$rp" -e "${rp%%-*}" -e "$rp2" -e "${rp2%%-*}" -e "$pw" -e "not the password" "$f"; then
        no "key material in $(basename "$f")"
    fi
done
# sanitizer reports land in the captured stderr, where ctest cannot see them
for f in "$tmp"/*.err; do
    grep -q -e "LeakSanitizer" -e "runtime error:" "$f" && no "sanitizer report in $(basename "$f"): $(head -5 "$f")"
done
[ $fail -eq 0 ] && echo "ok: bdeinfo, libbde and dislocker read the generated BitLocker volumes (with a .BEK too); sxsdoctor unlocks them as the plain scenario, keys never shown"
exit $fail
