"""Planning reminders and escalations for a batch of tracked findings (findings → notification items).

For each open obligation the owner gets the reminder of its current stage (``stages.py``); an
overdue one that reached an escalation threshold goes to that role too (``escalated-<role>``,
docs/profiles.md), and again every N working days per role while it stays overdue; an overdue dispute
goes to the role of its next stage (``dispute-stage-<n>``, 000 §18). With Teams switched on, the
adviser's reminders also go to their activity feed, and a team's channel hears of what became overdue or
was escalated, once (initials and case reference only). A waived obligation plans nothing; a snoozed one
plans no owner reminders but its escalations still go; an acknowledged one (from the message's link)
plans no more owner reminders at the stage it was acknowledged in (each overdue repeat counts as one
stage), and its escalations still go. Facts carry names only for the adviser's own email, and the
acknowledge and snooze links (``actions``, ``checker/actions/links.py``) only for the adviser's own
items when the links are on: two links on the email's item, one "choose" link on the activity feed's
(its page offers both). A team channel's item carries none (a shared channel cannot bind a link to
one adviser); ``links_elsewhere`` tells its card that the adviser has them in their own messages.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from checker.actions.links import LinkIssuer, phase
from checker.facts import Channel, ItemFacts, Stage
from checker.planning.recipients import Away, Routing
from checker.planning.stages import escalation_stage, reminder_stage
from checker.profiles import Profile
from checker.state.instances import NO_REF, Tracked, initials
from checker.state.notifications import PlannedItem, PlannedKey
from rules.obligation import Obligation
from rules.records import Finding, Role, Status

EMAIL, TEAMS_ACTIVITY, TEAMS_CHANNEL = Channel.EMAIL, Channel.TEAMS_ACTIVITY, Channel.TEAMS_CHANNEL
SuppressionKey = tuple[str, str, str]
AckKey = tuple[int, date, str]  # (instance id, due date, stage phase): see checker/state/link_actions.py
# A stage with what planning asks of it, worked out once: its text (as items' keys hold it), its phase (as
# acknowledgements do), whether a team channel hears of it, and its first telling with that one's text.
Named = tuple[Stage, str, str, bool, Stage, str]
_EMAIL, _ACTIVITY, _CHANNEL = EMAIL.value, TEAMS_ACTIVITY.value, TEAMS_CHANNEL.value


def _named(stage: Stage) -> Named:
    text, once = str(stage), stage.first_telling
    return stage, text, phase(text), stage == Stage.overdue(0) or stage.up_the_ladder, once, str(once)


@dataclass(frozen=True, slots=True)
class ChannelOptions:
    """Which channels are on besides email: the adviser's Teams feed, and team channels by team name; and
    the teams (casefolded names) whose advisers get a daily digest instead (``planning/daily.py``)."""

    teams_activity: bool = False
    team_channels: Mapping[str, str] = field(default_factory=dict)
    daily_digest_teams: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ReminderPlanner:
    profile: Profile
    routing: Routing
    channels: ChannelOptions
    as_of: date
    links: LinkIssuer | None = None
    _stages: dict[tuple[date, tuple[int, ...]], Named | None] = field(default_factory=dict, init=False,
                                                                     repr=False, compare=False)
    _escalations: dict[tuple[str, Role, int], Named] = field(default_factory=dict, init=False, repr=False,
                                                             compare=False)

    def _obligations(self) -> dict[str, Obligation[Any]]:
        return {o.id: o for o in self.profile.obligations}

    def plan(self, tracked: Sequence[Tracked], suppressed: Mapping[SuppressionKey, str],
             acknowledged: Collection[AckKey] = frozenset(), away: Mapping[str, Away] | None = None,
             known: Collection[PlannedKey] = frozenset()) -> list[PlannedItem]:
        """``away``: casefolded address → absence in force (``checker away``): their items go to cover.

        ``known``: the keys planned before (``state.notifications.planned_keys``): such an item is not built
        again, except an adviser's own item of a daily-digest team, which the day's digest lists whether or
        not it was told before (``planning/daily.py``).
        """
        obligations = self._obligations()
        items: list[PlannedItem] = []
        for t in tracked:
            f = t.finding
            if f.status is Status.MET:
                continue
            suppression = suppressed.get((f.case_ref, f.obligation, f.ref or NO_REF))
            if suppression == "waive":
                continue
            items.extend(self._for_one(t, obligations[f.obligation], snoozed=suppression == "snooze",
                                       acknowledged=acknowledged, away=away or {}, known=known))
        return items

    def _for_one(self, t: Tracked, ob: Obligation[Any], *, snoozed: bool,
                 acknowledged: Collection[AckKey] = frozenset(),
                 away: Mapping[str, Away] | None = None, known: Collection[PlannedKey] = frozenset()
                 ) -> list[PlannedItem]:
        cover = away or {}
        f = t.finding
        out: list[PlannedItem] = []
        reminder = self._reminder_stage(f.due_date, ob.reminder_lead_working_days)
        if reminder is not None and not snoozed and (t.instance_id, f.due_date, reminder[2]) not in acknowledged:
            out += self._to_role(t, ob, f.owner, reminder, cover, known)
        if f.status is Status.OVERDUE:
            if f.stage is None and f.escalated_to is not None:
                out += self._to_role(t, ob, f.escalated_to, self._escalation_stage(ob, f.escalated_to,
                                                                                   f.working_days_overdue),
                                     cover, known)
            if f.stage is not None and f.escalate_to_stage is not None:
                next_role = ob.parameters.stage_owners[f.escalate_to_stage - 1]
                out += self._to_role(t, ob, next_role, _named(Stage.dispute(f.escalate_to_stage)), cover, known)
        return out

    def _to_role(self, t: Tracked, ob: Obligation[Any], role: Role, named: Named,
                 away: Mapping[str, Away] | None = None, known: Collection[PlannedKey] = frozenset()
                 ) -> list[PlannedItem]:
        stage, told_as, _phase, team_hears, once, once_as = named
        case = t.case
        address, routing_note = self.routing.address(role, case.adviser_email, case.manager_email, case.team)
        if away and routing_note is None:
            address, routing_note = self.routing.cover(address, role, case.manager_email, case.team, away)
        personal = role is Role.ADVISER and routing_note is None
        # an adviser's own item of a daily-digest team is listed by the day's digest whether or not told before
        daily = personal and (case.team or "").casefold() in self.channels.daily_digest_teams
        instance_id, due = t.instance_id, t.finding.due_date
        items: list[PlannedItem] = []
        email = daily or (instance_id, told_as, address, _EMAIL) not in known
        activity = personal and self.channels.teams_activity and (
            daily or (instance_id, told_as, address, _ACTIVITY) not in known)
        if email or activity:
            facts = self._facts(t, ob, role, stage, routing_note, with_names=personal)
            linked = personal and self.links is not None and bool(address) and stage.to_owner
            if email:
                email_facts = facts
                if linked and self.links is not None:
                    email_facts = replace(facts, actions=self.links.for_item(instance_id, due, told_as, address,
                                                                             self.as_of))
                items.append(self._item(t, stage, address, EMAIL, email_facts))
            if activity:
                chooser = (self.links.chooser(instance_id, due, told_as, address, self.as_of)
                           if linked and self.links is not None else None)
                items.append(self._item(t, stage, address, TEAMS_ACTIVITY,
                                        replace(facts, given_name=None, family_name=None, actions=chooser)))
        # keys casefolded (App); a team's channel hears of a stage that became overdue or went up the ladder
        webhook = self.channels.team_channels.get((case.team or "").casefold()) if team_hears else None
        # A team's channel hears of an escalation once: its item has the stage without the repeat number,
        # so every repeat (or a first telling that is already a repeat, at go-live) plans the same key.
        if webhook and (daily or (instance_id, once_as, webhook, _CHANNEL) not in known):
            # No links on a shared channel (a link acts as one adviser); the card says where they are.
            elsewhere = self.links is not None and t.finding.owner is Role.ADVISER and bool(case.adviser_email)
            items.append(self._item(t, once, webhook, TEAMS_CHANNEL, replace(
                self._facts(t, ob, role, once, None, with_names=False), links_elsewhere=elsewhere)))
        return items

    def _reminder_stage(self, due: date, leads: tuple[int, ...]) -> Named | None:
        """``stages.reminder_stage`` on the planner's day, once per due date and lead times (they repeat)."""
        key = (due, leads)
        if key not in self._stages:
            every = self.profile.reminders.overdue_every_working_days
            stage = reminder_stage(due, self.as_of, leads, every, self.profile.calendar)
            self._stages[key] = None if stage is None else _named(stage)
        return self._stages[key]

    def _escalation_stage(self, ob: Obligation[Any], role: Role, working_days_overdue: int) -> Named:
        """``stages.escalation_stage``, once per obligation, role and working days overdue (they repeat)."""
        key = (ob.id, role, working_days_overdue)
        found = self._escalations.get(key)
        if found is None:
            stage = escalation_stage(role, working_days_overdue, ob.escalation,
                                     self.profile.escalation_repeats.every(role))
            found = self._escalations[key] = _named(stage)
        return found

    def _item(self, t: Tracked, stage: Stage, recipient: str, channel: Channel, facts: ItemFacts) -> PlannedItem:
        f = t.finding
        return PlannedItem(t.instance_id, f.case_ref, f.obligation, f.ref or NO_REF, f.due_date, stage,
                           recipient, channel, facts)

    def _facts(self, t: Tracked, ob: Obligation[Any], role: Role, stage: Stage, routing_note: str | None,
               *, with_names: bool) -> ItemFacts:
        case, f = t.case, t.finding
        return ItemFacts(
            case_ref=f.case_ref,
            given_name=case.given_name if with_names else None,
            family_name=case.family_name if with_names else None,
            initials=initials(case),
            obligation=f.obligation,
            title=ob.title,
            citation=f.citation,
            ref=f.ref,
            due_date=f.due_date,
            status=f.status,
            working_days_overdue=f.working_days_overdue,
            working_days_to_go=self._to_go(f),
            stage=stage,
            role=role,
            owner=f.owner,
            adviser_email=case.adviser_email,
            team=case.team,
            dispute_stage=f.stage,
            escalate_to_stage=f.escalate_to_stage,
            change_note=t.change_note,
            routing_note=routing_note,
            done_when=ob.evidence_columns[:1],  # the column that completes it (a second one is a "not before")
            next_working_day=self._next_working_day(f.due_date),
        )

    def _next_working_day(self, due: date) -> date | None:
        calendar = self.profile.calendar
        return None if calendar.is_working_day(due) else calendar.working_days_after(due, 1)

    def _to_go(self, f: Finding) -> int:
        if f.status is not Status.PENDING:
            return 0
        return self.profile.calendar.working_days_between(self.as_of, f.due_date)
