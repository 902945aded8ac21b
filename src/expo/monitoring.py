"""What an operator watches: Prometheus metrics and one JSON log line per request.

**Metrics** (``GET /metrics``, on when ``METRICS_TOKEN`` / ``EXPO_METRICS_TOKEN`` is set; the
scraper sends ``Authorization: Bearer <token>``; without a token the address answers 404):

- ``expo_http_request_duration_seconds`` (histogram) and ``expo_http_requests_total`` by
  endpoint, method and status, from prometheus-flask-exporter. Under gunicorn the worker
  processes share them through ``PROMETHEUS_MULTIPROC_DIR``, which
  ``deploy/gunicorn.conf.py`` sets up, so any worker answers for all.
- Read from the database at each scrape, so the same on every host: the job queue's depth
  (``expo_queue_tasks``), document jobs by kind and status (``expo_document_jobs``), the
  progress of those running (``expo_document_job_done`` / ``_total``), emails by status
  (``expo_outgoing_mail``) and deliveries of messages to participants by status
  (``expo_message_deliveries``). ``expo_database_up`` is 0 while the database does not
  answer (the rest is then left out).

**Request log** (``LOG_FORMAT = "json"`` / ``EXPO_LOG_FORMAT=json``): one line per request
on the ``expo.requests`` logger: time, request id, method, path (tokens and codes in it
written as …), endpoint, status, duration in milliseconds, the signed-in user's id. The
request id is the proxy's ``X-Request-ID`` (nginx: ``proxy_set_header X-Request-ID
$request_id``) or a new one, and is sent back in the response's ``X-Request-ID``, so a
user's report and the log line meet.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, g, request
from flask_login import current_user
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_flask_exporter import PrometheusMetrics
from prometheus_flask_exporter.multiprocess import GunicornInternalPrometheusMetrics

from expo.extensions import db

request_log = logging.getLogger("expo.requests")
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"
REQUEST_ID_HEADER = "X-Request-ID"
# A request id from the proxy is kept only when it looks like one: never a log injection.
REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._-]{1,64}")


# --- metrics -------------------------------------------------------------------------------


def _require_token(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        token = current_app.config.get("METRICS_TOKEN") or ""
        if not token:
            abort(404)
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response(
                "A bearer token is required.\n",
                401,
                {"WWW-Authenticate": 'Bearer realm="metrics"', "Content-Type": "text/plain"},
            )
        return view(*args, **kwargs)

    return guarded


class DatabaseCollector(Collector):
    """Figures read from the database (and the queue) when Prometheus scrapes."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def describe(self) -> list[Metric]:
        return []  # registered without a scrape: the database may not answer yet

    def collect(self) -> Iterator[Metric]:
        with self.app.app_context():
            try:
                yield from self._figures()
                up = 1
            except sa.exc.SQLAlchemyError:
                db.session.rollback()
                up = 0
            finally:
                db.session.remove()
            database = GaugeMetricFamily(
                "expo_database_up", "1 when the database answered this scrape, else 0"
            )
            database.add_metric([], up)
            yield database
            yield from self._queue()

    def _figures(self) -> Iterator[Metric]:
        from expo.jobs.models import CAMPAIGN_RUNS, DocumentJob, JobStatus
        from expo.mail import OutgoingMail
        from expo.messaging.models import MessageDelivery

        jobs = GaugeMetricFamily(
            "expo_document_jobs", "Document jobs by kind and status", labels=["kind", "status"]
        )
        for kind, status, count in db.session.execute(
            sa.select(DocumentJob.kind, DocumentJob.status, sa.func.count()).group_by(
                DocumentJob.kind, DocumentJob.status
            )
        ):
            jobs.add_metric([str(kind), str(status)], count)
        done = GaugeMetricFamily(
            "expo_document_job_done", "Documents made so far by a running job", labels=["job"]
        )
        total = GaugeMetricFamily(
            "expo_document_job_total", "Documents a running job is to make", labels=["job"]
        )
        for job_id, job_done, job_total in db.session.execute(
            sa.select(DocumentJob.id, DocumentJob.done, DocumentJob.total).where(
                DocumentJob.status == JobStatus.RUNNING.value,
                # A campaign-wide run's documents are its event jobs', counted there.
                DocumentJob.kind.not_in(list(CAMPAIGN_RUNS)),
            )
        ):
            done.add_metric([str(job_id)], job_done)
            total.add_metric([str(job_id)], job_total)
        mail = GaugeMetricFamily("expo_outgoing_mail", "Emails by status", labels=["status"])
        for mail_status, count in db.session.execute(
            sa.select(OutgoingMail.status, sa.func.count()).group_by(OutgoingMail.status)
        ):
            mail.add_metric([str(mail_status)], count)
        deliveries = GaugeMetricFamily(
            "expo_message_deliveries",
            "Recipients of messages to participants by status",
            labels=["status"],
        )
        for delivery_status, count in db.session.execute(
            sa.select(MessageDelivery.status, sa.func.count()).group_by(MessageDelivery.status)
        ):
            deliveries.add_metric([str(delivery_status)], count)
        yield from (jobs, done, total, mail, deliveries)

    def _queue(self) -> Iterator[Metric]:
        from expo.jobs import queue

        tasks = GaugeMetricFamily(
            "expo_queue_tasks",
            "Tasks in the job queue: waiting now, or scheduled for later",
            labels=["state"],
        )
        try:
            huey = queue.job_queue().huey
            tasks.add_metric(["waiting"], huey.pending_count())
            tasks.add_metric(["scheduled"], huey.scheduled_count())
        except Exception:  # the queue's store is down: say nothing rather than fail the scrape
            return
        yield tasks


