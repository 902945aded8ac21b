"""Backups: an installation written to one archive comes back whole in a fresh one, and a
damaged, foreign or too-new archive, or an installation in use, is refused untouched.

The source is the test database (stamped at this code's migration head, as a migrated
database is); the restore target is a second app with its own instance folder, documents
folder and database: a SQLite file, or on PostgreSQL a scratch database beside the test
database, created and dropped here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import stat
import tarfile
import uuid
from datetime import date
from pathlib import Path

import flask_migrate
import openpyxl
import pytest
import sqlalchemy as sa

from expo import create_app
from expo.backups import archive
from expo.demo import DEMO_LOGINS, seed_demo
from expo.documents import certificates
from expo.documents.models import Certificate
from expo.documents.storage import LocalDocumentStore
from expo.enterprises.models import Enterprise
from expo.events.models import Event
from expo.extensions import db as _db
from expo.registrations.models import Application, ApplicationStatus
from tests.conftest import FreshContextClient, make_test_config, scratch_database_url
from tests.factories import check_in, make_user

DEMO_DAY = date(2026, 11, 29)
CERTIFICATES = 2
SOURCE_CONFIG = """PRIVACY_CONTACT = "privacy@sccom.example"
# The office's mail server
MAIL_PASSWORD = (
    "the-mail-secret"
)
SECRET_KEY: str = "the-config-secret"
MAIL_PORT = 587
"""


@pytest.fixture()
def source(app, db, tmp_path, monkeypatch):
    """The test app as an installation with its own instance folder and documents, its
    database stamped at this code's head."""
    instance = tmp_path / "source-instance"
    instance.mkdir()
    (instance / "config.py").write_text(SOURCE_CONFIG)
    (instance / "secret_key").write_text("the-source-secret")
    monkeypatch.setattr(app, "instance_path", str(instance))
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(tmp_path / "source-documents"))
    flask_migrate.stamp()
    yield app
    db.session.rollback()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture()
def target_url(tmp_path):
    with scratch_database_url("expo_restore", tmp_path) as url:
        yield url


@pytest.fixture()
def target(tmp_path_factory, tmp_path, target_url):
    """A fresh installation: nothing in its database, documents or instance folder."""
    app = create_app(
        make_test_config(
            tmp_path_factory,
            DATABASE_URL=target_url,
            DOCUMENTS_DIR=str(tmp_path / "target-documents"),
        )
    )
    app.test_client_class = FreshContextClient
    app.instance_path = str(tmp_path / "target-instance")
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def run(app, *arguments: str):
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(arguments))


def back_up(source, path: Path, *options: str) -> Path:
    _db.session.commit()
    result = run(source, "backup", str(path), *options)
    assert result.exit_code == 0, result.output
    assert f"Backup written to {path}" in result.output
    return path


def documents_in(folder: Path) -> dict[str, bytes]:
    return {
        file.relative_to(folder).as_posix(): file.read_bytes()
        for file in sorted(folder.rglob("*"))
        if file.is_file()
    }


def table_counts(app) -> dict[str, int]:
    with app.app_context(), _db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        return {
            table: connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
            for table in ("users", "enterprises", "events")
            if inspector.has_table(table)
        }


def page_text(html: str) -> str:
    """What a reader sees in the page's main part (no per-request nonces or tokens)."""
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def issue_demo_certificates(organizer) -> list[Certificate]:
    approved = _db.session.scalars(
        sa.select(Application)
        .where(Application.status == ApplicationStatus.APPROVED)
        .order_by(Application.id)
        .limit(CERTIFICATES)
    ).all()
    assert len(approved) == CERTIFICATES
    issued = []
    for application in approved:
        application.enterprise.verified = True
        check_in(application)  # one of its delegates came, and it is issued once it ended
        issued.append(
            certificates.issue_certificate(
                application, actor=organizer, now=application.event.ends_at
            )
        )
    _db.session.commit()
    return issued


