"""Every Jinja global and filter, registered here and nowhere else.

None of them queries the database: what a page shows from the database, its view loads
and passes to ``render_template``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_percent

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


def init_app(app: Flask) -> None:
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
