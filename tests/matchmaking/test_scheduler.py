"""The scheduler's output obeys every rule, on random grids and requests (Hypothesis)."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expo.matchmaking.scheduler import (
    Participant,
    Problem,
    Reason,
    Request,
    ScheduleError,
    Slot,
    interpreter_choices,
    overlaps,
    schedule,
)

DAY = datetime(2030, 5, 14, 1, 0, tzinfo=UTC)
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def grid(count: int, minutes: int = 20, break_after: int | None = None) -> list[Slot]:
    slots = []
    for index in range(count):
        start = DAY + timedelta(minutes=minutes * index)
        if break_after is not None and index >= break_after:
            start += timedelta(minutes=60)
        slots.append(Slot(start, start + timedelta(minutes=minutes)))
    return slots


@st.composite
def problems(draw, most_requests: int = 10, most_slots: int = 5) -> Problem:
    slot_count = draw(st.integers(1, most_slots))
    slots = grid(slot_count, break_after=draw(st.none() | st.integers(0, slot_count)))
    languages = st.frozensets(st.sampled_from(["zh", "en", "ru"]), min_size=1, max_size=2)
    participants = {}
    for key in [f"s{n}" for n in range(draw(st.integers(1, 4)))] + [
        f"b{n}" for n in range(draw(st.integers(1, 4)))
    ]:
        busy = []
        for _ in range(draw(st.integers(0, 2))):
            start = DAY + timedelta(minutes=draw(st.integers(-30, 20 * slot_count + 60)))
            busy.append((start, start + timedelta(minutes=draw(st.integers(1, 70)))))
        participants[key] = Participant(
            key,
            draw(languages),
            tuple(busy),
            draw(st.none() | st.integers(1, 3)),
        )
    keys = sorted(participants)
    requests = [
        Request(
            n, draw(st.sampled_from(keys)), draw(st.sampled_from(keys)), draw(st.integers(1, 3))
        )
        for n in range(draw(st.integers(0, most_requests)))
    ]
    interpreters = {"en": draw(st.integers(0, 2)), "ru": draw(st.integers(0, 1))}
    return Problem(slots, draw(st.integers(1, 3)), participants, requests, interpreters)


def fits(
    problem: Problem, taken: list[tuple[Request, int, str]], request: Request, slot: int
) -> list[str]:
    """The interpreter choices under which ``request`` could join ``taken`` at ``slot``."""
    first, second = problem.participants[request.first], problem.participants[request.second]
    if request.first == request.second:
        return []
    if any(overlaps(problem.slots[slot], *busy) for busy in first.busy + second.busy):
        return []
    here = [(r, lang) for r, s, lang in taken if s == slot]
    if len(here) >= problem.tables:
        return []
    if any({r.first, r.second} & {request.first, request.second} for r, _ in here):
        return []
    for person in (first, second):
        meetings = sum(person.key in (r.first, r.second) for r, _, _ in taken)
        if person.max_meetings is not None and meetings >= person.max_meetings:
            return []
    used = Counter(lang for _, lang in here if lang)
    return [
        lang
        for lang in interpreter_choices(first, second, problem.interpreters)
        if not lang or used[lang] < problem.interpreters[lang]
    ]


def check(problem: Problem, result) -> list[tuple[Request, int, str]]:
    """Every rule of the grid, asserted on the result; returns what was placed."""
    requests = {request.key: request for request in problem.requests}
    placed_keys = [p.request for p in result.placements]
    unplaced_keys = [u.request for u in result.unplaced]
    assert sorted(placed_keys + unplaced_keys) == sorted(requests)
    taken: list[tuple[Request, int, str]] = []
    tables = set()
    for placement in result.placements:
        request = requests[placement.request]
        assert 0 <= placement.slot < len(problem.slots), "outside the grid"
        assert 1 <= placement.table <= problem.tables, "a table beyond the count"
        assert (placement.slot, placement.table) not in tables, "a table booked twice"
        tables.add((placement.slot, placement.table))
        choices = fits(problem, taken, request, placement.slot)
        assert placement.interpreter in choices, "double booking, busy, limit or interpreter"
        taken.append((request, placement.slot, placement.interpreter))
    return taken


@PROPERTY
@given(problems())
def test_no_double_booking_nothing_outside_the_grid_or_when_busy(problem):
    result = schedule(problem)
    taken = check(problem, result)
    # Nothing left out that could still be added as things stand.
    requests = {request.key: request for request in problem.requests}
    for unplaced in result.unplaced:
        request = requests[unplaced.request]
        for slot in range(len(problem.slots)):
            assert not fits(problem, taken, request, slot), unplaced
    for unplaced in result.unplaced:
        if requests[unplaced.request].first == requests[unplaced.request].second:
            assert unplaced.reason == Reason.SAME_PARTICIPANT


def best_by_priority(problem: Problem) -> tuple[int, int, int]:
    """The most requests of priority 3, then 2, then 1 any schedule places (exhaustive)."""
    best = (0, 0, 0)
    requests = list(problem.requests)

    def search(index: int, taken: list[tuple[Request, int, str]]) -> None:
        nonlocal best
        if index == len(requests):
            counts = Counter(r.priority for r, _, _ in taken)
            best = max(best, (counts[3], counts[2], counts[1]))
            return
        request = requests[index]
        for slot in range(len(problem.slots)):
            for lang in fits(problem, taken, request, slot):
                search(index + 1, [*taken, (request, slot, lang)])
        search(index + 1, taken)

    search(0, [])
    return best


@PROPERTY
@given(problems(most_requests=5, most_slots=3))
def test_higher_priorities_are_placed_first(problem):
    result = schedule(problem)
    check(problem, result)
    assert result.optimal
    priority = {request.key: request.priority for request in problem.requests}
    counts = Counter(priority[p.request] for p in result.placements)
    assert (counts[3], counts[2], counts[1]) == best_by_priority(problem)


def test_a_high_priority_request_wins_the_only_slot():
    people = {key: Participant(key) for key in ("s1", "b1", "b2")}
    problem = Problem(
        grid(1), 5, people, [Request(1, "s1", "b1", priority=1), Request(2, "s1", "b2", priority=3)]
    )
    result = schedule(problem)
    assert [p.request for p in result.placements] == [2]
    assert result.unplaced[0].request == 1
    assert result.unplaced[0].reason == Reason.PARTICIPANTS_BUSY


def test_reasons_for_what_cannot_be_placed():
    busy = ((DAY - timedelta(hours=1), DAY + timedelta(hours=5)),)
    people = {
        "s1": Participant("s1", frozenset({"zh"})),
        "b1": Participant("b1", frozenset({"en"}), busy),
        "b2": Participant("b2", frozenset({"ru"})),
        "b3": Participant("b3", frozenset({"en", "zh"}), max_meetings=1),
        "s2": Participant("s2", frozenset({"zh"})),
    }
    requests = [
        Request(1, "s1", "s1"),
        Request(2, "s1", "b1"),
        Request(3, "s1", "b2"),
        Request(4, "s1", "b3"),
        Request(5, "s2", "b3"),
        Request(6, "s1", "nobody"),
    ]
    result = schedule(Problem(grid(3), 2, people, requests, {"en": 1}))
    reasons = {u.request: u.reason for u in result.unplaced}
    assert reasons[1] == Reason.SAME_PARTICIPANT
    assert reasons[2] == Reason.NO_COMMON_SLOT
    assert reasons[3] == Reason.NO_INTERPRETER
    assert reasons[6] == Reason.UNKNOWN_PARTICIPANT
    assert {4, 5} - set(reasons) and reasons.get(4, reasons.get(5)) == Reason.PARTICIPANT_FULL


def test_an_interpreter_is_booked_when_no_language_is_shared():
    people = {
        "s1": Participant("s1", frozenset({"zh"})),
        "s2": Participant("s2", frozenset({"zh"})),
        "b1": Participant("b1", frozenset({"en"})),
        "b2": Participant("b2", frozenset({"en"})),
    }
    requests = [Request(1, "s1", "b1"), Request(2, "s2", "b2")]
    result = schedule(Problem(grid(1), 5, people, requests, {"en": 1}))
    assert [(p.interpreter) for p in result.placements] == ["en"]
    assert result.unplaced[0].reason == Reason.INTERPRETERS_BUSY


def test_kept_meetings_stay_where_they_are():
    people = {key: Participant(key) for key in ("s1", "b1", "b2")}
    requests = [Request(1, "s1", "b1", fixed=(2, 4)), Request(2, "s1", "b2")]
    result = schedule(Problem(grid(3), 5, people, requests))
    placed = result.by_request()
    assert (placed[1].slot, placed[1].table) == (2, 4)
    assert placed[2].slot != 2


@pytest.mark.parametrize("fixed", [(5, 1), (0, 9)])
def test_a_meeting_kept_outside_the_grid_is_refused(fixed):
    people = {key: Participant(key) for key in ("s1", "b1")}
    with pytest.raises(ScheduleError):
        schedule(Problem(grid(3), 5, people, [Request(1, "s1", "b1", fixed=fixed)]))


def test_two_kept_meetings_of_one_participant_at_once_are_refused():
    people = {key: Participant(key) for key in ("s1", "b1", "b2")}
    requests = [Request(1, "s1", "b1", fixed=(0, 1)), Request(2, "s1", "b2", fixed=(0, 2))]
    with pytest.raises(ScheduleError):
        schedule(Problem(grid(3), 5, people, requests))


def test_a_full_day_is_placed_without_conflicts():
    """A mid-sized day, checked rule by rule (the benchmark runs the full-sized one)."""
    people = {f"s{n}": Participant(f"s{n}", frozenset({"zh", "en"})) for n in range(20)}
    people |= {f"b{n}": Participant(f"b{n}", frozenset({"en"})) for n in range(30)}
    requests = [
        Request(n, f"s{a}", f"b{b}", 1 + n % 3)
        for n, (a, b) in enumerate(
            itertools.islice(itertools.product(range(20), range(30)), 0, 600, 3)
        )
    ]
    problem = Problem(grid(12, break_after=6), 15, people, requests, time_limit=5)
    result = schedule(problem)
    check(problem, result)
    assert result.optimal
    assert len(result.placements) == 120  # each buyer meets in every slot


def test_the_benchmark_day_breaks_no_rule():
    """The benchmark's full day (300 participants, 1,500 requests, 40 slots, 60 tables), as
    the solver leaves it after a short search: every rule holds on it too."""
    from types import SimpleNamespace

    from benchmarks.bench_matchmaking import build

    day = SimpleNamespace(
        participants=300, requests=1500, slots=40, tables=60, time_limit=2.0, seed=2030
    )
    problem = build(day)
    result = schedule(problem)
    placed = check(problem, result)
    assert len(placed) > 1400  # the greedy start alone places 1,448
