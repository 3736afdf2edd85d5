"""The evidence report: report.html in a real browser, snapshots of the right moment, clips, the self-check
list, re-rendering from the store, and the evidence package with verify."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from click.testing import Result

from conftest import ARTIFACTS, requires_ffmpeg
from exam_audit.audit import audit_archive
from exam_audit.findings import Finding
from exam_audit.fixtures import FixtureSpec, make_archive
from exam_audit.profile import Profile
from exam_audit.report import ReportOptions, write_reports
from exam_audit.report.labels import rule_title
from exam_audit.results import ArchiveAudit, AuditOptions
from exam_audit.store import Store

RECORDING = "recordings/CH01_20260526083000_20260526083020.mp4"
SESSION = "S20260526-01"
BLACK = (4.0, 8.0)  # media seconds of the generated recording that are black


def make_video(path: Path, seconds: float = 20, black: tuple[float, float] | None = BLACK, gop: int = 10) -> Path:
    """A tiny H.264 test pattern (160x90, 5 fps, a keyframe every ``gop`` frames) with an optional black stretch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draw = [] if black is None else ["-vf", f"drawbox=c=black:t=fill:enable='between(t,{black[0]},{black[1]})'"]
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc=size=160x90:rate=5:duration={seconds}", *draw, "-g", str(gop), "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def family_findings(profile: Profile, audit: ArchiveAudit) -> list[Finding]:
    """One finding of every family that the generator cannot inject yet, built as their checks will."""
    tz = datetime.fromisoformat(audit.timeline["sessions"][0]["actual"][0]).tzinfo
    t0 = datetime(2026, 5, 26, 8, 30, tzinfo=tz)

    def at(seconds: float) -> datetime:
        return t0 + timedelta(seconds=seconds)

    def video(rule: str, a: float, b: float, **extra: Any) -> Finding:
        return profile.finding(rule, file=RECORDING, camera="CH01", session_id=SESSION, start=at(a), end=at(b),
                               evidence={"media_start_s": a, "media_end_s": b, "detail": f"{b - a:.0f} s",
                                         "detail_zh": f"{b - a:.0f} 秒", **extra})

    return [
        video("video.black", *BLACK, mean_luma=3.1),
        video("video.frozen", 12.0, 16.0),
        video("invigilation.absent", 9.0, 19.0, detector="motion"),
        profile.finding("video.coverage_gap", camera="CH01", session_id=SESSION, start=at(20), end=at(3600),
                        evidence={"detail": "no recording 08:30:20–09:30:00", "detail_zh": "08:30:20–09:30:00 无录像"}),
        profile.finding("plan.deviation", session_id=SESSION, table="sessions", row=2, column="start",
                        evidence={"detail": "started 20 min late", "detail_zh": "晚开考 20 分钟",
                                  "rows": [{"table": "plan", "row": 2}]}),
        profile.finding("roster.result_without_attendance", session_id=SESSION, id_number="110105199001011234",
                        table="results", row=5, evidence={"detail": "no sign-in", "detail_zh": "无签到记录",
                                                          "rows": [{"table": "events", "row": 9}]}),
        profile.finding("score.total_mismatch", session_id="S20260526-02", table="results", row=40,
                        column="score", evidence={"detail": "total 92 ≠ 88", "detail_zh": "总分 92 ≠ 88"}),
        profile.finding("time.theory_too_fast", session_id=SESSION, start=at(60), end=at(240),
                        evidence={"detail": "3 min", "detail_zh": "3 分钟"}),
        profile.finding("staff.no_invigilator", session_id=SESSION, table="assignments",
                        evidence={"detail": "", "detail_zh": ""}),
        profile.finding("stats.answer_similarity", session_id=SESSION, table="answers",
                        evidence={"detail": "p = 1e-9", "detail_zh": "p = 1e-9", "pair": ["A", "B"]}),
        profile.finding("practical.oral_only", session_id="S20260526-02", table="results", row=41,
                        evidence={"detail": "K2 oral", "detail_zh": "K2 口述"}),
    ]


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A generated archive with every injectable defect and a recording, audited, with one finding of every
    other family added, saved in a store: {"archive", "db", "audit_id", "audit"}."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg/ffprobe not installed")
    root = tmp_path_factory.mktemp("rich")
    archive = root / "archive"
    from exam_audit.fixtures.registry import DEFECTS

    # the data defects only: the other families' findings are added below, one each, known exactly
    data_defects = tuple(n for n, d in DEFECTS.items() if d.rule.startswith("data.") and not d.solo)
    make_archive(archive, FixtureSpec(seed=3, defects=data_defects))
    make_video(archive / RECORDING)
    profile = Profile.load()
    audit = audit_archive(archive, AuditOptions(), profile)
    audit.findings = sorted(audit.findings + family_findings(profile, audit), key=Finding.sort_key)
    start = datetime.fromisoformat(audit.timeline["recordings"][0]["start"])
    session = next(s for s in audit.timeline["sessions"] if s["id"] == SESSION)
    session["presence"] = [{"camera": "CH01", "detector": "motion",
                            "present": [[start.isoformat(), (start + timedelta(seconds=9)).isoformat()]]}]
    db = root / "store.db"
    audit_id = Store(f"sqlite:///{db}").save(audit, "exam-audit audit archive")
    return {"archive": archive, "db": db, "audit_id": audit_id, "audit": audit, "root": root}


