"""What the events area announces to the areas built on it, without importing them.

Events sit below registrations (an application belongs to an event), so the events
services must not call into registrations. When a change to an event matters to another
area's rules, the events service sends a signal here and that area's services listen:

``capacity_changed``
    Sent by ``events.services.update_event`` with the event as sender, after its new
    capacity is set and before the change is flushed. ``registrations.services`` listens:
    it refuses a capacity below the booths already approved (``InvalidInput`` raised by a
    receiver reaches the caller) and serves the waiting list when booths were added.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

capacity_changed = _signals.signal("capacity-changed")
