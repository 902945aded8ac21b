"""Expo refuses to start, saying why and what to do, while the database is behind the
code, the documents directory cannot be written, or the secret key is weak."""

from __future__ import annotations

import pytest
from flask_migrate import stamp

from expo import create_app, startup
from expo.extensions import db
from tests.conftest import make_test_config


@pytest.fixture()
def fresh(tmp_path_factory, tmp_path):
    """An app of its own on an empty SQLite file."""

    def make(**overrides):
        config = make_test_config(
            tmp_path_factory,
            DATABASE_URL=f"sqlite:///{tmp_path / 'expo.sqlite3'}",
            DOCUMENTS_DIR=str(tmp_path / "documents"),
        )
        config.update(overrides)
        return create_app(config)

    return make


def migrated(app, revision="head"):
    with app.app_context():
        db.create_all()
        stamp(revision=revision)
    return app


def test_a_migrated_database_and_a_writable_folder_may_start(fresh):
    app = migrated(fresh())
    assert startup.problems(app) == []
    startup.refuse_to_start_if_unready(app)  # does not raise
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 0 and "Expo can start" in result.output


def test_an_empty_database_asks_for_the_migrations(fresh):
    app = fresh()
    [problem] = startup.problems(app)
    assert "no tables yet" in problem and "db upgrade" in problem
    with pytest.raises(SystemExit, match="Expo cannot start"):
        startup.refuse_to_start_if_unready(app)
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1 and "db upgrade" in result.output


def test_a_database_behind_the_code_names_both_migrations(fresh):
    app = migrated(fresh(), revision="b488457ceeb9")  # an earlier revision
    [problem] = startup.problems(app)
    assert "b488457ceeb9" in problem and "expects" in problem and "db upgrade" in problem


def test_a_database_of_a_newer_version_is_refused(fresh):
    app = migrated(fresh())
    with app.app_context():
        db.session.execute(db.text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
        db.session.commit()
    [problem] = startup.problems(app)
    assert "f00dfeedbeef" in problem and "newer version" in problem


def test_a_documents_folder_that_cannot_be_written_is_refused(fresh, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app = migrated(fresh(DOCUMENTS_DIR=str(blocker / "documents")))
    [problem] = startup.problems(app)
    assert "documents directory" in problem and "EXPO_DOCUMENTS_DIR" in problem


def test_a_short_secret_key_is_refused_outside_tests(fresh):
    app = migrated(fresh(TESTING=False, SECRET_KEY="short-key"))
    [problem] = startup.problems(app)
    assert "EXPO_SECRET_KEY" in problem and "32" in problem
    long_key = migrated(fresh(TESTING=False, SECRET_KEY="k" * 48))
    assert startup.problems(long_key) == []


def test_a_database_not_answering_yet_does_not_stop_the_start(fresh):
    # The pages answer 503 until it is back (expo.outage); the host is not left down.
    app = fresh(DATABASE_URL="postgresql+psycopg://expo@127.0.0.1:9/expo")
    assert startup.problems(app) == []
