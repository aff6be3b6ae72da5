#!/usr/bin/env bash
# Log reading benchmark: generates a 300 MB CBS-format log (and a CbsPersist .cab of it when
# gcab is installed), streams each through log_bench in its own process, and prints throughput
# (MB/s of decode + line split + timestamp parse) and peak RSS (getrusage ru_maxrss). Fails when
# peak RSS reaches 64 MiB (DESIGN.md budget). Then the median of RUNS (default 3) of decode only,
# of decode + all rules (pass_bench), and, when libhyperscan-dev is installed, the literal
# prefilter against the former Wu-Manber and Hyperscan (prefilter_bench), all in MB per CPU
# second (the machine may be shared; wall-clock MB/s is printed too).
#   bench/logs/run.sh BUILD_DIR [SIZE_MB]      (BUILD_DIR configured with CMAKE_BUILD_TYPE=Release;
#   LOG_BENCH=/path/to/log_bench overrides the binary; RUNS=n)
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [SIZE_MB]}
size=${2:-300}
here=$(cd "$(dirname "$0")" && pwd)
work="$(cd "$build" && pwd)/bench-logs-work" # absolute: the .cab step changes directory
mkdir -p "$work"
if [ -n "${LOG_BENCH:-}" ]; then # a log_bench built by hand
    bench=$LOG_BENCH
else
    cmake --build "$build" --target log_bench >/dev/null
    bench=$(find "$build" -name log_bench -type f -perm -u+x | head -1)
fi
log="$work/CBS_${size}MB.log"
[ -s "$log" ] || python3 "$here/gen_cbs_log.py" "$log" "$size"
limit_kib=$((64 * 1024))
fail=0
run() { # label file family
    local out rss
    out=$("$bench" "$3" "$2")
    echo "$1: $out" | tr '\n' ' '
    echo
    rss=$(echo "$out" | sed -n 's/.*maxrss_kib=\([0-9]*\).*/\1/p')
    if [ "$rss" -ge "$limit_kib" ]; then
        echo "FAIL: $1 peak RSS ${rss} KiB >= ${limit_kib} KiB"
        fail=1
    fi
}
cat "$log" > /dev/null # warm cache: measure the reader, not the disk
run "cbs-300MB (cold process, warm cache)" "$log" cbs
run "cbs-300MB (second run)" "$log" cbs
if command -v gcab > /dev/null; then
    cab="$work/CbsPersist_${size}MB.cab"
    if [ ! -s "$cab" ]; then
        (cd "$work" && cp "$log" CbsPersist_bench.log && gcab -c -z "$cab" CbsPersist_bench.log &&
            rm -f CbsPersist_bench.log)
    fi
    run "cbspersist-cab (MSZIP, expanded in memory)" "$cab" cbs
fi
runs=${RUNS:-3}
rules="$here/../../rules/rules.d"
median() { # label, then one figure a line on stdin
    sort -n | awk -v l="$1" '{v[NR] = $1} END {printf "%s: median of %d = %.1f MB/s per CPU second\n", l, NR, v[int((NR + 1) / 2)]}'
}
for i in $(seq "$runs"); do "$bench" cbs "$log" | sed -n 's/.*MBps_per_cpu_second=\([0-9.]*\).*/\1/p'; done |
    median "decode only (log_bench), cbs-${size}MB"
if [ -z "${LOG_BENCH:-}" ] && cmake --build "$build" --target pass_bench >/dev/null; then
    pass=$(find "$build" -name pass_bench -type f -perm -u+x | head -1)
    for i in $(seq "$runs"); do "$pass" "$rules" cbs "$log" rules; done >"$work/pass.txt"
    sed -n 's/.*MBps_per_cpu_second=\([0-9.]*\).*/\1/p' "$work/pass.txt" |
        median "decode + all rules (pass_bench), cbs-${size}MB"
    # the same without the kernel's copy of the file into the read buffer (system time)
    sed -n 's/.*MBps_per_user_second=\([0-9.]*\).*/\1/p' "$work/pass.txt" |
        median "decode + all rules (pass_bench), cbs-${size}MB, user time only" |
        sed 's/per CPU second/per user-CPU second/'
fi
if [ -z "${LOG_BENCH:-}" ] && cmake --build "$build" --target prefilter_bench >/dev/null 2>&1; then
    pre=$(find "$build" -name prefilter_bench -type f -perm -u+x | head -1)
    "$pre" "$rules" cbs "$log" "$runs" || fail=1
fi
exit $fail
