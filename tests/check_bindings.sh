#!/usr/bin/env bash
# libregf, libevtx, libesedb, libbde, libvshadow, libvhdi and libvmdk run on their own copies of
# the libyal support libraries (sxs_libyal_island in CMakeLists.txt; islands in analyzer/ and
# fsaccess/): checks the built binary so that a link change cannot bring back a libyal library
# calling libewf's 2014 libcdata/libfcache (mixed versions of one library, slow containers).
# libtsk itself loads the shared libvhdi and libvmdk, which bind to libewf's copies; they stay
# harmless only while nothing calls them: the binary imports none of their functions, and
# fsaccess asks libtsk for raw images only (VHD, VHDX and VMDK are external images over the
# islands). Every IMAGE given (raw, VHD, VHDX, VMDK) must still give a cleanly read SOFTWARE.
#   check_bindings.sh SXSDOCTOR IMAGE...
set -euo pipefail
bin=$1
shift
imgs=("$@")
src=$(cd "$(dirname "$0")/.." && pwd)
support='lib(regf|evtx|esedb|fwevt|fvalue|exml|bde|vshadow|vhdi|vmdk|caes|hmac|cdata|cdatetime|cerror|cfile|clocale|cnotify|cpath|csplit|cthreads|fcache|fdata|fdatetime|fguid|fwnt|una)_'
fail=0
dyn=$(readelf -d "$bin")
for lib in libregf libevtx libesedb libbde libvshadow libvhdi libvmdk; do
    if grep -q "NEEDED.*$lib" <<<"$dyn"; then
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
# nothing of the binary's own may call the shared libvhdi/libvmdk that libtsk loads
imported=$(nm -u "$bin" | awk '{print $2}' | grep -E '^lib(vhdi|vmdk)_' | head -5 || true)
if [ -n "$imported" ]; then
    echo "FAIL: $bin calls the shared libvhdi/libvmdk (bound to libewf's copies): $imported"
    fail=1
fi
# nor may libtsk be asked to open a container itself (it would run the shared libvhdi/libvmdk)
asked=$(grep -rnoE 'TSK_IMG_TYPE_[A-Z_]+' "$src/fsaccess" | grep -vE 'TSK_IMG_TYPE_(RAW|EXTERNAL)$' |
        head -5 || true)
if [ -n "$asked" ]; then
    echo "FAIL: fsaccess asks libtsk for a container type other than raw: $asked"; fail=1
fi
for img in "${imgs[@]}"; do
    # every symbol the binary itself looks up at run time: none may be a libregf or support one
    bound=$(LD_DEBUG=bindings LD_DEBUG_OUTPUT=/dev/stderr "$bin" --json "$img" 2>&1 >/dev/null |
            grep -E "binding file [^ ]*sxsdoctor \[0\]" | grep -oE "\`$support[a-z0-9_]*'" |
            sort -u | head -5 || true)
    if [ -n "$bound" ]; then
        echo "FAIL: $bin binds these at run time on $img (they must be resolved inside the island): $bound"
        fail=1
    fi
    # and the analysis still reads the hives
    report=$("$bin" --json "$img" || true)
    state=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print([f["value"] for i in d["installs"] for f in i["facts"] if f["name"] == "hive.software.state"])' <<<"$report")
    if [ "$state" != "['clean']" ]; then
        echo "FAIL: the SOFTWARE hive of $img was not read through the islands ($state)"; fail=1
    fi
done
[ $fail -eq 0 ] && echo "ok: libregf, libevtx, libesedb, libbde, libvshadow, libvhdi, libvmdk and their support libraries are private to their islands (${#imgs[@]} images read)"
exit $fail
