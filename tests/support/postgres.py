"""A throwaway PostgreSQL server for tests: an existing one, or a cluster made in a temporary folder.

``PostgresServer.from_environment()`` uses ``CHECKER_TEST_POSTGRES_URL`` when it is set (any server the
test user may create databases on); otherwise it runs ``initdb`` and ``pg_ctl`` from the installed server
binaries (``/usr/lib/postgresql/*/bin`` on Debian, or on ``PATH``) to start a private cluster on a free
loopback port, with its socket, data and log in a temporary folder (the recipe in
``shared/recipes/postgresql-and-chromium.md``). ``initdb`` refuses to run as root, so as root every server
command runs as the ``postgres`` user. Trust authentication on loopback only: it is a test cluster.

Each test that needs tables gets its own database (``new_database``), so tests never see each other's
tables and several daemons can share one server, as they would in production.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

URL_VARIABLE = "CHECKER_TEST_POSTGRES_URL"
SERVER_USER = "postgres"  # the account server commands run as when the tests run as root
ROLE = "checker"  # the superuser role initdb creates; tests connect as it
_START_ATTEMPTS = 3
_TIMEOUT = 120  # seconds for any one server command


class PostgresUnavailableError(Exception):
    """No server can be had: no URL given and no server binaries installed (or no user to run them)."""


def server_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (the newest Debian version first), or ``None``."""

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", path.parent.name))

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the server may still lose a race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def unique_name(prefix: str = "test") -> str:
    """A database name no other test (or test run sharing the server) uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def _quote_identifier(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"not a plain database name: {name!r}")
    return f'"{name}"'


def create_database(admin_url: str, name: str | None = None) -> str:
    """Create an empty database on the server of ``admin_url``; its SQLAlchemy URL."""
    name = name or unique_name()
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {_quote_identifier(name)}"))
    finally:
        engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    """Drop ``name`` even if a test left connections open to it (PostgreSQL 13 or later)."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {_quote_identifier(name)} WITH (FORCE)"))
    finally:
        engine.dispose()


@dataclass
class LocalCluster:
    """A PostgreSQL cluster of our own in a temporary folder, listening on 127.0.0.1:``port``."""

    bindir: Path
    root: Path
    port: int = 0
    as_user: str | None = None  # run server commands as this account (set when we are root)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root / "server.log"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def _run(self, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        argv = list(args)
        if self.as_user is not None:
            argv = ["runuser", "-u", self.as_user, "--", *argv] if shutil.which("runuser") else [
                "su", self.as_user, "-s", "/bin/sh", "-c", " ".join(_shell_quote(a) for a in argv)]
        return subprocess.run(argv, cwd=self.root, capture_output=True, text=True, timeout=_TIMEOUT,
                              check=False, env={**os.environ, "LC_ALL": "C"})

    def _must(self, args: Sequence[str], what: str) -> None:
        done = self._run(args)
        if done.returncode != 0:
            raise PostgresUnavailableError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()}"
                                      f"{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            return ""
        return "\nserver log:\n" + "\n".join(lines) if lines else ""

    def start(self) -> None:
        self._must([str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", ROLE, "-E", "UTF8",
                    "--locale=C", "--no-sync"], "initdb")
        problem = ""
        for _ in range(_START_ATTEMPTS):  # a free port can be taken between probing and binding
            self.port = free_port()
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off")
            done = self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                              "-t", "60", "-o", options, "start"])
            if done.returncode == 0:
                return
            problem = f"pg_ctl start failed (exit {done.returncode}): {done.stderr.strip()}{self._log_tail()}"
        raise PostgresUnavailableError(problem)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)


def _shell_quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\"'\"'") + "'"


def start_local_cluster(bindir: Path | None = None) -> LocalCluster:
    """initdb and start a cluster in a new temporary folder; the caller must ``stop()`` it."""
    bindir = bindir or server_bindir()
    if bindir is None:
        raise PostgresUnavailableError(
            "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on PATH; "
            f"install the postgresql package (.ci/run does) or set {URL_VARIABLE}"
        )
    as_user = None
    root = Path(tempfile.mkdtemp(prefix="checker-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailableError(
                f"running as root, and there is no {SERVER_USER!r} user to run initdb as "
                "(initdb refuses to run as root)"
            ) from None
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = SERVER_USER
    cluster = LocalCluster(bindir, root, as_user=as_user)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster


@dataclass
class PostgresServer:
    """A server the tests may create databases on: ``admin_url`` is a database to connect to for that."""

    admin_url: str
    cluster: LocalCluster | None = None
    _created: list[str] = field(default_factory=list)

    @classmethod
    def from_environment(cls) -> PostgresServer:
        """``CHECKER_TEST_POSTGRES_URL`` if set, else a local cluster; ``PostgresUnavailableError`` if neither."""
        url = os.environ.get(URL_VARIABLE, "").strip()
        if url:
            return cls(admin_url=url)
        cluster = start_local_cluster()
        return cls(admin_url=cluster.admin_url(), cluster=cluster)

    def new_database(self, prefix: str = "test") -> tuple[str, str]:
        """A new empty database: its name and SQLAlchemy URL."""
        name = unique_name(prefix)
        url = create_database(self.admin_url, name)
        self._created.append(name)
        return name, url

    def drop(self, name: str) -> None:
        drop_database(self.admin_url, name)
        if name in self._created:
            self._created.remove(name)

    def close(self) -> None:
        """Stop our own cluster (which removes everything), or drop what we created on a given server."""
        if self.cluster is not None:
            self.cluster.stop()
            return
        for name in list(self._created):
            with contextlib.suppress(Exception):
                self.drop(name)
