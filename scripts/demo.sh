#!/usr/bin/env bash
# Sets up, builds sxsdoctor, builds the bundled sample images and runs sxsdoctor on one.
# Usage: bash scripts/demo.sh [SCENARIO]     (default: ssu-empty)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSXS_BUILD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
scenario=${1:-ssu-empty}
mkdir -p out
./build/sample-images/sxs-mkimage "sample-images/scenarios/$scenario.scn" "out/$scenario.raw"
set +e
./build/cli/sxsdoctor "out/$scenario.raw"
rc=$?
echo "(sxsdoctor exit code $rc)"
# 0 healthy and 1 findings are both a successful demonstration
[ "$rc" -le 1 ]
