"""A certificate job of 10,000 finishes within the worker's memory bound (350 MB).

The job runs whole in a process of its own (``tests.jobs.scale_run``), so its peak
resident memory is its own: every serial reserved, every file stored and recorded, the
ZIP and the print file bundled. The layout is replaced by a one-page PDF; its memory does
not grow with the job, and the rendering path's peak at 10,000 certificates is measured
by ``make bench`` (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COUNT = 10_000
PEAK_MB = 350
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def once(request):
    """Run once, on the suite's first pass: the job's own database is a SQLite file and
    its dates follow the clock, so the faked days and PostgreSQL would repeat it as is."""
    if request.config.getoption("--fake-today"):
        pytest.skip("the same on every day: its event began a month before the run")
    if (os.environ.get("EXPO_TEST_DATABASE_URL") or "").startswith("postgresql"):
        pytest.skip("runs on its own SQLite database whatever the suite's")


def test_ten_thousand_certificates_stay_within_the_memory_bound(once, tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("EXPO_")}
    completed = subprocess.run(
        [sys.executable, "-m", "tests.jobs.scale_run", str(tmp_path), str(COUNT)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "done"
    assert (outcome["done"], outcome["failed"]) == (COUNT, 0)
    assert outcome["zip_entries"] == COUNT
    # The print file in volumes of 500 pages: twenty of them, every certificate in one.
    assert (outcome["volumes"], outcome["volume_pages"]) == (COUNT // 500, COUNT)
    assert outcome["peak_mb"] <= PEAK_MB
