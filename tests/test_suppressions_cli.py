"""``checker snooze`` and ``checker waiver``: only what a tick reported, within the profile's horizon; list
and lift, with who lifted and when in ``checker history``; ``history`` and ``outbox`` never make a database.

C1 is in custody, never looked after, release 10 Mar 2027: its only obligation is the pre-release review
(000 §14), due 10 Dec 2026. The horizons are counted from today in Europe/London, as the commands do.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from click.testing import CliRunner, Result
from sqlalchemy import inspect, text
from support.caseload import custody_case, write_csv

from checker.cli import main
from checker.cli.common import today_in_london
from checker.paths import bundled_config_dir
from checker.profiles import load_profile
from checker.state import suppressions
from checker.state.database import MIGRATIONS, open_database, upgrade
from checker.state.retention import purge_personal_data
from checker.state.schema import suppression

REVIEW = "custody-release-review"


@pytest.fixture
def state(cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The state database's path (not made yet) and the settings pointing at it."""
    path = tmp_path / "state" / "state.sqlite"
    cli_env.setenv("CHECKER_STATE_URL", f"sqlite:///{path}")
    cli_env.setenv("CHECKER_DELIVERY__SINK_DIR", str(tmp_path / "sink"))
    cli_env.setenv("CHECKER_DELIVERY__WINDOW", "any_time")
    return path


@pytest.fixture
def ticked(state: Path, tmp_path: Path) -> Path:
    """One tick has reported C1's pre-release review."""
    cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", "2027-03-10")])
    ran = invoke("run", "--once", "--cases", str(cases), "--as-of", "2026-11-23", "--no-digests")
    assert ran.exit_code == 0, ran.output
    return state


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def days(n: int) -> str:
    return (today_in_london() + timedelta(days=n)).isoformat()


def snooze(*args: str, until: str | None = None) -> Result:
    return invoke("snooze", *args, "--until", until or days(7), "--reason", "awaiting the prison's date",
                  "--by", "tm.north")


def listed_ids(result: Result) -> list[int]:
    return [int(m) for m in re.findall(r"^\s+(?:snooze|waive) (\d+) ", result.stdout, re.MULTILINE)]


def test_an_unknown_case_is_refused_and_nothing_recorded(ticked: Path) -> None:
    refused = snooze("C404", REVIEW)
    assert refused.exit_code == 2
    assert "case C404 is not known to the state database" in refused.stderr
    assert "Traceback" not in refused.output
    assert invoke("snooze", "list", "--all").stdout.strip() == "No snoozes."


def test_an_obligation_the_profile_does_not_switch_on_is_refused(ticked: Path) -> None:
    catalogue = tomllib.loads((bundled_config_dir() / "obligations.toml").read_text(encoding="utf-8"))
    off = sorted({o["id"] for o in catalogue["obligation"]} - {o.id for o in load_profile().obligations})
    assert off  # the catalogue has obligations lancashire does not switch on
    refused = snooze("C1", off[0])
    assert refused.exit_code == 2
    assert f"'{off[0]}' is not an obligation of profile lancashire" in refused.stderr


def test_an_obligation_that_does_not_apply_to_the_case_is_refused(ticked: Path) -> None:
    refused = snooze("C1", "housing-register-initial")  # C1 was never looked after
    assert refused.exit_code == 2
    assert "housing-register-initial does not apply to case C1" in refused.stderr


def test_no_state_database_is_said_plainly_and_none_is_made(state: Path) -> None:
    for args in (("history", "C1"), ("outbox",), ("outbox", "--all"), ("outbox", "retry", "--all"),
                 ("snooze", "list"), ("waiver", "lift", "3")):
        result = invoke(*args)
        assert result.exit_code == 2, args
        assert "there is no state database at" in result.stderr, args
        assert str(state) in result.stderr
        assert "Traceback" not in result.output
        assert not state.exists(), args
        assert not state.parent.exists(), args


def test_a_snooze_is_capped_at_28_days_by_default(ticked: Path) -> None:
    too_far = snooze("C1", REVIEW, until=days(29))
    assert too_far.exit_code == 2
    assert "a snooze may last at most 28 days" in too_far.stderr
    assert f"--until {days(28)} or earlier" in too_far.stderr
    assert snooze("C1", REVIEW, until=days(28)).exit_code == 0


def test_a_waiver_is_capped_at_365_days_by_default(ticked: Path) -> None:
    def waive(n: int) -> Result:
        return invoke("waiver", "add", "C1", REVIEW, "--until", days(n), "--reason", "moved out of area")

    assert waive(366).exit_code == 2
    assert "a waiver may last at most 365 days" in waive(366).stderr
    assert waive(365).exit_code == 0


def test_the_profile_sets_the_horizon(ticked: Path, tmp_path: Path) -> None:
    profile = tmp_path / "short.toml"
    profile.write_text('[profile]\nname = "short"\ntitle = "Short"\nobligations = ["custody-release-review"]\n'
                       "[suppressions]\nsnooze_max_days = 7\nwaiver_max_days = 30\n")
    refused = snooze("C1", REVIEW, "--profile", str(profile), until=days(8))
    assert refused.exit_code == 2
    assert "at most 7 days (profile short" in refused.stderr
    assert snooze("C1", REVIEW, "--profile", str(profile), until=days(7)).exit_code == 0


