"""Composing the application from settings: the state database, profile, routing, channels, window.

Everything below this module takes plain values; this is the one place that reads ``Settings`` to
build them, so the CLI and the daemon assemble a tick the same way.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from checker.actions.links import LinkIssuer
from checker.actions.tokens import LinkKeys
from checker.planning.go_live import GoLive
from checker.planning.guard import SourceGuard
from checker.planning.recipients import RoleAddresses, Routing
from checker.planning.window import AnyTime, Window, WorkingWindow
from checker.profiles import Profile, load_profile
from checker.settings import Settings
from checker.state.database import open_database, upgrade

if TYPE_CHECKING:
    # The tick, delivery, rendering and action pages are imported by the methods that build them: the
    # commands that only read or write the state database (outbox, history, snooze, away...) do not load
    # Jinja2, msal or httpx (docs/operations.md, "Start-up").
    from sqlalchemy import Engine

    from checker.actions.service import ActionService
    from checker.channels import Channels
    from checker.delivery import Delivery
    from checker.planning.reminders import ChannelOptions, ReminderPlanner
    from checker.rendering import OutboxRenderer
    from checker.sources.base import Source
    from checker.tick import Tick


def utc_now() -> datetime:
    return datetime.now(UTC)


def worker_id() -> str:
    """Who claims outbox rows: host, process and a random part (two replicas never share one)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class App:
    settings: Settings
    profile: Profile
    engine: Engine

    @classmethod
    def from_settings(cls, settings: Settings, profile: str | None = None, *, migrate: bool = True) -> App:
        loaded = load_profile(profile or settings.profile, settings.config_dir)
        engine = open_database(settings.state_url.get_secret_value())
        if migrate:
            upgrade(engine)
        return cls(settings, loaded, engine)

    @property
    def routing(self) -> Routing:
        r = self.settings.routing
        return Routing(
            operator=r.operator_email,
            authority=RoleAddresses(r.senior_manager, r.head_of_service),
            # Team names match without regard to case: an environment variable's name has no case.
            teams={name.casefold(): RoleAddresses(t.senior_manager, t.head_of_service) for name, t in r.teams.items()},
        )

    @property
    def channels(self) -> ChannelOptions:
        from checker.planning.reminders import ChannelOptions  # noqa: PLC0415 - see the TYPE_CHECKING imports

        d = self.settings.delivery
        return ChannelOptions(
            teams_activity=d.teams_activity != "off",
            team_channels=({team.casefold(): hook for team, hook in self.settings.teams.team_channels.items()}
                           if d.teams_channel != "off" else {}),
            daily_digest_teams=frozenset(team.casefold() for team in d.daily_digest_teams),
        )

    @property
    def window(self) -> Window:
        if self.settings.delivery.window == "any_time":
            return AnyTime()
        w = self.profile.delivery_window
        return WorkingWindow(self.profile.calendar, w.start, w.end)

    def link_keys(self) -> LinkKeys | None:
        """The action links' keys, or ``None`` when the links are off (``[actions] public_url`` not set)."""
        a = self.settings.actions
        if not a.public_url:
            return None
        if a.secret is None:
            raise ValueError("actions.public_url is set but the links' secret is not: set CHECKER_ACTIONS__SECRET "
                             "or the secret file actions__secret (at least 32 characters)")
        return LinkKeys(a.secret.get_secret_value())

    @property
    def snooze_max_days(self) -> int:
        """How far ahead a snooze may reach (the profile's limit)."""
        return self.profile.suppressions.snooze_max_days

    def action_service(self, clock: Callable[[], datetime] = utc_now) -> ActionService | None:
        from checker.actions.service import ActionService  # noqa: PLC0415 - see the TYPE_CHECKING imports

        keys = self.link_keys()
        if keys is None:
            return None
        d = self.settings.delivery
        templates = self.settings.resolve(d.templates_dir) if d.templates_dir else None
        return ActionService(self.engine, keys, {o.id: o.title for o in self.profile.obligations},
                             self.snooze_max_days, clock, templates, d.case_url_template)

    def tick(self, source: Source, *, guarded: bool = True) -> Tick:
        """A tick over ``source``; ``guarded``: with the source safety guard (``planning/guard.py``)."""
        from checker.planning.reminders import ReminderPlanner  # noqa: PLC0415 - see the TYPE_CHECKING imports
        from checker.tick import Tick  # noqa: PLC0415 - as above

        routing, channels, profile = self.routing, self.channels, self.profile
        keys, a = self.link_keys(), self.settings.actions
        links = LinkIssuer(keys, a.public_url, a.link_days) if keys is not None and a.public_url else None

        def planner(as_of: date) -> ReminderPlanner:
            return ReminderPlanner(profile, routing, channels, as_of, links)

        guard = SourceGuard(self.settings.guard.max_drop_percent) if guarded else None
        go_live = self.settings.go_live
        catch_up = GoLive(go_live.outage_working_days) if go_live.summary else None
        return Tick(self.engine, profile, source, routing, planner, self.window,
                    digest_weekday=self.settings.delivery.digest_weekday, guard=guard,
                    keep_sent_content=timedelta(days=self.settings.delivery.keep_sent_content_days),
                    keep_personal_data=timedelta(days=self.settings.retention.keep_personal_data_days),
                    go_live=catch_up)

    def renderer(self) -> OutboxRenderer:
        """Renders outbox messages with the settings' case link, templates and contact."""
        from checker.rendering import OutboxRenderer  # noqa: PLC0415 - see the TYPE_CHECKING imports

        d = self.settings.delivery
        templates = self.settings.resolve(d.templates_dir) if d.templates_dir else None
        return OutboxRenderer(d.case_url_template, templates, mention_advisers=d.mention_advisers,
                              contact=self.settings.routing.operator_email, max_items=d.max_items_per_message,
                              urgent_items=self.settings.go_live.urgent_items, max_bytes=d.max_message_bytes)

    def delivery(self, channels: Channels, *, clock: Callable[[], datetime] = utc_now) -> Delivery:
        """The delivery pass over this state database, through ``channels``, as one worker."""
        from checker.delivery import Delivery  # noqa: PLC0415 - see the TYPE_CHECKING imports

        d = self.settings.delivery
        return Delivery(self.engine, channels.notifiers, self.renderer(), self.window, clock, worker_id(),
                        operator=self.settings.routing.operator_email, max_attempts=d.max_attempts,
                        retry_delay=timedelta(minutes=d.retry_minutes),
                        claim_lease=timedelta(seconds=d.claim_lease_seconds),
                        on_ambiguous=d.on_ambiguous.model_dump(), heartbeat=timedelta(seconds=d.heartbeat_seconds))
