"""Presence end to end on generated archives with real recordings: the audit from the command line, with
the person detector it ships (the fixture's people are drawn for it to see), finds every injected presence
defect and nothing else, counts heads in every theory session, a clean archive gives no presence finding,
and the presence / models commands work on files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import MODELS, requires_ffmpeg
from exam_audit.cli import main
from exam_audit.fixtures import FixtureSpec, compare, make_archive

pytestmark = requires_ffmpeg

RULES = ("invigilation.absent", "invigilation.headcount_low", "practical.no_activity")
DEFECTS = ("invigilator_absent", "candidates_missing", "practical_still")


def _run(*args: Any, env: dict[str, str | None] | None = None) -> Result:
    # nothing installed or configured: what a fresh install does, with the model shipped in the package
    base = {"EXAM_AUDIT_MODEL": None, "EXAM_AUDIT_DATA": "/nonexistent/exam-audit"}
    return CliRunner().invoke(main, [str(a) for a in args], env={**base, **(env or {})}, catch_exceptions=False)


def _audit(folder: Path, out: Path) -> dict[str, Any]:
    result = _run("audit", folder, "--out", out, "--db", out / "store.db")
    assert result.exit_code in (0, 1), result.output
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def defective(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], dict[str, Any]]:
    folder = tmp_path_factory.mktemp("presence-defects")
    truth = make_archive(folder, FixtureSpec(seed=1, sessions=4, candidates_per_session=6, video=True,
                                             defects=DEFECTS))
    return folder, truth, _audit(folder, tmp_path_factory.mktemp("out"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("presence-clean")
    make_archive(folder, FixtureSpec(seed=2, sessions=2, candidates_per_session=6, video=True))
    return _audit(folder, tmp_path_factory.mktemp("out"))


def _mine(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f["rule"] in RULES]


def test_every_presence_defect_is_found_and_nothing_else(defective) -> None:
    _folder, truth, report = defective
    missed, unexpected = compare(_mine(report["findings"]), _mine(truth))
    assert len(_mine(truth)) == 3
    assert missed == [] and unexpected == []


def test_findings_carry_times_media_spans_and_the_detector(defective) -> None:
    _folder, truth, report = defective
    for entry in _mine(truth):
        finding = next(f for f in report["findings"] if f["rule"] == entry["rule"])
        start, end = datetime.fromisoformat(finding["start"]), datetime.fromisoformat(finding["end"])
        # truth times are the centre's local time; the samples are one second apart
        assert abs((start.replace(tzinfo=None) - datetime.fromisoformat(entry["start"])).total_seconds()) <= 60
        assert abs((end.replace(tzinfo=None) - datetime.fromisoformat(entry["end"])).total_seconds()) <= 60
        assert start.utcoffset() is not None
        evidence = finding["evidence"]
        assert "media_start_s" in evidence and "media_end_s" in evidence
        assert ("motion" if entry["rule"] == "practical.no_activity" else "person") in evidence["detector"]
        assert finding["message"] and finding["message_zh"]
    absent = next(f for f in report["findings"] if f["rule"] == "invigilation.absent")
    # the absence crosses a segment boundary: it ends in the next file, with snapshots in both
    assert absent["evidence"]["end_file"] != absent["file"]
    assert "detector_note" not in absent["evidence"]
    assert absent["start"].endswith("+08:00")


def test_headcount_runs_by_default_and_states_its_counts(defective) -> None:
    _folder, _truth, report = defective
    assert {"rule": "invigilation.headcount_low", "status": "run"} in report["checks"]
    low = next(f for f in report["findings"] if f["rule"] == "invigilation.headcount_low")
    evidence = low["evidence"]
    print(f"\nheadcount on the generated archive: {evidence}")
    assert evidence["expected"] == 6 + 2 and evidence["signed_in"] == 6 and evidence["seen"] < 6
    assert sum(evidence["counts"].values()) == evidence["samples"] >= 300  # a count every 20 s for 2 hours
    assert "960x544" in evidence["counting"] and "score ≥ 0.25" in evidence["counting"]


def test_a_clean_archive_gives_no_presence_finding(clean) -> None:
    assert _mine(clean["findings"]) == []
    for rule in RULES:
        assert {"rule": rule, "status": "run"} in clean["checks"]


def test_presence_command_shows_the_absence_in_one_file(defective) -> None:
    folder, truth, _report = defective
    entry = next(t for t in truth if t["rule"] == "invigilation.absent")
    result = _run("presence", folder / entry["file"], "--detector", "motion", "--zone", "0,0;1,0;1,0.45;0,0.45",
                  "--rate", "0.5", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["detector"] == "motion" and report["rate_hz"] == 0.5
    # the invigilator leaves at 09:24, 56 minutes into the file that starts at 08:28, and is gone at its end
    last = report["intervals"][-1]
    assert last["state"] == "absent" and abs(last["start_s"] - 56 * 60) <= 4 and last["end_s"] >= 3598
    # the 3-minute leave at 08:50 is visible here, though too short to be a finding
    assert any(r["state"] == "absent" and abs(r["start_s"] - 22 * 60) <= 4 and 170 <= r["duration_s"] <= 190
               for r in report["intervals"])
    text = _run("presence", folder / entry["file"], "--detector", "motion", "--rate", "0.2")
    assert text.exit_code == 0 and "detector: motion" in text.output and "present" in text.output


def test_presence_command_errors_are_one_line(tmp_path: Path) -> None:
    video = tmp_path / "broken.mp4"
    video.write_bytes(b"\x00" * 2048)
    result = _run("presence", video)
    assert result.exit_code == 2 and "cannot be read as video" in result.output
    assert "Traceback" not in result.output
    bad_zone = _run("presence", video, "--zone", "0,0;2,2;1,0")
    assert bad_zone.exit_code == 2 and "outside 0..1" in bad_zone.output


def test_person_detector_without_a_model_is_a_clear_error(defective, tmp_path: Path) -> None:
    folder, truth, _report = defective
    result = _run("presence", folder / truth[0]["file"], "--detector", "person", "--rate", "0.1",
                  "--model", tmp_path / "gone.onnx")
    assert result.exit_code == 2 and "gone.onnx" in result.output and "Traceback" not in result.output


def test_models_where_shows_the_shipped_model_and_install_takes_another(tmp_path: Path) -> None:
    env = {"EXAM_AUDIT_DATA": str(tmp_path / "data")}
    where = _run("models", "where", env=env).output
    assert "(from shipped, sha256 695e750a" in where
    wrong = tmp_path / "yolox_nano.onnx"
    wrong.write_bytes(b"something else")
    refused = _run("models", "install", wrong, env=env)
    assert refused.exit_code == 2 and "not a loadable ONNX model" in refused.output
    model = MODELS / "yolox_nano.onnx"
    if not model.is_file():
        pytest.skip(f"person detector model not found at {model}")
    installed = _run("models", "install", model, env=env)
    assert installed.exit_code == 0, installed.output
    assert (tmp_path / "data" / "models" / "yolox_nano.onnx").is_file()
    assert "(from installed, sha256" in _run("models", "where", env=env).output


def test_new_commands_have_help() -> None:
    for args in (["presence", "--help"], ["models", "--help"], ["models", "install", "--help"],
                 ["models", "where", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0 and len(result.output) > 80
