"""Indexes over an archive's tables, built once per audit and shared by every cross-check.

A cross-check looks records up by key (session, candidate, staff member) instead of scanning a table for
each record, so the cost of an audit grows about linearly with the number of rows. The index also
groups a candidate's result rows into *sittings* (one exam of one person in one session), the unit most
score and time rules judge.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from ..archive import ArchiveData
from ..profile import Operation, Profile
from .sessions import Session, sessions_of
from .tables.loader import Record

T = TypeVar("T")
Key = tuple[str, str]  # (session_id, id_number)
PRACTICAL_SUBJECTS = ("K1", "K2", "K3", "K4")


@dataclass(frozen=True)
class Sitting:
    """One candidate's exam in one session, as the results table records it."""

    session_id: str
    id_number: str
    session: Session | None
    operation: str | None
    rows: tuple[Record, ...]

    @property
    def practical(self) -> bool:
        return any(r["subject"] in (*PRACTICAL_SUBJECTS, "total") for r in self.rows)

    @property
    def theory_row(self) -> Record | None:
        return next((r for r in self.rows if r["subject"] == "theory"), None)

    @property
    def total_row(self) -> Record | None:
        return next((r for r in self.rows if r["subject"] == "total"), None)

    def subjects(self) -> dict[str, Record]:
        """Practical subject -> its first result row."""
        out: dict[str, Record] = {}
        for r in self.rows:
            if r["subject"] in PRACTICAL_SUBJECTS:
                out.setdefault(r["subject"], r)
        return out

    def span(self) -> tuple[datetime, datetime, list[Record]] | None:
        """When the sitting began and ended, and the rows that say so: the theory row or the practical's
        total row, else the earliest start and latest end of its subject rows."""
        main = self.theory_row if not self.practical else self.total_row
        if main is not None and main["start"] and main["end"]:
            return main["start"], main["end"], [main]
        timed = [r for r in self.rows if r["start"] and r["end"]]
        if not timed:
            return None
        first = min(timed, key=lambda r: r["start"])
        last = max(timed, key=lambda r: r["end"])
        return first["start"], last["end"], [first] if first is last else [first, last]


@dataclass
class RecordIndex:
    sessions: dict[str, Session]
    files: dict[str, str]  # table -> file as named in the archive
    registrations: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    registered: dict[Key, Record] = field(default_factory=dict)  # first candidate row per key
    results: dict[Key, list[Record]] = field(default_factory=lambda: defaultdict(list))
    person_events: dict[Key, list[Record]] = field(default_factory=lambda: defaultdict(list))
    session_events: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    assignments: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))
    staff: dict[str, Record] = field(default_factory=dict)  # first row per staff_id
    training: dict[str, list[Record]] = field(default_factory=lambda: defaultdict(list))  # trainee ->

    def file(self, table: str) -> str:
        return self.files.get(table, f"{table}.csv")

    def at(self, table: str, record: Record, column: str | None = None) -> dict[str, Any]:
        """The finding fields that point at one row (and cell) of ``table``."""
        return {"table": table, "file": self.file(table), "row": record.line, "column": column}

    def operation_of(self, session_id: str, id_number: str | None = None) -> str | None:
        """The operation a session examines; the candidate's registration when the session lacks it."""
        session = self.sessions.get(session_id)
        if session and session.operation:
            return session.operation
        registration = self.registered.get((session_id, id_number or ""))
        return registration["operation"] if registration else None

    def name_of(self, session_id: str, id_number: str) -> str:
        registration = self.registered.get((session_id, id_number))
        return (registration["name"] or "") if registration else ""

    def sittings(self) -> list[Sitting]:
        return [Sitting(sid, id_number, self.sessions.get(sid), self.operation_of(sid, id_number), tuple(rows))
                for (sid, id_number), rows in self.results.items()]


def ref(table: str, record: Record) -> dict[str, Any]:
    """One entry of a finding's evidence["rows"]: the table and the line a person sees."""
    return {"table": table, "row": record.line}


