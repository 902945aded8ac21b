"""``make run`` serves like production: gunicorn and a job worker from one command, and
Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import stamp

from expo import create_app
from expo.extensions import db
from tests.conftest import make_test_config
from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parents[2]


def processes_in_group(group: int) -> list[str]:
    listing = subprocess.run(
        ["ps", "-o", "pgid=,args=", "-e"], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for line in listing.splitlines():
        pgid, _, args = line.strip().partition(" ")
        if pgid == str(group):
            found.append(args)
    return found


@pytest.fixture()
def environment(tmp_path_factory, tmp_path, app):
    """A migrated SQLite database and the folders of an installation of its own."""
    config = make_test_config(
        tmp_path_factory, DATABASE_URL=f"sqlite:///{tmp_path / 'served.sqlite3'}"
    )
    site = create_app(config)
    with site.app_context():
        db.create_all()
        stamp(revision="head")
        db.engine.dispose()
    return {
        **os.environ,
        "PORT": str(free_port()),
        "EXPO_DATABASE_URL": config["DATABASE_URL"],
        "EXPO_JOBS_DATABASE": str(tmp_path / "jobs.sqlite3"),
        "EXPO_DOCUMENTS_DIR": str(tmp_path / "documents"),
        "EXPO_FONTS_DIR": app.config["FONTS_DIR"],
        "EXPO_OUTBOX_DIR": str(tmp_path / "outbox"),
        "EXPO_CACHE_DIR": str(tmp_path / "cache"),
        "EXPO_SECRET_KEY": "s" * 48,
        "EXPO_WEB_WORKERS": "2",
    }


def test_gunicorn_and_a_worker_serve_until_ctrl_c_stops_them_all(environment):
    port = environment["PORT"]
    server = subprocess.Popen(
        ["scripts/serve.sh"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/events", timeout=5) as reply:
                    status = reply.status
            except OSError:
                time.sleep(0.2)
        assert status == 200
        started = processes_in_group(server.pid)
        assert sum("gunicorn" in args for args in started) == 3  # the master and two workers
        assert any("expo worker" in args for args in started)
        os.killpg(server.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground group
        server.wait(timeout=30)
        deadline = time.monotonic() + 15
        while processes_in_group(server.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert processes_in_group(server.pid) == []
    finally:
        if processes_in_group(server.pid):
            os.killpg(server.pid, signal.SIGKILL)
