"""The timeline of an audit as plain JSON: each session's windows, the cameras that film it with the footage
and the gaps the coverage check computed, and who was in the picture — stored with the audit, so that a
report draws each session from the database alone, long after the archive has been moved.

Nothing here is worked out anew: the cameras of a session are the schedule's, the recorded spans and the
gaps are the coverage check's (``video/timeline/coverage.py``, with the same tolerance), the presence
intervals the presence analyser's. Times are ISO 8601 strings with their offset.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .archive import ArchiveData
from .profile import Profile
from .records.sessions import Session, sessions_of
from .schedule import Schedule
from .video.presence.tracks import presence_intervals
from .video.timeline.coverage import uncovered

Timeline = dict[str, list[dict[str, Any]]]

# how much of a camera's footage around a session window is kept for the drawing
CONTEXT = timedelta(hours=1)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _window(start: Any, end: Any) -> list[str] | None:
    a, b = _iso(start), _iso(end)
    return [a, b] if a and b else None


def build_timeline(data: ArchiveData, profile: Profile) -> Timeline:
    """Sessions from the tables with what the video checks computed of them; recordings as placed."""
    planned = {r["session_id"]: _window(r["start"], r["end"]) for r in data.records("plan") if r["session_id"]}
    actual = {r["session_id"]: _window(r["start"], r["end"])
              for r in data.records("sessions") if r["session_id"]}
    schedule = Schedule.of(data, profile)
    counted = {s.session_id for s in schedule.sessions}
    presence = presence_intervals(data.media.placed, data.media.analysis)
    sessions = []
    for sid, s in sorted(sessions_of(data).items()):
        entry: dict[str, Any] = {"id": sid, "planned": planned.get(sid), "actual": actual.get(sid),
                                 "room": s.room, "exam_type": s.exam_type, "counted": sid in counted}
        if sid in counted and data.archive.recordings and data.media.recordings is not None:
            entry["cameras"] = _cameras(schedule, s, float(profile.threshold("video_gap_tolerance_s")))
            entry["presence"] = _presence(presence, entry["cameras"], s)
        sessions.append(entry)
    cameras = data.centre.cameras
    recordings = [{"file": r.file, "camera": r.camera,
                   "room": cameras[r.camera].room if r.camera in cameras else None,
                   "start": _iso(r.start), "end": _iso(r.end)}
                  for r in data.media.placed]
    return {"sessions": sessions, "recordings": recordings}


def _cameras(schedule: Schedule, session: Session, tolerance_s: float) -> list[dict[str, Any]]:
    """The cameras that film ``session``: the footage around its window, and the gaps inside it."""
    assert session.window is not None
    lo, hi = session.window[0] - CONTEXT, session.window[1] + CONTEXT
    names, configured = schedule.cameras_for(session)
    out = []
    for camera in names:
        spans = schedule.spans.get(camera, [])
        out.append({
            "camera": camera, "from": "centre.toml" if configured else "time",
            "recorded": [[_iso(max(s.start, lo)), _iso(min(s.end, hi)), s.recording.file]
                         for s in spans if s.start < hi and s.end > lo],
            "gaps": [[_iso(a), _iso(b)] for a, b, _before, _after in uncovered(session.window, spans, tolerance_s)]})
    return out


def _presence(intervals: list[dict[str, Any]], cameras: list[dict[str, Any]], session: Session
              ) -> list[dict[str, Any]]:
    """One row per camera of the session: its files' present intervals that meet the session window."""
    assert session.window is not None
    rows: dict[str, dict[str, Any]] = {}
    names = {c["camera"] for c in cameras}
    for entry in intervals:
        camera = entry["camera"] or entry["file"]
        if camera not in names:
            continue
        row = rows.setdefault(camera, {"camera": camera, "detector": entry["detector"], "present": []})
        row["present"] += [pair for pair in entry["present"]
                           if datetime.fromisoformat(pair[0]) < session.window[1]
                           and datetime.fromisoformat(pair[1]) > session.window[0]]
    return sorted(rows.values(), key=lambda r: r["camera"])
