"""The board's scheduled email keeps within ``delivery.max_message_bytes``, like every other email.

The quarter's report email is rendered when it is planned, so the outbox's budget step never saw it. Now
it is made in the fullest of five versions that fits (``checker/board/mail.py``): as before; its two files
zipped; without the charts in the body; without the report page; the body alone. The fixture is the
board's small history (``support/board_fixture.py``), whose 2026Q3 report is due on Thu 1 Oct 2026.
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from support.board_fixture import make_history
from support.history import history_settings

from checker.app import App
from checker.board.build import BuiltReport, build_report
from checker.board.period import Quarter
from checker.board.schedule import report_email
from checker.channels import build_channels
from checker.daemon import Daemon
from checker.metrics import Metrics
from checker.rendering.budget import email_size
from checker.settings import HealthSettings
from checker.state.schema import outbox
from notifiers.base import Message

HOS = "hos@example.org"
KEY = f"report:2026Q3:{HOS}"
THURSDAY_1_OCT = date(2026, 10, 1)  # the first working day after 2026Q3
PAGE, FIGURES, ZIP = "checker-report-2026Q3.html", "checker-report-2026Q3.csv", "checker-report-2026Q3.zip"


@pytest.fixture(scope="module")
def history_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("history")
    make_history(folder).engine.dispose()
    return folder


def app_with(history_folder: Path, tmp_path: Path, max_bytes: int) -> App:
    state = tmp_path / "state.sqlite"
    state.write_bytes((history_folder / "state.sqlite").read_bytes())
    settings = history_settings(tmp_path, health=HealthSettings(host="127.0.0.1", port=0))
    delivery = settings.delivery.model_copy(update={"max_message_bytes": max_bytes})
    return App.from_settings(settings.model_copy(update={"delivery": delivery}))


@pytest.fixture
def built(history_folder: Path, tmp_path: Path) -> Iterator[BuiltReport]:
    app = app_with(history_folder, tmp_path, 2_000_000)
    yield build_report(app.engine, app.profile, Quarter(2026, 3), generated=THURSDAY_1_OCT)
    app.engine.dispose()


def shape(message: Message) -> tuple[tuple[str, ...], int, tuple[str, ...]]:
    """(files attached, pictures in the body, the files inside the zip)."""
    files = tuple(sorted(a.filename for a in message.attachments if a.content_id is None))
    pictures = sum(1 for a in message.attachments if a.content_id is not None)
    inside: tuple[str, ...] = ()
    for a in message.attachments:
        if a.filename.endswith(".zip"):
            inside = tuple(sorted(zipfile.ZipFile(io.BytesIO(base64.b64decode(a.content_base64))).namelist()))
    return files, pictures, inside


def test_each_smaller_budget_gets_the_next_version_each_within_it(built: BuiltReport) -> None:
    full = report_email(built, KEY, HOS)  # the default budget, 2 MB: as before
    versions = [shape(full)]
    messages = [full]
    while versions[-1] != ((), 0, ()):
        # Less than the last version took, by more than its note can shrink ("under 0.1 MB", "under 0.09 MB")
        budget = email_size(messages[-1]) - 100
        smaller = report_email(built, KEY, HOS, budget)
        assert email_size(smaller) <= budget
        messages.append(smaller)
        versions.append(shape(smaller))
    assert versions == [
        ((FIGURES, PAGE), 3, ()),  # the report page and figures attached, three charts in the body
        ((ZIP,), 3, (FIGURES, PAGE)),  # the two files zipped
        ((ZIP,), 0, (FIGURES, PAGE)),  # no charts in the body
        ((ZIP,), 0, (FIGURES,)),  # no report page
        ((), 0, ()),  # the body alone
    ]
    for message in messages:  # what the board reads first is always there
        assert message.subject == "Protocol compliance report 2026Q3: 43% of deadlines met on time"
        assert "8 obligation deadlines of the service fell due in 2026Q3" in message.text
        assert message.html is not None
        assert ("cid:" in message.html) == (shape(message)[1] > 0)
    zipped = messages[1].attachments[0]
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(zipped.content_base64))) as archive:
        assert archive.read(PAGE) == built.html.encode("utf-8")  # the same page, compressed
    assert "attached in one compressed file (checker-report-2026Q3.zip)" in messages[1].text
    assert "The charts are not shown here, to keep this email under 0.1" in messages[2].text
    for message in messages[3:]:
        assert "checker report --period 2026Q3 --out FOLDER" in message.text
        assert "checker report --period 2026Q3 --out FOLDER" in (message.html or "")


def test_the_daemon_plans_the_report_within_delivery_max_message_bytes(history_folder: Path,
                                                                        tmp_path: Path) -> None:
    """The reproduction: before, the planned report ignored the setting (it was 2 MB whatever it said)."""
    # The fixture's report is small (its full email about 190 kB), so the budget is set below the setting's
    # floor of 200 kB, without the settings' validation, to see the daemon pass it on.
    app = app_with(history_folder, tmp_path, 120_000)
    built = build_report(app.engine, app.profile, Quarter(2026, 3), generated=THURSDAY_1_OCT)
    assert email_size(report_email(built, KEY, HOS)) > 120_000
    now = [datetime(2026, 10, 1, 8, 30, tzinfo=UTC)]
    with build_channels(app.settings) as channels:
        daemon = Daemon(app.settings, app, channels, Metrics(), clock=lambda: now[0])
        daemon.board()
        daemon.leadership.release()
    with app.engine.connect() as connection:
        (row,) = connection.execute(select(outbox.c.state, outbox.c.rendered).where(outbox.c.key == KEY)).all()
    assert row.state == "sent"
    sent = list((tmp_path / "outbox").glob("*.eml"))
    assert len(sent) == 1
    assert len(sent[0].read_bytes()) <= 120_000
    assert "to keep this email under 0.12 MB" in sent[0].read_text(encoding="utf-8")
    rendered = json.loads(row.rendered) if isinstance(row.rendered, str) else row.rendered
    assert rendered["subject"].startswith("Protocol compliance report 2026Q3")
    app.engine.dispose()
