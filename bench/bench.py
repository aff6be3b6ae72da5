#!/usr/bin/env python3
"""Side-by-side benchmark of sxsdoctor against the floor and the by-hand way (DESIGN.md,
"Performance budget"), on one image in several containers.

  floor   : icat of just the evidence files (hives, logs) + fls of the WinSxS directory
  by-hand : fls -r -p | grep -i servicingstack, and icat CBS.log | grep 0x80070003
  sxsdoctor --json

Prints medians (hyperfine, warm cache), the ratios the design sets targets for, and each
command's peak RSS. Usage: bench.py SXSDOCTOR IMAGE [IMAGE...] [--runs N]
"""
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile

EVIDENCE = [
    "Windows/System32/config/SOFTWARE",
    "Windows/System32/config/SYSTEM",
    "Windows/System32/config/COMPONENTS",
    "Windows/Logs/CBS/CBS.log",
    "Windows/Logs/DISM/dism.log",
    "$WINDOWS.~BT/Sources/Panther/setupact.log",
]


def run(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True)


def inode(img, sector, path):
    r = run(f"ifind -o {sector} -n {shlex.quote(path)} {shlex.quote(img)}")
    v = r.stdout.strip()
    return v if r.returncode == 0 and v and v[0].isdigit() else None


def peak_rss_mib(cmd):
    """Peak RSS of one run of cmd (the largest of its processes), in MiB, measured in a fresh
    interpreter so earlier commands do not count."""
    probe = ("import resource,subprocess,sys;"
             "subprocess.run(['bash','-c',sys.argv[1]],stdout=subprocess.DEVNULL,"
             "stderr=subprocess.DEVNULL);"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, cmd], capture_output=True, text=True)
    return int(out.stdout.strip() or 0) / 1024.0


def bench_image(tool, img, runs):
    rep = json.loads(run(f"{shlex.quote(tool)} --json --no-progress {shlex.quote(img)}").stdout)
    if not rep["installs"]:
        sys.exit(f"bench: {img}: no Windows installation found")
    inst = rep["installs"][0]
    vol = rep["volumes"][inst["volume"]]
    sector = vol["offset"] // 512
    q = shlex.quote(img)
    icats = []
    for p in EVIDENCE:
        ino = inode(img, sector, p)
        if ino:
            icats.append(f"icat -o {sector} {q} {ino} >/dev/null")
    winsxs = inode(img, sector, "Windows/WinSxS")
    cbs = inode(img, sector, "Windows/Logs/CBS/CBS.log")
    floor = "; ".join(icats + [f"fls -o {sector} {q} {winsxs} >/dev/null"])
    byhand = (f"fls -r -p -o {sector} {q} | grep -i servicingstack >/dev/null; "
              f"icat -o {sector} {q} {cbs} | grep -c 0x80070003 >/dev/null")
    ours = f"{shlex.quote(tool)} --json --no-progress {q} >/dev/null"
    cmds = {"floor": floor, "by-hand": byhand, "sxsdoctor": ours}
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["hyperfine", "--warmup", "1", "--runs", str(runs), "-i", "-S",
                "bash", "--export-json", out.name]
        for name, c in cmds.items():
            args += ["-n", name, c]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        res = json.load(open(out.name))
    med = {r["command"]: r["median"] for r in res["results"]}
    rss = {name: peak_rss_mib(c) for name, c in cmds.items()}
    return med, rss, os.path.getsize(img)


def main():
    argv = sys.argv[1:]
    runs = 5
    if "--runs" in argv:
        i = argv.index("--runs")
        runs = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) < 2:
        sys.exit(__doc__)
    tool, images = argv[0], argv[1:]
    print(f"{'image':<28} {'floor s':>8} {'by-hand s':>10} {'sxsdoctor s':>12} "
          f"{'sxs/floor':>10} {'by-hand/sxs':>12} {'RSS MiB (floor/hand/sxs)':>26}")
    for img in images:
        med, rss, _ = bench_image(tool, img, runs)
        print(f"{os.path.basename(img):<28} {med['floor']:>8.3f} {med['by-hand']:>10.3f} "
              f"{med['sxsdoctor']:>12.3f} {med['sxsdoctor'] / med['floor']:>10.2f} "
              f"{med['by-hand'] / med['sxsdoctor']:>12.1f} "
              f"{rss['floor']:>8.0f}/{rss['by-hand']:.0f}/{rss['sxsdoctor']:.0f}")
    print(f"(medians of {runs} runs after 1 warm-up; targets: sxs/floor <= 1.5, "
          "by-hand/sxs >= 10 on the E01)")


if __name__ == "__main__":
    main()
