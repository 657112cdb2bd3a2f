"""Running ``checker run --once`` and ``checker check`` in-process against a state database of the test's own
(SQLite or PostgreSQL), and reading back what the tick left: instances, runs, the operator's mail in the sink."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, create_engine, select

from checker.cli import main
from checker.state.schema import obligation_instance, run

AS_OF = "2026-11-23"


@dataclass
class StateEnv:
    """A state database (``url``), a sink folder for every message, and the commands run against them."""

    url: str
    sink: Path
    _engine: Engine | None = field(default=None, repr=False)

    def invoke(self, *args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=True)

    def run_once(self, cases: Path, *extra: str, disputes: Path | None = None, as_of: str = AS_OF) -> Result:
        more = ["--disputes", str(disputes)] if disputes is not None else []
        return self.invoke("run", "--once", "--as-of", as_of, "--cases", str(cases), *more, "--no-digests", *extra)

    def check(self, cases: Path, *extra: str, disputes: Path | None = None, as_of: str = AS_OF) -> Result:
        more = ["--disputes", str(disputes)] if disputes is not None else []
        return self.invoke("check", "--as-of", as_of, "--cases", str(cases), *more, "--format", "json", *extra)

    def rows(self, table: Any) -> list[Any]:
        if self._engine is None:
            self._engine = create_engine(self.url)
        with self._engine.connect() as connection:
            return list(connection.execute(select(table)))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def open_instances(self) -> list[Any]:
        return [r for r in self.rows(obligation_instance) if r.closed_at is None]

    def runs(self) -> list[Any]:
        return sorted(self.rows(run), key=lambda r: r.id)

    def mail(self) -> str:
        """Every message the sink holds, as one text (operator alerts included)."""
        if not self.sink.is_dir():
            return ""
        return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(self.sink.iterdir()))


def state_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[StateEnv]:
    """A ``StateEnv`` on SQLite or PostgreSQL, as ``request.param`` says (for a parametrised fixture to yield
    from); its connections are closed afterwards."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("fresh_postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'state.sqlite'}"
    monkeypatch.setenv("CHECKER_STATE_URL", url)
    monkeypatch.setenv("CHECKER_DELIVERY__SINK_DIR", str(tmp_path / "sink"))
    monkeypatch.setenv("CHECKER_DELIVERY__WINDOW", "any_time")
    monkeypatch.setenv("CHECKER_ROUTING__OPERATOR_EMAIL", "ops@example.org")
    env = StateEnv(url, tmp_path / "sink")
    try:
        yield env
    finally:
        env.close()
