"""Fixtures for the whole test suite. Sub-folders add their own in their own conftest.py.

PostgreSQL: ``postgres_url`` (session) is a database on a throwaway server, and ``fresh_postgres_url``
(per test) a new, empty database on the same server, dropped afterwards. The server is the one named by
``CHECKER_TEST_POSTGRES_URL``, or a private cluster started from the installed server binaries (see
``support/postgres.py``). Without either, tests that need it are skipped on a developer's machine and
fail under CI (the ``CI`` environment variable set), so CI never passes by skipping them. Tests that use
these fixtures get the ``postgres`` marker, so ``pytest -m "not postgres"`` leaves them out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from support.browser import Browser, chromium_path
from support.postgres import PostgresServer, PostgresUnavailableError

POSTGRES_FIXTURES = frozenset({"postgres_server", "postgres_url", "fresh_postgres_url"})


def under_ci() -> bool:
    """True when CI runs the tests: a missing server or browser is then a failure, not a skip."""
    return bool(os.environ.get("CI", "").strip())


def unavailable(reason: str) -> NoReturn:
    """Fail under CI, skip elsewhere."""
    if under_ci():
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if POSTGRES_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The throwaway PostgreSQL server; stopped and removed (or its test databases dropped) at the end."""
    try:
        server = PostgresServer.from_environment()
    except PostgresUnavailableError as exc:
        unavailable(f"PostgreSQL is not available: {exc}")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """``postgresql+psycopg://...`` of a database shared by the whole session: CHECKER_TEST_POSTGRES_URL
    itself when that is set, else a database made on the private cluster."""
    if postgres_server.cluster is None:
        return postgres_server.admin_url
    _name, url = postgres_server.new_database("session")
    return url


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """``postgresql+psycopg://...`` of a new, empty database for this test alone, dropped afterwards."""
    name, url = postgres_server.new_database()
    try:
        yield url
    finally:
        postgres_server.drop(name)


@pytest.fixture(autouse=True)
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Every test runs as on a clean machine: no CHECKER_ variables from the shell (CHECKER_TEST_ ones
    stay), no checker.toml or .env from the developer's folder (the working folder is an empty one under
    the test's tmp_path), and no /run/secrets (an empty secrets folder that does not exist yet)."""
    for name in list(os.environ):
        if name.startswith("CHECKER_") and not name.startswith("CHECKER_TEST_"):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("CHECKER_SETTINGS_FILE", str(work / "no-such-settings.toml"))
    monkeypatch.setenv("CHECKER_SECRETS_DIR", str(tmp_path / "secrets"))
    # Most tests plan on an empty state database and look at the per-item messages a later tick sends; a
    # real first tick sends one go-live summary per recipient instead, which tests/test_go_live.py turns
    # back on (``go_live_on``) to test.
    monkeypatch.setenv("CHECKER_GO_LIVE__SUMMARY", "false")
    return monkeypatch


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """Headless Chromium (tests/support/browser.py) with a profile of the test's own."""
    b = Browser(chromium_path(), tmp_path / "chromium-profile")
    yield b
    b.close()
