"""Containers real recorders write: .dav, MPEG-PS named .mp4, .ts, .mkv, AVI stream copies and XviD AVIs,
raw .h264/.h265. Durations and frame counts come from packets, never from a header."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import TINY_VIDEO_PROFILE
from exam_audit.archive import Archive, ArchiveData, Centre
from exam_audit.profile import Profile
from exam_audit.results import MediaResult
from exam_audit.video.media.probe import probe
from exam_audit.video.timeline import checks
from exam_audit.video.timeline.placement import place

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")

TZ = ZoneInfo("Asia/Shanghai")
SOURCE = ["-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=4"]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def h264(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("containers") / "source.mp4"
    ffmpeg(*SOURCE, "-c:v", "libx264", "-g", "10", "-bf", "2", "-pix_fmt", "yuv420p", str(out))
    return out


def has_muxer(name: str) -> bool:
    listing = subprocess.run(["ffmpeg", "-hide_banner", "-muxers"], capture_output=True, text=True).stdout
    return any(line.split()[1:2] == [name] for line in listing.splitlines() if line.strip())


@pytest.mark.parametrize(("name", "args"), [
    ("copy.avi", ["-c", "copy"]),  # an NVR export re-wrapped: the AVI header counts 80 "frames" for 40
    ("xvid.avi", ["-c:v", "mpeg4", "-vtag", "xvid", "-bf", "2", "-q:v", "5"]),  # complete XviD with B-frames
    ("copy.ts", ["-c", "copy", "-f", "mpegts"]),
    ("copy.mkv", ["-c", "copy"]),
    # Dahua's .dav: this ffmpeg has no dhav muxer, so MPEG-TS content under a Dahua export name
    ("NVR_ch1_main_20230619064223_20230619064227.dav", ["-c", "copy", "-f", "mpegts"]),
    # MPEG-PS under an .mp4 name, as Hikvision recorders write it (ffmpeg cannot mux H.264 into PS with a
    # stream map, so MPEG-2 video here): read by its content, not its suffix
    ("ps.mp4", ["-c:v", "mpeg2video", "-f", "vob"]),
])
def test_container_is_readable_with_duration_and_frames_from_packets(h264: Path, name: str, args: list[str]):
    out = h264.parent / name
    ffmpeg("-i", str(h264), *args, str(out))
    p = probe(out)
    assert p.ok, p.error
    assert p.frames == 40 and p.duration_s == pytest.approx(4.0, abs=0.01)
    assert p.mean_fps == pytest.approx(10.0, rel=0.01) and p.discontinuities == () and p.timing == "packets"


def test_dhav_muxer_when_this_ffmpeg_has_one(h264: Path):
    if not has_muxer("dhav"):
        pytest.skip("this ffmpeg has no dhav muxer: .dav naming is tested with MPEG-TS content")
    out = h264.parent / "real.dav"
    ffmpeg("-i", str(h264), "-c", "copy", "-f", "dhav", str(out))
    assert probe(out).ok


def test_stream_copied_avi_is_not_reported_unreadable(h264: Path):
    out = h264.parent / "CH01_20230619064223_20230619064227.avi"
    ffmpeg("-i", str(h264), "-c", "copy", str(out))
    recording = place(f"recordings/{out.name}", probe(out), (), TZ)
    data = ArchiveData(Archive(Path("/nowhere"), Centre(), {}, [out], []), TZ)
    data.media = MediaResult(recordings=[recording])
    found = list(checks.recording_files(data, Profile.load(TINY_VIDEO_PROFILE)))
    assert [f.rule for f in found] == []


def test_a_truly_cut_avi_is_still_truncated(h264: Path):
    good = h264.parent / "whole.avi"
    ffmpeg("-i", str(h264), "-c", "copy", str(good))
    cut = h264.parent / "cut.avi"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    p = probe(cut)
    # what ffprobe says at the cut marks it, and what is left is measured from packets
    assert not p.ok and p.error.startswith("truncated:") and p.frames < 40 and (p.duration_s or 0) < 4.0


@pytest.mark.parametrize(("name", "codec"), [("raw.h264", "libx264"), ("raw.h265", "libx265")])
def test_raw_streams_have_no_timestamps_say_so_and_use_the_frame_rate(h264: Path, name: str, codec: str):
    out = h264.parent / name
    ffmpeg(*SOURCE, "-c:v", codec, "-f", "h264" if name.endswith("h264") else "hevc", str(out))
    p = probe(out)
    assert p.ok and p.timing == "frame rate" and "without timestamps" in (p.warning or "")
    assert p.frames == 40 and p.duration_s == pytest.approx(4.0)
    recording = place(f"recordings/{name}", p, (), TZ)
    data = ArchiveData(Archive(Path("/nowhere"), Centre(), {}, [out], []), TZ)
    data.media = MediaResult(recordings=[recording])
    unknown = [f for f in checks.recording_files(data, Profile.load(TINY_VIDEO_PROFILE))
               if f.rule == "video.time_unknown"]
    assert len(unknown) == 1 and unknown[0].evidence["timing"] == "frame rate"
    assert "frame index / frame rate" in unknown[0].evidence["timing_warning"]
