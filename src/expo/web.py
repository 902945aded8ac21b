"""Small helpers every area's views share: form ↔ service glue and safe lookups.

View code only: services, documents and notifications build links with ``expo.urls``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import TypeVar

from flask import abort, render_template
from flask_wtf import FlaskForm

from expo.errors import InvalidInput
from expo.extensions import db

INVALID_STATUS = 422
# Pages whose address is a share token: never sent on as a Referer, never indexed.
PRIVATE_LINK_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
}
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
