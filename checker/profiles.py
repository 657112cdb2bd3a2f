"""Loading protocol profiles: TOML files of obligation instances, checked in full at start-up.

A profile (``config/profiles/NAME.toml``) switches on obligations from the catalogue
(``config/obligations.toml``) by id, may override their parameters, and may add obligations of its
own (docs/profiles.md). Anything unknown — a kind, a column, a parameter, a condition, an
obligation id — is refused here with a ``ProfileError`` that names the file, the entry and the fix,
so a typo never reaches the first case.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from checker.paths import bundled_config_dir
from rules.calendar import WorkingCalendar
from rules.conditions import Condition
from rules.escalation import EscalationThresholds
from rules.kinds import KINDS, CaseRuleKind, DisputeRuleKind, RuleKind
from rules.obligation import Obligation
from rules.records import Role

DEFAULT_PROFILE = "lancashire"


class ProfileError(Exception):
    """A profile or the catalogue cannot be used; the message says where and how to fix it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReminderPolicy(_Strict):
    """When advisers are reminded: working days before the due date, and how often while overdue."""

    lead_working_days: tuple[int, ...] = (20, 5)
    overdue_every_working_days: int = Field(default=5, ge=1)


class SuppressionLimits(_Strict):
    """How far ahead a snooze or a waiver may reach, in calendar days from the day it is recorded."""

    snooze_max_days: int = Field(default=28, ge=1)
    waiver_max_days: int = Field(default=365, ge=1)


class EscalationRepeats(_Strict):
    """Every how many working days an escalation is told again to each role while the item stays overdue.

    0 tells that role once. Defaults: the manager weekly (5), the senior manager fortnightly (10), the
    head of service monthly (20).
    """

    manager: int = Field(default=5, ge=0)
    senior_manager: int = Field(default=10, ge=0)
    head_of_service: int = Field(default=20, ge=0)

    def every(self, role: Role) -> int:
        return int(getattr(self, role.value, 0))


class CalendarSettings(_Strict):
    closures: tuple[date, ...] = ()


class DeliveryWindow(_Strict):
    """Messages are sent only on working days between ``start`` and ``end``, Europe/London time."""

    start: time = time(8, 0)
    end: time = time(18, 0)

    @model_validator(mode="after")
    def _ordered(self) -> DeliveryWindow:
        if self.end <= self.start:
            raise ValueError("the delivery window must end after it starts")
        return self


class _ProfileHeader(_Strict):
    name: str
    title: str
    protocol: str = ""
    obligations: tuple[str, ...] = Field(min_length=1)
    # The protocol's annual review, "MM-DD": its head of service is reminded a month before (docs/reports.md).
    annual_review: str | None = Field(default=None, pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class _ProfileFile(_Strict):
    profile: _ProfileHeader
    escalation: EscalationThresholds = EscalationThresholds()
    escalation_repeats: EscalationRepeats = EscalationRepeats()
    reminders: ReminderPolicy = ReminderPolicy()
    suppressions: SuppressionLimits = SuppressionLimits()
    calendar: CalendarSettings = CalendarSettings()
    delivery_window: DeliveryWindow = DeliveryWindow()
    overrides: dict[str, dict[str, Any]] = {}
    citations: dict[str, str] = {}
    obligation: tuple[dict[str, Any], ...] = ()


class _Entry(_Strict):
    """One obligation entry before its kind's parameters are checked."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: str
    title: str
    citation: str = Field(min_length=1)
    owner: Role
    applies_when: tuple[Condition, ...] = ()
    reminder_lead_working_days: tuple[int, ...] | None = None
    parameters: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Profile:
    """A loaded protocol profile: its obligations bound to their kinds, and its calendar."""

    name: str
    title: str
    path: Path
    case_obligations: tuple[tuple[Obligation[Any], CaseRuleKind], ...]
    dispute_obligations: tuple[tuple[Obligation[Any], DisputeRuleKind], ...]
    escalation: EscalationThresholds
    reminders: ReminderPolicy
    calendar: WorkingCalendar
    delivery_window: DeliveryWindow
    annual_review: tuple[int, int] | None = None  # (month, day) of the protocol's yearly review
    escalation_repeats: EscalationRepeats = field(default_factory=EscalationRepeats)
    suppressions: SuppressionLimits = field(default_factory=SuppressionLimits)

    case_checks: tuple[tuple[Obligation[Any], CaseRuleKind, str | None], ...] = field(
        init=False, repr=False, compare=False)
    """The case obligations, each with the column it needs set to apply at all (the engine's fast path)."""

    def __post_init__(self) -> None:
        checks = tuple((o, kind, kind.needs(o.parameters) if kind.needs else None) for o, kind in self.case_obligations)
        object.__setattr__(self, "case_checks", checks)

    @property
    def obligations(self) -> tuple[Obligation[Any], ...]:
        return tuple(o for o, _ in self.case_obligations) + tuple(o for o, _ in self.dispute_obligations)


def _explain(error: ValidationError, allowed: Mapping[str, str] | None = None) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "entry"
        if item["type"] == "extra_forbidden":
            text = f"unknown parameter {where!r}"
            if allowed is not None:
                text += f"; allowed here: {', '.join(allowed)}"
        elif item["type"] == "missing":
            text = f"missing {where!r}"
        else:
            text = f"{where}: {item['msg']}"
        lines.append(text)
    return "; ".join(lines)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ProfileError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc}); check quotes and brackets") from None


