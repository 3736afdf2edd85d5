"""Presence building blocks on synthetic frames and tracks: zones, smoothing, motion occupancy and
activity, the model lookup, and the three checks fed with hand-made timelines."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from exam_audit.archive import open_archive
from exam_audit.audit import load_archive
from exam_audit.errors import ExamAuditError
from exam_audit.findings import Finding, NotRun
from exam_audit.profile import Profile
from exam_audit.results import AuditOptions, FileAnalysis, MediaResult
from exam_audit.video.media.probe import MediaProbe
from exam_audit.video.presence import checks as invigilation
from exam_audit.video.presence import models
from exam_audit.video.presence.motion import activity, occupancy
from exam_audit.video.presence.tracks import PresenceTrack, runs, smooth
from exam_audit.video.presence.zones import contains, parse_zone, zone_mask
from exam_audit.video.timeline.placement import Recording


@pytest.fixture(scope="module")
def profile() -> Profile:
    return Profile.load()


# -- zones ------------------------------------------------------------------------------------------

def test_zone_parsing_masks_and_containment() -> None:
    top = parse_zone("0,0;1,0;1,0.4;0,0.4")
    assert top == ((0.0, 0.0), (1.0, 0.0), (1.0, 0.4), (0.0, 0.4))
    mask = zone_mask([top], 100, 50)
    assert mask[5, 50] and not mask[40, 50]
    assert zone_mask([], 10, 10).all()  # no zone: the whole frame
    assert contains([top], 0.5, 0.3) and not contains([top], 0.5, 0.6)
    assert contains([], 0.5, 0.9)


@pytest.mark.parametrize("text", ["0,0;1,0", "0,0;1,0;2,1", "a,b;c,d;e,f"])
def test_bad_zone_is_an_error_naming_the_fix(text: str) -> None:
    with pytest.raises(ExamAuditError) as err:
        parse_zone(text)
    assert err.value.fix


# -- smoothing and intervals ------------------------------------------------------------------------

def test_one_missed_sample_is_not_an_absence_but_two_seconds_are() -> None:
    flags = [True, True, False, True, True, False, False, False, False, True]
    smoothed = smooth(flags, step_s=0.5, fill_s=1.0, blip_s=0.5)
    assert smoothed[2] is True  # 0.5 s hidden: filled
    assert smoothed[5:9] == [False] * 4  # 2 s away: kept


def test_a_one_sample_blip_between_absences_is_dropped_and_edges_are_kept() -> None:
    assert smooth([False, False, True, False, False], 0.5, 1.0, 0.5) == [False] * 5
    assert smooth([True, False, False, False], 0.5, 1.0, 0.5)[0] is True  # at the file's edge: kept


def test_runs_end_one_step_after_their_last_sample() -> None:
    times = [0.0, 0.5, 1.0, 1.5, 2.0]
    assert runs(times, [False, True, True, False, True], 0.5) == [(0.5, 1.5), (2.0, 2.5)]


# -- motion on synthetic frames --------------------------------------------------------------------

def _room(seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    frame = np.full((90, 160, 3), 160, np.uint8)
    frame[45:] = 100
    return np.clip(frame.astype(np.int16) + rng.integers(-10, 10, frame.shape), 0, 255).astype(np.uint8)


def _frames(present: list[bool], *, gain: list[float] | None = None, clock: bool = False) -> list[np.ndarray]:
    base = _room()
    rng = np.random.default_rng(0)
    out = []
    for i, here in enumerate(present):
        frame = np.clip(base.astype(np.int16) + rng.normal(0, 2, base.shape), 0, 255).astype(np.uint8)
        if here:
            x = 40 + (i * 7) % 80
            cv2.rectangle(frame, (x, 8), (x + 12, 38), (40, 40, 40), -1)
        if clock:
            cv2.putText(frame, f"08:{i // 60:02d}:{i % 60:02d}", (2, 9), cv2.FONT_HERSHEY_PLAIN, 0.5,
                        (255, 255, 255), 1, cv2.LINE_AA)
        if gain:
            frame = cv2.convertScaleAbs(frame, alpha=gain[i])
        out.append(cv2.cvtColor(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR))
    return out


def _occupied(frames: list[np.ndarray], zones=()) -> list[bool]:
    from exam_audit.video.presence.motion import prepare

    return occupancy([float(i) for i in range(len(frames))], [prepare(f) for f in frames], zones)


def test_motion_sees_a_person_come_and_go_even_when_present_most_of_the_time() -> None:
    truth = [False] * 20 + [True] * 100 + [False] * 30 + [True] * 50
    assert _occupied(_frames(truth)) == truth


def test_motion_ignores_a_ticking_clock_and_exposure_swings() -> None:
    n = 60
    gains = [1.0 + 0.35 * np.sin(i / 3) for i in range(n)]
    assert not any(_occupied(_frames([False] * n, gain=gains, clock=True)))


def test_motion_counts_only_the_zone() -> None:
    truth = [False] * 10 + [True] * 30
    bottom = (parse_zone("0,0.6;1,0.6;1,1;0,1"),)  # the figure stands in the top half
    assert not any(_occupied(_frames(truth), bottom))


def test_activity_is_movement_between_samples() -> None:
    from exam_audit.video.presence.motion import prepare

    moving = [prepare(f) for f in _frames([True] * 6)]
    still = [prepare(f) for f in _frames([False] * 6, clock=True)]
    assert min(activity(moving, ())[1:]) >= 0.002
    assert max(activity(still, ())) < 0.002


# -- the model lookup --------------------------------------------------------------------------------

def test_model_lookup_order_and_the_shipped_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   profile: Profile) -> None:
    monkeypatch.setenv("EXAM_AUDIT_DATA", str(tmp_path / "data"))
    monkeypatch.delenv(models.MODEL_ENV, raising=False)
    shipped = models.find_model(profile)  # a fresh install: the model inside the package, digest known
    assert shipped.source == "shipped" and shipped.path == models.shipped_path()
    assert shipped.sha256 == models.MODEL_SHA256 and len(models.read_model(shipped)) == 3_660_092
    monkeypatch.setenv(models.MODEL_ENV, str(tmp_path / "nowhere.onnx"))
    choice = models.find_model(profile)
    assert choice.path is None and "does not exist" in (choice.problem or "")
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"not a model")
    assert models.find_model(profile, fake).path == fake  # --model first


def test_a_changed_model_file_is_refused_at_load(tmp_path: Path) -> None:
    damaged = tmp_path / "yolox_nano.onnx"
    damaged.write_bytes(models.shipped_path().read_bytes()[:-1] + b"\x00")
    for source in ("shipped", "installed"):
        with pytest.raises(ExamAuditError, match="sha256") as err:
            models.read_model(models.ModelChoice(damaged, source, sha256=models.MODEL_SHA256))
        assert "install" in err.value.fix


def test_install_takes_only_a_yolox_model_and_keeps_its_digest(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               profile: Profile) -> None:
    monkeypatch.setenv("EXAM_AUDIT_DATA", str(tmp_path / "data"))
    monkeypatch.delenv(models.MODEL_ENV, raising=False)
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(ExamAuditError, match="not a loadable ONNX model"):
        models.install_model(fake)
    assert not models.installed_path().exists()
    target = models.install_model(models.shipped_path())
    choice = models.find_model(profile)
    assert choice.source == "installed" and choice.path == target and choice.sha256 == models.MODEL_SHA256
    target.write_bytes(b"changed after install")
    with pytest.raises(ExamAuditError, match="sha256"):
        models.read_model(models.find_model(profile))


# -- sizing the detector's input -------------------------------------------------------------------

def test_the_input_follows_the_frame_in_multiples_of_32() -> None:
    from exam_audit.video.presence.person import input_size, zone_region

    assert input_size(640, 352, 960) == (960, 512)
    assert input_size(1280, 720, 960) == (960, 544)
    assert input_size(1920, 1080, 960) == (960, 544)
    assert input_size(160, 90, 160) == (160, 96)
    assert input_size(960, 1080, 960) == (864, 960)
    top = (parse_zone("0.2,0;0.8,0;0.8,0.4;0.2,0.4"),)
    assert zone_region(top, 640, 360) == (64, 0, 576, 180)  # grown for heads above and feet below
    assert zone_region((), 640, 360) is None and zone_region((parse_zone("0,0;1,0;1,0.9;0,0.9"),), 640, 360) is None


def test_settings_decode_width_and_who_is_counted(profile: Profile) -> None:
    from exam_audit.video.presence.analyser import PresenceSettings

    settings = PresenceSettings.of(profile)
    assert settings.person.confidence == 0.25 and settings.person.nms == 0.45 and settings.person.long_side == 960
    assert settings.decode_width(MediaProbe(path="a", ok=True, width=640, height=352)) == 640  # native
    assert settings.decode_width(MediaProbe(path="a", ok=True, width=1920, height=1080)) == 960
    assert settings.counts(MediaProbe(path="a", ok=True, width=480, height=270)) is None
    assert "not counted" in (settings.counts(MediaProbe(path="a", ok=True, width=160, height=90)) or "")


# -- the checks, fed with hand-made timelines ----------------------------------------------------------

@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory, profile: Profile):
    from exam_audit.fixtures import FixtureSpec, make_archive

    folder = tmp_path_factory.mktemp("tables")
    make_archive(folder, FixtureSpec(seed=4, sessions=2, candidates_per_session=4))
    return load_archive(open_archive(folder), profile, AuditOptions())


def _with_track(data, camera: str, start: datetime, track: PresenceTrack):
    probe = MediaProbe(path="x.mp4", ok=True, width=160, height=90, duration_s=track.times[-1] + 1)
    data.media = MediaResult(recordings=[Recording(f"recordings/{camera}/x.mp4", camera, probe, start, "filename")],
                             analysis={f"recordings/{camera}/x.mp4": FileAnalysis(presence=track)})
    return data


def _track(present: list[bool], people: list[int] | None = None, moved: list[float] | None = None,
           step: float = 10.0) -> PresenceTrack:
    times = tuple(i * step for i in range(len(present)))
    return PresenceTrack("person" if people else "motion", None, times, tuple(present), tuple(present),
                         tuple(people) if people else None, tuple(people) if people else None,
                         tuple(moved or [0.01] * len(present)))


def _theory(data):
    from exam_audit.records.sessions import sessions_of

    return next(s for s in sessions_of(data).values() if s.exam_type == "theory")


def _findings(items) -> list[Finding]:
    return [i for i in items if isinstance(i, Finding)]


def test_absence_longer_than_the_threshold_fires_and_a_shorter_one_does_not(tables, profile: Profile) -> None:
    session = _theory(tables)
    begin = session.start - timedelta(minutes=2)
    n = int((session.end - begin).total_seconds() // 10) + 12
    long_gone = [not (30 <= i < 30 + 31) for i in range(n)]  # 310 s > 5 min
    found = _findings(invigilation.invigilator_absence(_with_track(tables, "CH01", begin, _track(long_gone)),
                                                       profile))
    assert [(f.rule, f.session_id, f.camera) for f in found] == [("invigilation.absent", session.session_id,
                                                                  "CH01")]
    f = found[0]
    assert f.start == begin + timedelta(seconds=300) and f.end == begin + timedelta(seconds=610)
    assert f.evidence["media_start_s"] == 300 and f.evidence["media_end_s"] == 610
    assert f.evidence["detector"] == "motion" and "监考" in f.message_zh
    short_gone = [not (30 <= i < 30 + 29) for i in range(n)]  # 290 s: allowed
    assert not _findings(invigilation.invigilator_absence(
        _with_track(tables, "CH01", begin, _track(short_gone)), profile))


def test_absence_outside_the_session_window_is_not_reported(tables, profile: Profile) -> None:
    session = _theory(tables)
    begin = session.end  # the room empties after the session closes: nobody has to be there
    assert not _findings(invigilation.invigilator_absence(
        _with_track(tables, "CH01", begin, _track([False] * 60)), profile))


def test_headcount_low_fires_on_persistently_few_people_and_needs_the_person_detector(
        tables, profile: Profile) -> None:
    session = _theory(tables)
    begin = session.start
    expected = 4 + 2  # four signed-in candidates and two invigilators in the fixture
    n = 60
    few = _findings(invigilation.headcount(_with_track(tables, "CH01", begin, _track([True] * n, [3] * n)),
                                           profile))
    assert [(f.rule, f.session_id, f.evidence["expected"]) for f in few] == [
        ("invigilation.headcount_low", session.session_id, expected)]
    # a few people hidden now and then is normal: the quantile looks at the better-seen moments
    enough = [expected - (i % 3 == 0) * 2 for i in range(n)]
    assert not _findings(invigilation.headcount(_with_track(tables, "CH01", begin, _track([True] * n, enough)),
                                                profile))
    motion_only = list(invigilation.headcount(_with_track(tables, "CH01", begin, _track([True] * n)), profile))
    assert motion_only and all(isinstance(i, NotRun) and i.rule == "invigilation.headcount_low"
                               for i in motion_only)


@pytest.fixture
def camera_keys(tables):
    """Set CH01's centre.toml keys for one test (seats, room_share, headcount), then restore them."""
    from exam_audit.archive import Camera

    before = dict(tables.centre.cameras)

    def set_keys(**extra):
        tables.centre.cameras["CH01"] = Camera(id="CH01", room=_theory(tables).room, extra=extra)

    yield set_keys
    tables.centre.cameras.clear()
    tables.centre.cameras.update(before)


