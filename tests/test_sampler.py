"""The frame sampler: the mode chosen per file from its probe, and sample times from frame timestamps."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import requires_ffmpeg
from exam_audit.profile import Profile
from exam_audit.video.analysis import analyse_recording
from exam_audit.video.media.probe import MediaProbe, probe
from exam_audit.video.media.sampler import SamplingReport, plan_sampling, sample_frames
from exam_audit.video.stage import AUDIT_ANALYSERS


def _probe(**fields) -> MediaProbe:
    base = {"path": "x.mp4", "ok": True, "width": 160, "height": 90, "duration_s": 600.0, "keyframes": 300,
            "keyframe_interval_s": 2.0}
    return MediaProbe(**{**base, **fields})


def test_keyframes_only_when_they_come_often_enough_for_the_rate():
    assert plan_sampling(_probe(), rate_hz=1.0, keyframe_max_s=2.0).mode == "keyframes"
    assert plan_sampling(_probe(keyframe_interval_s=4.0, keyframes=150), 1.0, 2.0).mode == "decode"
    # a regular median hiding a few very long GOPs (a real NVR file: keyframes at 0, 10 and 28 s)
    assert plan_sampling(_probe(keyframe_interval_s=1.0, keyframes=20), 1.0, 2.0).mode == "decode"
    assert plan_sampling(_probe(keyframe_interval_s=None, keyframes=1), 1.0, 2.0).mode == "decode"
    assert "keyframe every 4 s" in plan_sampling(_probe(keyframe_interval_s=4.0, keyframes=150), 1.0, 2.0).reason


def _encode(path: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=5", *args,
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def _packet_times(path: Path) -> list[float]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    return sorted(float(x) for x in out.split())


@requires_ffmpeg
def test_sample_times_come_from_timestamps_not_from_frame_counts(tmp_path):
    # 5 fps for 6 s, then 2.5 fps: index ÷ rate would be wrong after 6 s
    path = _encode(tmp_path / "vfr.mp4", "-t", "12", "-g", "50", "-vf",
                   "setpts='if(lt(N,30),N/5,6+(N-30)/2.5)/TB'", "-fps_mode", "vfr")
    pts = _packet_times(path)
    report = SamplingReport(plan_sampling(probe(path), 1.0))
    samples = list(sample_frames(path, probe(path), rate_hz=1.0, width=80, report=report))
    assert report.plan.mode == "decode" and report.error is None
    assert all(min(abs(s.t - (p - pts[0])) for p in pts) < 1e-3 for s in samples)
    assert samples[-1].t == pytest.approx(pts[-1] - pts[0], abs=1.0)
    assert samples[0].frame.shape == (44, 80, 3)  # aspect kept, even sizes


@requires_ffmpeg
def test_times_start_at_the_first_packet_of_a_stream_that_does_not_start_at_zero(tmp_path):
    path = _encode(tmp_path / "nvr.ts", "-t", "8", "-g", "5")  # MPEG-TS starts at 1.4 s
    result = probe(path)
    assert result.start_s and result.start_s > 1
    samples = list(sample_frames(path, result, rate_hz=1.0, width=160))
    assert [s.t for s in samples] == pytest.approx([float(i) for i in range(8)], abs=0.01)


@requires_ffmpeg
def test_a_truncated_file_gives_what_it_has_and_never_raises(tmp_path):
    path = _encode(tmp_path / "cut.mp4", "-t", "20", "-g", "5", "-movflags", "+frag_keyframe+empty_moov")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    measured = probe(path)
    assert not measured.ok and "truncated" in (measured.error or "")  # the audit reports it as video.unreadable
    # the sampler itself, given such a file anyway, decodes what is there and stops without raising
    result = analyse_recording(path, replace(measured, ok=True), Profile.load(), None, AUDIT_ANALYSERS)
    assert 0 < result.sampling["samples"] < 20
    assert result.black == {"events": []}


@requires_ffmpeg
def test_real_variable_frame_rate_clip_is_timed_from_its_timestamps(media_dir):
    path = media_dir / "dvrscan_traffic_camera_vfr.mp4"
    report = SamplingReport(plan_sampling(probe(path), 1.0))
    samples = list(sample_frames(path, probe(path), rate_hz=1.0, width=160, report=report))
    # 576 frames: index ÷ 25 fps would end at 23 s; the timestamps end at 34.4 s
    assert samples[-1].t == pytest.approx(34.4, abs=1.0)
    assert report.plan.mode == "decode"
