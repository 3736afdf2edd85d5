"""Who is in the picture over time: presence in a camera's zones, people counts and activity.

One analyser per file, fed by the shared sampling pass: a presence detector (``person``: the YOLOX-Nano
model shipped with the package, people whose feet are in the zone at every sample and a whole-frame count
every ``headcount_every_s``; ``motion``: background subtraction, when asked for or when the model cannot
be loaded) and an activity meter for practical stations. Raw per-sample decisions are smoothed (a person
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
from .models import ModelChoice, find_model, read_model
from .motion import ANALYSIS_WIDTH, activity, occupancy, prepare
from .person import DetectorSettings, PersonDetector, PersonPresence, input_size
from .tracks import PresenceTrack, smooth
from .zones import zones_from

DETECTORS = ("person", "motion")


@dataclass(frozen=True)
class PresenceSettings:
    """The presence part of the profile (thresholds are local policy: see data/profile.toml)."""

    detector: str  # "auto" (person when a model is found, else motion) | "person" | "motion"
    person: DetectorSettings
    count_every_s: float  # a whole-frame people count this often (headcount); the zones at every sample
    count_min_height: int  # frames less tall than this are not counted: people at desks are too small
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
            person=DetectorSettings(value("person_confidence"), value("person_nms"),
                                    int(value("person_input_long_side")), value("person_min_height"),
                                    int(value("person_zone_long_side"))),
            count_every_s=value("headcount_every_s"), count_min_height=int(value("headcount_min_height")),
            fill_s=value("presence_fill_s"), blip_s=value("presence_blip_s"), motion_level=value("motion_level"),
            motion_min_area=value("motion_min_area"), motion_window_s=value("motion_background_s"),
            activity_min_area=value("activity_min_area"))

    def counts(self, probe: MediaProbe) -> str | None:
        """None when people can be counted in this file's picture, else why not."""
        if probe.height and probe.height < self.count_min_height:
            return (f"people not counted: the picture is {probe.width}x{probe.height}, below the "
                    f"{self.count_min_height} lines a count of seated people needs")
        return None

    def decode_width(self, probe: MediaProbe) -> int:
        """The width worth decoding for the person detector: the frame's own up to the count's input width
        (the network upscales small pictures itself; decoding more than it uses only costs time)."""
        if not (probe.width and probe.height):
            return self.person.long_side
        return min(probe.width, input_size(probe.width, probe.height, self.person.long_side)[0])


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
        counting = self.person.setting() if self.person else None
        self.images = []  # the file's images are no longer needed once decided
        return PresenceTrack(self.detector, self.note, tuple(self.times), tuple(occupied), tuple(present),
                             people, in_zone, tuple(moved), counting)


@cache
def _person_detector(choice: ModelChoice, settings: DetectorSettings) -> PersonDetector:
    # once per process and model: the sha256 is checked on the very bytes that are loaded
    return PersonDetector(read_model(choice), settings, where=str(choice.path))


def build_presence(profile: Profile, camera: Camera | None, probe: MediaProbe | None = None, *,
                   detector: str | None = None, model: Path | None = None,
                   zones: Sequence[Polygon] | None = None) -> PresenceAnalyser:
    """The presence analyser for one file of ``camera``. ``detector``/``model``/``zones`` override the
    profile and centre.toml; ``probe`` says whether the picture is tall enough to count people in.
    Asking for ``person`` explicitly without a usable model is an error; ``auto`` falls back to
    ``motion`` and says why in the result."""
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
                person = _person_detector(choice, settings.person)
            except (ExamAuditError, OSError) as exc:
                problem = str(exc)
            else:
                uncounted = settings.counts(probe) if probe else None
                if uncounted:
                    notes.append(uncounted)
                presence = PersonPresence(person, zones, None if uncounted else settings.count_every_s)
                return PresenceAnalyser(presence, zones, station, settings, "; ".join(notes) or None)
        if settings.detector == "person":
            raise ExamAuditError(f"the person detector is unavailable: {problem}",
                                 "reinstall exam-audit (the model ships with it), pass --model, "
                                 "or use --detector motion")
        notes.append(f"person detector unavailable ({problem}); motion detector used")
    return PresenceAnalyser(None, zones, station, settings, "; ".join(notes) or None)


def _factory(profile: Profile, camera: Camera | None, probe: MediaProbe) -> PresenceAnalyser | None:
    try:
        return build_presence(profile, camera, probe)
    except ExamAuditError as exc:
        # a detector the profile insists on but that cannot be used: the audit goes on with motion, saying why
        analyser = build_presence(profile, camera, probe, detector="motion")
        analyser.note = "; ".join(filter(None, (str(exc), analyser.note))) + "; motion detector used"
        return analyser


def _width(profile: Profile, probe: MediaProbe) -> int:
    settings = PresenceSettings.of(profile)
    return 2 * ANALYSIS_WIDTH if settings.detector == "motion" else settings.decode_width(probe)


PRESENCE = AnalyserFactory("presence", _factory, width=_width)


def presence_of_file(path: Path, profile: Profile, *, detector: str | None = None, model: Path | None = None,
                     zones: Sequence[Polygon] = (), rate_hz: float = 2.0) -> tuple[MediaProbe, PresenceTrack]:
    """Presence in one video file, sampled at ``rate_hz`` (for tuning zones and checking a detector).
    Raises ExamAuditError for a file that cannot be read or a detector that cannot be used."""
    result = probe(path)
    if not result.ok:
        raise ExamAuditError(f"{path}: cannot be read as video ({result.error})",
                             "check the file; `ffprobe FILE` shows what is wrong")
    analyser = build_presence(profile, None, result, detector=detector, model=model, zones=zones)
    # the motion detector's images are scaled down once more with area averaging
    width = analyser.settings.decode_width(result) if analyser.person else 2 * ANALYSIS_WIDTH
    # keyframes only when they come at least as often as the samples: presence needs its full rate
    for sample in sample_frames(path, result, rate_hz=rate_hz, width=width, keyframe_max_s=1 / rate_hz):
        analyser.process_frame(sample.t, sample.frame)
    return result, analyser.result()
