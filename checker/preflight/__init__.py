"""``checker config check``'s work: try every connection the settings name, sending nothing.

One ``Check`` per thing tried, in order: the profile, each configured source (CSV: the files and their
header; SQL: the queries run and one row is read, through the project's ``SqlSource``), the state
database (its Alembic revision against the newest; never migrated here), the case link template and
every message template (rendered with sample facts: ``preflight/templates.py``), then each delivery
channel that is on:

- ``sink``: the folder (or, before the first message, the folder it will be made in) takes a file;
- ``smtp``: connect, EHLO, STARTTLS (refused when not offered, as ``notifiers.smtp`` refuses), EHLO,
  AUTH when a username is set, QUIT: no mail is sent;
- ``graph`` (email and the Teams activity feed): TLS to the authority and Graph hosts, then an app
  token through the real msal path (``notifiers.graph_auth.GraphTokens`` on an ``httpx.Client`` made as
  ``checker/channels.py`` makes it); nothing is sent;
- ``webhook``: each Workflows URL is https, its host resolves and a TLS connection succeeds. Nothing is
  posted: a post would run the flow. (A loopback ``http://`` URL, which the notifier accepts for local
  testing, gets a TCP connection.) The probe connects directly, not through an ``HTTPS_PROXY``.

A failed check's ``detail`` reads "<what is wrong>. <how to fix it>". No detail carries a secret: the
messages are written without them, and ``run_checks`` also masks every secret value of the settings
(passwords, the client secret, webhook URLs and their ``sig``, database URLs) in case a server echoed one.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.preflight.columns import check_profile_columns
from checker.preflight.data import check_profile, check_sources, check_state_database
from checker.preflight.mail import check_sink, check_smtp
from checker.preflight.network import check_graph, check_graph_sender, check_webhooks
from checker.preflight.results import Check, failed, mask, passed, secret_file, secret_values
from checker.preflight.templates import check_templates
from checker.settings import Settings


def run_checks(settings: Settings) -> Iterator[Check]:
    """Every check the settings call for, one at a time (each may take up to its timeout)."""
    secrets = secret_values(settings)
    for check in _checks(settings):
        yield Check(check.name, check.ok, mask(check.detail, secrets))


def _checks(settings: Settings) -> Iterator[Check]:
    yield check_profile(settings)
    yield from check_sources(settings)
    yield from check_profile_columns(settings)
    yield check_state_database(settings)
    yield from check_templates(settings)
    yield from check_channels(settings)


def check_channels(settings: Settings) -> Iterator[Check]:
    d = settings.delivery
    graph: list[Check] = []  # one token check for both Graph channels, as they share one app

    def graph_check(name: str, mail: bool) -> Check:
        sender = check_graph_sender(settings, name) if mail else None
        if sender is not None:
            return sender
        if graph:
            first = graph[0]
            return Check(name, first.ok, first.detail if not first.ok else "the same app token as email")
        graph.append(check_graph(settings, name))
        return graph[0]

    if d.email == "sink":
        yield check_sink(settings, "email (sink)")
    elif d.email == "smtp":
        yield check_smtp(settings)
    else:
        yield graph_check("email (graph)", mail=True)
    if d.teams_activity == "sink":
        yield check_sink(settings, "teams_activity (sink)")
    elif d.teams_activity == "graph":
        yield graph_check("teams_activity (graph)", mail=False)
    if d.teams_channel == "sink":
        yield check_sink(settings, "teams_channel (sink)")
    elif d.teams_channel == "webhook":
        yield from check_webhooks(settings)



__all__ = ["Check", "failed", "passed", "run_checks", "secret_file"]
