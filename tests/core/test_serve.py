"""``make run`` serves like production: gunicorn and a job worker from one command, and
Ctrl-C stops every process it started."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

import pytest

from tests.processes import (
    ROOT,
    installation_environment,
    kill_group,
    processes_in_group,
    processes_left,
)


@pytest.fixture()
def environment(tmp_path_factory, tmp_path, app):
    return installation_environment(tmp_path_factory, tmp_path, app)


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
        # Whatever is stuck is killed after serve.sh's grace period (25 s); a loaded machine
        # may take a while to get there.
        server.wait(timeout=60)
        assert processes_left(server.pid, after_seconds=15) == []
    finally:
        kill_group(server.pid)
