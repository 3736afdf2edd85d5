"""The plain values handed from one stage of an audit to the next.

archive → tables and recordings → media stage (``MediaResult``) → checks → findings → store
(``ArchiveAudit``) → reports. Every stage imports its inputs from here, so nothing needs to import the
stage that made them: this module imports no other part of exam-audit except the findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .findings import CheckStatus, Finding

if TYPE_CHECKING:
    from .records.concurrency import Seat
    from .records.scores import TheoryPass
    from .video.content.duplicates import Match
    from .video.presence.tracks import PresenceTrack
    from .video.timeline.placement import Recording


@dataclass(frozen=True)
class ArchiveFile:
    path: str  # relative to the archive root, forward slashes
    bytes: int
    kind: str  # "table" | "recording" | "config"
    sha256: str = ""


@dataclass
class AuditOptions:
    profile_path: Path | None = None
    encoding: str | None = None
    today: date = field(default_factory=date.today)
    workers: int = 2
    # where long work reports what it is doing (the CLI prints it); never sent to worker processes
    progress: Callable[[str], None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PreviousFile:
    """A file as an earlier audit of the same archive folder recorded it."""

    sha256: str
    audit_id: int
    audited_at: str


@dataclass
class ArchiveSummary:
    """What one archive leaves for the rules that compare the archives of a run (records/run_summary.py)."""

    seats: list[Seat] = field(default_factory=list)
    theory_passes: list[TheoryPass] = field(default_factory=list)


@dataclass
class FileAnalysis:
    """What the shared sampling pass measured in one recording, one field per analyser (None: not run)."""

    sampling: dict[str, Any] = field(default_factory=dict)  # how it was sampled, or the error
    black: dict[str, Any] | None = None
    frozen: dict[str, Any] | None = None
    scene_change: dict[str, Any] | None = None
    fingerprint: dict[str, Any] | None = None
    presence: PresenceTrack | None = None

    @property
    def undecodable(self) -> str | None:
        """Why no frame of the file could be decoded, or None."""
        if self.sampling.get("error") and not self.sampling.get("samples"):
            return str(self.sampling["error"])
        return None


@dataclass(frozen=True)
class RecycledCopy:
    """Footage of ``later`` confirmed frame by frame to repeat footage of another recording."""

    later: Recording
    match: Match
    evidence: dict[str, Any]  # the confirmation's figures and the other file's identity


@dataclass
class MediaResult:
    """What the media stage measured in an archive's recordings, for the checks to read."""

    unavailable: str | None = None  # nothing could be measured (e.g. ffprobe missing), and why
    sha256: dict[str, str] = field(default_factory=dict)  # file -> sha256, hashed with its probe
    recordings: list[Recording] | None = None  # placed in wall-clock time; None: not probed
    analysis: dict[str, FileAnalysis] = field(default_factory=dict)  # file -> its analysis
    copies: list[RecycledCopy] = field(default_factory=list)
    # proposed copies that could not be confirmed (the earlier file has gone), each saying why
    copies_not_run: list[str] = field(default_factory=list)
    # probes and analyses measured by this audit, for the store's caches (written by the one process that
    # saves); analyses by "sha256:settings key" (video/analysis_cache.py)
    new_probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_analyses: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_recycled: dict[str, dict[str, Any]] = field(default_factory=dict)  # recycled_key -> copies found

    @property
    def placed(self) -> list[Recording]:
        return list(self.recordings or ())


@dataclass(frozen=True)
class AuditTally:
    """One stored audit in numbers, for the roll-up across centres (report/rollup.py)."""

    audit_id: int
    archive_path: str
    centre_id: str | None
    centre_name: str | None
    started_at: str | None
    error: str | None
    findings: dict[tuple[str, str], int]  # (checklist item, severity) -> count
    rules_not_run: int


@dataclass
class ArchiveAudit:
    """The outcome of auditing one archive."""

    path: str
    centre_id: str | None = None
    centre_name: str | None = None
    files: list[ArchiveFile] = field(default_factory=list)
    checks: list[CheckStatus] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the archive could not be audited at all
    started_at: datetime | None = None
    finished_at: datetime | None = None
    audit_id: int | None = None  # set by the store
    profile_name: str = ""
    profile_version: str = ""
    tool_version: str = __version__
    summary: ArchiveSummary = field(default_factory=ArchiveSummary)
    command: str | None = None  # the command line that ran the audit, when known
    # sessions, recordings, coverage and presence as JSON (timeline.py), so reports redraw from the store
    timeline: dict[str, Any] = field(default_factory=dict)
    # activity fingerprints of the recordings (file -> fingerprint), saved by the store for later audits
    fingerprints: dict[str, dict[str, Any]] = field(default_factory=dict)
    fingerprint_bin_s: float | None = None  # the bins their index is cut in (video/content/duplicates.py)
    # probes (sha256 -> probe) and analyses ("sha256:settings" -> analysis) measured by this audit, saved by
    # the store as caches
    new_probes: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_analyses: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_recycled: dict[str, dict[str, Any]] = field(default_factory=dict)  # recycled_key -> copies found

    @property
    def name(self) -> str:
        return Path(self.path).name or self.path
