#!/usr/bin/env bash
# Scale table of issue 16 (bench/scale.py): wall, CPU and peak RSS of sxsdoctor as each kind
# of evidence grows (CBS.log 100 MB / 300 MB / 1 GB, WinSxS 15k / 60k folders, a 120 MB
# SOFTWARE and a 600 MB COMPONENTS), raw and E01, against a one-process libtsk extractor of
# the same evidence. Builds a Release tree and the images (kept in WORK; the first run takes
# a while and ~20 GB of sparse files); later runs reuse them.
#   bash bench/scale.sh [RUNS] [ROWS]     (ROWS: comma list, default all; see scale.py)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
ROWS=${2:-}
bash scripts/setup.sh >/dev/null
BUILD=${SXS_BENCH_BUILD_DIR:-build-bench}
WORK=${SXS_SCALE_WORK:-$BUILD/scale-work}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSXS_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target sxsdoctor sxs-mkimage tsk_extract >/dev/null
python3 bench/scale.py --sxsdoctor "$BUILD/cli/sxsdoctor" \
        --mkimage "$BUILD/sample-images/sxs-mkimage" --extract "$BUILD/bench/tsk_extract" \
        --work "$WORK" --runs "$RUNS" ${ROWS:+--rows "$ROWS"}
