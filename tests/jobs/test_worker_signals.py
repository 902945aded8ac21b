"""``flask worker`` with process workers leaves no process behind, whenever Ctrl-C or
SIGTERM comes: even in the moment after huey has started its worker processes and before
it has put up its own signal handlers."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from tests.processes import (
    ROOT,
    installation_environment,
    kill_group,
    processes_left,
)

# The worker command, with the signal delivered to itself at the worst moment: the worker
# and scheduler processes forked, huey's handlers not yet installed.
SIGNAL_TOO_EARLY = textwrap.dedent(
    """
    import os, signal, sys
    from huey.consumer import Consumer

    install_handlers = Consumer._set_signal_handlers

    def signal_too_early(consumer):
        print("started", len(consumer.worker_threads), flush=True)
        os.kill(os.getpid(), int(sys.argv[1]))
        install_handlers(consumer)

    Consumer._set_signal_handlers = signal_too_early
    from flask.cli import main
    sys.argv = ["flask", "--app", "expo", "worker", "--workers", "2"]
    main()
    """
)


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_during_start_up_stops_every_worker_process(
    tmp_path_factory, tmp_path, app, number
):
    environment = installation_environment(tmp_path_factory, tmp_path, app)
    worker = subprocess.Popen(
        [sys.executable, "-c", SIGNAL_TOO_EARLY, str(int(number))],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = worker.communicate(timeout=120)
        assert "started 2" in output  # the signal came after the worker processes started
        assert worker.returncode != 0
        assert processes_left(worker.pid, after_seconds=15) == []
    finally:
        kill_group(worker.pid)
