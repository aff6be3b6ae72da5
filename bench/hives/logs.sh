#!/usr/bin/env bash
# What transaction-log size costs (issue 16 item 2): the healthy sample tree with its SOFTWARE
# (15,000 CBS packages, mksoftware.py) made dirty and given a .LOG1 and a .LOG2 of LOG_MB MiB
# each (mklogs.py: valid HvLE entries rewriting the same pages, LOG2 continuing LOG1), in three
# shapes: 2 x 150 MiB of 257 KiB entries, 2 x 150 MiB of 2.7 MiB entries (bigger than the
# replay's 1 MiB log cache, so read twice), 2 x 600 MiB (over main's old 512 MiB log limit).
# Each sxsdoctor given, RUNS runs each, interleaved: median wall, CPU (user + sys), peak RSS.
#   bash bench/hives/logs.sh HEALTHY_TREE RUNS NAME=SXSDOCTOR [NAME=SXSDOCTOR ...]
set -euo pipefail
tree=$1 runs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=timing.sh
. "$here/timing.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/mksoftware.py" 15000 "$work/SOFTWARE.src"
cases="150x257K 150x2.7M 600x257K"
for c in $cases; do
    mkdir "$work/$c"
    case $c in
    150x257K) python3 "$here/mklogs.py" "$work/SOFTWARE.src" "$work/$c/SOFTWARE" 150 64 ;;
    150x2.7M) python3 "$here/mklogs.py" "$work/SOFTWARE.src" "$work/$c/SOFTWARE" 150 700 ;;
    600x257K) python3 "$here/mklogs.py" "$work/SOFTWARE.src" "$work/$c/SOFTWARE" 600 64 ;;
    esac >/dev/null
    cp -r "$tree" "$work/t.$c"
    for f in SOFTWARE SOFTWARE.LOG1 SOFTWARE.LOG2; do
        ln -f "$work/$c/$f" "$work/t.$c/Windows/System32/config/$f"
    done
done
hive_bench_run "$runs" "$work" "$cases" "$@"
printf '%-10s %-8s %8s %8s %10s  %s\n' case build wall_s cpu_s rss_MiB "SOFTWARE hive: state, detail"
for c in $cases; do
    for nb in "$@"; do
        name=${nb%%=*}
        med=$(hive_bench_median "$work" "$name" "$c")
        read -r wall cpu rss <<< "$med"
        facts=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["name"]: x["value"] for x in d["installs"][0]["facts"]}
print(f.get("hive.software.state", "-") + ",", f.get("hive.software.detail", "-"))' \
            "$work/out.$name.$c.json" 2>/dev/null || echo "no report")
        printf '%-10s %-8s %8s %8s %10.1f  %s\n' "$c" "$name" "$wall" "$cpu" "$(echo "$rss / 1024" | bc -l)" "$facts"
    done
done
