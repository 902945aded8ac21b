"""Every command of ``flask --app expo``: ``create-user`` and ``seed-demo`` here, and the
areas' own commands (``worker``, in ``jobs/commands.py``; ``backup`` and ``restore``, in
``backups/commands.py``), registered below."""

from __future__ import annotations

import click
from flask import Flask

from expo.accounts.models import Role
from expo.errors import DomainError, InvalidInput
from expo.extensions import db


@click.command("create-user")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--email", required=True)
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--name", default="", help="Display name; defaults to the part before @.")
@click.option("--mobile", default="")
def create_user_command(role: str, email: str, password: str, name: str, mobile: str) -> None:
    """Create a user who can sign in at once."""
    from expo.accounts.services import create_user

    try:
        user = create_user(
            email=email,
            password=password,
            name=name or email.split("@")[0],
            mobile=mobile,
            role=Role(role),
        )
    except DomainError as error:
        db.session.rollback()
        message = (
            "; ".join(str(text) for text in error.errors.values())
            if isinstance(error, InvalidInput)
            else str(error)
        )
        raise click.ClickException(message) from error
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Add the demo to a database that holds other data.")
@click.option(
    "--if-empty",
    is_flag=True,
    help="On a database that holds other data, say so and leave it alone (exit 0).",
)
def seed_demo_command(force: bool, if_empty: bool) -> None:
    """Load the demo campaigns, events, enterprises and users (safe to run again)."""
    from expo.demo import DEMO_LOGINS, NotADemoDatabase, china_today, seed_demo

    try:
        created = seed_demo(china_today(), force=force)
    except NotADemoDatabase as error:
        db.session.rollback()
        if if_empty:
            # `make run` on an office's real database: serve it, without demo data.
            click.echo(f"{error}\nNo demo data added.")
            return
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo("Demo data ready." if created else "Demo data was already there.")
    for role, email, password in DEMO_LOGINS:
        click.echo(f"  {role:<11} {email:<28} {password}")


def register_commands(app: Flask) -> None:
    from expo.backups.commands import backup_command, restore_command
    from expo.jobs.commands import worker_command
    from expo.outcomes.commands import outcomes_command
    from expo.startup import check_command

    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(outcomes_command)
    app.cli.add_command(check_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
