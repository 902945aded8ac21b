"""Which queue the configuration picks: a SQLite file, Redis, or inline for the tests."""

from __future__ import annotations

from huey import MemoryHuey, PriorityRedisHuey, SqliteHuey

from expo import create_app
from expo.jobs import queue, tasks


def make_app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            **config,
        }
    )


def test_embedded_default_is_a_sqlite_file(tmp_path):
    app = make_app(tmp_path, JOBS_DATABASE=str(tmp_path / "jobs.sqlite3"), JOBS_IMMEDIATE=False)
    huey = queue.queue_for(app).huey
    assert isinstance(huey, SqliteHuey) and not huey.immediate
    assert huey.storage.filename == str(tmp_path / "jobs.sqlite3")
    assert queue.queue_for(app).huey is huey  # made once per app
    assert tasks.RUN_DOCUMENT_JOB in queue.queue_for(app).tasks


def test_the_sqlite_queue_writes_its_log_without_waiting_for_the_disk(tmp_path):
    """WAL with synchronous=NORMAL (1): a task queued is in the file's log at once, and
    survives the process; what a power cut could lose, the sweeps queue again."""
    filename = tmp_path / "jobs.sqlite3"
    app = make_app(tmp_path, JOBS_DATABASE=str(filename), JOBS_IMMEDIATE=False)
    huey = queue.queue_for(app).huey
    connection = huey.storage.conn
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA synchronous").fetchone()[0] == 1
    with app.app_context():
        queue.enqueue(tasks.SEND_EMAIL, "message-1")
    assert SqliteHuey(queue.QUEUE_NAME, filename=str(filename), results=False).pending_count() == 1


def test_redis_when_a_url_is_set(tmp_path):
    app = make_app(tmp_path, REDIS_URL="redis://127.0.0.1:6399/3", JOBS_IMMEDIATE=False)
    huey = queue.queue_for(app).huey  # connects lazily: no Redis needed to build it
    assert isinstance(huey, PriorityRedisHuey) and not huey.immediate
    settings = huey.storage.conn.connection_pool.connection_kwargs
    assert settings["port"] == 6399 and settings["db"] == 3
    # A silent Redis fails a web request's enqueue within seconds.
    assert settings["socket_connect_timeout"] == settings["socket_timeout"] == 5


def test_immediate_for_the_tests(tmp_path):
    app = make_app(tmp_path, JOBS_IMMEDIATE=True, REDIS_URL="redis://127.0.0.1:6399/3")
    huey = queue.queue_for(app).huey
    assert isinstance(huey, MemoryHuey) and huey.immediate
