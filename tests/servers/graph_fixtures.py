"""pytest fixtures for the local Graph server (``servers.graph``).

A test module loads them with ``pytest_plugins = ["servers.graph_fixtures"]``:

- ``graph_ca`` (session): the test CA that signs the server's certificate (and the app's certificate).
- ``graph_server``: a running ``GraphTestServer`` (client-secret credentials), stopped afterwards.
- ``graph_client``: an ``httpx.Client`` trusting the test CA (loaded from its PEM file), with a short
  read timeout (``servers.graph.READ_TIMEOUT``) so that ``graph_server.slow(...)`` answers time out quickly.
- ``graph``: both together, as a ``servers.graph.LocalGraph``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from servers.graph import GraphTestServer, LocalGraph, trusting_client


@pytest.fixture(scope="session")
def graph_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def graph_server(graph_ca: trustme.CA) -> Iterator[GraphTestServer]:
    with GraphTestServer(graph_ca) as server:
        yield server


@pytest.fixture
def graph_client(graph_server: GraphTestServer, tmp_path: Path) -> Iterator[httpx.Client]:
    with trusting_client(graph_server, tmp_path) as client:
        yield client


@pytest.fixture
def graph(graph_server: GraphTestServer, graph_client: httpx.Client) -> LocalGraph:
    return LocalGraph(graph_server, graph_client)
