"""The results page of a large campaign beside a bare Flask + SQLAlchemy page.

    make bench                        # or: .venv/bin/python benchmarks/bench_results.py
    .venv/bin/python benchmarks/bench_results.py --events 40 --applications 4000 \
        --deals 10000 --runs 10

A campaign of ``--events`` events, ``--applications`` approved applications (one delegate
each, one confirmed outcome report each) and ``--deals`` deal lines spread over the
reports, markets, prefectures and industries, in a fresh SQLite database.

Timed, side by side in the same run (requests interleaved): ``GET /manage/results`` signed
in as an organizer (every figure, five server-drawn charts, the tables), and a bare Flask
app on the same database whose one page runs the breakdown's aggregate query (sums by
market, prefecture, industry and kind) through Flask-SQLAlchemy and prints it as a table.
A third row is the page for its first reader after the figures changed (the figures
are kept per generation of the data, ``expo.caching``, and recomputed then). Goal: the
results page within 2x the bare page. It also prints the page's SQL statements, computed
afresh.
It is a measurement, not a test: it reports and exits 0 unless it breaks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_documents import machine, make_app  # noqa: E402

GOAL_RATIO = 2.0
BASE_URL = "http://127.0.0.1:5000"  # the address the app answers to by default
COUNTRIES = ("HU", "DE", "FR", "US", "ID", "VN", "AE", "BR", "JP", "KE", "AU", "RU")
PREFECTURES = ("510100", "510700", "511500", "510600", "511100", "510500")
INDUSTRIES = ("machinery", "tea", "liquor", "electronics", "food", "chemicals")
KINDS = ("signed_on_site", "signed_after", "intention")


def seed(events: int, applications: int, deals: int) -> int:
    """The campaign's rows, inserted in bulk; its id."""
    import sqlalchemy as sa

    from expo.accounts.models import Role, User
    from expo.enterprises.models import Enterprise
    from expo.events.models import Campaign, Event
    from expo.extensions import db
    from expo.outcomes.models import Deal, OutcomeReport
    from expo.registrations.models import Application, Delegate

    db.create_all()
    organizer = User(email="organizer@bench.example", name="Organizer", role=Role.ORGANIZER)
    organizer.set_password("benchmark")
    campaign = Campaign(
        kind="going_global", year=2027, title_zh="川行天下", title_en="Going Global"
    )
    db.session.add_all([organizer, campaign])
    db.session.flush()
    starts = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
    now = datetime(2027, 1, 1, tzinfo=UTC)
    db.session.execute(
        sa.insert(Event),
        [
            {
                "id": number + 1,
                "campaign_id": campaign.id,
                "kind": "trade_fair",
                "title_zh": f"展会{number}",
                "title_en": f"Fair {number}",
                "country": COUNTRIES[number % len(COUNTRIES)],
                "timezone": "Europe/Budapest",
                "starts_at": starts + timedelta(days=7 * number),
                "ends_at": starts + timedelta(days=7 * number + 3),
                "registration_opens_at": now - timedelta(days=60),
                "registration_closes_at": now,
                "capacity": applications,
                "status": "published",
            }
            for number in range(events)
        ],
    )
    enterprises = applications // 2
    db.session.execute(
        sa.insert(Enterprise),
        [
            {
                "id": number + 1,
                "name_zh": f"企业{number}",
                "credit_code": f"91{number:016d}",
                "prefecture": PREFECTURES[number % len(PREFECTURES)],
                "industry": INDUSTRIES[number % len(INDUSTRIES)],
            }
            for number in range(enterprises)
        ],
    )
    db.session.execute(
        sa.insert(Application),
        [
            {
                "id": number + 1,
                "event_id": number % events + 1,
                "enterprise_id": (number // events + number) % enterprises + 1,
                "status": "approved",
                "consent_version": "bench",
                "consented_at": now,
            }
            for number in range(applications)
        ],
    )
    db.session.execute(
        sa.insert(Delegate),
        [{"application_id": number + 1, "name_zh": "代表"} for number in range(applications)],
    )
    rows = db.session.execute(
        sa.select(Application.id, Application.event_id, Application.enterprise_id)
    ).all()
    db.session.execute(
        sa.insert(OutcomeReport),
        [
            {
                "id": application_id,
                "event_id": event_id,
                "enterprise_id": enterprise_id,
                "application_id": application_id,
                "status": "confirmed",
                "due_at": now,
                "buyers_met": application_id % 7,
            }
            for application_id, event_id, enterprise_id in rows
        ],
    )
    db.session.execute(
        sa.insert(Deal),
        [
            {
                "report_id": number % applications + 1,
                "counterparty_name": "Buyer",
                "counterparty_country": COUNTRIES[number % len(COUNTRIES)],
                "product": "8413",
                "kind": KINDS[number % len(KINDS)],
                "amount": Decimal("1000.00") + number,
                "currency": "USD",
                "amount_usd": Decimal("1000.00") + number,
                "amount_cny": (Decimal("1000.00") + number) * Decimal("7.20"),
                "signed_on": date(2027, 3, 2),
            }
            for number in range(deals)
        ],
    )
    db.session.commit()
    return campaign.id


BARE_TEMPLATE = """<!doctype html><html><body><table>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table></body></html>"""


def bare_app(database_url: str):
    """A bare Flask + Flask-SQLAlchemy app whose page runs the breakdown's one query."""
    import sqlalchemy as sa
    from flask import Flask, render_template_string
    from flask_sqlalchemy import SQLAlchemy

    app = Flask("bare")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    bare_db = SQLAlchemy(app)
    deals = sa.table(
        "outcome_deals",
        sa.column("report_id"),
        sa.column("counterparty_country"),
        sa.column("kind"),
        sa.column("amount_usd"),
        sa.column("amount_cny"),
    )
    reports = sa.table(
        "outcome_reports",
        sa.column("id"),
        sa.column("event_id"),
        sa.column("enterprise_id"),
        sa.column("status"),
    )
    events = sa.table("events", sa.column("id"), sa.column("campaign_id"))
    enterprises = sa.table(
        "enterprises", sa.column("id"), sa.column("prefecture"), sa.column("industry")
    )

    @app.route("/results/<int:campaign_id>")
    def results(campaign_id: int):
        rows = bare_db.session.execute(
            sa.select(
                deals.c.counterparty_country,
                enterprises.c.prefecture,
                enterprises.c.industry,
                deals.c.kind,
                sa.func.sum(deals.c.amount_usd),
                sa.func.sum(deals.c.amount_cny),
                sa.func.count(),
            )
            .join(reports, reports.c.id == deals.c.report_id)
            .join(events, events.c.id == reports.c.event_id)
            .join(enterprises, enterprises.c.id == reports.c.enterprise_id)
            .where(reports.c.status == "confirmed", events.c.campaign_id == campaign_id)
            .group_by(
                deals.c.counterparty_country,
                enterprises.c.prefecture,
                enterprises.c.industry,
                deals.c.kind,
            )
        ).all()
        return render_template_string(BARE_TEMPLATE, rows=rows)

    return app


def timed(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url, base_url=BASE_URL)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed


def main(argv: list[str] | None = None) -> int:
    import sqlalchemy as sa

    from expo import caching

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--applications", type=int, default=4000)
    parser.add_argument("--deals", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        app.config["WTF_CSRF_ENABLED"] = False  # the benchmark signs in by posting the form
        with app.app_context():
            from expo.extensions import db

            campaign_id = seed(args.events, args.applications, args.deals)
            database_url = str(db.engine.url)
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
        signed_in = client.post(
            "/account/login",
            data={"email": "organizer@bench.example", "password": "benchmark"},
            base_url=BASE_URL,
        )
        assert signed_in.status_code == 302, signed_in.status_code
        url = f"/manage/results?campaign={campaign_id}"
        bare = bare_app(database_url).test_client()
        bare_url = f"/results/{campaign_id}"
        timed(client, url), timed(bare, bare_url)  # warm both: templates, fonts, caches
        statements: list[str] = []
        with app.app_context():
            from expo.extensions import db

            def count(*values):
                statements.append(values[2])

            sa.event.listen(db.engine, "before_cursor_execute", count)
            caching.renew("results")  # counted as computed afresh, not as kept
            timed(client, url)
            sa.event.remove(db.engine, "before_cursor_execute", count)
        app_times, cold_times, bare_times = [], [], []
        for _ in range(args.runs):  # interleaved, so all see the same machine
            with app.app_context():
                caching.renew("results")  # as after a commit that changed the figures
            cold_times.append(timed(client, url))
            app_times.append(timed(client, url))
            bare_times.append(timed(bare, bare_url))
    app_median, bare_median = statistics.median(app_times), statistics.median(bare_times)
    cold_median = statistics.median(cold_times)
    ratio = app_median / bare_median
    print(f"# Results page, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(
        f"{args.events} events, {args.applications} applications, {args.deals} deal lines, "
        f"{args.runs} runs each; the results page ran {len(statements)} SQL statements"
    )
    print()
    print("| page | median ms | min ms | max ms | page / bare (median) |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| Expo /manage/results (every figure, 5 charts, tables) | {app_median * 1000:.0f} | "
        f"{min(app_times) * 1000:.0f} | {max(app_times) * 1000:.0f} | {ratio:.2f} |"
    )
    print(
        f"| Expo, first reader after the figures changed | {cold_median * 1000:.0f} | "
        f"{min(cold_times) * 1000:.0f} | {max(cold_times) * 1000:.0f} | "
        f"{cold_median / bare_median:.2f} |"
    )
    print(
        f"| bare Flask + SQLAlchemy, the breakdown query | {bare_median * 1000:.0f} | "
        f"{min(bare_times) * 1000:.0f} | {max(bare_times) * 1000:.0f} | 1.00 |"
    )
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(f"\ngoal: within {GOAL_RATIO:.0f}x the bare page (as readers get it): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