def _headcount(tables, profile: Profile, counts: list[int | None]) -> list:
    session = _theory(tables)
    track = _track([True] * len(counts), [c or 0 for c in counts])
    track = PresenceTrack("person", None, track.times, track.occupied, track.present, tuple(counts),
                          track.in_zone, track.activity, "YOLOX-Nano input 960x544, score ≥ 0.25")
    return list(invigilation.headcount(_with_track(tables, "CH01", session.start, track), profile))


def test_headcount_evidence_states_counts_quantile_expected_and_setting(tables, profile: Profile) -> None:
    found = _findings(_headcount(tables, profile, [3] * 40 + [4] * 20))
    assert len(found) == 1
    evidence = found[0].evidence
    assert evidence["counts"] == {"3": 40, "4": 20} and evidence["samples"] == 60
    assert evidence["quantile"] == 0.9 and evidence["seen"] == 4.0 and evidence["expected"] == 6
    assert "960x544" in evidence["counting"] and evidence["view"] == "the whole room"
    assert "960x544" in found[0].message and "960x544" in found[0].message_zh and "{" not in found[0].message


def test_a_camera_seeing_part_of_the_room_expects_only_its_share(tables, profile: Profile, camera_keys) -> None:
    camera_keys(room_share=0.5)  # 4 candidates, half the room: 2 expected, invigilators not
    assert not _findings(_headcount(tables, profile, [2] * 60))
    assert _findings(_headcount(tables, profile, [1] * 60))[0].evidence["expected"] == 2
    camera_keys(seats=3)  # 3 seats in view: 3 of the 4 candidates
    assert not _findings(_headcount(tables, profile, [3] * 60))
    assert _findings(_headcount(tables, profile, [2] * 60))[0].evidence["candidates_in_view"] == 3


