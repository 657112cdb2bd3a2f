"""The registry of delivery channels: the one place a transport is added.

Each transport is a module of this package with a config value object and a notifier class that keeps
the contract of ``notifiers/base.py``. The application chooses a transport for each of its channels by
name, explicitly, from its settings (``checker/channels.py``); it never guesses one from which keys are
set. Adding a transport is its module, one line here and one builder in ``checker/channels.py``.
"""

from __future__ import annotations

from notifiers.base import Notifier
from notifiers.graph_mail import GraphMailNotifier
from notifiers.sink import SinkNotifier
from notifiers.smtp import SmtpNotifier
from notifiers.teams_activity import TeamsActivityNotifier
from notifiers.teams_workflow import TeamsWorkflowNotifier

TRANSPORTS: dict[str, type[Notifier]] = {
    notifier.channel: notifier
    for notifier in (SinkNotifier, SmtpNotifier, GraphMailNotifier, TeamsWorkflowNotifier, TeamsActivityNotifier)
}

__all__ = ["TRANSPORTS"]
