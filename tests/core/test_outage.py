"""The database goes away mid-run and comes back: every page answers a clean 503 with
``Retry-After``, the log has one line when it goes and one when it is back, a form sent
meanwhile is offered again, and the first request after it returns is served."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time

import pytest
import sqlalchemy as sa

from expo import config as config_module
from expo import create_app, outage
from expo import db as db_module
from expo.extensions import db
from tests.conftest import make_test_config, scratch_database_url
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture()
def site(tmp_path_factory, tmp_path, monkeypatch):
    """An app of its own on a SQLite file in a folder that can be taken away."""
    folder = tmp_path / "data"
    folder.mkdir()
    app = create_app(
        make_test_config(tmp_path_factory, DATABASE_URL=f"sqlite:///{folder / 'expo.sqlite3'}")
    )
    monkeypatch.setattr(outage, "PROBE_INTERVAL_SECONDS", 0.0)
    with app.app_context():
        db.create_all()
        make_user("organizer", email="desk@commerce.example")
        db.session.commit()

    def go_away():
        folder.rename(tmp_path / "gone")
        with app.app_context():
            db.engine.dispose()  # the pooled connections go with it

    def come_back():
        (tmp_path / "gone").rename(folder)

    yield app, go_away, come_back
    with app.app_context():
        db.engine.dispose()


def test_an_outage_is_a_clean_503_logged_once(site, caplog):
    app, go_away, come_back = site
    client = app.test_client()
    assert client.get("/events").status_code == 200
    go_away()
    caplog.set_level(logging.INFO, logger="expo.outage")
    caplog.clear()

    page = client.get("/events")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "60"
    text = page.get_data(as_text=True)
    assert "系统暂时无法访问" in text and "Temporarily unavailable" in text
    assert "Traceback" not in text
    for _ in range(20):
        assert client.get("/").status_code == 503
    scripted = client.get("/manage/jobs/1.json")
    assert scripted.status_code == 503 and scripted.json["error"] == "database unavailable"
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["database"] == "unreachable"

    # A form sent meanwhile: nothing saved, the entries offered again, never the password.
    sent = client.post(
        "/account/login", data={"email": "desk@commerce.example", "password": "secret-words"}
    )
    assert sent.status_code == 503
    form = sent.get_data(as_text=True)
    assert "尚未保存" in form and "Nothing you sent was saved" in form
    assert 'name="email" value="desk@commerce.example"' in form
    assert "secret-words" not in form

    outage_lines = [r for r in caplog.records if r.name == "expo.outage"]
    assert [r.levelno for r in outage_lines] == [logging.ERROR]
    assert not any(r.exc_info for r in caplog.records)  # no traceback per request

    come_back()
    assert client.get("/events").status_code == 200
    assert client.get("/healthz").json == {"status": "ok", "database": "ok", "queue": "ok"}
    back = [r.getMessage() for r in caplog.records if r.name == "expo.outage"][1:]
    assert len(back) == 1 and "database back after" in back[0]
    assert "requests were refused" in back[0]
    # /events, 20 home pages, the JSON and the form (the health check answers itself).
    assert "; 23 requests were refused" in back[0]


def test_an_error_of_a_database_that_answers_is_a_500_with_its_traceback(site, caplog):
    app, _go_away, _come_back = site

    def broken():
        db.session.execute(sa.text("SELECT * FROM no_such_table"))
        return "unreachable"

    app.add_url_rule("/broken-query", "broken_query", broken)
    caplog.set_level(logging.ERROR)
    response = app.test_client().get("/broken-query")
    assert response.status_code == 500
    assert any(record.exc_info for record in caplog.records)
    assert not app.extensions["expo.outage"].active


class Proxy:
    """A TCP relay in front of the PostgreSQL server that can be cut and restored, as a
    server stopped (every connection dropped, new ones refused) and started again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self.connections = []

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def _signs_in_and_is_offered_the_form_again(client) -> None:
    """A sign-in sent while the database is away: 503, and the form again, password not."""
    sent = client.post(
        "/account/login",
        data={"email": "desk@commerce.example", "password": "secret-words"},
    )
    assert sent.status_code == 503
    form = sent.get_data(as_text=True)
    assert "Nothing you sent was saved" in form and "secret-words" not in form
    assert 'name="email" value="desk@commerce.example"' in form


