"""Which hosts are answered, and what every response tells the browser about itself.

Only requests for ``BASE_URL``'s host (and ``EXTRA_HOSTS``) are answered: Flask refuses
any other ``Host`` with 400 before a view runs, so a forged host never reaches a link or a
log line. Every page carries a Content-Security-Policy that lets in nothing but this site's
own files (no inline script or style: templates keep theirs in ``static/``) and may not be
framed; every response is kept from being sniffed into another type and sends its address
only to this site.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import SecurityError

# 'self' only: Bootstrap and every script are served from static/. Bootstrap's CSS draws
# its check marks and select arrows as data: SVG images, hence img-src.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# The check-in desk's camera: the vendored QR decoder (qr-scanner) runs in a worker it
# builds from a blob: address of its own code. Only that page lets such a worker in.
CAMERA_PAGE_POLICY = f"{CONTENT_SECURITY_POLICY}; worker-src 'self' blob:"

# On every response.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# On pages only: Chrome shows a PDF in a page of its own making, with inline styles and a
# plugin, which this policy would blank. A PDF, a calendar file or JSON runs no script of
# ours and, not sniffed (nosniff), is never taken for a page.
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
}


def init_app(app: Flask) -> None:
    extra_hosts = [*app.config["EXTRA_HOSTS"], *(app.config.get("TRUSTED_HOSTS") or ())]
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["BASE_URL"], extra_hosts)
    # First of all hooks (this runs before the extensions register theirs): nothing else
    # runs for a host that is not served.
    app.before_request(refuse_untrusted_host)
    app.register_error_handler(SecurityError, untrusted_host)
    app.after_request(add_security_headers)


def trusted_hosts(base_url: str, extra_hosts: Iterable[str] = ()) -> list[str]:
    """``BASE_URL``'s host name, then the extra names (ports play no part in the match)."""
    names = [urlsplit(base_url).hostname or "", *extra_hosts]
    return list(dict.fromkeys(name.strip().lower() for name in names if name.strip()))


def refuse_untrusted_host() -> None:
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception


def untrusted_host(error: SecurityError) -> tuple[str, int, dict[str, str]]:
    # Plain text: without a trusted host Flask builds no URL, so no page can be rendered.
    text = _("This address is not served here.")
    return text, 400, {"Content-Type": "text/plain; charset=utf-8"}


def add_security_headers(response: Response) -> Response:
    # A view's own stricter value (no referrer at all on a page holding a share link)
    # stays.
    headers = SECURITY_HEADERS | (PAGE_HEADERS if response.mimetype == "text/html" else {})
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    max_age = current_app.config["HSTS_MAX_AGE"]
    https = request.is_secure or current_app.config["BASE_URL"].lower().startswith("https://")
    if max_age and https:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    return response


def signing_keys() -> list[str]:
    """The keys the links and badges Expo signs are checked against, oldest first: those of
    ``SECRET_KEY_FALLBACKS``, then ``SECRET_KEY``, which signs anything new. Rotating the
    key with the old one kept as a fallback leaves printed badges and sent links working."""
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or []
    if isinstance(fallbacks, str):
        fallbacks = [fallbacks]
    return [*(str(key) for key in fallbacks), str(current_app.config["SECRET_KEY"])]
