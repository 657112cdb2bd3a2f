"""Checks of what checker reads: the profile, each source, the state database."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from checker.preflight.parts import describe_join
from checker.preflight.results import Check, failed, not_writable, passed, secret_file
from checker.profiles import ProfileError, load_profile
from checker.settings import Settings, SqlSourceSettings, SsdSourceSettings
from checker.sources import SourceError
from checker.sources.composed import ComposedSource
from checker.sources.factory import dispose, named_source
from checker.state.database import MIGRATIONS, current_revision
from checker.urls import shown_url


def check_profile(settings: Settings) -> Check:
    try:
        profile = load_profile(settings.profile, settings.config_dir)
    except ProfileError as exc:
        return failed("profile", str(exc), "Set profile to a profile name under config/profiles/ or to a .toml "
                      "file, and correct what the message names")
    return passed("profile", f"{profile.name}: {len(profile.obligations)} obligations")


def check_sources(settings: Settings) -> Iterator[Check]:
    if settings.default_source is not None and settings.default_source not in settings.sources:
        known = ", ".join(sorted(settings.sources)) or "none are configured"
        yield failed("default source", f"default_source is {settings.default_source!r}, but no source has that "
                     f"name (known: {known})", "Correct default_source, or add [sources."
                     f"{settings.default_source}] to the settings")
    if not settings.sources:
        yield passed("sources", "none configured: check, explain and run need --cases FILE")
        return
    for name in sorted(settings.sources):
        yield check_source(settings, name)


def check_source(settings: Settings, name: str) -> Check:
    label = f"source {name}"
    entry = settings.sources[name]
    if not isinstance(entry, SqlSourceSettings | SsdSourceSettings):
        fix = (f"Check the paths in [sources.{name}] and the supplements it names (relative ones are read from "
               "the settings file's folder) and the header row of each file")
    else:
        variable = f"CHECKER_SOURCES__{name.upper()}__URL"
        fix = (f"Check sources.{name}.url (driver, host, port, database, user, password: {variable} or the "
               f"file {secret_file(f'sources__{name}__url')}), that the database is up and lets this machine "
               "in, and the query files")
        missing = _missing_sqlite_file(entry.url.get_secret_value())
        if missing is not None:
            return failed(label, f"the SQLite database {missing} does not exist",
                          f"Correct sources.{name}.url (a relative SQLite path is read from the working folder)")
    try:
        source = named_source(settings, name)
    except SourceError as exc:
        return failed(label, str(exc), fix)
    try:
        source.case_columns()
        disputes = source.dispute_columns()
        unknown = source.unknown_columns()
        case_row = _first(source.case_rows())
        dispute_row = _first(source.dispute_rows()) if disputes else False
    except SourceError as exc:
        return failed(label, str(exc), fix)
    finally:
        dispose(source)
    read = ("the first case row read" if case_row else "no case rows") + (
        ("; the first dispute row read" if dispute_row else "; no dispute rows") if disputes else "")
    misspelt = [u for u in unknown if u.suggestion is not None]
    if misspelt:  # a column close to a known one is almost always a mistake that would read as empty
        return failed(label, f"{source.description}: {'; '.join(u.describe() for u in misspelt)}",
                      "Rename the column in the export or query (or drop it), so checker reads it")
    if unknown:
        read += f"; {len(unknown)} column(s) not read: " + ", ".join(f"{u.table}.{u.name}" for u in unknown)
    if isinstance(source, ComposedSource):
        try:
            read += "; " + describe_join(source)
        except SourceError as exc:
            return failed(label, str(exc), fix)
        finally:
            dispose(source)
    return passed(label, f"{source.description}: {read}")


def _first(rows: Iterator[Mapping[str, Any]]) -> bool:
    """Whether ``rows`` has a row; the iterator is closed after the first (a SQL cursor is released)."""
    try:
        return next(rows, None) is not None
    finally:
        close = getattr(rows, "close", None)
        if callable(close):
            close()


def _sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite URL (``None`` for another database or an in-memory one)."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _missing_sqlite_file(text: str) -> Path | None:
    """The file of a SQLite URL when it does not exist (connecting would create an empty one)."""
    try:
        path = _sqlite_path(make_url(text))
    except ArgumentError:
        return None  # named_source reports the URL
    return path if path is not None and not path.is_file() else None


# -- the state database ------------------------------------------------------------------------------


def check_state_database(settings: Settings) -> Check:
    label = "state database"
    fix = ("Check state_url (CHECKER_STATE_URL or the file "
           f"{secret_file('state_url')}): driver, host, port, database, user, password")
    try:
        url = make_url(settings.state_url.get_secret_value())
    except ArgumentError:
        return failed(label, "state_url is not a database URL", fix)
    shown = shown_url(url)
    path = _sqlite_path(url)
    if path is not None and not path.is_file():
        problem = not_writable(path.parent)
        if problem:
            return failed(label, f"the SQLite file {path} does not exist and cannot be made: {problem}",
                          "Create its folder, make it writable by this user, or correct state_url")
        return passed(label, f"{shown}: does not exist yet; the first command creates and migrates it, or "
                      "run `checker db upgrade`")
    try:
        engine = create_engine(url)
    except (NoSuchModuleError, ImportError) as exc:
        return failed(label, f"the database driver for {shown} is not installed ({exc.__class__.__name__})",
                      "Reinstall checker (it depends on psycopg, the PostgreSQL driver), or correct state_url")
    try:
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        return failed(label, f"cannot read {shown}: {_reason(exc)}", fix + "; and that the server is up")
    finally:
        engine.dispose()
    return _revision_check(label, shown, revision)


def _revision_check(label: str, shown: str, revision: str | None) -> Check:
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    known = {r.revision for r in script.walk_revisions()}
    if revision == head:
        return passed(label, f"{shown}: revision {revision}, the newest")
    if revision is None:
        return passed(label, f"{shown}: not migrated (empty; the newest revision is {head}): the next command "
                      "migrates it, or run `checker db upgrade`")
    if revision in known:
        return passed(label, f"{shown}: not migrated (revision {revision}; the newest is {head}): the next "
                      "command migrates it, or run `checker db upgrade`")
    return failed(label, f"{shown} is at revision {revision}, which this version of checker does not know "
                  f"(its newest is {head})", "Run the checker version that migrated it (or a newer one), or point "
                  "state_url at this version's database")


def _reason(exc: SQLAlchemyError) -> str:
    """The error's class and first line, without the SQL and parameters SQLAlchemy adds after it."""
    lines = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {lines[0] if lines else '(no message)'}"


