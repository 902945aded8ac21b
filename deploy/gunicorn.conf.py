"""gunicorn's settings for Expo: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Used by ``make run``, by the systemd unit in this folder and by the benchmarks. Every value
can be overridden on the command line or by the environment variables named below.

- ``EXPO_BIND`` (default ``127.0.0.1:$PORT``, ``PORT`` 5000): where to listen. Behind nginx
  on the same machine keep the loopback address.
- ``EXPO_WEB_WORKERS`` (default two per CPU this process may use, plus one): worker
  processes. Each holds its own database connections (``pool_size`` 5 per process).
- ``EXPO_WEB_THREADS`` (default 1): threads per worker; more than one serves keep-alive
  connections and slow database answers without a process each.
- ``PROMETHEUS_MULTIPROC_DIR`` (default a new temporary folder, removed at exit): where
  the worker processes keep the request metrics that ``GET /metrics`` adds up
  (``EXPO_METRICS_TOKEN``), so that any worker answers for all of them.
"""

from __future__ import annotations

import os
import shutil
import tempfile


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


bind = os.environ.get("EXPO_BIND") or f"127.0.0.1:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("EXPO_WEB_WORKERS") or 2 * _cpus() + 1)
threads = int(os.environ.get("EXPO_WEB_THREADS") or 1)
# A large PDF printed inline (a delegation's itineraries) may take tens of seconds.
timeout = 120
# Ctrl-C or SIGTERM: requests in hand get this long to finish.
graceful_timeout = 10
# The longest request line a browser sends to Expo (a search with every filter) fits well
# within gunicorn's largest.
limit_request_line = 8190
# Behind a proxy Expo reads X-Forwarded-* itself (EXPO_PROXY_COUNT); gunicorn leaves them.
forwarded_allow_ips = ""
# The application's own log lines go to stderr; requests are logged there too when asked.
accesslog = os.environ.get("EXPO_ACCESS_LOG") or None
errorlog = "-"


# The request metrics of all workers, added up by whichever answers GET /metrics.
_own_metrics_folder = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_folder:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="expo-metrics-")


def on_starting(server):
    """Figures of an earlier run of the server are not counted again."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_folder:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
