"""Small helpers every area's views share: form ↔ service glue and safe lookups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, has_request_context, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from expo.errors import InvalidInput
from expo.extensions import db

INVALID_STATUS = 422
Result = TypeVar("Result")


def _fields_by_name(fields_) -> dict:
    """Every field by its full name, nested ones included (``delegates-0-mobile``)."""
    found = {}
    for field in fields_:
        found[field.name] = field
        if hasattr(field, "entries"):  # FieldList
            found.update(_fields_by_name(field.entries))
        elif hasattr(field, "form"):  # FormField
            found.update(_fields_by_name(field.form))
    return found


def show_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Put a service's messages next to the fields they are about."""
    fields_ = _fields_by_name(form)
    for name, message in error.errors.items():
        field = fields_.get(name)
        message = str(message)  # rendered now, in the reader's language
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def form_to(data_class, form: FlaskForm, **extra):
    """Build a service's input dataclass from the form fields of the same names."""
    values = {
        field.name: form._fields[field.name].data
        for field in fields(data_class)
        if field.name in form._fields
    }
    values.update(extra)
    for name, value in values.items():
        if value is None and isinstance(getattr(data_class, name, None), str):
            values[name] = ""
    return data_class(**values)


def get_or_404(model, ident: int):
    instance = db.session.get(model, ident)
    if instance is None:
        abort(404)
    return instance


def choices(pairs) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


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


def filter_value(field):
    """A list filter's value: None when left empty or not one of its choices (a stale or
    hand-edited link shows everything rather than an error)."""
    return None if field.errors else (field.data or None)


def save_form(form: FlaskForm, save: Callable[[], Result]) -> Result | None:
    """Validate a posted form, run ``save`` (the service call) and commit once.

    Returns what ``save`` returned, or None when nothing was saved: the form was not
    posted or not valid, or the service refused it and its messages now sit at the fields.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = save()
    except InvalidInput as error:
        db.session.rollback()
        show_errors(form, error)
        return None
    db.session.commit()
    return result


def render_form(template: str, form: FlaskForm, **context):
    """The page with its form; 422 when the form carries errors, so clients can tell."""
    return render_template(template, form=form, **context), (INVALID_STATUS if form.errors else 200)
