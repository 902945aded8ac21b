"""deploy/systemd's units as systemd itself reads them: every key known, every command an
executable of this checkout (with /srv/expo, where deploy/README.md installs Expo, read as
the checkout, and its .venv as the environment running the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
# The units only: not the warnings of the host's own units they depend on (systemd 250+).
VERIFY = ["systemd-analyze", "verify", "--recursive-errors=no"]
QUIET = {**os.environ, "SYSTEMD_LOG_LEVEL": "warning"}


def here(text: str) -> str:
    """A unit's text with its paths read as this checkout's."""
    return text.replace("/srv/expo/.venv/bin", str(Path(sys.executable).parent)).replace(
        "/srv/expo", str(ROOT)
    )


def test_systemd_accepts_both_units_without_a_warning(tmp_path):
    assert [unit.name for unit in UNITS] == ["expo-web.service", "expo-worker.service"]
    for unit in UNITS:
        (tmp_path / unit.name).write_text(here(unit.read_text()))
    checked = subprocess.run(
        [*VERIFY, *(str(tmp_path / unit.name) for unit in UNITS)],
        capture_output=True,
        text=True,
        check=False,
        env=QUIET,
    )
    assert (checked.returncode, checked.stderr) == (0, "")


def test_a_unit_systemd_would_not_understand_is_reported(tmp_path):
    """The check above can fail: a misspelt key is reported."""
    unit = tmp_path / "expo-web.service"
    unit.write_text(here(UNITS[0].read_text()).replace("KillMode=", "KilMode="))
    checked = subprocess.run(
        [*VERIFY, str(unit)], capture_output=True, text=True, check=False, env=QUIET
    )
    assert "KilMode" in checked.stderr
