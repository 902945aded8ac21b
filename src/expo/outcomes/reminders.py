"""The periodic round of outcome reports, run by the job queue: ask the enterprises of
events that have just ended, and remind those whose report falls due soon.

``flask --app expo outcomes remind`` queues it (daily from cron, say); a worker runs it,
and the emails it writes leave through the queue once it commits.
"""

from __future__ import annotations

import logging

from expo.extensions import db
from expo.outcomes import services

log = logging.getLogger(__name__)
DEFAULT_REMIND_WITHIN_DAYS = 3


def run_round(within_days: int = DEFAULT_REMIND_WITHIN_DAYS) -> dict[str, int]:
    """The queue's task: the edge of this work, so it commits."""
    requested = services.request_ended_events()
    reminded = services.send_reminders(within_days=within_days)
    db.session.commit()
    log.info("outcome reports: %d asked for, %d reminded", requested, reminded)
    return {"requested": requested, "reminded": reminded}
