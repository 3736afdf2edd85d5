"""Times in the exam log and in the results: events outside their session or out of order, sittings
too long or implausibly short (time.*)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

from ..archive import ArchiveData
from ..findings import Finding, NotRun, check
from ..profile import Profile
from .crossref import RecordIndex, index_of, minutes, num, operation_label, ref, refs, standard_or_count, when, zh
from .tables.loader import Record

# The order a candidate's events must follow; sign-in and identity check may come in either order.
_RANK = {"sign_in": 0, "identity_check": 0, "start": 1, "submit": 2, "leave": 3}
_SESSION_RANK = {"session_open": 0, "session_close": 1}


@check("event times", ("time.event_outside_session",), needs=("events",), needs_any=("sessions", "plan"))
def event_outside_session(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """A log event earlier than its session's start or later than its end, beyond the tolerance."""
    index = index_of(data)
    tolerance = timedelta(minutes=float(profile.threshold("time_tolerance_min")))
    for sid, events in index.session_events.items():
        session = index.sessions.get(sid)
        window = session.window if session else None
        if window is None:
            continue
        start, end = window
        for r in events:
            moment = r["time"]
            if moment is None or start - tolerance <= moment <= end + tolerance:
                continue
            off = abs(minutes(start, moment) if moment < start else minutes(end, moment))
            yield profile.finding(
                "time.event_outside_session", session_id=sid, id_number=r["id_number"], start=moment,
                **index.at("events", r, "time"),
                evidence={"event": r["event"], "event_zh": zh(r["event"]), "time": when(moment),
                          "window": f"{when(start)}–{when(end)}",
                          "off_min": off, "side": "before" if moment < start else "after",
                          "side_zh": "早于场次开始" if moment < start else "晚于场次结束",
                          "tolerance_min": profile.threshold("time_tolerance_min"),
                          "rows": [ref("events", r),
                                   {"table": session.table, "row": session.row}]})


@check("event order", ("time.event_order",), needs=("events",))
def event_order(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """Events out of order: one finding per candidate (or session) at the event logged too early."""
    index = index_of(data)
    for (sid, id_number), events in index.person_events.items():
        pair = _first_inversion(events, _RANK)
        if pair:
            yield _order_finding(profile, index, sid, id_number, *pair)
    for sid, events in index.session_events.items():
        pair = _first_inversion([r for r in events if not r["id_number"]], _SESSION_RANK)
        if pair:
            yield _order_finding(profile, index, sid, None, *pair)


def _first_inversion(events: list[Record], ranks: dict[str, int]) -> tuple[Record, Record] | None:
    """(an event, a strictly later event that should have come before it), or None.

    Swept from the latest event back, keeping the lowest rank seen strictly later; events at the same
    moment are never out of order."""
    ranked = sorted((r for r in events if r["time"] is not None and r["event"] in ranks),
                    key=lambda r: (r["time"], r.line), reverse=True)
    lowest: Record | None = None
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j]["time"] == ranked[i]["time"]:
            j += 1
        group = ranked[i:j]
        if lowest is not None:
            for r in sorted(group, key=lambda r: r.line):
                if ranks[r["event"]] > ranks[lowest["event"]]:
                    return r, lowest
        for r in group:
            if lowest is None or ranks[r["event"]] < ranks[lowest["event"]]:
                lowest = r
        i = j
    return None


def _order_finding(profile: Profile, index: RecordIndex, sid: str, id_number: str | None, early: Record,
                   late: Record) -> Finding:
    return profile.finding(
        "time.event_order", session_id=sid, id_number=id_number, start=early["time"],
        **index.at("events", early, "time"),
        evidence={"event": early["event"], "event_zh": zh(early["event"]), "time": when(early["time"]),
                  "later_event": late["event"], "later_event_zh": zh(late["event"]),
                  "later_time": when(late["time"]), "later_row": late.line,
                  "rows": refs("events", [early, late])})


@check("sitting durations", ("time.theory_overrun", "time.theory_too_fast", "time.practical_too_short"),
       needs=("results",), needs_any=("sessions", "plan"))
def sitting_durations(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """time.theory_overrun, time.theory_too_fast and time.practical_too_short, from the results' times."""
    index = index_of(data)
    longest = float(profile.threshold("theory_duration_min"))
    shortest = float(profile.threshold("theory_min_minutes"))
    fraction = float(profile.threshold("practical_min_fraction"))
    unknown: Counter[str] = Counter()
    untimed = 0
    for sitting in index.sittings():
        span, table = sitting.span(), "results"
        if span is None:  # exports without times in results.csv: the log's start and submit say it
            span, table = _logged_span(index.person_events.get((sitting.session_id, sitting.id_number), [])), "events"
        if span is None:
            untimed += 1
            continue
        start, end, rows = span
        if end < start:
            continue  # times that contradict each other: nothing to measure
        took = minutes(start, end)
        fields = {"session_id": sitting.session_id, "id_number": sitting.id_number, "start": start, "end": end,
                  **index.at(table, rows[-1], "end" if table == "results" else "time")}
        evidence = {"minutes": num(took), "began": when(start), "ended": when(end), "rows": refs(table, rows)}
        if not sitting.practical:
            if took > longest:
                yield profile.finding("time.theory_overrun", **fields, evidence={**evidence, "limit": num(longest)})
            elif took < shortest:
                yield profile.finding("time.theory_too_fast", **fields,
                                      evidence={**evidence, "limit": num(shortest)})
            continue
        operation = standard_or_count(profile, sitting.operation, unknown)
        if operation is None:
            continue
        assert operation.practical is not None
        standard = operation.practical.minutes
        if took < fraction * standard:
            yield profile.finding(
                "time.practical_too_short", **fields,
                evidence={**evidence, "standard_min": num(standard), "fraction": fraction,
                          "limit": num(round(fraction * standard, 1)),
                          "operation": operation_label(profile, operation.code)})
    if untimed:
        for rule in ("time.theory_overrun", "time.theory_too_fast", "time.practical_too_short"):
            yield NotRun(rule, f"{untimed} sitting(s) not measured: no start and end in results.csv, "
                               "nor start and submit events in the log")
    for code, count in sorted(unknown.items()):
        yield NotRun("time.practical_too_short",
                     f"{count} practical sitting(s) of {operation_label(profile, code)} not checked: "
                     "the profile has no standard time for its practical")


def _logged_span(events: list[Record]) -> tuple[datetime, datetime, list[Record]] | None:
    """A sitting's span from the log: its first start event to its last submit event."""
    starts = [r for r in events if r["event"] == "start" and r["time"]]
    submits = [r for r in events if r["event"] == "submit" and r["time"]]
    if not starts or not submits:
        return None
    first = min(starts, key=lambda r: r["time"])
    last = max(submits, key=lambda r: r["time"])
    return first["time"], last["time"], [first, last]
