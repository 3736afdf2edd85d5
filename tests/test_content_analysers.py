"""Content analysers on synthetic frames: each fires on a minimal bad case and stays silent on the nearest
good one. No ffmpeg needed: frames are drawn here as the fixture draws a room."""

from __future__ import annotations

from datetime import datetime

import cv2
import numpy as np
import pytest

from exam_audit.fixtures.content_defects import walker
from exam_audit.fixtures.video import room_background
from exam_audit.profile import Profile
from exam_audit.video.content.analysers import (
    BlackAnalyser,
    ContentSettings,
    FingerprintAnalyser,
    FrozenAnalyser,
    SceneChangeAnalyser,
)
from exam_audit.video.content.duplicates import DuplicateSettings, match

SIZE = (160, 90)
STEP = 2.0  # seconds between samples, as keyframes of a 2 s GOP


@pytest.fixture(scope="module")
def settings() -> ContentSettings:
    return ContentSettings.of(Profile.load())


class Room:
    """A live camera: a static room, sensor noise, a ticking clock."""

    def __init__(self, seed: int = 3) -> None:
        self.background = room_background(seed, SIZE)
        self.rng = np.random.default_rng(seed)

    def frame(self, t: float, *, gain: float = 1.0, clock: bool = True) -> np.ndarray:
        noisy = self.background.astype(np.float32) * gain + self.rng.normal(0, 2.0, self.background.shape)
        frame = np.clip(noisy, 0, 255).astype(np.uint8)
        if clock:
            stamp = f"09:{int(t) // 60 % 60:02d}:{int(t) % 60:02d}"
            cv2.putText(frame, stamp, (2, 9), cv2.FONT_HERSHEY_PLAIN, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
        return frame


def feed(analyser, frames) -> dict:
    for t, frame in frames:
        analyser.process_frame(t, frame)
    return analyser.result()


def times(seconds: float) -> list[float]:
    return [i * STEP for i in range(int(seconds / STEP))]


def test_black_fires_on_a_covered_lens_with_its_clock_still_showing(settings):
    room = Room()

    def frame(t):
        f = room.frame(t)
        if 100 <= t < 160:
            covered = np.full_like(f, 5)
            covered[:13, :80] = np.where(f[:13, :80] > 200, f[:13, :80], 5)  # the clock survives
            return covered
        return f

    events = feed(BlackAnalyser(settings), [(t, frame(t)) for t in times(300)])["events"]
    assert [(e["start_s"], e["end_s"]) for e in events] == [(100.0, 160.0)]


def test_black_is_silent_on_lights_off_and_on_a_short_blackout(settings):
    room = Room()
    dim = [(t, room.frame(t, gain=0.3 if 100 <= t < 200 else 1.0)) for t in times(300)]
    assert feed(BlackAnalyser(settings), dim)["events"] == []
    short = [(t, np.zeros_like(room.frame(t)) if 100 <= t < 106 else room.frame(t)) for t in times(300)]
    assert feed(BlackAnalyser(settings), short)["events"] == []


def test_frozen_fires_when_the_picture_and_its_clock_stop(settings):
    room = Room()
    held = room.frame(120)
    frames = [(t, held if 120 <= t < 240 else room.frame(t)) for t in times(400)]
    result = feed(FrozenAnalyser(settings), frames)
    assert [(e["start_s"], e["end_s"]) for e in result["events"]] == [(120.0, 238.0)]


def test_frozen_is_silent_on_a_quiet_empty_room_and_when_only_the_clock_moves(settings):
    room = Room()
    assert feed(FrozenAnalyser(settings), [(t, room.frame(t)) for t in times(600)])["events"] == []
    # the picture is held but its clock keeps ticking: a live camera on a perfectly still scene
    still = room.frame(0, clock=False)

    def ticking(t):
        f = still.copy()
        cv2.putText(f, f"09:{int(t) // 60:02d}:{int(t) % 60:02d}", (2, 9), cv2.FONT_HERSHEY_PLAIN, 0.5,
                    (255, 255, 255), 1, cv2.LINE_AA)
        return f

    frames = [(t, room.frame(t) if t < 100 else ticking(t)) for t in times(400)]
    assert feed(FrozenAnalyser(settings), frames)["events"] == []


def test_scene_change_fires_when_the_camera_turns_and_stays(settings):
    room = Room()

    def frame(t):
        f = room.frame(t)
        if t >= 200:
            f = cv2.warpAffine(f, np.array([[1, 0, 26], [0, 1, -10]], np.float32), SIZE,
                               borderMode=cv2.BORDER_REFLECT)
        return f

    events = feed(SceneChangeAnalyser(settings), [(t, frame(t)) for t in times(400)])["events"]
    assert len(events) == 1 and events[0]["start_s"] < 200 <= events[0]["end_s"] + settings.scene_window_s


def test_scene_change_is_silent_on_lights_and_people_passing(settings):
    room = Room()
    walk = walker(50, 200, 1.0)
    wall = datetime(2026, 5, 26, 9)

    def frame(t):
        f = room.frame(t, gain=0.45 if 120 <= t < 260 else 1.0)
        walk(t, wall, f)
        return f

    assert feed(SceneChangeAnalyser(settings), [(t, frame(t)) for t in times(400)])["events"] == []


def _fingerprint(settings, frames) -> dict:
    return feed(FingerprintAnalyser(settings), frames)


def test_duplicate_matches_recycled_activity_and_not_two_empty_days(settings):
    dup = DuplicateSettings.of(Profile.load())
    wall = datetime(2026, 5, 26, 9)
    day1, day2 = Room(3), Room(3)  # the same room on two days
    walk = walker(100, 240, 0.7)

    def exam(t):
        f = day1.frame(t)
        walk(t, wall, f)
        return f

    original = _fingerprint(settings, [(t, exam(t)) for t in times(600)])
    # the copy: the same activity 150 s later in another file, sampled at other instants (3 s apart)
    copy_times = [i * 3.0 for i in range(200)]
    copy = _fingerprint(settings, [(t, exam(t - 150) if 250 <= t < 490 else day2.frame(t)) for t in copy_times])
    found = match(original, copy, dup)
    assert found is not None and found.matched_s >= dup.min_active_s
    assert abs((found.b_start_s - found.a_start_s) - 150) <= 2 * dup.bin_s

    empty1 = _fingerprint(settings, [(t, day1.frame(t)) for t in times(600)])
    empty2 = _fingerprint(settings, [(t, day2.frame(t)) for t in times(600)])
    assert empty1["samples"] == [] and empty2["samples"] == []
    # other activity in the same room (someone else walking another way) is not a copy
    other_walk = walker(100, 240, 3.9)

    def other(t):
        f = day2.frame(t)
        other_walk(t, wall, f)
        return f

    assert match(original, _fingerprint(settings, [(t, other(t)) for t in times(600)]), dup) is None


def test_scene_change_is_silent_when_the_lens_is_covered_and_uncovered(settings):
    room = Room()

    def frame(t):
        f = room.frame(t)
        if 100 <= t < 220:
            covered = np.full_like(f, 5)
            covered[:13, :80] = np.where(f[:13, :80] > 200, f[:13, :80], 5)  # only the clock shows
            return covered
        return f

    assert feed(SceneChangeAnalyser(settings), [(t, frame(t)) for t in times(400)])["events"] == []
