"""Content checks on generated archives with real H.264 recordings, on the real clips, and from the CLI.

Archives are written once per module (each takes seconds): two seeds with every content defect, and a
clean one whose theory room has its lights switched off and on during the exam.
"""

from __future__ import annotations

import copy
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import TINY_VIDEO_PROFILE, requires_ffmpeg
from exam_audit.archive import open_archive
from exam_audit.audit import audit_archive, load_archive, run_checks
from exam_audit.cli import main
from exam_audit.findings import NotRun
from exam_audit.fixtures import FixtureSpec, compare, load_truth, make_archive
from exam_audit.fixtures.base import build_clean
from exam_audit.fixtures.truth import precision_recall
from exam_audit.fixtures.video import add_recordings
from exam_audit.fixtures.writer import write_model
from exam_audit.profile import Profile
from exam_audit.results import ArchiveAudit, ArchiveFile, AuditOptions, FileAnalysis, MediaResult
from exam_audit.store import Store
from exam_audit.video.content.checks import duplicate_footage
from exam_audit.video.content.duplicates import DuplicateSettings
from exam_audit.video.content.recycled import Fingerprinted, find_recycled
from exam_audit.video.content.scan import scan_files
from exam_audit.video.stage import media_stage

pytestmark = requires_ffmpeg

CONTENT_DEFECTS = ("black_stretch", "frozen_stretch", "camera_move", "recycled_segment")
CONTENT_RULES = {"video.black", "video.frozen", "video.scene_change", "video.duplicate_footage"}
SMALL = {"sessions": 2, "candidates_per_session": 1, "video": True}  # a 2 h theory and an 80 min practical


