"""GET /healthz: what a load balancer or a monitoring script asks."""

from __future__ import annotations

from expo import create_app
from tests.conftest import make_test_config

# Port 1 refuses connections at once; the timeout only guards against a firewall that drops.
UNREACHABLE_DATABASE = "postgresql+psycopg://nobody@127.0.0.1:1/expo"


def test_healthz_reports_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_healthz_reports_503_when_the_database_is_unreachable(tmp_path_factory):
    app = create_app(
        make_test_config(
            tmp_path_factory,
            DATABASE_URL=UNREACHABLE_DATABASE,
            SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
        )
    )

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"  # a load balancer asks again in a minute
    assert response.is_json
    assert response.get_json()["status"] != "ok"
    assert response.get_json()["database"] != "ok"


def test_healthz_reports_a_queue_that_does_not_answer_without_failing(app, db, monkeypatch):
    from expo.jobs import queue
    from tests.mailserver import free_port

    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.delitem(app.extensions, queue.EXTENSION, raising=False)
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions.pop(queue.EXTENSION, None)
    assert response.status_code == 200  # the pages still work: keep the host in service
    assert response.get_json() == {"status": "degraded", "database": "ok", "queue": "unreachable"}
