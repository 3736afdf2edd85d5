"""Probing a recording: container and stream metadata, and one demux-only pass over packet timestamps.

Never decodes. Every time comes from packet timestamps (never frame index ÷ frame rate).
"""

from __future__ import annotations

import itertools
import json
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any

from .tools import tool


@dataclass(frozen=True)
class Discontinuity:
    """A break in a file's packet timestamps: ``kind`` is "jump" (time skipped forward), "repeat" or
    "backwards"; ``at_s`` is the media time before the break, ``delta_s`` its size (negative backwards)."""

    at_s: float
    kind: str
    delta_s: float


@dataclass(frozen=True)
class MediaProbe:
    path: str
    ok: bool
    error: str | None = None
    container: str | None = None
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    nominal_fps: float | None = None
    mean_fps: float | None = None
    vfr: bool = False
    start_s: float | None = None
    duration_s: float | None = None
    frames: int = 0
    keyframes: int = 0
    keyframe_interval_s: float | None = None
    creation_time: datetime | None = None
    discontinuities: tuple[Discontinuity, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["creation_time"] = self.creation_time.isoformat() if self.creation_time else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MediaProbe:
        d = dict(d)
        d["creation_time"] = datetime.fromisoformat(d["creation_time"]) if d.get("creation_time") else None
        d["discontinuities"] = tuple(Discontinuity(**x) for x in d.get("discontinuities") or ())
        return cls(**d)


def _rate(text: str | None) -> float | None:
    if not text or text in ("0/0", "N/A"):
        return None
    num, _, den = text.partition("/")
    try:
        value = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return value or None


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, encoding="utf-8", errors="replace", check=False)


def probe(path: Path, gap_tolerance_s: float = 1.0) -> MediaProbe:
    """Probe ``path``. A file that cannot be read gives ``ok=False`` with the reason, never an exception."""
    ffprobe = tool("ffprobe")
    meta = _run([ffprobe, "-v", "error", "-show_entries",
                 "format=format_name,duration:format_tags=creation_time:"
                 "stream=index,codec_type,codec_name,width,height,r_frame_rate,avg_frame_rate:"
                 "stream_tags=creation_time", "-of", "json", str(path)])
    if meta.returncode != 0:
        return MediaProbe(str(path), ok=False, error=(meta.stderr.strip().splitlines() or ["unreadable"])[-1])
    info = json.loads(meta.stdout or "{}")
    video = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), None)
    if video is None:
        return MediaProbe(str(path), ok=False, error="no video stream")
    fmt = info.get("format", {})
    created = (fmt.get("tags") or {}).get("creation_time") or (video.get("tags") or {}).get("creation_time")
    packets = _run([ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags",
                    "-of", "csv=p=0", str(path)])
    pts: list[float] = []
    keys: list[float] = []
    for line in packets.stdout.splitlines():
        value, _, flags = line.partition(",")
        try:
            t = float(value)
        except ValueError:
            continue
        pts.append(t)
        if flags.startswith("K"):
            keys.append(t)
    if not pts:
        return MediaProbe(str(path), ok=False, error="no video packets (truncated or empty file)")
    ordered = sorted(pts)
    steps = [b - a for a, b in itertools.pairwise(ordered) if b > a]
    frame_step = median(steps) if steps else 0.0
    discontinuities = tuple(
        Discontinuity(round(a, 6), "jump", round(b - a, 6))
        for a, b in itertools.pairwise(ordered) if b - a > max(gap_tolerance_s, 10 * frame_step))
    duration = ordered[-1] - ordered[0] + frame_step
    key_steps = [b - a for a, b in itertools.pairwise(keys)]
    return MediaProbe(
        path=str(path), ok=True, container=fmt.get("format_name"), codec=video.get("codec_name"),
        width=video.get("width"), height=video.get("height"), nominal_fps=_rate(video.get("r_frame_rate")),
        mean_fps=len(pts) / duration if duration > 0 else None,
        vfr=bool(steps) and (max(steps) > 1.5 * min(steps)),
        start_s=ordered[0], duration_s=duration, frames=len(pts), keyframes=len(keys),
        keyframe_interval_s=median(key_steps) if key_steps else None,
        creation_time=_parse_time(created), discontinuities=discontinuities)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
