"""Write and restore a backup archive: a tar file (gzip-compressed when its name ends in
``.gz`` or ``.tgz``) that holds everything an installation needs to come back.

Layout of the archive::

    manifest.json           versions, database kind, migration head, time, every file's
                            SHA-256 and size
    manifest.sha256         the SHA-256 of manifest.json, so the manifest is checked too
    database/expo.sqlite3   SQLite, copied with sqlite3's online backup API, or
    database/expo.pgdump    PostgreSQL, ``pg_dump --format=custom``
    documents/…             the document store's files, in the store's own layout
    instance/config.py      the local settings, when there is such a file, without the
                            secret ones (``SECRET_SETTINGS``) unless ``with_secrets``
    instance/secret_key     only with ``with_secrets``

A restore checks everything before it changes anything: every file against the manifest,
the manifest against its own checksum, the migration head against this code's
migrations, the database kind against the configured one and the target against being in
use. Only then does it replace the database, add the documents, place the instance files
that are missing and migrate the database up to this code's head.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

import alembic
import flask_migrate
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from expo.documents.storage import documents_dir
from expo.extensions import db

logger = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
MANIFEST_CHECKSUM = "manifest.sha256"
SQLITE_FILE = "database/expo.sqlite3"
POSTGRESQL_FILE = "database/expo.pgdump"
DATABASE_FILES = {"sqlite": SQLITE_FILE, "postgresql": POSTGRESQL_FILE}
DOCUMENTS = "documents"
INSTANCE = "instance"
CONFIG_FILE = "config.py"
SECRET_KEY_FILE = "secret_key"
# Settings instance/config.py may hold that give access to something: left out of a
# backup's copy of the file unless secrets are asked for.
SECRET_SETTINGS = frozenset(
    {
        "SECRET_KEY",
        "SECRET_KEY_FALLBACKS",
        "DATABASE_URL",
        "SQLALCHEMY_DATABASE_URI",
        "REDIS_URL",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
    }
)
# The tables whose rows make an installation "in use": a restore would overwrite them.
IN_USE_TABLES = ("users", "enterprises", "events")
CHUNK_SIZE = 1024 * 1024
# The document store writes beside its target first (``.incoming-…``): never a document.
INCOMING_PREFIX = ".incoming-"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


class DamagedArchive(BackupError):
    pass


class UnknownMigration(BackupError):
    pass


class DatabaseKindMismatch(BackupError):
    pass


class InstallationInUse(BackupError):
    pass


@dataclass(frozen=True)
class ArchivedFile:
    path: str
    sha256: str
    size: int


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    documents: int
    instance_files_written: list[str] = field(default_factory=list)
    instance_files_kept: list[str] = field(default_factory=list)
    upgraded_from: str | None = None


# --- what the installation is ---------------------------------------------------------------


def database_kind(url: str) -> str:
    """``sqlite`` or ``postgresql``; any other database cannot be backed up here."""
    backend = sa.make_url(url).get_backend_name()
    if backend not in DATABASE_FILES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


def _configured_kind() -> str:
    return database_kind(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path(url: str) -> Path:
    database = sa.make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _script_directory() -> ScriptDirectory:
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def code_head() -> str | None:
    """The newest migration this code knows."""
    return _script_directory().get_current_head()


def known_revisions() -> set[str]:
    return {script.revision for script in _script_directory().walk_revisions()}


def database_head() -> str | None:
    """The migration the configured database is at (None: never migrated)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def installation_in_use() -> list[str]:
    """What holds data already: tables among ``IN_USE_TABLES`` with rows, and the
    documents folder when it has files. Empty when a restore may go ahead."""
    reasons = []
    with db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        for table in IN_USE_TABLES:
            if inspector.has_table(table):
                rows = connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
                if rows:
                    reasons.append(f"the table {table} has {rows} rows")
    if any(_document_files(documents_dir())):
        reasons.append(f"the documents folder {documents_dir()} holds files")
    return reasons


def _document_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith(INCOMING_PREFIX):
            yield path


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _expo_version() -> str:
    try:
        return metadata.version("expo")
    except metadata.PackageNotFoundError:  # run from a source tree without installing
        return "unknown"


# --- the database's own tools ---------------------------------------------------------------


def _postgresql_client(url: str) -> tuple[list[str], dict[str, str], str]:
    """Connection options for pg_dump/pg_restore, the environment carrying the password
    (never on a command line others can read), and the database's name."""
    parsed = sa.make_url(url)
    options = []
    if parsed.host:
        options += ["--host", parsed.host]
    if parsed.port:
        options += ["--port", str(parsed.port)]
    if parsed.username:
        options += ["--username", parsed.username]
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    sslmode = parsed.query.get("sslmode")
    if isinstance(sslmode, str):
        environment["PGSSLMODE"] = sslmode
    if not parsed.database:
        raise BackupError("The PostgreSQL URL names no database.")
    return options, environment, parsed.database


