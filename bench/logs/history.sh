#!/usr/bin/env bash
# The rule pass with and without the servicing history on the same log (issue: the history
# must keep >= 0.9x the throughput of the rule pass alone). Generates the 300 MB CBS log of
# run.sh, then runs pass_bench in both modes, interleaved, RUNS times (default 5), and prints
# the median MB per CPU second of each and their ratio.
#   bench/logs/history.sh BUILD_DIR [SIZE_MB] [RUNS]    (BUILD_DIR: CMAKE_BUILD_TYPE=Release)
set -euo pipefail
build=${1:?usage: history.sh BUILD_DIR [SIZE_MB] [RUNS]}
size=${2:-300}
runs=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
rules="$here/../../rules/rules.d"
work="$build/bench-logs-work"
mkdir -p "$work"
cmake --build "$build" --target pass_bench >/dev/null
bench=$(find "$build" -name pass_bench -type f -perm -u+x | head -1)
log="$work/CBS_${size}MB.log"
[ -s "$log" ] || python3 "$here/gen_cbs_log.py" "$log" "$size"
for i in $(seq "$runs"); do
    for mode in rules rules+history; do
        "$bench" "$rules" cbs "$log" "$mode"
    done
done | tee "$work/history-bench.txt"
python3 - "$work/history-bench.txt" <<'PY'
import re, statistics, sys
v = {}
for l in open(sys.argv[1]):
    m = dict(re.findall(r'(\w+)=(\S+)', l))
    v.setdefault(m['mode'], []).append((float(m['MBps_per_cpu_second']), int(m['maxrss_kib'])))
a = statistics.median(x for x, _ in v['rules'])
b = statistics.median(x for x, _ in v['rules+history'])
print(f"median MB/s per CPU second: rules {a:.0f}, rules+history {b:.0f}, ratio {b / a:.3f}")
print(f"peak RSS KiB: rules {max(r for _, r in v['rules'])}, "
      f"rules+history {max(r for _, r in v['rules+history'])}")
PY