def _build(
    raw: Mapping[str, Any],
    where: str,
    escalation: EscalationThresholds,
    reminders: ReminderPolicy,
) -> tuple[Obligation[Any], RuleKind]:
    try:
        entry = _Entry.model_validate(raw)
    except ValidationError as exc:
        raise ProfileError(f"{where}: {_explain(exc)}. See docs/profiles.md for the entry format.") from None
    kind = KINDS.get(entry.kind)
    if kind is None:
        raise ProfileError(
            f"{where}: unknown kind {entry.kind!r}; use one of: {', '.join(KINDS)}"
        )
    try:
        params = kind.parameters.model_validate(entry.parameters)
    except ValidationError as exc:
        fields = dict.fromkeys(kind.parameters.model_fields, "")
        raise ProfileError(
            f"{where}: {_explain(exc, fields)} (kind {entry.kind}; docs/profiles.md lists its parameters)"
        ) from None
    columns = set(kind.columns(params))
    for condition in entry.applies_when:
        columns |= condition.columns()
    obligation = Obligation(
        id=entry.id,
        kind=entry.kind,
        title=entry.title,
        citation=entry.citation,
        owner=entry.owner,
        parameters=params,
        applies_when=entry.applies_when,
        reminder_lead_working_days=entry.reminder_lead_working_days or reminders.lead_working_days,
        escalation=escalation,
        evidence_columns=kind.evidence(params),
        columns=frozenset(columns),
    )
    return obligation, kind


def _catalogue(path: Path) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for index, raw in enumerate(_read_toml(path).get("obligation", ()), start=1):
        ident = raw.get("id")
        if not isinstance(ident, str):
            raise ProfileError(f"{path}, entry {index}: every obligation needs an id")
        if ident in entries:
            raise ProfileError(f"{path}, entry {index}: obligation {ident!r} is defined twice")
        entries[ident] = raw
    return entries


def profile_path(name: str, config_dir: Path | None = None) -> Path:
    """The file of profile ``name``: a path to a .toml file, or a name under ``profiles/``."""
    if name.endswith(".toml"):
        return Path(name)
    for root in (config_dir, bundled_config_dir()):
        if root is not None and (candidate := root / "profiles" / f"{name}.toml").is_file():
            return candidate
    known = sorted(p.stem for p in (bundled_config_dir() / "profiles").glob("*.toml"))
    raise ProfileError(f"no profile named {name!r}; the shipped profiles are: {', '.join(known)}")


