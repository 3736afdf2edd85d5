"""Finding recycled footage: fingerprints propose, frames confirm (part of the media stage).

Activity fingerprints of two recordings (this archive's, or files an earlier audit fingerprinted) only
propose that one repeats the other; the pair is then decoded for a few seconds at several instants and
confirmed frame by frame (copies.py). Confirmation needs the pixels, so it runs in the media stage and the
check only reads the confirmed copies. ``exam-audit scan`` uses the same function on loose files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

from ...results import FileAnalysis, RecycledCopy
from ..media.probe import probe
from ..timeline.placement import Recording
from .copies import Footage, confirm
from .duplicates import DuplicateSettings, Fingerprint, Match, bins, match, match_bins


class FingerprintHistory(Protocol):
    """Fingerprints that earlier audits kept, and the copies found before (the audit store); this module
    only reads it."""

    def cached_recycled(self, key: str) -> dict[str, Any] | None:
        """The outcome of ``find_recycled`` stored under ``recycled_key``, if any."""

    def earlier_fingerprints(self, archive_path: str, files: dict[str, str], masks: set[int] | None = None,
                             bin_s: float | None = None) -> list[dict[str, Any]]:
        """Stored fingerprints to compare an archive's recordings (``files``: path -> sha256) with; with
        ``masks``, only those sharing one of these activity patterns (binned at ``bin_s``)."""


@dataclass(frozen=True)
class Fingerprinted:
    """A recording of this run with its fingerprint and the path its frames can be read from."""

    recording: Recording
    analysis: FileAnalysis
    path: Path


@dataclass
class RecycledFootage:
    copies: list[RecycledCopy] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)  # proposals that could not be confirmed, and why


def find_recycled(files: Iterable[Fingerprinted], earlier: Sequence[dict[str, Any]],
                  settings: DuplicateSettings) -> RecycledFootage:
    """Confirmed copies among ``files`` (the later one is the copy) and between them and ``earlier``
    fingerprints of other audits (each a stored fingerprint with its archive, file, sha256, audit_id)."""
    out = RecycledFootage()
    current = [f for f in files if f.analysis.fingerprint]
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    current.sort(key=lambda f: (f.recording.start or oldest, f.recording.file))
    tolerance = 2 * settings.bin_s
    # each fingerprint binned once; a pair that shares no binned pattern cannot match (match votes only
    # for equal patterns), so it is not compared at all
    binned = [_Binned.of(f.analysis.fingerprint or {}, settings) for f in current]
    for j, later in enumerate(current):
        later_fp = later.analysis.fingerprint or {}
        later_footage = Footage(later.path, later.recording.probe, Fingerprint.of(later_fp))
        for i, other in enumerate(current[:j]):
            found = binned[i].match(binned[j], settings)
            if not found:
                continue
            check = confirm(Footage(other.path, other.recording.probe,
                                    Fingerprint.of(other.analysis.fingerprint or {})),
                            later_footage, found, tolerance)
            if check.confirmed and not _same_moment(other.recording, later.recording, check.offset_s, tolerance):
                out.copies.append(RecycledCopy(later.recording, found, {
                    **check.evidence(), "other_file": other.recording.file, "other_start_s": found.a_start_s,
                    "other_end_s": found.a_end_s, "other_wall_start": other.recording.wall(found.a_start_s),
                    "other_where": "", "other_where_zh": "", "matched_s": found.matched_s}))
        for old in earlier:
            found = match(old, later_fp, settings) if _Binned.of(old, settings).shares(binned[j]) else None
            if not found:
                continue
            footage = _earlier_footage(old)
            if footage is None:
                out.not_run.append(
                    f"{later.recording.file}: its activity matches {found.matched_s:g} s of {old['file']} "
                    f"(audit #{old['audit_id']}), but that file is no longer at "
                    f"{Path(old['archive']) / old['file']} to compare frames with: put it back there and audit again")
                continue
            check = confirm(footage, later_footage, found, tolerance)
            if check.confirmed:
                out.copies.append(RecycledCopy(later.recording, found, {
                    **check.evidence(), "other_file": old["file"], "other_start_s": found.a_start_s,
                    "other_end_s": found.a_end_s, "other_sha256": old["sha256"], "other_audit": old["audit_id"],
                    "other_where": f", audit #{old['audit_id']} of {old['archive']}",
                    "other_where_zh": f"，第 {old['audit_id']} 号审计（{old['archive']}）",
                    "matched_s": found.matched_s}))
    return out


@dataclass(frozen=True)
class _Binned:
    grid: tuple[int, int]
    bins: dict[int, int]
    patterns: frozenset[int]

    @classmethod
    def of(cls, fingerprint: dict[str, Any], settings: DuplicateSettings) -> _Binned:
        fp = Fingerprint.of(fingerprint)
        binned = bins(fp.samples, settings.bin_s)
        return cls(fp.grid, binned, frozenset(binned.values()))

    def shares(self, other: _Binned) -> bool:
        return self.grid == other.grid and not self.patterns.isdisjoint(other.patterns)

    def match(self, later: _Binned, settings: DuplicateSettings) -> Match | None:
        return match_bins(self.bins, later.bins, settings) if self.shares(later) else None


RECYCLED_VERSION = 1  # raise when proposing or confirming copies changes


def recycled_key(files: Sequence[Fingerprinted], earlier: Sequence[dict[str, Any]],
                 settings: DuplicateSettings) -> str:
    """What the outcome of ``find_recycled`` depends on: the recordings (path, bytes), the earlier
    fingerprints they were compared with, and the settings. The same key, the same copies."""
    described = {"version": RECYCLED_VERSION, "settings": dataclasses.asdict(settings),
                 "files": sorted([f.recording.file, f.recording.sha256] for f in files if f.analysis.fingerprint),
                 "earlier": sorted([str(old.get("sha256")), str(old.get("archive")), str(old.get("file"))]
                                   for old in earlier)}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode("utf-8")).hexdigest()


def recycled_to_json(found: RecycledFootage) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    return {"copies": [{"later": c.later.file, "match": dataclasses.asdict(c.match),
                        "evidence": {k: plain(v) for k, v in c.evidence.items()}} for c in found.copies],
            "not_run": list(found.not_run)}


def recycled_from_json(stored: dict[str, Any], recordings: Sequence[Recording]) -> RecycledFootage | None:
    """The stored outcome for these recordings, or None when one of its files is not among them."""
    by_file = {r.file: r for r in recordings}
    if any(c["later"] not in by_file for c in stored["copies"]):
        return None
    copies = [RecycledCopy(by_file[c["later"]], _match(c["match"]),
                           c["evidence"]) for c in stored["copies"]]
    return RecycledFootage(copies, list(stored["not_run"]))


def _match(stored: dict[str, Any]) -> Match:
    return Match(**{**stored, "matched_b_s": tuple(stored["matched_b_s"])})


def _same_moment(earlier: Recording, later: Recording, offset_s: float, tolerance_s: float) -> bool:
    """Whether the copied footage shows the same wall-clock moment in both files: two segments that
    overlap in time hold the same footage (video.overlap reports that); recycled footage is footage shown
    again as another time."""
    if earlier.start is None or later.start is None:
        return False
    return abs((later.start - earlier.start).total_seconds() + offset_s) <= tolerance_s


def _earlier_footage(old: dict[str, Any]) -> Footage | None:
    """The file an earlier audit fingerprinted, if it is still where that audit saw it and plays."""
    path = Path(old["archive"]) / old["file"]
    if not path.is_file():
        return None
    found = probe(path)
    return Footage(path, found, Fingerprint.of(old)) if found.ok else None
