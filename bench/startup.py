"""Start-up: ``checker --help`` and ``checker check`` on a 10-row CSV, against ``python -c pass`` as the floor.

    .venv/bin/python bench/startup.py [--runs R] [--imports N]

Writes a 10-case caseload (the generator behind ``checker demo``, no broken rows) into a temporary folder,
then runs the installed console script ``checker --help``, ``checker check --cases ... --disputes ...`` (the
table, thrown away as a pipe would take it) and ``python -c pass``: one untimed warm-up each (file cache,
.pyc), then R runs each, interleaved. Prints the wall and CPU (user + system) medians of each, and whether
the targets hold: ``--help`` under 0.3 s and ``check`` under 0.4 s of wall time. Exits 1 when one is missed.

On a shared, busy machine the wall time swings with the load: the floor shows how slow the machine is right
now, and the CPU time is the steadier figure. ``--imports N`` also prints each command's N slowest top-level
imports (``python -X importtime``), the place to look when a target is missed (docs/operations.md,
"Start-up").
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from check_formats import timed

from checker.demo.files import write_caseload

CHECKER = Path(sys.executable).parent / "checker"
AS_OF = date(2026, 11, 23)  # any fixed day: the figures do not depend on it
TARGETS = {"help": 0.3, "check": 0.4}


def slowest_imports(command: list[str], n: int) -> list[tuple[float, str]]:
    """The ``n`` top-level imports of ``command`` (run by this interpreter) with the most cumulative time."""
    result = subprocess.run([sys.executable, "-X", "importtime", *command], capture_output=True, text=True,
                            check=True)
    top: list[tuple[float, str]] = []
    for line in result.stderr.splitlines()[1:]:
        if not line.startswith("import time:"):
            continue
        _, cumulative, name = line.split("|")
        if not name.startswith("  "):  # one space: imported by the command itself, not by another import
            top.append((int(cumulative) / 1e6, name.strip()))
    return sorted(top, reverse=True)[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--imports", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cases, disputes = write_caseload(Path(folder), 10, AS_OF, bad_rows=False)
        check = ["check", "--cases", str(cases), "--disputes", str(disputes), "--as-of", AS_OF.isoformat()]
        commands = {"floor": [sys.executable, "-c", "pass"], "help": [str(CHECKER), "--help"],
                    "check": [str(CHECKER), *check]}
        labels = {"floor": "python -c pass", "help": "checker --help", "check": "checker check, 10 cases"}
        for command in commands.values():
            timed(command)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                wall, cpu = timed(command)
                walls[name].append(wall)
                cpus[name].append(cpu)
        print(f"start-up, median of {args.runs} runs (seconds):")
        met = True
        for name in commands:
            wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
            line = f"  {labels[name]:<24} wall {wall:6.3f}  cpu {cpu:6.3f}"
            if name in TARGETS:
                ok = wall < TARGETS[name]
                met = met and ok
                line += f"  target < {TARGETS[name]} s: {'met' if ok else 'MISSED'}"
            print(line)
        floor_wall, floor_cpu = statistics.median(walls["floor"]), statistics.median(cpus["floor"])
        if floor_wall > 2 * floor_cpu + 0.01:
            print(f"note: the machine is busy (python -c pass took {floor_wall:.3f} s for {floor_cpu:.3f} s of CPU): "
                  "the wall times are inflated; run again when it is quieter, or read the CPU column")
        if args.imports:
            for name in TARGETS:
                module_args = ["-m", "checker", *(["--help"] if name == "help" else check)]
                print(f"slowest top-level imports of {name} (cumulative seconds):")
                for seconds, module in slowest_imports(module_args, args.imports):
                    print(f"  {seconds:6.3f}  {module}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
