"""The meeting scheduler: accepted requests into slots and tables, with CP-SAT.

Pure: it takes plain dataclasses and returns placements and the requests it could not
place, each with a reason; it knows nothing of the database or of a request.

The model has one boolean per request and slot in which both participants are free
(at most one true per request), at most one meeting per participant per slot, at most
``tables`` meetings per slot and, for a meeting whose two sides share no language, an
interpreter between Chinese and the other side's language taken from that slot's
interpreters. It maximises the requests placed, priorities first: the weights make one
request of a higher priority worth more than every request of the lower ones together.
Table numbers are given afterwards, slot by slot: any ``n <= tables`` meetings fit
``tables`` tables, so this never fails and keeps the solver's model small.
"""

from __future__ import annotations

import enum
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ortools.sat.python import cp_model

CHINESE = "zh"


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Participant:
    key: str
    languages: frozenset[str] = frozenset({CHINESE})
    # Times they are elsewhere (e.g. an itinerary item): no meeting may overlap one.
    busy: tuple[tuple[datetime, datetime], ...] = ()
    max_meetings: int | None = None


@dataclass(frozen=True)
class Request:
    key: int
    first: str
    second: str
    priority: int = 2
    # A meeting to keep where it is (slot index, table): e.g. one moved by hand.
    fixed: tuple[int, int] | None = None


@dataclass(frozen=True)
class Problem:
    slots: Sequence[Slot]
    tables: int
    participants: Mapping[str, Participant]
    requests: Sequence[Request]
    # Interpreters between Chinese and each language, free in every slot.
    interpreters: Mapping[str, int] = field(default_factory=dict)
    time_limit: float = 15.0
    workers: int = 2


@dataclass(frozen=True)
class Placement:
    request: int
    slot: int
    table: int
    interpreter: str = ""


class Reason(enum.StrEnum):
    SAME_PARTICIPANT = "same_participant"
    UNKNOWN_PARTICIPANT = "unknown_participant"
    NO_COMMON_SLOT = "no_common_slot"
    NO_INTERPRETER = "no_interpreter"
    PARTICIPANT_FULL = "participant_full"
    PARTICIPANTS_BUSY = "participants_busy"
    NO_TABLE = "no_table"
    INTERPRETERS_BUSY = "interpreters_busy"


@dataclass(frozen=True)
class Unplaced:
    request: int
    reason: Reason


@dataclass
class Result:
    placements: list[Placement]
    unplaced: list[Unplaced]
    optimal: bool
    seconds: float

    def by_request(self) -> dict[int, Placement]:
        return {placement.request: placement for placement in self.placements}


class ScheduleError(ValueError):
    """The meetings to keep contradict each other or the grid."""


def overlaps(slot: Slot, start: datetime, end: datetime) -> bool:
    return slot.starts_at < end and start < slot.ends_at


def free_slots(problem: Problem, participant: Participant) -> set[int]:
    return {
        index
        for index, slot in enumerate(problem.slots)
        if not any(overlaps(slot, start, end) for start, end in participant.busy)
    }


def interpreter_choices(
    first: Participant, second: Participant, available: Mapping[str, int]
) -> list[str]:
    """``[""]`` when the two share a language; else the interpreters that would do."""
    if first.languages & second.languages:
        return [""]
    choices: set[str] = set()
    if CHINESE in first.languages:
        choices |= second.languages
    if CHINESE in second.languages:
        choices |= first.languages
    return sorted(language for language in choices if available.get(language, 0) > 0)


def priority_weights(requests: Sequence[Request]) -> dict[int, int]:
    """Weights such that one request of a priority outweighs all lower ones together."""
    counts: dict[int, int] = defaultdict(int)
    for request in requests:
        counts[request.priority] += 1
    weights: dict[int, int] = {}
    below = 0
    for priority in sorted(counts):
        weights[priority] = below + 1
        below += counts[priority] * weights[priority]
    return weights


@dataclass
class _Usage:
    """What the placements so far take: participants, tables and interpreters per slot."""

    participants: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    meetings: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    interpreters: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    per_participant: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def take(self, request: Request, slot: int, interpreter: str) -> None:
        self.participants[slot] |= {request.first, request.second}
        self.meetings[slot] += 1
        if interpreter:
            self.interpreters[slot, interpreter] += 1
        self.per_participant[request.first] += 1
        self.per_participant[request.second] += 1


