"""Placing a recording in wall-clock time (ARCHIVE_FORMAT.md "How a recording's time is known").

In order of trust: the recordings.csv manifest → the file name → the container's creation_time → unknown.
Every source that says something is kept, so that sources that disagree can be reported. A recording's
end is its start plus its media duration from packet timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from ...records.tables.loader import Record
from ..media.probe import MediaProbe
from .naming import NameInfo, Reading, parse_name

SOURCES = ("manifest", "filename", "creation_time")  # in order of trust


@dataclass(frozen=True)
class ManifestEntry:
    """One row of recordings.csv (``file`` is relative to recordings/)."""

    file: str
    camera: str | None
    start: datetime | None
    session_id: str | None
    row: int


def manifest_of(entries: Iterable[Record]) -> dict[str, ManifestEntry]:
    """recordings.csv's rows by file path relative to the archive root (forward slashes)."""
    out: dict[str, ManifestEntry] = {}
    for r in entries:
        if not r["file"]:
            continue
        rel = "recordings/" + str(r["file"]).replace("\\", "/").lstrip("/").removeprefix("recordings/")
        out.setdefault(rel, ManifestEntry(rel, r["camera"], r["start"], r["session_id"], r.line))
    return out


@dataclass(frozen=True)
class Recording:
    """A probed recording placed in wall-clock time (start is None when nothing says when it was)."""

    file: str  # relative to the archive root
    camera: str | None
    probe: MediaProbe
    start: datetime | None
    start_source: str | None  # "manifest" | "filename" | "creation_time" | None
    # every start a source states, by source; and the end the file name states
    claims: dict[str, datetime] = field(default_factory=dict, hash=False, compare=False)
    name_end: datetime | None = None
    # the naming convention that read the name ("centre.toml" for a centre pattern), and the readings
    # that disagree when the name is ambiguous
    convention: str | None = None
    ambiguous: tuple[Reading, ...] = field(default_factory=tuple, hash=False, compare=False)
    session_id: str | None = None  # as the manifest states it
    sha256: str = ""

    @property
    def end(self) -> datetime | None:
        if self.start is None or self.probe.duration_s is None:
            return None
        return self.start + timedelta(seconds=self.probe.duration_s)

    def wall(self, media_s: float) -> datetime | None:
        """Wall-clock time of media time ``media_s`` (seconds from the first packet)."""
        return self.start + timedelta(seconds=media_s) if self.start else None

    @property
    def usable(self) -> bool:
        """Readable and placed: its footage can be watched at known times."""
        return self.probe.ok and self.start is not None and self.probe.duration_s is not None


def place(file: str, probe: MediaProbe, patterns: tuple[str, ...], tz: tzinfo,
          manifest: ManifestEntry | None = None, sha256: str = "") -> Recording:
    named: NameInfo | None = parse_name(file, patterns, tz)
    claims: dict[str, datetime] = {}
    if manifest and manifest.start:
        claims["manifest"] = manifest.start.astimezone(tz)
    if named and named.start:
        claims["filename"] = named.start
    if probe.creation_time:
        created = probe.creation_time
        # a tag without an offset is UTC, as ffmpeg and the MP4 format write it
        claims["creation_time"] = (created if created.tzinfo else created.replace(tzinfo=timezone.utc)).astimezone(tz)
    source = next((s for s in SOURCES if s in claims), None)
    camera = (manifest.camera if manifest and manifest.camera else None) or (named.camera if named else None)
    return Recording(file=file, camera=camera, probe=probe, start=claims.get(source) if source else None,
                     start_source=source, claims=claims, name_end=named.end if named else None,
                     convention=named.convention if named else None, ambiguous=named.ambiguous if named else (),
                     session_id=manifest.session_id if manifest else None, sha256=sha256)


def by_camera(recordings: Iterable[Recording]) -> dict[str | None, list[Recording]]:
    """Recordings grouped by camera, each group in time order (unplaced ones last)."""
    out: dict[str | None, list[Recording]] = {}
    for r in recordings:
        out.setdefault(r.camera, []).append(r)
    for group in out.values():
        group.sort(key=lambda r: (r.start is None, r.start or datetime.min.replace(tzinfo=timezone.utc), r.file))
    return out
