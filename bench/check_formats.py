"""``checker check`` in table and CSV form against JSON on the same caseload (100k cases by default).

    .venv/bin/python bench/check_formats.py [--cases N] [--runs R] [--as-of D] [--reuse]

Generates the caseload into bench/out/small/ (as ``bench/run.py`` does; ``--reuse`` keeps one already made
for the same size and date), then times ``checker check --format json``, ``--format table`` and
``--format csv`` with their output thrown away (as a pipe would take it): one untimed warm-up, then R runs
of each, interleaved. Prints the wall and CPU medians and each format's ratio to JSON. Target: the table
costs no more than the JSON (ratio at most 1.0; on a busy machine the CPU ratio is the steadier). Exits 1
when both ratios miss it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from run import CHECKER, OUT, generate

TARGET = 1.0
FORMATS = ("json", "table", "csv")


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run, its stdout and stderr thrown away (CSV writes the
    data errors on stderr)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), command)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--as-of", type=date.fromisoformat, default=datetime.now(ZoneInfo("Europe/London")).date())
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    cases, disputes = generate(args.cases, OUT / "small", args.as_of, reuse=args.reuse)

    def command(output: str) -> list[str]:
        return [str(CHECKER), "check", "--format", output, "--cases", str(cases), "--disputes", str(disputes),
                "--as-of", args.as_of.isoformat()]

    for output in FORMATS:
        timed(command(output))
    walls: dict[str, list[float]] = {output: [] for output in FORMATS}
    cpus: dict[str, list[float]] = {output: [] for output in FORMATS}
    for _ in range(args.runs):
        for output in FORMATS:
            wall, cpu = timed(command(output))
            walls[output].append(wall)
            cpus[output].append(cpu)
    print(f"checker check on {args.cases} cases, median of {args.runs} runs (seconds):")
    for output in FORMATS:
        wall, cpu = statistics.median(walls[output]), statistics.median(cpus[output])
        print(f"  --format {output:<5}  wall {wall:6.2f} ({wall / statistics.median(walls['json']):.2f} x json)"
              f"  cpu {cpu:6.2f} ({cpu / statistics.median(cpus['json']):.2f} x json)")
    ratio = statistics.median(walls["table"]) / statistics.median(walls["json"])
    cpu_ratio = statistics.median(cpus["table"]) / statistics.median(cpus["json"])
    print(f"table / json: wall {ratio:.2f}, cpu {cpu_ratio:.2f} (target at most {TARGET}; on a busy machine the "
          "CPU ratio is the steadier)")
    return 0 if min(ratio, cpu_ratio) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
