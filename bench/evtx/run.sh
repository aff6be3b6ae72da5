#!/usr/bin/env bash
# Event-log benchmark (issue 12, "Measure"): a 20 MB System.evtx written by the sample-image
# builder's EVTX writer (sample-images/scenarios/bench-evtx.scn: ~71,000 records in 313
# chunks, inside the healthy Windows 11 image), read by sxsdoctor from the disk image and by
# libevtx's own evtxexport from the same file as a plain file. Prints the median wall time and
# the peak RSS (/usr/bin/time -v) of each, and of sxsdoctor on the healthy image without the
# log (what the rest of the diagnosis costs). Fails when sxsdoctor's peak RSS reaches 64 MiB
# (DESIGN.md budget). Not a test: run by hand.
#   bash bench/evtx/run.sh [RUNS]          (default 3; SXS_BENCH_BUILD_DIR, default build-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}
BUILD=${SXS_BENCH_BUILD_DIR:-build-bench}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSXS_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target sxsdoctor sxs-mkimage >/dev/null
MK="$BUILD/sample-images/sxs-mkimage"
OUT="$BUILD/bench-evtx"
mkdir -p "$OUT"
SCN=sample-images/scenarios/bench-evtx.scn
if [ ! -s "$OUT/bench-evtx.raw" ] || [ "$SCN" -nt "$OUT/bench-evtx.raw" ]; then
    "$MK" "$SCN" "$OUT/bench-evtx.raw"
    rm -rf "$OUT/bench-evtx.tree"
    "$MK" --tree "$SCN" "$OUT/bench-evtx.tree"
    "$MK" sample-images/scenarios/healthy.scn "$OUT/healthy.raw"
fi
LOG="$OUT/bench-evtx.tree/Windows/System32/winevt/Logs/System.evtx"
echo "log: $(stat -c %s "$LOG") bytes, $(evtxinfo "$LOG" | sed -n 's/^\tNumber of records\t*: //p') records"
cat "$OUT/bench-evtx.raw" "$LOG" >/dev/null # warm cache

measure() { # label command...: median wall seconds and max peak RSS over RUNS
    local label=$1 times=() rss=0 t r
    shift
    for _ in $(seq "$RUNS"); do
        # (sxsdoctor exits 1 with findings; time then writes a status line first)
        /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$@" >/dev/null 2>&1 || true
        read -r t r < <(tail -n 1 "$OUT/time.txt")
        times+=("$t")
        [ "$r" -gt "$rss" ] && rss=$r
    done
    local med
    med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
    printf '%-44s median %6.2f s   peak RSS %6.1f MiB\n' "$label" "$med" \
        "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
    echo "$rss" >"$OUT/rss.txt"
}
measure "sxsdoctor --json bench-evtx.raw" "$BUILD/cli/sxsdoctor" --json --no-progress "$OUT/bench-evtx.raw"
rss_sxs=$(cat "$OUT/rss.txt")
measure "sxsdoctor --json healthy.raw (no event log)" "$BUILD/cli/sxsdoctor" --json --no-progress "$OUT/healthy.raw"
measure "evtxexport System.evtx (text)" evtxexport "$LOG"
measure "evtxexport -m all System.evtx" evtxexport -m all "$LOG"
limit=$((64 * 1024))
if [ "$rss_sxs" -ge "$limit" ]; then
    echo "FAIL: sxsdoctor peak RSS ${rss_sxs} KiB >= ${limit} KiB"
    exit 1
fi
