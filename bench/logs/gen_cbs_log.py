#!/usr/bin/env python3
"""Writes a synthetic CBS.log of about SIZE_MB megabytes in the real format (UTF-8 BOM, CRLF,
"YYYY-MM-DD HH:MM:SS, Level  Component  message", one second per ~40 lines, ~1% Error lines,
CSI continuation lines without a timestamp), for bench/logs/run.sh. Deterministic."""
import random
import sys

def main():
    out, size_mb = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300
    target = size_mb * 1000 * 1000
    rnd = random.Random(20240312)
    comps = ["CBS", "CSI", "DPX", "DISM", "TI", "CBS", "CBS", "CSI"]
    msgs = [
        "Loaded Servicing Stack v10.0.26100.1738 with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.26100.1738_none_a5031b637767a4e7\\cbscore.dll",
        "Exec: Processing started.  Client: WindowsUpdateAgent, Session: 31101852_%d, Package: Package_for_RollupFix~31bf3856ad364e35~amd64~~26100.%d.1.5",
        "Appl: detect Parent, Package: Microsoft-Windows-Client-Features-Package~31bf3856ad364e35~amd64~~10.0.26100.%d, Parent: Microsoft-Windows-Foundation-Package, Disposition = Detect",
        "Doqe: Recording result: 0x00000000, for Inf: oem%d.inf",
        "Failed to get next element [HRESULT = 0x800f080d - CBS_E_MANIFEST_INVALID_ITEM]",
        "SQM: Initializing online with Windows opt-in: False",
        "Hashes for file member [l:%d]'wcp.dll' do not match. Expected: {l:32 ml:33 b:7b2f}",
        "Session: 31101852_%d initialized by client WindowsUpdateAgent, external staging directory: (null)",
    ]
    n = 0
    sec = 0
    with open(out, "wb") as f:
        f.write(b"\xef\xbb\xbf")
        buf = []
        while n < target:
            if rnd.random() < 0.025:
                sec += 1
            day, rem = divmod(sec, 86400)
            h, rem = divmod(rem, 3600)
            mi, s = divmod(rem, 60)
            date = "2024-04-%02d" % (1 + day % 30)
            level = "Error  " if rnd.random() < 0.01 else "Info   "
            msg = rnd.choice(msgs)
            while "%d" in msg:
                msg = msg.replace("%d", str(rnd.randint(1, 99999)), 1)
            if rnd.random() < 0.05:
                line = "[%d]\"%s\"\r\n" % (rnd.randint(1, 9999), msg)  # CSI continuation
            else:
                line = "%s %02d:%02d:%02d, %s           %-6s %s\r\n" % (
                    date, h, mi, s, level, rnd.choice(comps), msg)
            b = line.encode()
            buf.append(b)
            n += len(b)
            if len(buf) >= 4096:
                f.write(b"".join(buf))
                buf = []
        f.write(b"".join(buf))

if __name__ == "__main__":
    main()
