import csv
import io
import re
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from expo import create_app, spreadsheets
from expo.audit.models import AuditEntry
from expo.events.models import Question
from expo.extensions import db as _db
from expo.registrations import exports, services
from expo.registrations.models import Delegate
from tests.conftest import make_test_config
from tests.factories import DEFAULT_PASSWORD, make_user, open_event
from tests.registrations.test_review import base, submit

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture()
def organizer(db, login_as):
    return login_as(make_user("organizer"))


@pytest.fixture()
def event(db, organizer):
    """Two applications: one approved with two delegates, one pending with a formula."""
    event = open_event()
    question = Question(
        event=event,
        kind="single_choice",
        label_zh="参展目的",
        label_en="Purpose of the visit",
        choices=[
            {"value": "buyers", "zh": "寻找买家", "en": "Meet buyers"},
            {"value": "partners", "zh": "寻找合作伙伴", "en": "Find partners"},
        ],
    )
    _db.session.add(question)
    _db.session.flush()
    approved = submit(
        event,
        delegates=2,
        answers={f"answer_{question.id}": "buyers"},
        name_zh="成都熊猫茶业有限公司",
        name_en="Chengdu Panda Tea Co., Ltd.",
        industry="tea",
        key_enterprise=True,
    )
    services.review(approved, "approved", actor=organizer)
    pending = submit(event, minutes=1, name_en="Formula Works")
    pending.exhibits = "=1+2"
    _db.session.flush()
    return event


def export(client, event, extension: str, lang: str | None = "en", **filters: str):
    """Press an export button of the list: a POST carrying the list's filters."""
    query = f"?lang={lang}" if lang else ""
    return client.post(f"{base(event)}/export.{extension}{query}", data=filters)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def xlsx_rows(response) -> list[list[object]]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    return [
        ["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)
    ]


class TestCsv:
    def test_opens_cleanly_in_excel(self, client, db, event):
        db.session.commit()
        response = export(client, event, "csv")
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="applications-event-{event.id}.csv"'
        )
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_data()
        assert body.startswith(b"\xef\xbb\xbf")
        assert b"\r\n" in body and body.count(b"\n") == body.count(b"\r\n")

    def test_one_row_per_delegate_with_answers_in_english(self, client, db, event):
        db.session.commit()
        header, *rows = csv_rows(export(client, event, "csv"))
        assert header[:3] == ["Application number", "Status", "Submitted (Europe/Budapest)"]
        assert "Unified social credit code" in header and "Passport number" in header
        assert header[-1] == "Purpose of the visit"
        assert len(rows) == 3  # two delegates, then one
        column = {name: index for index, name in enumerate(header)}
        first, second, third = rows
        assert first[column["Application number"]] == second[column["Application number"]]
        assert first[column["Status"]] == "Approved"
        assert first[column["Enterprise name (Chinese)"]] == "成都熊猫茶业有限公司"
        assert first[column["Key enterprise"]] == "Yes"
        assert first[column["Industry"]] == "Tea"
        assert first[column["Prefecture"]] == "Chengdu"
        assert [
            first[column["Delegate name (Latin letters)"]],
            second[column["Delegate name (Latin letters)"]],
        ] == ["ZHANG 0", "ZHANG 1"]
        assert first[column["Passport number"]] == "E12345678"  # organizers: in full
        assert first[-1] == second[-1] == "Meet buyers"
        assert third[column["Status"]] == "Pending review" and third[-1] == ""

    def test_headers_and_labels_in_chinese(self, client, db, event):
        db.session.commit()
        header, first, *_ = csv_rows(export(client, event, "csv", lang="zh"))
        assert "统一社会信用代码" in header and "企业名称（中文）" in header
        assert header[-1] == "参展目的"
        assert "已通过" in first and "寻找买家" in first and "是" in first

    def test_a_formula_is_neutralised(self, client, db, event):
        db.session.commit()
        header, *rows = csv_rows(export(client, event, "csv"))
        exhibits = header.index("Exhibits")
        assert rows[-1][exhibits] == "'=1+2"
        assert all(not cell.startswith("=") for row in rows for cell in row)

    def test_the_list_filters_apply(self, client, db, event):
        db.session.commit()
        header, *rows = csv_rows(export(client, event, "csv", status="pending"))
        assert [row[header.index("Status")] for row in rows] == ["Pending review"]

    def test_the_export_is_on_record(self, client, db, event, organizer):
        db.session.commit()
        export(client, event, "csv", lang=None, status="approved")
        entry = db.session.query(AuditEntry).filter_by(action="event.export_applications").one()
        assert entry.actor_id == organizer.id and entry.subject_id == event.id
        assert entry.details == {
            "format": "csv",
            "applications": 1,
            "filters": {"status": "approved"},
        }

    def test_a_get_writes_nothing_and_leads_to_the_list(self, client, db, event):
        """Old links and bookmarks: the list with their filters, where the buttons are."""
        db.session.commit()
        for extension in ("csv", "xlsx"):
            response = client.get(f"{base(event)}/export.{extension}?status=approved&lang=en")
            assert response.status_code == 302
            assert response.headers["Location"] == f"{base(event)}?status=approved&lang=en"
        recorded = db.session.query(AuditEntry).filter_by(action="event.export_applications")
        assert recorded.count() == 0

    def test_with_csrf_on_the_buttons_carry_the_page_token_beside_the_kept_filters(
        self, app, db, event, organizer, tmp_path_factory
    ):
        """The kept hidden fields hold no token: each page's own is rendered beside them,
        and the export it posts is accepted."""
        protected = create_app(
            make_test_config(
                tmp_path_factory, WTF_CSRF_ENABLED=True, DATABASE_URL=app.config["DATABASE_URL"]
            )
        )
        db.session.commit()
        tokens = []
        try:
            for _ in range(2):
                client = protected.test_client()
                login = client.get("/account/login").text
                client.post(
                    "/account/login",
                    data={
                        "email": organizer.email,
                        "password": DEFAULT_PASSWORD,
                        "csrf_token": TOKEN.search(login).group(1),
                    },
                )
                html = client.get(f"{base(event)}?lang=en&status=approved").text
                form = html[html.index('<form method="post" id="export-form"') :]
                form = form[: form.index("</form>")]
                (token,) = TOKEN.findall(form)
                tokens.append(token)
                fields = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', form))
                assert fields["status"] == "approved"
                exported = client.post(f"{base(event)}/export.csv?lang=en", data=fields)
                assert exported.status_code == 200
                assert exported.headers["Content-Type"].startswith("text/csv")
        finally:
            with protected.app_context():
                _db.engine.dispose()
        assert tokens[0] != tokens[1]  # each session its own, though the filters were kept

    def test_the_buttons_post_the_filters_of_the_list(self, client, db, event):
        db.session.commit()
        html = client.get(f"{base(event)}?lang=en&status=approved&key_only=y&q=Panda").text
        form = html[html.index('<form method="post" id="export-form"') :]
        form = form[: form.index("</form>")]
        assert f'action="{base(event)}/export.csv?lang=en"' in form
        for name, value in (("status", "approved"), ("key_only", "y"), ("q", "Panda")):
            assert f'name="{name}" type="hidden" value="{value}"' in form
        assert 'id="' not in form.removeprefix('<form method="post" id="export-form"')
        for extension, label in (("csv", "Export CSV"), ("xlsx", "Export Excel")):
            assert (
                f'form="export-form" class="btn btn-outline-secondary"\n        '
                f'formaction="{base(event)}/export.{extension}?lang=en">{label}</button>'
            ) in html
        header, *rows = csv_rows(
            export(client, event, "csv", status="approved", key_only="y", q="Panda")
        )
        assert {row[header.index("Enterprise name (Chinese)")] for row in rows} == {
            "成都熊猫茶业有限公司"
        }


