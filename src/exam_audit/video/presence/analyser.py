"""Who is in the picture over time: presence in a camera's zones, people counts and activity.

One analyser per file, fed by the shared sampling pass: a presence detector (``person``: the YOLOX-Nano
model, counting people whose feet are in the zone; ``motion``: background subtraction, when no model is
installed) and an activity meter for practical stations. Raw per-sample decisions are smoothed (a person
hidden for one sample is not an absence) and turned into present intervals, in media time per file and
in wall-clock time per camera for the checks and the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ...archive import Camera, Polygon
from ...errors import ExamAuditError
from ...profile import Profile
from ..analysis import AnalyserFactory
from ..media.probe import MediaProbe, probe
from ..media.sampler import sample_frames
from .models import find_model
from .motion import ANALYSIS_WIDTH, activity, occupancy, prepare
from .person import PersonDetector, PersonPresence
from .tracks import PresenceTrack, smooth
from .zones import zones_from

DETECTORS = ("person", "motion")


@dataclass(frozen=True)
class PresenceSettings:
    """The presence part of the profile (thresholds are local policy: see data/profile.toml)."""

    detector: str  # "auto" (person when a model is found, else motion) | "person" | "motion"
    confidence: float
    fill_s: float  # an absence this short between two presences is a missed detection
    blip_s: float  # a presence this short between two absences is noise
    motion_level: float
    motion_min_area: float
    motion_window_s: float
    activity_min_area: float

    @classmethod
    def of(cls, profile: Profile, detector: str | None = None) -> PresenceSettings:
        def value(name: str) -> float:
            return float(profile.threshold(name))

        return cls(
            detector=detector or str(profile.raw.get("presence", {}).get("detector", "auto")),
            confidence=value("person_confidence"), fill_s=value("presence_fill_s"),
            blip_s=value("presence_blip_s"), motion_level=value("motion_level"),
            motion_min_area=value("motion_min_area"), motion_window_s=value("motion_background_s"),
            activity_min_area=value("activity_min_area"))


class PresenceAnalyser:
    """A FrameAnalyser: presence in the invigilator zones and activity in the station zones of one file."""

    name = "presence"

    def __init__(self, person: PersonPresence | None, zones: Sequence[Polygon], station: Sequence[Polygon],
                 settings: PresenceSettings, note: str | None = None) -> None:
        self.person = person  # None: the motion detector decides presence
        self.zones = tuple(zones)
        self.station = tuple(station)
        self.settings = settings
        self.note = note
        self.times: list[float] = []
        self.images: list[np.ndarray] = []

    @property
    def detector(self) -> str:
        return "person" if self.person else "motion"

    def process_frame(self, t: float, frame: np.ndarray) -> None:
        self.times.append(t)
        self.images.append(prepare(frame))
        if self.person:
            self.person.process_frame(t, frame)

    def result(self) -> PresenceTrack:
        s = self.settings
        if self.person:
            occupied = self.person.occupied()
        else:
            occupied = occupancy(self.times, self.images, self.zones, level=s.motion_level,
                                 min_area=s.motion_min_area, window_s=s.motion_window_s)
        moved = activity(self.images, self.station, level=s.motion_level, min_area=s.activity_min_area)
        step = float(np.median(np.diff(self.times))) if len(self.times) > 1 else 1.0
        present = smooth(occupied, step, s.fill_s, s.blip_s)
        people = tuple(self.person.people) if self.person else None
        in_zone = tuple(self.person.in_zone) if self.person else None
        self.images = []  # the file's images are no longer needed once decided
        return PresenceTrack(self.detector, self.note, tuple(self.times), tuple(occupied), tuple(present),
                             people, in_zone, tuple(moved))


@cache
def _person_detector(model: Path, confidence: float) -> PersonDetector:
    return PersonDetector(model, confidence=confidence)


def build_presence(profile: Profile, camera: Camera | None, *, detector: str | None = None,
                   model: Path | None = None, zones: Sequence[Polygon] | None = None) -> PresenceAnalyser:
    """The presence analyser for one file of ``camera``. ``detector``/``model``/``zones`` override the
    profile and centre.toml. Asking for ``person`` explicitly without a usable model is an error;
    ``auto`` falls back to ``motion`` and says why in the result."""
    settings = PresenceSettings.of(profile, detector)
    if settings.detector not in (*DETECTORS, "auto"):
        raise ExamAuditError(f"unknown presence detector {settings.detector!r}",
                             "use person, motion or auto ([presence] detector in the profile)")
    if zones is None:
        zones = camera.invigilator_zones if camera else ()
    station: tuple[Polygon, ...] = ()
    notes: list[str] = []
    if camera:
        try:
            station = zones_from(camera.extra.get("station_zones"), f"centre.toml camera {camera.id}: station_zones")
        except ExamAuditError as exc:
            notes.append(f"{exc}; activity measured over the whole frame")
    if settings.detector in ("auto", "person"):
        choice = find_model(profile, model)
        problem = choice.problem
        if choice.path is not None:
            try:
                person = _person_detector(choice.path, settings.confidence)
            except ExamAuditError as exc:
                problem = str(exc)
            else:
                return PresenceAnalyser(PersonPresence(person, zones), zones, station, settings,
                                        "; ".join(notes) or None)
        if settings.detector == "person":
            raise ExamAuditError(f"the person detector is unavailable: {problem}",
                                 "install the model (`exam-audit models install FILE`), pass --model, "
                                 "or use --detector motion")
        notes.append(f"person detector unavailable ({problem}); motion detector used")
    return PresenceAnalyser(None, zones, station, settings, "; ".join(notes) or None)


def _factory(profile: Profile, camera: Camera | None, probe: MediaProbe) -> PresenceAnalyser | None:
    try:
        return build_presence(profile, camera)
    except ExamAuditError as exc:
        # a detector the profile insists on but that cannot be used: the audit goes on with motion, saying why
        analyser = build_presence(profile, camera, detector="motion")
        analyser.note = "; ".join(filter(None, (str(exc), analyser.note))) + "; motion detector used"
        return analyser


# 480 pixels: what the person detector needs of a 16:9 frame (see PersonDetector.input_width)
PRESENCE = AnalyserFactory("presence", _factory, width=480)


def presence_of_file(path: Path, profile: Profile, *, detector: str | None = None, model: Path | None = None,
                     zones: Sequence[Polygon] = (), rate_hz: float = 2.0) -> tuple[MediaProbe, PresenceTrack]:
    """Presence in one video file, sampled at ``rate_hz`` (for tuning zones and checking a detector).
    Raises ExamAuditError for a file that cannot be read or a detector that cannot be used."""
    result = probe(path)
    if not result.ok:
        raise ExamAuditError(f"{path}: cannot be read as video ({result.error})",
                             "check the file; `ffprobe FILE` shows what is wrong")
    analyser = build_presence(profile, None, detector=detector, model=model, zones=zones)
    # keyframes alone suffice when they come at least as often as samples: far less to decode
    width = 2 * ANALYSIS_WIDTH  # the motion detector's images, scaled down once more with area averaging
    if analyser.person and result.width and result.height:
        width = analyser.person.detector.input_width(result.width, result.height)
    # keyframes only when they come at least as often as the samples: presence needs its full rate
    for sample in sample_frames(path, result, rate_hz=rate_hz, width=width, keyframe_max_s=1 / rate_hz):
        analyser.process_frame(sample.t, sample.frame)
    return result, analyser.result()
