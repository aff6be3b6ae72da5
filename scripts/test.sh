#!/usr/bin/env bash
# Sets up, builds with sanitizers and warnings-as-errors, and runs every test; then, when
# clang is there, builds the libFuzzer harnesses and gives each a short run.
# Usage: bash scripts/test.sh            (from anywhere; needs root or sudo for set-up)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
JOBS=$(nproc)
BUILD=${SXS_TEST_BUILD_DIR:-build-test}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSXS_SANITIZE=ON -DSXS_WERROR=ON
cmake --build "$BUILD" -j"$JOBS"
(cd "$BUILD" && ctest --output-on-failure -j"$JOBS")

if command -v clang >/dev/null && [ "${SXS_SKIP_FUZZ:-0}" != 1 ]; then
  FUZZ=${SXS_FUZZ_BUILD_DIR:-build-fuzz}
  cmake -S . -B "$FUZZ" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DSXS_FUZZ=ON -DSXS_WERROR=ON >/dev/null
  cmake --build "$FUZZ" -j"$JOBS" --target fuzz_all
  (cd "$FUZZ" && ctest --output-on-failure -R '_smoke$')
else
  echo "test: clang not found or SXS_SKIP_FUZZ=1: fuzz smoke runs skipped"
fi
