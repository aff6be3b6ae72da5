#!/bin/sh
# The EVTX writer (sample-images/mkevtx.c) against libevtx's own evtxexport: builds the
# scenario's volume as a tree and compares, per section of EXPECTED (hand-written from the
# scenario's lines):
#   == text PATH    evtxexport's text listing of the log (its version line dropped)
#   == xml PATH     the System and EventData lines of evtxexport -f xml for the log's records
#                   that have unnamed or named Data (for System.evtx: the last record only)
#   == info PATH    evtxinfo's record counts (recovered records would mean a chunk it doubts)
#   == size PATH    the file's size (header + 64 KiB per chunk)
# usage: check_mkevtx.sh SXS-MKIMAGE SCENARIO EXPECTED WORKDIR
set -eu
mk=$1 scn=$2 exp=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
ASAN_OPTIONS=detect_leaks=0 "$mk" --tree "$scn" "$work/tree"
actual=$work/actual
: >"$actual"
grep '^== ' "$exp" | while read -r _ kind rel; do
  log=$work/tree/$rel
  printf '== %s %s\n' "$kind" "$rel" >>"$actual"
  case $kind in
    text) evtxexport "$log" | tail -n +2 >>"$actual" ;;
    xml)
      evtxexport -f xml "$log" | sed -n 's/^ *//; /^<\(Provider\|EventID\|Level\|TimeCreated\|EventRecordID\|Channel\|Computer\|Data\)[ >\/]/p' >"$work/xml"
      case $rel in
        *System.evtx) tail -n 13 "$work/xml" >>"$actual" ;;
        *) cat "$work/xml" >>"$actual" ;;
      esac ;;
    info) evtxinfo "$log" | sed -n 's/^\t\(Number of \(recovered \)*records\)/\1/p' >>"$actual" ;;
    size) wc -c <"$log" | tr -d ' ' >>"$actual" ;;
    *) echo "unknown section $kind" >&2; exit 2 ;;
  esac
done
if ! diff -u "$exp" "$actual"; then
  echo "evtxexport does not read the writer's logs as $exp says" >&2
  exit 1
fi
echo "evtxexport reads every record as written"