def _run(arguments: list[str], environment: dict[str, str]) -> None:
    try:
        completed = subprocess.run(
            arguments, env=environment, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(
            f"{arguments[0]} is not installed: install PostgreSQL's client tools "
            "(Debian: postgresql-client) in the server's major version."
        ) from error
    if completed.returncode != 0:
        raise BackupError(f"{arguments[0]} failed: {completed.stderr.strip()}")


def _copy_sqlite(source_path: Path, target_path: Path) -> None:
    """Copy a SQLite database page by page with the online backup API: a consistent
    snapshot while the app keeps writing, and a target replaced in one go."""
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _dump_database(kind: str, url: str, target: Path) -> None:
    if kind == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.is_file():
            raise BackupError(f"The SQLite database {source_path} does not exist.")
        _copy_sqlite(source_path, target)
        return
    options, environment, name = _postgresql_client(url)
    _run(["pg_dump", "--format=custom", "--file", str(target), *options, name], environment)


def _load_database(kind: str, url: str, dump: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(dump, target_path)
        return
    # The target passed the in-use check: whatever tables it has (an empty migrated
    # schema) make way for the archive's, which pg_restore then creates.
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    db.engine.dispose()
    options, environment, name = _postgresql_client(url)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            *options,
            "--dbname",
            name,
            str(dump),
        ],
        environment,
    )


# --- backing up -----------------------------------------------------------------------------


def _secret_statements(module: ast.Module) -> list[tuple[ast.stmt, list[str]]]:
    """Every simple statement of ``module``, at any depth (under an ``if``, a ``try``, a
    function), that stores one of ``SECRET_SETTINGS``, with the names it stores; in the
    order of the file."""
    found = []
    for node in ast.walk(module):
        if not isinstance(node, ast.stmt) or hasattr(node, "body"):
            continue  # a compound statement: its own simple statements are walked too
        names = {
            name.id
            for name in ast.walk(node)
            if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Store)
        }
        if secret := sorted(names & SECRET_SETTINGS):
            found.append((node, secret))
    return sorted(found, key=lambda item: item[0].lineno)


def _config_without_secrets(config: Path, target: Path) -> Path:
    """A copy of ``config.py`` at ``target`` whose assignments of ``SECRET_SETTINGS``,
    wherever they stand, are replaced by a comment (by ``pass`` and the comment inside a
    block, which must keep a statement); the rest is kept line for line."""
    text = config.read_text()
    try:
        module = ast.parse(text, filename=str(config))
    except SyntaxError as error:
        raise BackupError(f"{config} is not valid Python: {error}") from error
    lines = text.splitlines(keepends=True)
    replaced_from = len(lines) + 1
    for node, secret in reversed(_secret_statements(module)):
        end = node.end_lineno or node.lineno
        if end >= replaced_from:  # on a line already replaced (``A = 1; SECRET_KEY = …``)
            continue
        given = ", ".join(f"EXPO_{name}" for name in secret)
        pronoun = "it" if len(secret) == 1 else "them"
        comment = f"# {', '.join(secret)}: left out of the backup (give {pronoun} as {given})\n"
        indent = lines[node.lineno - 1][: node.col_offset]
        after = lines[end - 1][node.end_col_offset or 0 :].strip()
        if indent.strip() or (after and not after.startswith("#")):
            # Another statement on its line (``DEBUG = False; SECRET_KEY = …``) would be
            # lost with it.
            raise BackupError(
                f"{config}, line {node.lineno}: {', '.join(secret)} shares its line with "
                "another statement: give each secret a line of its own, "
                "or back up --with-secrets"
            )
        if node.col_offset:
            comment = f"{indent}pass  {comment}"
        lines[node.lineno - 1 : end] = [comment]
        replaced_from = node.lineno
    stripped = "".join(lines)
    try:
        ast.parse(stripped)
    except SyntaxError as error:  # e.g. a secret set after another statement on its line
        raise BackupError(
            f"{config} could not be copied without its secrets ({error}): "
            "give each secret a line of its own, or back up --with-secrets"
        ) from error
    target.write_text(stripped)
    return target


def _open_for_writing(partial: Path, path: Path) -> tarfile.TarFile:
    """A tar file at ``partial``, compressed when the archive's name (``path``) asks."""
    if path.name.endswith((".gz", ".tgz")):
        return tarfile.open(partial, "w:gz")
    return tarfile.open(partial, "w")