def rows_drawn(dom: str) -> int:
    """Finding rows the page's script drew (the script's own source does not count)."""
    return len(re.findall(r'<tr class="f" data-i="\d+"', dom))


def run_cli(cli: Callable[..., Result], rich: dict[str, Any], *args: Any) -> Result:
    return cli(*args, "--db", rich["db"])


@requires_ffmpeg
def test_report_opens_in_chromium_with_every_family_and_no_request(rich, cli, tmp_path):
    import browser

    result = run_cli(cli, rich, "report", rich["audit_id"], "--out", tmp_path / "zh")
    assert result.exit_code == 0, result.output
    page = tmp_path / "zh" / "report.html"
    shot = ARTIFACTS / "report_zh.png"
    loaded = browser.load(page, screenshot=shot)
    assert loaded.page_requests == [], loaded.page_requests
    assert not [c for c in loaded.console if "Content Security" in c or "Uncaught" in c], loaded.console
    assert shot.is_file() and shot.stat().st_size > 10_000
    audit: ArchiveAudit = rich["audit"]
    for text in ("FX-003", "按检查项目汇总", "S20260526-01", "计划时段", "监考在场"):
        assert text in loaded.dom, text
    for f in audit.findings[:100]:  # the first page, drawn by the page's own script
        assert rule_title(f.rule, "zh") in loaded.dom, f.rule
    assert rows_drawn(loaded.dom) == min(100, len(audit.findings))
    for family in ("video.", "invigilation.", "plan.", "roster.", "score.", "time.", "staff.", "stats.",
                   "practical.", "data."):
        assert any(f.rule.startswith(family) for f in audit.findings), family

    result = run_cli(cli, rich, "report", rich["audit_id"], "--out", tmp_path / "en", "--lang", "en")
    assert result.exit_code == 0, result.output
    english = browser.load(tmp_path / "en" / "report.html", fragment="rule=video.black",
                           screenshot=ARTIFACTS / "report_en_black.png")
    assert "Black picture or covered lens" in english.dom and rows_drawn(english.dom) == 1
    assert english.page_requests == []


def test_request_check_really_fails_on_a_remote_resource(tmp_path):
    """The browser check is only worth something if it catches a page that reaches out."""
    import browser

    blocked = tmp_path / "blocked.html"
    blocked.write_text('<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
                       'content="default-src \'none\'"><img src="http://example.invalid/x.png">', encoding="utf-8")
    assert any("Content Security" in c for c in browser.load(blocked).console)
    open_page = tmp_path / "open.html"
    open_page.write_text('<!DOCTYPE html><meta charset="utf-8"><img src="http://example.invalid/x.png">',
                         encoding="utf-8")
    assert browser.load(open_page).page_requests == ["http://example.invalid/x.png"]


