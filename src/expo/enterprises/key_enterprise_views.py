"""The key-enterprise programme for organizers: the year's list, its coverage, importing
the department's workbook and inviting those not reached yet. Routes of the
``enterprises`` blueprint; the rules are in ``key_enterprises``."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from expo.accounts.access import organizer_required
from expo.db import utcnow
from expo.enterprises import key_enterprises
from expo.enterprises.forms import CoverageYearForm, InviteNotReachedForm, KeyEnterpriseImportForm
from expo.enterprises.models import KeyEnterpriseImport
from expo.enterprises.views import bp
from expo.events.models import Event
from expo.events.services import EventFilters, search_events
from expo.extensions import db
from expo.fields import choices
from expo.i18n import STAFF_TIMEZONE
from expo.spreadsheets import XLSX_MIMETYPE
from expo.web import get_or_404, render_form, run_service, save_form

# Shown on the page; the invitation reaches every enterprise not reached.
NOT_REACHED_SHOWN = 200


def _this_year() -> int:
    return utcnow().astimezone(ZoneInfo(STAFF_TIMEZONE)).year


def _open_events() -> list[Event]:
    page = search_events(EventFilters(open_only=True), include_drafts=False, per_page=100)
    return list(page.items)


def _invite_form(year: int) -> InviteNotReachedForm:
    form = InviteNotReachedForm(data={"year": year})
    form.event.choices = choices(
        [("", _("Choose an event")), *((str(event.id), event.title) for event in _open_events())]
    )
    return form


@bp.route("/manage/key-enterprises")
@organizer_required
def key_enterprises_overview():
    form = CoverageYearForm(request.args)
    years = key_enterprises.list_years()
    year = form.year.data if form.validate() and form.year.data else None
    year = year or (years[0] if years else _this_year())
    imports = db.session.scalars(
        db.select(KeyEnterpriseImport)
        .where(KeyEnterpriseImport.year == year)
        .order_by(KeyEnterpriseImport.created_at.desc())
    ).all()
    return render_template(
        "enterprises/manage/key_enterprises.html",
        year=year,
        years=years,
        coverage=key_enterprises.coverage(year),
        imports=imports,
        invite_form=_invite_form(year),
        shown=NOT_REACHED_SHOWN,
    )


@bp.route("/manage/key-enterprises/import", methods=["GET", "POST"])
@organizer_required
def import_key_enterprises():
    form = KeyEnterpriseImportForm(
        data=None if request.method == "POST" else {"year": _this_year()}
    )
    report = save_form(
        form,
        lambda: key_enterprises.import_key_enterprises(
            form.file.data.read(),
            year=form.year.data,
            actor=current_user._get_current_object(),
            filename=form.file.data.filename or "",
        ),
    )
    return render_form("enterprises/manage/key_import.html", form, report=report)


@bp.get("/manage/key-enterprises/template.xlsx")
@organizer_required
def key_enterprises_template():
    response = Response(key_enterprises.template_workbook(), content_type=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="key-enterprises.xlsx"'
    return response


@bp.post("/manage/key-enterprises/invite")
@organizer_required
def invite_not_reached():
    form = _invite_form(_this_year())
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "warning")
        return redirect(url_for(".key_enterprises_overview", year=form.year.data or None))
    event = get_or_404(Event, int(form.event.data))
    invited = run_service(
        lambda: key_enterprises.invite_not_reached(
            form.year.data, event, actor=current_user._get_current_object()
        )
    )
    if invited is not None:
        flash(
            ngettext(
                "%(num)d enterprise has been invited to %(event)s.",
                "%(num)d enterprises have been invited to %(event)s.",
                invited,
                event=event.title,
            ),
            "success",
        )
    return redirect(url_for(".key_enterprises_overview", year=form.year.data))
