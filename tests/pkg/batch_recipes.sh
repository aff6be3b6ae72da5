#!/bin/bash
# The README's batch recipes (issue 15): several EVIDENCE in one run, --from FILE and
# --from -, --jobs N: JSON Lines, one document per evidence in input order with
# evidence.input, the same output whatever N is, and the worst exit status. Skips while the
# binary takes one EVIDENCE only.
# usage: batch_recipes.sh SXSDOCTOR WORK IMAGE1 IMAGE2 IMAGE3
set -uo pipefail
bin=$1 work=$2
shift 2
for i in "$@"; do [ -e "$i" ] || { echo "sample image $i was not built"; exit 1; }; done
help=$("$bin" --help)
if ! grep -q -- '--jobs' <<<"$help"; then
  echo "SKIP: this sxsdoctor takes one EVIDENCE (no --jobs/--from in --help): issue 15's batch change is not merged"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
here=$(dirname "$0")
fail=0
worst=0
for i in "$@"; do
  "$bin" --no-progress --json "$i" >/dev/null 2>&1
  r=$?
  [ $r -gt $worst ] && worst=$r
done

"$bin" --no-progress --json "$@" >"$work/args.jsonl" 2>"$work/args.err"
rc=$?
[ $rc -eq $worst ] || { echo "several EVIDENCE: exit $rc, worst single is $worst"; fail=1; }
python3 "$here/jsonl_check.py" "$work/args.jsonl" "$@" --lines --input || fail=1

printf '%s\n' "$@" >"$work/disks.txt"
"$bin" --no-progress --json --jobs 2 --from "$work/disks.txt" >"$work/from.jsonl" 2>/dev/null
cmp -s "$work/from.jsonl" "$work/args.jsonl" ||
  { echo "--jobs 2 --from FILE differs from the same evidence as arguments"; fail=1; }
printf '%s\n' "$@" | "$bin" --no-progress --json --from - >"$work/stdin.jsonl" 2>/dev/null
cmp -s "$work/stdin.jsonl" "$work/args.jsonl" ||
  { echo "--from - differs from the same evidence as arguments"; fail=1; }
[ $fail -eq 0 ] && echo "batch recipes: $# evidence, exit $rc, same output with --from, --from - and --jobs 2"
exit $fail