def test_report_of_a_clean_archive_says_so(make_fixture, cli, tmp_path):
    archive = make_fixture()
    result = cli("audit", archive, "--out", tmp_path / "out", "--format", "html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "未发现问题" in html and "(0)" in html
    result = cli("audit", archive, "--out", tmp_path / "en", "--format", "html", "--lang", "en")
    assert "No findings: every rule that ran found nothing wrong." in (tmp_path / "en" / "report.html").read_text(
        encoding="utf-8")


def test_report_is_self_contained(rich, tmp_path):
    write_reports(rich["audit"], tmp_path, ("html",), options=ReportOptions(archive_root=rich["archive"]))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html and "Content-Security-Policy" in html
    assert "://" not in html  # no URL of any scheme: no font, script, style or image from elsewhere
    assert 'src="snapshots/' not in html and "data:image/jpeg;base64," in html  # snapshots embedded


def _luma(path: Path) -> float:
    return float(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).mean())


@requires_ffmpeg
def test_snapshots_show_the_moment_of_each_video_finding(rich, tmp_path):
    audit: ArchiveAudit = rich["audit"]
    write_reports(audit, tmp_path, ("html",), options=ReportOptions())
    data = _report_data(tmp_path / "report.html")
    spans = [f for f in data["findings"] if f["media"]]
    # the recording also draws the archive's own timeline findings (it is tiny and covers little)
    made = [f for f in spans if f["rule"] in ("video.black", "video.frozen", "invigilation.absent")]
    assert {f["rule"] for f in made} == {"video.black", "video.frozen", "invigilation.absent"}
    for f in made:
        assert [s["at"] for s in f["snaps"]] == ["start", "middle", "end"], f["rule"]
        for snap in f["snaps"]:
            assert (tmp_path / snap["path"]).is_file()
            brightness = _luma(tmp_path / snap["path"])
            if f["rule"] == "video.black":
                assert brightness < 20, (snap, brightness)
            elif f["rule"] == "video.frozen":
                assert brightness > 60, (snap, brightness)


def _report_data(page: Path) -> dict[str, Any]:
    html = page.read_text(encoding="utf-8")
    start = html.index('<script type="application/json" id="report-data">') + len(
        '<script type="application/json" id="report-data">')
    return json.loads(html[start:html.index("</script>", start)])


@requires_ffmpeg
def test_clips_are_stream_copied_when_a_keyframe_is_near_and_reencoded_otherwise(tmp_path):
    from exam_audit.video.media.cuts import cut_clip, media_duration

    near = make_video(tmp_path / "near.mp4", black=None, gop=5)  # a keyframe every second
    clip = cut_clip(near, 6.5, 10.0, tmp_path / "clips" / "near")
    assert clip.copied and 5.5 <= clip.start_s <= 6.5 and clip.path.suffix == ".mp4"
    assert media_duration(clip.path) == pytest.approx(10.0 - clip.start_s, abs=1.5)

    far = make_video(tmp_path / "far.mp4", black=None, gop=100)  # one keyframe only, at 0 s
    clip = cut_clip(far, 12.0, 15.0, tmp_path / "clips" / "far")
    assert not clip.copied and clip.start_s == 12.0
    assert media_duration(clip.path) == pytest.approx(3.0, abs=0.5)


@requires_ffmpeg
def test_html_with_clips_links_each_video_finding_to_its_clip(rich, cli, tmp_path):
    result = run_cli(cli, rich, "report", rich["audit_id"], "--out", tmp_path, "--clips")
    assert result.exit_code == 0, result.output
    clips = [f["clip"] for f in _report_data(tmp_path / "report.html")["findings"] if f["media"]]
    assert len(clips) >= 3 and all(c and (tmp_path / c["path"]).is_file() for c in clips)


def test_report_rerenders_from_the_store_alone(rich, cli, tmp_path):
    """The archive is gone: timelines and findings still come back; snapshots say why they are missing."""
    result = run_cli(cli, rich, "report", rich["audit_id"], "--out", tmp_path, "--archive", tmp_path / "gone")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    data = _report_data(tmp_path / "report.html")
    assert len(data["findings"]) == len(rich["audit"].findings)
    assert html.count("<svg") == len(rich["audit"].timeline["sessions"])
    assert all("not found" in f["problem"] for f in data["findings"] if f["media"])


def test_unknown_report_id_is_one_line(cli, tmp_path):
    result = cli("report", "999", "--out", tmp_path)
    assert result.exit_code == 2 and "audit #999 is not in" in result.output and "Traceback" not in result.output


