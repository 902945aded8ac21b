"""``flask --app expo create-user``."""

from __future__ import annotations

from expo.accounts.models import User
from tests.factories import make_user


def create_user(app, *arguments: str):
    return app.test_cli_runner().invoke(args=["create-user", *arguments])


def test_create_user_makes_an_account_that_can_sign_in(app, db, client):
    result = create_user(
        app, "--role", "organizer", "--email", "Staff@Example.com", "--password", "long-enough"
    )

    assert result.exit_code == 0, result.output
    assert "staff@example.com" in result.output
    response = client.post(
        "/account/login", data={"email": "staff@example.com", "password": "long-enough"}
    )
    assert response.status_code == 302
    user = db.session.execute(db.select(User)).scalar_one()
    assert (user.role, user.name) == ("organizer", "Staff")


def test_create_user_with_a_registered_email_fails_cleanly(app, db):
    make_user(email="taken@example.com")
    db.session.commit()

    result = create_user(
        app, "--role", "enterprise", "--email", "taken@example.com", "--password", "long-enough"
    )

    assert result.exit_code != 0
    assert "Error: 该电子邮箱已注册。" in result.output
    assert "Traceback" not in result.output
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 1


def test_create_user_with_a_short_password_fails_cleanly(app, db):
    result = create_user(
        app, "--role", "admin", "--email", "admin@example.com", "--password", "short"
    )

    assert result.exit_code != 0
    assert "Error: 请至少输入8个字符。" in result.output
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 0