@pytest.mark.postgresql
def test_a_postgresql_server_gone_and_back_mid_run(tmp_path_factory, tmp_path, monkeypatch, caplog):
    url = os.environ.get("EXPO_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set EXPO_TEST_DATABASE_URL")
    with scratch_database_url("outage", tmp_path) as scratch:
        real = sa.make_url(scratch)
        proxy = Proxy(real.host or "127.0.0.1", real.port or 5432)
        through = real.set(host="127.0.0.1", port=proxy.port)
        app = create_app(
            make_test_config(
                tmp_path_factory, DATABASE_URL=through.render_as_string(hide_password=False)
            )
        )
        monkeypatch.setattr(outage, "PROBE_INTERVAL_SECONDS", 0.0)
        try:
            with app.app_context():
                db.create_all()
            client = app.test_client()
            assert client.get("/events").status_code == 200  # a pooled connection now

            proxy.cut()
            caplog.set_level(logging.INFO, logger="expo.outage")
            caplog.clear()
            for _ in range(10):
                response = client.get("/events")
                assert response.status_code == 503 and response.headers["Retry-After"] == "60"
            text = response.get_data(as_text=True)
            assert "系统暂时无法访问" in text and "Temporarily unavailable" in text
            scripted = client.get("/manage/jobs/1.json")
            assert scripted.status_code == 503
            assert scripted.json["error"] == "database unavailable"
            _signs_in_and_is_offered_the_form_again(client)
            assert client.get("/healthz").status_code == 503
            lines = [r for r in caplog.records if r.name == "expo.outage"]
            assert [r.levelno for r in lines] == [logging.ERROR]
            assert not any(record.exc_info for record in caplog.records)

            proxy.restore()
            assert client.get("/events").status_code == 200
            back = [r.getMessage() for r in caplog.records if r.name == "expo.outage"][1:]
            # Ten pages, the JSON and the form (the health check answers itself).
            assert len(back) == 1 and "; 12 requests were refused" in back[0]
        finally:
            with app.app_context():
                db.engine.dispose()
            proxy.close()


def test_a_database_server_that_does_not_answer_is_an_outage_too(
    tmp_path_factory, monkeypatch, caplog
):
    """A server that takes the connection and never answers (a frozen host) gives the 503
    within the connection timeout, not a page that waits for minutes."""
    silent = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
    port = silent.getsockname()[1]
    monkeypatch.setattr(outage, "PROBE_INTERVAL_SECONDS", 0.0)
    monkeypatch.setitem(config_module.POSTGRESQL_CONNECT_ARGS, "connect_timeout", 2)
    app = create_app(
        make_test_config(
            tmp_path_factory, DATABASE_URL=f"postgresql+psycopg://expo@127.0.0.1:{port}/expo"
        )
    )
    try:
        started = time.monotonic()
        with caplog.at_level(logging.INFO, logger="expo"):
            response = app.test_client().get("/events", headers={"Accept-Language": "en"})
        waited = time.monotonic() - started
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "60"
        assert accepted, "the app never reached the silent server"
        assert waited < 30  # libpq's connect_timeout of 2 s per address tried, not minutes
    finally:
        with app.app_context():
            db.engine.dispose()
        silent.close()
        for connection in accepted:
            connection.close()


