"""Recording timelines on hand-built archives: each rule fires on a minimal bad case and stays silent on
the nearest good one. No video is written: recordings are probes placed in time, as the media stage
leaves them."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import TINY_VIDEO_PROFILE
from exam_audit.archive import Archive, ArchiveData, Camera, Centre
from exam_audit.audit import run_checks
from exam_audit.findings import Finding, NotRun
from exam_audit.profile import Profile
from exam_audit.records.tables.loader import Record, Table
from exam_audit.results import MediaResult
from exam_audit.video.media.probe import Discontinuity, MediaProbe
from exam_audit.video.timeline import checks
from exam_audit.video.timeline.coverage import Span, uncovered
from exam_audit.video.timeline.placement import ManifestEntry, manifest_of, parse_name, place

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 5, 26, 8, 30, tzinfo=TZ)  # the session opens; it closes two hours later


@pytest.fixture(scope="module")
def profile() -> Profile:
    return Profile.load(TINY_VIDEO_PROFILE)


def media(duration_s: float = 3600, *, ok: bool = True, height: int = 90, fps: float = 1.0,
          breaks: tuple[Discontinuity, ...] = (), created: datetime | None = None) -> MediaProbe:
    return MediaProbe("x", ok=ok, error=None if ok else "moov atom not found", codec="h264", width=160,
                      height=height, mean_fps=fps, duration_s=duration_s if ok else None, frames=int(duration_s),
                      creation_time=created, discontinuities=breaks)


def stamp(t: datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S")


def recording(start: datetime, duration_s: float = 3600, camera: str = "CH01", **kw):
    end = start + timedelta(seconds=duration_s)
    name = f"recordings/{camera}/{camera}_{stamp(start)}_{stamp(end)}.mp4"
    manifest = kw.pop("manifest", None)
    return place(name, media(duration_s, created=kw.pop("created", start), **kw), (), TZ, manifest)


def table(name: str, rows: list[dict]) -> Table:
    columns = tuple(rows[0]) if rows else ()
    return Table(name, f"{name}.csv", columns, [Record(i + 2, row, {}) for i, row in enumerate(rows)])


def archive_data(recordings: list, events: list[dict] | None = None, cameras: bool = True) -> ArchiveData:
    cams = {"CH01": Camera("CH01", room="理论考场1")} if cameras else {}
    data = ArchiveData(Archive(Path("/nowhere"), Centre(cameras=cams), {}, [Path("x")], []), TZ)
    data.tables["sessions"] = table("sessions", [{
        "session_id": "S1", "start": T0, "end": T0 + timedelta(hours=2), "room": "理论考场1",
        "exam_type": "theory", "operation": "1.2"}])
    data.tables["events"] = table("events", events or [])
    data.media = MediaResult(recordings=recordings)
    return data


def run(check, data: ArchiveData, profile: Profile) -> list[Finding]:
    out = list(check(data, profile))
    assert not [x for x in out if isinstance(x, NotRun)]
    return out


def full_cover() -> list:
    start = T0 - timedelta(minutes=2)
    return [recording(start), recording(start + timedelta(hours=1)), recording(start + timedelta(hours=2), 240)]


def rules(findings: list[Finding]) -> list[str]:
    return sorted(f.rule for f in findings)


# -- placement ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "camera", "start"), [
    ("CH01_20220415083000_20220415093000.mp4", "CH01", "2022-04-15 08:30:00"),
    ("192.168.1.64_01_20220415083000123.mp4", "192.168.1.64_01", "2022-04-15 08:30:00"),
    ("D01_20220415_083000.mp4", "D01", "2022-04-15 08:30:00"),
    ("CH02_2022-04-15_08-30-00_2022-04-15_09-30-00.mp4", "CH02", "2022-04-15 08:30:00"),
])
def test_built_in_nvr_names(name: str, camera: str, start: str):
    info = parse_name(name, (), TZ)
    assert info is not None and info.camera == camera and info.start.strftime("%Y-%m-%d %H:%M:%S") == start


def test_centre_pattern_comes_first_and_nothing_is_guessed_from_a_plain_name():
    info = parse_name("room1-20220415083000.mp4", (r"(?P<camera>room\d)-(?P<start>\d{14})",), TZ)
    assert info.camera == "room1"
    assert parse_name("clip.mp4", (), TZ) is None


def test_trust_order_manifest_then_name_then_tag():
    tagged = place("recordings/clip.mp4", media(created=datetime(2026, 5, 26, 0, 28)), (), TZ)  # naive: UTC
    assert tagged.start_source == "creation_time" and tagged.start == datetime(2026, 5, 26, 8, 28, tzinfo=TZ)
    named = recording(T0, created=T0 + timedelta(minutes=1))
    assert named.start_source == "filename" and named.start == T0
    entry = ManifestEntry(named.file, "CH09", T0 + timedelta(minutes=3), "S1", 2)
    listed = recording(T0, manifest=entry)
    assert (listed.start_source, listed.camera, listed.start) == ("manifest", "CH09", entry.start)
    assert place("recordings/clip.mp4", media(), (), TZ).start is None


def test_manifest_rows_are_keyed_by_archive_path_and_place_the_file():
    data = archive_data([])
    data.tables["recordings"] = table("recordings", [
        {"file": "cam1\\clip.mp4", "camera": "CH01", "start": T0, "session_id": "S1"}])
    entry = manifest_of(data.records("recordings"))["recordings/cam1/clip.mp4"]
    r = place("recordings/cam1/clip.mp4", media(created=T0 + timedelta(hours=8)), (), TZ, entry)
    assert (r.start, r.start_source, r.camera, r.session_id) == (T0, "manifest", "CH01", "S1")


def test_uncovered_joins_spans_within_tolerance():
    r = recording(T0)
    spans = [Span(T0, T0 + timedelta(minutes=30), r),
             Span(T0 + timedelta(minutes=30, seconds=3), T0 + timedelta(hours=1), r)]
    window = (T0, T0 + timedelta(hours=1))
    assert uncovered(window, spans, 5) == []
    spans[1] = Span(T0 + timedelta(minutes=40), T0 + timedelta(hours=1), r)
    ((start, end, before, after),) = uncovered(window, spans, 5)
    assert (start, end, before, after) == (T0 + timedelta(minutes=30), T0 + timedelta(minutes=40), spans[0], spans[1])


# -- the rules ------------------------------------------------------------------------------------------

def test_clean_timeline_is_silent(profile: Profile):
    data = archive_data(full_cover(), [{"time": T0 + timedelta(minutes=70), "session_id": "S1", "id_number": "",
                                        "event": "submit"}])
    for check in (checks.recording_files, checks.session_coverage, checks.overlaps, checks.unrecorded_events):
        assert run(check, data, profile) == []


def test_missing_session_video(profile: Profile):
    data = archive_data([recording(T0 + timedelta(days=1))])
    (f,) = run(checks.session_coverage, data, profile)
    assert (f.rule, f.session_id, f.camera, f.start) == ("video.missing", "S1", "CH01", T0)


def test_gap_between_segments_names_the_files_and_the_events_in_it(profile: Profile):
    recs = full_cover()
    del recs[1]
    inside = {"time": T0 + timedelta(minutes=70), "session_id": "S1", "id_number": "", "event": "submit"}
    data = archive_data(recs, [inside])
    (gap,) = run(checks.session_coverage, data, profile)
    assert gap.rule == "video.coverage_gap" and gap.start == T0 + timedelta(minutes=58)
    assert gap.evidence["file_before"] == recs[0].file and gap.evidence["file_after"] == recs[1].file
    assert gap.evidence["duration_s"] == 3600 and gap.evidence["media_start_s"] == 3600
    (event,) = run(checks.unrecorded_events, data, profile)
    assert (event.rule, event.row, event.table) == ("time.event_unrecorded", 2, "events")


def test_events_of_one_gap_are_one_finding_listing_them(profile: Profile):
    recs = full_cover()
    del recs[1]  # one missing hour: 09:28-10:28
    events = [{"time": T0 + timedelta(minutes=m), "session_id": "S1", "id_number": f"ID{m}", "event": "submit"}
              for m in (65, 70, 90)] + [{"time": T0 + timedelta(minutes=20), "session_id": "S1", "id_number": "",
                                         "event": "start"}]  # on video: not folded in
    (f,) = run(checks.unrecorded_events, archive_data(recs, events), profile)
    assert (f.row, f.start, f.end) == (2, T0 + timedelta(minutes=58), T0 + timedelta(minutes=118))
    assert f.evidence["count"] == 3 and f.folded == 2 and f.to_dict()["folded"] == 2
    assert [e["row"] for e in f.evidence["events"]] == [2, 3, 4] and f.id_number is None
    assert "3 log event(s)" in f.message and "{" not in f.message + f.message_zh


def test_events_of_two_gaps_are_two_findings(profile: Profile):
    start = T0 - timedelta(minutes=2)
    recs = [recording(start, 1800), recording(start + timedelta(minutes=40), 1800),
            recording(start + timedelta(minutes=80), 3600)]
    events = [{"time": T0 + timedelta(minutes=m), "session_id": "S1", "id_number": "", "event": "submit"}
              for m in (30, 33, 70)]
    found = run(checks.unrecorded_events, archive_data(recs, events), profile)
    assert sorted(f.evidence["count"] for f in found) == [1, 2]


def test_gap_shorter_than_tolerance_is_silent(profile: Profile):
    start = T0 - timedelta(minutes=2)
    recs = [recording(start, 7200 - 3), recording(start + timedelta(seconds=7200), 240)]
    assert run(checks.session_coverage, archive_data(recs), profile) == []


def test_internal_jump_fires_and_leaves_a_coverage_gap(profile: Profile):
    recs = full_cover()
    jump = Discontinuity(at_s=600.0, kind="jump", delta_s=300.0, resume_s=901.0)
    recs[0] = recording(recs[0].start, breaks=(jump,))
    data = archive_data(recs)
    (f,) = [x for x in run(checks.recording_files, data, profile)]
    assert f.rule == "video.internal_gap" and f.session_id == "S1" and f.evidence["media_start_s"] == 600.0
    assert f.start == recs[0].start + timedelta(seconds=600)
    (gap,) = run(checks.session_coverage, data, profile)
    assert gap.rule == "video.coverage_gap" and gap.file == recs[0].file


def test_small_jump_and_frame_rate_change_are_silent(profile: Profile):
    recs = full_cover()
    recs[0] = recording(recs[0].start, breaks=(Discontinuity(600.0, "jump", 2.0, 603.0),))
    data = archive_data(recs)
    assert run(checks.recording_files, data, profile) == []
    assert run(checks.session_coverage, data, profile) == []


def test_unreadable_file_fires_and_its_time_is_uncovered(profile: Profile):
    recs = full_cover()
    recs[1] = recording(recs[1].start, ok=False)
    data = archive_data(recs)
    (f,) = run(checks.recording_files, data, profile)
    assert f.rule == "video.unreadable" and f.session_id == "S1" and "moov" in f.message
    (gap,) = run(checks.session_coverage, data, profile)
    assert gap.evidence["unusable_files"] == [recs[1].file]


def test_overlap_fires_and_touching_segments_do_not(profile: Profile):
    recs = full_cover()
    recs[1] = recording(recs[1].start - timedelta(minutes=5), 3900)
    (f,) = run(checks.overlaps, archive_data(recs), profile)
    assert (f.rule, f.file, f.evidence["other_file"], f.evidence["duration_s"]) == (
        "video.overlap", recs[1].file, recs[0].file, 300)
    assert run(checks.overlaps, archive_data(full_cover()), profile) == []


def test_timestamp_mismatch_names_both_values(profile: Profile):
    recs = full_cover()
    recs[0] = recording(recs[0].start, created=recs[0].start + timedelta(minutes=10))
    (f,) = run(checks.recording_files, archive_data(recs), profile)
    assert f.rule == "video.timestamp_mismatch"
    assert (f.evidence["source_a"], f.evidence["source_b"], f.evidence["difference_s"]) == (
        "filename", "creation_time", 600)
    assert "08:38:00" in f.message and "08:28:00" in f.message
    recs[0] = recording(recs[0].start, created=recs[0].start + timedelta(seconds=90))  # within tolerance
    assert run(checks.recording_files, archive_data(recs), profile) == []


def test_same_offset_on_every_file_of_a_camera_is_one_systematic_finding(profile: Profile):
    recs = [recording(r.start, r.probe.duration_s, created=r.start + timedelta(hours=8)) for r in full_cover()]
    (f,) = run(checks.recording_files, archive_data(recs), profile)
    assert f.rule == "video.timestamp_mismatch" and f.evidence["systematic"] and f.severity == "low"
    assert "all 3 files" in f.message and f.evidence["files"] == 3


def test_file_shorter_than_its_name_says_is_a_mismatch(profile: Profile):
    r = recording(T0, 3600)
    short = place(r.file, media(3000, created=T0), (), TZ)
    (f,) = run(checks.recording_files, archive_data([short]), profile)
    assert f.rule == "video.timestamp_mismatch" and f.evidence["source_a"] == "filename end"


def test_below_spec_once_per_camera():
    default = Profile.load()
    recs = full_cover()
    findings = run(checks.recording_files, archive_data(recs), default)
    assert rules(findings) == ["video.below_spec"] and findings[0].evidence["files_below"] == 3
    sharp = [recording(r.start, r.probe.duration_s, height=720, fps=25) for r in recs]
    assert run(checks.recording_files, archive_data(sharp), default) == []


def test_manifest_and_tag_disagreeing_is_a_mismatch(profile: Profile):
    recs = full_cover()
    entry = ManifestEntry(recs[0].file, "CH01", recs[0].start + timedelta(minutes=30), "S1", 2)
    recs[0] = recording(recs[0].start, manifest=entry)
    findings = run(checks.recording_files, archive_data(recs), profile)
    assert sorted((f.evidence["source_a"], f.evidence["source_b"]) for f in findings) == [
        ("manifest", "creation_time"), ("manifest", "filename")]
    assert all(f.session_id == "S1" for f in findings)


def test_recording_with_no_known_time(profile: Profile):
    unplaced = place("recordings/clip.mp4", media(), (), TZ)
    findings = run(checks.recording_files, archive_data([*full_cover(), unplaced]), profile)
    assert [(f.rule, f.file) for f in findings] == [("video.time_unknown", "recordings/clip.mp4")]


def test_without_centre_toml_cameras_are_matched_by_time(profile: Profile):
    recs = full_cover()
    del recs[1]
    (gap,) = run(checks.session_coverage, archive_data(recs, cameras=False), profile)
    assert gap.rule == "video.coverage_gap" and gap.camera == "CH01"
    (missing,) = run(checks.session_coverage, archive_data([], cameras=False), profile)
    assert missing.rule == "video.missing" and missing.camera is None


def test_not_probed_means_not_run(profile: Profile):
    data = archive_data([])
    data.media = MediaResult(unavailable="ffprobe was not found")
    statuses, findings = run_checks(data, profile)
    reasons = {s.rule: s.reason for s in statuses if s.status == "not_run"}
    assert all("ffprobe" in reasons[rule] for rule in checks.COVERAGE_RULES + checks.FILE_RULES)
    assert not [f for f in findings if f.rule.startswith("video.")]
