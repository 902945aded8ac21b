"""What must hold before Expo serves anyone, checked when a server or a worker starts.

- The database is at the code's newest migration: otherwise the first query would fail
  (a column the code expects is missing) in front of a user.
- The documents directory can be written: otherwise the first certificate would fail.
- A secret key set by hand is long enough to sign sessions and links safely (a generated
  one always is): at least ``MIN_SECRET_KEY_LENGTH`` characters outside debug and tests.

``wsgi.py`` (gunicorn), the ``worker`` command and ``make run``/``make dev`` (through
``flask --app expo check``) refuse to start with every problem found, each saying what to
do. Management commands such as ``flask db upgrade`` are not checked: they are the cure.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import click
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from expo.extensions import db

logger = logging.getLogger(__name__)

MIN_SECRET_KEY_LENGTH = 32
UPGRADE = "flask --app expo db upgrade"


def _migration_problem(app: Flask) -> str | None:
    migrations = app.extensions["migrate"].directory
    script = ScriptDirectory.from_config(_alembic_config(migrations))
    heads = set(script.get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        # Unreachable for now (the database starting after this host): serve, and let
        # every page answer 503 until it is back (expo.outage), rather than not start.
        logger.warning(
            "the database cannot be reached (%s): its migrations are not checked",
            type(error).__name__,
        )
        return None
    if current == heads:
        return None
    if not current:
        return f"The database has no tables yet: run `{UPGRADE}` (or `make db`)."
    unknown = current - {revision.revision for revision in script.walk_revisions()}
    if unknown:
        return (
            f"The database is at migration {', '.join(sorted(unknown))}, which this code "
            "does not know: it was upgraded by a newer version of Expo. Run that version."
        )
    return (
        f"The database is at migration {', '.join(sorted(current))} but the code expects "
        f"{', '.join(sorted(heads))}: run `{UPGRADE}` (or `make db`)."
    )


def _alembic_config(directory: str) -> Config:
    config = Config()
    config.set_main_option("script_location", directory)
    return config


def _documents_problem(app: Flask) -> str | None:
    folder = Path(app.config.get("DOCUMENTS_DIR") or Path(app.instance_path) / "documents")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as error:
        return (
            f"The documents directory {folder} cannot be written ({error.strerror or error}): "
            "free space or fix its permissions, or set EXPO_DOCUMENTS_DIR."
        )
    return None


def _secret_key_problem(app: Flask) -> str | None:
    if app.debug or app.testing:
        return None
    if len(str(app.config.get("SECRET_KEY") or "")) < MIN_SECRET_KEY_LENGTH:
        return (
            f"EXPO_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters: set a long "
            "random one (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
            "the same on every host, or unset it to have one generated in instance/."
        )
    return None


def problems(app: Flask) -> list[str]:
    """Every reason not to start, each with what to do about it."""
    with app.app_context():
        found = [
            _migration_problem(app),
            _documents_problem(app),
            _secret_key_problem(app),
        ]
    return [problem for problem in found if problem]


def refuse_to_start_if_unready(app: Flask) -> None:
    """Stop the process with every problem found, before it serves anyone."""
    found = problems(app)
    if found:
        raise SystemExit("Expo cannot start:\n" + "\n".join(f"- {line}" for line in found))


@click.command("check")
@with_appcontext
def check_command() -> None:
    """Check that Expo can start: migrations, documents directory, secret key."""
    found = problems(current_app._get_current_object())  # type: ignore[attr-defined]
    for line in found:
        click.echo(f"- {line}", err=True)
    if found:
        raise click.ClickException("Expo cannot start until these are fixed.")
    click.echo("Expo can start: database migrated, documents writable, secret key set.")
