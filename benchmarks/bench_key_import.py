"""Importing the department's key-enterprise list: 1,000 rows from Excel.

    make bench                        # or: .venv/bin/python benchmarks/bench_key_import.py
    .venv/bin/python benchmarks/bench_key_import.py --rows 1000 --runs 5

A workbook of ``--rows`` rows (Chinese headings as the template's): a tenth match
enterprises already on Expo, a twentieth have a mistake (a wrong check character, an
unknown prefecture), the rest are new companies. Each run imports it into a fresh SQLite
database holding 2,000 other enterprises, through ``key_enterprises.import_key_enterprises``
with its commit, as the upload page does.

Beside it, the bare-library baseline on the same file and database: openpyxl reads the
sheet, python-stdnum checks each code, and SQLAlchemy looks each code up and inserts the
new company row by row (the obvious loop). Goal: 1,000 rows well under 10 s.
It is a measurement, not a test: it reports and exits 0 unless it breaks.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_documents import machine, make_app  # noqa: E402

GOAL_SECONDS = 10
EXISTING = 2000


def credit_code(serial: int, prefecture: str = "510100") -> str:
    from stdnum.cn import uscc

    body = f"91{prefecture}MA{serial:07d}"[:17]
    return body + uscc.calc_check_digit(body)


def workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "企业名称", "英文名称", "市州", "行业", "纳入年份"])
    for number in range(rows):
        code = credit_code(number if number % 10 == 0 else 500000 + number)
        prefecture = "成都市"
        if number % 20 == 7:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")  # a wrong check character
        if number % 20 == 13:
            prefecture = "亚特兰蒂斯"
        sheet.append([code, f"四川重点企业{number}有限公司", "", prefecture, "装备制造", 2022])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def seed() -> None:
    from expo.enterprises.models import Enterprise
    from expo.extensions import db

    db.create_all()
    db.session.add_all(
        Enterprise(
            name_zh=f"已注册企业{number}",
            credit_code=credit_code(number),
            prefecture="510100",
            industry="machinery",
        )
        for number in range(EXISTING)
    )
    db.session.commit()


def run_app(file: bytes) -> tuple[float, str]:
    from expo.accounts.models import Role, User
    from expo.enterprises import key_enterprises
    from expo.extensions import db

    organizer = User(email="organizer@bench.example", name="Organizer", role=Role.ORGANIZER)
    organizer.set_password("benchmark")
    db.session.add(organizer)
    db.session.commit()
    started = time.perf_counter()
    report = key_enterprises.import_key_enterprises(file, year=2026, actor=organizer)
    db.session.commit()
    elapsed = time.perf_counter() - started
    counts = f"{len(report.matched)} matched, {len(report.created)} created, "
    return elapsed, counts + f"{len(report.rejected)} refused"


def run_bare(file: bytes) -> tuple[float, str]:
    import sqlalchemy as sa
    from openpyxl import load_workbook
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    from expo.enterprises.models import Enterprise
    from expo.extensions import db

    started = time.perf_counter()
    sheet = load_workbook(io.BytesIO(file), read_only=True).worksheets[0]
    created = matched = refused = 0
    for code, name, _name_en, _prefecture, _industry, _year in sheet.iter_rows(
        min_row=2, values_only=True
    ):
        try:
            code = uscc.validate(str(code))
        except ValidationError:
            refused += 1
            continue
        found = db.session.scalar(sa.select(Enterprise).where(Enterprise.credit_code == code))
        if found is None:
            db.session.add(
                Enterprise(
                    name_zh=name, credit_code=code, prefecture="510100", industry="machinery"
                )
            )
            db.session.flush()
            created += 1
        else:
            found.key_enterprise = True
            matched += 1
    db.session.commit()
    elapsed = time.perf_counter() - started
    return elapsed, f"{matched} matched, {created} created, {refused} refused"


def measure(runner, file: bytes) -> tuple[float, str]:
    from expo.extensions import db

    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        with app.app_context():
            seed()
            result = runner(file)
            db.session.remove()
            db.engine.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    file = workbook(args.rows)
    app_times, bare_times = [], []
    app_counts = bare_counts = ""
    for _ in range(args.runs):  # interleaved, so both see the same machine
        seconds, app_counts = measure(run_app, file)
        app_times.append(seconds)
        seconds, bare_counts = measure(run_bare, file)
        bare_times.append(seconds)
    app_median, bare_median = statistics.median(app_times), statistics.median(bare_times)
    print(f"# Key-enterprise list import, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine: {machine()}")
    print(f"{args.rows} rows, {EXISTING} enterprises on Expo beforehand, {args.runs} runs each")
    print()
    print("| importer | median s | min s | max s | rows | app / bare (median) |")
    print("|---|---:|---:|---:|---|---:|")
    print(
        f"| Expo (checked like a typed profile, one report) | {app_median:.2f} | "
        f"{min(app_times):.2f} | {max(app_times):.2f} | {app_counts} | "
        f"{app_median / bare_median:.2f} |"
    )
    print(
        f"| bare openpyxl + stdnum + SQLAlchemy loop | {bare_median:.2f} | "
        f"{min(bare_times):.2f} | {max(bare_times):.2f} | {bare_counts} | 1.00 |"
    )
    verdict = "met" if app_median < GOAL_SECONDS else "NOT met"
    print(f"\ngoal: {args.rows} rows in < {GOAL_SECONDS} s: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
