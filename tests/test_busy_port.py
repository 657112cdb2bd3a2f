"""A busy health port is one plain line on stderr and exit status 2, not a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def test_a_busy_port_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHECKER_")}
        env["CHECKER_SETTINGS_FILE"] = str(tmp_path / "none.toml")
        done = subprocess.run([sys.executable, "-m", "checker", "demo", "--daemon", "--dir", str(tmp_path / "demo"),
                               "--cases", "5", "--port", str(port)], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    problems = [line for line in done.stderr.splitlines() if line.startswith("checker:")]
    assert problems == [f"checker: cannot serve /healthz, /readyz and /metrics on 127.0.0.1:{port}: the port is in "
                        "use (another checker, or another program, listens there); stop the other program or set "
                        "health.port (CHECKER_HEALTH__PORT) to a free port"]
