"""Findings and check statuses: the values every check produces and every report consumes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .archive import ArchiveData
    from .profile import Profile

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
ITEMS: tuple[str, ...] = ("C1", "C2", "C3", "C4", "C5", "C6", "C7")


def severity_rank(severity: str) -> int:
    """0 for critical … 4 for info; lower is worse."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Finding:
    """One piece of evidence against one checklist item (RULES.md "Output")."""

    rule: str
    item: str
    severity: str
    message: str
    message_zh: str = ""
    session_id: str | None = None
    camera: str | None = None
    id_number: str | None = None
    staff_id: str | None = None
    file: str | None = None
    table: str | None = None
    row: int | None = None
    column: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    # Set by the audit when several archives are audited together; not part of a check's output.
    archive: str | None = None

    def with_archive(self, archive: str) -> Finding:
        return replace(self, archive=archive)

    def sort_key(self) -> tuple:
        return (
            severity_rank(self.severity),
            self.item,
            self.rule,
            self.session_id or "",
            self.file or "",
            self.row or 0,
            self.start.isoformat() if self.start else "",
        )

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape: every key present, null where it does not apply."""
        return {
            "rule": self.rule,
            "item": self.item,
            "severity": self.severity,
            "session_id": self.session_id,
            "camera": self.camera,
            "id_number": self.id_number,
            "staff_id": self.staff_id,
            "file": self.file,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "message": self.message,
            "message_zh": self.message_zh,
            "evidence": _jsonable(self.evidence),
            "folded": self.folded,
        }

    @property
    def folded(self) -> int:
        """How many findings of the same cause this one stands for besides itself (e.g. the log events of one
        stretch without footage: one time.event_unrecorded)."""
        return int(self.evidence.get("folded", 0))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        def when(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            rule=data["rule"],
            item=data["item"],
            severity=data["severity"],
            message=data.get("message") or "",
            message_zh=data.get("message_zh") or "",
            session_id=data.get("session_id"),
            camera=data.get("camera"),
            id_number=data.get("id_number"),
            staff_id=data.get("staff_id"),
            file=data.get("file"),
            table=data.get("table"),
            row=data.get("row"),
            column=data.get("column"),
            start=when(data.get("start")),
            end=when(data.get("end")),
            evidence=dict(data.get("evidence") or {}),
        )


@dataclass(frozen=True)
class CheckStatus:
    """Whether a rule ran; a rule that could not run says why (never reported as passed)."""

    rule: str
    status: str  # "run" | "not_run"
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class NotRun:
    """Yielded by a check that skips a rule for part of the archive (e.g. one operation)."""

    rule: str
    reason: str


CheckFunction = Callable[["ArchiveData", "Profile"], Iterable["Finding | NotRun"]]


@dataclass(frozen=True)
class Check:
    """A check's declaration: the rule ids it may yield and the inputs it needs (see checks.py)."""

    name: str
    rules: tuple[str, ...]
    run: CheckFunction
    needs: tuple[str, ...] = ()  # tables that must be present and readable
    needs_any: tuple[str, ...] = ()  # at least one of these tables, present and readable
    needs_recordings: bool = False  # recordings that the media stage could measure
    needs_tables: bool = False  # at least one table file, readable or not


def check(name: str, rules: Iterable[str], *, needs: tuple[str, ...] = (), needs_any: tuple[str, ...] = (),
          needs_recordings: bool = False, needs_tables: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Declare, beside its code, that a function is a check yielding ``rules`` and needing these inputs.
    The declaration is kept on the function (``fn.check``); checks.py lists the checks the audit runs."""

    def declare(run: CheckFunction) -> CheckFunction:
        run.check = Check(name, tuple(rules), run, needs, needs_any, needs_recordings,  # type: ignore[attr-defined]
                          needs_tables)
        return run

    return declare


def summarise(findings: Iterable[Finding]) -> dict[str, dict[str, int]]:
    findings = list(findings)
    by_item = Counter(f.item for f in findings)
    by_severity = Counter(f.severity for f in findings)
    return {
        "by_item": {k: by_item[k] for k in ITEMS if by_item[k]},
        "by_severity": {k: by_severity[k] for k in SEVERITIES if by_severity[k]},
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value
