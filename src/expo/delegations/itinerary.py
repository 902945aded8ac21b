"""The rules of a delegation's itinerary: what an item may be, who is where, and when.

Each item keeps two zones: a flight leaves Chengdu in Asia/Shanghai and lands in
Europe/Budapest. Times come in as the wall-clock times of those zones (what a ticket
says) and are stored in UTC; everything that compares times — "ends after it starts",
overlaps between items — compares the UTC instants, never the clock faces, so a flight
over the date line that lands at an earlier local time than it left is fine.

Decisions:

- **Conflicts.** A member is in conflict when two of their items overlap in absolute
  time (``a.starts < b.ends and b.starts < a.ends``). Items that merely touch (a
  transfer starting when the flight lands) do not overlap, nor does a zero-length item
  (a check-in at a point in time) at the edges of another. Hotel stays and free time
  conflict with nothing: a night booked in a hotel while the member is on a late flight,
  or a meeting during free time, is normal planning, not a clash.
- **Dates.** An item may start at most one day before the delegation's first day and end
  at most one day after its last (local dates): travel days start early and end late.
  Further out it is refused, as it almost always means a mistyped year or month.
- **Conflicts do not block saving.** The item is saved and the conflicts returned, so
  the organizer sees them (a flight delay can make two items overlap on purpose).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from expo.delegations.models import Delegation, ItemKind, ItineraryItem, Member
from expo.enterprises.models import Enterprise
from expo.errors import InvalidInput
from expo.extensions import db
from expo.i18n import NonexistentLocalTime, is_timezone, local_to_utc, utc_to_local

# Kinds that never clash with anything (see the module's docstring).
NEVER_CONFLICTING = frozenset({ItemKind.HOTEL.value, ItemKind.FREE_TIME.value})
# Kinds that may name the enterprises they are with.
WITH_ENTERPRISES = frozenset({ItemKind.MEETING.value, ItemKind.SITE_VISIT.value})
# How far outside the delegation's dates an item may start or end (travel days).
DATE_SLACK = timedelta(days=1)

TEXT_FIELDS = (
    "kind",
    "title_zh",
    "title_en",
    "place_zh",
    "place_en",
    "address",
    "transport_number",
    "host",
    "contact",
    "notes_zh",
    "notes_en",
)


@dataclass
class ItemData:
    """An item as an organizer enters it: naive wall-clock times in their own zones.

    An empty ``end_timezone`` means the start's zone. ``member_ids`` count only when
    ``everyone`` is false.
    """

    kind: str
    starts_at: datetime | None
    start_timezone: str
    ends_at: datetime | None
    end_timezone: str = ""
    title_zh: str = ""
    title_en: str = ""
    place_zh: str = ""
    place_en: str = ""
    address: str = ""
    transport_number: str = ""
    host: str = ""
    contact: str = ""
    notes_zh: str = ""
    notes_en: str = ""
    everyone: bool = True
    member_ids: list[int] = field(default_factory=list)
    enterprise_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Conflict:
    """``member`` is also in ``other`` while the item in question runs."""

    member: Member
    other: ItineraryItem


def group_conflicts(conflicts: list[Conflict]) -> list[tuple[ItineraryItem, list[Member]]]:
    """The same conflicts by the other item: "Wang Li, Zhang Wei are also in …" once,
    not a line per member when a whole delegation is double-booked."""
    grouped: dict[int, tuple[ItineraryItem, list[Member]]] = {}
    for conflict in conflicts:
        other, members = grouped.setdefault(conflict.other.id, (conflict.other, []))
        if conflict.member not in members:
            members.append(conflict.member)
    return list(grouped.values())


@dataclass
class SavedItem:
    item: ItineraryItem
    conflicts: list[Conflict]


# --- validation ------------------------------------------------------------------------


def _clock(local: datetime | None) -> str:
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def _to_utc(
    name: str, local: datetime | None, tz_name: str, errors: dict[str, object]
) -> datetime | None:
    if local is None:
        errors.setdefault(name, _l("Enter a date and time."))
        return None
    try:
        return local_to_utc(local, tz_name)
    except NonexistentLocalTime:
        errors[name] = _l(
            "%(time)s does not exist in %(zone)s: the clocks jump forward then.",
            time=_clock(local),
            zone=tz_name,
        )
        return None


def _check_dates(
    delegation: Delegation,
    starts: datetime | None,
    start_zone: str,
    ends: datetime | None,
    end_zone: str,
    errors: dict[str, object],
) -> None:
    message = _l(
        "Items fall within the delegation's dates, %(first)s to %(last)s, "
        "give or take a day for travel.",
        first=delegation.starts_on.isoformat(),
        last=delegation.ends_on.isoformat(),
    )
    if starts and utc_to_local(starts, start_zone).date() < delegation.starts_on - DATE_SLACK:
        errors.setdefault("starts_at", message)
    if ends and utc_to_local(ends, end_zone).date() > delegation.ends_on + DATE_SLACK:
        errors.setdefault("ends_at", message)


def _validated(delegation: Delegation, data: ItemData) -> dict[str, object]:
    """The values to store for ``data``: times in UTC, members and enterprises as rows."""
    errors: dict[str, object] = {}
    if data.kind not in {kind.value for kind in ItemKind}:
        errors["kind"] = _l("Choose a kind of item.")
    if not ((data.title_zh or "").strip() or (data.title_en or "").strip()):
        errors["title_zh"] = _l("Enter a title in Chinese or English (or both).")

    start_zone = data.start_timezone or ""
    end_zone = data.end_timezone or start_zone
    starts = ends = None
    if not is_timezone(start_zone):
        errors["start_timezone"] = _l("Choose a time zone from the list, e.g. Europe/Budapest.")
    else:
        starts = _to_utc("starts_at", data.starts_at, start_zone, errors)
    if not is_timezone(end_zone):
        errors["end_timezone"] = _l("Choose a time zone from the list, e.g. Europe/Budapest.")
    else:
        ends = _to_utc("ends_at", data.ends_at, end_zone, errors)
    if starts and ends and ends < starts:
        errors["ends_at"] = _l(
            "The end comes before the start: %(end)s in %(end_zone)s is %(gap)s earlier "
            "than %(start)s in %(start_zone)s.",
            end=_clock(data.ends_at),
            end_zone=end_zone,
            start=_clock(data.starts_at),
            start_zone=start_zone,
            gap=_duration_text(starts - ends),
        )
    if not errors:
        _check_dates(delegation, starts, start_zone, ends, end_zone, errors)

    by_id = {member.id: member for member in delegation.members}
    member_ids = list(dict.fromkeys(data.member_ids or []))
    if any(member_id not in by_id for member_id in member_ids):
        errors["member_ids"] = _l("Choose members of this delegation.")
    elif not data.everyone and not member_ids:
        errors["member_ids"] = _l("Tick at least one member, or tick “Everyone”.")

    enterprise_ids = list(dict.fromkeys(data.enterprise_ids or []))
    enterprises: list[Enterprise] = []
    if enterprise_ids:
        query = sa.select(Enterprise).where(Enterprise.id.in_(enterprise_ids))
        enterprises = list(db.session.execute(query).scalars())
        if len(enterprises) != len(enterprise_ids):
            errors["enterprise_ids"] = _l("Choose enterprises from the list.")
        elif data.kind not in WITH_ENTERPRISES:
            errors["enterprise_ids"] = _l(
                "Only meetings and site visits name the enterprises they are with."
            )
    if errors:
        raise InvalidInput(errors)

    values: dict[str, object] = {name: (getattr(data, name) or "").strip() for name in TEXT_FIELDS}
    values.update(
        starts_at=starts,
        start_timezone=start_zone,
        ends_at=ends,
        end_timezone=end_zone,
        everyone=bool(data.everyone),
        # Kept even when everyone takes part, so unticking "everyone" restores the choice.
        members=[by_id[member_id] for member_id in member_ids],
        enterprises=sorted(enterprises, key=lambda enterprise: enterprise_ids.index(enterprise.id)),
    )
    return values


# --- saving ----------------------------------------------------------------------------


def add_item(delegation: Delegation, data: ItemData) -> SavedItem:
    item = ItineraryItem(**_validated(delegation, data))
    delegation.items.append(item)
    db.session.flush()
    return SavedItem(item, conflicts_with(item))


def update_item(item: ItineraryItem, data: ItemData) -> SavedItem:
    for name, value in _validated(item.delegation, data).items():
        setattr(item, name, value)
    db.session.flush()
    return SavedItem(item, conflicts_with(item))


def delete_item(item: ItineraryItem) -> None:
    db.session.delete(item)
    db.session.flush()


def item_data_from(item: ItineraryItem) -> ItemData:
    values = {name: getattr(item, name) for name in TEXT_FIELDS}
    return ItemData(
        **values,
        starts_at=utc_to_local(item.starts_at, item.start_timezone),
        start_timezone=item.start_timezone,
        ends_at=utc_to_local(item.ends_at, item.end_timezone),
        end_timezone=item.end_timezone,
        everyone=item.everyone,
        member_ids=[member.id for member in item.members],
        enterprise_ids=[enterprise.id for enterprise in item.enterprises],
    )


# --- who is where, and when ------------------------------------------------------------


def delegation_items(delegation: Delegation) -> list[ItineraryItem]:
    """Every item in absolute order, with members and enterprises loaded in two queries."""
    query = (
        sa.select(ItineraryItem)
        .where(ItineraryItem.delegation_id == delegation.id)
        .options(selectinload(ItineraryItem.members), selectinload(ItineraryItem.enterprises))
        .order_by(ItineraryItem.starts_at, ItineraryItem.id)
    )
    return list(db.session.execute(query).scalars())


def participants(item: ItineraryItem, delegation: Delegation | None = None) -> list[Member]:
    """The members taking part in ``item``: all of them when everyone does."""
    if item.everyone:
        return list((delegation or item.delegation).members)
    return sorted(item.members, key=lambda member: (member.position, member.id))


def overlaps(a: ItineraryItem, b: ItineraryItem) -> bool:
    """Whether two items share some moment, judged on absolute (UTC) time."""
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _counts(item: ItineraryItem) -> bool:
    return item.kind not in NEVER_CONFLICTING


def conflicts_for(
    delegation: Delegation, items: list[ItineraryItem] | None = None
) -> dict[int, list[tuple[ItineraryItem, ItineraryItem]]]:
    """For each member with a clash, the pairs of their items that overlap.

    Each pair is in order of start. Members without a clash are left out.
    """
    items = delegation_items(delegation) if items is None else items
    by_member: dict[int, list[ItineraryItem]] = defaultdict(list)
    for item in sorted(items, key=lambda item: (item.starts_at, item.id)):
        if _counts(item):
            for member in participants(item, delegation):
                by_member[member.id].append(item)
    found: dict[int, list[tuple[ItineraryItem, ItineraryItem]]] = {}
    for member_id, own in by_member.items():
        pairs = []
        for index, first in enumerate(own):
            # Sorted by start: once one starts after ``first`` ends, none later overlaps.
            for second in own[index + 1 :]:
                if second.starts_at >= first.ends_at:
                    break
                if overlaps(first, second):
                    pairs.append((first, second))
        if pairs:
            found[member_id] = pairs
    return found


def conflicts_with(item: ItineraryItem) -> list[Conflict]:
    """Who among ``item``'s participants is also in another item at the same time."""
    if not _counts(item):
        return []
    delegation = item.delegation
    others = [
        other
        for other in delegation_items(delegation)
        if other.id != item.id and _counts(other) and overlaps(item, other)
    ]
    return [
        Conflict(member, other)
        for member in participants(item, delegation)
        for other in others
        if other.involves(member)
    ]