def test_list_shows_those_in_force_and_lift_records_who_and_when(ticked: Path) -> None:
    first = snooze("C1", REVIEW)
    assert first.exit_code == 0, first.output
    ident = int(re.search(r"snooze (\d+) recorded", first.stdout).group(1))  # type: ignore[union-attr]
    listing = invoke("snooze", "list", "--case", "C1")
    assert listed_ids(listing) == [ident]
    assert "(in force), by tm.north" in listing.stdout
    assert invoke("snooze", "list", "--case", "C2").stdout.strip() == "No snoozes in force for C2."
    assert invoke("waiver", "list").stdout.strip() == "No waivers in force."

    lifted = invoke("snooze", "lift", str(ident), "--by", "hos.smith")
    assert lifted.exit_code == 0, lifted.output
    assert f"snooze {ident} of C1 {REVIEW} lifted." in lifted.stdout
    assert listed_ids(invoke("snooze", "list")) == []
    everything = invoke("snooze", "list", "--all")
    assert listed_ids(everything) == [ident]
    assert re.search(r"\(lifted\), by tm\.north .*; lifted \d{4}-\d\d-\d\d \d\d:\d\d UTC by hos\.smith",
                     everything.stdout)
    history = invoke("history", "C1")
    assert re.search(rf"snooze {ident} C1 {REVIEW} .*lifted .* UTC by hos\.smith", history.stdout)

    again = invoke("snooze", "lift", str(ident), "--by", "hos.smith")
    assert again.exit_code == 2
    assert f"snooze {ident} is lifted already" in again.stderr


def test_lift_by_case_and_obligation_and_the_kinds_are_kept_apart(ticked: Path) -> None:
    assert snooze("C1", REVIEW).exit_code == 0
    waived = invoke("waive", "C1", REVIEW, "--until", days(30), "--reason", "moved out of area")
    assert waived.exit_code == 0, waived.output
    waiver_id = int(re.search(r"waiver (\d+) recorded", waived.stdout).group(1))  # type: ignore[union-attr]
    assert invoke("snooze", "lift", str(waiver_id)).exit_code == 2  # a waiver's id is not a snooze's
    lifted = invoke("waiver", "lift", "--case", "C1", "--obligation", REVIEW, "--by", "tm.north")
    assert lifted.exit_code == 0, lifted.output
    assert listed_ids(invoke("waiver", "list")) == []
    assert len(listed_ids(invoke("snooze", "list"))) == 1  # the snooze stands
    none_left = invoke("waiver", "lift", "--case", "C1", "--obligation", REVIEW)
    assert none_left.exit_code == 2
    assert f"no waiver of C1 {REVIEW} is in force" in none_left.stderr
    assert invoke("waiver", "lift").exit_code == 2  # neither an id nor a case: a usage error


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_migration_adds_who_lifted_and_keeps_the_suppressions(backend: str, tmp_path: Path,
                                                                  request: pytest.FixtureRequest) -> None:
    url = (f"sqlite:///{tmp_path / 'm.sqlite'}" if backend == "sqlite"
           else str(request.getfixturevalue("fresh_postgres_url")))
    engine = open_database(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0006")
            connection.execute(text(
                "INSERT INTO suppression (kind, case_ref, obligation, ref, reason, until, created_by, created_at) "
                "VALUES ('snooze', 'C1', 'x', '', 'why', '2026-12-20', 'tm', '2026-12-06 10:00:00+00:00')"))
        upgrade(engine)
        assert "revoked_by" in {c["name"] for c in inspect(engine).get_columns("suppression")}
        assert suppressions.lift(engine, [1], "hos.smith", datetime(2026, 12, 7, 9, 0, tzinfo=UTC)) == 1
        [lifted] = suppressions.listing(engine, "snooze")
        assert (lifted.case_ref, lifted.revoked_by) == ("C1", "hos.smith")
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006")
        assert "revoked_by" not in {c["name"] for c in inspect(engine).get_columns("suppression")}
    finally:
        engine.dispose()


def test_who_lifted_is_erased_with_the_other_personal_data_after_the_period(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'r.sqlite'}")
    try:
        upgrade(engine)
        recorded = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        for case_ref in ("C1", "C2"):
            with engine.begin() as connection:
                connection.execute(suppression.insert().values(
                    kind="snooze", case_ref=case_ref, obligation="x", ref="", reason="why", until=date(2026, 12, 20),
                    created_by="tm.north", created_at=recorded))
        assert suppressions.lift(engine, [1], "hos.smith", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)) == 1
        keep = timedelta(days=365)
        assert purge_personal_data(engine, datetime(2027, 12, 1, 9, 0, tzinfo=UTC), keep).suppressions == 0
        assert purge_personal_data(engine, datetime(2027, 12, 3, 9, 0, tzinfo=UTC), keep).suppressions == 1
        lifted, other = suppressions.listing(engine, "snooze")
        assert (lifted.created_by, lifted.revoked_by, lifted.reason) == ("erased", "erased", "erased")
        assert lifted.revoked_at is not None  # when it was lifted stays
        assert (other.created_by, other.revoked_by) == ("tm.north", None)  # in force until 20 Dec: not yet
    finally:
        engine.dispose()


def test_the_audit_export_names_who_lifted_a_snooze(ticked: Path) -> None:
    assert snooze("C1", REVIEW).exit_code == 0
    assert invoke("snooze", "lift", "--case", "C1", "--obligation", REVIEW, "--by", "hos.smith").exit_code == 0
    today = today_in_london().isoformat()
    exported = invoke("audit", "export", "--from", today, "--to", today, "--format", "json", "--case", "C1")
    assert exported.exit_code == 0, exported.output
    events = [(e["event"], e["by"]) for e in json.loads(exported.stdout)
              if e["event"].startswith("snooze")]
    assert events == [("snooze", "tm.north"), ("snooze revoked", "hos.smith")]
