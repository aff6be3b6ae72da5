#!/usr/bin/env bash
# libregf, libevtx, libesedb, libbde and libvshadow run on their own copies of the libyal support
# libraries (sxs_libyal_island in CMakeLists.txt; islands in analyzer/ and fsaccess/): checks
# the built binary so that a link change cannot bring back a libyal library calling libewf's
# 2014 libcdata/libfcache (mixed versions of one library, slow containers).
#   check_bindings.sh SXSDOCTOR IMAGE
set -euo pipefail
bin=$1 img=$2
support='lib(regf|evtx|esedb|fwevt|fvalue|exml|bde|vshadow|caes|hmac|cdata|cdatetime|cerror|cfile|clocale|cnotify|cpath|csplit|cthreads|fcache|fdata|fdatetime|fguid|fwnt|una)_'
fail=0
for lib in libregf libevtx libesedb libbde libvshadow; do
    if readelf -d "$bin" | grep -q "NEEDED.*$lib"; then
        echo "FAIL: $bin loads $lib.so (it must use the island's static copy)"; fail=1
    fi
done
# libewf.so.2 (20140813) carries its own libbfio and libcdata and exports them: when libbfio.so
# comes before it in the search order, libewf's own calls bind to the newer libbfio and every
# E01 fails to open ("invalid pool - missing last used list"). The order is the link order.
order=$(readelf -d "$bin" | grep -oE "NEEDED.*\[lib(ewf|bfio)\.so" | grep -oE "lib(ewf|bfio)" |
        tr '\n' ' ')
case "$order" in
"libewf libbfio " | "libewf " | "") ;;
*) echo "FAIL: $bin searches libbfio.so before libewf.so (NEEDED order: $order)"; fail=1 ;;
esac
# the islands keep only their API global: an_hive_*, an_evtx_* and an_edb_*
leaked=$(nm --defined-only "$bin" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -E "^$support" | head -5 || true)
if [ -n "$leaked" ]; then
    echo "FAIL: $bin has global libyal symbols outside the islands: $leaked"; fail=1
fi
exported=$(nm -D --defined-only "$bin" | awk '{print $3}' | grep -E "^$support" | head -5 || true)
if [ -n "$exported" ]; then
    echo "FAIL: $bin exports libyal support symbols other libraries would bind to: $exported"
    fail=1
fi
# every symbol the binary itself looks up at run time: none may be a libregf or support one
bound=$(LD_DEBUG=bindings LD_DEBUG_OUTPUT=/dev/stderr "$bin" --json "$img" 2>&1 >/dev/null |
        grep -E "binding file [^ ]*sxsdoctor \[0\]" | grep -oE "\`$support[a-z0-9_]*'" |
        sort -u | head -5 || true)
if [ -n "$bound" ]; then
    echo "FAIL: $bin binds these at run time (they must be resolved inside the island): $bound"
    fail=1
fi
# and the analysis still reads the hives
report=$("$bin" --json "$img" || true)
state=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print([f["value"] for i in d["installs"] for f in i["facts"] if f["name"] == "hive.software.state"])' <<<"$report")
if [ "$state" != "['clean']" ]; then
    echo "FAIL: the SOFTWARE hive of $img was not read through the island ($state)"; fail=1
fi
[ $fail -eq 0 ] && echo "ok: libregf, libevtx, libesedb, libbde, libvshadow and their support libraries are private to their islands"
exit $fail
