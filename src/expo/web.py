"""Small helpers every area's views share: form ↔ service glue and safe lookups."""

from __future__ import annotations

from dataclasses import fields

from flask import abort
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from expo.errors import InvalidInput
from expo.extensions import db

INVALID_STATUS = 422


def show_errors(form: FlaskForm, error: InvalidInput) -> None:
    """Put a service's messages next to the fields they are about."""
    for name, message in error.errors.items():
        field = form._fields.get(name)
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
