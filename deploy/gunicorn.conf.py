"""gunicorn's settings for Expo: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Used by ``make run``, by the systemd unit in this folder and by the benchmarks. Every value
can be overridden on the command line or by the environment variables named below.

- ``EXPO_BIND`` (default ``127.0.0.1:$PORT``, ``PORT`` 5000): where to listen. Behind nginx
  on the same machine keep the loopback address.
- ``EXPO_WEB_WORKERS`` (default two per CPU this process may use, plus one): worker
  processes. Each holds its own database connections (``pool_size`` 5 per process).
- ``EXPO_WEB_THREADS`` (default 1): threads per worker; more than one serves keep-alive
  connections and slow database answers without a process each.
"""

from __future__ import annotations

import os


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
