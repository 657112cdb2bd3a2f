"""The health server is bounded: a slow or idle client is cut off, and it cannot keep /healthz from others.

Each connection has ``read_timeout`` to send its whole request; requests are answered by a fixed pool
of ``workers``; at most ``waiting`` more connections wait, and any beyond are answered 503 at once.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest

from checker.health import HealthServer, Limits
from checker.metrics import Metrics
from checker.settings import Settings

READY = (True, "ready")


@contextmanager
def idle_clients(port: int, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that send nothing at all."""
    with ExitStack() as stack:
        yield [stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=30)) for _ in range(count)]


def closed_by_server(client: socket.socket) -> bool:
    """Whether the server closed the connection (reading gives end of file, or an answer and then end of file)."""
    client.settimeout(30)
    data = b""
    while chunk := client.recv(4096):
        data += chunk
    return True


def health_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("checker-health_"))


def test_the_defaults_are_documented_settings() -> None:
    health = Settings().health
    assert (health.read_timeout_seconds, health.workers, health.max_waiting) == (5.0, 4, 16)


def test_an_idle_client_is_disconnected_after_the_read_timeout() -> None:
    limits = Limits(read_timeout=0.5, workers=2, waiting=2)
    with HealthServer("127.0.0.1", 0, lambda: READY, Metrics(), limits) as server, \
            idle_clients(server.port, 1) as (idle,):
        assert closed_by_server(idle)  # before the fix, it waited for ever (the test's 30 s timeout)


def test_a_client_that_trickles_its_request_is_cut_off_all_the_same() -> None:
    limits = Limits(read_timeout=1.0, workers=1, waiting=0)
    with HealthServer("127.0.0.1", 0, lambda: READY, Metrics(), limits) as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=30) as slow:
        started = time.monotonic()
        answer = b""
        for byte in b"GET /healthz HTTP/1.0\r\nX-Slow: " + b"a" * 100:
            try:
                slow.sendall(bytes([byte]))
            except OSError:
                break
            time.sleep(0.05)  # each byte well inside the timeout, the whole far beyond it
            if time.monotonic() - started > 20:
                break
        slow.settimeout(30)
        try:
            while chunk := slow.recv(4096):
                answer += chunk
        except ConnectionResetError:
            pass
        assert b"200" not in answer  # it never got to be answered: the connection was closed


def test_idle_clients_beyond_the_workers_cannot_keep_healthz_from_a_probe() -> None:
    limits = Limits(read_timeout=0.5, workers=2, waiting=4)
    with HealthServer("127.0.0.1", 0, lambda: READY, Metrics(), limits) as server, \
            idle_clients(server.port, limits.workers + 1):
        time.sleep(0.1)  # every worker is taken by an idle client, one more waits
        answer = httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=30)
        assert (answer.status_code, answer.text) == (200, "ok\n")


def test_the_workers_are_a_fixed_pool_and_a_flood_is_refused_at_once() -> None:
    limits = Limits(read_timeout=5, workers=2, waiting=1)
    before = health_threads()
    with HealthServer("127.0.0.1", 0, lambda: READY, Metrics(), limits) as server, \
            idle_clients(server.port, 3):
        time.sleep(0.2)  # two workers busy with idle clients, one waiting: every place taken
        answers = []
        for _ in range(20):
            with socket.create_connection(("127.0.0.1", server.port), timeout=30) as extra:
                extra.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
                data = b""
                while chunk := extra.recv(4096):
                    data += chunk
                answers.append(data.split(b"\r\n", 1)[0])
        assert set(answers) == {b"HTTP/1.0 503 Service Unavailable"}
        assert health_threads() - before <= limits.workers


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_the_endpoints_still_answer_with_the_limits(path: str) -> None:
    limits = Limits(read_timeout=2, workers=1, waiting=0)
    with HealthServer("127.0.0.1", 0, lambda: READY, Metrics(), limits) as server:
        for _ in range(3):
            assert httpx.get(f"http://127.0.0.1:{server.port}{path}", timeout=30).status_code == 200
