#!/bin/bash
# The Dockerfile builds with docker or podman (whichever has a running engine), and the image
# runs as a non-root user on a sample image mounted read-only, with a read-only root
# filesystem and no network, finding its rule pack without --rules. Skips with a message
# when no container engine runs here.
# usage: docker_image.sh SOURCE_DIR WORK HEALTHY_IMAGE FINDINGS_IMAGE
set -uo pipefail
src=$1 work=$2 healthy=$3 findings=$4
engine=
for e in docker podman; do
  if command -v $e >/dev/null && $e info >/dev/null 2>&1; then engine=$e; break; fi
done
[ -n "$engine" ] || { echo "SKIP: no docker or podman engine is running here; the Dockerfile was not built"; exit 77; }
for i in "$healthy" "$findings"; do [ -e "$i" ] || { echo "sample image $i was not built"; exit 1; }; done
rm -rf "$work" && mkdir -p "$work"
tag=sxsdoctor-test:$$
trap '$engine rmi -f "$tag" >/dev/null 2>&1' EXIT
$engine build -t "$tag" "$src" >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log"; echo "$engine build failed"; exit 1; }
fail=0
uid=$($engine run --rm --entrypoint id "$tag" -u)
[ "$uid" = 10001 ] || { echo "the image runs as uid $uid, not 10001"; fail=1; }
$engine run --rm "$tag" --version | grep '^sxsdoctor ' >/dev/null || { echo "--version fails in the image"; fail=1; }
for img in "$healthy" "$findings"; do
  name=$(basename "$img")
  $engine run --rm --network none --read-only -v "$(realpath "$img"):/evidence/$name:ro" "$tag" \
    --json --no-progress "/evidence/$name" >"$work/$name.json" 2>"$work/$name.err"
  rc=$?
  want=$([ "$img" = "$healthy" ] && echo 0 || echo 1)
  [ $rc -eq "$want" ] || { echo "$name in the container: exit $rc, want $want"; cat "$work/$name.err"; fail=1; }
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], d["verdict"]["status"])' \
    "$work/$name.json" "$name" || fail=1
done
[ $fail -eq 0 ] && echo "$engine image $tag: non-root, read-only evidence, verdicts as expected"
exit $fail
