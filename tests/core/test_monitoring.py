"""What an operator watches: GET /metrics for Prometheus (behind a bearer token) and one
JSON log line per request."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import stamp

from expo import create_app, mail
from expo.extensions import db as _db
from tests.conftest import FreshContextClient, make_test_config
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.mailserver import free_port

TOKEN = "m" * 40
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def watched(app, tmp_path_factory):
    """An app with metrics on and the JSON request log, on the suite's database."""
    site = create_app(
        make_test_config(
            tmp_path_factory,
            DATABASE_URL=app.config["DATABASE_URL"],
            METRICS_TOKEN=TOKEN,
            LOG_FORMAT="json",
        )
    )
    site.test_client_class = FreshContextClient
    yield site
    with site.app_context():
        _db.engine.dispose()


def scrape(site) -> str:
    response = site.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the sample ``name`` with (at least) these labels, or None."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.partition(" ")[0]))
        if line.startswith(name + " ") or all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_without_a_token_configured_there_are_no_metrics(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_a_scraper_without_the_token_is_refused(watched, db):
    client = watched.test_client()
    refused = client.get("/metrics")
    assert refused.status_code == 401 and "Bearer" in refused.headers["WWW-Authenticate"]
    assert "expo_" not in refused.get_data(as_text=True)
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40})
    assert wrong.status_code == 401


def test_requests_mail_and_jobs_are_counted(watched, db):
    client = watched.test_client()
    for _ in range(3):
        assert client.get("/events").status_code == 200
    with watched.app_context():
        mail.send_email("buyer@example.com", "Counted", "Body\n")
        _db.session.commit()  # delivered at once in tests
    text = scrape(watched)
    assert sample(text, "expo_http_request_total", method="GET", status="200") == 3
    assert (
        sample(text, "expo_http_request_duration_seconds_count", endpoint="events.catalogue") == 3
    )
    assert sample(text, "expo_outgoing_mail", status="sent") == 1
    assert sample(text, "expo_database_up") == 1
    assert sample(text, "expo_queue_tasks", state="waiting") == 0
    assert "/metrics" not in text  # the scrapes themselves are not measured


def test_a_request_is_one_json_line_with_its_id_and_user(watched, db, caplog):
    requests = logging.getLogger("expo.requests")
    requests.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="expo.requests")
    try:
        user = make_user("organizer")
        _db.session.commit()
        client = watched.test_client()
        signed_in = client.post(
            "/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert signed_in.status_code == 302
        given = client.get("/events", headers={"X-Request-ID": "nginx-4f2a9c"})
        client.get("/account/reset/a-secret-reset-token-12345")
        hostile = client.get("/events", headers={"X-Request-ID": '" status=500 forged ' + "x" * 80})
    finally:
        requests.removeHandler(caplog.handler)
    lines = [json.loads(record.getMessage()) for record in caplog.records]
    assert [line["endpoint"] for line in lines] == [
        "accounts.login",
        "events.catalogue",
        "accounts.reset_password",
        "events.catalogue",
    ]
    login, kept, reset, replaced = lines
    # A token that opens something by itself never reaches the log.
    assert reset["path"] == "/account/reset/…"
    assert "a-secret-reset-token" not in json.dumps(lines)
    assert login["method"] == "POST" and login["status"] == 302 and login["user_id"] == user.id
    assert kept["request_id"] == "nginx-4f2a9c" == given.headers["X-Request-ID"]
    assert kept["user_id"] == user.id and kept["status"] == 200 and kept["duration_ms"] > 0
    assert kept["path"] == "/events"
    assert replaced["request_id"] == hostile.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["request_id"])


def test_gunicorn_workers_add_up_to_one_figure(app, tmp_path, tmp_path_factory):
    """Requests served by several gunicorn workers are counted once, whichever answers."""
    config = make_test_config(tmp_path_factory, DATABASE_URL=f"sqlite:///{tmp_path / 'm.sqlite3'}")
    site = create_app(config)
    with site.app_context():
        _db.create_all()
        stamp(revision="head")
        _db.engine.dispose()
    port = free_port()
    environment = {
        **os.environ,
        "EXPO_BIND": f"127.0.0.1:{port}",
        "EXPO_WEB_WORKERS": "3",
        "EXPO_BASE_URL": f"http://127.0.0.1:{port}",
        "EXPO_DATABASE_URL": config["DATABASE_URL"],
        "EXPO_DOCUMENTS_DIR": str(tmp_path / "documents"),
        "EXPO_FONTS_DIR": app.config["FONTS_DIR"],
        "EXPO_CACHE_DIR": str(tmp_path / "cache"),
        "EXPO_JOBS_DATABASE": str(tmp_path / "jobs.sqlite3"),
        "EXPO_SECRET_KEY": "s" * 48,
        "EXPO_METRICS_TOKEN": TOKEN,
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def get(path: str, **headers: str) -> tuple[int, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read().decode()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get("/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for _ in range(30):
            assert get("/events")[0] == 200
        totals = set()
        for _ in range(6):  # whichever worker answers, the same sum
            status, text = get("/metrics", Authorization=f"Bearer {TOKEN}")
            assert status == 200
            totals.add(
                sample(
                    text, "expo_http_request_duration_seconds_count", endpoint="events.catalogue"
                )
            )
        assert totals == {30.0}
    finally:
        server.terminate()
        server.wait(timeout=30)
