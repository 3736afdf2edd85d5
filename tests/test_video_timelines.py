"""Recording timelines end to end: generated archives with real H.264 files, audited from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TINY_VIDEO_PROFILE, requires_ffmpeg
from exam_audit.fixtures import FixtureSpec, compare, load_truth, make_archive
from exam_audit.fixtures.registry import DEFECTS, combinable
from exam_audit.video.media import measure as measure_module

pytestmark = requires_ffmpeg

PROFILE = TINY_VIDEO_PROFILE
VIDEO_DEFECTS = tuple(name for name, d in DEFECTS.items() if d.video)
# the profile here uses the motion detector, which cannot count people: headcount defects are tested with
# the person detector in test_presence_audit.py
NEEDS_COUNTS = tuple(name for name, d in DEFECTS.items() if d.rule == "invigilation.headcount_low")
TIMELINE_RULES = ("video.unreadable", "video.missing", "video.coverage_gap", "video.internal_gap", "video.overlap",
                  "video.timestamp_mismatch", "time.event_unrecorded")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clean")
    make_archive(folder, FixtureSpec(seed=3, sessions=2, candidates_per_session=4, video=True))
    return folder


# seed 2: a false video.scene_change (5 % of tiles, a 16 % view shift) on the 480x270 rooms of seated
# candidates the fixtures draw since issue 14 — open in issue 13, marked so that its fix is noticed
@pytest.fixture(scope="module", params=[1, pytest.param(2, marks=pytest.mark.xfail(
    strict=False, reason="open (issue 13): a false video.scene_change on seed 2's 480x270 seated rooms"))])
def defective(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(f"defects{request.param}")
    # every combinable defect, table ones included: video findings must not be disturbed by them
    make_archive(folder, FixtureSpec(seed=request.param, sessions=8, candidates_per_session=16, video=True,
                                     defects=tuple(d for d in combinable(video=True) if d not in NEEDS_COUNTS)))
    return folder


def test_every_timeline_rule_has_a_defect():
    assert {DEFECTS[name].rule for name in VIDEO_DEFECTS} >= set(TIMELINE_RULES) - {"time.event_unrecorded"}


def test_every_injected_defect_is_found_and_nothing_else(defective: Path, audit_findings):
    report = audit_findings(defective, "--profile", PROFILE)
    truth = load_truth(defective)
    missed, unexpected = compare(report["findings"], truth)
    assert missed == [] and unexpected == []
    assert {t["rule"] for t in truth} >= set(TIMELINE_RULES)
    for f in report["findings"]:
        if f["rule"].startswith("video."):
            assert f["file"] or f["rule"] == "video.missing"
            assert f["start"] and f["end"], f
        # every video finding points at a moment of its file, except the file that cannot be played at all
        if f["file"] and f["rule"] not in ("video.missing", "video.unreadable") and f["file"].startswith("recordings/"):
            assert "media_start_s" in f["evidence"] and "media_end_s" in f["evidence"], f


def test_clean_archive_has_no_findings_and_reaudit_probes_nothing(clean: Path, cli, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    calls: list[Path] = []
    real = measure_module.probe

    def counting(path: Path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(measure_module, "probe", counting)
    reports = []
    for n in range(2):
        result = cli("audit", clean, "--out", tmp_path / f"out{n}", "--profile", PROFILE)
        assert result.exit_code == 0, result.output
        reports.append(json.loads((tmp_path / f"out{n}" / "findings.json").read_text(encoding="utf-8")))
    assert reports[0]["findings"] == reports[1]["findings"] == []
    statuses = {c["rule"]: c["status"] for c in reports[0]["checks"]}
    assert all(statuses[rule] == "run" for rule in TIMELINE_RULES)
    recordings = list((clean / "recordings").rglob("*.mp4"))
    assert len(calls) == len(recordings)  # the second audit took every probe from the store
    hashes = {f["path"]: f["sha256"] for f in reports[1]["archive"]["files"]}
    assert all(len(hashes[f"recordings/{p.relative_to(clean / 'recordings').as_posix()}"]) == 64 for p in recordings)


def test_probe_command_prints_a_timeline_and_json(clean: Path, cli):
    files = sorted((clean / "recordings" / "CH01").glob("*.mp4"))
    text = cli("probe", *files, db=False)
    assert text.exit_code == 0, text.output
    assert "start from the file name" in text.output and "GOP 2 s" in text.output
    assert "timestamps  continuous" in text.output
    listed = json.loads(cli("probe", "--json", files[0], db=False).output)
    assert listed[0]["start_source"] == "filename" and listed[0]["probe"]["duration_s"] == 3600.0
    assert set(listed[0]["claims"]) == {"filename", "creation_time"}


def test_probe_command_reports_an_unreadable_file_without_a_traceback(tmp_path: Path, cli):
    bad = tmp_path / "CH01_20260526082800_20260526092800.mp4"
    bad.write_bytes(b"\x00" * 1000)
    result = cli("probe", bad, db=False)
    assert result.exit_code == 0 and "UNREADABLE" in result.output
    assert cli("probe", "--timezone", "Mars/Base", bad, db=False).exit_code == 2


def test_real_vfr_clip_from_the_cli(media_dir: Path, cli):
    listed = json.loads(cli("probe", "--json", media_dir / "dvrscan_traffic_camera_vfr.mp4", db=False).output)
    probe = listed[0]["probe"]
    assert probe["duration_s"] == pytest.approx(34.44, abs=0.05) and probe["vfr"]
    assert probe["discontinuities"] == []
