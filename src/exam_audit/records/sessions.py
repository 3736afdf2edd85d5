"""Exam sessions as the archive records them: held (sessions table) or only planned (plan table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..archive import ArchiveData


@dataclass(frozen=True)
class Session:
    session_id: str
    start: datetime | None
    end: datetime | None
    room: str | None
    exam_type: str | None
    operation: str | None
    held: bool  # a row in the sessions table
    planned: bool  # a row in the plan table
    table: str  # where start/end/room come from: "sessions", else "plan"
    row: int

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        if self.start and self.end and self.end > self.start:
            return self.start, self.end
        return None


def sessions_of(data: ArchiveData) -> dict[str, Session]:
    """session_id -> Session; the held record wins over the plan, the first row over later ones."""
    planned_ids = {r["session_id"] for r in data.records("plan") if r["session_id"]}
    out: dict[str, Session] = {}
    for table in ("sessions", "plan"):
        for r in data.records(table):
            sid = r["session_id"]
            if not sid or sid in out:
                continue
            out[sid] = Session(
                session_id=sid, start=r["start"], end=r["end"], room=r["room"],
                exam_type=r["exam_type"], operation=r["operation"], held=table == "sessions",
                planned=sid in planned_ids, table=table, row=r.line)
    return out
