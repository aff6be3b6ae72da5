#!/bin/bash
# Sources completion/sxsdoctor.bash and checks what it offers: every --help option for "--",
# files for an option taking a file, only directories for --rules.
# usage: bash_completion.sh SXSDOCTOR COMPLETION_FILE WORKDIR
set -uo pipefail
bin=$1 comp=$2 work=$3
# shellcheck source=/dev/null
source "$comp" || { echo "cannot source $comp"; exit 1; }
complete -p sxsdoctor >/dev/null || { echo "$comp does not register a completion"; exit 1; }

complete_words() { # words... -> COMPREPLY, the last word being completed
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _sxsdoctor
}
has() { grep -qx -- "$1" <<<"$(printf '%s\n' "${COMPREPLY[@]}")"; } # no pipe: grep -q may close it early
fail=0

complete_words "$bin" --
want=$("$bin" --help | grep -E '^ +-' | sed -E 's/^ +//; s/ {2,}.*$//' |
  grep -oE -- '--[A-Za-z][A-Za-z-]*' | sort -u)
[ -n "$want" ] || { echo "no option in --help"; exit 1; }
for o in $want; do has "$o" || { echo "'--' does not offer $o"; fail=1; }; done
[ "${#COMPREPLY[@]}" -eq "$(printf '%s\n' $want | wc -l)" ] ||
  { echo "'--' offers ${#COMPREPLY[@]} words, --help has $(printf '%s\n' $want | wc -l)"; fail=1; }

complete_words "$bin" --tim
[ "${COMPREPLY[*]}" = "--timeline" ] || { echo "'--tim' gives '${COMPREPLY[*]}'"; fail=1; }

rm -rf "$work" && mkdir -p "$work/case/rules-extra" && cd "$work" || exit 1
: >case/timeline.jsonl
: >case/key.BEK
complete_words "$bin" --json --timeline case/
has case/timeline.jsonl && has case/key.BEK && has case/rules-extra ||
  { echo "--timeline case/ gives '${COMPREPLY[*]}'"; fail=1; }
complete_words "$bin" --bek case/k
[ "${COMPREPLY[*]}" = "case/key.BEK" ] || { echo "--bek case/k gives '${COMPREPLY[*]}'"; fail=1; }
complete_words "$bin" --timeline=case/t
[ "${COMPREPLY[*]}" = "case/timeline.jsonl" ] ||
  { echo "--timeline=case/t gives '${COMPREPLY[*]}'"; fail=1; }
complete_words "$bin" --rules case/
[ "${COMPREPLY[*]}" = "case/rules-extra" ] || { echo "--rules case/ gives '${COMPREPLY[*]}'"; fail=1; }
complete_words "$bin" --target-drive g
[ "${COMPREPLY[*]}" = "G:" ] || { echo "--target-drive g gives '${COMPREPLY[*]}'"; fail=1; }
complete_words "$bin" --json case/time
[ "${COMPREPLY[*]}" = "case/timeline.jsonl" ] || { echo "EVIDENCE case/time gives '${COMPREPLY[*]}'"; fail=1; }

[ $fail -eq 0 ] && echo "completion offers the $(printf "%s\n" $want | wc -l) options of --help, files and directories"
exit $fail
