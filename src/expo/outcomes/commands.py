"""The outcomes area's commands: ``flask --app expo outcomes remind``."""

from __future__ import annotations

import click

from expo.jobs import queue
from expo.outcomes.reminders import DEFAULT_REMIND_WITHIN_DAYS


@click.group("outcomes")
def outcomes_command() -> None:
    """Outcome reports: asking for them and reminding."""


@outcomes_command.command("remind")
@click.option(
    "--within",
    "within_days",
    default=DEFAULT_REMIND_WITHIN_DAYS,
    show_default=True,
    type=click.IntRange(min=1, max=60),
    help="Remind enterprises whose report is due within this many days.",
)
def remind_command(within_days: int) -> None:
    """Queue the round: ask the enterprises of events that just ended for their reports,
    and remind those whose report is due soon (each once per deadline). Safe to run daily
    from cron; a worker (``flask --app expo worker``) does the work and sends the mail."""
    from expo.jobs import tasks

    queue.enqueue(tasks.OUTCOME_ROUND, within_days)
    click.echo(
        f"Outcome reports round queued (reminders for reports due within {within_days} days)."
    )
