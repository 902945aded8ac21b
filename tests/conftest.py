"""Fixtures shared by every test: ``app``, ``db``, ``client``, ``login_as``.

The suite runs on SQLite by default and on PostgreSQL when ``EXPO_TEST_DATABASE_URL``
is set. With ``EXPO_TEST_REQUIRE_POSTGRESQL=1`` (as in CI) an unreachable PostgreSQL,
or a test skipped for want of it, fails the run instead of passing quietly.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient
from sqlalchemy.pool import NullPool

from expo import create_app
from expo.caching import cache
from expo.extensions import db as _db
from expo.jobs import queue
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.mailserver import smtp_server  # noqa: F401  (a fixture for every area)

DATABASE_URL_VARIABLE = "EXPO_TEST_DATABASE_URL"
REQUIRE_POSTGRESQL = os.environ.get("EXPO_TEST_REQUIRE_POSTGRESQL") == "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fake-today",
        metavar="YYYY-MM-DD",
        default=os.environ.get("EXPO_TEST_TODAY") or None,
        help="run the whole suite as if today were this day in China (the clock starts at "
        "10:00 Beijing time and ticks on); also EXPO_TEST_TODAY",
    )


def pytest_configure(config: pytest.Config) -> None:
    """With ``--fake-today`` every clock of the application moves to that day.

    No test may depend on the real date: the suite must pass on any day, and running it on
    a few chosen days (``make test-calendar``) proves that. Tests that need a particular
    moment travel there themselves, on top of this.
    """
    value = config.getoption("--fake-today")
    if not value:
        return
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--fake-today wants a date as YYYY-MM-DD, not {value!r}") from None
    moment = datetime.combine(day, time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_report_header(config: pytest.Config) -> str | None:
    value = config.getoption("--fake-today")
    return f"today is faked: {value} (10:00 Beijing time, ticking)" if value else None


def test_database_url(tmp_path_factory) -> str:
    url = os.environ.get(DATABASE_URL_VARIABLE)
    if url:
        return worker_database_url(url)
    if REQUIRE_POSTGRESQL:
        pytest.exit(f"{DATABASE_URL_VARIABLE} is not set but PostgreSQL is required", 3)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'expo-test.sqlite3'}"


def unreachable(error: Exception) -> NoReturn:
    """Stop at a test database that does not answer: the whole run in one process; each
    test with that one line under pytest-xdist, whose workers cannot end the run."""
    message = f"test database unreachable: {error}"
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.fail(message, pytrace=False)
    pytest.exit(message, 3)


@functools.cache
def worker_database_url(url: str) -> str:
    """The test database of this process: with several pytest workers (``make test`` runs
    one per core) each has a PostgreSQL database of its own beside the one named, created
    here when missing and emptied by the ``app`` fixture; a SQLite file is each worker's
    own already."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url
    given = sa.make_url(url)
    name = f"{given.database or 'expo_test'}_{worker}"
    server = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with server.connect() as connection:
            exists = connection.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        unreachable(error)
    finally:
        server.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@contextmanager
def scratch_database_url(prefix: str, sqlite_folder: Path) -> Iterator[str]:
    """An empty database of the test database's kind: a SQLite file in ``sqlite_folder``,
    or on PostgreSQL a database created beside the test database and dropped afterwards."""
    server_url = os.environ.get(DATABASE_URL_VARIABLE, "")
    if not server_url.startswith("postgresql"):
        yield f"sqlite:///{sqlite_folder / f'{prefix}.sqlite3'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def make_test_config(tmp_path_factory, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": test_database_url(tmp_path_factory),
        "WTF_CSRF_ENABLED": False,
        "OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
        # The print faces are cut afresh for every run, so the cutting is tested too.
        "FONTS_DIR": str(tmp_path_factory.mktemp("fonts")),
        # Tasks (mail, document jobs) run inside the call that queues them.
        "JOBS_IMMEDIATE": True,
        # In the process's memory: each test starts with it empty (the db fixture).
        "CACHE_TYPE": "SimpleCache",
        "MAIL_SERVER": None,
        # Tests sign in and post far faster than people; tests/core/test_rate_limits.py and
        # the /verify tests switch the limits back on.
        "RATE_LIMITS_ENABLED": False,
        # The test client asks for "localhost"; BASE_URL stays the default address.
        "EXTRA_HOSTS": ("localhost",),
    }
    config.update(overrides)
    return config


def reset_schema(engine: sa.Engine) -> None:
    """Empty database with the models' schema (tests only; real databases migrate)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        else:
            _db.metadata.drop_all(connection)
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    _db.metadata.create_all(engine)


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context.

    Otherwise a request reuses the test's app context, and with it ``g`` (the cached
    locale, the signed-in user) and the test's database session: requests would see
    each other's leftovers as no real browser ever does.
    """

    def open(self, *args, **kwargs):
        # Read the whole body and close the response, as a server does once it is sent
        # (a file sent with send_file is closed then).
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(make_test_config(tmp_path_factory))
    app.test_client_class = FreshContextClient
    with app.app_context():
        try:
            reset_schema(_db.engine)
        except sa.exc.OperationalError as error:
            unreachable(error)
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture()
def db(app):
    """The database, emptied after each test so tests do not see each other's rows (and
    the cache with it: ids are used again)."""
    with app.app_context():
        cache.clear()
        yield _db
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture()
def client(app, db):
    return app.test_client()


@pytest.fixture()
def outbox(app):
    """The .eml files written by the file mail backend during the test."""
    from pathlib import Path

    directory = Path(app.config["OUTBOX_DIR"])
    for leftover in directory.glob("*.eml"):
        leftover.unlink()
    yield directory
    for written in directory.glob("*.eml"):  # none left for a test that reads the folder
        written.unlink()


@pytest.fixture()
def organizer(db):
    return make_user("organizer", name="李明")


@pytest.fixture()
def login_as(client):
    """Sign a user in through the real sign-in form; returns the user."""

    def login(user, password: str = DEFAULT_PASSWORD):
        _db.session.commit()  # the request runs in its own session and must see the user
        response = client.post("/account/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


def pytest_collection_modifyitems(config, items) -> None:
    on_postgresql = (os.environ.get(DATABASE_URL_VARIABLE) or "").startswith("postgresql")
    skip = pytest.mark.skip(reason=f"needs PostgreSQL: set {DATABASE_URL_VARIABLE}")
    for item in items:
        if "postgresql" in item.keywords and not on_postgresql:
            if REQUIRE_POSTGRESQL:
                raise pytest.UsageError(f"{item.nodeid} needs PostgreSQL but would be skipped")
            item.add_marker(skip)


@pytest.fixture()
def queued(app, tmp_path):
    """The embedded queue (huey on SQLite): tasks wait in it instead of running at once."""
    saved = {key: app.config.get(key) for key in ("JOBS_IMMEDIATE", "JOBS_DATABASE")}
    app.config.update(JOBS_IMMEDIATE=False, JOBS_DATABASE=str(tmp_path / "jobs.sqlite3"))
    app.extensions.pop(queue.EXTENSION, None)
    yield queue.queue_for(app).huey
    app.config.update(saved)
    app.extensions.pop(queue.EXTENSION, None)


@pytest.fixture(autouse=True)
def _signals_left_as_found():
    """A test that runs a command in this process (the worker) must put back the signal
    handling it changed: a SIGTERM blocked here is blocked in every process the later
    tests start, and they would never stop."""
    import signal

    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    handler = signal.getsignal(signal.SIGTERM)
    yield
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == mask, "stop signals left blocked"
    assert signal.getsignal(signal.SIGTERM) == handler, "SIGTERM's handler left changed"
