"""Where jobs wait: a huey queue built from the app's configuration.

- By default a SQLite file, ``instance/jobs.sqlite3`` (``JOBS_DATABASE`` /
  ``EXPO_JOBS_DATABASE``): no server to run, the web process and the worker on one machine.
- With ``REDIS_URL`` (``EXPO_REDIS_URL``) Redis, so workers may run on other machines, as
  many as needed.

Tasks have priorities: an email is taken before the parts of a bulk job queued earlier
(a password reset does not wait for 2,000 certificates). Results are not kept: the tasks
report through the database.
- With ``JOBS_IMMEDIATE`` (the tests) a task runs at once, inside the call that queues it.

The queue is made once per app and kept in ``app.extensions``; the task functions (and the
sweep each worker runs every minute) are registered on it then, under fixed names, so a
worker started from another process (or host) finds them. A task runs inside an app
context of the app that made the queue.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis
from flask import Flask, current_app
from huey import Huey, MemoryHuey, PriorityRedisHuey, SqliteHuey, crontab
from huey.api import Result, TaskWrapper
from huey.storage import SqliteStorage

EXTENSION = "expo.jobs.queue"
QUEUE_NAME = "expo"
REDIS_TIMEOUT = 5  # seconds

logger = logging.getLogger(__name__)


def immediate(app: Flask) -> bool:
    """``JOBS_IMMEDIATE`` (``EXPO_JOBS_IMMEDIATE=true``): run tasks inline, for tests."""
    return bool(app.config["JOBS_IMMEDIATE"])


def _make_huey(app: Flask) -> Huey:
    if immediate(app):
        return MemoryHuey(QUEUE_NAME, immediate=True)
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        # The sorted-set storage, for priorities; timeouts, so that a Redis that has gone
        # silent fails a web request's enqueue in seconds (the mail is then sent at once)
        # instead of holding it until the operating system gives up.
        pool = redis.ConnectionPool.from_url(
            redis_url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
        return PriorityRedisHuey(QUEUE_NAME, connection_pool=pool, results=False)
    filename = app.config.get("JOBS_DATABASE") or os.path.join(app.instance_path, "jobs.sqlite3")
    return SqliteHuey(QUEUE_NAME, filename=filename, results=False, storage_class=QueueStorage)


class QueueStorage(SqliteStorage):
    """huey's SQLite storage (write-ahead log) with ``synchronous=NORMAL``: queueing a
    task no longer waits for the disk (0.75 ms each, one writer at a time, measured). An
    entry a power cut loses is not work lost: every email is a row of the outbox, which the
    sweep queues again once overdue by a lease, and a job's part left waiting is resumed
    by the job sweep. An application crash loses nothing (the log is written, not synced)."""

    def _create_connection(self) -> sqlite3.Connection:
        connection = super()._create_connection()
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection


@dataclass(frozen=True)
class JobQueue:
    huey: Huey
    tasks: dict[str, TaskWrapper]


def queue_for(app: Flask) -> JobQueue:
    """The app's queue, with every task registered on it."""
    queue = app.extensions.get(EXTENSION)
    if queue is None:
        from expo.jobs import tasks

        huey = _make_huey(app)
        wrappers = {
            name: huey.task(name=name, **tasks.TASK_OPTIONS.get(name, {}))(
                _in_app_context(app, function)
            )
            for name, function in tasks.TASKS.items()
        }
        for name, function in tasks.PERIODIC_TASKS.items():
            huey.periodic_task(crontab(), name=name)(_in_app_context(app, function))
        queue = app.extensions[EXTENSION] = JobQueue(huey, wrappers)
    return queue


def job_queue() -> JobQueue:
    return queue_for(current_app._get_current_object())  # type: ignore[attr-defined]


def _in_app_context(app: Flask, function: Callable) -> Callable:
    """``function`` run inside an app context of its own (a worker thread has none)."""

    def run(*args, **kwargs):
        with app.app_context():
            return function(*args, **kwargs)

    run.__name__ = function.__name__
    run.__doc__ = function.__doc__
    return run


HEALTH_TIMEOUT = 0.5  # seconds: a health check answers fast, whatever the queue does


def is_reachable(app: Flask) -> bool:
    """Whether the queue's store answers, asked within ``HEALTH_TIMEOUT`` (a silent Redis
    must not hold a health check for the seconds an enqueue may wait)."""
    try:
        redis_url = app.config.get("REDIS_URL")
        if redis_url and not immediate(app):
            client = redis.Redis.from_url(
                redis_url, socket_connect_timeout=HEALTH_TIMEOUT, socket_timeout=HEALTH_TIMEOUT
            )
            try:
                client.ping()
            finally:
                client.close()
        else:
            queue_for(app).huey.pending_count()
    except Exception:  # whatever the store raises: it does not answer
        return False
    return True


def waiting_job_ids(names: Iterable[str]) -> set[int]:
    """The jobs (a task's first argument) with a task of ``names`` waiting in the queue:
    someone will run them, however long they wait behind other jobs' parts. Empty when
    the queue cannot be read; the sweep then goes by the leases alone."""
    wanted = set(names)
    try:
        pending = job_queue().huey.pending()
    except Exception:  # whatever the store raises: nothing is known to be waiting
        logger.warning("could not read the queue's waiting tasks", exc_info=True)
        return set()
    return {
        task.args[0]
        for task in pending
        if task.name in wanted and task.args and isinstance(task.args[0], int)
    }


def enqueue(name: str, *args) -> Result | None:
    """Queue the task registered as ``name``. Call it after the commit that made its row.

    Returns huey's handle on the result (in immediate mode the task has run already).
    """
    return job_queue().tasks[name](*args)
