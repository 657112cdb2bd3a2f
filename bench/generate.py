"""Write a synthetic caseload as CSV for the benchmark: OUTDIR/cases.csv and OUTDIR/disputes.csv.

    .venv/bin/python bench/generate.py N OUTDIR [--as-of YYYY-MM-DD] [--seed S] [--clean] [--core-only]

The rows come from ``checker.demo.caseload`` (the generator behind ``checker demo``) and stream to
disk, so N can be in the millions. By default about 1.5% of the cases are deliberately broken
(docs/input.md "Bad input"); ``--clean`` leaves them out. ``--core-only`` writes the 18 core columns of
docs/input.md instead of all 41 canonical columns.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from checker.demo.caseload import DEFAULT_SEED
from checker.demo.files import write_caseload


def today_in_london() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def main() -> None:
    parser = argparse.ArgumentParser(description="Write N synthetic cases as cases.csv and disputes.csv.")
    parser.add_argument("n", type=int, help="number of cases")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="default: today in Europe/London")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--clean", action="store_true", help="no deliberately broken rows")
    parser.add_argument("--core-only", action="store_true", help="only the columns of docs/input.md")
    args = parser.parse_args()
    as_of = args.as_of or today_in_london()
    started = time.perf_counter()
    cases, disputes = write_caseload(args.outdir, args.n, as_of, args.seed, bad_rows=not args.clean,
                                     extended=not args.core_only)
    print(f"{args.n} cases as of {as_of} (seed {args.seed}) in {cases} and {disputes}, "
          f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