def refs(table: str, records: list[Record] | tuple[Record, ...]) -> list[dict[str, Any]]:
    return [ref(table, r) for r in records]


def index_of(data: ArchiveData) -> RecordIndex:
    """The archive's index, built on first use and shared by all checks of one audit."""
    cached = data.derived.get("records")
    if isinstance(cached, RecordIndex):
        return cached
    index = RecordIndex(sessions=sessions_of(data),
                        files={name: table.file for name, table in data.tables.items()})
    for r in data.records("candidates"):
        sid, id_number = r["session_id"], r["id_number"]
        if sid and id_number:
            index.registrations[sid].append(r)
            index.registered.setdefault((sid, id_number), r)
    for r in data.records("results"):
        if r["session_id"] and r["id_number"]:
            index.results[(r["session_id"], r["id_number"])].append(r)
    for r in data.records("events"):
        sid = r["session_id"]
        if not sid:
            continue
        index.session_events[sid].append(r)
        if r["id_number"]:
            index.person_events[(sid, r["id_number"])].append(r)
    for r in data.records("assignments"):
        if r["session_id"] and r["staff_id"]:
            index.assignments[r["session_id"]].append(r)
    for r in data.records("staff"):
        if r["staff_id"]:
            index.staff.setdefault(r["staff_id"], r)
    for r in data.records("training"):
        if r["id_number"]:
            index.training[r["id_number"]].append(r)
    data.derived["records"] = index
    return index


def lacking(data: ArchiveData, table: str, *columns: str) -> str | None:
    """Why a rule cannot be judged when ``table`` lacks optional ``columns`` it rests on, else None.

    A blank column must never read as "no qualification" or "no attempt": the rule is not run instead."""
    found = data.table(table)
    if found is None or not found.readable:
        return None  # an absent table is the check's declared need, reported by the audit
    missing = [c for c in columns if c not in found.columns]
    return f"{found.file} has no column {', '.join(missing)}" if missing else None


def standard_of(profile: Profile, code: str | None) -> Operation | None:
    """The operation when the profile knows its practical standard, else None."""
    operation = profile.operation(code) if code else None
    return operation if operation and operation.practical else None


def standard_or_count(profile: Profile, code: str | None, unknown: Counter[str]) -> Operation | None:
    """``standard_of``, counting an operation without a known standard in ``unknown``: the rules that
    need the standard are then reported as not run for it, never judged with a guessed one."""
    operation = standard_of(profile, code)
    if operation is None:
        unknown[code or "unknown"] += 1
    return operation


def operation_label(profile: Profile, code: str | None) -> str:
    operation = profile.operation(code) if code else None
    return f"{operation.code} {operation.name}" if operation else (code or "unknown operation")


# Chinese words for the codes messages quote (the catalogue's Chinese templates use these)
ZH = {"theory": "理论", "practical": "实操", "invigilator": "监考员", "examiner": "考评员", "admin": "系统管理员",
      "sign_in": "签到", "identity_check": "身份核验", "start": "开始答题", "submit": "交卷", "leave": "离场",
      "session_open": "开考", "session_close": "结束"}


def zh(code: str | None) -> str:
    return ZH.get(code or "", code or "")


def when(moment: datetime | None) -> str:
    """A wall-clock time as an inspector reads it in the centre's own time."""
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "?"


def minutes(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 60, 1)


def num(value: float | None) -> Any:
    """A score as written: 85 rather than 85.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def overlapping_pairs(items: Sequence[T], window: Callable[[T], tuple[datetime, datetime]]
                      ) -> Iterator[tuple[T, T]]:
    """Pairs (earlier, later) of ``items`` whose time windows overlap (touching ends do not).

    Sorted by start and swept, keeping only the items still open: linear for the handful of sessions one
    person or staff member has, never a scan of all pairs of the archive."""
    ordered = sorted(items, key=lambda item: window(item)[0])
    active: list[T] = []
    for item in ordered:
        start = window(item)[0]
        active = [a for a in active if window(a)[1] > start]
        for other in active:
            yield other, item
        active.append(item)