def test_selfcheck_list_has_one_row_per_finding_and_columns_to_fill(rich, cli, tmp_path):
    from openpyxl import load_workbook

    result = run_cli(cli, rich, "report", rich["audit_id"], "--out", tmp_path, "--format", "selfcheck")
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "selfcheck.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "问题清单"
    assert rows[0][-3:] == ("整改措施", "整改时限", "责任人")
    assert len(rows) == 1 + len(rich["audit"].findings)
    assert all(r[-3:] == (None, None, None) for r in rows[1:])
    assert {r[4] for r in rows[1:]} == {f.rule for f in rich["audit"].findings}
    text = (tmp_path / "selfcheck.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].endswith("整改措施,整改时限,责任人")


def _rezip(src: Path, dst: Path, member: str, offset: int = 0) -> None:
    """Copy the package, flipping one byte of ``member``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == member:
                data = bytearray(data)
                data[offset % len(data)] ^= 0x01
                data = bytes(data)
            zout.writestr(info, data)


@requires_ffmpeg
def test_evidence_package_verifies_and_names_any_changed_file(rich, cli, tmp_path):
    package = tmp_path / "evidence.zip"
    result = run_cli(cli, rich, "evidence", rich["audit_id"], "--out", package)
    assert result.exit_code == 0, result.output
    assert "sha256 " in result.output
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("MANIFEST"))
    for expected in ("report.html", "findings.json", "findings.csv", "selfcheck.xlsx", "MANIFEST.sha256"):
        assert expected in names
    assert any(n.startswith("snapshots/") for n in names) and any(n.startswith("clips/") for n in names)
    assert manifest["tool"]["version"] and manifest["profile"]["version"] and manifest["command"]
    assert manifest["created_at"] and {i["path"] for i in manifest["inputs"]} >= {RECORDING, "results.csv"}
    assert {o["path"] for o in manifest["outputs"]} == set(names) - {"MANIFEST", "MANIFEST.sha256"}

    ok = cli("verify", package, rich["archive"])
    assert ok.exit_code == 0 and "VERIFIED" in ok.output, ok.output

    for member in names:
        changed = tmp_path / "changed.zip"
        _rezip(package, changed, member, offset=len(member) * 7)
        result = cli("verify", changed)
        assert result.exit_code == 1, (member, result.output)
        assert "CHANGED" in result.output
        named = member if member != "MANIFEST.sha256" else "MANIFEST"
        assert f" {named}" in result.output, (member, result.output)

    raw = bytearray(package.read_bytes())  # a byte flipped inside the zip itself, not through zipfile
    raw[len(raw) // 3] ^= 0x01
    (tmp_path / "raw.zip").write_bytes(bytes(raw))
    result = cli("verify", tmp_path / "raw.zip")
    assert result.exit_code in (1, 2) and "VERIFIED" not in result.output


@requires_ffmpeg
def test_verify_names_changed_missing_and_added_archive_files(rich, cli, tmp_path):
    package = tmp_path / "evidence.zip"
    assert run_cli(cli, rich, "evidence", rich["audit_id"], "--out", package, "--no-clips").exit_code == 0
    copy = tmp_path / "archive"
    shutil.copytree(rich["archive"], copy)
    for name in (RECORDING, "results.csv"):
        target = copy / name
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0x01
        target.write_bytes(bytes(data))
        result = cli("verify", package, copy)
        assert result.exit_code == 1 and f"CHANGED    {name}" in result.output, result.output
        target.write_bytes(bytes(data[: len(data) // 2]) + bytes([data[len(data) // 2] ^ 0x01])
                           + bytes(data[len(data) // 2 + 1:]))
    assert cli("verify", package, copy).exit_code == 0
    (copy / "events.csv").unlink()
    (copy / "recordings" / "CH02_20260526083000_20260526083020.mp4").write_bytes(b"\0")
    result = cli("verify", package, copy)
    assert "MISSING    events.csv" in result.output
    assert "ADDED      recordings/CH02_20260526083000_20260526083020.mp4" in result.output


def test_verify_of_something_that_is_not_a_package_is_one_line(cli, tmp_path):
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"not a zip")
    result = cli("verify", bogus)
    assert result.exit_code == 2 and "not a readable zip" in result.output and "Traceback" not in result.output


def test_report_of_5000_findings_is_small_paged_and_filterable(tmp_path):
    import time

    import browser

    profile = Profile.load()
    base = profile.finding("data.invalid_value", table="results", file="results.csv", column="score",
                           evidence={"value": "105", "problem": "score out of 0–100", "problem_zh": "分数超出 0–100"})
    rules = ("data.invalid_value", "data.missing_value", "data.duplicate_row", "video.black", "staff.too_few")
    severities = ("critical", "high", "medium", "low", "info")
    findings = [replace(base, rule=rules[i % 5], severity=severities[i % 5], row=i + 2,
                        session_id=f"S{i % 40:03d}") for i in range(5000)]
    audit = ArchiveAudit(path=str(tmp_path / "none"), centre_id="BIG", findings=findings)
    write_reports(audit, tmp_path, ("html",))
    page = tmp_path / "report.html"
    size = page.stat().st_size
    print(f"\n5000 findings: report.html {size / 1e6:.2f} MB")
    assert size < 10_000_000
    began = time.perf_counter()
    loaded = browser.load(page, fragment="severity=high&session=S001", screenshot=ARTIFACTS / "report_5000.png")
    print(f"headless Chromium load + filter + dump: {time.perf_counter() - began:.1f} s")
    rows = rows_drawn(loaded.dom)
    expected = sum(1 for f in findings if f.severity == "high" and f.session_id == "S001")
    assert rows == min(100, expected) and "sev-high" in loaded.dom and "sev-low\"" not in loaded.dom
    everything = browser.load(page)
    assert rows_drawn(everything.dom) == 100 and "5000" in everything.dom


def test_timeline_is_stored_and_drawn(rich):
    from exam_audit.report.timeline_svg import session_svg

    audit: ArchiveAudit = rich["audit"]
    loaded = Store(f"sqlite:///{rich['db']}").load(rich["audit_id"])
    assert loaded.timeline == json.loads(json.dumps(audit.timeline))
    session = loaded.timeline["sessions"][0]
    assert session["id"] == SESSION and session["planned"] and session["actual"]
    assert loaded.timeline["recordings"][0]["file"] == RECORDING
    assert [c["camera"] for c in session["cameras"]] == ["CH01"]  # the schedule's cameras, stored
    svg = session_svg(session, [(0, f) for f in audit.findings if f.session_id == SESSION], "en")
    assert "CH01 recorded" in svg and "CH01 not recorded" in svg and "Invigilator present" in svg
    assert svg.count('class="tl-mark"') == sum(1 for f in audit.findings if f.session_id == SESSION and f.start)


def test_new_commands_have_help(cli):
    for command in ("report", "evidence", "verify"):
        result = cli(command, "--help")
        assert result.exit_code == 0 and len(result.output) > 100


@requires_ffmpeg
def test_snapshots_of_real_footage_show_the_labelled_moment(media_dir, media_labels, tmp_path):
    """On the hand-labelled room clip, snapshots of the empty stretches show the empty room and those of the
    visits show someone: the times reach the right frames of a real H.264 file, not just of a test pattern."""
    name = "intel_one-by-one-person-detection.mp4"
    labels = media_labels[name]
    archive = tmp_path / "archive"
    (archive / "recordings").mkdir(parents=True)
    (archive / "recordings" / name).symlink_to(media_dir / name)
    profile = Profile.load()
    present = labels["present"]
    absent = [(a[1], b[0]) for a, b in itertools.pairwise(present) if b[0] - a[1] >= 3]
    findings = [profile.finding("invigilation.absent", file=f"recordings/{name}",
                                evidence={"media_start_s": a + 0.5, "media_end_s": b - 0.5}) for a, b in absent]
    findings += [profile.finding("video.frozen", file=f"recordings/{name}",
                                 evidence={"media_start_s": a + 2, "media_end_s": b - 2}) for a, b in present]
    audit = ArchiveAudit(path=str(archive), findings=findings)
    write_reports(audit, tmp_path / "out", ("html",))
    data = _report_data(tmp_path / "out" / "report.html")
    from exam_audit.video.media.cuts import snapshot

    empty = cv2.imread(str(snapshot(media_dir / name, 3.0, tmp_path / "empty.jpg")), cv2.IMREAD_GRAYSCALE)

    def change(path: str) -> float:  # the strongest 1% of pixel changes against the empty room
        frame = cv2.imread(str(tmp_path / "out" / path), cv2.IMREAD_GRAYSCALE)
        return float(np.percentile(cv2.absdiff(frame, empty), 99))

    for f in data["findings"]:
        assert len(f["snaps"]) == 3 and not f["problem"]
        changes = [change(s["path"]) for s in f["snaps"]]
        if f["rule"] == "invigilation.absent":
            assert max(changes) < 30, (f["media"], changes)
        else:
            assert min(changes) > 60, (f["media"], changes)


def test_a_camera_finding_without_session_is_marked_on_the_session_it_falls_in(rich):
    from exam_audit.report.html_report import _findings_by_session

    audit: ArchiveAudit = rich["audit"]
    start = datetime.fromisoformat(audit.timeline["sessions"][0]["actual"][0]) + timedelta(minutes=5)
    loose = Profile.load().finding("video.frozen", camera="CH01", start=start, end=start + timedelta(minutes=1),
                                   evidence={"detail": "", "detail_zh": ""})
    later = replace(loose, start=start + timedelta(days=30), end=None)
    marked = _findings_by_session(replace(audit, findings=[loose, later]))
    assert marked == {SESSION: [(0, loose)]}


@requires_ffmpeg
def test_snapshots_past_the_embedding_budget_load_from_beside_the_report(rich, tmp_path, monkeypatch):
    import browser
    from exam_audit.report import html_report

    monkeypatch.setattr(html_report, "IMAGE_BUDGET", 0)
    write_reports(rich["audit"], tmp_path, ("html",), options=ReportOptions(archive_root=rich["archive"]))
    loaded = browser.load(tmp_path / "report.html", fragment="rule=video.black")
    assert 'src="snapshots/' in loaded.dom and "data:image/jpeg" not in loaded.dom
    assert loaded.console == [] and loaded.page_requests == []


def test_each_finding_lists_the_rows_it_rests_on_and_its_other_evidence(rich, tmp_path):
    write_reports(rich["audit"], tmp_path, ("html",), options=ReportOptions(lang="en"))
    data = {f["rule"]: f for f in _report_data(tmp_path / "report.html")["findings"]}
    assert data["plan.deviation"]["rows"] == ["sessions.csv line 2, column start", "plan.csv line 2"]
    assert data["roster.result_without_attendance"]["rows"] == ["results.csv line 5", "events.csv line 9"]
    assert ["pair", '["A", "B"]'] in data["stats.answer_similarity"]["evidence"]
    assert data["video.black"]["media"] == "4.0 – 8.0 s" and ["mean_luma", "3.1"] in data["video.black"]["evidence"]
    assert data["plan.deviation"]["other"].startswith("场次 S20260526-01")  # the Chinese message beside the English


def test_5000_video_findings_with_snapshots_stay_under_10_mb(tmp_path):
    from exam_audit.report.html_report import render_html
    from exam_audit.report.media import FindingMedia

    base = Profile.load().finding("video.black", file=RECORDING, camera="CH01", session_id=SESSION,
                                  evidence={"media_start_s": 0.0, "media_end_s": 40.0, "detail": "40 s"})
    findings, media = [], {}
    (tmp_path / "snapshots").mkdir()
    for i in range(5000):
        findings.append(replace(base, evidence={**base.evidence, "media_start_s": float(i)}))
        snaps = []
        for at in ("start", "middle", "end"):
            path = f"snapshots/{i:05d}_{at}.jpg"
            (tmp_path / path).write_bytes(bytes(9000))  # the size of a 320-pixel JPEG snapshot
            snaps.append({"at": at, "media_s": float(i), "path": path})
        media[i] = FindingMedia(snapshots=snaps)
    html = render_html(ArchiveAudit(path=str(tmp_path), findings=findings), media, "zh", tmp_path)
    assert len(html.encode("utf-8")) < 10_000_000
    assert 0 < html.count("data:image/jpeg;base64,") < 15000  # the first ones embedded, the rest beside


def test_a_store_from_before_timelines_gains_the_column(make_fixture, tmp_path):
    import sqlite3

    db = tmp_path / "old.db"
    Store(f"sqlite:///{db}")
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE audits DROP COLUMN timeline")
    audit = audit_archive(make_fixture(), AuditOptions())
    store = Store(f"sqlite:///{db}")
    assert store.load(store.save(audit)).timeline == audit.timeline