def schedule(problem: Problem) -> Result:
    started = time.perf_counter()
    participants = problem.participants
    unplaced: list[Unplaced] = []
    candidates: list[tuple[Request, list[int], list[str]]] = []
    free: dict[str, set[int]] = {}
    for request in problem.requests:
        if request.first == request.second:
            unplaced.append(Unplaced(request.key, Reason.SAME_PARTICIPANT))
            continue
        if request.first not in participants or request.second not in participants:
            unplaced.append(Unplaced(request.key, Reason.UNKNOWN_PARTICIPANT))
            continue
        first, second = participants[request.first], participants[request.second]
        for person in (first, second):
            if person.key not in free:
                free[person.key] = free_slots(problem, person)
        allowed = sorted(free[first.key] & free[second.key])
        languages = interpreter_choices(first, second, problem.interpreters)
        if request.fixed is not None:
            _check_fixed(problem, request, allowed)
            allowed = [request.fixed[0]]
            # A meeting kept where it is (published: its people hold the timetable)
            # keeps its slot and table even when its interpreters have since been taken
            # off the grid; leaving it out would give its table to another meeting.
            languages = languages or [""]
        if not allowed:
            unplaced.append(Unplaced(request.key, Reason.NO_COMMON_SLOT))
            continue
        if not languages:
            unplaced.append(Unplaced(request.key, Reason.NO_INTERPRETER))
            continue
        candidates.append((request, allowed, languages))

    model = cp_model.CpModel()
    weights = priority_weights([request for request, _, _ in candidates])
    # choice[i][slot] -> (placed?, {language: interpreter used?})
    chosen: list[dict[int, cp_model.IntVar]] = []
    with_language: list[dict[int, dict[str, cp_model.IntVar]]] = []
    by_participant_slot: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    by_participant: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    by_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    by_slot_language: dict[tuple[int, str], list[cp_model.IntVar]] = defaultdict(list)
    objective = []
    for index, (request, allowed, languages) in enumerate(candidates):
        variables = {slot: model.new_bool_var(f"r{index}s{slot}") for slot in allowed}
        model.add_at_most_one(variables.values())
        if request.fixed is not None:
            model.add(variables[request.fixed[0]] == 1)
        chosen.append(variables)
        per_language: dict[int, dict[str, cp_model.IntVar]] = {}
        for slot, variable in variables.items():
            for key in (request.first, request.second):
                by_participant_slot[key, slot].append(variable)
                by_participant[key].append(variable)
            by_slot[slot].append(variable)
            if languages == [""]:
                continue
            if len(languages) == 1:
                per_language[slot] = {languages[0]: variable}
            else:
                options = {
                    language: model.new_bool_var(f"r{index}s{slot}{language}")
                    for language in languages
                }
                model.add(sum(options.values()) == variable)
                per_language[slot] = options
            for language, option in per_language[slot].items():
                by_slot_language[slot, language].append(option)
        with_language.append(per_language)
        objective.append(weights[request.priority] * sum(variables.values()))

    for together in by_participant_slot.values():
        if len(together) > 1:
            model.add_at_most_one(together)
    for key, meetings in by_participant.items():
        limit = participants[key].max_meetings
        if limit is not None:
            model.add(sum(meetings) <= limit)
    for at_once in by_slot.values():
        if len(at_once) > problem.tables:
            model.add(sum(at_once) <= problem.tables)
    for (_slot, language), interpreted in by_slot_language.items():
        if len(interpreted) > problem.interpreters.get(language, 0):
            model.add(sum(interpreted) <= problem.interpreters.get(language, 0))
    model.maximize(sum(objective))
    greedy = _greedy(problem, candidates)
    _hint(model, greedy, chosen, with_language)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = problem.workers
    solver.parameters.max_time_in_seconds = problem.time_limit
    # Large grids: probing and the LP relaxation cost more time than they bring here; the
    # search starts from the hint and local search improves on it.
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.linearization_level = 0
    status = solver.solve(model)
    solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)

    usage = _Usage()
    slots_of: dict[int, tuple[int, str]] = {}
    left: list[tuple[Request, list[int], list[str]]] = []
    for index, (request, allowed, languages) in enumerate(candidates):
        found: tuple[int, str] | None
        if solved:
            at = next((s for s, v in chosen[index].items() if solver.value(v)), None)
            language = ""
            if at is not None and at in with_language[index]:
                options = with_language[index][at]
                language = next(lang for lang, v in options.items() if solver.value(v))
            found = None if at is None else (at, language)
        else:
            # No solution within the time limit: the greedy one stands.
            found = greedy.get(index)
        if found is None:
            left.append((request, allowed, languages))
            continue
        slots_of[request.key] = found
        usage.take(request, *found)

    # Stopped by the time limit, the solver may leave room it did not use: fill it.
    for request, allowed, languages in sorted(left, key=lambda item: -item[0].priority):
        fitted = _first_fit(problem, usage, request, allowed, languages)
        if fitted is None:
            unplaced.append(
                Unplaced(request.key, _why(problem, usage, request, allowed, languages))
            )
            continue
        slots_of[request.key] = fitted
        usage.take(request, *fitted)

    placements = _tables(problem, candidates, slots_of)
    unplaced.sort(key=lambda item: item.request)
    return Result(
        placements=placements,
        unplaced=unplaced,
        optimal=status == cp_model.OPTIMAL,
        seconds=time.perf_counter() - started,
    )


