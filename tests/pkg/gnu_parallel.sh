#!/bin/bash
# The README's GNU parallel recipe over three sample images: one complete report each, in
# input order (--keep-order), each the same as a single run's. When the binary prints a
# report on one line (JSON Lines), that is checked too.
# usage: gnu_parallel.sh SXSDOCTOR WORK IMAGE1 IMAGE2 IMAGE3
set -uo pipefail
bin=$1 work=$2
shift 2
command -v parallel >/dev/null ||
  { echo "SKIP: GNU parallel is not installed (Debian package 'parallel')"; exit 77; }
parallel --version 2>/dev/null | grep "GNU parallel" >/dev/null ||
  { echo "SKIP: 'parallel' is not GNU parallel (moreutils'?)"; exit 77; }
for i in "$@"; do [ -e "$i" ] || { echo "sample image $i was not built"; exit 1; }; done
rm -rf "$work" && mkdir -p "$work"
here=$(dirname "$0")

parallel --will-cite --keep-order --jobs 2 "$bin" --no-progress --json {} ::: "$@" \
  >"$work/parallel.jsonl" 2>"$work/parallel.err"
rc=$?
# parallel's exit status is the number of jobs that exited non-zero: here, those with findings
want_rc=0
: >"$work/single.jsonl"
for i in "$@"; do
  "$bin" --no-progress --json "$i" >>"$work/single.jsonl" 2>/dev/null
  [ $? -eq 0 ] || want_rc=$((want_rc + 1))
done
[ $rc -eq $want_rc ] || { echo "parallel exited $rc, expected $want_rc"; cat "$work/parallel.err"; exit 1; }
cmp -s "$work/parallel.jsonl" "$work/single.jsonl" ||
  { echo "parallel's output differs from single runs in the same order"; exit 1; }
one_line=
if [ "$("$bin" --no-progress --json "$1" 2>/dev/null | wc -l)" -eq 1 ]; then
  one_line=--lines
else
  echo "note: this build prints a report over several lines; JSON Lines come with issue 15's batch change"
fi
python3 "$here/jsonl_check.py" "$work/parallel.jsonl" "$@" $one_line || exit 1
[ "$want_rc" -gt 0 ] && [ "$want_rc" -lt $# ] ||
  { echo "the three images should mix healthy and findings ($want_rc of $# with findings)"; exit 1; }
echo "parallel: $# reports in order, exit $rc"
