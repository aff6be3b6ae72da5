#!/usr/bin/env bash
# Installs every Debian 12 package sxsdoctor's build, tests, sample images and benchmarks need.
# Idempotent: does nothing when all are present. Needs root (uses sudo when not root).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libtsk-dev sleuthkit libewf-dev ewf-tools libvhdi-dev libvmdk-dev
  libregf-dev libbfio-dev libbde-dev libvshadow-dev libevtx-dev libevtx-utils libesedb-dev libesedb-utils libhivex-dev
  libhivex-bin
  libpcre2-dev libyaml-dev libmspack-dev libssl-dev libxml2-dev zlib1g-dev
  ntfs-3g-dev ntfs-3g qemu-utils fdisk xz-utils gzip
  libcriterion-dev python3 hyperfine dosfstools mtools libregf-utils gcab libbde-utils libvshadow-utils
  dislocker # tests/check_bde_images.sh: second BitLocker reader (dislocker-file); ~41 MB with Ruby
  debhelper lintian parallel python3-yaml # packaging tests (tests/pkg): ~12 MB, ~2 min once
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
