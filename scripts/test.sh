#!/usr/bin/env bash
# Sets up, builds with sanitizers and warnings-as-errors, and runs every test.
# Usage: bash scripts/test.sh            (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD=${SXS_TEST_BUILD_DIR:-build-test}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSXS_SANITIZE=ON -DSXS_WERROR=ON
cmake --build "$BUILD" -j"$(nproc)"
cd "$BUILD"
ctest --output-on-failure -j"$(nproc)"
