"""deploy/systemd's units as systemd itself reads them: every key known, every command an
executable of this checkout (with /srv/expo, where deploy/README.md installs Expo, read as
the checkout)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def test_systemd_accepts_both_units_without_a_warning(tmp_path):
    assert [unit.name for unit in UNITS] == ["expo-web.service", "expo-worker.service"]
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/expo", str(ROOT)))
    checked = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / unit.name) for unit in UNITS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (checked.returncode, checked.stderr) == (0, "")


def test_a_unit_systemd_would_not_understand_is_reported(tmp_path):
    """The check above can fail: a misspelt key is reported."""
    unit = tmp_path / "expo-web.service"
    unit.write_text(
        UNITS[0].read_text().replace("/srv/expo", str(ROOT)).replace("KillMode=", "KilMode=")
    )
    checked = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert "KilMode" in checked.stderr
