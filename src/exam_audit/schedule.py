"""The exam schedule as the recordings meet it: the sessions that count, the cameras that film each, and
the session a moment of a camera's footage belongs to.

Every video check and the report's timeline ask these questions; they are answered here, once per audit,
so that a coverage gap, an absent invigilator and a black picture are all judged against the same sessions
and the same cameras.

- **The sessions that count** are the ones held (the sessions table), or the planned ones when the archive
  has no sessions table; only those with a start and an end (the data rules report the others).
- **A camera films a session** when centre.toml puts it in the session's room or at one of its stations
  (assignments and events name the stations). A camera that centre.toml does not place (not listed, or
  listed without room or station) is matched by time alone: it films the sessions its footage overlaps.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from .archive import ArchiveData
from .profile import Profile
from .records.sessions import Session, sessions_of
from .video.timeline.coverage import Span, camera_spans


class Schedule:
    """Built once per audit (``Schedule.of``) and shared by every check that needs it."""

    def __init__(self, data: ArchiveData, gap_tolerance_s: float) -> None:
        self.data = data
        self.media = data.media
        every = sessions_of(data)
        table = data.table("sessions")
        held_table = table is not None and table.readable
        self.sessions: list[Session] = sorted(
            (s for s in every.values() if s.window and (s.held or not held_table)),
            key=lambda s: (s.start, s.session_id))
        self.stations: dict[str, set[str]] = defaultdict(set)
        for name in ("assignments", "events"):
            for r in data.records(name):
                if r["session_id"] and r["station"]:
                    self.stations[r["session_id"]].add(r["station"])
        # each camera's usable footage in wall-clock time (internal jumps beyond the tolerance cut it)
        self.spans: dict[str | None, list[Span]] = camera_spans(data.media.placed, gap_tolerance_s)
        cameras = data.centre.cameras.values()
        self._configured = {s.session_id: sorted(c.id for c in cameras if self._placed_at(c.id, s))
                            for s in self.sessions}

    @classmethod
    def of(cls, data: ArchiveData, profile: Profile) -> Schedule:
        cached = data.derived.get("schedule")
        # built again when the media stage's result was replaced (tests feed hand-made timelines)
        if not isinstance(cached, Schedule) or cached.media is not data.media:
            cached = data.derived["schedule"] = cls(data, float(profile.threshold("video_gap_tolerance_s")))
        return cached

    def of_type(self, exam_type: str) -> list[Session]:
        return [s for s in self.sessions if s.exam_type == exam_type]

    def _placed_at(self, camera: str, session: Session) -> bool:
        """Whether centre.toml puts ``camera`` in ``session``'s room or at one of its stations."""
        spec = self.data.centre.cameras.get(camera)
        if spec is None:
            return False
        return bool((spec.room and spec.room == session.room)
                    or (spec.station and spec.station in self.stations[session.session_id]))

    def placed(self, camera: str | None) -> bool:
        """Whether centre.toml says where ``camera`` is (a room or a station)."""
        spec = self.data.centre.cameras.get(camera or "")
        return bool(spec and (spec.room or spec.station))

    def cameras_for(self, session: Session) -> tuple[list[str], bool]:
        """The cameras that must film ``session``, and whether centre.toml says so (else: matched by time,
        the cameras centre.toml does not place whose footage overlaps the session)."""
        configured = self._configured.get(session.session_id, [])
        if configured:
            return configured, True
        start, end = session.window or (session.start, session.end)
        matched = sorted(c for c, group in self.spans.items()
                         if c is not None and not self.placed(c)
                         and any(s.start < end and s.end > start for s in group))
        return matched, False

    def films(self, camera: str | None, session: Session) -> bool:
        """Whether footage of ``camera`` at the session's time is footage of the session."""
        if self.placed(camera):
            return self._placed_at(camera or "", session)
        return not self._configured.get(session.session_id)

    def session_at(self, camera: str | None, start: datetime | None, end: datetime | None) -> str | None:
        """The one session whose window overlaps [start, end] and which ``camera`` films; None when none or
        several."""
        if start is None:
            return None
        end = end or start
        hits = [s.session_id for s in self.sessions
                if s.window and s.window[0] <= end and start <= s.window[1] and self.films(camera, s)]
        return hits[0] if len(hits) == 1 else None

    def belongs_to(self, camera: str | None, start: datetime | None, end: datetime | None
                   ) -> tuple[bool, Session | None]:
        """(reportable, session) for an event seen by ``camera`` from ``start`` to ``end``.

        An event outside every session the camera films is not reportable (an NVR records all night, and a
        dark room at night is not a covered lens); without sessions every event is, with no session. Of
        several sessions, the one it overlaps most; a span that only touches a session counts when it starts
        inside it (one that begins as the session ends is after it).
        """
        candidates = [s for s in self.sessions if self.films(camera, s)]
        if not self.sessions or start is None or end is None:
            return True, None
        best, overlap = None, timedelta(0)
        for s in candidates:
            lo, hi = s.window  # type: ignore[misc]
            shared = min(hi, end) - max(lo, start)
            if shared > overlap or (best is None and shared == overlap == timedelta(0) and lo <= start < hi):
                best, overlap = s, shared
        return best is not None, best
