"""Matchmaking on paper: a participant's schedule, a card per table, the organizers' grid.

Every sheet is bilingual at once (Chinese and English side by side): the two sides of a
table read different scripts. Times are the event's wall clock with its zone named;
table numbers are printed large. Rendered on request, never stored: schedules change
until the day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from expo.documents.render import render_pdf
from expo.events.models import Event
from expo.matchmaking.models import Meeting
from expo.matchmaking.scheduler import Slot


def render_schedule(
    event: Event, meetings: Sequence[Meeting], *, side: str, name_zh: str, name_en: str
) -> bytes:
    """One participant's timetable; ``side`` is "sichuan" or "counterpart" (whose it is)."""
    return render_pdf(
        "documents/match_schedule.html",
        language="zh",
        title=f"{event.title_zh or event.title_en} · {name_zh or name_en}",
        event=event,
        meetings=list(meetings),
        side=side,
        name_zh=name_zh,
        name_en=name_en,
    )


def render_table_cards(event: Event, meetings: Sequence[Meeting], tables: int) -> bytes:
    """A card per table: its number, large, and who sits there slot by slot."""
    by_table: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        by_table[meeting.table_number].append(meeting)
    return render_pdf(
        "documents/match_table_cards.html",
        language="zh",
        title=f"{event.title_zh or event.title_en} · 桌卡 Table cards",
        event=event,
        tables=[
            (n, sorted(by_table.get(n, []), key=lambda m: m.starts_at))
            for n in range(1, tables + 1)
        ],
    )


def render_grid(
    event: Event, slots: Sequence[Slot], tables: int, meetings: Sequence[Meeting]
) -> bytes:
    """Slots down, tables across, on A3 landscape."""
    cells: dict[tuple[datetime, int], Meeting] = {
        (m.starts_at, m.table_number): m for m in meetings
    }
    return render_pdf(
        "documents/match_grid.html",
        language="zh",
        title=f"{event.title_zh or event.title_en} · 洽谈总表 Meeting grid",
        event=event,
        slots=list(slots),
        tables=list(range(1, tables + 1)),
        cells=cells,
    )
