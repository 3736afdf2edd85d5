"""Checks of recordings' content (C6): black, frozen, moved camera, recycled footage.

Plain functions of the loaded archive: they read what the media stage measured
(``data.media["analysis"][file][analyser]`` and the placed ``data.media["recordings"]``) and, for recycled
footage, the fingerprints of earlier audits that the audit put in ``data.media["earlier_fingerprints"]``.

An event becomes a finding only while an exam could be filmed: when the archive says which sessions were
held in the camera's room, events outside every session window are left alone (an NVR records all night,
and a dark room at night is not a covered lens). Without session tables every event is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ...archive import ArchiveData
from ...findings import Finding, NotRun
from ...profile import Profile
from ...records.sessions import Session, sessions_of
from ..media.probe import probe
from ..media.sampler import SAMPLING
from ..timeline.placement import Recording
from .copies import Footage, confirm
from .duplicates import DuplicateSettings, Fingerprint, Match, match

CONTENT_RULES = ("video.black", "video.frozen", "video.scene_change", "video.duplicate_footage")


def _unavailable(data: ArchiveData, rule: str) -> NotRun | None:
    reason = data.media.get("unavailable")
    return NotRun(rule, f"recordings not analysed: {reason}") if reason else None


def _analysed(data: ArchiveData) -> Iterator[tuple[Recording, dict[str, Any]]]:
    analysis = data.media.get("analysis", {})
    for rec in data.media.get("recordings", []):
        if rec.file in analysis:
            yield rec, analysis[rec.file]


def _not_analysed(data: ArchiveData, rule: str) -> Iterator[NotRun]:
    """A file the sampling pass could not read at all: the rule did not run on it, and says why."""
    for rec, analysis in _analysed(data):
        sampling = analysis.get(SAMPLING, {})
        if sampling.get("error") and not sampling.get("samples"):
            yield NotRun(rule, f"{rec.file}: no frame could be decoded ({sampling['error']})")


class _Sessions:
    """Which session a span of a camera's recording belongs to."""

    def __init__(self, data: ArchiveData) -> None:
        self.data = data
        self.sessions = [s for s in sessions_of(data).values() if s.window]

    def room_sessions(self, camera: str | None) -> list[Session] | None:
        """Sessions filmed by ``camera`` (its room's, or all when its room is unknown); None: no sessions."""
        if not self.sessions:
            return None
        cam = self.data.centre.cameras.get(camera or "")
        room = cam.room if cam else None
        return [s for s in self.sessions if room is None or s.room == room]

    def locate(self, rec: Recording, start_s: float, end_s: float) -> tuple[bool, dict[str, Any]]:
        """(reportable, finding fields) for the media span [start_s, end_s] of ``rec``."""
        start, end = rec.wall(start_s), rec.wall(end_s)
        fields: dict[str, Any] = {"file": rec.file, "camera": rec.camera, "start": start, "end": end,
                                  "session_id": None}
        candidates = self.room_sessions(rec.camera)
        if candidates is None or start is None or end is None:
            return True, fields
        best, overlap = None, timedelta(0)
        for s in candidates:
            lo, hi = s.window  # type: ignore[misc]
            shared = min(hi, end) - max(lo, start)
            # a span that only touches a session starts inside it (a span beginning as the session ends is
            # after it: the empty room once the candidates have left, filmed until the file closes)
            if shared > overlap or (best is None and shared == overlap == timedelta(0) and lo <= start < hi):
                best, overlap = s, shared
        if best is None:
            return False, fields
        fields["session_id"] = best.session_id
        return True, fields


def _media_span(event: dict[str, Any], analysis: dict[str, Any]) -> dict[str, Any]:
    sampling = analysis.get(SAMPLING, {})
    return {"media_start_s": event["start_s"], "media_end_s": event["end_s"],
            "duration_s": round(event["end_s"] - event["start_s"], 3),
            "sampling": sampling.get("mode"), "sample_step_s": sampling.get("step_s")}


def _event_findings(data: ArchiveData, profile: Profile, rule: str, analyser: str,
                    extra: Any = None) -> Iterator[Finding | NotRun]:
    missing = _unavailable(data, rule)
    if missing:
        yield missing
        return
    yield from _not_analysed(data, rule)
    sessions = _Sessions(data)
    for rec, analysis in _analysed(data):
        result = analysis.get(analyser)
        if not result:
            continue
        for event in result.get("events", []):
            reportable, fields = sessions.locate(rec, event["start_s"], event["end_s"])
            if not reportable:
                continue
            evidence = {**_media_span(event, analysis), **(extra(event, result) if extra else {})}
            yield profile.finding(rule, evidence=evidence, **fields)


