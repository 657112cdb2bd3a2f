"""The registry of rule kinds: the one place a kind is added.

A kind is one module of this package keeping the contract of ``rules/kinds/base.py``: a ``Parameters``
model (``extra="forbid"``), ``columns(parameters)`` (the case columns it reads) and a pure ``assess`` (a
record, the obligation, the as-of date and the working calendar in; a ``Finding`` or a ``NotApplicable``
out; no I/O, no settings, no clock). Adding a kind is its module and one entry below; a profile then names
it by ``name`` (``checker/profiles.py`` looks it up here and nowhere else).
"""

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
