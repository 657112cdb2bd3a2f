"""The registry of source kinds (checker/sources/registry.py): a kind that is not shipped, whose settings class,
reader and opener are all in one module (tests/support/toy_kind.py), needs only its line in the registry to be
configured, checked and read, as a base or as a staff directory; an unregistered kind is a settings error
naming the registered ones."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from checker.settings import Settings
from checker.sources.composed import ComposedSource
from checker.sources.factory import named_source
from checker.sources.records import ValidatedSource
from checker.sources.registry import BASE_KINDS, SUPPLEMENT_KINDS, Kind


def settings(folder: Path, env: pytest.MonkeyPatch, text: str) -> Settings:
    (folder / "checker.toml").write_text(text, encoding="utf-8")
    env.setenv("CHECKER_SETTINGS_FILE", str(folder / "checker.toml"))
    return Settings()


@pytest.fixture
def toy_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(BASE_KINDS, "toy", Kind("support.toy_kind:ToySettings", "support.toy_kind:open_toy"))
    monkeypatch.setitem(SUPPLEMENT_KINDS, "toy_directory", Kind("support.toy_kind:ToyDirectorySettings",
                                                                "support.toy_kind:open_toy_directory", "staff"))


@pytest.mark.usefixtures("toy_kinds")
def test_a_kind_is_its_module_and_one_registry_line(tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    configured = settings(tmp_path, cli_env, '[sources.main]\nkind = "toy"\npeople = 3\nsupplements = ["people"]\n'
                                             '[supplements.people]\nkind = "toy_directory"\nteam = "North"\n')
    source = named_source(configured, "main")
    assert isinstance(source, ComposedSource)
    assert (source.base.description, source.description) == (
        "toy source of 3", "toy source of 3 + staff directory people (toy)")
    records = ValidatedSource(source, date(2026, 11, 23))
    cases = [case for case, _, _ in records.cases()]
    assert [(c.case_ref, c.team) for c in cases] == [("C0", "North"), ("C1", "North"), ("C2", "North")]
    assert records.case_errors == []


@pytest.mark.usefixtures("toy_kinds")
def test_a_kinds_settings_are_checked_by_its_own_class(tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as refused:
        settings(tmp_path, cli_env, '[sources.main]\nkind = "toy"\npeople = "many"\ncolour = "red"\n')
    assert sorted((".".join(map(str, e["loc"])), e["type"]) for e in refused.value.errors()) == [
        ("sources.main.colour", "extra_forbidden"), ("sources.main.people", "int_parsing")]


def test_an_unregistered_kind_names_the_registered_ones(tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as refused:
        settings(tmp_path, cli_env, '[sources.main]\nkind = "toy"\npeople = 3\n'
                                    '[supplements.people]\nkind = "ldap"\n')
    assert sorted((".".join(map(str, e["loc"])), e["msg"]) for e in refused.value.errors()) == [
        ("sources.main", "Value error, kind must be one of csv, sql, ssd, ssda903, annex_a, not 'toy'"),
        ("supplements.people", "Value error, kind must be one of events, staff, entra, not 'ldap'"),
    ]


def test_a_kind_that_is_no_text_is_refused_plainly(tmp_path: Path, cli_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as refused:
        settings(tmp_path, cli_env, '[sources.main]\nkind = ["csv"]\ncases = "cases.csv"\n')
    assert [e["msg"] for e in refused.value.errors()] == [
        "Value error, kind must be one of csv, sql, ssd, ssda903, annex_a, written as text"]
