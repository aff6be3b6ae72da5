#!/bin/sh
# The VSS writer (sample-images/mkimage_vss.c) against libvshadow's own tools (libvshadow-utils):
# builds SCENARIO (one NTFS volume, table=none, so the volume starts at offset 0), then compares,
# per section of EXPECTED (hand-written from the scenario's lines):
#   == info               vshadowinfo's listing (its version line dropped)
#   == ls WHICH PATH      ntfsls of a folder (ntfs-3g) in shadow copy vssN or the live volume
#   == cat WHICH PATH     ntfscat of a file
#   == same A B PATH      "same" when the file has the same bytes in A and B, else "differ"
#   == states             for every store N: whether vssN, read through libvshadow, has the bytes
#                         of the volume the builder made for snapshot N (SXS_MKIMAGE_VSS_STATES)
#                         in every 16 KiB block but the stores' own (free space then, store data
#                         now)
# WHICH is vss1, vss2, ... (through vshadowmount, which needs FUSE) or live (the image itself).
# Without a usable FUSE the vshadowinfo part is still checked and the test exits 77 (skipped).
# usage: check_mkvss.sh SXS-MKIMAGE SCENARIO EXPECTED WORKDIR
set -eu
mk=$1 scn=$2 exp=$3 work=$4
mnt=$work/mnt
cleanup() { fusermount -u "$mnt" 2>/dev/null || umount "$mnt" 2>/dev/null || :; }
trap cleanup EXIT
cleanup
rm -rf "$work"
mkdir -p "$mnt"
img=$work/vss.raw
mkdir -p "$work/states"
SXS_MKIMAGE_VSS_STATES=$work/states ASAN_OPTIONS=detect_leaks=0 "$mk" "$scn" "$img"
vshadowinfo "$img" >"$work/info"
mounted=0
if vshadowmount "$img" "$mnt" >"$work/mount.log" 2>&1 && [ -e "$mnt/vss1" ]; then
  mounted=1
fi
vol() { if [ "$1" = live ]; then echo "$img"; else echo "$mnt/$1"; fi; }
actual=$work/actual
: >"$actual"
skipped=0
grep '^== ' "$exp" | while read -r _ kind a b c; do
  case $kind in
    info)
      printf '== info\n' >>"$actual"
      tail -n +2 "$work/info" >>"$actual" ;;
    ls|cat)
      printf '== %s %s %s\n' "$kind" "$a" "$b" >>"$actual"
      if [ "$a" != live ] && [ $mounted = 0 ]; then echo "(no FUSE)" >>"$actual"; continue; fi
      if [ "$kind" = ls ]; then ntfsls -f "$(vol "$a")" -p "$b" >>"$actual" 2>&1 || echo "(none)" >>"$actual"
      else ntfscat "$(vol "$a")" "$b" >>"$actual" 2>&1 || echo "(none)" >>"$actual"; fi ;;
    same)
      printf '== same %s %s %s\n' "$a" "$b" "$c" >>"$actual"
      if [ $mounted = 0 ]; then echo "(no FUSE)" >>"$actual"; continue; fi
      x=$(ntfscat "$(vol "$a")" "$c" | md5sum) y=$(ntfscat "$(vol "$b")" "$c" | md5sum)
      if [ "$x" = "$y" ] && [ "$x" != "$(printf '' | md5sum)" ]; then echo same >>"$actual"; else echo differ >>"$actual"; fi ;;
    states)
      printf '== states\n' >>"$actual"
      if [ $mounted = 0 ]; then echo "(no FUSE)" >>"$actual"; continue; fi
      for st in "$work"/states/state*; do
        n=${st##*state}
        # the 16 KiB blocks that differ, less the stores' blocks
        bad=$(cmp -l "$mnt/vss$n" "$st" | awk -v slots="$work/states/slots" '
          BEGIN { while ((getline l < slots) > 0) skip[l] = 1 }
          { b = int(($1 - 1) / 16384) * 16384; if (!(b in skip) && !(b in seen)) { seen[b] = 1; n++ } }
          END { print n + 0 }')
        echo "vss$n: $bad other blocks differ" >>"$actual"
      done ;;
    *) echo "unknown section $kind" >&2; exit 2 ;;
  esac
done
if [ $mounted = 0 ]; then
  # only the listing can be compared
  sed -n '/^== info/,/^== /p' "$exp" | sed '$d' >"$work/exp-info"
  sed -n '/^== info/,/^== /p' "$actual" | sed '$d' >"$work/act-info"
  diff -u "$work/exp-info" "$work/act-info"
  echo "vshadowinfo lists the stores as written; vshadowmount could not mount (no FUSE):" >&2
  cat "$work/mount.log" >&2
  exit 77
fi
if ! diff -u "$exp" "$actual"; then
  echo "libvshadow does not read the writer's stores as $exp says" >&2
  exit 1
fi
echo "vshadowinfo and vshadowmount read every store as written"
