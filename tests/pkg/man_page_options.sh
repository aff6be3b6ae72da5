#!/bin/bash
# The manual and --help document the same options: every option --help defines is in the
# man page's OPTIONS section and vice versa. --from and --jobs (several EVIDENCE, issue 15)
# (-j) are documented ahead of the binary; they are excused only while --help lacks both.
# usage: man_page_options.sh SXSDOCTOR MANPAGE
set -euo pipefail
bin=$1 man=$2
help=$("$bin" --help)

# --help: option lines are those whose first non-blank is '-' ("  -v, --verbose  ...")
from_help=$(printf '%s\n' "$help" | grep -E '^ +-' | sed -E 's/^ +//; s/ {2,}.*$//' |
  grep -oE '(^|[ ,])--?[A-Za-z][A-Za-z-]*' | tr -d ' ,' | sort -u)
# man page: the tag line after each .TP inside .SH OPTIONS
from_man=$(awk '/^\.SH /{in_opts = ($2 == "OPTIONS")} in_opts && tag {print; tag = 0}
                in_opts && /^\.TP/{tag = 1}' "$man" |
  sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/^\.[A-Z]* //' |
  grep -oE '(^|[ ,"])--?[A-Za-z][A-Za-z-]*' | tr -d ' ,"' | sort -u)

[ -n "$from_help" ] || { echo "no option found in --help output"; exit 1; }
[ -n "$from_man" ] || { echo "no option found in the OPTIONS section of $man"; exit 1; }

pending=()
if ! grep -qx -- '--jobs' <<<"$from_help" &&
   ! grep -qx -- '--from' <<<"$from_help"; then
  pending=(--from --jobs -j)
  echo "note: this sxsdoctor does not take several EVIDENCE yet: --from and --jobs, in the" \
       "man page, are not checked against --help"
fi

fail=0
for o in $from_help; do
  grep -qx -- "$o" <<<"$from_man" || { echo "in --help, not in $man: $o"; fail=1; }
done
for o in $from_man; do
  grep -qx -- "$o" <<<"$from_help" && continue
  [[ " ${pending[*]-} " == *" $o "* ]] && continue
  echo "in $man, not in --help: $o"
  fail=1
done
# the version in the title line is the binary's
version=$("$bin" --version | awk '{print $2}')
grep -q "^\.TH SXSDOCTOR 1 [0-9-]* \"sxsdoctor $version\"" "$man" ||
  { echo "$man's .TH line does not name sxsdoctor $version"; fail=1; }
[ $fail -eq 0 ] && echo "man page and --help agree on $(printf '%s\n' "$from_help" | wc -l) options"
exit $fail
