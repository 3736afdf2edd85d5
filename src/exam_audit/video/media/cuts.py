"""Evidence cut from a recording: JPEG snapshots at given media times, and short clips.

Media time is seconds from the file's first packet, as findings give it. ffmpeg's input ``-ss`` seeks from the
start of the file to the keyframe before the time and decodes forward, so a snapshot is the frame at that
moment, not the nearest keyframe. Clips are stream-copied (no re-encoding, the original pixels) when a keyframe
lies close enough before the wanted start; otherwise they are re-encoded from the exact moment.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from ...errors import ExamAuditError
from .tools import tool

SNAPSHOT_WIDTH = 320  # pixels: enough to see a covered lens or an empty chair, small enough to embed by thousands
SNAPSHOT_QUALITY = 6  # ffmpeg -q:v for JPEG, 2 (best) … 31
KEYFRAME_SLACK_S = 5.0  # a stream-copied clip may start this much before the wanted moment


class CutError(ExamAuditError):
    """ffmpeg could not cut the evidence from a recording."""


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, encoding="utf-8", errors="replace", check=False)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def media_duration(path: Path) -> float | None:
    """The container's duration in seconds (cheap: no packet scan), or None when it does not say."""
    out = _run([tool("ffprobe"), "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)])
    try:
        return float(out.stdout.strip())
    except ValueError:
        return None


def snapshot(path: Path, at_s: float, out: Path, width: int = SNAPSHOT_WIDTH) -> Path:
    """Write the frame shown at media time ``at_s`` of ``path`` to ``out`` as a small JPEG."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for when in (at_s, at_s - 1.0, at_s - 2.5):  # a time at the very end may lie past the last frame
        result = _run([tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-ss", f"{max(0.0, when):.3f}",
                       "-i", str(path), "-frames:v", "1", "-vf", f"scale={width}:-2",
                       "-q:v", str(SNAPSHOT_QUALITY), str(out)])
        if result.returncode == 0 and out.is_file() and out.stat().st_size:
            return out
    raise CutError(f"{path.name}: no frame at {at_s:.1f} s ({_last_line(result.stderr)})",
                   "check that the recording plays up to that moment")


def _first_pts(path: Path) -> float:
    out = _run([tool("ffprobe"), "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
                "-show_entries", "packet=pts_time", "-of", "csv=p=0", str(path)])
    try:
        return float(out.stdout.split()[0].strip(","))
    except (ValueError, IndexError):
        return 0.0


def keyframe_before(path: Path, at_s: float, slack_s: float = KEYFRAME_SLACK_S) -> float | None:
    """Media time of the last keyframe in [at_s - slack_s, at_s], or None when there is none."""
    first = _first_pts(path)
    lo = first + max(0.0, at_s - slack_s)
    out = _run([tool("ffprobe"), "-v", "error", "-select_streams", "v:0",
                "-read_intervals", f"{lo:.3f}%{first + at_s + 0.001:.3f}",
                "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", str(path)])
    best = None
    for line in out.stdout.splitlines():
        value, _, flags = line.partition(",")
        try:
            t = float(value) - first
        except ValueError:
            continue
        if flags.startswith("K") and at_s - slack_s - 1e-6 <= t <= at_s + 1e-6:
            best = t if best is None else max(best, t)
    return best


@dataclass(frozen=True)
class Clip:
    path: Path
    start_s: float  # media time of the clip's first frame in the original
    duration_s: float
    copied: bool  # True: the original's packets, not re-encoded


def cut_clip(path: Path, start_s: float, end_s: float, out_stem: Path) -> Clip:
    """Cut media time [start_s, end_s] of ``path`` to ``out_stem``.mp4 (or .mkv when MP4 cannot hold the codec)."""
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    start_s = max(0.0, start_s)
    key = keyframe_before(path, start_s)
    if key is not None:
        duration = end_s - key
        for suffix in (".mp4", ".mkv"):
            out = out_stem.with_suffix(suffix)
            result = _run([tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-ss", f"{key:.3f}", "-i", str(path),
                           "-t", f"{duration:.3f}", "-map", "0:v:0", "-map", "0:a?", "-c", "copy",
                           "-avoid_negative_ts", "make_zero", str(out)])
            if result.returncode == 0 and out.is_file() and out.stat().st_size:
                return Clip(out, key, duration, copied=True)
            out.unlink(missing_ok=True)
    out = out_stem.with_suffix(".mp4")
    duration = end_s - start_s
    result = _run([tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-ss", f"{start_s:.3f}", "-i", str(path),
                   "-t", f"{duration:.3f}", "-map", "0:v:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                   "-pix_fmt", "yuv420p", "-an", str(out)])
    if result.returncode != 0 or not out.is_file():
        out.unlink(missing_ok=True)
        raise CutError(f"{path.name}: cannot cut {start_s:.1f}–{end_s:.1f} s ({_last_line(result.stderr)})",
                       "check that the recording plays over that span")
    return Clip(out, start_s, duration, copied=False)
