"""The daemon's tick at scale: first, unchanged and 1%-changed ticks on SQLite and PostgreSQL.

    .venv/bin/python bench/tick.py [--sizes 10000,100000] [--databases sqlite,postgres] [--as-of D]
                                   [--change 0.01] [--check-runs 3] [--reuse] [--json FILE]

For each caseload size, the synthetic caseload of ``bench/generate.py`` (bad rows included) is written to
``bench/out/tick-N/`` (git-ignored), and a copy in which 1% of the cases (every 100th row) record a pathway
plan review the day before the as-of date, which meets or moves their review deadline. ``checker check`` on
the caseload is timed (median of ``--check-runs``). Then, for each state database (a SQLite file, or a new
database on a throwaway PostgreSQL cluster the bench starts as the tests do), three ticks
(``checker run --once --no-digests``, the daemon's daily tick; every channel to the local sink, so nothing
leaves the machine, in ``window = "any_time"`` so everything planned is delivered at once):

1. ``first``: on the empty state database (a go-live: one summary per recipient, docs/go-live.md);
2. ``unchanged``: the same files, the same as-of date. The same day on purpose: on the next working day a
   reminder stage may fall due, and a tick that plans it is right to write it; the target "writes nothing
   but its run record" is about the same data on the same day;
3. ``changed``: the 1%-changed copy, the same day.

Each tick runs in a child process of its own (``bench/tick_probe.py``), so its CPU time (user + system)
and peak resident memory (``ru_maxrss`` from ``wait4``) are that tick's alone. For each: wall and CPU
time, peak RSS, rows written per table (inserted, updated, deleted), messages planned (outbox rows
inserted), message files the sink wrote and the largest in bytes (as the sink writes it: the ``.eml`` or
the Teams ``.json``), and on PostgreSQL the database server's CPU time (the postmaster's and its
processes', from ``/proc``). Prints a table and whether each target of issue 14 is met; ``--json FILE``
writes every figure. Exits 1 when a target is missed.

The figures depend on the machine and its load: the one-minute load average is printed with them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from run import OUT, checker_command, generate  # bench/run.py: the caseload generator and `checker check`
from support.postgres import LocalCluster, create_database, drop_database, start_local_cluster, unique_name
from tick_targets import judge, print_report, rows_text

from checker.demo.roster import TEAMS

BENCH = Path(__file__).resolve().parent
PROBE = BENCH / "tick_probe.py"
TICKS = ("first", "unchanged", "changed")
CHANGED_COLUMN = "pathway_plan_reviewed_on"


@dataclass
class Usage:
    wall_s: float
    cpu_s: float
    peak_rss_mib: float


@dataclass
class TickFigures:
    size: int
    database: str
    tick: str
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    server_cpu_s: float | None  # PostgreSQL's processes; None on SQLite
    exit_status: int
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> operation -> rows
    messages_planned: int = 0  # outbox rows inserted
    files_written: int = 0  # message files the sink wrote in this tick
    largest_file_bytes: int = 0
    largest_file_kind: str = ""  # the start of its outbox key: summary, reminder, escalation, operator...
    load_1min: float = 0.0  # the machine's load average when the tick ended: others' work slows wall time


def measured(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
             log: Path | None = None) -> tuple[Usage, int]:
    """Run ``command`` as a child; its wall time, CPU time, peak RSS, and exit status."""
    started = time.perf_counter()
    with (log.open("ab") if log else open(os.devnull, "wb")) as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    return Usage(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), os.waitstatus_to_exitcode(status)


def changed_copy(cases: Path, disputes: Path, as_of: date, share: float) -> tuple[Path, Path, int]:
    """A copy of the caseload in which every (1/share)-th case records a pathway plan review the day before."""
    folder = cases.parent / "changed"
    folder.mkdir(exist_ok=True)
    every = max(1, round(1 / share))
    changed = 0
    with cases.open(newline="", encoding="utf-8") as source, \
            (folder / "cases.csv").open("w", newline="", encoding="utf-8") as target:
        reader, writer = csv.reader(source), csv.writer(target)
        header = next(reader)
        writer.writerow(header)
        column = header.index(CHANGED_COLUMN)
        for index, row in enumerate(reader):
            if index % every == 0 and len(row) > column:
                row[column] = (as_of - timedelta(days=1)).isoformat()
                changed += 1
            writer.writerow(row)
    shutil.copyfile(disputes, folder / "disputes.csv")
    return folder / "cases.csv", folder / "disputes.csv", changed


def server_cpu(cluster: LocalCluster | None) -> float | None:
    """CPU seconds used so far by the cluster's postmaster, its live processes and those it has reaped."""
    if cluster is None:
        return None
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        pid, parent = int(entry.name), int(fields[1])
        if pid == postmaster:
            ticks += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
        elif parent == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def sink_files(sink: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sink.iterdir()} if sink.is_dir() else {}


