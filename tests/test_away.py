"""``checker away``: while an adviser is away their items go to their deputy, or with none to the team manager,
and the message says why; ended early, they come back; bad input is refused naming the option.

C1 and C2 are in custody, released 10 Dec 2026: their pre-release review invitation fell due on Thu 10 Sep
2026 and is overdue on Mon 23 Nov 2026, so each adviser has an overdue reminder that day. Every test runs on a
SQLite and on a PostgreSQL state database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.caseload import custody_case, write_csv
from support.sink_mail import plain_texts
from support.state_db import BACKENDS, empty_state_url

from checker.app import App
from checker.channels import build_channels
from checker.cli import main
from checker.settings import DeliverySettings, RoutingSettings, Settings
from checker.sources import CsvSource

MONDAY = date(2026, 11, 23)
# The absences run from before MONDAY to after the real today (``away`` refuses an end in the past).
UNTIL = max(date(2027, 1, 15), datetime.now(UTC).date() + timedelta(days=60)).isoformat()
PA1, PA2, COVER, TM = "pa.one@example.org", "pa.two@example.org", "pa.cover@example.org", "tm.north@example.org"


class Env:
    def __init__(self, tmp_path: Path, state_url: str) -> None:
        self.tmp_path = tmp_path
        self.url = state_url
        self.settings = Settings(state_url=self.url, routing=RoutingSettings(operator_email="ops@example.org"),
                                 delivery=DeliverySettings(sink_dir=tmp_path / "outbox", window="any_time"))
        self.app = App.from_settings(self.settings)
        self.cases = write_csv(tmp_path / "cases.csv", [custody_case("C1", "2026-12-10", adviser=PA1),
                                                        custody_case("C2", "2026-12-10", adviser=PA2)])

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(main, list(args), env={"CHECKER_STATE_URL": self.url,
                                                         "CHECKER_SETTINGS_FILE": str(self.tmp_path / "none.toml")})

    def tick(self, as_of: date) -> None:
        now = datetime(as_of.year, as_of.month, as_of.day, 9, tzinfo=UTC)
        with build_channels(self.settings) as channels:
            self.app.tick(CsvSource(self.cases, None)).run_once(as_of, now, self.app.delivery(channels,
                                                                                               clock=lambda: now))

    def texts(self) -> dict[str, str]:
        """recipient → the plain text of the reminders sent to them (all of them, joined)."""
        return plain_texts(self.tmp_path / "outbox")


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_state_url(request, tmp_path)


@pytest.fixture
def env(tmp_path: Path, state_url: str) -> Env:
    """On SQLite and on PostgreSQL: the absences, the routing and the tick all read the state database."""
    return Env(tmp_path, state_url)


def test_an_advisers_items_go_to_the_deputy_or_the_manager_while_away_and_the_message_says_why(env: Env) -> None:
    added = env.cli("away", PA1, "--from", "2026-11-20", "--until", UNTIL, "--deputy", COVER, "--by", "ops")
    assert added.exit_code == 0, added.output
    assert env.cli("away", "add", PA2, "--from", "2026-11-20", "--until", UNTIL).exit_code == 0
    env.tick(MONDAY)
    texts = env.texts()
    assert PA1 not in texts
    assert PA2 not in texts
    assert "S.K. (C1)" in texts[COVER]
    assert "The personal adviser is away until" in texts[COVER]
    assert "sent to their deputy" in texts[COVER]
    assert "Sam Khan" not in texts[COVER]  # a deputy's message names nobody: initials and case reference
    assert "S.K. (C2)" in texts[TM]
    assert "away until" in texts[TM]
    assert "with no deputy; sent to the team manager" in texts[TM]
    listed = env.cli("away", "list", "--all")
    assert f"{PA1}  2026-11-20 to {UNTIL}  deputy: {COVER}  recorded by ops" in listed.output


def test_an_absence_ended_early_gives_the_items_back(env: Env) -> None:
    env.cli("away", PA1, "--from", "2026-11-20", "--until", UNTIL, "--deputy", COVER)
    ended = env.cli("away", "end", "1")
    assert ended.exit_code == 0, ended.output
    env.tick(MONDAY)
    texts = env.texts()
    assert "Sam Khan (C1)" in texts[PA1]
    assert COVER not in texts


@pytest.mark.parametrize(("args", "message"), [
    (("not-an-address", "--from", "2026-11-20", "--until", UNTIL), "EMAIL is not a plain email address"),
    ((PA1, "--from", "2026-11-20", "--until", UNTIL, "--deputy", "x"), "--deputy is not a plain email"),
    ((PA1, "--from", "2099-01-20", "--until", UNTIL), "is before --from"),
    ((PA1, "--from", "2020-01-01", "--until", "2020-01-15"), "is in the past"),
    ((PA1, "--from", "2026-12-20", "--until", UNTIL, "--deputy", PA1), "the deputy is the person who is away"),
])
def test_bad_absences_are_refused_saying_why(env: Env, args: tuple[str, ...], message: str) -> None:
    refused = env.cli("away", *args)
    assert refused.exit_code == 2
    assert message in refused.stderr
    assert env.cli("away", "list", "--all").output.strip() == "No absences."
