"""The audit store: every audit, the files it saw (with sha256) and its findings.

SQLite by default (a file the user can see); any SQLAlchemy URL works. Times are stored as ISO 8601 text
with their offset, so that what is read back is what was written, on every database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, create_engine, or_, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from .credentials import redact
from .errors import ExamAuditError
from .findings import CheckStatus, Finding
from .results import ArchiveAudit, ArchiveFile, AuditTally, PreviousFile
from .store_schema import ensure_schema
from .video.content.duplicates import index_masks
from .video.media.probe import PROBE_VERSION

DEFAULT_DB_FILE = "exam-audit.db"


class Base(DeclarativeBase):
    """Every value that comes from the archive (ids, paths, names) is unbounded Text and every size 64-bit:
    an archive decides their length, and PostgreSQL refuses what a column cannot hold."""


class AuditRow(Base):
    __tablename__ = "audits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    archive_key: Mapped[str] = mapped_column(Text, index=True)
    archive_path: Mapped[str] = mapped_column(Text)
    centre_id: Mapped[str | None] = mapped_column(Text)
    centre_name: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[str | None] = mapped_column(String(40))
    finished_at: Mapped[str | None] = mapped_column(String(40))
    tool_version: Mapped[str] = mapped_column(String(40))
    profile_name: Mapped[str] = mapped_column(Text)
    profile_version: Mapped[str] = mapped_column(String(40))
    command: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    timeline: Mapped[str | None] = mapped_column(Text)  # JSON (timeline.py)
    files: Mapped[list[FileRow]] = relationship(back_populates="audit", cascade="all, delete-orphan")
    # in the order saved (worst first): without order_by SQLite returns them in index order, i.e. by rule
    findings: Mapped[list[FindingRow]] = relationship(back_populates="audit", cascade="all, delete-orphan",
                                                      order_by="FindingRow.id")
    checks: Mapped[list[CheckRow]] = relationship(back_populates="audit", cascade="all, delete-orphan")


class FileRow(Base):
    __tablename__ = "archive_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    bytes: Mapped[int] = mapped_column(BigInteger)  # recordings pass 2 GiB
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    audit: Mapped[AuditRow] = relationship(back_populates="files")


class FindingRow(Base):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"))
    rule: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(4))
    severity: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[str | None] = mapped_column(Text)
    camera: Mapped[str | None] = mapped_column(Text)
    id_number: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[str | None] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(Text)
    table_name: Mapped[str | None] = mapped_column(String(32))
    row: Mapped[int | None] = mapped_column(Integer)
    column_name: Mapped[str | None] = mapped_column(String(64))
    start: Mapped[str | None] = mapped_column(String(40))
    end: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)  # JSON
    audit: Mapped[AuditRow] = relationship(back_populates="findings")

    __table_args__ = (Index("ix_findings_audit_rule", "audit_id", "rule"),)


class CheckRow(Base):
    __tablename__ = "checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    audit: Mapped[AuditRow] = relationship(back_populates="checks")


class ProbeRow(Base):
    """Probe results keyed by the file's sha256: an unchanged file is never probed twice."""

    __tablename__ = "probe_cache"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    probe: Mapped[str] = mapped_column(Text)  # JSON of MediaProbe.to_dict()


class AnalysisRow(Base):
    """A recording's analysis (video/analysis_cache.py) by its sha256 and the settings it was made with:
    re-auditing an unchanged file does not decode it again."""

    __tablename__ = "analysis_cache"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    settings: Mapped[str] = mapped_column(String(64), primary_key=True)
    analysis: Mapped[str] = mapped_column(Text)  # JSON


class RecycledRow(Base):
    """The copies found among an archive's recordings (video/content/recycled.py), by what they depend on
    (``recycled_key``): re-auditing unchanged recordings against unchanged history compares nothing again."""

    __tablename__ = "recycled_cache"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    result: Mapped[str] = mapped_column(Text)  # JSON


class FingerprintRow(Base):
    """A recording's activity fingerprint (video.duplicate_footage), kept so that later audits of any
    archive can find the same footage again. One row per file content (sha256), from the first audit
    that saw it."""

    __tablename__ = "fingerprints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id"), index=True)
    archive_path: Mapped[str] = mapped_column(Text)
    file: Mapped[str] = mapped_column(Text)
    # JSON {"grid": [rows, cols], "samples": [[media seconds, active-cell mask], ...]}; a bare list of
    # samples is a fingerprint kept before the grid was written down (6x8)
    samples: Mapped[str] = mapped_column(Text)
    # the bins its activity patterns were indexed in (FingerprintMaskRow); None: not indexed, always compared
    index_bin_s: Mapped[float | None] = mapped_column(Float)


