"""Probing a recording: container and stream metadata, and one demux-only pass over packet timestamps.

Never decodes. Every time comes from packet timestamps (never frame index ÷ frame rate). One ffprobe
process per file prints the metadata and every video packet in ffprobe's compact text format: measured
against two processes (metadata as JSON, then packets) and against JSON packets, one compact call is the
fastest (benchmarks/probe_speed.py).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

from .tools import tool

# Bump when what probe() measures changes: cached probes of an older version are measured again.
PROBE_VERSION = 3

# A forward step is recorded as a discontinuity when the time it skips (step minus the usual frame step)
# exceeds both of these; the profile's tolerance then decides what is reported. Frame-rate changes and a
# dropped frame or two stay far below.
JUMP_FLOOR_S = 0.5
JUMP_FLOOR_STEPS = 2.0

# Steps further than this from the usual frame step mark a variable frame rate (timebase rounding is less).
VFR_RELATIVE = 0.1
VFR_SHARE = 0.01  # ... when more than this share of steps are such

_CONTEXT = re.compile(r"^\[[^\]]* @ 0x[0-9a-f]+\]\s*")  # "[mov,mp4,... @ 0x55d6...] " before a message

_ENTRIES = ("format=format_name,duration:format_tags=creation_time:"
            "stream=codec_name,width,height,r_frame_rate,avg_frame_rate,nb_frames:stream_tags=creation_time:"
            "packet=pts_time,dts_time,duration_time,flags")


@dataclass(frozen=True)
class Discontinuity:
    """A break in a file's packet timestamps: ``kind`` is "jump" (time skipped forward), "repeat" or
    "backwards"; ``at_s`` is the media time before the break (seconds from the first packet); for a jump
    ``delta_s`` is the time skipped beyond the usual frame step, otherwise the step itself (≤ 0);
    ``resume_s`` is the media time of the first packet after the break."""

    at_s: float
    kind: str
    delta_s: float
    resume_s: float


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
    min_fps: float | None = None  # the slowest and fastest frame rates held between two packets
    max_fps: float | None = None
    start_s: float | None = None  # first packet's presentation time, as the container states it
    duration_s: float | None = None
    frames: int = 0
    keyframes: int = 0
    keyframe_interval_s: float | None = None  # the usual (median) GOP length
    max_keyframe_interval_s: float | None = None
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


@dataclass
class _Packet:
    pts: float | None
    dts: float | None
    duration: float | None
    key: bool


def _rate(text: str | None) -> float | None:
    if not text or text in ("0/0", "N/A"):
        return None
    num, _, den = text.partition("/")
    try:
        value = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return value or None


def _number(text: str | None) -> float | None:
    if not text or text == "N/A":
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _int(text: str | None) -> int | None:
    value = _number(text)
    return int(value) if value is not None else None


def probe(path: Path) -> MediaProbe:
    """Probe ``path``. A file that cannot be read gives ``ok=False`` with the reason, never an exception."""
    try:
        run = subprocess.run(
            [tool("ffprobe"), "-v", "error", "-select_streams", "v:0", "-show_entries", _ENTRIES,
             "-of", "compact", str(path)],
            capture_output=True, check=False)
    except OSError as exc:
        return MediaProbe(str(path), ok=False, error=f"ffprobe could not be run: {exc.strerror}")
    stderr = run.stderr.decode("utf-8", "replace").strip().splitlines()
    if run.returncode != 0:
        return MediaProbe(str(path), ok=False, error=_reason(stderr, path))
    return parse_compact(str(path), run.stdout.decode("utf-8", "replace").splitlines(), stderr)


def _reason(stderr: list[str], path: Path) -> str:
    """ffprobe's distinct error lines, without the path it prefixes them with."""
    lines = dict.fromkeys(_CONTEXT.sub("", line.replace(f"{path}: ", "")).strip() for line in stderr if line.strip())
    return "; ".join(lines)[:300] or "unreadable"


