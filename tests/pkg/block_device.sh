#!/bin/bash
# The README's Linux rescue VM recipe: the disk as a block device made read-only with
# blockdev --setro. A read-only loop device over a sample image stands for /dev/sdc; the
# verdict, findings and history must be those of the image file. Needs root and loop devices;
# skips with a message otherwise.
# usage: block_device.sh SXSDOCTOR IMAGE WORK
set -uo pipefail
bin=$1 image=$2 work=$3
[ "$(id -u)" -eq 0 ] || { echo "SKIP: not root: no loop device to stand for /dev/sdc"; exit 77; }
command -v losetup >/dev/null && command -v blockdev >/dev/null ||
  { echo "SKIP: losetup/blockdev (util-linux) not installed"; exit 77; }
[ -e "$image" ] || { echo "sample image $image was not built"; exit 1; }
dev=$(losetup --read-only --find --show "$image" 2>/dev/null) ||
  { echo "SKIP: no loop device available here (losetup failed)"; exit 77; }
trap 'losetup -d "$dev"' EXIT
blockdev --setro "$dev"
[ "$(blockdev --getro "$dev")" = 1 ] || { echo "$dev is not read-only"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
"$bin" --no-progress --json "$dev" >"$work/dev.json" 2>"$work/dev.err"
rc_d=$?
"$bin" --no-progress --json "$image" >"$work/file.json" 2>/dev/null
rc_f=$?
[ $rc_d -eq $rc_f ] || { echo "$dev exits $rc_d, the image $rc_f"; cat "$work/dev.err"; exit 1; }
python3 - "$work/dev.json" "$work/file.json" "$dev" <<'PY' || exit 1
import json, sys
d, f = (json.load(open(p)) for p in sys.argv[1:3])
if d["evidence"]["format"] != "device":
    sys.exit(f"{sys.argv[3]} read as {d['evidence']['format']!r}, not as a device")
for k in ("verdict", "findings", "history", "installs"):
    if d.get(k) != f.get(k):
        sys.exit(f"'{k}' differs between {sys.argv[3]} and the image file")
print(f"{sys.argv[3]} (read-only): {d['verdict']['status']}, "
      f"{[x['id'] for x in d['findings']]}, same as the image file")
PY
