"""Presence over time, as data: a file's samples, smoothing, intervals, and per-camera wall-clock timelines.

Kept free of OpenCV and numpy so that the checks (and table-only audits) read presence without loading them.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ...results import FileAnalysis
from ..timeline.placement import Recording

Interval = tuple[float, float]


@dataclass(frozen=True)
class PresenceTrack:
    """What one file shows, sample by sample (media seconds from the first packet)."""

    detector: str  # "person" | "motion"
    note: str | None  # why the person detector was not used, when it was wanted
    times: tuple[float, ...]
    occupied: tuple[bool, ...]  # someone in the zone, as detected (before smoothing)
    present: tuple[bool, ...]  # after smoothing
    people: tuple[int | None, ...] | None  # people in the whole frame at the counting samples (else None)
    in_zone: tuple[int, ...] | None  # people standing in the zones (person detector only)
    activity: tuple[float, ...]  # share of the frame that moved since the previous sample, in station zones
    counting: str | None = None  # how people were counted (detector, input size, thresholds, cadence)

    @property
    def step_s(self) -> float:
        if len(self.times) < 2:
            return 1.0
        return float(statistics.median(b - a for a, b in itertools.pairwise(self.times)))

    def intervals(self) -> list[Interval]:
        """Present intervals [start, end) in media seconds."""
        return runs(self.times, self.present, self.step_s)

    def states(self) -> list[tuple[str, float, float]]:
        """("present" | "absent", start, end) covering the whole file, in media seconds."""
        if not self.times:
            return []
        out: list[tuple[str, float, float]] = []
        edge = self.times[0]
        for start, end in self.intervals():
            if start > edge:
                out.append(("absent", edge, start))
            out.append(("present", start, end))
            edge = end
        last = self.times[-1] + self.step_s
        if last > edge + 1e-9:
            out.append(("absent", edge, last))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "detector": self.detector, "note": self.note, "step_s": self.step_s, "counting": self.counting,
            "intervals": [{"state": state, "start_s": round(a, 3), "end_s": round(b, 3),
                           "duration_s": round(b - a, 3)} for state, a, b in self.states()],
            "samples": [{"t": round(t, 3), "occupied": o, "present": p,
                         "people": self.people[i] if self.people else None,
                         "in_zone": self.in_zone[i] if self.in_zone else None,
                         "activity": round(a, 4)}
                        for i, (t, o, p, a) in enumerate(zip(self.times, self.occupied, self.present,
                                                               self.activity, strict=True))],
        }


def smooth(flags: Sequence[bool], step_s: float, fill_s: float, blip_s: float) -> list[bool]:
    """Fill absences of at most ``fill_s`` between presences, then drop presences of at most ``blip_s``
    between absences (a run of k samples lasts k × step_s)."""
    out = list(flags)
    for value, limit in ((False, fill_s), (True, blip_s)):
        i = 0
        for key, group in itertools.groupby(list(out)):
            n = len(list(group))
            inner = i > 0 and i + n < len(out)
            if key is value and inner and n * step_s <= limit + 1e-9:
                out[i:i + n] = [not value] * n
            i += n
    return out


def runs(times: Sequence[float], flags: Sequence[bool], step_s: float) -> list[Interval]:
    """[start, end) of each run of True; a run ends one step after its last sample."""
    out: list[Interval] = []
    start: float | None = None
    for i, (t, flag) in enumerate(zip(times, flags, strict=True)):
        if flag and start is None:
            start = t
        if start is not None and (not flag or i == len(flags) - 1):
            out.append((start, t if not flag else t + step_s))
            start = None
    return out


@dataclass(frozen=True)
class Moment:
    """One sample placed in wall-clock time."""

    at: datetime
    file: str
    media_s: float
    present: bool
    people: int | None
    activity: float


@dataclass
class CameraTimeline:
    camera: str
    step_s: float = 1.0
    detectors: set[str] = field(default_factory=set)
    notes: set[str] = field(default_factory=set)
    counting: set[str] = field(default_factory=set)
    moments: list[Moment] = field(default_factory=list)

    def within(self, start: datetime, end: datetime) -> list[Moment]:
        return [m for m in self.moments if start <= m.at < end]


def camera_timelines(recordings: Iterable[Recording], analysis: dict[str, FileAnalysis]
                     ) -> dict[str, CameraTimeline]:
    """Per camera, every placed file's presence samples in wall-clock order."""
    out: dict[str, CameraTimeline] = {}
    for rec in recordings:
        measured = analysis.get(rec.file)
        track = measured.presence if measured else None
        if track is None or rec.start is None or not track.times:
            continue
        timeline = out.setdefault(rec.camera or rec.file, CameraTimeline(rec.camera or rec.file))
        timeline.step_s = track.step_s
        timeline.detectors.add(track.detector)
        if track.note:
            timeline.notes.add(track.note)
        if track.counting:
            timeline.counting.add(track.counting)
        people = track.people or (None,) * len(track.times)
        # a black picture (lens covered, video.black) shows nobody whether anyone is there or not: its
        # samples are left out, a break in sampling, so that unknown is never counted as absent or still
        black = (measured.black or {}).get("events", []) if measured else []
        timeline.moments += [Moment(rec.start + timedelta(seconds=t), rec.file, t, p, n, a)
                             for t, p, n, a in zip(track.times, track.present, people, track.activity, strict=True)
                             if not any(e["start_s"] <= t <= e["end_s"] for e in black)]
    for timeline in out.values():
        timeline.moments.sort(key=lambda m: m.at)
    return out


def presence_intervals(recordings: Iterable[Recording], analysis: dict[str, FileAnalysis]
                       ) -> list[dict[str, Any]]:
    """For the report's session timeline: per file, the present intervals in wall-clock time."""
    out = []
    for rec in recordings:
        measured = analysis.get(rec.file)
        track = measured.presence if measured else None
        if track is None or rec.start is None:
            continue
        start = rec.start
        out.append({"camera": rec.camera, "file": rec.file, "detector": track.detector,
                    "present": [[(start + timedelta(seconds=a)).isoformat(),
                                 (start + timedelta(seconds=b)).isoformat()] for a, b in track.intervals()]})
    return out