@pytest.mark.parametrize("keys, reason", [({"headcount": False}, "headcount = false"),
                                          ({"seats": "twenty"}, "whole number"),
                                          ({"room_share": 1.5}, "at most 1"),
                                          ({"seats": 3, "room_share": 0.5}, "keep one")])
def test_a_view_that_cannot_carry_a_count_is_not_run_with_the_reason(tables, profile: Profile, camera_keys,
                                                                     keys: dict, reason: str) -> None:
    camera_keys(**keys)
    items = _headcount(tables, profile, [0] * 60)
    assert items and all(isinstance(i, NotRun) for i in items) and reason in items[0].reason


def test_a_session_without_signed_in_candidates_is_not_counted(tables, profile: Profile,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # two invigilators assigned, one on camera and nobody signed in: absence's question, not headcount's
    records = tables.records
    monkeypatch.setattr(tables, "records", lambda name: [] if name == "events" else records(name))
    assert not _findings(_headcount(tables, profile, [1] * 60))


def test_too_few_counts_are_not_a_persistent_shortfall(tables, profile: Profile) -> None:
    items = _headcount(tables, profile, [0] * 10 + [None] * 50)  # ten counts among uncounted samples
    assert items and all(isinstance(i, NotRun) for i in items) and "10 counts" in items[0].reason


def test_no_activity_fires_on_a_still_practical_and_not_on_a_busy_one(tables, profile: Profile) -> None:
    from exam_audit.records.sessions import sessions_of

    session = next(s for s in sessions_of(tables).values() if s.exam_type == "practical")
    n = int((session.end - session.start).total_seconds() // 10)
    still = [0.01 if i < 30 else 0.0 for i in range(n)]
    found = _findings(invigilation.practical_activity(
        _with_track(tables, "CH02", session.start, _track([True] * n, moved=still)), profile))
    assert [(f.rule, f.session_id, f.camera) for f in found] == [("practical.no_activity", session.session_id,
                                                                  "CH02")]
    assert found[0].start == session.start + timedelta(seconds=300)
    busy = [0.01 if i % 6 else 0.0 for i in range(n)]  # a quiet 10 s now and then: still busy
    assert not _findings(invigilation.practical_activity(
        _with_track(tables, "CH02", session.start, _track([True] * n, moved=busy)), profile))


def test_checks_say_why_when_recordings_could_not_be_analysed(tables, profile: Profile) -> None:
    from exam_audit.audit import run_checks

    tables.media = MediaResult(unavailable="ffmpeg was not found")
    tables.archive.recordings.append(tables.archive.root / "recordings" / "CH01" / "x.mp4")
    try:
        statuses, _ = run_checks(tables, profile)
    finally:
        tables.archive.recordings.pop()
    reasons = {s.rule: s.reason for s in statuses if s.status == "not_run"}
    for rule in (invigilation.ABSENT, invigilation.HEADCOUNT, invigilation.NO_ACTIVITY):
        assert "ffmpeg" in reasons[rule]


def test_presence_intervals_for_the_report_are_wall_clock(tables) -> None:
    from exam_audit.video.presence.tracks import presence_intervals

    start = datetime.fromisoformat("2026-05-26T08:28:00+08:00")
    data = _with_track(tables, "CH01", start, _track([False, True, True, False], step=10.0))
    assert presence_intervals(data.media.placed, data.media.analysis) == [{
        "camera": "CH01", "file": "recordings/CH01/x.mp4", "detector": "motion",
        "present": [["2026-05-26T08:28:10+08:00", "2026-05-26T08:28:30+08:00"]]}]


def test_the_audit_falls_back_to_motion_and_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from exam_audit.archive import Camera
    from exam_audit.video.presence.analyser import PRESENCE

    monkeypatch.setenv("EXAM_AUDIT_DATA", str(tmp_path))
    monkeypatch.delenv(models.MODEL_ENV, raising=False)
    insisting = Profile.load()
    insisting.raw["presence"] = {"detector": "person", "model": str(tmp_path / "gone.onnx")}
    camera = Camera(id="CH09", extra={"station_zones": [[[0, 0], [1, 0]]]})
    probe = MediaProbe(path="x.mp4", ok=True, width=160, height=90)
    analyser = PRESENCE.build(insisting, camera, probe)
    assert analyser is not None and analyser.detector == "motion"
    assert "person detector is unavailable" in analyser.note and "station_zones" in analyser.note
    assert "gone.onnx" in analyser.note
