"""``config check``: for each configured source, the columns the profile reads that the source lacks.

Not a failure: a missing optional column reads as empty in every row (the obligations that need it then
never see a date). The line says which columns and which obligations read them, so an operator can add
them to the export or the query. A source that cannot be opened is reported by its own check.
"""

from __future__ import annotations

from collections.abc import Iterator

from checker.columns import describe_missing, missing_columns
from checker.preflight.results import Check, passed
from checker.profiles import ProfileError, load_profile
from checker.settings import Settings
from checker.sources import SourceError
from checker.sources.factory import dispose, named_source


def check_profile_columns(settings: Settings) -> Iterator[Check]:
    try:
        profile = load_profile(settings.profile, settings.config_dir)
    except ProfileError:
        return  # the profile check says why
    for name in sorted(settings.sources):
        try:
            source = named_source(settings, name)
        except SourceError:
            continue
        try:
            present = source.case_columns()
        except SourceError:
            continue
        finally:
            dispose(source)
        missing = missing_columns(profile, present)
        label = f"columns of source {name}"
        if missing:
            yield passed(label, describe_missing(profile, missing, f"source {name}") +
                         ". Add them to the export or query if the service records them")
        else:
            yield passed(label, f"every column profile {profile.name} reads is there")
