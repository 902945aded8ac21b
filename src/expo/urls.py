"""Absolute links for what leaves the browser: emails, documents, QR codes.

Services, notifications and documents build their links here, so none of them needs the
view helpers in ``web``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values) -> str:
    """An absolute link for emails and documents, also outside a request (jobs, CLI).

    Within a request it follows the host the user reached; elsewhere it uses BASE_URL.
    """
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    return base_url_for(endpoint, **values)


def base_url_for(endpoint: str, **values) -> str:
    """An absolute link on BASE_URL, the address people use, even inside a request.

    For what is printed on paper (QR codes): not the host of the request that happened to
    print it (an organizer on an internal address would print that address otherwise).
    """
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)
