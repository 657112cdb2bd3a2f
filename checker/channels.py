"""The delivery channels of this process, built once from settings.

The planner writes outbox rows for three channels: ``email`` (reminders, digests, operator alerts),
``teams_activity`` (an adviser's own Teams activity feed) and ``teams_channel`` (a team's channel, through
a Workflows webhook). Settings choose the transport of each explicitly (``[delivery]``: ``email = "sink" |
"smtp" | "graph"``, ``teams_activity = "off" | "sink" | "graph"``, ``teams_channel = "off" | "sink" |
"webhook"``); nothing is inferred from which keys happen to be set. A channel that is off has no
notifier: a row planned for it is parked with that reason, never dropped.

One ``httpx.Client`` per remote service is made here and injected into its notifiers; both Graph
channels share one ``GraphApi``, so the process has one msal application and one token cache.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx

from checker.settings import Settings
from notifiers.base import Notifier
from notifiers.graph_auth import GraphApi
from notifiers.graph_mail import GraphMailConfig, GraphMailNotifier
from notifiers.sink import SinkConfig, SinkNotifier
from notifiers.smtp import SmtpConfig, SmtpNotifier
from notifiers.teams_activity import TeamsActivityConfig, TeamsActivityNotifier
from notifiers.teams_workflow import TeamsWorkflowConfig, TeamsWorkflowNotifier

Channel = Literal["email", "teams_activity", "teams_channel"]

# Each setting's value → the transport of notifiers/registry.py that carries it.
TRANSPORT_OF_SETTING: dict[str, str] = {
    "sink": SinkNotifier.channel,
    "smtp": SmtpNotifier.channel,
    "graph": GraphMailNotifier.channel,
    "webhook": TeamsWorkflowNotifier.channel,
}


class ChannelSetupError(Exception):
    """A channel's settings cannot make a working notifier; the message says which setting and why."""


@dataclass
class Channels:
    """The notifiers by channel, and the HTTP clients to close when the process is done with them."""

    notifiers: dict[str, Notifier]
    clients: list[httpx.Client] = field(default_factory=list)

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def __enter__(self) -> Channels:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _verify(ca_file: Path | None) -> ssl.SSLContext | bool:
    return ssl.create_default_context(cafile=str(ca_file)) if ca_file else True


class _Builder:
    """Builds each notifier at most once (one sink, one Graph API, one client per service)."""

    def __init__(self, settings: Settings, echo: bool) -> None:
        self.settings = settings
        self.echo = echo
        self.clients: list[httpx.Client] = []
        self._sink: SinkNotifier | None = None
        self._graph: tuple[httpx.Client, GraphApi] | None = None

    def client(self, ca_file: Path | None, timeout: float) -> httpx.Client:
        made = httpx.Client(verify=_verify(ca_file), timeout=timeout, follow_redirects=False)
        self.clients.append(made)
        return made

    def sink(self) -> SinkNotifier:
        if self._sink is None:
            # an output, like the state database: relative to the working folder, not to the settings file
            self._sink = SinkNotifier(SinkConfig(self.settings.delivery.sink_dir, echo=self.echo))
        return self._sink

    def smtp(self) -> SmtpNotifier:
        s = self.settings.smtp
        return SmtpNotifier(SmtpConfig(
            s.host, s.port, s.sender, s.username, s.password.get_secret_value() if s.password else None,
            s.security, s.timeout, self.settings.resolve(s.ca_file) if s.ca_file else None))

    def _activity_config(self) -> TeamsActivityConfig:
        g = self.settings.graph
        return TeamsActivityConfig(
            tenant_id=g.tenant_id, client_id=g.client_id,
            client_secret=g.client_secret.get_secret_value() if g.client_secret else None,
            certificate_pem_path=self.settings.resolve(g.certificate_path) if g.certificate_path else None,
            certificate_thumbprint=g.certificate_thumbprint, authority_host=g.authority_host, graph_url=g.graph_url,
            scope=g.scope)

    def graph_api(self) -> tuple[httpx.Client, GraphApi]:
        if self._graph is None:
            g = self.settings.graph
            app = self._activity_config().app
            client = self.client(self.settings.resolve(g.ca_file) if g.ca_file else None, g.timeout)
            self._graph = client, GraphApi(app, client)
        return self._graph

    def graph_mail(self) -> GraphMailNotifier:
        app = self._activity_config().app
        config = GraphMailConfig(app.tenant_id, app.client_id, app.client_secret, app.certificate_pem_path,
                                 app.certificate_thumbprint, app.authority_host, app.graph_url, app.scope,
                                 sender=self.settings.graph.sender)
        client, api = self.graph_api()
        return GraphMailNotifier(config, client, api=api)

    def teams_activity(self) -> TeamsActivityNotifier:
        config = self._activity_config()
        client, api = self.graph_api()
        return TeamsActivityNotifier(config, client, api=api)

    def teams_workflow(self) -> TeamsWorkflowNotifier:
        t = self.settings.teams
        config = TeamsWorkflowConfig({name: url.get_secret_value() for name, url in t.webhooks.items()})
        return TeamsWorkflowNotifier(config, self.client(self.settings.resolve(t.ca_file) if t.ca_file else None,
                                                         t.timeout))


def builders(b: _Builder) -> Mapping[str, Callable[[], Notifier]]:
    table: dict[str, Callable[[], Notifier]] = {
        SinkNotifier.channel: b.sink, SmtpNotifier.channel: b.smtp, GraphMailNotifier.channel: b.graph_mail,
        TeamsWorkflowNotifier.channel: b.teams_workflow, TeamsActivityNotifier.channel: b.teams_activity,
    }
    return table  # one per transport of notifiers/registry.py (a test holds them together)


# Settings section that holds each transport's own settings, for the error message.
_SECTION = {"smtp": "smtp", "graph_mail": "graph", "teams_activity": "graph", "teams_workflow": "teams"}


def build_channels(settings: Settings, *, echo: bool = False) -> Channels:
    """The notifier of every channel that is on. ``ChannelSetupError`` names a setting that cannot work."""
    d = settings.delivery
    chosen: dict[str, str] = {"email": TRANSPORT_OF_SETTING[d.email]}
    if d.teams_activity != "off":
        chosen["teams_activity"] = (TeamsActivityNotifier.channel if d.teams_activity == "graph"
                                    else SinkNotifier.channel)
    if d.teams_channel != "off":
        chosen["teams_channel"] = TRANSPORT_OF_SETTING[d.teams_channel]
    builder = _Builder(settings, echo)
    made = builders(builder)
    notifiers: dict[str, Notifier] = {}
    try:
        for channel, transport in chosen.items():
            try:
                notifiers[channel] = made[transport]()
            except (ValueError, OSError) as exc:
                section = _SECTION.get(transport, "delivery")
                raise ChannelSetupError(
                    f"the {channel} channel ({transport}) cannot be set up from the [{section}] settings: {exc}"
                ) from None
    except ChannelSetupError:
        for client in builder.clients:
            client.close()
        raise
    return Channels(notifiers, builder.clients)