def create_backup(path: Path, *, with_secrets: bool = False) -> dict[str, Any]:
    """Write the archive at ``path`` (whole or not at all) and return its manifest."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    kind = database_kind(url)
    try:
        head = database_head()
    except sa.exc.OperationalError as error:
        raise _unreachable(error) from error
    if head is None:
        raise BackupError(
            "The database has no migration revision: bring it up to date with "
            "`flask --app expo db upgrade` first."
        )
    instance = Path(current_app.instance_path)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="expo-backup-") as scratch:
        dump = Path(scratch) / "database"
        _dump_database(kind, url, dump)
        members: list[tuple[str, Path]] = [(DATABASE_FILES[kind], dump)]
        root = documents_dir()
        members += [
            (f"{DOCUMENTS}/{file.relative_to(root).as_posix()}", file)
            for file in _document_files(root)
        ]
        config = instance / CONFIG_FILE
        if config.is_file():
            if not with_secrets:
                config = _config_without_secrets(config, Path(scratch) / CONFIG_FILE)
            members.append((f"{INSTANCE}/{CONFIG_FILE}", config))
        if with_secrets and (instance / SECRET_KEY_FILE).is_file():
            members.append((f"{INSTANCE}/{SECRET_KEY_FILE}", instance / SECRET_KEY_FILE))
        files = [
            ArchivedFile(name, _sha256_file(source), source.stat().st_size)
            for name, source in members
        ]
        manifest = {
            "format": FORMAT,
            "expo_version": _expo_version(),
            "python_version": platform.python_version(),
            "sqlalchemy_version": sa.__version__,
            "alembic_version": alembic.__version__,
            "database_kind": kind,
            "migration_head": head,
            "created_at": started.isoformat(timespec="seconds"),
            "with_secrets": with_secrets,
            "files": [vars(file) for file in files],
        }
        manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        manifest_path = Path(scratch) / MANIFEST
        manifest_path.write_bytes(manifest_bytes)
        checksum_path = Path(scratch) / MANIFEST_CHECKSUM
        checksum_path.write_text(f"{hashlib.sha256(manifest_bytes).hexdigest()}  {MANIFEST}\n")

        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside the target and renamed: a half-written archive never has its name.
        partial = path.with_name(f".{path.name}.partial")
        try:
            # Readable by its owner only from the first byte: it holds every account's
            # password hash and the delegates' passports.
            os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            os.chmod(partial, 0o600)
            with _open_for_writing(partial, path) as archive:
                archive.add(manifest_path, MANIFEST)
                archive.add(checksum_path, MANIFEST_CHECKSUM)
                for name, source in members:
                    archive.add(source, name)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    logger.info(
        "Backup written to %s: %s database at %s, %d files, %d bytes.",
        path,
        kind,
        head,
        len(files),
        path.stat().st_size,
    )
    return manifest


# --- restoring ------------------------------------------------------------------------------


def _safe_member_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and ".." not in parts


def _unpack(path: Path, scratch: Path) -> None:
    """Every regular file of the archive under ``scratch``; anything else is refused."""
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if not member.isfile() or not _safe_member_name(member.name):
                    raise DamagedArchive(
                        f"{path} is not an Expo backup: it holds {member.name!r}, "
                        "which no backup writes."
                    )
                source = archive.extractfile(member)
                if source is None:
                    raise DamagedArchive(f"{path}: {member.name} cannot be read.")
                target = scratch / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                with source, target.open("wb") as file:
                    shutil.copyfileobj(source, file, CHUNK_SIZE)
    except FileNotFoundError as error:
        raise BackupError(f"There is no file {path}.") from error
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise DamagedArchive(f"{path} is damaged and cannot be read ({error}).") from error


def _damaged(path: Path, what: str) -> DamagedArchive:
    return DamagedArchive(f"{path} is damaged: {what}. Nothing was restored.")


def read_verified_manifest(path: Path, scratch: Path) -> dict[str, Any]:
    """Unpack ``path`` into ``scratch`` and prove every file is what the manifest says."""
    _unpack(path, scratch)
    manifest_path = scratch / MANIFEST
    checksum_path = scratch / MANIFEST_CHECKSUM
    if not manifest_path.is_file() or not checksum_path.is_file():
        raise _damaged(path, "it has no manifest")
    expected = checksum_path.read_text(errors="replace").split(maxsplit=1)[:1]
    if expected != [_sha256_file(manifest_path)]:
        raise _damaged(path, "the manifest does not match its checksum")
    try:
        manifest = json.loads(manifest_path.read_bytes())
        listed = {
            str(entry["path"]): (int(entry["size"]), str(entry["sha256"]))
            for entry in manifest["files"]
        }
    except (ValueError, KeyError, TypeError) as error:
        raise _damaged(path, "the manifest cannot be read") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{path} is a backup of format {manifest.get('format')!r}; "
            f"this version of Expo reads format {FORMAT}."
        )
    present = {
        file.relative_to(scratch).as_posix() for file in scratch.rglob("*") if file.is_file()
    } - {MANIFEST, MANIFEST_CHECKSUM}
    if missing := sorted(set(listed) - present):
        raise _damaged(path, f"{missing[0]} is missing")
    if extra := sorted(present - set(listed)):
        raise _damaged(path, f"{extra[0]} is not in the manifest")
    for name, (size, sha256) in listed.items():
        file = scratch / name
        if file.stat().st_size != size or _sha256_file(file) != sha256:
            raise _damaged(path, f"{name} does not match its checksum")
    return manifest  # type: ignore[no-any-return]


def _check_restorable(path: Path, manifest: dict[str, Any], *, force: bool) -> str:
    head = manifest.get("migration_head")
    if head not in known_revisions():
        raise UnknownMigration(
            f"{path} was made by a newer or different version of Expo: its database is at "
            f"migration {head}, which this code does not know (its newest is "
            f"{code_head()}). Restore it with that version, or a later one."
        )
    kind = _configured_kind()
    archived_kind = manifest.get("database_kind")
    if archived_kind != kind:
        raise DatabaseKindMismatch(
            f"{path} holds a {archived_kind} database, but this installation is configured "
            f"for {kind}. Restore it into a {archived_kind} database (EXPO_DATABASE_URL)."
        )
    if not force and (reasons := installation_in_use()):
        raise InstallationInUse(
            "This installation is in use ("
            + "; ".join(reasons)
            + "). A restore would replace its data: restore into an empty installation, "
            "or give --force to replace it."
        )
    return kind


def _restore_documents(scratch: Path) -> int:
    source_root = scratch / DOCUMENTS
    target_root = documents_dir()
    count = 0
    for source in _document_files(source_root):
        target = target_root / source.relative_to(source_root)
        count += 1
        if target.exists():  # content-addressed: the same name holds the same bytes
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        os.chmod(target, 0o440)
    return count


def _restore_instance(scratch: Path, result: RestoreResult) -> None:
    """Instance files the target lacks are placed; one it has is kept as it is, and the
    archive's copy is put beside it (``config.py.from-backup``) to compare."""
    instance = Path(current_app.instance_path)
    source_root = scratch / INSTANCE
    if not source_root.is_dir():
        return
    for source in sorted(source_root.iterdir()):
        target = instance / source.name
        if target.exists() and target.read_bytes() == source.read_bytes():
            continue
        if target.exists():
            shutil.copyfile(source, target.with_name(f"{source.name}.from-backup"))
            result.instance_files_kept.append(source.name)
            continue
        instance.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        if source.name == SECRET_KEY_FILE:
            os.chmod(target, 0o600)
        result.instance_files_written.append(source.name)


