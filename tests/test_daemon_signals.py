"""The daemon stops on SIGTERM or SIGINT however many arrive and however close together.

``timeout`` and a shell signal the whole process group (the daemon then gets the signal twice at once), an
operator presses Ctrl-C twice, an orchestrator repeats SIGTERM: the README's daemon once hung for good when
the second of two SIGTERMs interrupted the handler of the first inside ``threading.Event.set`` (the handler
took the lock the interrupted code already held). The real installed ``checker`` command, a real process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHECKER = Path(sys.executable).parent / "checker"


def started(log: Path, child: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while "daemon started" not in log.read_text(encoding="utf-8", errors="replace"):
        assert child.poll() is None, log.read_text(encoding="utf-8", errors="replace")
        assert time.monotonic() < deadline, "the demo daemon did not start"
        time.sleep(0.2)


def stopped(log: Path) -> bool:
    return "daemon stopped" in log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.slow
@pytest.mark.parametrize("signals", [(signal.SIGTERM, signal.SIGTERM), (signal.SIGINT, signal.SIGINT),
                                     (signal.SIGTERM, signal.SIGINT)], ids=["term-term", "int-int", "term-int"])
def test_a_storm_of_stop_signals_still_stops_the_daemon(tmp_path: Path, signals: tuple[int, int]) -> None:
    log = tmp_path / "daemon.log"
    with log.open("wb") as out:
        child = subprocess.Popen([str(CHECKER), "demo", "--dir", str(tmp_path / "demo"), "--cases", "20",
                                  "--daemon", "--port", "0"], cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        started(log, child)
        end = time.monotonic() + 1.0
        while time.monotonic() < end and child.poll() is None and not stopped(log):  # as fast as they go
            for number in signals:
                try:
                    os.kill(child.pid, number)
                except ProcessLookupError:
                    break
        code = child.wait(timeout=30)
        # 0, or the signal itself when one of the storm came after the daemon had stopped, while Python was
        # exiting (it gives the signals back to the system then): stopped either way, not hung
        assert code in {0, *(-number for number in signals)}, log.read_text(encoding="utf-8", errors="replace")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "stopping after the current step" in text
    assert "daemon stopped" in text