def test_postgresql_connections_have_limits_a_sqlite_file_does_not_need(tmp_path_factory):
    options = create_app(
        make_test_config(tmp_path_factory, DATABASE_URL="postgresql+psycopg://expo@db/expo")
    ).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"]["connect_timeout"] == 5
    assert options["connect_args"]["tcp_user_timeout"] == 15000
    # What the address sets itself is kept.
    given = create_app(
        make_test_config(
            tmp_path_factory, DATABASE_URL="postgresql+psycopg://expo@db/expo?connect_timeout=30"
        )
    ).config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert "connect_timeout" not in given and given["keepalives"] == 1
    file = tmp_path_factory.mktemp("sqlite") / "expo.sqlite3"
    on_file = create_app(make_test_config(tmp_path_factory, DATABASE_URL=f"sqlite:///{file}"))
    assert "connect_args" not in on_file.config["SQLALCHEMY_ENGINE_OPTIONS"]


def _pings_counted(app, monkeypatch) -> list[object]:
    with app.app_context():
        dialect = db.engine.dialect
    pings: list[object] = []
    ping = dialect.do_ping
    monkeypatch.setattr(
        dialect, "do_ping", lambda connection: pings.append(connection) or ping(connection)
    )
    return pings


def test_a_connection_just_used_is_not_pinged_one_left_idle_is(site, monkeypatch):
    app, _go_away, _come_back = site
    pings = _pings_counted(app, monkeypatch)
    client = app.test_client()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
    for _ in range(3):
        assert client.get("/events").status_code == 200
    assert pings == []  # one request after another: each connection had just answered
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert client.get("/events").status_code == 200
    assert len(pings) == 1


@pytest.mark.postgresql
def test_an_idle_connection_the_server_dropped_is_replaced_unseen(tmp_path_factory, monkeypatch):
    url = os.environ.get("EXPO_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set EXPO_TEST_DATABASE_URL")
    app = create_app(make_test_config(tmp_path_factory, DATABASE_URL=url))
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    try:
        with app.app_context():
            first = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            db.session.rollback()
            db.session.close()  # back in the pool
        administrator = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with administrator.begin() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        administrator.dispose()
        with app.app_context():
            # The pooled connection is dead: the ping finds it so, the pool connects
            # again, and the request never sees it.
            again = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            assert again != first
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.postgresql
def test_a_connection_lost_mid_request_is_a_503_with_the_form_kept(
    tmp_path_factory, tmp_path, monkeypatch, caplog
):
    """A connection used a moment ago is not pinged: if the server ended it meanwhile,
    the request meets the loss itself. It is answered as an outage is, not as a fault of
    the query, and the next request is served on a new connection."""
    url = os.environ.get("EXPO_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set EXPO_TEST_DATABASE_URL")
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
    with scratch_database_url("lost", tmp_path) as scratch:
        app = create_app(make_test_config(tmp_path_factory, DATABASE_URL=scratch))
        try:
            with app.app_context():
                db.create_all()
            client = app.test_client()
            assert client.get("/events").status_code == 200  # a pooled connection now
            administrator = sa.create_engine(scratch, poolclass=sa.pool.NullPool)
            with administrator.begin() as other:
                other.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            administrator.dispose()
            caplog.set_level(logging.WARNING)
            _signs_in_and_is_offered_the_form_again(client)
            lost = [r for r in caplog.records if r.name == "expo.outage"]
            assert [r.levelno for r in lost] == [logging.WARNING]
            assert not any(record.exc_info for record in caplog.records)
            assert not app.extensions["expo.outage"].active  # no outage: it answers
            assert client.get("/events").status_code == 200
        finally:
            with app.app_context():
                db.engine.dispose()


def test_a_signed_in_user_also_gets_the_503_page(site):
    app, go_away, _come_back = site
    client = app.test_client()
    signed_in = client.post(
        "/account/login", data={"email": "desk@commerce.example", "password": DEFAULT_PASSWORD}
    )
    assert signed_in.status_code == 302
    go_away()
    page = client.get("/events")
    assert page.status_code == 503
    assert "Temporarily unavailable" in page.get_data(as_text=True)
    assert client.get("/manage/jobs/1.json").status_code == 503
