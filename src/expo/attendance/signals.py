"""What the attendance area announces to the areas built on it, without importing them.

``check_in_undone``
    Sent by ``attendance.services.undo_check_in`` with the delegate's application as
    sender, after the check-in is marked undone and within the same transaction, with
    ``reason`` and ``actor``. ``documents.certificates`` listens: a certificate whose
    application has no standing check-in left (and no waiver) is revoked, so a scan made
    by mistake does not leave a certificate of a participation that did not happen.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

check_in_undone = _signals.signal("check-in-undone")
