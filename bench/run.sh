#!/usr/bin/env bash
# Benchmark of the whole diagnosis against the floor and the by-hand way (DESIGN.md,
# "Performance budget"). Builds a Release sxsdoctor and the benchmark image (15,000 extra
# WinSxS folders, ~300 MB CBS.log; raw and multi-segment E01), then runs bench/bench.py.
# Usage: bash bench/run.sh [RUNS]        (default 5 runs per command, warm cache)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
bash scripts/setup.sh >/dev/null
BUILD=${SXS_BENCH_BUILD_DIR:-build-bench}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSXS_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target sxsdoctor sample_image_bench log_bench >/dev/null
OUT="$BUILD/sample-images/out"
echo "images: $(du -h --apparent-size "$OUT/bench-large.raw" | cut -f1) raw" \
     "($(du -h "$OUT/bench-large.raw" | cut -f1) allocated)," \
     "E01 $(ls "$OUT"/bench-large.E* | wc -l) segments, $(du -ch "$OUT"/bench-large.E* | tail -1 | cut -f1)"
python3 bench/bench.py "$BUILD/cli/sxsdoctor" "$OUT/bench-large.raw" "$OUT/bench-large.E01" \
        --runs "$RUNS"
