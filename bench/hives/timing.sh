# Sourced by size.sh and logs.sh: the timed runs and their medians.

# RUNS rounds, interleaved: each NAME=SXSDOCTOR on each case tree WORK/t.CASE; /usr/bin/time's
# "wall user sys maxrss_kib" appended to WORK/times.NAME.CASE, the report to out.NAME.CASE.json.
#   hive_bench_run RUNS WORK "CASE..." NAME=SXSDOCTOR...
hive_bench_run() {
    local runs=$1 work=$2 cases=$3
    shift 3
    local i c nb name bin
    for i in $(seq "$runs"); do
        for c in $cases; do
            for nb in "$@"; do
                name=${nb%%=*} bin=${nb#*=}
                /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" --no-builtin-rules --json \
                    "$work/t.$c" >"$work/out.$name.$c.json" 2>/dev/null || true
                tail -n 1 "$work/time" >>"$work/times.$name.$c" # without "exited with non-zero status"
            done
        done
    done
}

# "wall_s cpu_s rss_kib": the medians of NAME's runs on CASE (CPU = user + sys).
#   hive_bench_median WORK NAME CASE
hive_bench_median() {
    awk '{print $1, $2 + $3, $4}' "$1/times.$2.$3" | python3 -c '
import sys, statistics as s
rows = [list(map(float, l.split())) for l in sys.stdin]
print(*("%.2f" % s.median(col) for col in zip(*rows)))'
}

# "wall_s maxrss_kib" of one run of CMD (wall to 0.1 ms: /usr/bin/time's 10 ms is too coarse for
# the ratio of two runs of a tenth of a second), its stdout into OUT.
#   hive_bench_time OUT CMD...
hive_bench_time() {
    python3 - "$@" <<'PY'
import os, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
t = time.monotonic()
p = subprocess.Popen(cmd, stdout=open(out, "w"), stderr=subprocess.DEVNULL)
_, _, ru = os.wait4(p.pid, 0)
print(f"{time.monotonic() - t:.4f} {ru.ru_maxrss}")
PY
}
