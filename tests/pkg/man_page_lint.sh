#!/bin/bash
# The manual renders without a single groff warning and has every section a user looks for.
# usage: man_page_lint.sh MANPAGE
set -euo pipefail
man=$1
command -v groff >/dev/null || { echo "SKIP: groff is not installed"; exit 77; }
warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man" 2>&1)
if [ -n "$warnings" ]; then
  printf 'groff warns about %s:\n%s\n' "$man" "$warnings"
  exit 1
fi
for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
  grep -qx "\.SH \"\?$s\"\?" "$man" || { echo "$man has no $s section"; exit 1; }
done
# every exit status of DESIGN.md/README is explained
for code in 0 1 2 3 4; do
  awk '/^\.SH /{s = $0} s ~ /EXIT STATUS/' "$man" | grep -x "\.B $code" >/dev/null ||
    { echo "EXIT STATUS does not explain $code"; exit 1; }
done
if command -v man >/dev/null; then
  out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$man" 2>&1 >/dev/null)
  [ -z "$out" ] || { printf 'man -l warns:\n%s\n' "$out"; exit 1; }
fi
echo "man page renders cleanly with every section"
