"""The committed migrations build exactly the schema the models describe, and undo it.

Each run migrates its own empty database: a SQLite file, or on PostgreSQL a scratch
database created beside the test database and dropped afterwards.
"""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from expo import create_app
from expo.extensions import db
from tests.conftest import make_test_config, scratch_database_url


@pytest.fixture(scope="module")
def empty_database_url(tmp_path_factory):
    with scratch_database_url("expo_migrations", tmp_path_factory.mktemp("migrations")) as url:
        yield url


@pytest.fixture(scope="module")
def migration_app(tmp_path_factory, empty_database_url):
    app = create_app(make_test_config(tmp_path_factory, DATABASE_URL=empty_database_url))
    yield app
    with app.app_context():
        db.engine.dispose()


def schema_differences(connection: sa.Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, db.metadata)


def check_constraints(connection: sa.Connection) -> set[tuple[str, str]]:
    """Alembic does not compare check constraints, so they are compared by name here."""
    inspector = sa.inspect(connection)
    return {
        (table, constraint["name"])
        for table in inspector.get_table_names()
        if table != "alembic_version"
        for constraint in inspector.get_check_constraints(table)
    }


def model_check_constraints() -> set[tuple[str, str]]:
    return {
        (table.name, constraint.name)
        for table in db.metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, sa.CheckConstraint)
    }


def test_upgrade_builds_the_models_schema(migration_app):
    with migration_app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert schema_differences(connection) == []
            assert check_constraints(connection) == model_check_constraints()


def test_downgrade_to_base_then_upgrade_again(migration_app):
    with migration_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}

        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert schema_differences(connection) == []


def test_revisions_form_one_line_and_stand_alone(migration_app):
    with migration_app.app_context():
        config = migration_app.extensions["migrate"].migrate.get_config()
        scripts = ScriptDirectory.from_config(config)
        assert len(scripts.get_heads()) == 1, "merge the heads: flask --app expo db merge heads"

    # A revision describes the schema of its day; importing today's models would change it.
    for revision in Path(scripts.versions).glob("*.py"):
        source = revision.read_text()
        assert "import expo" not in source and "from expo" not in source, revision.name


def test_users_there_before_email_verification_count_as_verified(migration_app):
    with migration_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="a6b0e48acb15")
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM users"))
            connection.execute(
                sa.text(
                    "INSERT INTO users (email, password_hash, name, mobile, role, locale, "
                    "active, created_at, password_changed_at) VALUES ('old@example.com', 'x', "
                    "'Old', '', 'enterprise', 'zh', :active, :made, :made)"
                ),
                {"active": True, "made": "2026-01-02 03:04:05"},
            )
        flask_migrate.upgrade()
        with db.engine.begin() as connection:
            verified = connection.execute(
                sa.text("SELECT email_verified_at FROM users WHERE email = 'old@example.com'")
            ).scalar_one()
            connection.execute(sa.text("DELETE FROM users"))
        assert verified is not None
        assert str(verified).startswith("2026-01-02 03:04:05")
