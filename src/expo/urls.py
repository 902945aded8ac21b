"""Absolute links for what leaves the browser: emails, documents, QR codes, calendar files.

Every such link starts with ``BASE_URL``, the address people use, never with the ``Host``
of the request that made it: a request with a forged ``Host`` would otherwise mail a
genuine password-reset link to an address the attacker owns, and an organizer on an
internal address would print that address on paper. Services, notifications and documents
build their links here, so none of them needs the view helpers in ``web``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """An absolute link on ``BASE_URL``, inside a request or outside one (jobs, CLI)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)
