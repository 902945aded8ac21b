"""The jobs area's command: ``flask --app expo worker`` runs the queued jobs and emails."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time

import click
import sqlalchemy as sa
from flask import current_app
from huey.consumer import Consumer

from expo.documents import render
from expo.extensions import db
from expo.jobs import queue, tasks
from expo.startup import refuse_to_start_if_unready

logger = logging.getLogger(__name__)

# Each worker process holds its own fonts and rendering state (~150 MB, ~500 MB while it
# bundles 1,000 certificates): a large host gets a few, not one per core.
MAX_DEFAULT_WORKERS = 4
# What the worker processes get to leave their loop once told to stop, before they are
# killed: huey has already given the task in hand its shutdown timeout.
CHILD_EXIT_SECONDS = 5.0


def default_workers() -> int:
    """The CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_DEFAULT_WORKERS))


@click.command("worker")
@click.option(
    "--workers",
    default=lambda: default_workers(),
    show_default=f"one per CPU this process may use, at most {MAX_DEFAULT_WORKERS}",
    type=click.IntRange(min=1),
    help="Worker processes (or threads); each takes a part of a job at a time.",
)
@click.option(
    "--worker-type",
    type=click.Choice(["process", "thread"]),
    default="process",
    show_default=True,
    help="Processes print in parallel; threads of one process print one at a time.",
)
@click.option(
    "--shutdown-timeout",
    default=10.0,
    show_default=True,
    help="Seconds Ctrl-C (SIGINT) waits for the task in hand; SIGTERM stops at once.",
)
def worker_command(workers: int, worker_type: str, shutdown_timeout: float) -> None:
    """Run queued jobs until Ctrl-C or SIGTERM.

    A job whose workers stopped halfway (killed, machine gone) is resumed when a worker
    starts and finds its lease expired (``JOBS_LEASE_SECONDS``): a new job of the same kind
    reuses every certificate already issued or reserved.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    refuse_to_start_if_unready(app)
    if queue.immediate(app):
        raise click.ClickException("JOBS_IMMEDIATE is set: tasks run inline, no worker needed.")
    huey = queue.queue_for(app).huey
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    where = app.config.get("REDIS_URL") and "Redis" or getattr(huey.storage, "filename", "")
    click.echo(f"Expo worker: {workers} {worker_type}(s), queue {huey.name} in {where}")

    @huey.on_startup()
    def fresh_connections() -> None:
        # A forked worker process must not share the parent's database connections.
        with app.app_context():
            db.engine.dispose(close=False)

    @huey.on_startup()
    def ready_to_print() -> None:
        # Fonts and stylesheets loaded now, not by the first document job's first part.
        started = time.perf_counter()
        with app.app_context():
            render.warm_up()
        logger.info(
            "Worker process %d ready to print (%.1f s)", os.getpid(), time.perf_counter() - started
        )

    # Jobs whose workers were killed are not left waiting for an organizer: resumed, and
    # what the queue lost is queued again (the sweep runs every minute after this, too).
    with app.app_context():
        try:
            click.echo(f"Swept: {tasks.sweep()}")
        except sa.exc.OperationalError as error:
            # The database not answering yet (started before it): the worker starts all
            # the same, and its scheduler sweeps again within the minute.
            db.session.rollback()
            click.echo(f"Not swept yet ({error.orig}): it runs again within the minute", err=True)

    consumer = huey.create_consumer(
        workers=workers,
        worker_type=worker_type,
        periodic=True,  # the sweep (tasks.PERIODIC_TASKS), every minute
        shutdown_timeout=shutdown_timeout,
        # An idle worker looks for work at least every 2 s (huey's default backs off to
        # 10 s): a job or an email starts soon after the click.
        max_delay=2.0,
    )
    # huey installs its signal handlers only after it has started the worker processes. A
    # Ctrl-C or SIGTERM in between would end this process alone and leave the workers
    # polling for ever, with nobody to stop them: both end the start-up instead, and the
    # workers are stopped below.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        consumer.run()
    finally:
        _stop_worker_processes(consumer)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    _hold_stop_signals()
    raise SystemExit(128 + signum)


def _hold_stop_signals() -> None:
    """A second Ctrl-C or SIGTERM waits until this process ends: it cannot cut the
    stopping of the worker processes short."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _stop_worker_processes(consumer: Consumer) -> None:
    """No worker process outlives this one, however it came to end."""
    _hold_stop_signals()
    consumer.stop_flag.set()
    deadline = time.monotonic() + CHILD_EXIT_SECONDS
    for child in multiprocessing.active_children():
        child.join(max(deadline - time.monotonic(), 0))
        if child.is_alive():
            child.kill()
            child.join()
