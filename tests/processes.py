"""An installation of its own for the commands a test starts as processes (``make run``,
``flask worker``), and the processes left behind when they stop."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from flask import Flask
from flask_migrate import stamp

from expo import create_app
from expo.extensions import db
from tests.conftest import make_test_config
from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parents[1]


def processes_in_group(group: int) -> list[str]:
    """The command lines of every process in the process group ``group``."""
    listing = subprocess.run(
        ["ps", "-o", "pgid=,args=", "-e"], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for line in listing.splitlines():
        pgid, _, args = line.strip().partition(" ")
        if pgid == str(group):
            found.append(args)
    return found


def processes_left(group: int, after_seconds: float) -> list[str]:
    """The processes of ``group`` still running ``after_seconds`` (or sooner, once none)."""
    deadline = time.monotonic() + after_seconds
    while processes_in_group(group) and time.monotonic() < deadline:
        time.sleep(0.2)
    return processes_in_group(group)


def kill_group(group: int) -> None:
    """Whatever a failed test left running in ``group`` is killed."""
    if processes_in_group(group):
        os.killpg(group, signal.SIGKILL)


def installation_environment(tmp_path_factory, tmp_path: Path, app: Flask) -> dict[str, str]:
    """The environment of an installation with a migrated SQLite database and folders of
    its own, on a free port."""
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
