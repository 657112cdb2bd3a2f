"""The registry of rule kinds: the one place a kind is added (see ``rules/kinds/base.py``)."""

from __future__ import annotations

from rules.kinds import after_anchor, age_milestone, approval_gate, before_event, ladder, recurring
from rules.kinds.base import Assessment, CaseRuleKind, DisputeRuleKind, RuleKind

KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (
        after_anchor.KIND,
        before_event.KIND,
        recurring.KIND,
        age_milestone.KIND,
        approval_gate.KIND,
        ladder.KIND,
    )
}

__all__ = ["KINDS", "Assessment", "CaseRuleKind", "DisputeRuleKind", "RuleKind"]
