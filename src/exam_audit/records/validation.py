"""Data rules over the loaded tables that need more than one cell: duplicates, identities, ages, shares.

Rules read while parsing each cell (missing, nonstandard, invalid values, ID numbers) are produced by the
table loader; these are the rest of the data family (checklist item C6).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from ..archive import ArchiveData
from ..findings import Finding, NotRun, check
from ..profile import Profile
from .sessions import sessions_of
from .tables import idnumber
from .tables.loader import Record
from .tables.schema import TABLES


@check("table reading", ("data.encoding", "data.missing_column", "data.missing_value", "data.nonstandard_value",
                         "data.invalid_value", "data.invalid_id_number"), needs_tables=True)
def table_reading(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """What reading the tables and centre.toml found: undecodable or nonstandard encodings, missing columns
    and values, values in a nonstandard form or unreadable, invalid ID numbers (records/tables/loader.py)."""
    yield from data.reading


@check("duplicate rows", ("data.duplicate_row",))
def duplicate_rows(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """The same key twice in one table. A staff id naming two different people is an identity conflict
    instead, reported by ``identity_conflicts``."""
    for name, table in data.tables.items():
        key_columns = TABLES[name].key
        required = [c for c in key_columns if c in TABLES[name].required]
        if not key_columns or not table.has(*required):
            continue
        first: dict[tuple, Record] = {}
        for record in table.records:
            key = tuple(record[c] for c in key_columns)
            if any(record[c] is None for c in required):
                continue  # a blank key cell is a missing value, reported by the loader
            if key not in first:
                first[key] = record
                continue
            if name == "staff" and _different_person(first[key], record):
                continue
            yield profile.finding(
                "data.duplicate_row", table=name, file=table.file, row=record.line,
                session_id=record["session_id"], id_number=record["id_number"], staff_id=record["staff_id"],
                evidence={"first_row": first[key].line,
                          "key_desc": ", ".join(f"{c}={v}" for c, v in zip(key_columns, key, strict=True)
                                                if v is not None),
                          "value": " | ".join("" if v is None else str(v) for v in key)})


def _different_person(a: Record, b: Record) -> bool:
    return any(a[c] and b[c] and _norm(a[c]) != _norm(b[c]) for c in ("name", "id_number"))


def _norm(text: str) -> str:
    return "".join(str(text).split())


@dataclass(frozen=True)
class _Seen:
    value: str
    file: str
    row: int


@check("identity conflicts", ("data.identity_conflict",), needs_any=("candidates", "staff"))
def identity_conflicts(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """One id_number with different names (candidates and staff together), or one staff_id with
    different people."""
    by_id: dict[str, _Seen] = {}
    for name in ("candidates", "staff"):
        table = data.table(name)
        if not table or not table.has("id_number", "name"):
            continue
        for record in table.records:
            id_number, person = record["id_number"], record["name"]
            if not id_number or not person:
                continue
            seen = by_id.setdefault(id_number, _Seen(person, table.file, record.line))
            if _norm(seen.value) != _norm(person):
                yield _conflict(profile, name, table.file, record, "id_number", id_number, person, seen)

    staff = data.table("staff")
    if staff and staff.has("staff_id"):
        by_staff: dict[str, tuple[_Seen, _Seen]] = {}
        for record in staff.records:
            sid = record["staff_id"]
            if not sid:
                continue
            mine = (_Seen(record["name"] or "", staff.file, record.line),
                    _Seen(record["id_number"] or "", staff.file, record.line))
            first = by_staff.setdefault(sid, mine)
            for seen, value in zip(first, mine, strict=True):
                if seen.value and value.value and _norm(seen.value) != _norm(value.value):
                    yield _conflict(profile, "staff", staff.file, record, "staff_id", sid, value.value, seen)
                    break


def _conflict(profile: Profile, table: str, file: str, record: Record, key_column: str, key: str,
              value: str, seen: _Seen) -> Finding:
    other = f"line {seen.row}" if seen.file == file else f"{seen.file} line {seen.row}"
    return profile.finding(
        "data.identity_conflict", table=table, file=file, row=record.line, column=key_column,
        id_number=key if key_column == "id_number" else record["id_number"],
        staff_id=key if key_column == "staff_id" else None,
        evidence={"key_column": key_column, "key": key, "value": value, "other_value": seen.value,
                  "other_place": other, "other_file": seen.file, "other_row": seen.row})


@check("candidate ages", ("data.age_ineligible",), needs=("candidates",), needs_any=("sessions", "plan"))
def age_eligibility(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """Candidates younger than the minimum age or past retirement age on their exam date."""
    sessions = sessions_of(data)
    table = data.table("candidates")
    if table is None:
        return
    min_age = int(profile.threshold("candidate_min_age"))
    undated = 0
    for record in table.records:
        id_number = record["id_number"]
        if (not id_number or "id_number" in record.flagged
                or idnumber.validate(id_number, today=_far_future) is not None):
            continue  # an invalid number is its own finding; its birth date cannot be trusted
        session = sessions.get(record["session_id"] or "")
        if session is None or session.start is None:
            undated += 1
            continue
        exam_date = session.start.date()
        born = idnumber.birth_date(id_number)
        assert born is not None
        age = exam_date.year - born.year - ((exam_date.month, exam_date.day) < (born.month, born.day))
        max_age = profile.retirement_age(exam_date, idnumber.sex(id_number))
        if age < min_age or (max_age is not None and age >= max_age):
            yield profile.finding(
                "data.age_ineligible", table="candidates", file=table.file, row=record.line,
                column="id_number", session_id=session.session_id, id_number=id_number,
                evidence={"age": age, "exam_date": exam_date.isoformat(), "birth_date": born.isoformat(),
                          "min_age": min_age, "max_age": max_age if max_age is not None else "?",
                          "value": id_number})
    if undated:
        yield NotRun("data.age_ineligible",
                     f"{undated} candidate row(s) belong to sessions with no known date")


# Birth dates are judged against the exam date here, not today: only the format and check matter.
_far_future = date(9999, 12, 31)


@check("subject shares", ("data.invalid_value",), needs=("results",), needs_any=("sessions", "plan"))
def subject_shares(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """A practical subject's score above its share in the operation's standard is an invalid value."""
    table = data.table("results")
    if table is None or not table.has("session_id", "subject", "score"):
        return
    sessions = sessions_of(data)
    unknown: dict[str, int] = {}
    for record in table.records:
        subject, score = record["subject"], record["score"]
        if subject not in ("K1", "K2", "K3", "K4") or score is None:
            continue
        session = sessions.get(record["session_id"] or "")
        code = session.operation if session else None
        operation = profile.operation(code) if code else None
        if operation is None or operation.practical is None:
            unknown[code or "unknown"] = unknown.get(code or "unknown", 0) + 1
            continue
        share = operation.practical.weights.get(subject)
        if share is None or score > share:
            yield profile.finding(
                "data.invalid_value", table="results", file=table.file, row=record.line, column="score",
                session_id=record["session_id"], id_number=record["id_number"],
                evidence={"value": _num(score), "subject": subject, "operation": operation.code,
                          "problem": (f"{subject} is worth {_num(share)} points in {operation.code} "
                                      f"{operation.name}" if share is not None
                                      else f"{operation.code} {operation.name} has no subject {subject}"),
                          "problem_zh": (f"{operation.code} {operation.name} 的 {subject} 满分为 {_num(share)} 分"
                                         if share is not None
                                         else f"{operation.code} {operation.name} 无科目 {subject}")})
    for code, count in sorted(unknown.items()):
        operation = profile.operation(code)
        label = f"{code} {operation.name}" if operation else code
        yield NotRun("data.invalid_value",
                     f"subject shares of {count} result row(s) not checked for operation {label}: "
                     "its practical standard's weights are not in the profile")


def _num(value: float | None) -> object:
    return int(value) if isinstance(value, float) and value.is_integer() else value
