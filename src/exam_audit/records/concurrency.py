"""roster.concurrent_sessions: one candidate registered in two sessions that overlap in time.

Candidates sit at several centres, so the rule also looks across every archive of one audit run. The
archives may be audited in worker processes whose loaded tables are gone afterwards; each archive
therefore leaves a compact list of ``Seat`` (who sat where, when, and on which row) on its result, and
``across_archives`` pairs them in the main process.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..archive import ArchiveData
from ..findings import Finding, check
from ..profile import Profile
from .crossref import index_of, overlapping_pairs, when


@dataclass(frozen=True)
class Seat:
    """A candidate's registration for a session whose time window is known."""

    id_number: str
    session_id: str
    start: datetime
    end: datetime
    file: str
    row: int


def seats_of(data: ArchiveData) -> list[Seat]:
    """Every registration (first row per candidate and session) of a session with a known window."""
    index = index_of(data)
    out = []
    for (sid, id_number), record in index.registered.items():
        session = index.sessions.get(sid)
        window = session.window if session else None
        if window:
            out.append(Seat(id_number, sid, window[0], window[1], index.file("candidates"), record.line))
    return out


def overlapping(seats: Sequence[tuple[int, Seat]]) -> Iterator[tuple[int, Seat, int, Seat]]:
    """Pairs (earlier, later) of seats of one person in different sessions whose windows overlap.

    ``seats`` are (archive number, seat). Grouped by person and swept in start order, so the cost is
    linear in the number of seats for people who sit a handful of sessions each."""
    by_person: dict[str, list[tuple[int, Seat]]] = defaultdict(list)
    for entry in seats:
        by_person[entry[1].id_number].append(entry)
    for entries in by_person.values():
        if len(entries) < 2:
            continue
        entries.sort(key=lambda e: (e[0], e[1].row))  # ties in start time keep archive and row order
        for (a, first), (b, second) in overlapping_pairs(entries, lambda e: (e[1].start, e[1].end)):
            if (a, first.session_id) != (b, second.session_id):
                yield a, first, b, second


@check("concurrent sessions", ("roster.concurrent_sessions",), needs=("candidates",), needs_any=("sessions", "plan"))
def concurrent_sessions(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """Overlapping registrations within this archive; the later registration carries the finding."""
    for _a, earlier, _b, later in overlapping([(0, s) for s in seats_of(data)]):
        yield _finding(profile, later, earlier, None)


def across_archives(seats: Sequence[Sequence[Seat]], names: Sequence[str],
                    profile: Profile) -> list[list[Finding]]:
    """Findings per archive for registrations overlapping a registration in another archive of the run.

    Each archive involved gets a finding about its own registration, naming the other archive's."""
    out: list[list[Finding]] = [[] for _ in seats]
    flat = [(i, seat) for i, archive_seats in enumerate(seats) for seat in archive_seats]
    for a, first, b, second in overlapping(flat):
        if a == b or names[a] == names[b]:
            continue  # within one archive: the archive's own check reports it
        out[b].append(_finding(profile, second, first, names[a]))
        out[a].append(_finding(profile, first, second, names[b]))
    return out


def _finding(profile: Profile, seat: Seat, other: Seat, other_archive: str | None) -> Finding:
    elsewhere = f" in archive {other_archive}" if other_archive else ""
    elsewhere_zh = f"（档案 {other_archive}）" if other_archive else ""
    other_ref = {"table": "candidates", "row": other.row}
    if other_archive:
        other_ref["archive"] = other_archive
    return profile.finding(
        "roster.concurrent_sessions", session_id=seat.session_id, id_number=seat.id_number,
        table="candidates", file=seat.file, row=seat.row, column="session_id", start=seat.start, end=seat.end,
        evidence={"window": f"{when(seat.start)}–{when(seat.end)}", "other_session": other.session_id,
                  "other_window": f"{when(other.start)}–{when(other.end)}", "other_file": other.file,
                  "other_row": other.row, "other_archive": other_archive, "elsewhere": elsewhere,
                  "elsewhere_zh": elsewhere_zh,
                  "rows": [{"table": "candidates", "row": seat.row}, other_ref]})
