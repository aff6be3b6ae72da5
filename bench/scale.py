#!/usr/bin/env python3
"""How sxsdoctor's cost grows with the evidence (issue 16, item 5): one table row per size of
one kind of evidence, every other evidence held at the baseline, each row on a raw image and
on an E01 of it, against a one-process libtsk extractor of the same evidence (bench/floor).

Rows (the images are variants of sample-images/scenarios/bench-large.scn, built once and
kept in WORK keyed by their scenario text):
  baseline            36 KB hives, a 1 KB CBS.log, no extra WinSxS folders
  cbs-100M/300M/1G    CBS.log of that size (the scenario's 4-line rounds)
  winsxs-15k/60k      that many extra WinSxS component folders of 4 files each
  winsxs-15k+cbs-300M both: bench-large.scn itself, on the smaller disk (the issue's ratios)
  software-120M       SOFTWARE of ~120 MB with 15k CBS packages (bench/hives generator)
  components-600M     COMPONENTS of ~600 MB (bench/hives generator)
  hives-120M+600M     both (the issue's target: <= 64 MiB peak RSS with both, raw and E01)

Each cell is the median of RUNS interleaved runs (sxsdoctor, floor, sxsdoctor, ...) after one
warm-up: wall seconds, CPU seconds (user + system) and peak RSS (MiB, ru_maxrss of the
process). Prints a Markdown table and writes WORK/scale.json.

  scale.py --sxsdoctor BIN --mkimage BIN --extract BIN --work DIR [--runs N]
           [--rows a,b,...] [--disk-size 8G] [--hive-gen DIR]
"""
import argparse
import hashlib
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCN = os.path.join(HERE, "..", "sample-images", "scenarios", "bench-large.scn")
# the evidence the floor reads: what sxsdoctor reads on a healthy install of this scenario
FLOOR_FILES = [
    "Windows/System32/config/SOFTWARE",
    "Windows/System32/config/SYSTEM",
    "Windows/System32/config/COMPONENTS",
    "Windows/Logs/CBS/CBS.log",
    "Windows/Logs/DISM/dism.log",
    "Windows/INF/setupapi.dev.log",
]
FLOOR_DIR = "Windows/WinSxS"
ROUND_BYTES = 600  # one CBS round of bench-large.scn: 4 lines, about 600 bytes

# name: (extra WinSxS folders, CBS.log MB (0: the scenario's short log alone), hives generated)
ROWS = {
    "baseline": (0, 0, None),
    "cbs-100M": (0, 100, None),
    "cbs-300M": (0, 300, None),
    "cbs-1G": (0, 1000, None),
    "winsxs-15k": (15000, 0, None),
    "winsxs-60k": (60000, 0, None),
    "winsxs-15k+cbs-300M": (15000, 300, None),
    "software-120M": (0, 0, ("SOFTWARE",)),
    "components-600M": (0, 0, ("COMPONENTS",)),
    "hives-120M+600M": (0, 0, ("SOFTWARE", "COMPONENTS")),
}


def scenario(base, folders, cbs_mb, disk, hives):
    """bench-large.scn with the WinSxS and CBS repeat counts and the disk size replaced, and,
    for a hive row, each hive's block replaced by the generated file (source=)."""
    s = re.sub(r"^disk size=\S+", f"disk size={disk}", base, count=1, flags=re.M)
    s = re.sub(r"^repeat 15000$", f"repeat {folders}", s, count=1, flags=re.M)
    rounds = cbs_mb * 1000 * 1000 // ROUND_BYTES
    s = re.sub(r"^repeat 500000$", f"repeat {rounds}", s, count=1, flags=re.M)
    for hive, _ in hives:
        # the block runs from "hive NAME" to the next "hive " line or the end
        s = re.sub(rf"^hive {hive}\n(?:(?!hive ).*\n?)*", "", s, count=1, flags=re.M)
    for hive, path in hives:  # after every block is gone: a block may run to the end
        s += f"\nfile Windows/System32/config/{hive} source={path}\n"
    return s