@pytest.fixture(scope="module")
def cli_audit(tmp_path_factory):
    """Seed 1 with every content defect, audited from the command line."""
    root = tmp_path_factory.mktemp("seed1")
    folder = root / "archive"
    make_archive(folder, FixtureSpec(seed=1, defects=CONTENT_DEFECTS, **SMALL))
    result = CliRunner().invoke(main, ["audit", str(folder), "--profile", str(TINY_VIDEO_PROFILE),
                                       "--out", str(root / "out"), "--db",
                                       str(root / "store.db")], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    report = json.loads((root / "out" / "findings.json").read_text(encoding="utf-8"))
    return folder, report, root / "store.db"


@pytest.fixture(scope="module")
def library_audit(tmp_path_factory):
    """Seed 2 with every content defect, audited through the library (its loaded data kept)."""
    folder = tmp_path_factory.mktemp("seed2") / "archive"
    make_archive(folder, FixtureSpec(seed=2, defects=CONTENT_DEFECTS, **SMALL))
    profile, options = Profile.load(TINY_VIDEO_PROFILE), AuditOptions(profile_path=TINY_VIDEO_PROFILE)
    data = load_archive(open_archive(folder), profile, options)
    data.media = media_stage(data, profile, workers=options.workers)
    _, findings = run_checks(data, profile)
    return folder, data, [f.to_dict() for f in findings]


def test_every_content_defect_found_and_nothing_else_from_the_cli(cli_audit):
    folder, report, _ = cli_audit
    missed, unexpected = compare(report["findings"], load_truth(folder))
    assert missed == [] and unexpected == []
    assert {f["rule"] for f in report["findings"]} == CONTENT_RULES
    statuses = {c["rule"]: c["status"] for c in report["checks"]}
    assert all(statuses[rule] == "run" for rule in CONTENT_RULES)


def test_every_content_defect_found_and_nothing_else_on_another_seed(library_audit):
    folder, _, findings = library_audit
    assert precision_recall(findings, load_truth(folder)) == (1.0, 1.0)


def test_video_findings_carry_where_and_when(cli_audit):
    _, report, _ = cli_audit
    for f in report["findings"]:
        assert f["file"].startswith("recordings/") and f["camera"] and f["session_id"]
        assert f["start"].endswith("+08:00") and f["end"] >= f["start"]
        ev = f["evidence"]
        assert 0 <= ev["media_start_s"] <= ev["media_end_s"] and ev["sampling"] in ("keyframes", "decode")
        assert f["message"] and f["message_zh"] and "{" not in f["message"] + f["message_zh"]


def test_fingerprints_are_kept_in_the_store_and_matched_by_a_later_audit(cli_audit, library_audit):
    _, report, db = cli_audit
    store = Store(f"sqlite:///{db}")
    kept = store.earlier_fingerprints("/another/archive", {})
    duplicate = next(f for f in report["findings"] if f["rule"] == "video.duplicate_footage")
    source = duplicate["evidence"]["other_file"]
    assert source in {k["file"] for k in kept}  # the file with someone walking; empty rooms leave nothing

    # seed 2's recycled copy, with its source gone from the archive but fingerprinted by an earlier audit
    _, data, findings = library_audit
    found = next(f for f in findings if f["rule"] == "video.duplicate_footage")
    source = found["evidence"]["other_file"]
    profile = Profile.load()
    settings = DuplicateSettings.of(profile)
    present = [Fingerprinted(r, data.media.analysis[r.file], data.archive.root / r.file)
               for r in data.media.placed if r.file in data.media.analysis and r.file != source]
    assert find_recycled(present, [], settings).copies == []
    # the earlier file still where that audit saw it: its frames confirm the copy
    earlier = [{"sha256": "0" * 64, "audit_id": 7, "archive": str(data.archive.root), "file": source,
                **(data.media.analysis[source].fingerprint or {})}]
    recycled = find_recycled(present, earlier, settings)
    assert len(recycled.copies) == 1
    data = copy.copy(data)
    data.media = MediaResult(recordings=data.media.recordings, analysis=data.media.analysis, copies=recycled.copies)
    (again,) = duplicate_footage(data, profile)
    assert again.file == found["file"] and again.evidence["other_audit"] == 7
    assert again.evidence["frames_agreeing"] >= 5
    assert "第 7 号审计" in again.message_zh and str(data.archive.root) in again.message
    # gone from there: nothing to compare frames with, so no finding, and the audit says why
    earlier[0]["archive"] = "/old/archive"
    recycled = find_recycled(present, earlier, settings)
    assert recycled.copies == []
    data.media = MediaResult(recordings=data.media.recordings, analysis=data.media.analysis,
                             copies_not_run=recycled.not_run)
    (skipped,) = duplicate_footage(data, profile)
    assert isinstance(skipped, NotRun) and "no longer at" in skipped.reason and "audit #7" in skipped.reason


def test_the_store_never_matches_a_file_with_itself(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    audit = ArchiveAudit(path=str(tmp_path / "a"), files=[ArchiveFile("recordings/x.mp4", 1, "video", "ab" * 32)],
                         fingerprints={"recordings/x.mp4": {"samples": [[0.0, 3]]}})
    store.save(audit)
    assert len(store.earlier_fingerprints(str(tmp_path / "b"), {})) == 1
    assert store.earlier_fingerprints(str(tmp_path / "b"), {"recordings/y.mp4": "ab" * 32}) == []  # same bytes
    assert store.earlier_fingerprints(str(tmp_path / "a"), {"recordings/x.mp4": "cd" * 32}) == []  # same file


@pytest.mark.xfail(strict=True, reason="open (issue 13): since the theory fixtures became 480x270 rooms of seated "
                   "candidates (issue 14), dimming the lights to 40 % for 6 minutes gives false video.scene_change "
                   "findings; the false video.frozen ones it also gave are fixed (changes measured with the "
                   "lighting level removed)")
def test_clean_archive_with_a_quiet_room_and_lights_off_and_on_gives_no_finding(tmp_path):
    model = build_clean(FixtureSpec(seed=3, **SMALL))
    add_recordings(model)
    theory = next(s for s in model.extra["sessions"] if s["exam_type"] == "theory")
    off, on = theory["start"] + timedelta(minutes=20), theory["start"] + timedelta(minutes=26)

    def lights(_media_s, wall, frame):
        if off <= wall < on:
            frame[:] = (frame.astype(np.float32) * 0.4).astype(np.uint8)

    for plan in model.extra["recordings"]:
        if plan.session_id == theory["session_id"]:
            plan.painters.append(lights)
    write_model(model, tmp_path)
    result = audit_archive(tmp_path, AuditOptions(profile_path=TINY_VIDEO_PROFILE))
    assert result.findings == []
    assert {c.rule for c in result.checks if c.status == "run"} >= CONTENT_RULES


def test_scan_prints_events_with_times_and_the_sampling_mode(tmp_path):
    # 60 s of a room at 2 fps, keyframe every second, black from 20 s to 40 s; named as an NVR names it
    clip = tmp_path / "CH01_20260526090000_20260526090100.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=2:duration=60",
                    "-vf", "drawbox=c=black:t=fill:enable='between(t,20,39.9)'", "-g", "2", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(clip)], check=True)
    result = CliRunner().invoke(main, ["scan", "--json", str(clip)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (scan,) = json.loads(result.output)
    assert scan["sampling"]["mode"] == "keyframes" and scan["start"] == "2026-05-26T09:00:00+08:00"
    black = [e for e in scan["events"] if e["kind"] == "black"]
    assert [(e["start_s"], e["end_s"], e["start"]) for e in black] == [(20.0, 40.0, "2026-05-26T09:00:20+08:00")]
    text = CliRunner().invoke(main, ["scan", str(clip)]).output
    assert "black" in text and "keyframes" in text and "09:00:20" in text


def test_scan_reports_an_unreadable_file_in_one_line(tmp_path):
    bad = tmp_path / "CH01_20260526082800_20260526092800.mp4"
    bad.write_bytes(b"not a video")
    result = CliRunner().invoke(main, ["scan", str(bad)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and str(bad) in result.output


def test_without_ffmpeg_the_content_rules_are_not_run_with_the_reason(library_audit):
    _, data, _ = library_audit
    data = copy.copy(data)
    data.media = MediaResult(unavailable="ffmpeg was not found — install ffmpeg")
    statuses, findings = run_checks(data, Profile.load())
    reasons = {s.rule: s.reason for s in statuses if s.status == "not_run"}
    assert all("ffmpeg" in reasons[rule] for rule in CONTENT_RULES)
    assert not [f for f in findings if f.rule.startswith("video.")]


def test_real_clips_have_no_content_event(media_dir):
    clips = sorted(p for p in media_dir.iterdir() if p.suffix in (".mp4", ".avi"))
    scans = scan_files(clips, Profile.load())
    assert [(Path(s.file).name, s.events) for s in scans if s.events or s.error] == []


def test_a_file_that_cannot_be_decoded_is_named_as_not_run(library_audit):
    _, data, _ = library_audit
    data = copy.copy(data)
    analysis = dict(data.media.analysis)
    broken = sorted(analysis)[0]
    analysis[broken] = FileAnalysis(sampling={"error": "Invalid NAL unit size", "samples": 0})
    data.media = MediaResult(recordings=data.media.recordings, analysis=analysis)
    statuses = [s for s in duplicate_footage(data, Profile.load()) if isinstance(s, NotRun)]
    assert len(statuses) == 1 and broken in statuses[0].reason and "Invalid NAL" in statuses[0].reason


def test_a_second_audit_of_unchanged_recordings_decodes_nothing_and_finds_the_same(cli_audit):
    from exam_audit.audit import audit_archives

    folder, report, db = cli_audit
    profile = Profile.load(TINY_VIDEO_PROFILE)
    messages: list[str] = []
    options = AuditOptions(profile_path=TINY_VIDEO_PROFILE, progress=messages.append)
    (again,) = audit_archives([folder], options, profile, store=Store(f"sqlite:///{db}"))
    assert again.new_analyses == {}  # every analysis came from the store
    assert not any(m.startswith("analysing") for m in messages)
    key = ("rule", "file", "start", "end", "session_id")
    assert sorted(tuple(f.to_dict()[k] for k in key) for f in again.findings) == \
        sorted(tuple(f[k] for k in key) for f in report["findings"])


def test_an_analysis_survives_the_store_as_it_was(library_audit):
    from exam_audit.video.analysis_cache import from_json, to_json

    _, data, _ = library_audit
    for analysis in data.media.analysis.values():
        assert from_json(json.loads(json.dumps(to_json(analysis)))) == analysis
