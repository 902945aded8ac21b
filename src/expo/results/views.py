"""The results pages: the organizers' figures for a campaign or a year (page, PDF and
workbook), and an enterprise's own results over the years."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from expo import caching
from expo.accounts.access import enterprise_member_required, organizer_required
from expo.enterprises.industries import BY_KEY as INDUSTRIES
from expo.enterprises.industries import industry_choices
from expo.enterprises.prefectures import BY_CODE as PREFECTURES
from expo.enterprises.prefectures import PREFECTURES as PREFECTURE_LIST
from expo.events.models import Event
from expo.i18n import current_language, pick
from expo.jobs import queue, tasks
from expo.jobs import services as job_services
from expo.jobs.forms import JobActionForm
from expo.results import charts, reports, services
from expo.results.services import KEY_CHOICES, Filters
from expo.web import query_id, run_service

bp = Blueprint("results", __name__)


def _user():
    return current_user._get_current_object()


FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year(name: str) -> int | None:
    raw = request.args.get(name, "")
    if raw.isascii() and raw.isdigit() and len(raw) == 4 and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        return int(raw)
    return None


def _choice(name: str, allowed: object) -> str:
    raw = request.args.get(name, "")
    return raw if raw and raw in allowed else ""  # type: ignore[operator]


def filters_from_request() -> Filters:
    """The filters of the query string; a value that is not one is ignored, and with
    neither a campaign nor a year the page shows this year (China time)."""
    campaign_id = query_id("campaign")
    year = _year("year")
    if campaign_id is None and year is None:
        year = reports.this_year()
    return Filters(
        campaign_id=campaign_id,
        year=year,
        event_id=query_id("event"),
        prefecture=_choice("prefecture", PREFECTURES),
        industry=_choice("industry", INDUSTRIES),
        region=_choice("region", {region.key for region in services.regions()}),
        key=_choice("key", KEY_CHOICES),
    )


def _query(filters: Filters) -> dict[str, object]:
    """The filters as query-string arguments, for the download links."""
    values = {
        "campaign": filters.campaign_id,
        "year": filters.year,
        "event": filters.event_id,
        "prefecture": filters.prefecture,
        "industry": filters.industry,
        "region": filters.region,
        "key": filters.key,
    }
    return {name: value for name, value in values.items() if value}


def _figures(filters: Filters, language: str) -> str:
    """The page's figures, charts and tables as HTML: the same for every organizer reading
    in ``language``, so rendered once until the data behind them changes."""

    def render() -> str:
        found = services.results(filters, language=language)
        return render_template(
            "results/_figures.html",
            found=found,
            charts={chart.key: chart for chart in charts.charts(found)},
        )

    return caching.remember("results", (*filters.as_parameters().values(), language), render)


@bp.route("/manage/results")
@organizer_required
def manage():
    filters = filters_from_request()
    language = current_language()
    events = services.events_in(filters)
    return render_template(
        "results/manage.html",
        figures=Markup(_figures(filters, language)),  # rendered (and escaped) by Jinja
        filters=filters,
        query=_query(filters),
        campaigns=services.campaigns(),
        events=events,
        prefectures=[(p.code, pick(p.name_zh, p.name_en)) for p in PREFECTURE_LIST],
        industries=industry_choices(language),
        regions=[(r.key, pick(r.name_zh, r.name_en)) for r in services.regions()],
        years=reports.year_choices(),
        in_background=_printed_in_background(filters, events),
        job_form=JobActionForm(formdata=None),
    )


def _printed_in_background(filters: Filters, events: list[Event] | None = None) -> bool:
    """Whether the report of ``filters`` has more event pages than are printed at once."""
    if filters.event_id:
        count = 1
    else:
        count = len(events if events is not None else services.events_in(filters))
    return count > current_app.config["RESULTS_INLINE_EVENTS"]


@bp.post("/manage/results/report")
@organizer_required
def print_report():
    """Start the job printing the report of the filters (the query string)."""
    filters = filters_from_request()
    if not JobActionForm().validate_on_submit():
        abort(400)
    found = services.results(filters)
    parameters = {
        "filters": filters.as_parameters(),
        "query": _query(filters),
        "title": {language: reports.report_title(found, language) for language in ("zh", "en")},
        "file_name": reports.file_name(filters),
    }
    total = reports.report_steps(len(found.events))
    started = run_service(
        lambda: job_services.start_results_job(parameters, total=total, actor=_user())
    )
    if started is None:
        return redirect(url_for(".manage", **_query(filters)))
    if started.created:
        queue.enqueue(tasks.RUN_DOCUMENT_JOB, started.job.id)  # after the commit
    return redirect(url_for("jobs.detail", job_id=started.job.id))


@bp.route("/manage/results.pdf")
@organizer_required
def manage_pdf():
    filters = filters_from_request()
    if _printed_in_background(filters):
        flash(_("This report covers many events: print it with the button below."), "info")
        return redirect(url_for(".manage", **_query(filters)))
    pdf = reports.results_pdf(filters)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{reports.file_name(filters)}.pdf"'},
    )


@bp.route("/manage/results.xlsx")
@organizer_required
def manage_xlsx():
    filters = filters_from_request()
    workbook = reports.results_workbook(filters, language=current_language())
    return Response(
        workbook,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="{reports.file_name(filters)}.xlsx"'
        },
    )


@bp.route("/enterprise/results")
@enterprise_member_required
def mine():
    return render_template(
        "results/mine.html", own=services.enterprise_results(current_user.enterprise)
    )
