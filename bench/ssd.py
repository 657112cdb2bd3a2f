"""Reading N persons from SSD tables on PostgreSQL against the same caseload from the canonical CSV.

    .venv/bin/python bench/ssd.py [N] [--url postgresql+psycopg://...] [--runs R]

Writes N synthetic persons (a care-leaver row, a looked-after episode, a worker of 500 with the open
involvement that allocated them, an open placement for some) into the SSD tables (checker/sources/ssd.py's
fields) of a new database, and the same facts as a canonical CSV file; then evaluates each source (the
library's ``Evaluation``, lancashire profile) R times, interleaved, and prints the medians of each: wall
time, this process's CPU time and, for the SSD, the PostgreSQL server's CPU time too (its processes, read
from /proc; only with the throwaway cluster). Target: the SSD's time at most 2 times the CSV's, judged by
CPU (this process's plus the server's), as wall time depends on what else the machine runs (the one-minute
load average is printed). With no --url it starts a throwaway PostgreSQL cluster from the installed server
binaries (as the tests do). Checks too that both give the same findings. Exits 1 when the target is missed
or the findings differ.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.postgres import LocalCluster, create_database, start_local_cluster
from tick import server_cpu  # bench/tick.py: the cluster's CPU time from /proc

from checker.engine import Evaluation
from checker.profiles import load_profile
from checker.sources import CsvSource
from checker.sources.ssd import SsdSource, tables

AS_OF = date(2026, 11, 23)
FIELDS = ["case_ref", "given_name", "family_name", "date_of_birth", "looked_after_since", "ceased_looked_after_on",
          "leaving_care_category", "pathway_plan_reviewed_on", "team", "in_custody", "custody_started_on",
          "adviser_allocated_on"]
WORKERS = 500


def person(n: int, rng: random.Random) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    ref = f"P{n:07d}"
    dob = date(2003, 1, 1) + timedelta(days=rng.randrange(0, 365 * 7))
    since = dob + timedelta(days=rng.randrange(365 * 5, 365 * 15))
    ceased = since + timedelta(days=rng.randrange(100, 2000)) if rng.random() < 0.6 else None
    ceased = ceased if ceased is None or ceased < AS_OF else None
    review = AS_OF - timedelta(days=rng.randrange(0, 400)) if rng.random() < 0.8 else None
    custody = ceased is None and rng.random() < 0.03
    category = rng.choice(["Eligible", "Relevant", "Former Relevant", "Qualifying"])
    team = rng.choice(["North", "South", "East", "West"])
    allocated = since + timedelta(days=rng.randrange(0, (AS_OF - since).days + 1))
    row = {"case_ref": ref, "given_name": "Sam", "family_name": "Khan", "date_of_birth": dob.isoformat(),
           "looked_after_since": since.isoformat(), "ceased_looked_after_on": ceased.isoformat() if ceased else "",
           "leaving_care_category": category.lower().replace(" ", "_"),
           "pathway_plan_reviewed_on": review.isoformat() if review else "", "team": team,
           "in_custody": "yes" if custody else "", "custody_started_on": since.isoformat() if custody else "",
           "adviser_allocated_on": allocated.isoformat()}

    def at(day: date | None) -> datetime | None:
        return datetime(day.year, day.month, day.day) if day else None  # noqa: DTZ001 - SSD datetimes are naive

    ssd = {
        "ssd_person": [{"pers_person_id": ref, "pers_forename": "Sam", "pers_surname": "Khan", "pers_dob": at(dob)}],
        "ssd_cla_episodes": [{"clae_cla_episode_id": f"E{n}", "clae_person_id": ref,
                              "clae_cla_episode_start_date": at(since), "clae_entered_care_date": at(since),
                              "clae_cla_episode_ceased_date": at(ceased)}],
        "ssd_care_leavers": [{"clea_table_id": f"C{n}", "clea_person_id": ref,
                              "clea_care_leaver_eligibility": category, "clea_pathway_plan_review_date": at(review),
                              "clea_care_leaver_allocated_team": team,
                              "clea_care_leaver_worker_id": f"W{n % WORKERS}"}],
        "ssd_involvements": [{"invo_involvements_id": f"I{n}", "invo_professional_id": f"W{n % WORKERS}",
                              "invo_person_id": ref, "invo_involvement_start_date": at(allocated)}],
        "ssd_cla_placement": ([{"clap_cla_placement_id": f"L{n}", "clap_person_id": ref,
                                "clap_cla_placement_type": "R5", "clap_cla_placement_start_date": at(since)}]
                              if custody else []),
    }
    return row, ssd


def write(n: int, url: str, folder: Path) -> Path:
    rng = random.Random(11)
    engine = create_engine(url)
    made = tables()
    next(iter(made.values())).metadata.create_all(engine)
    path = folder / "cases.csv"
    with path.open("w", newline="", encoding="utf-8") as handle, engine.begin() as connection:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        connection.execute(insert(made["ssd_professionals"]),
                           [{"prof_professional_id": f"W{k}", "prof_staff_id": f"S{k}"} for k in range(WORKERS)])
        batch: dict[str, list[dict[str, Any]]] = {name: [] for name in made}
        for i in range(n):
            row, ssd = person(i, rng)
            writer.writerow(row)
            for name, rows in ssd.items():
                batch[name].extend(rows)
            if i % 5000 == 4999 or i == n - 1:
                for name, rows in batch.items():
                    if rows:
                        connection.execute(insert(made[name]), rows)
                    rows.clear()
    with engine.begin() as connection:  # statistics, as a reporting database has them
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return path


def evaluate(source: Any, cluster: LocalCluster | None = None
             ) -> tuple[tuple[float, float, float | None], list[tuple[str, str, str]]]:
    """(wall, this process's CPU, the server's CPU or None) of one evaluation, and its findings."""
    server = server_cpu(cluster)
    started, cpu = time.perf_counter(), time.process_time()
    evaluation = Evaluation(source, load_profile(), AS_OF)
    found = [(f.case_ref, f.obligation, f.status.value) for r in evaluation.results() for f in r.findings]
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    time.sleep(0.2)  # the server process has finished its part; let /proc catch up
    after = server_cpu(cluster)
    return (wall, cpu, None if server is None or after is None else after - server), sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    cluster = None
    if args.url is None:
        cluster = start_local_cluster()
        args.url = create_database(cluster.admin_url())
    try:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            cases = write(args.n, args.url, Path(folder))
            print(f"{args.n} persons written in {time.perf_counter() - started:.1f} s")
            csv_source, ssd_source = CsvSource(cases), SsdSource(args.url)
            csv_times, ssd_times = [], []
            csv_found = ssd_found = None
            for _ in range(args.runs):
                seconds, csv_found = evaluate(csv_source)
                csv_times.append(seconds)
                seconds, ssd_found = evaluate(ssd_source, cluster)
                ssd_times.append(seconds)
            ssd_source.engine.dispose()
    finally:
        if cluster is not None:
            cluster.stop()
    csv_wall, csv_cpu = statistics.median(t[0] for t in csv_times), statistics.median(t[1] for t in csv_times)
    ssd_wall, ssd_cpu = statistics.median(t[0] for t in ssd_times), statistics.median(t[1] for t in ssd_times)
    servers = [t[2] for t in ssd_times if t[2] is not None]
    ssd_server = statistics.median(servers) if len(servers) == len(ssd_times) else None
    ssd_total = ssd_cpu + (ssd_server or 0.0)
    ratio = ssd_total / csv_cpu
    print(f"CSV: median wall {csv_wall:.2f} s, cpu {csv_cpu:.2f} s")
    print(f"SSD on PostgreSQL: median wall {ssd_wall:.2f} s, cpu {ssd_cpu:.2f} s, server cpu "
          f"{'not measured' if ssd_server is None else f'{ssd_server:.2f} s'}")
    print(f"ratio SSD/CSV: cpu {ratio:.2f} (target at most 2), wall {ssd_wall / csv_wall:.2f}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus")
    same = csv_found == ssd_found
    print(f"findings: {len(csv_found or [])} from CSV, {len(ssd_found or [])} from SSD, "
          f"{'the same' if same else 'DIFFERENT'}")
    sys.exit(0 if ratio <= 2 and same else 1)


if __name__ == "__main__":
    main()
