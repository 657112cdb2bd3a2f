"""Reading N persons from SSD tables on PostgreSQL against the same caseload from the canonical CSV.

    .venv/bin/python bench/ssd.py [N] [--url postgresql+psycopg://...] [--runs R]

Writes N synthetic persons (a care-leaver row, one or two looked-after episodes, a worker, an open
placement for some) into the SSD tables (checker/sources/ssd.py's fields) of a new database, and the same
facts as a canonical CSV file; then evaluates each source (the library's ``Evaluation``, lancashire
profile) R times, interleaved, and prints the medians and their ratio SSD/CSV. Target: at most 2. With no
--url it starts a throwaway PostgreSQL cluster from the installed server binaries (as the tests do).
Checks too that both give the same findings. Exits 1 when the target is missed or the findings differ.
"""

from __future__ import annotations

import argparse
import csv
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
from support.postgres import create_database, start_local_cluster

from checker.engine import Evaluation
from checker.profiles import load_profile
from checker.sources import CsvSource
from checker.sources.ssd import SsdSource, tables

AS_OF = date(2026, 11, 23)
FIELDS = ["case_ref", "given_name", "family_name", "date_of_birth", "looked_after_since", "ceased_looked_after_on",
          "leaving_care_category", "pathway_plan_reviewed_on", "team", "in_custody", "custody_started_on"]


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
    row = {"case_ref": ref, "given_name": "Sam", "family_name": "Khan", "date_of_birth": dob.isoformat(),
           "looked_after_since": since.isoformat(), "ceased_looked_after_on": ceased.isoformat() if ceased else "",
           "leaving_care_category": category.lower().replace(" ", "_"),
           "pathway_plan_reviewed_on": review.isoformat() if review else "", "team": team,
           "in_custody": "yes" if custody else "", "custody_started_on": since.isoformat() if custody else ""}

    def at(day: date | None) -> datetime | None:
        return datetime(day.year, day.month, day.day) if day else None  # noqa: DTZ001 - SSD datetimes are naive

    ssd = {
        "ssd_person": [{"pers_person_id": ref, "pers_forename": "Sam", "pers_surname": "Khan", "pers_dob": at(dob)}],
        "ssd_cla_episodes": [{"clae_cla_episode_id": f"E{n}", "clae_person_id": ref,
                              "clae_cla_episode_start_date": at(since), "clae_entered_care_date": at(since),
                              "clae_cla_episode_ceased_date": at(ceased)}],
        "ssd_care_leavers": [{"clea_table_id": f"C{n}", "clea_person_id": ref,
                              "clea_care_leaver_eligibility": category, "clea_pathway_plan_review_date": at(review),
                              "clea_care_leaver_allocated_team": team}],
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


def evaluate(source: Any) -> tuple[float, list[tuple[str, str, str]]]:
    started = time.perf_counter()
    evaluation = Evaluation(source, load_profile(), AS_OF)
    found = [(f.case_ref, f.obligation, f.status.value) for r in evaluation.results() for f in r.findings]
    return time.perf_counter() - started, sorted(found)


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
                seconds, ssd_found = evaluate(ssd_source)
                ssd_times.append(seconds)
            ssd_source.engine.dispose()
    finally:
        if cluster is not None:
            cluster.stop()
    csv_median, ssd_median = statistics.median(csv_times), statistics.median(ssd_times)
    ratio = ssd_median / csv_median
    print(f"CSV: median {csv_median:.2f} s; SSD on PostgreSQL: median {ssd_median:.2f} s; ratio {ratio:.2f} "
          f"(target at most 2)")
    same = csv_found == ssd_found
    print(f"findings: {len(csv_found or [])} from CSV, {len(ssd_found or [])} from SSD, "
          f"{'the same' if same else 'DIFFERENT'}")
    sys.exit(0 if ratio <= 2 and same else 1)


if __name__ == "__main__":
    main()
