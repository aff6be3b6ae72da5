#!/usr/bin/env bash
# How the CBS\Packages enumeration grows: the healthy sample tree with its SOFTWARE replaced
# by generated hives of 15,000 and 60,000 packages (mksoftware.py), median of RUNS runs each,
# wall time and peak RSS, and the 60k/15k ratio (issue 16 target: <= 4x).
#   bash bench/hives/packages.sh SXSDOCTOR HEALTHY_TREE [RUNS]
set -euo pipefail
bin=$1 tree=$2 runs=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=timing.sh
. "$here/timing.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A med
for n in 15000 60000; do
    cp -r "$tree" "$work/t$n"
    python3 "$here/mksoftware.py" "$n" "$work/t$n/Windows/System32/config/SOFTWARE"
    for i in $(seq "$runs"); do
        hive_bench_time "$work/out.json" "$bin" --no-builtin-rules --json "$work/t$n" \
            >>"$work/times$n"
    done
    total=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([f["value"] for f in d["installs"][0]["facts"] if f["name"] == "cbs.packages.total"])' "$work/out.json")
    med[$n]=$(sort -n "$work/times$n" | awk '{a[NR]=$1; m[NR]=$2} END {print a[int((NR+1)/2)], m[int((NR+1)/2)]}')
    echo "packages $n: median ${med[$n]% *} s, peak RSS ${med[$n]#* } KiB (read: $total)"
done
python3 -c "import sys; a=float(sys.argv[1]); b=float(sys.argv[2]); print(f'60k/15k time ratio: {b/a:.2f} (linear: 4.00)')" \
    "${med[15000]% *}" "${med[60000]% *}"
