"""The registry of checks: which rules each check produces and which tables it needs.

A check is a plain function ``(ArchiveData, Profile) -> Iterable[Finding | NotRun]``. It never prints,
never reads a file and never touches the database. When a table it needs is missing or unreadable, the
audit lists its rules as not run, with the reason, and does not call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .archive import ArchiveData
from .findings import Finding, NotRun
from .profile import Profile
from .records import validation
from .video import invigilation

CheckFunction = Callable[[ArchiveData, Profile], Iterable[Finding | NotRun]]


@dataclass(frozen=True)
class Check:
    name: str
    rules: tuple[str, ...]
    run: CheckFunction
    needs: tuple[str, ...] = ()  # tables that must be present and readable
    needs_any: tuple[str, ...] = ()  # at least one of these tables
    needs_recordings: bool = False


CHECKS: list[Check] = [
    Check("duplicate rows", ("data.duplicate_row",), validation.duplicate_rows),
    Check("identity conflicts", ("data.identity_conflict",), validation.identity_conflicts,
          needs_any=("candidates", "staff")),
    Check("candidate ages", ("data.age_ineligible",), validation.age_eligibility,
          needs=("candidates",), needs_any=("sessions", "plan")),
    Check("subject shares", ("data.invalid_value",), validation.subject_shares,
          needs=("results",), needs_any=("sessions", "plan")),
    Check("invigilator presence", (invigilation.ABSENT,), invigilation.invigilator_absence,
          needs_any=("sessions", "plan"), needs_recordings=True),
    Check("headcount on camera", (invigilation.HEADCOUNT,), invigilation.headcount,
          needs=("events",), needs_any=("sessions", "plan"), needs_recordings=True),
    Check("practical station activity", (invigilation.NO_ACTIVITY,), invigilation.practical_activity,
          needs_any=("sessions", "plan"), needs_recordings=True),
]

# Rules produced while reading the tables themselves (the loader), always run when a table is present.
READING_RULES: tuple[str, ...] = (
    "data.encoding", "data.missing_column", "data.missing_value", "data.nonstandard_value",
    "data.invalid_value", "data.invalid_id_number",
)
