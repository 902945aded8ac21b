"""Small helpers every area's views share: form ↔ service glue and safe lookups.

View code only: services, documents and notifications build links with ``expo.urls``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, flash, make_response, render_template, request
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter

from expo.errors import DomainError, InvalidInput
from expo.extensions import db
from expo.i18n import current_language
from expo.validation import LARGEST_ID, is_id

INVALID_STATUS = 422
# Beyond this page every list is empty anyway; a larger number would overflow the offset.
LAST_PAGE = 100_000
# Pages whose address is a share token: never sent on as a Referer, never indexed.
PRIVATE_LINK_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
}
Result = TypeVar("Result")
# Pages and files with passport numbers or other personal data: no browser, proxy or
# back button keeps a copy.
NO_STORE = "private, no-store"
View = TypeVar("View", bound=Callable[..., Any])


def no_store(view: View) -> View:
    """The view's answer, whatever it is, is sent with ``Cache-Control: private, no-store``."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = NO_STORE
        return response

    return cast(View, wrapped)


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


def has_errors(form: FlaskForm) -> bool:
    """Whether any field carries a message, nested ones included.

    WTForms does not lift the messages a service put on a delegate's row
    (``delegates-0-mobile``) into ``form.errors``; this sees them.
    """
    # A list of rows or a sub-form reports its rows' messages as lists and dicts; its own
    # messages (e.g. "add at least one delegate") are texts, plain or lazy, beside them.
    return bool(form.form_errors) or any(
        not isinstance(message, list | tuple | dict)
        for field in _fields_by_name(form).values()
        if isinstance(field.errors, list | tuple)
        for message in field.errors
    )


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


def invited_account_fields(form: FlaskForm) -> dict[str, str]:
    """What an invitation's account form gives the service that makes the account: the
    address is the invitation's, the language the page's."""
    return {
        "name": form.name.data,
        "password": form.password.data,
        "mobile": form.mobile.data or "",
        "locale": current_language(),
    }


def get_or_404(model, ident: int):
    instance = db.session.get(model, ident)
    if instance is None:
        abort(404)
    return instance


def run_service(
    action: Callable[[], Result], *, form: FlaskForm | None = None, category: str = "warning"
) -> Result | None:
    """Run a service call and commit once: the one way a view changes data.

    When the service refuses (a ``DomainError``) nothing is kept and the reader is told
    why: the messages of an ``InvalidInput`` go next to ``form``'s fields (flashed when
    there is no form), any other refusal is flashed with ``category``. Returns what
    ``action`` returned, or None when the service refused; a view that checks the result
    runs a service that returns what it changed.
    """
    try:
        result = action()
    except InvalidInput as error:
        db.session.rollback()
        if form is not None:
            show_errors(form, error)
        else:
            for message in error.errors.values():
                flash(str(message), category)
        return None
    except DomainError as error:
        db.session.rollback()
        flash(str(error), category)
        return None
    db.session.commit()
    return result


def run_action(
    action: Callable[[], object], *, form: FlaskForm | None = None, category: str = "warning"
) -> bool:
    """:func:`run_service` for a service that returns nothing: whether it went through."""
    return run_service(lambda: action() or True, form=form, category=category) is not None


def save_form(
    form: FlaskForm, save: Callable[[], Result], *, check: Callable[[], object] | None = None
) -> Result | None:
    """Validate a posted form, then ``run_service(save)`` with its messages at the fields.

    Returns what ``save`` returned, or None when nothing was saved: the form was not
    posted or not valid, or the service refused it (``has_errors(form)`` says which,
    when the refusal was the form's).

    ``check`` runs the service's rules without saving (it raises ``InvalidInput``): when
    the form itself has mistakes, the rules' messages join them, so the reader sees every
    mistake in one round rather than the rules' only on the next submit.
    """
    if not form.is_submitted():
        return None
    if not form.validate():
        if check is not None:
            _add_rule_errors(form, check)
        return None
    return run_service(save, form=form)


def _add_rule_errors(form: FlaskForm, check: Callable[[], object]) -> None:
    """The messages ``check`` raises, on the fields that have none of their own yet."""
    try:
        check()
    except InvalidInput as error:
        fields_ = _fields_by_name(form)
        for name, message in error.errors.items():
            field = fields_.get(name)
            if field is None:
                if str(message) not in form.form_errors:
                    form.form_errors.append(str(message))
            elif not _own_messages(field):
                field.errors = [*_messages(field), str(message)]
    except DomainError:
        pass  # a refusal of the event's or the account's is said once the form is valid


def _messages(field) -> list:
    return list(field.errors) if isinstance(field.errors, list | tuple) else []


def _own_messages(field) -> list:
    """A field's own messages, not those of a list's rows or a sub-form's fields."""
    return [m for m in _messages(field) if not isinstance(m, list | tuple | dict)]


def render_form(template: str, form: FlaskForm, **context):
    """The page with its form; 422 when the form carries errors, so clients can tell."""
    status = INVALID_STATUS if has_errors(form) else 200
    return render_template(template, form=form, **context), status


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a row's id, from 1 to :data:`expo.validation.LARGEST_ID`.

    Registered as the ``int`` converter, so each route is covered without naming it; a
    longer or larger number does not match, and the address answers 404.
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=1, max=LARGEST_ID, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def page_number() -> int:
    """The ``page`` of a paginated list from the query string: a whole number clamped to
    1 … :data:`LAST_PAGE`, or 1 when it is not one (a hand-edited link still shows a page)."""
    raw = request.args.get("page", "").lstrip("0")
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw) > len(str(LAST_PAGE)):
        return LAST_PAGE
    return min(int(raw), LAST_PAGE)


def query_id(name: str) -> int | None:
    """An id from the query string (``?campaign=3``), or None when it is not one."""
    raw = request.args.get(name, "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(LARGEST_ID)):
        return None
    value = int(raw)
    return value if is_id(value) else None
