"""A URL is shown without its password, wherever that password was written, and PostgreSQL needs no extra.

libpq and psycopg read a password from a ``?password=`` query parameter as well as from the user part;
``checker.urls.shown_url`` masks both (and a webhook's ``sig``), and every place that prints, logs or
stores a URL uses it: ``config check``, a SQL source's description (kept in ``run.source`` and told to
the operator), the state database's check.
"""

from __future__ import annotations

import socket
from importlib.metadata import requires
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.requirements import Requirement

from checker.cli import main
from checker.paths import bundled_config_dir
from checker.sources.sql_source import SqlSource
from checker.urls import shown_url

SECRET = "hunter2-in-the-query"  # noqa: S105 - a made-up password the output must not show


@pytest.mark.parametrize(("url", "shown"), [
    (f"postgresql+psycopg://checker@db.internal:5432/state?password={SECRET}",
     "postgresql+psycopg://checker@db.internal:5432/state?password=***"),
    (f"postgresql+psycopg://checker:{SECRET}@db/state?sslmode=require&PassWord={SECRET}&application_name=c",
     "postgresql+psycopg://checker:***@db/state?PassWord=***&application_name=c&sslmode=require"),
    (f"postgresql://db/state?sslpassword={SECRET}", "postgresql://db/state?sslpassword=***"),
    ("sqlite:///checker-state/state.sqlite", "sqlite:///checker-state/state.sqlite"),
    (f"https://prod.example/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig={SECRET}",
     "https://prod.example/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=***"),
    (f"https://user:{SECRET}@proxy.example/", "https://user:***@proxy.example/"),
])
def test_shown_url_masks_every_password(url: str, shown: str) -> None:
    assert shown_url(url) == shown
    assert SECRET not in shown_url(url)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_config_check_never_prints_a_password_given_in_the_query(monkeypatch: pytest.MonkeyPatch) -> None:
    queries = bundled_config_dir() / "sql"
    monkeypatch.setenv("CHECKER_STATE_URL",
                       f"postgresql+psycopg://checker@127.0.0.1:{closed_port()}/c?password={SECRET}")
    monkeypatch.setenv("CHECKER_SOURCES__CMS__KIND", "sql")
    monkeypatch.setenv("CHECKER_SOURCES__CMS__URL",
                       f"postgresql+psycopg://reader@127.0.0.1:{closed_port()}/cms?password={SECRET}")
    monkeypatch.setenv("CHECKER_SOURCES__CMS__CASES_QUERY", str(queries / "demo_cases.sql"))

    result = CliRunner().invoke(main, ["config", "check"])

    assert result.exit_code == 2
    assert "cannot read postgresql+psycopg://checker@127.0.0.1:" in result.output
    assert "/c?password=***" in result.output
    assert "/cms?password=***" in result.output
    assert SECRET not in result.output


def test_a_sql_source_describes_itself_without_the_password(postgres_url: str, tmp_path: Path) -> None:
    """The description goes into ``run.source``, the log and the operator's alert."""
    source = SqlSource(f"{postgres_url}?password={SECRET}", "SELECT 1 AS case_ref")
    try:
        assert source.description.startswith("SQL postgresql+psycopg://")
        assert source.description.endswith("?password=***")
        assert SECRET not in source.description
    finally:
        source.engine.dispose()


def test_the_postgresql_driver_is_a_dependency_of_checker_itself() -> None:
    """No extra to remember: a plain install (and the image) can open a PostgreSQL state database."""
    needs = [Requirement(r) for r in requires("checker") or []]
    drivers = [r for r in needs if r.name == "psycopg"]
    assert drivers
    assert all(r.marker is None for r in drivers)  # not behind an extra
    assert "binary" in drivers[0].extras
