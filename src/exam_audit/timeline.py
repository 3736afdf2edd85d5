"""The timeline of an audit: sessions (planned and actual windows), recordings and presence, as plain JSON.

It is stored with the audit so that a report can draw each session's timeline from the database alone, long
after the archive has been moved. Times are ISO 8601 strings with their offset.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .archive import ArchiveData
from .records.sessions import sessions_of

log = logging.getLogger(__name__)

Timeline = dict[str, list[dict[str, Any]]]


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def _window(start: Any, end: Any) -> list[str] | None:
    a, b = _iso(start), _iso(end)
    return [a, b] if a and b else None


def build_timeline(data: ArchiveData) -> Timeline:
    """Sessions from the tables, recordings from the media stage, presence from the presence stage."""
    planned = {r["session_id"]: _window(r["start"], r["end"]) for r in data.records("plan") if r["session_id"]}
    actual = {r["session_id"]: _window(r["start"], r["end"])
              for r in data.records("sessions") if r["session_id"]}
    sessions = [{"id": sid, "planned": planned.get(sid), "actual": actual.get(sid), "room": s.room,
                 "exam_type": s.exam_type}
                for sid, s in sorted(sessions_of(data).items())]
    cameras = data.centre.cameras
    recordings = [{"file": r.file, "camera": r.camera,
                   "room": cameras[r.camera].room if r.camera in cameras else None,
                   "start": _iso(r.start), "end": _iso(r.end)}
                  for r in data.media.get("recordings", [])]
    presence = [p for p in (_presence(entry) for entry in data.media.get("presence", [])) if p]
    return {"sessions": sessions, "recordings": recordings, "presence": presence}


def _presence(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """One camera's presence: {"camera", "file", "detector", "present": [[start, end], ...]}.

    Intervals may come as [start, end] pairs or {"start", "end"} mappings, as datetimes or ISO strings.
    """
    raw: Iterable[Any] = entry.get("present") or entry.get("intervals") or ()
    present = []
    for interval in raw:
        pair = (interval.get("start"), interval.get("end")) if isinstance(interval, Mapping) else tuple(interval)
        window = _window(*pair[:2]) if len(pair) >= 2 else None
        if window:
            present.append(window)
        else:  # drawn without it, but said: a presence stage that emits odd shapes should be noticed
            log.warning("presence of camera %s: interval %r has no readable start and end", entry.get("camera"),
                        interval)
    if not entry.get("camera") and not entry.get("file"):
        return None
    return {"camera": entry.get("camera"), "file": entry.get("file"), "detector": entry.get("detector"),
            "present": present}
