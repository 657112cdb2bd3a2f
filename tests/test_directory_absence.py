"""Absences in the staff directory (issue 12 item 4: "or a column of the staff directory") route like
``checker away``'s: the deputy, or with none the team manager, and the message says why; and ``sources check``
reports the directory's part (users read, advisers found and not found), for a CSV and an Entra directory.

C1 (Pat One) and C2 (Pat Two) are in custody, released 10 Dec 2026: their pre-release review invitation
fell due on Thu 10 Sep 2026 and is overdue on Mon 23 Nov 2026, so each adviser has an overdue reminder that
day. The cases name no manager or team: the directory gives them (Tam North manages both). Every test that
ticks runs on a SQLite and on a PostgreSQL state database.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from servers.graph import CLIENT_SECRET, TENANT, GraphTestServer
from servers.graph_users import DirectoryUser
from support.caseload import custody_case, write_csv, write_rows
from support.sink_mail import plain_texts
from support.state_db import BACKENDS, empty_state_url

from checker.cli import main

pytest_plugins = ["servers.graph_fixtures"]

PA1, PA2, COVER, TM = "pa.one@example.org", "pa.two@example.org", "pa.cover@example.org", "tm.north@example.org"


def case(ref: str, adviser: str) -> dict[str, str]:
    return custody_case(ref, "2026-12-10", adviser=adviser, manager_email="", team="")


class Env:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, state_url: str) -> None:
        self.tmp_path = tmp_path
        self.sink = tmp_path / "outbox"
        self.cases = write_csv(tmp_path / "cases.csv", [case("C1", PA1), case("C2", PA2), case("C3", "x@example.org")])
        for name, value in {"STATE_URL": state_url, "DELIVERY__SINK_DIR": str(self.sink),
                            "DELIVERY__WINDOW": "any_time", "ROUTING__OPERATOR_EMAIL": "ops@example.org",
                            "SETTINGS_FILE": str(tmp_path / "checker.toml")}.items():
            monkeypatch.setenv(f"CHECKER_{name}", value)

    def settings(self, directory: str) -> None:
        (self.tmp_path / "checker.toml").write_text(
            f'default_source = "lc"\n[sources.lc]\nkind = "csv"\ncases = "{self.cases.name}"\n'
            f'supplements = ["people"]\n[supplements.people]\n{directory}', encoding="utf-8")

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(main, list(args))

    def tick(self) -> None:
        result = self.cli("run", "--once", "--as-of", "2026-11-23", "--no-digests")
        assert result.exit_code == 0, result.output

    def texts(self) -> dict[str, str]:
        """recipient → the plain text of what they were sent, joined."""
        return plain_texts(self.sink)


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return empty_state_url(request, tmp_path)


@pytest.fixture
def env(tmp_path: Path, cli_env: pytest.MonkeyPatch, state_url: str) -> Env:
    """On SQLite and on PostgreSQL (but for ``sources check``, which reads no state database)."""
    return Env(tmp_path, cli_env, state_url)


def csv_directory(env: Env, **away: dict[str, str]) -> None:
    rows = [{"staff_id": "S1", "name": "Pat One", "email": PA1, "team": "North", "manager": "S9"},
            {"staff_id": "S2", "name": "Pat Two", "email": PA2, "team": "North", "manager": "S9"},
            {"staff_id": "S9", "name": "Tam North", "email": TM, "team": "North", "manager": ""}]
    for row in rows:
        row.update(away.get(row["staff_id"], {}))
    path = write_rows(env.tmp_path / "staff.csv", rows, header=["staff_id", "name", "email", "team", "manager",
                                                                 "away_from", "away_until", "deputy_email"])
    env.settings(f'kind = "staff"\npath = "{path.name}"\n')


def test_an_absence_in_the_csv_directory_sends_the_items_to_the_deputy_and_says_why(env: Env) -> None:
    csv_directory(env, S1={"away_from": "2026-11-20", "away_until": "2026-12-04", "deputy_email": COVER})
    env.tick()
    texts = env.texts()
    assert PA1 not in texts
    assert "S.K. (C1)" in texts[COVER]
    assert "The personal adviser is away until Fri 4 Dec 2026; sent to their deputy." in texts[COVER]
    assert "Sam Khan (C2)" in texts[PA2]  # not away: their own


def test_an_absence_without_a_deputy_sends_the_items_to_the_team_manager_and_says_why(env: Env) -> None:
    csv_directory(env, S2={"away_from": "20/11/2026", "away_until": "27/11/2026"},
                  S1={"away_from": "2026-12-01", "away_until": "2026-12-31"})  # not yet away
    env.tick()
    texts = env.texts()
    assert PA2 not in texts
    assert "S.K. (C2)" in texts[TM]
    assert "The personal adviser is away until Fri 27 Nov 2026 with no deputy; sent to the team manager." in texts[TM]
    assert "Sam Khan (C1)" in texts[PA1]


def test_an_absence_that_does_not_read_is_ignored_and_counted(env: Env) -> None:
    csv_directory(env, S1={"away_from": "2026-11-30", "away_until": "2026-11-20"},  # ends before it starts
                  S2={"away_from": "2026-11-20", "away_until": "2026-12-04", "deputy_email": "not an address"})
    env.tick()
    texts = env.texts()
    assert "Sam Khan (C1)" in texts[PA1]
    assert "Sam Khan (C2)" in texts[PA2]
    checked = env.cli("sources", "check", "lc")
    assert checked.exit_code == 0, checked.output
    assert ("  staff directory people: 3 row(s), filled manager_email, team; 2 adviser(s) found, 1 not found; "
            "2 absence(s) that do not read, ignored") in checked.output.splitlines()


def entra(env: Env, server: GraphTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.directory.users = [DirectoryUser("u-tm", TM, "S9", "Tam North", "North"),
                              DirectoryUser("u-pa1", PA1, "S1", "Pat One", "North", manager="u-tm"),
                              DirectoryUser("u-pa2", PA2, "S2", "Pat Two", "North", manager="u-tm"),
                              DirectoryUser("u-room", None, None, "Shared", None)]
    ca = server.write_ca(env.tmp_path)
    env.settings(f'kind = "entra"\ntenant_id = "{TENANT}"\nclient_id = "{server.client_id}"\n'
                 f'authority_host = "{server.authority_host}"\ngraph_url = "{server.graph_url}"\n'
                 f'ca_file = "{ca.name}"\n')
    monkeypatch.setenv("CHECKER_SUPPLEMENTS__PEOPLE__CLIENT_SECRET", CLIENT_SECRET)


def test_checker_away_sends_an_entra_advisers_items_to_the_manager_of_the_organisation_chart(
        env: Env, graph_server: GraphTestServer, cli_env: pytest.MonkeyPatch) -> None:
    entra(env, graph_server, cli_env)
    assert env.cli("db", "upgrade").exit_code == 0
    added = env.cli("away", PA1, "--from", "2026-11-20", "--until", "2099-01-04")
    assert added.exit_code == 0, added.output
    env.tick()
    texts = env.texts()
    assert PA1 not in texts
    assert "S.K. (C1)" in texts[TM]
    assert "The personal adviser is away until Sun 4 Jan 2099 with no deputy; sent to the team manager." in texts[TM]


@pytest.mark.parametrize("state_url", ["sqlite"], indirect=True)
def test_sources_check_reports_the_entra_directorys_part(env: Env, graph_server: GraphTestServer,
                                                         cli_env: pytest.MonkeyPatch) -> None:
    entra(env, graph_server, cli_env)
    checked = env.cli("sources", "check", "lc")
    assert checked.exit_code == 0, checked.output
    assert ("  staff directory people: 4 user(s), filled manager_email, team; 2 adviser(s) found, 1 not found; "
            "1 user(s) skipped (no email, or a broken row)") in checked.output.splitlines()
    assert "source lc: CSV" in checked.output
    assert "+ staff directory people (Microsoft Entra ID)" in checked.output
