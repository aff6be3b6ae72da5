#!/usr/bin/env python3
"""Throughput of one run over many disks (sxsdoctor EVIDENCE... [--jobs N]) against a shell
loop of single runs over the same images, in the same run (hyperfine, warm cache):

  loop    : for f in IMAGES; do sxsdoctor --json "$f"; done
  jobs=1  : sxsdoctor --json IMAGES...
  jobs=2  : sxsdoctor --json --jobs 2 IMAGES...

Prints images per minute, the per-image cost (with and without the start-up, measured as
--list-rules, that the loop pays once per image) of the batch against the loop (the budget: no
more than 5 % above it), and the peak RSS of the largest process of each command (parent or
worker; the budget is 64 MiB per process). Also checks that --jobs 2 prints the bytes of
--jobs 1. Usage: batch.py SXSDOCTOR IMAGE... [--runs N]
"""
import json
import shlex
import subprocess
import sys
import tempfile


def peak_rss_mib(cmd):
    """Peak RSS of the largest process of one run of cmd, in MiB (RUSAGE_CHILDREN of a fresh
    interpreter after the run: the largest of all its waited-for descendants)."""
    probe = ("import resource,subprocess,sys;"
             "subprocess.run(['bash','-c',sys.argv[1]],stdout=subprocess.DEVNULL,"
             "stderr=subprocess.DEVNULL);"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, cmd], capture_output=True, text=True)
    return int(out.stdout.strip() or 0) / 1024.0


def main():
    argv = sys.argv[1:]
    runs = 5
    if "--runs" in argv:
        i = argv.index("--runs")
        runs = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) < 2:
        sys.exit(__doc__)
    tool, images = shlex.quote(argv[0]), argv[1:]
    n = len(images)
    q = " ".join(shlex.quote(i) for i in images)
    cmds = {
        "loop": f"for f in {q}; do {tool} --json --no-progress \"$f\"; done >/dev/null",
        "jobs=1": f"{tool} --json --no-progress --jobs 1 {q} >/dev/null",
        "jobs=2": f"{tool} --json --no-progress --jobs 2 {q} >/dev/null",
        "startup": f"{tool} --list-rules >/dev/null",
    }
    one = subprocess.run(f"{tool} --json --no-progress --jobs 1 {q}", shell=True,
                         capture_output=True).stdout
    two = subprocess.run(f"{tool} --json --no-progress --jobs 2 {q}", shell=True,
                         capture_output=True).stdout
    lines = one.decode().splitlines()
    assert len(lines) == n, f"{len(lines)} JSON lines for {n} images"
    assert [json.loads(l)["evidence"]["input"] for l in lines] == images, "order"
    assert one == two, "--jobs 2 printed other bytes than --jobs 1"
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        args = ["hyperfine", "--warmup", "1", "--runs", str(runs), "-i", "-S", "bash",
                "--export-json", out.name]
        for name, c in cmds.items():
            args += ["-n", name, c]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        res = {r["command"]: r for r in json.load(open(out.name))["results"]}
    loop = res["loop"]["median"]
    print(f"{n} images, medians of {runs} runs after 1 warm-up (2 cores)")
    print(f"{'command':<8} {'median s':>9} {'stddev s':>9} {'images/min':>11} {'per image ms':>13} "
          f"{'vs loop':>8} {'peak RSS MiB':>13}")
    for name in ("loop", "jobs=1", "jobs=2"):
        med = res[name]["median"]
        print(f"{name:<8} {med:>9.3f} {res[name]['stddev']:>9.3f} {n * 60 / med:>11.0f} "
              f"{med * 1000 / n:>13.1f} {(med / loop - 1) * 100:>+7.1f}% "
              f"{peak_rss_mib(cmds[name]):>13.1f}")
    # The loop pays the start (loading and compiling the rule pack) once per image, the batch
    # once: take it out of both to compare what each image costs on its own.
    start = res["startup"]["median"]
    per_loop = loop / n - start
    per_batch = (res["jobs=1"]["median"] - start) / n
    print(f"start (--list-rules: load the rule pack) {start * 1000:.1f} ms; per image without "
          f"it: loop {per_loop * 1000:.1f} ms, jobs=1 {per_batch * 1000:.1f} ms "
          f"({(per_batch / per_loop - 1) * 100:+.1f} %)")
    print("budget: jobs=1 per image within +5 % of the loop; peak RSS per process < 64 MiB;"
          " --jobs 2 output identical to --jobs 1: yes")


if __name__ == "__main__":
    main()