def black_footage(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    yield from _event_findings(data, profile, "video.black", "black",
                               lambda e, _r: {"dark_ratio": e["dark_ratio"]})


def frozen_footage(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    yield from _event_findings(data, profile, "video.frozen", "frozen",
                               lambda e, r: {"max_change": e["max_change"], "noise_floor": r["noise_floor"],
                                             "still_below": r["still_below"]})


def scene_changes(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    yield from _event_findings(data, profile, "video.scene_change", "scene_change",
                               lambda e, _r: {"changed_ratio": e["changed_ratio"],
                                              "changed_pct": round(100 * e["changed_ratio"]),
                                              "tiles_compared": e["tiles_compared"],
                                              "shift_x": e["shift_x"], "shift_y": e["shift_y"],
                                              "shift_pct": round(100 * max(abs(e["shift_x"]),
                                                                           abs(e["shift_y"])))})


def duplicate_footage(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """The same activity in two recordings of this archive, or in one of them and a file an earlier audit
    fingerprinted (another archive, or an earlier version of this one). The finding is on the later copy."""
    rule = "video.duplicate_footage"
    missing = _unavailable(data, rule)
    if missing:
        yield missing
        return
    yield from _not_analysed(data, rule)
    settings = DuplicateSettings.of(profile)
    sessions = _Sessions(data)
    current = [(rec, a) for rec, a in _analysed(data) if a.get("fingerprint")]
    current.sort(key=lambda x: (x[0].start or datetime.min.replace(tzinfo=data.tz), x[0].file))
    for j, (later, analysis) in enumerate(current):
        later_fp = analysis["fingerprint"]
        for earlier, earlier_analysis in current[:j]:
            found = match(earlier_analysis["fingerprint"], later_fp, settings)
            if not found:
                continue
            check = confirm(Footage(data.archive.root / earlier.file, earlier.probe,
                                    Fingerprint.of(earlier_analysis["fingerprint"])),
                            Footage(data.archive.root / later.file, later.probe, Fingerprint.of(later_fp)),
                            found, 2 * settings.bin_s)
            if check.confirmed and not _same_moment(earlier, later, check.offset_s, 2 * settings.bin_s):
                yield from _duplicate(profile, sessions, later, analysis, found, {**check.evidence(),
                    "other_file": earlier.file, "other_start_s": found.a_start_s, "other_end_s": found.a_end_s,
                    "other_wall_start": earlier.wall(found.a_start_s), "other_where": "", "other_where_zh": "",
                    "matched_s": found.matched_s})
        for old in data.media.get("earlier_fingerprints", []):
            found = match(old, later_fp, settings)
            if not found:
                continue
            other = _earlier_footage(old)
            if other is None:
                yield NotRun(rule, f"{later.file}: its activity matches {found.matched_s:g} s of {old['file']} "
                             f"(audit #{old['audit_id']}), but that file is no longer at "
                             f"{Path(old['archive']) / old['file']} to compare frames with: put it back there and "
                             "audit again")
                continue
            check = confirm(other, Footage(data.archive.root / later.file, later.probe, Fingerprint.of(later_fp)),
                            found, 2 * settings.bin_s)
            if check.confirmed:
                yield from _duplicate(profile, sessions, later, analysis, found, {**check.evidence(),
                    "other_file": old["file"], "other_start_s": found.a_start_s, "other_end_s": found.a_end_s,
                    "other_sha256": old["sha256"], "other_audit": old["audit_id"],
                    "other_where": f", audit #{old['audit_id']} of {old['archive']}",
                    "other_where_zh": f"，第 {old['audit_id']} 号审计（{old['archive']}）",
                    "matched_s": found.matched_s})


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


def _duplicate(profile: Profile, sessions: _Sessions, rec: Recording, analysis: dict[str, Any], found: Match,
               other: dict[str, Any]) -> Iterator[Finding]:
    reportable, fields = sessions.locate(rec, found.b_start_s, found.b_end_s)
    if reportable:
        span = {"start_s": found.b_start_s, "end_s": found.b_end_s}
        evidence = {**_media_span(span, analysis), **other}
        yield profile.finding("video.duplicate_footage", evidence=evidence, **fields)
