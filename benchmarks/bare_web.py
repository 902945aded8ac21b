"""The bare baselines of ``bench_web.py``: a minimal Flask + Flask-SQLAlchemy app doing the
core of each web path Expo serves, and nothing else.

    BARE_DATABASE_URL=postgresql+psycopg://... gunicorn -c deploy/gunicorn.conf.py \
        --pythonpath benchmarks bare_web:app

- ``GET /rows?n=20``: ``n`` rows read from PostgreSQL, printed as a Jinja table (the
  catalogue's and a page's baseline with 20, the review list's with 50);
- ``POST /events/<id>/apply`` (form field ``enterprise``): lock the event row, count its
  approved booths, insert the application approved or waitlisted, commit, redirect (a
  submission's baseline).

``create_tables`` makes and fills its tables; ``bench_web.py`` calls it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, redirect, render_template_string, request
from flask_sqlalchemy import SQLAlchemy

TEMPLATE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rows</title>
</head><body><table>
<tr><th>#</th><th>Title</th><th>Country</th><th>Starts</th><th>Booths</th></tr>
{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.title }}</td><td>{{ row.country }}</td>
<td>{{ row.starts_at.strftime("%Y-%m-%d") }}</td><td>{{ row.capacity }}</td></tr>{% endfor %}
</table></body></html>"""

metadata = sa.MetaData()
rows_table = sa.Table(
    "bare_rows",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
)
events_table = sa.Table(
    "bare_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("capacity", sa.Integer, nullable=False),
)
applications_table = sa.Table(
    "bare_applications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.ForeignKey("bare_events.id"), nullable=False),
    sa.Column("enterprise_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("event_id", "enterprise_id"),
)


def create_tables(database_url: str, *, rows: int = 50, events: int = 10, capacity: int = 50):
    """The baseline's tables, dropped and made again: ``rows`` rows to list, ``events``
    events of ``capacity`` booths to apply to."""
    engine = sa.create_engine(database_url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    starts = datetime(2027, 3, 1, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            rows_table.insert(),
            [
                {
                    "id": number + 1,
                    "title": f"Trade fair number {number + 1}",
                    "country": "HU",
                    "starts_at": starts + timedelta(days=number),
                    "capacity": 50,
                }
                for number in range(rows)
            ],
        )
        connection.execute(
            events_table.insert(),
            [{"id": number + 1, "capacity": capacity} for number in range(events)],
        )
    engine.dispose()


def approved_count(database_url: str, event_id: int) -> tuple[int, int]:
    """(approved, all) applications of a baseline event."""
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        approved = connection.execute(
            sa.select(sa.func.count()).where(
                applications_table.c.event_id == event_id,
                applications_table.c.status == "approved",
            )
        ).scalar_one()
        total = connection.execute(
            sa.select(sa.func.count()).where(applications_table.c.event_id == event_id)
        ).scalar_one()
    engine.dispose()
    return approved, total


def create_app(database_url: str | None = None) -> Flask:
    app = Flask("bare")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url or os.environ["BARE_DATABASE_URL"]
    db = SQLAlchemy(app)

    @app.get("/rows")
    def rows():
        count = min(int(request.args.get("n", 20)), 50)
        found = db.session.execute(
            sa.select(rows_table).order_by(rows_table.c.starts_at).limit(count)
        ).all()
        return render_template_string(TEMPLATE, rows=found)

    @app.post("/events/<int:event_id>/apply")
    def apply(event_id: int):
        enterprise_id = int(request.form["enterprise"])
        capacity = db.session.execute(
            sa.select(events_table.c.capacity)
            .where(events_table.c.id == event_id)
            .with_for_update()
        ).scalar_one()
        approved = db.session.execute(
            sa.select(sa.func.count()).where(
                applications_table.c.event_id == event_id,
                applications_table.c.status == "approved",
            )
        ).scalar_one()
        db.session.execute(
            applications_table.insert().values(
                event_id=event_id,
                enterprise_id=enterprise_id,
                status="approved" if approved < capacity else "waitlisted",
                created_at=datetime.now(UTC),
            )
        )
        db.session.commit()
        return redirect(f"/events/{event_id}", 302)

    return app


# gunicorn's entry point; only made when the database is named (importing stays cheap).
app = create_app() if os.environ.get("BARE_DATABASE_URL") else None
