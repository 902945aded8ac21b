"""What the registrations area announces to the areas built on it, without importing them.

``application_closed``
    Sent by ``registrations.services`` with the application as sender when it is
    withdrawn by its enterprise or cancelled by an organizer, after its status is set and
    within the same transaction, with ``status``, ``reason`` and ``actor``.
    ``documents.certificates`` listens: it revokes the application's certificates, so a
    certificate never outlives the participation it attests. ``matchmaking.services``
    listens: the enterprise's requests are withdrawn and its meetings called off.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

application_closed = _signals.signal("application-closed")
