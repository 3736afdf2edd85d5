"""Audits on a dask.distributed cluster give the findings of a local run (``--dask local``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TINY_VIDEO_PROFILE, requires_ffmpeg
from exam_audit.audit import audit_archives
from exam_audit.fixtures import FixtureSpec, make_archive
from exam_audit.profile import Profile
from exam_audit.results import AuditOptions
from exam_audit.store import Store

pytest.importorskip("distributed", reason="the dask extra is not installed (pip install 'exam-audit[dask]')")


def _keys(results) -> list[list[tuple]]:
    return [sorted((f.rule, f.file or "", f.row or 0, f.camera or "", f.session_id or "",
                    f.start.isoformat() if f.start else "") for f in r.findings) for r in results]


@requires_ffmpeg
def test_three_archives_on_a_local_cluster_find_what_a_local_run_finds(tmp_path: Path) -> None:
    archives = [tmp_path / "video", tmp_path / "tables1", tmp_path / "tables2"]
    make_archive(archives[0], FixtureSpec(seed=5, defects=("black_stretch", "video_segment_gap"), sessions=2,
                                          candidates_per_session=1, video=True))
    make_archive(archives[1], FixtureSpec(seed=6, defects=("unplanned_session", "underage")))
    make_archive(archives[2], FixtureSpec(seed=7, defects=()))
    profile = Profile.load(TINY_VIDEO_PROFILE)
    options = AuditOptions(profile_path=TINY_VIDEO_PROFILE, workers=1)
    local = audit_archives(archives, options, profile, store=Store(f"sqlite:///{tmp_path / 'local.db'}"))
    messages: list[str] = []
    cluster = audit_archives(archives, options, profile, store=Store(f"sqlite:///{tmp_path / 'dask.db'}"),
                             dask="local", progress=messages.append)
    assert not [r.error for r in local + cluster if r.error]
    assert _keys(cluster) == _keys(local)
    assert any(f.rule == "video.black" for f in cluster[0].findings)
    assert all(r.audit_id for r in cluster) and any("audited" in m for m in messages)


def test_the_cli_says_what_to_install_or_where_no_scheduler_answers(tmp_path: Path, cli, make_fixture) -> None:
    result = cli("audit", make_fixture(), "--out", tmp_path / "out", "--dask", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and "no dask scheduler answers" in result.output
    assert "Traceback" not in result.output


def test_findings_json_is_the_same_shape_on_a_cluster(tmp_path: Path, cli, make_fixture) -> None:
    out = tmp_path / "out"
    result = cli("audit", make_fixture(), "--out", out, "--dask", "local", "--fail-on", "none")
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert set(doc) >= {"tool", "archive", "profile", "checks", "findings", "summary"}
