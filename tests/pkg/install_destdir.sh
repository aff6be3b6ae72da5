#!/bin/bash
# cmake --install into a DESTDIR puts the binary, the rule pack, the manual and the bash
# completion in their GNUInstallDirs places, and the installed binary, given no --rules, finds
# the pack installed with it (rules/rule_pack_dir.c) and diagnoses sample images as the
# build-tree binary does.
# usage: install_destdir.sh BUILD_DIR PREFIX BINDIR DATADIR MANDIR WORK HEALTHY_IMG FINDINGS_IMG
set -uo pipefail
build=$1 prefix=$2 bindir=$3 datadir=$4 mandir=$5 work=$6 healthy=$7 findings=$8
for i in "$healthy" "$findings"; do [ -e "$i" ] || { echo "sample image $i was not built"; exit 1; }; done
rm -rf "$work" && mkdir -p "$work"
dest=$work/destdir
DESTDIR=$dest cmake --install "$build" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; echo "cmake --install failed"; exit 1; }
root=$dest$prefix
fail=0
for f in "$bindir/sxsdoctor" "$datadir/sxsdoctor/rules.d/ssu-empty.yml" "$mandir/man1/sxsdoctor.1" \
         "$datadir/bash-completion/completions/sxsdoctor"; do
  [ -e "$root/$f" ] || { echo "not installed: $prefix/$f"; fail=1; }
done
[ -x "$root/$bindir/sxsdoctor" ] || { echo "installed binary is not executable"; exit 1; }
n_src=$(ls "$(dirname "$0")/../../rules/rules.d/"*.yml | wc -l)
n_inst=$(ls "$root/$datadir/sxsdoctor/rules.d/"*.yml | wc -l)
[ "$n_src" -eq "$n_inst" ] || { echo "$n_inst rule files installed, the pack has $n_src"; fail=1; }

bin=$root/$bindir/sxsdoctor
# the pack it loads is the installed one, not the source tree's
listed=$("$bin" --list-rules) || { echo "installed sxsdoctor --list-rules failed"; exit 1; }
want=$(realpath "$root/$datadir/sxsdoctor/rules.d")
grep -q "($want/ssu-empty.yml:" <<<"$listed" ||
  { echo "installed binary does not load its rules from $want:"; printf '%s\n' "$listed" | head -5; fail=1; }
! grep -q "/rules/rules.d/" <<<"$listed" ||
  { echo "installed binary loads rules from the source tree"; fail=1; }
# ... and the build-tree binary keeps the source tree's
tree_listed=$("$build/cli/sxsdoctor" --list-rules)
grep -q "/rules/rules.d/ssu-empty.yml:" <<<"$tree_listed" ||
  { echo "the build-tree binary no longer loads the source tree's rules"; fail=1; }

# the installed binary diagnoses as the build-tree one does
for img in "$healthy" "$findings"; do
  "$bin" --no-progress --json "$img" >"$work/installed.json" 2>"$work/installed.err"
  rc_i=$?
  "$build/cli/sxsdoctor" --no-progress --json "$img" >"$work/tree.json" 2>/dev/null
  rc_t=$?
  [ $rc_i -eq $rc_t ] || { echo "$img: installed exits $rc_i, build tree $rc_t"; cat "$work/installed.err"; fail=1; }
  cmp -s "$work/installed.json" "$work/tree.json" ||
    { echo "$img: the installed binary's report differs from the build tree's"; fail=1; }
done
"$bin" --no-progress --json "$healthy" >/dev/null 2>&1
[ $? -eq 0 ] || { echo "installed binary: $healthy is not healthy (exit 0)"; fail=1; }
"$bin" --no-progress --json "$findings" >"$work/installed.json" 2>/dev/null
[ $? -eq 1 ] || { echo "installed binary: $findings has no finding (exit 1)"; fail=1; }
grep -q '"SSU-EMPTY"' "$work/installed.json" || { echo "installed binary: no SSU-EMPTY finding"; fail=1; }
[ $fail -eq 0 ] && echo "installed under $dest$prefix; $n_inst rules from $want; reports identical"
exit $fail
