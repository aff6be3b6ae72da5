#!/bin/bash
# debian/: dpkg-buildpackage -us -uc -b builds a .deb from a copy of the source tree (the
# package build writes debian/ and ../*.deb: never in the tree under test). The .deb holds the
# binary, the rule pack, the manual and the completion; its Depends come from shlibs; the
# unpacked binary, given no --rules, finds its pack and diagnoses a sample image; the
# Dockerfile's runtime stage installs the same libraries as Depends names; lintian
# (when installed) reports no error. Its warnings are printed.
# usage: deb_package.sh SOURCE_DIR WORK HEALTHY_IMAGE
set -uo pipefail
src=$1 work=$2 healthy=$3
for t in dpkg-buildpackage dh; do
  command -v $t >/dev/null ||
    { echo "SKIP: $t is not installed (Debian packages dpkg-dev and debhelper)"; exit 77; }
done
missing=$(cd "$src" && dpkg-checkbuilddeps 2>&1) ||
  { echo "SKIP: build dependencies missing: $missing"; exit 77; }
[ -e "$healthy" ] || { echo "sample image $healthy was not built"; exit 1; }
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
rm -rf "$work" && mkdir -p "$work/sxsdoctor-$version"
tree=$work/sxsdoctor-$version
# the sources only: what git tracks, or (no checkout) the tree without build directories
if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard -- . ':!:build*' |
    xargs -0 cp --parents -t "$tree")
else
  (cd "$src" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -C "$tree" -xf -
fi
(cd "$tree" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
  >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; echo "dpkg-buildpackage failed"; exit 1; }
deb=$work/sxsdoctor_${version}_${arch}.deb
[ -f "$deb" ] || { ls "$work"; echo "no $deb"; exit 1; }
fail=0
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/sxsdoctor ./usr/share/sxsdoctor/rules.d/ssu-empty.yml \
         ./usr/share/man/man1/sxsdoctor.1.gz ./usr/share/bash-completion/completions/sxsdoctor; do
  grep -qx -- "$f" <<<"$contents" || { echo "the .deb has no $f"; fail=1; }
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libtsk libewf libpcre2-8 libyaml; do
  grep -q "$lib" <<<"$depends" || { echo "Depends has no $lib*: $depends"; fail=1; }
done
# the Dockerfile's runtime stage installs exactly these libraries (docker may not run here)
want_libs=$(printf '%s' "$depends" | tr ',' '\n' | sed -E 's/^ *//; s/[ (].*$//' | grep -v '^libc6$' | sort)
docker_libs=$(awk '/^FROM/{stage++} stage == 2' "$src/Dockerfile" |
  sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' | grep -E '^(lib[a-z0-9.+-]+|zlib1g)$' | sort)
[ "$want_libs" = "$docker_libs" ] ||
  { echo "the Dockerfile's runtime libraries differ from the .deb's Depends:"
    diff <(printf '%s\n' "$want_libs") <(printf '%s\n' "$docker_libs"); fail=1; }
dpkg-deb -x "$deb" "$work/root"
[ "$("$work/root/usr/bin/sxsdoctor" --version)" = "sxsdoctor $version" ] ||
  { echo "debian/changelog says $version, the binary $("$work/root/usr/bin/sxsdoctor" --version)"; fail=1; }
listed=$("$work/root/usr/bin/sxsdoctor" --list-rules)
grep -q "($(realpath "$work/root/usr/share/sxsdoctor/rules.d")/" <<<"$listed" ||
  { echo "the packaged binary does not load the packaged rules"; fail=1; }
"$work/root/usr/bin/sxsdoctor" --no-progress --json "$healthy" >"$work/healthy.json" 2>"$work/healthy.err"
rc=$?
[ $rc -eq 0 ] || { echo "packaged binary on $healthy: exit $rc"; cat "$work/healthy.err"; fail=1; }
if command -v lintian >/dev/null; then
  lintian --info --display-info "$work"/*.changes >"$work/lintian.log" 2>&1
  sed -n 's/^\([EWIP]\): /\1: /p' "$work/lintian.log" | sort | uniq -c
  if grep -q '^E: ' "$work/lintian.log"; then
    echo "lintian reports errors:"
    grep '^E: ' "$work/lintian.log"
    fail=1
  fi
else
  echo "note: lintian is not installed; the .deb was not linted"
fi
[ $fail -eq 0 ] && echo "$(basename "$deb"): Depends: $depends"
exit $fail