def child_env(state_url: str, sink: Path) -> dict[str, str]:
    """The environment of a tick: no CHECKER_ settings of the caller's, every channel to the sink."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKER_")}
    env.update({
        "CHECKER_STATE_URL": state_url,
        "CHECKER_DELIVERY__EMAIL": "sink",
        "CHECKER_DELIVERY__TEAMS_ACTIVITY": "sink",
        "CHECKER_DELIVERY__TEAMS_CHANNEL": "sink",
        "CHECKER_DELIVERY__WINDOW": "any_time",
        "CHECKER_DELIVERY__SINK_DIR": str(sink),
        "CHECKER_TEAMS__TEAM_CHANNELS": json.dumps({t.name: f"teams-{t.name.lower()}" for t in TEAMS}),
        "CHECKER_ROUTING__OPERATOR_EMAIL": "checker-operator@example.org",
        "CHECKER_ROUTING__SENIOR_MANAGER": "sm.housing.lead@example.org",
        "CHECKER_ROUTING__HEAD_OF_SERVICE": "hos.leaving.care@example.org",
    })
    return env


def one_tick(size: int, database: str, tick: str, files: tuple[Path, Path], as_of: date, env: dict[str, str],
             work: Path, cluster: LocalCluster | None) -> TickFigures:
    sink = Path(env["CHECKER_DELIVERY__SINK_DIR"])
    before = sink_files(sink)
    report = work / f"{tick}.json"
    command = [sys.executable, str(PROBE), str(report), "run", "--once", "--as-of", as_of.isoformat(),
               "--cases", str(files[0]), "--disputes", str(files[1]), "--no-digests"]
    server_before = server_cpu(cluster)
    usage, status = measured(command, env=env, cwd=work, log=work / f"{tick}.log")
    if status != 0 or not report.is_file():
        raise SystemExit(f"the {tick} tick ({size} cases, {database}) failed (exit {status}): "
                         f"see {work / f'{tick}.log'}")
    if cluster is not None:
        time.sleep(0.5)  # the tick's server processes exit once it has gone; let the postmaster reap them
    server_after = server_cpu(cluster)
    probe = json.loads(report.read_text(encoding="utf-8"))
    rows: dict[str, dict[str, int]] = {}
    for table, operation, count in probe["rows"]:
        if count:
            rows.setdefault(table, {})[operation] = count
    new = {name: length for name, length in sink_files(sink).items() if name not in before}
    largest = max(new, key=new.__getitem__, default="")
    server = None if server_before is None or server_after is None else round(server_after - server_before, 2)
    return TickFigures(size, database, tick, round(usage.wall_s, 2), round(usage.cpu_s, 2),
                       round(usage.peak_rss_mib, 1), server, probe["exit"], rows,
                       rows.get("outbox", {}).get("insert", 0), len(new), new.get(largest, 0),
                       largest.split("_", 1)[0], round(os.getloadavg()[0], 1))


def check_usage(files: tuple[Path, Path], as_of: date, runs: int) -> Usage:
    command = checker_command(files[0], files[1], as_of)
    measured(command)  # warm-up (file cache, .pyc), not counted
    usages = [measured(command)[0] for _ in range(runs)]
    return Usage(round(statistics.median(u.wall_s for u in usages), 2),
                 round(statistics.median(u.cpu_s for u in usages), 2),
                 round(max(u.peak_rss_mib for u in usages), 1))


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="caseload sizes, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="default: today in Europe/London")
    parser.add_argument("--change", type=float, default=0.01, help="share of cases changed for the third tick")
    parser.add_argument("--check-runs", type=int, default=3, help="checker check runs (median)")
    parser.add_argument("--reuse", action="store_true", help="keep caseloads already generated for N and date")
    parser.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the caseloads (default bench/out)")
    parser.add_argument("--postgres-url", default=None,
                        help="an existing server's URL to create databases with, instead of a throwaway cluster "
                             "(its CPU is then not measured)")
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]
    args.databases = [d.strip() for d in args.databases.split(",")]
    if not set(args.databases) <= {"sqlite", "postgres"}:
        parser.error("--databases: sqlite, postgres or both")
    args.as_of = args.as_of or datetime.now(ZoneInfo("Europe/London")).date()
    return args


def three_ticks(size: int, database: str, files: dict[str, tuple[Path, Path]], as_of: date, admin_url: str,
                cluster: LocalCluster | None) -> list[TickFigures]:
    """The first, unchanged and changed ticks on a new state database of ``database``'s kind."""
    figures = []
    with tempfile.TemporaryDirectory(prefix="checker-tick-") as folder:
        work = Path(folder)
        name = unique_name(f"tick_{size}")
        url = create_database(admin_url, name) if database == "postgres" else f"sqlite:///{work / 'state.sqlite'}"
        env = child_env(url, work / "sink")
        for tick in TICKS:
            figures.append(one_tick(size, database, tick, files[tick], as_of, env, work,
                                    cluster if database == "postgres" else None))
            f = figures[-1]  # the whole of it printed now too: kept in the log if the bench is stopped
            print(f"  {database} {tick}: {f.wall_s} s (cpu {f.cpu_s} s, server cpu {f.server_cpu_s}), "
                  f"{f.peak_rss_mib} MiB, {f.messages_planned} messages planned, largest file "
                  f"{f.largest_file_bytes} bytes; rows: {rows_text(f.rows)}", flush=True)
        if database == "postgres":
            drop_database(admin_url, name)
    return figures


