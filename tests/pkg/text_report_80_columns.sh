#!/bin/bash
# The text report on an 80-column terminal: every line fits, long lines (folder names, log
# lines, commands) are wrapped under an indent, and nothing is cut: the words of the wrapped
# report are those of the unwrapped one (a pipe). Runs the binary on a pseudo-terminal
# (script(1)) sized 80 columns.
# usage: text_report_80_columns.sh SXSDOCTOR IMAGE
set -uo pipefail
bin=$1 image=$2
command -v script >/dev/null || { echo "SKIP: script(1) (util-linux) is not installed"; exit 77; }
[ -e "$image" ] || { echo "sample image $image was not built"; exit 1; }

piped=$("$bin" --no-progress "$image")
rc=$?
[ $rc -le 1 ] || { echo "sxsdoctor $image exited $rc"; exit 1; }
longest=$(printf '%s\n' "$piped" | LC_ALL=C.UTF-8 wc -L)
[ "$longest" -gt 80 ] || { echo "no line of the report on $image exceeds 80 columns: nothing to test"; exit 1; }

tty=$(script -qec "stty cols 80 rows 50; exec '$bin' --no-progress '$image'" /dev/null | tr -d '\r')
[ -n "$tty" ] || { echo "no output on the pseudo-terminal"; exit 1; }
fail=0
widest=$(printf '%s\n' "$tty" | LC_ALL=C.UTF-8 wc -L)
if [ "$widest" -gt 80 ]; then
  echo "on an 80-column terminal a line has $widest columns:"
  printf '%s\n' "$tty" | LC_ALL=C.UTF-8 awk 'length($0) > 80' | head -5
  fail=1
fi
# nothing cut: the same characters once blanks and line breaks are taken out
if [ "$(printf '%s' "$piped" | tr -d ' \n')" != "$(printf '%s' "$tty" | tr -d ' \n')" ]; then
  echo "the wrapped report does not hold the same text as the piped one:"
  diff <(printf '%s' "$piped" | tr -s ' \n' '\n\n') <(printf '%s' "$tty" | tr -s ' \n' '\n\n') | head -10
  fail=1
fi
[ "$(printf '%s\n' "$tty" | wc -l)" -gt "$(printf '%s\n' "$piped" | wc -l)" ] ||
  { echo "the report was not wrapped at all"; fail=1; }
# a wrapped line goes on indented deeper than the line it continues (2 more blanks)
cont=$(printf '%s\n' "$piped" | LC_ALL=C.UTF-8 awk 'length($0) > 80 {print; exit}')
first=${cont:0:60}
indent=$(printf '%s' "$cont" | sed -E 's/^( *).*/\1/' | wc -c)
next=$(printf '%s\n' "$tty" | grep -F -A1 -- "$first" | sed -n 2p)
nindent=$(printf '%s' "$next" | sed -E 's/^( *).*/\1/' | wc -c)
[ "$nindent" -eq $((indent + 2)) ] ||
  { echo "continuation of '$first' indented $nindent, not $((indent + 2)): '$next'"; fail=1; }
# several evidence (issue 15): the reports come from worker processes whose stdout is a pipe;
# they must still wrap for the terminal
help=$("$bin" --help)
if printf '%s\n' "$help" | grep -- '--jobs' >/dev/null; then
  # the second evidence under a path longer than the terminal: the section heading names it
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  long="$tmp/an-evidence-path-longer-than-the-terminal-is-wide-so-its-heading-must-wrap.raw"
  ln -s "$image" "$long"
  batch=$(script -qec "stty cols 80 rows 50; exec '$bin' --no-progress --jobs 2 '$image' '$long'" /dev/null | tr -d '\r')
  bw=$(printf '%s\n' "$batch" | LC_ALL=C.UTF-8 wc -L)
  [ "$bw" -le 80 ] || { echo "two evidence, --jobs 2, on an 80-column terminal: a line has $bw columns"; fail=1; }
  [ "$(printf '%s\n' "$batch" | grep -c '^Evidence:')" -eq 2 ] || { echo "--jobs 2: not two reports"; fail=1; }
else
  echo "note: this sxsdoctor takes one EVIDENCE; the several-evidence case was not run"
fi
[ $fail -eq 0 ] && echo "report on $image: longest line $longest columns piped, $widest on an 80-column terminal"
exit $fail
