"""Alembic environment, run by Flask-Migrate (``flask --app expo db …``).

The metadata and the engine come from the application, so a migration always targets the
database the app is configured for (``EXPO_DATABASE_URL`` or the SQLite file in
``instance/``). Revisions must not import ``expo``: they describe the schema as it was on
the day they were written, so model types are rendered as plain SQLAlchemy types.
"""

from __future__ import annotations

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    # The `flask db` commands get alembic.ini's console logging; when something already
    # configured logging (pytest, a process manager) it is left alone.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def render_item(type_: str, obj, autogen_context) -> str | bool:
    """Write a TypeDecorator (e.g. ``expo.db.UTCDateTime``) as the type it stores."""
    if type_ == "type" and isinstance(obj, sa.types.TypeDecorator):
        impl = obj.impl_instance
        if type(impl).__module__.startswith("sqlalchemy.sql"):
            return f"sa.{impl!r}"
    return False


def skip_empty_autogenerate(context, revision, directives) -> None:
    """``flask db migrate`` with no schema change writes no empty revision."""
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def configure_arguments() -> dict:
    arguments = dict(current_app.extensions["migrate"].configure_args)
    # SQLite can alter a table only by copying it: batch mode does that for us.
    arguments.setdefault("render_as_batch", True)
    arguments.setdefault("compare_type", True)
    arguments.setdefault("render_item", render_item)
    arguments.setdefault("process_revision_directives", skip_empty_autogenerate)
    return arguments


def run_migrations_offline() -> None:
    """``flask db upgrade --sql``: print the SQL instead of running it."""
    context.configure(
        url=target_db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_db.metadata,
        literal_binds=True,
        **configure_arguments(),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with target_db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            **configure_arguments(),
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
