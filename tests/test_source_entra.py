"""A staff directory from Microsoft Entra ID through Graph (docs/inputs.md), against the local Graph server
driven by the real msal client: every page of users is read, each with the manager the organisation chart
gives; a user without a manager has none; throttling is waited out a bounded number of times; an outage
fails the tick's read as a plain ``SourceError`` and changes nothing in the state (SQLite and PostgreSQL).

The users: Tam North (S9, North, no manager) manages Pat One (S1, North); Pat Two (S2, South) has no
manager; a shared mailbox has no ``mail``; 240 more staff fill the pages: 244 users, so 100 + 100 + 44
with ``$expand`` (Graph's page limit for expanded directory objects), three requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from servers.graph import CLIENT_SECRET, LIST_USERS, TENANT, GraphTestServer, LocalGraph
from servers.graph_users import DirectoryUser
from support.caseload import custody_case, write_csv
from support.ticks import StateEnv, state_env

from checker.cli import main
from checker.settings import Settings
from checker.sources import SourceError
from checker.sources.entra import EntraDirectory
from checker.sources.factory import dispose, named_source
from checker.sources.staff import Staff
from notifiers.graph_auth import GraphApp

pytest_plugins = ["servers.graph_fixtures"]

PA1, PA2, TM = "pa.one@example.org", "pa.two@example.org", "tm.north@example.org"
USERS = [
    DirectoryUser("u-tm", TM, "S9", "Tam North", "North"),
    DirectoryUser("u-pa1", PA1, "S1", "Pat One", "North", manager="u-tm"),
    DirectoryUser("u-pa2", PA2, "S2", "Pat Two", "South"),
    DirectoryUser("u-room", None, None, "Leaving Care Shared Mailbox", "North"),
    *(DirectoryUser(f"u{n}", f"staff{n}@example.org", f"X{n}", f"Staff {n}", "Elsewhere", manager="u-tm")
      for n in range(240)),
]
STATES = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def app(server: GraphTestServer) -> GraphApp:
    return GraphApp(TENANT, server.client_id, CLIENT_SECRET, authority_host=server.authority_host,
                    graph_url=server.graph_url)


def directory(graph: LocalGraph, sleeps: list[float] | None = None, team: str = "department") -> EntraDirectory:
    graph.server.directory.users = [DirectoryUser(u.id, u.mail, u.employee_id, u.display_name, u.department,
                                                  u.manager) for u in USERS]  # a copy the test may change
    waited = sleeps if sleeps is not None else []
    return EntraDirectory("entra", app(graph.server), graph.client, sleep=waited.append, team=team)


def test_every_page_is_read_with_each_users_manager_from_the_organisation_chart(graph: LocalGraph) -> None:
    found = directory(graph).read()
    assert graph.server.calls(LIST_USERS) == 3
    assert found.find("S1") == Staff(PA1, "North", TM)
    assert found.manager_email(Staff(PA1, "North", TM)) == TM
    assert found.find("pat two") == Staff(PA2, "South", None)  # no manager: none
    assert found.find("X239") == Staff("staff239@example.org", "Elsewhere", TM)  # the last page
    assert (found.rows, found.skipped) == (244, 1)  # the shared mailbox has no mail
    assert found.find("Leaving Care Shared Mailbox") == "the adviser is not in the staff directory"
    # one token from the real msal client-credentials grant, with the client secret
    assert graph.server.token_requests == [{"grant_type": "client_credentials", "credential": "secret",
                                            "outcome": "issued"}]


def test_the_team_comes_from_the_configured_attribute(graph: LocalGraph) -> None:
    reader = directory(graph, team="onPremisesExtensionAttributes/extensionAttribute3")
    graph.server.directory.users[1].extension_attributes["extensionAttribute3"] = "Leaving Care North"
    found = reader.read()
    assert found.find("S1") == Staff(PA1, "Leaving Care North", TM)
    assert found.find("S2") == Staff(PA2, None, None)


def test_throttling_is_waited_out_as_graph_asks(graph: LocalGraph) -> None:
    sleeps: list[float] = []
    reader = directory(graph, sleeps)
    graph.server.normal(LIST_USERS)
    graph.server.fail(LIST_USERS, 429, retry_after=7)  # the second page, once
    found = reader.read()
    assert sleeps == [7.0]
    assert graph.server.calls(LIST_USERS) == 4
    assert found.find("X239") == Staff("staff239@example.org", "Elsewhere", TM)


def test_throttling_past_the_budget_fails_the_read_plainly(graph: LocalGraph) -> None:
    sleeps: list[float] = []
    reader = directory(graph, sleeps)
    graph.server.fail(LIST_USERS, 429, times=4, retry_after=600)
    with pytest.raises(SourceError) as failed:
        reader.read()
    assert str(failed.value) == ("staff directory entra (Microsoft Entra ID) could not be read: "
                                 "Microsoft Graph users: HTTP 429 after 4 attempts")
    assert sleeps == [60.0, 60.0, 60.0]  # Retry-After, capped


@pytest.mark.parametrize(("status", "roles", "expected"), [
    (500, None, "Microsoft Graph users: HTTP 500 InternalServerError"),
    (None, {"Mail.Send"}, "Microsoft Graph users: HTTP 403 ErrorAccessDenied: the app lacks the User.Read.All "
                          "application permission, or an administrator has not granted consent"),
])
def test_an_outage_or_a_missing_permission_fails_the_read_naming_no_one(
        graph: LocalGraph, status: int | None, roles: set[str] | None, expected: str) -> None:
    reader = directory(graph)
    if status is not None:
        graph.server.normal(LIST_USERS)
        graph.server.fail(LIST_USERS, status)  # the second page: the first page's advisers are not kept
    if roles is not None:
        graph.server.roles = roles
    with pytest.raises(SourceError) as failed:
        reader.read()
    message = str(failed.value)
    assert message == f"staff directory entra (Microsoft Entra ID) could not be read: {expected}"


def test_a_next_page_link_away_from_graph_url_is_not_followed(graph: LocalGraph,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    reader = directory(graph)
    real = graph.client.request

    def elsewhere(method: str, url: object, **kwargs: object) -> httpx.Response:
        answer = real(method, url, **kwargs)  # type: ignore[arg-type]  # passed through as given
        if "/users" in str(url) and answer.status_code == 200:
            page = answer.json()
            page["@odata.nextLink"] = "https://attacker.example/v1.0/users?$skiptoken=x"
            return httpx.Response(200, json=page)
        return answer

    monkeypatch.setattr(graph.client, "request", elsewhere)
    with pytest.raises(SourceError, match="next page link is not under graph_url; not followed"):
        reader.read()
    assert graph.server.calls(LIST_USERS) == 1


# -- through the tick, on both state databases -----------------------------------------------------------------


@pytest.fixture(params=STATES)
def env(request: pytest.FixtureRequest, cli_env: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[StateEnv]:
    yield from state_env(request, cli_env, tmp_path)


def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: GraphTestServer, cases: Path) -> None:
    ca = server.write_ca(tmp_path)
    (tmp_path / "checker.toml").write_text(
        f'default_source = "lc"\n[sources.lc]\nkind = "csv"\ncases = "{cases.name}"\nsupplements = ["people"]\n'
        '[supplements.people]\nkind = "entra"\n'
        f'[graph]\ntenant_id = "{TENANT}"\nclient_id = "{server.client_id}"\n'
        f'authority_host = "{server.authority_host}"\ngraph_url = "{server.graph_url}"\nca_file = "{ca.name}"\n',
        encoding="utf-8")
    monkeypatch.setenv("CHECKER_SETTINGS_FILE", str(tmp_path / "checker.toml"))
    monkeypatch.setenv("CHECKER_GRAPH__CLIENT_SECRET", CLIENT_SECRET)


def case(ref: str, adviser: str) -> dict[str, str]:
    """In custody, the pre-release review overdue on 23 Nov 2026; manager and team left to the directory."""
    return custody_case(ref, "2026-12-10", adviser=adviser, manager_email="", team="")


def test_a_tick_reads_the_directory_once_and_an_outage_changes_nothing(
        env: StateEnv, graph_server: GraphTestServer, tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    graph_server.directory.users = list(USERS)
    cases = write_csv(tmp_path / "cases.csv", [case("C1", PA1), case("C2", PA2), case("C3", PA1)])
    settings(tmp_path, cli_env, graph_server, cases)
    first = env.invoke("run", "--once", "--as-of", "2026-11-23", "--no-digests")
    assert first.exit_code == 0, first.output
    assert graph_server.calls(LIST_USERS) == 3  # one read of the three pages for three cases
    opened = {(r.case_ref, r.manager_email, r.team) for r in env.open_instances()}
    assert opened == {("C1", TM, "North"), ("C2", None, "South"), ("C3", TM, "North")}

    write_csv(cases, [case("C1", PA1), case("C2", PA2), case("C3", PA1), case("C4", PA2)])  # a new case
    graph_server.fail(LIST_USERS, 500)
    second = env.invoke("run", "--once", "--as-of", "2026-11-24", "--no-digests")
    assert second.exit_code == 2, second.output  # the source cannot be read
    assert "staff directory people (Microsoft Entra ID) could not be read: Microsoft Graph users: HTTP 500" \
        in second.stderr
    assert {(r.case_ref, r.manager_email, r.team) for r in env.open_instances()} == opened  # C4 not added
    assert [r.outcome for r in env.runs()] == ["ok", "failed"]
    told = env.mail()
    assert "the check failed; nothing was changed or sent" in told
    for secret in [CLIENT_SECRET, *graph_server.issued_tokens(), "Pat One", "Tam North"]:
        assert secret not in told
        assert secret not in second.output


# -- disabled accounts -----------------------------------------------------------------------------------------


def test_a_disabled_account_is_no_adviser_and_no_manager(graph: LocalGraph) -> None:
    reader = directory(graph)
    users = graph.server.directory.users
    users[0].account_enabled = False  # Tam North, Pat One's manager, has left
    users[2].account_enabled = False  # Pat Two is suspended
    found = reader.read()
    assert graph.server.calls(LIST_USERS) == 3
    assert found.find("S1") == Staff(PA1, "North", None)  # a disabled manager is no manager
    assert found.manager_email(Staff(PA1, "North", TM)) is None  # nor by the address a case gave
    for who in ("S2", PA2, "pat two", "S9", TM):
        assert found.find(who) == "the adviser's account is disabled in the staff directory"
    assert found.find("S404") == "the adviser is not in the staff directory"
    assert (found.rows, found.skipped) == (244, 1)


def test_an_adviser_with_a_disabled_account_routes_as_one_not_known_and_sources_check_counts_them(
        graph_server: GraphTestServer, tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    graph_server.directory.users = [DirectoryUser(u.id, u.mail, u.employee_id, u.display_name, u.department,
                                                  u.manager, account_enabled=u.mail != PA2) for u in USERS]
    cases = write_csv(tmp_path / "cases.csv", [case("C1", PA1), case("C2", PA2), case("C3", PA2)])
    settings(tmp_path, cli_env, graph_server, cases)
    source = named_source(Settings(), None)
    try:
        rows = {r["case_ref"]: r for r in source.case_rows()}
    finally:
        dispose(source)
    assert (rows["C1"]["adviser_email"], rows["C1"]["manager_email"]) == (PA1, TM)
    assert rows["C2"]["adviser_email"] is None  # the case's own address is not used: routed as for no adviser
    assert rows["C2"].notes == [("adviser_email", "the adviser's account is disabled in the staff directory, so "
                                                  "no item goes to it and no team or manager is taken from it")]
    result = CliRunner().invoke(main, ["sources", "check"])
    assert result.exit_code == 0, result.output
    assert ("1 adviser(s) found, 0 not found, 1 matched only a disabled account (no item goes to it: routed as "
            "an adviser not known)") in result.output
    assert PA2 not in result.output