def _check_keys(path: Path, header: _ProfileFile) -> None:
    """Overrides and citations name obligations the profile switches on, and a citation is set once."""
    switched_on = header.profile.obligations
    for table, idents in (("overrides", header.overrides), ("citations", header.citations)):
        for ident in idents:
            if ident not in switched_on:
                where = f"[overrides.{ident}]" if table == "overrides" else f"[citations] {ident!r}"
                raise ProfileError(
                    f"{path}, {where}: {ident!r} is not switched on in [profile] obligations; "
                    "add it there or remove this entry"
                )
    for ident, citation in header.citations.items():
        if not citation.strip():
            raise ProfileError(f"{path}, [citations] {ident!r}: the citation is empty; write e.g. \"000 §7\"")
        if "citation" in header.overrides.get(ident, {}):
            raise ProfileError(
                f"{path}, [citations] {ident!r}: also set in [overrides.{ident}]; keep one of the two"
            )


def load_profile(name: str = DEFAULT_PROFILE, config_dir: Path | None = None) -> Profile:
    """Load and check a profile and the catalogue it draws from; raise ``ProfileError`` if unusable."""
    path = profile_path(name, config_dir)
    try:
        header = _ProfileFile.model_validate(_read_toml(path))
    except ValidationError as exc:
        raise ProfileError(f"{path}: {_explain(exc)}. See docs/profiles.md for the format.") from None
    catalogue_path = path.parent.parent / "obligations.toml"
    if not catalogue_path.is_file():
        catalogue_path = bundled_config_dir() / "obligations.toml"
    catalogue = _catalogue(catalogue_path)
    for index, raw in enumerate(header.obligation, start=1):
        ident = raw.get("id")
        if not isinstance(ident, str):
            raise ProfileError(f"{path}, [[obligation]] entry {index}: every obligation needs an id")
        catalogue[ident] = raw | {"_source": f"{path}, [[obligation]] entry {index}"}
    _check_keys(path, header)
    case_obligations: list[tuple[Obligation[Any], CaseRuleKind]] = []
    dispute_obligations: list[tuple[Obligation[Any], DisputeRuleKind]] = []
    seen: set[str] = set()
    for ident in header.profile.obligations:
        if ident in seen:
            raise ProfileError(f"{path}: obligation {ident!r} is listed twice in [profile] obligations")
        seen.add(ident)
        if ident not in catalogue:
            raise ProfileError(
                f"{path}: unknown obligation {ident!r} in [profile] obligations; "
                f"define it in an [[obligation]] entry or use one of: {', '.join(sorted(catalogue))}"
            )
        raw = catalogue[ident]
        where = raw.get("_source", f"{catalogue_path}, obligation {ident!r}")
        raw = {k: v for k, v in raw.items() if k != "_source"}
        override: dict[str, Any] = header.overrides.get(ident) or {}
        if override:
            where = f"{path}, [overrides.{ident}]"
            params = raw.get("parameters", {}) | override.get("parameters", {})
            raw = raw | override | {"parameters": params}
        if ident in header.citations:
            raw = raw | {"citation": header.citations[ident]}
        obligation, kind = _build(raw, where, header.escalation, header.reminders)
        if isinstance(kind, DisputeRuleKind):
            dispute_obligations.append((obligation, kind))
        else:
            case_obligations.append((obligation, kind))
    return Profile(
        name=header.profile.name,
        title=header.profile.title,
        path=path,
        case_obligations=tuple(case_obligations),
        dispute_obligations=tuple(dispute_obligations),
        escalation=header.escalation,
        reminders=header.reminders,
        calendar=WorkingCalendar(closures=header.calendar.closures),
        delivery_window=header.delivery_window,
        annual_review=(int(header.profile.annual_review[:2]), int(header.profile.annual_review[3:]))
        if header.profile.annual_review else None,
        escalation_repeats=header.escalation_repeats,
        suppressions=header.suppressions,
    )