class TestXlsx:
    def test_same_content_as_the_csv(self, client, db, event):
        db.session.commit()
        response = export(client, event, "xlsx")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == XLSX
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="applications-event-{event.id}.xlsx"'
        )
        rows = xlsx_rows(response)
        from_csv = csv_rows(export(client, event, "csv"))
        # The same cells, but for the CSV's apostrophe before a formula: an XLSX string
        # needs none.
        assert [[str(cell) for cell in row] for row in rows] == [
            [cell.removeprefix("'") for cell in row] for row in from_csv
        ]

    def test_header_is_bold_and_frozen_and_formulas_are_text(self, client, db, event):
        db.session.commit()
        response = export(client, event, "xlsx", lang="zh")
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.cell(row=2, column=1).value == int(sheet.cell(row=3, column=1).value)
        header = [cell.value for cell in sheet[1]]
        assert "统一社会信用代码" in header and header[-1] == "参展目的"
        exhibits = header.index("展品") + 1
        formula_cell = sheet.cell(row=sheet.max_row, column=exhibits)
        # Text as typed, stored as a string that Excel shows and never evaluates.
        assert formula_cell.value == "=1+2" and formula_cell.data_type == "s"
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as package:
            worksheet = package.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in worksheet and "<f " not in worksheet  # no formula anywhere
        assert 8 <= sheet.column_dimensions["D"].width <= 50


def test_a_phone_number_is_shown_as_typed_in_excel_and_safe_in_csv(client, db, event):
    """No apostrophe before "+86 …" in the workbook; the CSV still defuses it."""
    for delegate in db.session.scalars(sa.select(Delegate)):
        delegate.mobile = "+86 138 0000 0000"
    db.session.commit()
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, event, "xlsx").get_data())).active
    header = [cell.value for cell in sheet[1]]
    mobile = sheet.cell(row=2, column=header.index("Mobile") + 1)
    assert mobile.value == "+86 138 0000 0000" and mobile.data_type == "s"
    header, first, *_ = csv_rows(export(client, event, "csv"))
    assert first[header.index("Mobile")] == "'+86 138 0000 0000"
    assert first[header.index("Enterprise name (Chinese)")] == "成都熊猫茶业有限公司"


def test_neutralise():
    for dangerous in ("=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"):
        assert spreadsheets.neutralise(dangerous) == "'" + dangerous
    assert spreadsheets.neutralise("四川") == "四川"
    assert spreadsheets.neutralise(-3) == -3  # numbers are numbers, not formulas


def test_the_rows_follow_the_reader_language(app, db, event):
    from expo.registrations.review import ApplicationFilters, export_applications

    with force_locale("en"):
        rows = exports.export_rows(event, export_applications(event, ApplicationFilters()))
    assert rows[0][0] == "Application number" and len(rows) == 4