# --- the timeline ----------------------------------------------------------------------


def _duration_text(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    if hours:
        return _("%(hours)d h", hours=hours)
    return _("%(minutes)d min", minutes=minutes)


@dataclass
class Entry:
    """One item on a timeline, with what the reader needs to know about it."""

    item: ItineraryItem
    participants: list[Member]
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        return bool(self.conflicts)

    @property
    def conflict_groups(self) -> list[tuple[ItineraryItem, list[Member]]]:
        return group_conflicts(self.conflicts)

    @property
    def conflicting_titles(self) -> list[str]:
        return list(dict.fromkeys(conflict.other.title for conflict in self.conflicts))

    @property
    def start_date(self) -> date:
        return utc_to_local(self.item.starts_at, self.item.start_timezone).date()

    @property
    def end_date(self) -> date:
        return utc_to_local(self.item.ends_at, self.item.end_timezone).date()

    @property
    def end_day_offset(self) -> int:
        """Days between the local end date and the local start date: +1 overnight, -1
        over the date line eastwards (leave Tokyo after midnight, land in Honolulu the
        evening before)."""
        return (self.end_date - self.start_date).days

    @property
    def day_marker(self) -> str:
        offset = self.end_day_offset
        return "" if offset == 0 else f"{offset:+d}"

    @property
    def crosses_zones(self) -> bool:
        return self.item.start_timezone != self.item.end_timezone

    @property
    def duration(self) -> timedelta:
        return self.item.ends_at - self.item.starts_at

    @property
    def duration_text(self) -> str:
        return _duration_text(self.duration)


@dataclass
class Day:
    """The items starting on one local calendar date (in each item's start zone)."""

    date: date
    items: list[Entry]


def timeline(delegation: Delegation, member: Member | None = None) -> list[Day]:
    """The itinerary day by day in each item's local time.

    ``member=None`` gives every item with its participants and every member's clashes;
    with a member, only the items that member takes part in and only their clashes.
    """
    items = delegation_items(delegation)
    clashes = conflicts_for(delegation, items)
    members = {member.id: member for member in delegation.members}
    conflicts: dict[int, list[Conflict]] = defaultdict(list)
    for member_id, pairs in clashes.items():
        if member is not None and member_id != member.id:
            continue
        for first, second in pairs:
            conflicts[first.id].append(Conflict(members[member_id], second))
            conflicts[second.id].append(Conflict(members[member_id], first))

    days: dict[date, list[Entry]] = {}
    for item in items:
        if member is not None and not item.involves(member):
            continue
        entry = Entry(item, participants(item, delegation), conflicts.get(item.id, []))
        days.setdefault(entry.start_date, []).append(entry)
    return [Day(day, entries) for day, entries in sorted(days.items())]