def _unreachable(error: sa.exc.OperationalError) -> BackupError:
    return BackupError(f"The database cannot be reached: {error.orig}")


def restore_backup(path: Path, *, force: bool = False) -> RestoreResult:
    """Restore the archive at ``path`` into the configured installation.

    Everything is checked first (:class:`BackupError` and nothing changed otherwise);
    the database then takes the archive's content and is migrated to this code's head.
    """
    with tempfile.TemporaryDirectory(prefix="expo-restore-") as scratch_name:
        scratch = Path(scratch_name)
        manifest = read_verified_manifest(path, scratch)
        try:
            kind = _check_restorable(path, manifest, force=force)
        except sa.exc.OperationalError as error:
            raise _unreachable(error) from error
        url = current_app.config["SQLALCHEMY_DATABASE_URI"]
        _load_database(kind, url, scratch / DATABASE_FILES[kind])
        result = RestoreResult(manifest=manifest, documents=_restore_documents(scratch))
        _restore_instance(scratch, result)
    head = manifest["migration_head"]
    if head != code_head():
        flask_migrate.upgrade()
        db.engine.dispose()
        result.upgraded_from = head
    logger.info(
        "Backup %s of %s restored: %s database at %s%s, %d documents.",
        path,
        manifest.get("created_at"),
        kind,
        head,
        f" (migrated to {code_head()})" if result.upgraded_from else "",
        result.documents,
    )
    return result
