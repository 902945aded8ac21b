"""Domain errors raised by services, and the bilingual error pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError


class DomainError(Exception):
    """A business rule said no. ``message`` is shown to the user in their language."""

    message = _l("This action is not allowed.")
    status_code = 400

    def __init__(self, message=None, **kwargs) -> None:
        if message is not None:
            self.message = message
        self.params = kwargs
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class InvalidInput(DomainError):
    """Input a service refuses, with a message for each field at fault."""

    message = _l("Please correct the marked fields.")

    def __init__(self, errors: Mapping[str, object]) -> None:
        self.errors = dict(errors)
        super().__init__()


class NotFound(DomainError):
    message = _l("Not found.")
    status_code = 404


class PermissionDenied(DomainError):
    message = _l("You do not have permission to do this.")
    status_code = 403


class InvalidTransition(DomainError):
    message = _l("This change of status is not allowed.")
    status_code = 409


def wants_json() -> bool:
    """Whether the request is a script's that reads JSON: an address ending in ``.json``, a
    JSON body, or an ``Accept`` that asks for JSON and not for a page."""
    if request.path.endswith(".json") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def sign_in_again():
    """What a script is told when the sign-in it worked under has lapsed: 401, which it
    cannot take for the network being down."""
    return jsonify({"status": 401, "error": _("Your sign-in has lapsed: sign in again.")}), 401


def _error_page(status: int):
    def handler(error):
        if isinstance(error, CSRFError) and wants_json() and not current_user.is_authenticated:
            # The session went, and its CSRF token with it: the sign-in lapsed.
            return sign_in_again()
        if wants_json():
            return jsonify({"status": status}), status
        context = {}
        if status == 413:
            megabytes = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / 1024 / 1024
            context["limit_megabytes"] = format_decimal(megabytes, "#,##0.#")
        return render_template("errors/error.html", status=status, **context), status

    return handler


def error_response(status: int, error: Exception) -> Any:
    """The error page (or JSON) the application answers ``status`` with, for a blueprint
    whose own handler takes only some of its requests."""
    return _error_page(status)(error)


def register_error_handlers(app: Flask) -> None:
    for status in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(status, _error_page(status))