def organizer_client(app):
    role, email, password = next(login for login in DEMO_LOGINS if login[0] == "organizer")
    client = app.test_client()
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def workbook_cells(data: bytes) -> dict[str, list[list[object]]]:
    """Every sheet of an XLSX file by its title, as cell values (the file's own bytes
    carry the moment it was written)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def exports(app) -> dict[str, object]:
    """Every export an organizer can take: each event's applications as CSV (bytes) and
    XLSX, its arrivals, and the results workbook in both languages (cell values)."""
    client = organizer_client(app)
    with app.app_context():
        event_ids = _db.session.scalars(sa.select(Event.id).order_by(Event.id)).all()
    taken: dict[str, object] = {}

    def take(url: str, method: str = "get") -> bytes:
        response = getattr(client, method)(url)
        assert response.status_code == 200, url
        return response.data

    for event_id in event_ids:
        base = f"/manage/events/{event_id}/applications"
        taken[f"{base}/export.csv"] = take(f"{base}/export.csv?lang=en", "post")
        taken[f"{base}/export.xlsx"] = workbook_cells(take(f"{base}/export.xlsx?lang=en", "post"))
        arrivals = f"/manage/events/{event_id}/arrivals.xlsx"
        taken[arrivals] = workbook_cells(take(f"{arrivals}?lang=en"))
    for language in ("zh", "en"):
        results = take(f"/manage/results.xlsx?year={DEMO_DAY.year}&lang={language}")
        taken[f"results.xlsx ({language})"] = workbook_cells(results)
    return taken


def test_an_installation_comes_back_whole_in_a_fresh_one(source, target, tmp_path):
    seed_demo(DEMO_DAY)
    _db.session.commit()
    organizer = make_user("organizer", email="issuer@sccom.example")
    issued = issue_demo_certificates(organizer)
    codes = [certificate.verification_code for certificate in issued]
    # Read here: inside the target's context the source's objects would load from there.
    files = {
        certificate.id: LocalDocumentStore(".").path(certificate.sha256).as_posix()
        for certificate in issued
    }
    event_id = _db.session.scalar(
        sa.select(Application.event_id)
        .group_by(Application.event_id)
        .order_by(sa.func.count().desc(), Application.event_id)
        .limit(1)
    )
    source_client = source.test_client()
    verified = {code: source_client.get(f"/verify/{code}?lang=en") for code in codes}
    assert all(response.status_code == 200 for response in verified.values())
    source_documents = documents_in(Path(source.config["DOCUMENTS_DIR"]))
    assert len(source_documents) == CERTIFICATES
    source_exports = exports(source)
    exported_csv = source_exports[f"/manage/events/{event_id}/applications/export.csv"]
    assert isinstance(exported_csv, bytes)
    assert len(list(csv.reader(io.StringIO(exported_csv.decode("utf-8-sig"))))) > 2
    assert len(source_exports) > 10

    path = back_up(source, tmp_path / "expo.tar.gz", "--with-secrets")
    restored = run(target, "restore", str(path))

    assert restored.exit_code == 0, restored.output
    assert f"{CERTIFICATES} documents" in restored.output
    target_client = target.test_client()
    for code, response in verified.items():
        again = target_client.get(f"/verify/{code}?lang=en")
        assert again.status_code == 200
        assert page_text(again.get_data(as_text=True)) == page_text(response.get_data(as_text=True))
    assert documents_in(Path(target.config["DOCUMENTS_DIR"])) == source_documents
    with target.app_context():
        for certificate_id, name in files.items():
            copy = _db.session.get(Certificate, certificate_id)
            assert copy is not None
            assert certificates.certificate_pdf(copy) == source_documents[name]
        assert archive.database_head() == archive.code_head()
    assert exports(target) == source_exports
    instance = Path(target.instance_path)
    assert (instance / "config.py").read_text() == SOURCE_CONFIG
    assert (instance / "secret_key").read_text() == "the-source-secret"


def test_the_manifest_describes_every_file(source, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="expo.backups.archive")
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")

    with tarfile.open(path) as tar:
        names = tar.getnames()
        manifest_bytes = tar.extractfile("manifest.json").read()  # type: ignore[union-attr]
        checksum = tar.extractfile("manifest.sha256").read().decode()  # type: ignore[union-attr]
        contents = {name: tar.extractfile(name).read() for name in names[2:]}  # type: ignore[union-attr]
    manifest = json.loads(manifest_bytes)
    kind = sa.make_url(source.config["DATABASE_URL"]).get_backend_name()
    assert names[:2] == ["manifest.json", "manifest.sha256"]
    assert checksum.split()[0] == hashlib.sha256(manifest_bytes).hexdigest()
    assert manifest["database_kind"] == kind
    assert manifest["migration_head"] == archive.code_head()
    assert {"expo_version", "python_version", "sqlalchemy_version", "alembic_version"} <= set(
        manifest
    )
    assert manifest["created_at"]
    # The secret key stays out unless asked for.
    assert sorted(contents) == sorted([archive.DATABASE_FILES[kind], "instance/config.py"])
    for entry in manifest["files"]:
        data = contents[entry["path"]]
        assert (entry["size"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert f"Backup written to {path}: {kind} database at {archive.code_head()}" in caplog.text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # passwords and passports inside
    # The settings file without its secrets, the rest as it was.
    assert contents["instance/config.py"].decode() == (
        'PRIVACY_CONTACT = "privacy@sccom.example"\n'
        "# The office's mail server\n"
        "# MAIL_PASSWORD: left out of the backup (give it as EXPO_MAIL_PASSWORD)\n"
        "# SECRET_KEY: left out of the backup (give it as EXPO_SECRET_KEY)\n"
        "MAIL_PORT = 587\n"
    )


def test_secrets_set_inside_blocks_are_left_out_too(tmp_path):
    config = tmp_path / "config.py"
    config.write_text(
        "import os\n"
        "if os.environ.get('OFFICE') == 'chengdu':\n"
        "    SECRET_KEY = 'the-nested-secret'\n"
        "    MAIL_PORT = 465\n"
        "else:\n"
        "    MAIL_USERNAME, MAIL_PASSWORD = 'expo', 'the-tuple-secret'\n"
        "try:\n"
        "    REDIS_URL: str = (\n"
        "        'redis://:the-redis-secret@cache/0'\n"
        "    )\n"
        "except ImportError:\n"
        "    pass\n"
    )
    stripped = archive._config_without_secrets(config, tmp_path / "copy.py").read_text()
    assert "secret@" not in stripped and "the-" not in stripped
    assert stripped == (
        "import os\n"
        "if os.environ.get('OFFICE') == 'chengdu':\n"
        "    pass  # SECRET_KEY: left out of the backup (give it as EXPO_SECRET_KEY)\n"
        "    MAIL_PORT = 465\n"
        "else:\n"
        "    pass  # MAIL_PASSWORD, MAIL_USERNAME: left out of the backup"
        " (give them as EXPO_MAIL_PASSWORD, EXPO_MAIL_USERNAME)\n"
        "try:\n"
        "    pass  # REDIS_URL: left out of the backup (give it as EXPO_REDIS_URL)\n"
        "except ImportError:\n"
        "    pass\n"
    )
    compile(stripped, "copy.py", "exec")  # still a settings file Python reads


@pytest.mark.parametrize(
    "text",
    [
        "if True: SECRET_KEY = 'the-inline-secret'\nelse: pass\n",
        "DEBUG = False; SECRET_KEY = 'the-inline-secret'\n",
        "SECRET_KEY = 'the-inline-secret'; DEBUG = False\n",
    ],
    ids=["under-an-if", "after-a-statement", "before-a-statement"],
)
def test_a_config_that_cannot_lose_its_secrets_safely_is_not_copied(tmp_path, text):
    config = tmp_path / "config.py"
    config.write_text(text)
    with pytest.raises(archive.BackupError, match="shares its line"):
        archive._config_without_secrets(config, tmp_path / "copy.py")
    assert not (tmp_path / "copy.py").exists()


def test_a_database_never_migrated_is_not_backed_up(app, db, tmp_path):
    result = run(app, "backup", str(tmp_path / "expo.tar"))
    assert result.exit_code != 0
    assert "no migration revision" in result.output
    assert not (tmp_path / "expo.tar").exists()


def flip_a_byte_of(path: Path, member: str) -> None:
    with tarfile.open(path) as tar:
        offset = tar.getmember(member).offset_data
    with path.open("r+b") as file:
        file.seek(offset + 100)
        byte = file.read(1)
        file.seek(offset + 100)
        file.write(bytes([byte[0] ^ 0xFF]))


def assert_refused_untouched(target, result, message: str) -> None:
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert table_counts(target) == {}
    assert not Path(target.config["DOCUMENTS_DIR"]).exists()
    assert not Path(target.instance_path, "config.py").exists()


def test_a_damaged_archive_is_refused(source, target, tmp_path):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")
    kind = sa.make_url(source.config["DATABASE_URL"]).get_backend_name()
    flip_a_byte_of(path, archive.DATABASE_FILES[kind])

    result = run(target, "restore", str(path))

    assert_refused_untouched(
        target, result, f"{archive.DATABASE_FILES[kind]} does not match its checksum"
    )


def test_a_damaged_compressed_archive_is_refused(source, target, tmp_path):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar.gz")
    data = bytearray(path.read_bytes())
    assert data.startswith(b"\x1f\x8b")  # gzip
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    result = run(target, "restore", str(path))

    assert_refused_untouched(target, result, "is damaged")


def rewrite_manifest(path: Path, change, *, recompute: bool) -> None:
    """Edit the archive's manifest; with ``recompute`` its checksum follows, as a forger's
    would."""
    with tarfile.open(path) as tar:
        members = {member.name: tar.extractfile(member).read() for member in tar}  # type: ignore[union-attr]
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    if recompute:
        digest = hashlib.sha256(members["manifest.json"]).hexdigest()
        members["manifest.sha256"] = f"{digest}  manifest.json\n".encode()
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_an_edited_manifest_is_refused(source, target, tmp_path):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")
    rewrite_manifest(path, lambda manifest: manifest.update(with_secrets=True), recompute=False)

    result = run(target, "restore", str(path))

    assert_refused_untouched(target, result, "the manifest does not match its checksum")


def test_an_archive_from_newer_code_is_refused(source, target, tmp_path):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")
    rewrite_manifest(
        path, lambda manifest: manifest.update(migration_head="ffffffffffff"), recompute=True
    )

    result = run(target, "restore", str(path))

    assert_refused_untouched(target, result, "made by a newer or different version of Expo")
    assert "ffffffffffff" in result.output


def test_an_archive_of_another_database_kind_is_refused(source, target, tmp_path):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")
    kind = sa.make_url(source.config["DATABASE_URL"]).get_backend_name()
    other = "postgresql" if kind == "sqlite" else "sqlite"
    rewrite_manifest(path, lambda manifest: manifest.update(database_kind=other), recompute=True)

    result = run(target, "restore", str(path))

    assert_refused_untouched(target, result, f"holds a {other} database")


def test_an_installation_in_use_is_replaced_only_with_force(source, target, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="expo.backups.archive")
    make_user("organizer", email="kept@sccom.example")
    path = back_up(source, tmp_path / "expo.tar")
    with target.app_context():
        _db.metadata.create_all(_db.engine)
        make_user("organizer", email="already-here@sccom.example")
        _db.session.commit()

    refused = run(target, "restore", str(path))

    assert refused.exit_code != 0
    assert "in use (the table users has 1 rows)" in refused.output
    assert "--force" in refused.output
    with target.app_context():
        assert _db.session.scalars(sa.select(Enterprise.id)).all() == []
        emails = _db.session.scalars(sa.text("SELECT email FROM users")).all()
    assert emails == ["already-here@sccom.example"]

    forced = run(target, "restore", str(path), "--force")

    assert forced.exit_code == 0, forced.output
    assert f"Backup {path} of " in caplog.text and "restored" in caplog.text
    with target.app_context():
        assert _db.session.scalars(sa.text("SELECT email FROM users")).all() == [
            "kept@sccom.example"
        ]


def test_a_documents_folder_with_files_counts_as_in_use(source, target, tmp_path):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")
    stray = Path(target.config["DOCUMENTS_DIR"]) / "ab" / "stray.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"%PDF")

    result = run(target, "restore", str(path))

    assert result.exit_code != 0
    assert "the documents folder" in result.output
    assert table_counts(target) == {}


def test_an_archive_from_older_code_is_migrated_up(source, target, tmp_path, monkeypatch):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")
    with source.app_context():
        script = archive._script_directory()
        previous = script.get_revision(archive.code_head()).down_revision
    rewrite_manifest(
        path, lambda manifest: manifest.update(migration_head=previous), recompute=True
    )
    upgrades = []
    monkeypatch.setattr(archive.flask_migrate, "upgrade", lambda: upgrades.append(previous))

    result = run(target, "restore", str(path))

    assert result.exit_code == 0, result.output
    assert upgrades == [previous]
    assert f"migrated from {previous} to this version" in result.output


def test_instance_files_already_there_are_kept(source, target, tmp_path):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")
    instance = Path(target.instance_path)
    instance.mkdir()
    (instance / "config.py").write_text("BASE_URL = 'https://expo.sccom.example'\n")

    result = run(target, "restore", str(path))

    assert result.exit_code == 0, result.output
    assert (instance / "config.py").read_text() == "BASE_URL = 'https://expo.sccom.example'\n"
    assert (instance / "config.py.from-backup").read_text().startswith("PRIVACY_CONTACT")
    assert not (instance / "secret_key").exists()
    assert "instance/config.py differs from the archive's and was kept" in result.output


@pytest.mark.postgresql
def test_postgresql_is_dumped_in_pg_dumps_custom_format(source, tmp_path):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")

    with tarfile.open(path) as tar:
        dump = tar.extractfile(archive.POSTGRESQL_FILE).read()  # type: ignore[union-attr]
    assert dump.startswith(b"PGDMP")


def test_an_unreachable_database_is_named_not_a_traceback(source, tmp_path_factory, tmp_path):
    make_user("organizer")
    path = back_up(source, tmp_path / "expo.tar")
    url = sa.make_url(source.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        url = url.set(database=str(tmp_path / "no-such-folder" / "expo.sqlite3"))
    else:
        url = url.set(database=f"expo_no_such_database_{uuid.uuid4().hex[:12]}")
    unreachable = create_app(
        make_test_config(
            tmp_path_factory,
            DATABASE_URL=url.render_as_string(hide_password=False),
            DOCUMENTS_DIR=str(tmp_path / "documents"),
        )
    )

    for arguments in (("restore", str(path)), ("backup", str(tmp_path / "other.tar"))):
        result = run(unreachable, *arguments)
        assert result.exit_code != 0
        assert "The database cannot be reached" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "other.tar").exists()
    with unreachable.app_context():
        _db.engine.dispose()
