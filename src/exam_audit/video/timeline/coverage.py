"""Recording timelines: which wall-clock time each camera's usable footage covers, and which cameras a
session needs.

A recording covers its span [start, start + media duration) except where its own timestamps jump
forward beyond the tolerance: footage that is not there does not cover the time it skips. Unreadable or
unplaced files cover nothing (nobody can watch them at a known time).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...archive import ArchiveData
from ...records.sessions import Session, sessions_of
from ..media.probe import Discontinuity
from .placement import Recording, by_camera


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime
    recording: Recording

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def recordings_of(data: ArchiveData) -> list[Recording]:
    return list(data.media.get("recordings", []))


def internal_gaps(recording: Recording, tolerance_s: float) -> list[Discontinuity]:
    """The discontinuities of one file that are reported: forward jumps beyond the tolerance, and every
    repeated or backwards timestamp (a recorder's clock never legitimately runs back inside a file)."""
    return [d for d in recording.probe.discontinuities
            if d.kind != "jump" or d.delta_s >= tolerance_s]


def covered_spans(recording: Recording, tolerance_s: float) -> list[Span]:
    """The wall-clock spans for which ``recording`` holds footage."""
    if not recording.usable or recording.start is None or recording.end is None:
        return []
    spans: list[Span] = []
    t = recording.start
    for d in recording.probe.discontinuities:
        if d.kind == "jump" and d.delta_s >= tolerance_s:
            spans.append(Span(t, recording.start + timedelta(seconds=d.at_s), recording))
            t = recording.start + timedelta(seconds=d.resume_s)
    spans.append(Span(t, recording.end, recording))
    return [s for s in spans if s.end > s.start]


def camera_spans(recordings: Iterable[Recording], tolerance_s: float) -> dict[str | None, list[Span]]:
    """Each camera's covered spans in time order."""
    out: dict[str | None, list[Span]] = {}
    for camera, group in by_camera(recordings).items():
        spans = [s for r in group for s in covered_spans(r, tolerance_s)]
        out[camera] = sorted(spans, key=lambda s: (s.start, s.end))
    return out


def uncovered(window: tuple[datetime, datetime], spans: list[Span], tolerance_s: float
              ) -> list[tuple[datetime, datetime, Span | None, Span | None]]:
    """Parts of ``window`` no span covers, longer than the tolerance: (start, end, span before, span after).
    Spans closer together than the tolerance count as joined (segment boundaries are not exact)."""
    start, end = window
    tol = timedelta(seconds=tolerance_s)
    gaps = []
    cursor = start
    before: Span | None = None
    for span in spans:
        if span.end <= cursor:
            before = span if before is None or span.end >= before.end else before
            continue
        if span.start >= end:
            break
        if span.start - cursor > tol:
            gaps.append((cursor, span.start, before, span))
        cursor = span.end
        before = span
    if end - cursor > tol:
        gaps.append((cursor, end, before, None))
    return gaps


def audited_sessions(data: ArchiveData) -> list[Session]:
    """Sessions whose recording is audited: the held ones (sessions table), else the planned ones; only
    those with a start and an end (the data rules report the others)."""
    every = sessions_of(data)
    table = data.table("sessions")
    held = table is not None and table.readable
    return sorted((s for s in every.values() if s.window and (s.held or not held)),
                  key=lambda s: (s.start, s.session_id))


class Schedule:
    """The audited sessions and the cameras each needs, worked out once for a check."""

    def __init__(self, data: ArchiveData) -> None:
        self.data = data
        self.sessions = audited_sessions(data)
        stations: dict[str, set[str]] = defaultdict(set)
        for table in ("assignments", "events"):
            for r in data.records(table):
                if r["session_id"] and r["station"]:
                    stations[r["session_id"]].add(r["station"])
        cameras = data.centre.cameras.values()
        # cameras centre.toml assigns to the session's room or to one of its stations
        self.required = {s.session_id: sorted(c.id for c in cameras if (c.room and c.room == s.room)
                                              or (c.station and c.station in stations[s.session_id]))
                         for s in self.sessions}

    def cameras_for(self, session: Session, spans: dict[str | None, list[Span]]) -> tuple[list[str], bool]:
        """The cameras that must film ``session``, and whether they come from centre.toml.

        Without a camera configured for its room or stations, the cameras no centre.toml entry claims are
        matched to the session by time alone: those with footage inside its window.
        """
        required = self.required[session.session_id]
        if required:
            return required, True
        start, end = session.window or (session.start, session.end)
        matched = sorted(c for c, group in spans.items()
                         if c is not None and c not in self.data.centre.cameras
                         and any(s.start < end and s.end > start for s in group))
        return matched, False

    def session_at(self, camera: str | None, start: datetime | None, end: datetime | None) -> str | None:
        """The one session whose window overlaps [start, end] and which ``camera`` films (any session when
        no camera is configured for it); None when none or several."""
        if start is None:
            return None
        end = end or start
        hits = [s.session_id for s in self.sessions
                if s.window and s.window[0] <= end and start <= s.window[1]
                and (not self.required[s.session_id] or camera in self.required[s.session_id])]
        return hits[0] if len(hits) == 1 else None
