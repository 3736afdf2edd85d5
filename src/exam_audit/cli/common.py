"""What every command shares: one-line problems (exit status 2), the profile, the store, common options."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import ExamAuditError
from ..report import FORMATS

if TYPE_CHECKING:
    from ..profile import Profile
    from ..results import ArchiveAudit
    from ..store import Store


class Problem(click.ClickException):
    """A usage or I/O problem: one line on stderr, exit status 2 (1 is kept for "findings at --fail-on")."""

    exit_code = 2


def fail(exc: ExamAuditError) -> click.ClickException:
    return Problem(str(exc))


def load_profile(path: Path | None) -> Profile:
    from ..profile import Profile

    try:
        return Profile.load(path)
    except ExamAuditError as exc:
        raise fail(exc) from None


def parse_formats(value: str) -> tuple[str, ...]:
    chosen = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise click.BadParameter(f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    return chosen


def open_store(db: str | None) -> Store:
    from ..store import Store, database_url

    try:
        return Store(database_url(db))
    except ExamAuditError as exc:
        raise fail(exc) from None


def stored_audit(db: str | None, audit_id: int) -> ArchiveAudit:
    try:
        return open_store(db).load(audit_id)
    except ExamAuditError as exc:
        raise fail(exc) from None


DB_OPTION = click.option("--db", default=None, envvar="EXAM_AUDIT_DB",
                          help="SQLAlchemy URL or SQLite file path of the audit store.")
ARCHIVE_OPTION = click.option(
    "--archive", "archive_root", type=click.Path(file_okay=False, path_type=Path),
    help="Where the archive is now, if it moved since the audit (for snapshots and clips).")