def build(args, row):
    folders, cbs_mb, names = ROWS[row]
    hives = []
    for hive in names or ():
        hive_path = os.path.join(args.work, f"gen.{hive}")
        hives.append((hive, hive_path))
        if not os.path.exists(hive_path):
            gen = (["mksoftware.py", "15000", hive_path, "120"] if hive == "SOFTWARE" else
                   ["mkcomponents.py", "600", hive_path])
            gen[0] = os.path.join(args.hive_gen, gen[0])
            subprocess.run([sys.executable] + gen, check=True, stderr=subprocess.DEVNULL)
    text = scenario(open(SCN).read(), folders, cbs_mb, args.disk_size, hives)
    key = hashlib.sha256(text.encode()).hexdigest()[:12]
    raw = os.path.join(args.work, f"{row}-{key}.raw")
    e01 = os.path.join(args.work, f"{row}-{key}.E01")
    if not os.path.exists(e01):
        scn = os.path.join(args.work, f"{row}-{key}.scn")
        # the scenario includes nothing, so it may live anywhere
        open(scn, "w").write(text)
        t = time.time()
        subprocess.run([args.mkimage, scn, raw], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([args.mkimage, "--segment-size", "100663296", raw, e01], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"  built {row}: {time.time() - t:.0f} s", file=sys.stderr)
    return raw, e01


def measure(cmd):
    """wall s, CPU s, peak RSS MiB of one run of cmd (stdout discarded)."""
    t = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):  # 1: findings (hive rows have none; logs rows may)
        sys.exit(f"scale: {shlex.join(cmd)}: exit {code}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def sector_of(args, img):
    out = subprocess.run([args.sxsdoctor, "--json", "--no-progress", img], capture_output=True,
                         text=True).stdout
    rep = json.loads(out.splitlines()[0])
    if not rep["installs"]:
        sys.exit(f"scale: {img}: no Windows installation found")
    return rep["volumes"][rep["installs"][0]["volume"]]["offset"] // 512


def cell(args, img):
    sxs = [args.sxsdoctor, "--json", "--no-progress", img]
    floor = [args.extract, img, str(sector_of(args, img)), FLOOR_DIR] + FLOOR_FILES
    measure(sxs)
    measure(floor)  # warm-up
    runs = {"sxs": [], "floor": []}
    for _ in range(args.runs):
        runs["sxs"].append(measure(sxs))
        runs["floor"].append(measure(floor))
    return {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in runs.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sxsdoctor", required=True)
    ap.add_argument("--mkimage", required=True)
    ap.add_argument("--extract", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--disk-size", default="8G")  # room for the 1 GB log and the 600 MB hive
    ap.add_argument("--hive-gen", default=os.path.join(HERE, "hives"))
    args = ap.parse_args()
    # absolute: a scenario's source= paths are read relative to the scenario's own folder
    args.work = os.path.abspath(args.work)
    os.makedirs(args.work, exist_ok=True)
    rows = [r for r in args.rows.split(",") if r]
    for r in rows:
        if r not in ROWS:
            sys.exit(f"scale: unknown row {r} (rows: {', '.join(ROWS)})")
    result = {}
    print(f"| row | container | sxsdoctor wall s | CPU s | peak RSS MiB | floor wall s | "
          f"CPU s | peak RSS MiB | sxs/floor wall |")
    print("|-|-|-|-|-|-|-|-|-|")
    for r in rows:
        raw, e01 = build(args, r)
        for name, img in (("raw", raw), ("E01", e01)):
            c = cell(args, img)
            result[f"{r}/{name}"] = c
            s, f = c["sxs"], c["floor"]
            print(f"| {r} | {name} | {s[0]:.3f} | {s[1]:.3f} | {s[2]:.1f} | {f[0]:.3f} | "
                  f"{f[1]:.3f} | {f[2]:.1f} | {s[0] / f[0]:.2f} |", flush=True)
    json.dump(result, open(os.path.join(args.work, "scale.json"), "w"), indent=1)
    print(f"(medians of {args.runs} interleaved runs after one warm-up; disk {args.disk_size}; "
          f"floor: bench/floor/tsk_extract, one libtsk process reading {len(FLOOR_FILES)} files "
          f"and listing {FLOOR_DIR})")


if __name__ == "__main__":
    main()