class FingerprintMaskRow(Base):
    """An activity pattern of a stored fingerprint: a new recording is compared only with the fingerprints
    that share one of its patterns (video/content/duplicates.py ``index_masks``), not with every one."""

    __tablename__ = "fingerprint_masks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint_id: Mapped[int] = mapped_column(ForeignKey("fingerprints.id"), index=True)
    mask: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_fingerprint_masks_mask", "mask"),)


def _stored_fingerprint(fingerprint: dict[str, Any]) -> dict[str, Any]:
    return {"grid": fingerprint.get("grid"), "samples": fingerprint["samples"]}


def _loaded_fingerprint(stored: Any) -> dict[str, Any]:
    return stored if isinstance(stored, dict) else {"grid": None, "samples": stored}


def database_url(db: str | None) -> str:
    """A SQLAlchemy URL from ``--db``: a URL as it is, a path as a SQLite file."""
    if db and "://" in db:
        return db
    path = Path(db or DEFAULT_DB_FILE).expanduser().resolve()
    return f"sqlite:///{path.as_posix()}"


def archive_key(path: str) -> str:
    """Audits of the same folder are compared with each other (tamper evidence)."""
    return Path(path).expanduser().resolve().as_posix()


class Store:
    """The audit store, opened once per run. It is also the probe cache and the fingerprint history that the
    media stage reads (video/media/measure.py ``ProbeCache``, video/content/recycled.py
    ``FingerprintHistory``). ``create=False`` opens a store whose schema exists, for a worker process that
    only reads."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        try:
            parsed = make_url(url)
            if create and parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url)
            if create:
                ensure_schema(self.engine, Base.metadata)
        except (ModuleNotFoundError, NoSuchModuleError) as exc:
            if not make_url(url).drivername.startswith("postgresql"):
                raise ExamAuditError(f"database {self.location}: cannot be opened (no SQLAlchemy driver: {exc})",
                                     "pass --db PATH for a SQLite file, or a valid SQLAlchemy URL") from None
            raise ExamAuditError(f"database {self.location}: its driver is not installed ({exc})",
                                 "pip install 'exam-audit[postgres]'") from None
        except (ArgumentError, OperationalError, SQLAlchemyError, OSError) as exc:
            raise ExamAuditError(f"database {self.location}: cannot be opened ({exc.__class__.__name__}: "
                                 f"{redact(str(exc).splitlines()[0])})",
                                 "pass --db PATH for a SQLite file, or a valid SQLAlchemy URL") from None

    @property
    def location(self) -> str:
        """Where the store is, for a person: a SQLite file's path, or the URL without its password."""
        if self.url.startswith("sqlite:///"):
            return self.url.removeprefix("sqlite:///")
        return redact(self.url)

    def previous_files(self, archive_path: str) -> dict[str, PreviousFile]:
        """The files of the latest earlier audit of the same archive."""
        with Session(self.engine) as session:
            latest = session.scalars(
                select(AuditRow).where(AuditRow.archive_key == archive_key(archive_path),
                                       AuditRow.error.is_(None))
                .order_by(AuditRow.id.desc()).limit(1)).first()
            if latest is None:
                return {}
            return {f.path: PreviousFile(f.sha256, latest.id, latest.started_at or "") for f in latest.files}

    def save(self, audit: ArchiveAudit, command: str | None = None) -> int:
        audit.command = command = redact(command or audit.command or "") or None
        row = AuditRow(
            archive_key=archive_key(audit.path), archive_path=audit.path, centre_id=audit.centre_id,
            centre_name=audit.centre_name,
            started_at=audit.started_at.isoformat() if audit.started_at else None,
            finished_at=audit.finished_at.isoformat() if audit.finished_at else None,
            tool_version=audit.tool_version, profile_name=audit.profile_name,
            profile_version=audit.profile_version, command=command, error=audit.error,
            timeline=json.dumps(audit.timeline, ensure_ascii=False))
        row.files = [FileRow(path=f.path, bytes=f.bytes, kind=f.kind, sha256=f.sha256) for f in audit.files]
        row.checks = [CheckRow(rule=c.rule, status=c.status, reason=c.reason) for c in audit.checks]
        row.findings = [_finding_row(f) for f in audit.findings]
        with Session(self.engine) as session:
            session.add(row)
            session.flush()
            self._add_fingerprints(session, audit, row)
            for key, analysis in audit.new_analyses.items():
                digest, settings = key.split(":", 1)
                session.merge(AnalysisRow(sha256=digest, settings=settings,
                                          analysis=json.dumps(analysis, ensure_ascii=False)))
            for key, found in audit.new_recycled.items():
                session.merge(RecycledRow(key=key, result=json.dumps(found, ensure_ascii=False)))
            for digest, probe in audit.new_probes.items():
                session.merge(ProbeRow(sha256=digest, version=PROBE_VERSION,
                                       probe=json.dumps(probe, ensure_ascii=False)))
            session.commit()
            audit.audit_id = row.id
            return row.id

    def cached_probes(self, digests: list[str], version: int) -> dict[str, dict]:
        """sha256 -> the stored probe (as a dict) for the digests already probed by this probe version."""
        found: dict[str, dict] = {}
        with Session(self.engine) as session:
            for start in range(0, len(digests), 500):  # keep IN (...) lists within every database's limits
                rows = session.scalars(select(ProbeRow).where(ProbeRow.sha256.in_(digests[start:start + 500]),
                                                              ProbeRow.version == version))
                found.update((r.sha256, json.loads(r.probe)) for r in rows)
        return found

    def cached_analyses(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """(sha256, settings) -> the stored analysis, for the keys already analysed."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        wanted = set(keys)
        digests = sorted({d for d, _ in keys})
        with Session(self.engine) as session:
            for start in range(0, len(digests), 500):
                rows = session.scalars(select(AnalysisRow).where(AnalysisRow.sha256.in_(digests[start:start + 500])))
                found.update(((r.sha256, r.settings), json.loads(r.analysis)) for r in rows
                             if (r.sha256, r.settings) in wanted)
        return found

    def cached_recycled(self, key: str) -> dict[str, Any] | None:
        with Session(self.engine) as session:
            row = session.get(RecycledRow, key)
            return json.loads(row.result) if row else None

    def _add_fingerprints(self, session: Session, audit: ArchiveAudit, row: AuditRow) -> None:
        shas = {f.path: f.sha256 for f in audit.files if f.sha256}
        wanted = {shas[path]: path for path in audit.fingerprints if path in shas}
        if not wanted:
            return
        known = set(session.scalars(select(FingerprintRow.sha256).where(FingerprintRow.sha256.in_(wanted))))
        bin_s = audit.fingerprint_bin_s
        for sha, path in wanted.items():
            if sha in known:
                continue
            fingerprint = audit.fingerprints[path]
            masks = index_masks(fingerprint, bin_s) if bin_s else set()
            indexable = bin_s is not None and all(m < 2**63 for m in masks)  # a BIGINT holds 63 bits
            stored = FingerprintRow(sha256=sha, audit_id=row.id, archive_path=audit.path, file=path,
                                    samples=json.dumps(_stored_fingerprint(fingerprint)),
                                    index_bin_s=bin_s if indexable else None)
            session.add(stored)
            if indexable:
                session.flush()
                session.add_all(FingerprintMaskRow(fingerprint_id=stored.id, mask=m) for m in sorted(masks))

    def earlier_fingerprints(self, archive_path: str, files: dict[str, str], masks: set[int] | None = None,
                             bin_s: float | None = None) -> list[dict[str, object]]:
        """Stored fingerprints to compare an archive's recordings (``files``: path -> sha256) with: all but
        those of the same bytes (the same file seen again) and those of the same path in an earlier audit
        of the same archive (a changed file is data.file_changed, not a copy of itself). With ``masks``,
        only those that share one of these activity patterns, looked up in the index (fingerprints
        indexed in other bins, or not at all, are always returned)."""
        shas, key = set(files.values()), archive_key(archive_path)
        with Session(self.engine) as session:
            query = select(FingerprintRow).order_by(FingerprintRow.id)
            if masks is not None and bin_s is not None:
                sharing = select(FingerprintMaskRow.fingerprint_id).where(
                    FingerprintMaskRow.mask.in_(sorted(m for m in masks if m < 2**63)))
                query = query.where(or_(FingerprintRow.id.in_(sharing), FingerprintRow.index_bin_s.is_(None),
                                        FingerprintRow.index_bin_s != bin_s))
            rows = session.scalars(query).all()
            return [{"sha256": r.sha256, "audit_id": r.audit_id, "archive": r.archive_path, "file": r.file,
                     **_loaded_fingerprint(json.loads(r.samples))} for r in rows
                    if r.sha256 not in shas and not (r.file in files and archive_key(r.archive_path) == key)]

    def load(self, audit_id: int) -> ArchiveAudit:
        from datetime import datetime

        with Session(self.engine) as session:
            row = session.get(AuditRow, audit_id)
            if row is None:
                raise ExamAuditError(f"audit #{audit_id} is not in {self.location}",
                                     "run `exam-audit audits` to list the recorded audits")
            return ArchiveAudit(
                path=row.archive_path, centre_id=row.centre_id, centre_name=row.centre_name,
                files=[ArchiveFile(f.path, f.bytes, f.kind, f.sha256) for f in row.files],
                checks=[CheckStatus(c.rule, c.status, c.reason) for c in row.checks],
                findings=[_finding_from_row(f) for f in row.findings],
                error=row.error,
                started_at=datetime.fromisoformat(row.started_at) if row.started_at else None,
                finished_at=datetime.fromisoformat(row.finished_at) if row.finished_at else None,
                audit_id=row.id, profile_name=row.profile_name, profile_version=row.profile_version,
                tool_version=row.tool_version, command=row.command,
                timeline=json.loads(row.timeline) if row.timeline else {})

    def audits(self) -> list[tuple[int, str, str | None, str | None, int]]:
        """(id, archive path, centre id, started at, finding count), newest first."""
        from sqlalchemy import func

        with Session(self.engine) as session:
            counts = dict(session.execute(
                select(FindingRow.audit_id, func.count()).group_by(FindingRow.audit_id)).all())
            rows = session.scalars(select(AuditRow).order_by(AuditRow.id.desc())).all()
            return [(r.id, r.archive_path, r.centre_id, r.started_at, counts.get(r.id, 0)) for r in rows]


    def tallies(self, since: str | None = None) -> list[AuditTally]:
        """Every audit (started on or after ``since``, an ISO date) with its findings counted by item and
        severity and its rules not run, oldest first."""
        from sqlalchemy import func

        with Session(self.engine) as session:
            query = select(AuditRow).order_by(AuditRow.id)
            if since:
                query = query.where(AuditRow.started_at >= since)
            audits = session.scalars(query).all()
            ids = [a.id for a in audits]
            counts: dict[int, dict[tuple[str, str], int]] = {i: {} for i in ids}
            not_run: dict[int, int] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                for audit_id, item, severity, n in session.execute(
                        select(FindingRow.audit_id, FindingRow.item, FindingRow.severity, func.count())
                        .where(FindingRow.audit_id.in_(chunk))
                        .group_by(FindingRow.audit_id, FindingRow.item, FindingRow.severity)):
                    counts[audit_id][(item, severity)] = n
                not_run.update(session.execute(
                    select(CheckRow.audit_id, func.count(func.distinct(CheckRow.rule)))
                    .where(CheckRow.audit_id.in_(chunk), CheckRow.status == "not_run")
                    .group_by(CheckRow.audit_id)).all())
            return [AuditTally(a.id, a.archive_path, a.centre_id, a.centre_name, a.started_at, a.error, counts[a.id],
                               not_run.get(a.id, 0)) for a in audits]


def _finding_row(f: Finding) -> FindingRow:
    d = f.to_dict()
    return FindingRow(
        rule=f.rule, item=f.item, severity=f.severity, session_id=f.session_id, camera=f.camera,
        id_number=f.id_number, staff_id=f.staff_id, file=f.file, table_name=f.table, row=f.row,
        column_name=f.column, start=d["start"], end=d["end"], message=f.message, message_zh=f.message_zh,
        evidence=json.dumps(d["evidence"], ensure_ascii=False))


def _finding_from_row(r: FindingRow) -> Finding:
    return Finding.from_dict({
        "rule": r.rule, "item": r.item, "severity": r.severity, "session_id": r.session_id,
        "camera": r.camera, "id_number": r.id_number, "staff_id": r.staff_id, "file": r.file,
        "table": r.table_name, "row": r.row, "column": r.column_name, "start": r.start, "end": r.end,
        "message": r.message, "message_zh": r.message_zh, "evidence": json.loads(r.evidence or "{}")})