def parse_compact(path: str, lines: Iterable[str], stderr: list[str] | None = None) -> MediaProbe:
    """A MediaProbe from ffprobe's compact output (packet, stream and format sections)."""
    packets: list[_Packet] = []
    stream: dict[str, str] | None = None
    fmt: dict[str, str] = {}
    for line in lines:
        section, _, rest = line.partition("|")
        if section == "packet":
            # the order of packet fields is fixed by -show_entries: pts_time, dts_time, duration_time, flags
            values = [kv.partition("=")[2] for kv in rest.split("|")]
            if len(values) >= 4:
                packets.append(_Packet(_number(values[0]), _number(values[1]), _number(values[2]),
                                       values[3].startswith("K")))
        elif section == "stream":
            stream = dict(kv.partition("=")[::2] for kv in rest.split("|"))
        elif section == "format":
            fmt = dict(kv.partition("=")[::2] for kv in rest.split("|"))
    if stream is None:
        return MediaProbe(path, ok=False, error="no video stream", container=fmt.get("format_name"))
    created = fmt.get("tag:creation_time") or stream.get("tag:creation_time")
    meta = dict(path=path, container=fmt.get("format_name"), codec=stream.get("codec_name"),
                width=_int(stream.get("width")), height=_int(stream.get("height")),
                nominal_fps=_rate(stream.get("r_frame_rate")), creation_time=_parse_time(created))
    timed = [p for p in packets if p.pts is not None or p.dts is not None]
    if not timed:
        return MediaProbe(ok=False, error="no video packets (truncated or empty file)", **meta)
    expected = _int(stream.get("nb_frames"))
    truncated = expected is not None and len(packets) < expected
    error = None
    if truncated:
        why = _reason(stderr, Path(path)) if stderr else "end of file"
        error = f"truncated: {len(packets)} of {expected} video packets readable ({why})"
    return MediaProbe(ok=not truncated, error=error, **meta, **_timeline(timed))


def _timeline(packets: list[_Packet]) -> dict[str, Any]:
    """Duration, frame rates, GOP and discontinuities from packets in decode order.

    Decode timestamps carry the order (presentation timestamps are reordered by B-frames); a packet
    without one uses its presentation timestamp. The duration is the sum of the packets' durations, i.e.
    last decode time - first decode time + the last packet's duration: on variable-frame-rate footage it
    stays right where the presentation span shifts with the reorder delay.
    """
    times = [p.dts if p.dts is not None else p.pts for p in packets]
    steps = [b - a for a, b in pairwise(times)]
    forward = [s for s in steps if s > 0]
    usual = median(forward) if forward else 0.0
    floor = max(JUMP_FLOOR_S, JUMP_FLOOR_STEPS * usual)
    start = min(p.pts if p.pts is not None else t for p, t in zip(packets, times, strict=True))
    breaks: list[Discontinuity] = []
    regular: list[float] = []
    for i, step in enumerate(steps):
        at, resume = round(times[i] - times[0], 6), round(times[i + 1] - times[0], 6)
        if step <= 0:
            breaks.append(Discontinuity(at, "repeat" if step == 0 else "backwards", round(step, 6), resume))
        elif step - usual > floor:
            breaks.append(Discontinuity(at, "jump", round(step - usual, 6), resume))
        else:
            regular.append(step)
    last = packets[-1].duration or usual
    duration = max(times) - times[0] + last
    recorded = duration - sum(d.delta_s for d in breaks if d.kind == "jump")  # the frame rate ignores pauses
    odd = sum(1 for s in regular if abs(s - usual) > VFR_RELATIVE * usual)
    keys = [t for p, t in zip(packets, times, strict=True) if p.key]
    gops = [b - a for a, b in pairwise(keys) if b > a]
    return dict(
        start_s=start, duration_s=round(duration, 6), frames=len(packets), keyframes=len(keys),
        mean_fps=len(packets) / recorded if recorded > 0 else None,
        vfr=bool(regular) and odd > VFR_SHARE * len(regular),
        min_fps=round(1 / max(regular), 3) if regular else None,
        max_fps=round(1 / min(regular), 3) if regular else None,
        keyframe_interval_s=median(gops) if gops else None, max_keyframe_interval_s=max(gops) if gops else None,
        discontinuities=tuple(breaks))


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
