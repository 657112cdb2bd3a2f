"""A source kind and a staff directory kind that are not shipped, each in this one module, for
tests/test_source_registry.py: what a new kind needs is its module and one line in the registry."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from checker.settings import Settings
from checker.source_settings import BaseSourceSettings, BaseSupplementSettings
from checker.sources.base import UnknownColumn
from checker.sources.staff import Directory


class ToySettings(BaseSourceSettings):
    """``[sources.NAME]`` of kind ``toy``: ``people`` young people, C0, C1, ..., born on 1 March 2007."""

    kind: Literal["toy"]
    people: int


class ToySource:
    def __init__(self, people: int) -> None:
        self.people = people
        self.description = f"toy source of {people}"

    def case_columns(self) -> frozenset[str]:
        return frozenset({"case_ref", "date_of_birth", "adviser_email"})

    def dispute_columns(self) -> frozenset[str]:
        return frozenset()

    def unknown_columns(self) -> tuple[UnknownColumn, ...]:
        return ()

    def case_rows(self) -> Iterator[Mapping[str, Any]]:
        for n in range(self.people):
            yield {"case_ref": f"C{n}", "date_of_birth": "2007-03-01", "adviser_email": "pa@example.org"}

    def dispute_rows(self) -> Iterator[Mapping[str, Any]]:
        return iter(())

    def case_refs(self) -> Iterator[object]:
        return (f"C{n}" for n in range(self.people))


def open_toy(settings: Settings, entry: ToySettings) -> ToySource:
    return ToySource(entry.people)


class ToyDirectorySettings(BaseSupplementSettings):
    """``[supplements.NAME]`` of kind ``toy_directory``: everyone's team is ``team``."""

    kind: Literal["toy_directory"]
    team: str


class ToyDirectory:
    def __init__(self, name: str, team: str) -> None:
        self.name = name
        self.team = team
        self.description = f"staff directory {name} (toy)"

    def read(self) -> Directory:
        directory = Directory()
        directory.add("pa@example.org", team=self.team)
        directory.rows = 1
        return directory.finish()


def open_toy_directory(settings: Settings, name: str, entry: ToyDirectorySettings) -> ToyDirectory:
    return ToyDirectory(name, entry.team)
