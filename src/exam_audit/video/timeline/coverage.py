"""Recording timelines: which wall-clock time each camera's usable footage covers, and what it leaves
uncovered of a window (which cameras a session needs is the schedule's question: schedule.py).

A recording covers its span [start, start + media duration) except where its own timestamps jump
forward beyond the tolerance: footage that is not there does not cover the time it skips. Unreadable or
unplaced files cover nothing (nobody can watch them at a known time).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
