"""The targets of issue 14 judged on ``bench/tick.py``'s figures, and the printed report.

Targets (each judged on every size measured; the issue sets them at 100k cases):

- first tick: at most 60 s wall time and 1 GiB peak resident memory;
- unchanged tick: at most twice the wall time of ``checker check`` on the same caseload, and writing no row
  but its run record (the ``run`` table; ``worker_heartbeat``, the delivering process's liveness beat, is
  not tick state and is allowed too; tables outside the state schema, such as a temporary table a tick
  compares with, are not counted);
- changed tick (1% of cases changed): at most 20% more wall time than the unchanged tick;
- linear: from one size to the next, each tick's wall time at most 1.3 times the size ratio times the
  smaller size's (100k within 1.3x of ten times 10k).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import pairwise
from typing import Any

from checker.state.schema import metadata

FIRST_SECONDS = 60.0
FIRST_MIB = 1024.0
CHECK_RATIO = 2.0
CHANGE_RATIO = 1.2
LINEAR_SLACK = 1.3
ALLOWED = frozenset({"run", "worker_heartbeat"})
STATE_TABLES = frozenset(metadata.tables)

Figures = Mapping[str, Any]


def rows_beyond_run(tick: Figures) -> dict[str, int]:
    """Rows the tick wrote to state tables other than its run record, by table."""
    return {table: sum(ops.values()) for table, ops in tick["rows"].items()
            if table in STATE_TABLES and table not in ALLOWED and sum(ops.values())}


def _target(name: str, tick: Figures, value: float, limit: float, unit: str, detail: str = "",
            cpu: tuple[float, float] | None = None) -> dict[str, Any]:
    """One target; ``cpu``: the same comparison on CPU seconds (user + system), which the machine's other
    load moves less than wall time, as a second opinion (the verdict is on wall time)."""
    judged = {"target": name, "size": tick["size"], "database": tick["database"], "value": round(value, 2),
              "limit": round(limit, 2), "unit": unit, "met": value <= limit, "detail": detail}
    if cpu is not None:
        judged |= {"cpu_value": round(cpu[0], 2), "cpu_limit": round(cpu[1], 2), "cpu_met": cpu[0] <= cpu[1]}
    return judged


def judge(ticks: Sequence[Figures], checks: Mapping[int, Mapping[str, float]]) -> list[dict[str, Any]]:
    """Every target on every size and database measured (``checks``: ``checker check``'s figures by size)."""
    by = {(t["size"], t["database"], t["tick"]): t for t in ticks}
    targets = []
    for (size, database, kind), tick in by.items():
        wall, cpu = tick["wall_s"], tick["cpu_s"]
        if kind == "first":
            targets.append(_target("first tick time", tick, wall, FIRST_SECONDS, "s", cpu=(cpu, FIRST_SECONDS)))
            targets.append(_target("first tick peak RSS", tick, tick["peak_rss_mib"], FIRST_MIB, "MiB"))
        elif kind == "unchanged":
            check = checks[size]
            targets.append(_target("unchanged <= 2x check", tick, wall, CHECK_RATIO * check["wall_s"], "s",
                                   f"check {check['wall_s']} s, cpu {check['cpu_s']} s",
                                   cpu=(cpu, CHECK_RATIO * check["cpu_s"])))
            beyond = rows_beyond_run(tick)
            targets.append(_target("unchanged writes only its run", tick, sum(beyond.values()), 0, "rows",
                                   ", ".join(f"{t} {n}" for t, n in sorted(beyond.items()))))
        elif kind == "changed" and (size, database, "unchanged") in by:
            base = by[size, database, "unchanged"]
            targets.append(_target("changed <= 1.2x unchanged", tick, wall, CHANGE_RATIO * base["wall_s"], "s",
                                   f"unchanged {base['wall_s']} s, cpu {base['cpu_s']} s",
                                   cpu=(cpu, CHANGE_RATIO * base["cpu_s"])))
    sizes = sorted({t["size"] for t in ticks})
    for small, big in pairwise(sizes):
        for (size, database, kind), tick in by.items():
            if size != big or (small, database, kind) not in by:
                continue
            base = by[small, database, kind]
            scale = LINEAR_SLACK * big / small
            targets.append(_target(f"linear {kind} {small}->{big}", tick, tick["wall_s"], scale * base["wall_s"], "s",
                                   f"{small} cases: {base['wall_s']} s, cpu {base['cpu_s']} s",
                                   cpu=(tick["cpu_s"], scale * base["cpu_s"])))
    return targets


def rows_text(rows: Mapping[str, Mapping[str, int]]) -> str:
    """``table +inserted ~updated -deleted`` for every table written, temporary tables marked."""
    parts = []
    for table, ops in sorted(rows.items()):
        counts = " ".join(f"{sign}{ops[op]}" for op, sign in (("insert", "+"), ("update", "~"), ("delete", "-"))
                          if ops.get(op))
        parts.append(f"{table}{'' if table in STATE_TABLES or table == 'alembic_version' else ' (temp)'} {counts}")
    return "; ".join(parts) or "nothing"


def print_report(as_of: date, machine: Mapping[str, Any], checks: Mapping[int, Mapping[str, float]],
                 changed: Mapping[int, int], ticks: Sequence[Figures], targets: Sequence[Mapping[str, Any]]) -> None:
    print(f"\nas of {as_of}; {machine['cpus']} CPUs, load average (1 min) {machine['load_1min_before']} before, "
          f"{machine['load_1min_after']} after; {machine['minutes']} min in all")
    for size, check in checks.items():
        print(f"checker check, {size} cases: {check['wall_s']} s wall, {check['cpu_s']} s cpu, "
              f"{check['peak_rss_mib']} MiB; changed tick: {changed[size]} cases changed")
    print("\n| cases | database | tick | load | wall s | cpu s | db server cpu s | peak RSS MiB | rows written | "
          "messages planned | files written | largest file bytes, kind |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for t in ticks:
        server = "n/a" if t["server_cpu_s"] is None else f"{t['server_cpu_s']}"
        written = sum(sum(ops.values()) for ops in t["rows"].values())
        print(f"| {t['size']} | {t['database']} | {t['tick']} | {t['load_1min']} | {t['wall_s']} | {t['cpu_s']} | "
              f"{server} | "
              f"{t['peak_rss_mib']} | {written} | {t['messages_planned']} | {t['files_written']} | "
              f"{t['largest_file_bytes']} {t['largest_file_kind']} |")
    print("\nrows written per table (+inserted ~updated -deleted):")
    for t in ticks:
        print(f"  {t['size']} {t['database']} {t['tick']}: {rows_text(t['rows'])}")
    print("\ntargets:")
    for target in targets:
        detail = f" ({target['detail']})" if target["detail"] else ""
        cpu = (f"; cpu {target['cpu_value']} s (limit {target['cpu_limit']}): {verdict(target['cpu_met'])}"
               if "cpu_value" in target else "")
        print(f"  {verdict(target['met']):<6} {target['size']} {target['database']} {target['target']}: "
              f"{target['value']} {target['unit']} (limit {target['limit']}){detail}{cpu}")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"
