#!/usr/bin/env bash
# What a hive's size costs: the healthy sample tree as it is (36 KB hives), and with its SOFTWARE
# replaced by a 120 MB one of 15,000 CBS packages (mksoftware.py), its COMPONENTS by 300 MB and
# 600 MB ones (mkcomponents.py), and with both replaced (120 + 300 MB is the real-size pair issue
# 16 measured at 461 MiB; main refuses the 600 MB one); each sxsdoctor given (e.g. main's and
# this branch's Release builds), RUNS runs each, interleaved, median wall, CPU (user + sys) and
# peak RSS (/usr/bin/time -f). Issue 16 budget: <= 64 MiB peak RSS whatever the hive size.
#   bash bench/hives/size.sh HEALTHY_TREE RUNS NAME=SXSDOCTOR [NAME=SXSDOCTOR ...]
set -euo pipefail
tree=$1 runs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=timing.sh
. "$here/timing.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/mksoftware.py" 15000 "$work/SOFTWARE.120" 120
python3 "$here/mkcomponents.py" 300 "$work/COMPONENTS.300" 2>/dev/null
python3 "$here/mkcomponents.py" 600 "$work/COMPONENTS.600" 2>/dev/null
cases="healthy sw120 comp300 sw120+comp300 comp600 sw120+comp600"
for c in $cases; do
    cp -r "$tree" "$work/t.$c"
    cfg="$work/t.$c/Windows/System32/config"
    case $c in *sw120*) ln -f "$work/SOFTWARE.120" "$cfg/SOFTWARE" ;; esac
    case $c in *comp300*) ln -f "$work/COMPONENTS.300" "$cfg/COMPONENTS" ;; esac
    case $c in *comp600*) ln -f "$work/COMPONENTS.600" "$cfg/COMPONENTS" ;; esac
done
hive_bench_run "$runs" "$work" "$cases" "$@"
printf '%-14s %-8s %8s %8s %10s  %s\n' case build wall_s cpu_s rss_MiB "hive states (SOFTWARE SYSTEM COMPONENTS), packages"
for c in $cases; do
    for nb in "$@"; do
        name=${nb%%=*}
        med=$(hive_bench_median "$work" "$name" "$c")
        read -r wall cpu rss <<< "$med"
        facts=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = {x["name"]: x["value"] for x in d["installs"][0]["facts"]}
print(" ".join(str(f.get("hive.%s.state" % h, "-")) for h in ("software", "system", "components")),
      f.get("cbs.packages.total", "-"))' "$work/out.$name.$c.json" 2>/dev/null || echo "no report")
        printf '%-14s %-8s %8s %8s %10.1f  %s\n' "$c" "$name" "$wall" "$cpu" "$(echo "$rss / 1024" | bc -l)" "$facts"
    done
done
