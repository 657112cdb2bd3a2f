"""The typed facts between planning and rendering (checker.facts): built, stored, read back, refused."""

from __future__ import annotations

import json
from datetime import date

import pytest

from checker.facts import Channel, FactsError, ItemFacts, MessageKind, Stage, StageKind
from rules.records import Role, Status


def sample(**changes: object) -> ItemFacts:
    base = ItemFacts(case_ref="C1", title="Join the Part 6 housing register", due_date=date(2026, 12, 1),
                     stage=Stage.lead(20), status=Status.PENDING, given_name="Sam", family_name="Khan",
                     initials="S.K.", obligation="housing-register-initial", working_days_to_go=6)
    return ItemFacts.from_json(base.to_json() | dict(changes))


@pytest.mark.parametrize(("text", "stage"), [
    ("lead-20", Stage(StageKind.LEAD, 20)), ("due", Stage(StageKind.DUE)), ("overdue-0", Stage(StageKind.OVERDUE, 0)),
    ("escalated-head_of_service", Stage(StageKind.ESCALATED, role=Role.HEAD_OF_SERVICE)),
    ("dispute-stage-3", Stage(StageKind.DISPUTE, 3)),
    ("escalated-manager-repeat-2", Stage(StageKind.ESCALATED, 2, Role.MANAGER)),
])
def test_a_stage_reads_back_from_its_stored_form(text: str, stage: Stage) -> None:
    assert Stage.parse(text) == stage
    assert str(stage) == text


def test_a_team_channel_hears_of_an_escalation_once() -> None:
    assert Stage.escalated(Role.MANAGER, 3).first_telling == Stage.escalated(Role.MANAGER)
    assert Stage.overdue(2).first_telling == Stage.overdue(2)


def test_only_the_ladder_stages_are_up_the_ladder() -> None:
    assert [s.up_the_ladder for s in (Stage.lead(5), Stage.due(), Stage.overdue(2), Stage.escalated(Role.MANAGER),
                                      Stage.dispute(2))] == [False, False, False, True, True]


@pytest.mark.parametrize("text", ["lead", "overdue-x", "escalated-janitor", "dispute-stage-", "Due", "",
                                  "escalated-manager-repeat-0", "escalated-manager-repeat-"])
def test_an_unknown_stage_is_refused(text: str) -> None:
    with pytest.raises(FactsError, match=r"stage|role"):
        Stage.parse(text)


def test_a_stage_with_the_wrong_parts_cannot_be_built() -> None:
    with pytest.raises(FactsError):
        Stage(StageKind.LEAD)
    with pytest.raises(FactsError):
        Stage(StageKind.DUE, 3)
    with pytest.raises(FactsError):
        Stage(StageKind.OVERDUE, 1, role=Role.MANAGER)


def test_facts_survive_the_json_the_notification_row_keeps() -> None:
    facts = ItemFacts(case_ref="C3", title="Resolve the dispute or escalate it", due_date=date(2026, 11, 20),
                      stage=Stage.dispute(3), status=Status.OVERDUE, role=Role.MANAGER, owner=Role.ADVISER,
                      ref="D7", working_days_overdue=1, dispute_stage=2, escalate_to_stage=3,
                      done_when=("dispute_resolved_on",), next_working_day=None)
    stored = json.loads(json.dumps(facts.to_json()))
    assert stored["stage"] == "dispute-stage-3"
    assert stored["due_date"] == "2026-11-20"
    assert ItemFacts.from_json(stored) == facts


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("case_ref", None, "no 'case_ref'"), ("title", "", "no 'title'"), ("due_date", "1/12/2026", "due_date is not"),
    ("status", "late", "status 'late' is not one of met, pending, overdue"),
    ("role", "boss", "role 'boss' is not one of adviser"), ("stage", "soon", "not a reminder stage"),
    ("working_days_overdue", -1, "negative"), ("dispute_stage", 7, "dispute_stage is not a dispute stage"),
])
def test_malformed_facts_are_refused_by_case_and_field_without_personal_data(field: str, value: object,
                                                                             reason: str) -> None:
    with pytest.raises(FactsError, match=reason) as caught:
        sample(**{field: value})
    assert "Sam" not in str(caught.value)
    assert "Khan" not in str(caught.value)
    if field != "case_ref":
        assert "case C1" in str(caught.value)


def test_channels_and_kinds_are_the_stored_words() -> None:
    assert [c.value for c in Channel] == ["email", "teams_activity", "teams_channel"]
    assert MessageKind("digest") is MessageKind.DIGEST
    assert MessageKind.REMINDER == "reminder"