def main() -> int:
    args = arguments()
    started, load_before = time.time(), os.getloadavg()[0]
    cluster = start_local_cluster() if "postgres" in args.databases and args.postgres_url is None else None
    admin_url = args.postgres_url or (cluster.admin_url() if cluster is not None else "")
    ticks: list[TickFigures] = []
    checks: dict[int, dict[str, float]] = {}
    changed: dict[int, int] = {}
    try:
        for size in args.sizes:
            original = generate(size, args.out / f"tick-{size}", args.as_of, args.reuse)
            cases, disputes, changed[size] = changed_copy(*original, args.as_of, args.change)
            checks[size] = asdict(check_usage(original, args.as_of, args.check_runs))
            print(f"{size} cases: checker check {checks[size]['wall_s']} s (cpu {checks[size]['cpu_s']} s, "
                  f"{checks[size]['peak_rss_mib']} MiB); {changed[size]} cases changed for the third tick", flush=True)
            files = {"first": original, "unchanged": original, "changed": (cases, disputes)}
            for database in args.databases:
                ticks += three_ticks(size, database, files, args.as_of, admin_url, cluster)
    finally:
        if cluster is not None:
            cluster.stop()
    machine = {"cpus": os.cpu_count(), "load_1min_before": round(load_before, 2),
               "load_1min_after": round(os.getloadavg()[0], 2), "minutes": round((time.time() - started) / 60, 1)}
    figures = [asdict(t) for t in ticks]
    targets = judge(figures, checks)
    print_report(args.as_of, machine, checks, changed, figures, targets)
    if args.json is not None:
        args.json.write_text(json.dumps({"as_of": args.as_of.isoformat(), "machine": machine,
                                         "changed_cases": changed, "check": checks, "ticks": figures,
                                         "targets": targets}, indent=2), encoding="utf-8")
    return 0 if all(t["met"] for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
