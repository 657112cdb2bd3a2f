"""The benchmark: ``checker check`` against a naive script on 100k cases, and checker's memory on 1M.

    .venv/bin/python bench/run.py [--cases-small N] [--cases-large N] [--runs R] [--skip-large] [--as-of D]
                                  [--reuse]

1. Generates the small caseload (100k cases by default) into bench/out/small/ (git-ignored).
2. Times ``checker check --format json`` (the installed console script, output to /dev/null) and
   ``bench/naive_check.py`` on the same CSV files: one untimed warm-up each (file cache, .pyc), then
   R runs each, interleaved; prints both medians and the ratio checker/naive of the wall-time medians
   (the target: at most 2). For a second opinion on a busy machine it also prints the median of the
   per-pair ratios and the ratio of the CPU-time (user + system) medians, which other load moves less.
3. Runs both once more with their output kept and compares the findings of the five core obligations
   (case, obligation, ref, status, due date, completed on; stage and escalation for disputes) and the
   data errors (case, dispute, field: the messages are worded differently): both must be equal.
4. Generates the large caseload (1M cases by default) into bench/out/large/ and measures checker's peak
   resident memory on it, with /usr/bin/time -v where present. Target: within 1 GB.

``--reuse`` keeps a caseload already generated for the same number of cases and as-of date (the
generator itself may have changed since: leave it off for figures to quote).

Exits 1 when a target is missed or the findings or data errors differ.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from checker.demo.files import write_caseload

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
CHECKER = Path(sys.executable).parent / "checker"
CORE = ("housing-register-initial", "housing-register-renewal", "pathway-plan-review", "custody-release-review",
        "dispute-escalation")
RATIO_TARGET = 2.0
RSS_TARGET_MB = 1024
_RUSAGE_WRAPPER = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
                   "check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def checker_command(cases: Path, disputes: Path, as_of: date, profile: str = "lancashire") -> list[str]:
    return [str(CHECKER), "check", "--format", "json", "--cases", str(cases), "--disputes", str(disputes),
            "--as-of", as_of.isoformat(), "--profile", profile]


def naive_command(cases: Path, disputes: Path, as_of: date) -> list[str]:
    return [sys.executable, str(BENCH / "naive_check.py"), str(cases), str(disputes), "--as-of", as_of.isoformat()]


def generate(n: int, folder: Path, as_of: date, reuse: bool = False) -> tuple[Path, Path]:
    stamp = folder / "generated.txt"
    paths = folder / "cases.csv", folder / "disputes.csv"
    wanted = f"{n} {as_of.isoformat()}"
    if reuse and stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted and all(p.is_file() for p in paths):
        print(f"reusing {n} cases as of {as_of} in {folder}")
        return paths
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    paths = write_caseload(folder, n, as_of)
    stamp.write_text(wanted, encoding="utf-8")
    size = paths[0].stat().st_size / 1e6
    print(f"generated {n} cases into {folder} ({size:.0f} MB of cases) in {time.perf_counter() - started:.1f} s")
    return paths


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, from the kernel's accounting) of one run."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return wall, usage.ru_utime + usage.ru_stime


def core_findings(document: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    keys = ("case_ref", "obligation", "ref", "status", "due_date", "completed_on", "stage", "escalate_to_stage")
    return Counter(tuple(f.get(k) for k in keys) for f in document["findings"] if f["obligation"] in CORE)


def error_keys(document: dict[str, Any]) -> Counter[tuple[Any, ...]]:
    return Counter((e.get("case_ref"), e.get("dispute_ref"), e.get("field")) for e in document["data_errors"])


def compare(cases: Path, disputes: Path, as_of: date, folder: Path, profile: str) -> bool:
    documents = {}
    for name, command in (("checker", checker_command(cases, disputes, as_of, profile)),
                          ("naive", naive_command(cases, disputes, as_of))):
        path = folder / f"{name}.json"
        with path.open("w", encoding="utf-8") as out:
            subprocess.run(command, stdout=out, check=True)
        documents[name] = json.loads(path.read_text(encoding="utf-8"))
    ours, naive = core_findings(documents["checker"]), core_findings(documents["naive"])
    by_status = Counter((k[1], k[3]) for k in ours.elements())
    print(f"findings on the core obligations: checker {ours.total()}, naive {naive.total()}; "
          f"only in checker {(ours - naive).total()}, only in naive {(naive - ours).total()}")
    for (obligation, status), count in sorted(by_status.items()):
        print(f"  {obligation:<24} {status:<8} {count}")
    for label, extra in (("only in checker", ours - naive), ("only in naive", naive - ours)):
        for item in list(extra)[:5]:
            print(f"  {label}: {item}")
    our_errors, naive_errors = error_keys(documents["checker"]), error_keys(documents["naive"])
    print(f"data errors (case, dispute, field): checker {our_errors.total()}, naive {naive_errors.total()}; "
          f"only in checker {(our_errors - naive_errors).total()}, only in naive {(naive_errors - our_errors).total()}")
    for label, extra in (("only in checker", our_errors - naive_errors), ("only in naive", naive_errors - our_errors)):
        for item in list(extra)[:5]:
            print(f"  {label}: {item}")
    same = ours == naive and our_errors == naive_errors
    print(f"findings and data errors: {'the same' if same else 'DIFFERENT'}")
    return same


def peak_rss_mb(command: list[str]) -> float:
    """Peak resident set size of ``command`` in MB (its output thrown away)."""
    gnu_time = Path("/usr/bin/time")
    if gnu_time.is_file():
        result = subprocess.run([str(gnu_time), "-v", *command], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, check=True)
        for line in result.stderr.splitlines():
            if "Maximum resident set size" in line:
                return int(line.rsplit(":", 1)[1]) / 1024
    # A fresh process whose only child is the command: RUSAGE_CHILDREN then measures that child alone.
    wrapper = subprocess.run([sys.executable, "-c", _RUSAGE_WRAPPER, *command], capture_output=True, text=True,
                             check=True)
    return int(wrapper.stdout.strip()) / 1024  # ru_maxrss is in kB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description="checker check against a naive script; checker's memory on 1M.")
    parser.add_argument("--cases-small", type=int, default=100_000)
    parser.add_argument("--cases-large", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-large", action="store_true")
    parser.add_argument("--profile", default="lancashire",
                        help="the profile checker runs (default lancashire, the product's default: the five core "
                             "obligations and its eight others; the naive script does the five core ones only)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="default: today in Europe/London")
    parser.add_argument("--reuse", action="store_true", help="keep caseloads already generated for the same N and date")
    args = parser.parse_args()
    as_of = args.as_of or datetime.now(ZoneInfo("Europe/London")).date()
    ok = True

    small = OUT / "small"
    cases, disputes = generate(args.cases_small, small, as_of, args.reuse)
    commands = {"checker": checker_command(cases, disputes, as_of, args.profile),
                "naive": naive_command(cases, disputes, as_of)}
    for command in commands.values():
        timed(command)  # warm-up, not counted
    wall: dict[str, list[float]] = {"checker": [], "naive": []}
    cpu: dict[str, list[float]] = {"checker": [], "naive": []}
    for run in range(1, args.runs + 1):
        for name, command in commands.items():
            seconds, cpu_seconds = timed(command)
            wall[name].append(seconds)
            cpu[name].append(cpu_seconds)
        print(f"run {run}: checker {wall['checker'][-1]:.2f} s (cpu {cpu['checker'][-1]:.2f}), "
              f"naive {wall['naive'][-1]:.2f} s (cpu {cpu['naive'][-1]:.2f})")
    ours, naive = statistics.median(wall["checker"]), statistics.median(wall["naive"])
    ratio = ours / naive
    ok &= ratio <= RATIO_TARGET
    print(f"{args.cases_small} cases, profile {args.profile}, median of {args.runs}: checker {ours:.2f} s, "
          f"naive {naive:.2f} s, "
          f"ratio {ratio:.2f} (target <= {RATIO_TARGET}: {'met' if ratio <= RATIO_TARGET else 'MISSED'})")
    paired = statistics.median(a / b for a, b in zip(wall["checker"], wall["naive"], strict=True))
    cpu_ratio = statistics.median(cpu["checker"]) / statistics.median(cpu["naive"])
    print(f"  second opinions: median of the per-run ratios {paired:.2f}; cpu (user + system) medians: checker "
          f"{statistics.median(cpu['checker']):.2f} s, naive {statistics.median(cpu['naive']):.2f} s, "
          f"ratio {cpu_ratio:.2f}")
    ok &= compare(cases, disputes, as_of, small, args.profile)

    if not args.skip_large:
        large = OUT / "large"
        cases, disputes = generate(args.cases_large, large, as_of, args.reuse)
        started = time.perf_counter()
        rss = peak_rss_mb(checker_command(cases, disputes, as_of, args.profile))
        met = rss <= RSS_TARGET_MB
        ok &= met
        print(f"{args.cases_large} cases: checker peak RSS {rss:.0f} MB in {time.perf_counter() - started:.1f} s "
              f"(target <= {RSS_TARGET_MB} MB: {'met' if met else 'MISSED'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