def _exporter(app: Flask) -> PrometheusMetrics:
    options: dict[str, Any] = {
        "defaults_prefix": "expo",
        "group_by": "endpoint",
        "metrics_decorator": _require_token,
        "excluded_paths": [f"^{METRICS_PATH}$", "^/static/"],
    }
    if app.config.get("METRICS_TOKEN") and os.environ.get(MULTIPROCESS_VARIABLE):
        # gunicorn's workers write their figures to files the one answering reads.
        return GunicornInternalPrometheusMetrics(app, path=METRICS_PATH, **options)
    # A registry per app: the tests make many apps in one process.
    return PrometheusMetrics(
        app,
        path=METRICS_PATH,
        registry=CollectorRegistry(),
        export_defaults=bool(app.config.get("METRICS_TOKEN")),
        **options,
    )


# --- the request log -----------------------------------------------------------------------


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if REQUEST_ID_SHAPE.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


# The parts of an address that open something by themselves (a password reset, an
# invitation, a share link, a badge): never written to a log.
SECRET_ARGUMENTS = re.compile(r"(token|code)$")


def _loggable_path() -> str:
    path = request.path
    for name, value in (request.view_args or {}).items():
        if SECRET_ARGUMENTS.search(name) and isinstance(value, str) and value:
            path = path.replace(value, "…")
    return path


def _log_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:
        return response
    response.headers[REQUEST_ID_HEADER] = request_id
    if current_app.config.get("LOG_FORMAT") == "json":
        user_id = current_user.id if current_user and current_user.is_authenticated else None
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "request_id": request_id,
            "method": request.method,
            "path": _loggable_path(),
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
            "user_id": user_id,
        }
        request_log.info(json.dumps(line, ensure_ascii=False))
    return response


def init_app(app: Flask) -> None:
    exporter = _exporter(app)
    exporter.registry.register(DatabaseCollector(app))
    app.extensions["expo.monitoring"] = exporter
    app.before_request(_start_request)
    app.after_request(_log_request)
    if app.config.get("LOG_FORMAT") == "json" and not request_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        request_log.addHandler(handler)
        request_log.setLevel(logging.INFO)
        request_log.propagate = False
