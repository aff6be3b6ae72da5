#!/usr/bin/env bash
# Throughput of one run over many disks against a shell loop of single runs (issue 15):
# builds a Release sxsdoctor and the sample images, takes 20 of them, runs bench/batch.py.
# Usage: bash bench/batch.sh [RUNS]        (default 5 runs per command, warm cache)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
bash scripts/setup.sh >/dev/null
BUILD=${SXS_BENCH_BUILD_DIR:-build-bench}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSXS_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target sxsdoctor sample_images >/dev/null
OUT="$BUILD/sample-images/out"
# 20 scenario images (not the large benchmark one): healthy ones and every kind of finding
mapfile -t IMAGES < <(ls "$OUT"/*.raw | grep -v bench-large | sort | head -20)
[ "${#IMAGES[@]}" -eq 20 ] || { echo "batch.sh: only ${#IMAGES[@]} sample images" >&2; exit 1; }
python3 bench/batch.py "$BUILD/cli/sxsdoctor" "${IMAGES[@]}" --runs "$RUNS"
