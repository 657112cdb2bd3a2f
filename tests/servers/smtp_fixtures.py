"""pytest fixtures for the local SMTP server (``servers.smtp``).

A test module loads them with ``pytest_plugins = ["servers.smtp_fixtures"]``:

- ``ca``: the test CA that signs the server's certificate (one per module);
- ``smtp``: a running ``SmtpTestServer`` with STARTTLS and AUTH as ``checker`` / ``PASSWORD``, stopped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import trustme

from servers.smtp import PASSWORD, SmtpTestServer


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def smtp(ca: trustme.CA) -> Iterator[SmtpTestServer]:
    with SmtpTestServer(ca, password=PASSWORD) as running:
        yield running
