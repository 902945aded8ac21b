"""Every Jinja global and filter, registered here and nowhere else.

None of them queries the database: what a page shows from the database, its view loads
and passes to ``render_template``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_percent, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context

from expo import i18n, privacy


def url_with_language(language: str) -> str:
    """The current page in another language, keeping its other query parameters."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [language]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def url_with_page(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args.pop("lang", None)
    args["page"] = [str(page)]
    return f"{request.path}?{urlencode(args, doseq=True)}"


# The catalogue a template translates with, put in its context once per render.
TRANSLATIONS = "_expo_translations"


def _translations(context: Context) -> Any:
    """The render's catalogue; a template rendered without it (outside ``render_template``,
    or a macro imported without the context) asks Flask-Babel, as every call used to."""
    found = context.get(TRANSLATIONS)
    return found if found is not None else get_translations()


@pass_context
def _gettext(context: Context, string: str) -> str:
    return str(_translations(context).ugettext(string))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    return str(_translations(context).ungettext(singular, plural, number))


@pass_context
def _pgettext(context: Context, message_context: str, string: str) -> str:
    return str(_translations(context).upgettext(message_context, string))


@pass_context
def _npgettext(
    context: Context, message_context: str, singular: str, plural: str, number: int
) -> str:
    return str(_translations(context).unpgettext(message_context, singular, plural, number))


def _install_translations(app: Flask) -> None:
    """``_()`` in templates without Flask-Babel's lookup per call.

    Flask-Babel's callables find the request's locale and its catalogue on every call
    (some 30 µs: the context, the locale's name, a dictionary); a page calls them 50 to
    100 times. The catalogue is looked up once per ``render_template`` instead and kept
    in the template's context. A locale forced for one rendering (an email in its
    reader's language) is in force when that rendering's context is made, so it is the
    one kept."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
        newstyle=True,
    )

    @app.context_processor
    def translations() -> dict[str, Any]:
        return {TRANSLATIONS: get_translations()}


def init_app(app: Flask) -> None:
    _install_translations(app)
    from expo.enterprises.industries import industry_label
    from expo.events.answers import answer_text
    from expo.fields import error_entries, was_cleared
    from expo.outcomes.money import currency_name, format_money
    from expo.registrations.services import next_step

    app.jinja_env.globals.update(
        current_language=i18n.current_language,
        html_lang=i18n.html_lang,
        url_with_language=url_with_language,
        url_with_page=url_with_page,
        pick=i18n.pick,
        zone_label=i18n.zone_label,
        city_and_country=i18n.city_and_country,
        labelled=i18n.labelled,
        document_date_range=i18n.document_date_range,
        next_step=next_step,
        staff_timezone=i18n.STAFF_TIMEZONE,
        # History (submissions, reviews, jobs, audit) is shown on the reader's clock.
        viewer_timezone=i18n.viewer_timezone,
        # Review pages and exports of every area show answers through macros/answers.html.
        answer_text=answer_text,
        # Every area shows enterprises (applications, delegations).
        industry_label=industry_label,
        # Every form page: the error summary and the fields emptied for safety.
        form_error_entries=error_entries,
        was_cleared=was_cleared,
        # Applications name the version of the notice their applicant agreed to.
        privacy_notice=privacy.notice,
        # Outcome reports' amounts, on the enterprise's and the organizers' pages.
        currency_name=currency_name,
    )
    app.jinja_env.filters.update(
        local_datetime=i18n.format_local_datetime,
        local_time=i18n.format_local_time,
        local_date=i18n.format_local_date,
        local_date_range=i18n.format_local_date_range,
        date_range=i18n.format_date_range,
        zone_name=i18n.format_zone,
        country_name=i18n.country_name,
        number=i18n.format_number,
        percent=format_percent,
        # Printed documents: the product's own wording, not CLDR's (see expo.i18n).
        document_date=i18n.local_document_date,
        document_full_date=i18n.local_document_full_date,
        document_datetime=i18n.local_document_datetime,
        document_time=i18n.document_time,
        document_zone=i18n.document_zone,
        money=format_money,
    )