def _check_fixed(problem: Problem, request: Request, allowed: list[int]) -> None:
    assert request.fixed is not None
    slot, table = request.fixed
    if not 0 <= slot < len(problem.slots) or not 1 <= table <= problem.tables:
        raise ScheduleError(f"meeting {request.key} is kept outside the grid")
    if slot not in allowed:
        raise ScheduleError(f"meeting {request.key} is kept when a participant is busy")


def _fits(
    problem: Problem, usage: _Usage, request: Request, slot: int, languages: list[str]
) -> str | None:
    """The interpreter language if ``request`` fits ``slot`` now ("" for none), else None."""
    if usage.participants[slot] & {request.first, request.second}:
        return None
    if usage.meetings[slot] >= problem.tables:
        return None
    for language in languages:
        if not language or usage.interpreters[slot, language] < problem.interpreters[language]:
            return language
    return None


def _under_limit(problem: Problem, usage: _Usage, request: Request) -> bool:
    return all(
        (limit := problem.participants[key].max_meetings) is None
        or usage.per_participant[key] < limit
        for key in (request.first, request.second)
    )


def _first_fit(
    problem: Problem, usage: _Usage, request: Request, allowed: list[int], languages: list[str]
) -> tuple[int, str] | None:
    if request.fixed is not None or not _under_limit(problem, usage, request):
        return None
    for slot in allowed:
        language = _fits(problem, usage, request, slot, languages)
        if language is not None:
            return slot, language
    return None


def _why(
    problem: Problem, usage: _Usage, request: Request, allowed: list[int], languages: list[str]
) -> Reason:
    if not _under_limit(problem, usage, request):
        return Reason.PARTICIPANT_FULL
    open_slots = [
        slot for slot in allowed if not usage.participants[slot] & {request.first, request.second}
    ]
    if not open_slots:
        return Reason.PARTICIPANTS_BUSY
    if all(usage.meetings[slot] >= problem.tables for slot in open_slots):
        return Reason.NO_TABLE
    return Reason.INTERPRETERS_BUSY


def _greedy(
    problem: Problem, candidates: list[tuple[Request, list[int], list[str]]]
) -> dict[int, tuple[int, str]]:
    """First fit, kept meetings first, then highest priority first: candidate → (slot, language)."""
    usage = _Usage()
    picked: dict[int, tuple[int, str]] = {}
    order = sorted(
        range(len(candidates)),
        key=lambda i: (candidates[i][0].fixed is None, -candidates[i][0].priority),
    )
    for index in order:
        request, allowed, languages = candidates[index]
        if request.fixed is not None:
            slot = request.fixed[0]
            language = _fits(problem, usage, request, slot, languages)
            if language is None or not _under_limit(problem, usage, request):
                raise ScheduleError(f"meeting {request.key} cannot be kept where it is")
            found: tuple[int, str] | None = (slot, language)
        else:
            found = _first_fit(problem, usage, request, allowed, languages)
        if found is not None:
            picked[index] = found
            usage.take(request, *found)
    return picked


def _hint(
    model: cp_model.CpModel,
    picked: dict[int, tuple[int, str]],
    chosen: list[dict[int, cp_model.IntVar]],
    with_language: list[dict[int, dict[str, cp_model.IntVar]]],
) -> None:
    """The greedy schedule as the solver's starting point (a complete, feasible hint)."""
    for index, variables in enumerate(chosen):
        slot_language = picked.get(index)
        for slot, variable in variables.items():
            on = slot_language is not None and slot_language[0] == slot
            model.add_hint(variable, on)
            options = with_language[index].get(slot, {})
            if len(options) > 1:
                for language, option in options.items():
                    model.add_hint(option, on and slot_language == (slot, language))


def _tables(
    problem: Problem,
    candidates: list[tuple[Request, list[int], list[str]]],
    slots_of: dict[int, tuple[int, str]],
) -> list[Placement]:
    """Table numbers slot by slot: kept meetings keep theirs, the rest take the lowest free."""
    taken: dict[int, set[int]] = defaultdict(set)
    placements: list[Placement] = []
    rest: list[Request] = []
    for request, _allowed, _languages in candidates:
        if request.key not in slots_of:
            continue
        slot, language = slots_of[request.key]
        if request.fixed is not None:
            table = request.fixed[1]
            if table in taken[slot]:
                raise ScheduleError(f"two meetings are kept at table {table}")
            taken[slot].add(table)
            placements.append(Placement(request.key, slot, table, language))
        else:
            rest.append(request)
    for request in rest:
        slot, language = slots_of[request.key]
        table = next(n for n in range(1, problem.tables + 1) if n not in taken[slot])
        taken[slot].add(table)
        placements.append(Placement(request.key, slot, table, language))
    placements.sort(key=lambda p: (p.slot, p.table))
    return placements
