"""Scanning loose recordings (``exam-audit scan FILE...``): content events of each file, with times.

The same sampling pass and analysers as an audit, without an archive: every event is reported (there are
no sessions to narrow it to), placed in wall-clock time when the file name or creation_time says when
the file starts, and files scanned together are also compared with each other for recycled footage.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ...profile import Profile
from ..analysis import analyse_recording
from ..media.probe import MediaProbe, probe
from ..timeline.placement import place
from .analysers import CONTENT_ANALYSERS
from .duplicates import DuplicateSettings
from .recycled import Fingerprinted, find_recycled

EVENT_KINDS = ("black", "frozen", "scene_change")


@dataclass
class FileScan:
    file: str
    probe: MediaProbe | None = None
    start: str | None = None  # wall-clock start (ISO 8601) when known
    start_source: str | None = None
    sampling: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        p = self.probe
        return {"file": self.file, "error": self.error, "start": self.start, "start_source": self.start_source,
                "duration_s": p.duration_s if p else None, "codec": p.codec if p else None,
                "size": f"{p.width}x{p.height}" if p and p.width else None,
                "keyframe_interval_s": p.keyframe_interval_s if p else None,
                "sampling": self.sampling, "events": self.events}


def _scan_one(path: Path, profile: Profile) -> tuple[FileScan, Fingerprinted | None]:
    scan = FileScan(str(path))
    result = probe(path)
    scan.probe = result
    if not result.ok:
        scan.error = (result.error or "unreadable").replace(f"{path}: ", "")
        return scan, None
    rec = place(path.name, result, (), ZoneInfo(profile.timezone_name))
    scan.start = rec.start.isoformat() if rec.start else None
    scan.start_source = rec.start_source
    analysis = analyse_recording(path, result, profile, None, CONTENT_ANALYSERS)
    scan.sampling = analysis.sampling
    scan.error = analysis.undecodable
    for kind in EVENT_KINDS:
        for event in (getattr(analysis, kind) or {}).get("events", []):
            scan.events.append({"kind": kind, **event, **_wall(rec, event)})
    scan.events.sort(key=lambda e: e["start_s"])
    return scan, Fingerprinted(rec, analysis, path)


def _wall(rec: Any, event: dict[str, Any]) -> dict[str, str | None]:
    start, end = rec.wall(event["start_s"]), rec.wall(event["end_s"])
    return {"start": start.isoformat() if start else None, "end": end.isoformat() if end else None}


def scan_files(paths: list[Path], profile: Profile, workers: int = 2) -> list[FileScan]:
    """Scan every file (a process per file on up to ``workers`` cores), then compare them for copies."""
    if workers <= 1 or len(paths) <= 1:
        done = [_scan_one(p, profile) for p in paths]
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(paths), os.cpu_count() or 1)) as pool:
            done = list(pool.map(_scan_one, paths, [profile] * len(paths)))
    scans = {id(f.recording): scan for scan, f in done if f is not None}
    found = find_recycled([f for _, f in done if f is not None], (), DuplicateSettings.of(profile))
    for copy in found.copies:
        scans[id(copy.later)].events.append({
            "kind": "duplicate", "start_s": copy.match.b_start_s, "end_s": copy.match.b_end_s,
            "duration_s": round(copy.match.b_end_s - copy.match.b_start_s, 3),
            **{k: v for k, v in copy.evidence.items() if not k.startswith("other_where")}})
    return [scan for scan, _ in done]
