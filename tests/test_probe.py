"""Probing: packet timestamps, discontinuities, frame-rate changes, unreadable files, the real VFR clip."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import requires_ffmpeg
from exam_audit.video.media import measure as measure_module
from exam_audit.video.media.measure import measure
from exam_audit.video.media.probe import PROBE_VERSION, MediaProbe, parse_compact, probe

STREAM = "stream|codec_name=h264|width=160|height=90|r_frame_rate=1/1|avg_frame_rate=1/1|nb_frames={n}"
FORMAT = "format|format_name=mov,mp4|duration=10|tag:creation_time=2026-05-26T00:28:00.000000Z"


def compact(times: list[float], step: float = 1.0, nb_frames: int | None = None, gop: int = 2) -> str:
    lines = [f"packet|pts_time={t:.6f}|dts_time={t:.6f}|duration_time={step:.6f}|flags={'K' if i % gop == 0 else '_'}_"
             for i, t in enumerate(times)]
    return "\n".join([*lines, STREAM.format(n=nb_frames if nb_frames is not None else len(times)), FORMAT])


def test_continuous_packets_give_duration_gop_and_no_discontinuity():
    p = parse_compact("x.mp4", compact([float(i) for i in range(10)]))
    assert p.ok and p.duration_s == 10.0 and p.frames == 10 and p.keyframe_interval_s == 2.0
    assert not p.vfr and p.discontinuities == () and p.mean_fps == pytest.approx(1.0)
    assert p.creation_time is not None and p.creation_time.utcoffset().total_seconds() == 0


def test_forward_jump_is_a_discontinuity_with_the_time_skipped():
    times = [0.0, 1.0, 2.0, 303.0, 304.0]
    p = parse_compact("x.mp4", compact(times))
    (d,) = p.discontinuities
    assert (d.kind, d.at_s, d.resume_s, d.delta_s) == ("jump", 2.0, 303.0, 300.0)
    assert p.duration_s == 305.0  # the file's span: the pause is inside it, not cut out


def test_repeated_and_backwards_timestamps_are_discontinuities():
    p = parse_compact("x.mp4", compact([0.0, 1.0, 1.0, 2.0, 1.5, 2.5]))
    assert [d.kind for d in p.discontinuities] == ["repeat", "backwards"]


def test_frame_rate_change_is_not_a_gap():
    times = [i * 0.04 for i in range(100)] + [4.0 + i * 0.08 for i in range(100)]
    p = parse_compact("x.mp4", compact(times, step=0.04))
    assert p.discontinuities == () and p.vfr
    assert (p.min_fps, p.max_fps) == (12.5, 25.0)


def test_no_video_stream_and_no_packets_and_truncation_are_unreadable():
    no_stream = parse_compact("a.m4a", FORMAT)
    assert not no_stream.ok and no_stream.error == "no video stream"
    no_packets = parse_compact("x.mp4", STREAM.format(n=0) + "\n" + FORMAT)
    assert not no_packets.ok and "no video packets" in (no_packets.error or "")
    stderr = ["[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d6] stream 0, offset 0x1234: partial file"]
    truncated = parse_compact("x.mp4", compact([0.0, 1.0, 2.0]), stderr)
    assert not truncated.ok and truncated.error == "truncated: 3 video packets readable (stream 0, offset 0x1234: " \
        "partial file)" and truncated.duration_s == 3.0
    # the header's frame count is never compared with the packets (an AVI header counts in other units)
    assert parse_compact("x.avi", compact([0.0, 1.0, 2.0], nb_frames=6)).ok


def test_probe_round_trips_through_a_dict():
    p = parse_compact("x.mp4", compact([0.0, 1.0, 2.0, 303.0]))
    assert MediaProbe.from_dict(p.to_dict()) == p


def test_real_vfr_clip_times_come_from_packets(media_dir: Path, media_labels: dict):
    label = media_labels["dvrscan_traffic_camera_vfr.mp4"]
    p = probe(media_dir / "dvrscan_traffic_camera_vfr.mp4")
    assert p.ok and p.frames == label["frames"]
    assert p.duration_s == pytest.approx(label["duration_s"], abs=0.05)
    # frame count ÷ nominal fps would be more than 5.7 s short
    assert p.duration_s - p.frames / p.nominal_fps > 5.7
    assert p.vfr and p.discontinuities == ()


def test_real_clips_are_continuous(media_dir: Path):
    for name in ("intel_one-by-one-person-detection.mp4", "dvrscan_issue53_brightness_change_osd.avi"):
        p = probe(media_dir / name)
        assert p.ok and p.discontinuities == () and not p.vfr, name


@requires_ffmpeg
def test_real_file_broken_files_and_non_video(tmp_path: Path):
    good = tmp_path / "CH01_20260526082800_20260526082810.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=5", "-t", "10",
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", str(good)], check=True)
    p = probe(good)
    assert p.ok and p.duration_s == pytest.approx(10.0) and p.keyframe_interval_s == pytest.approx(2.0)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    broken = probe(cut)
    assert not broken.ok and "moov atom not found" in (broken.error or "")
    indexed = tmp_path / "indexed.mp4"  # the index first (faststart): a cut file still opens
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(good), "-c", "copy", "-movflags", "+faststart", str(indexed)],
                   check=True)
    cut.write_bytes(indexed.read_bytes()[: indexed.stat().st_size // 2])
    partial = probe(cut)
    assert not partial.ok and partial.error.startswith("truncated:") and "partial file" in partial.error
    assert 0 < partial.duration_s < 10
    text = tmp_path / "notes.mp4"
    text.write_text("not a video", encoding="utf-8")
    assert not probe(text).ok
    audio = tmp_path / "sound.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", str(audio)], check=True)
    assert probe(audio).error == "no video stream"


class MemoryCache:
    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}

    def cached_probes(self, digests: list[str], version: int) -> dict[str, dict]:
        return {d: self.rows[d] for d in digests if d in self.rows and version == PROBE_VERSION}


def test_measure_probes_each_content_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    a.write_bytes(b"same bytes")
    b.write_bytes(b"same bytes")
    calls: list[Path] = []

    def fake_probe(path: Path) -> MediaProbe:
        calls.append(path)
        return parse_compact(str(path), compact([0.0, 1.0]))

    monkeypatch.setattr(measure_module, "probe", fake_probe)
    cache = MemoryCache()
    first = measure([a], cache=cache)
    assert not first[0].cached  # measured: the audit's result carries it to the store, which saves it
    cache.rows.update({m.sha256: m.probe.to_dict() for m in first if m.probe})
    second = measure([a, b], cache=cache)
    assert calls == [a]  # b has a's sha256: its probe comes from the cache
    assert second[1].cached and second[1].probe.path == str(b) and first[0].sha256 == second[1].sha256


def test_without_ffprobe_recordings_are_hashed_and_video_rules_not_run(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    from exam_audit.audit import audit_archive
    from exam_audit.errors import ToolMissingError
    from exam_audit.results import AuditOptions
    from exam_audit.video import stage

    def missing(name: str) -> str:
        raise ToolMissingError(f"{name} was not found", "install ffmpeg")

    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "CH01_20260526082800_20260526092800.mp4").write_bytes(b"bytes")
    monkeypatch.setattr(stage, "tool", missing)
    result = audit_archive(tmp_path, AuditOptions())
    assert all(len(f.sha256) == 64 for f in result.files)
    status = {c.rule: c for c in result.checks}
    assert status["video.unreadable"].status == "not_run" and "ffprobe" in status["video.unreadable"].reason
    assert not [f for f in result.findings if f.rule.startswith("video.")]


def test_packets_without_decode_timestamps_are_taken_in_presentation_order():
    # Matroska with B-frames: the first packets carry no dts; reordered pts are not a discontinuity
    lines = [f"packet|pts_time={t:.6f}|dts_time={'N/A' if i < 2 else f'{i * 0.1 - 0.2:.6f}'}|duration_time=0.100000"
             f"|flags={'K' if i == 0 else '_'}_" for i, t in enumerate([0.0, 0.3, 0.1, 0.2, 0.4, 0.5])]
    p = parse_compact("x.mkv", "\n".join([*lines, STREAM.format(n=6), FORMAT]))
    assert p.ok and p.discontinuities == () and p.duration_s == pytest.approx(0.6) and not p.vfr


@requires_ffmpeg
@pytest.mark.parametrize("container", ["mkv", "ts"])
def test_b_frames_in_every_container_are_continuous(tmp_path: Path, container: str):
    path = tmp_path / f"b.{container}"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10", "-t", "10",
                    "-c:v", "libx264", "-preset", "fast", "-bf", "3", str(path)], check=True)
    p = probe(path)
    assert p.ok and p.discontinuities == () and not p.vfr
    assert p.duration_s == pytest.approx(10.0, abs=0.01)
