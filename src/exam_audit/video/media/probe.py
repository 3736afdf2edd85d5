"""Probing a recording: container and stream metadata, and one demux-only pass over packet timestamps.

Never decodes. Every time comes from packet timestamps (never frame index ÷ frame rate). One ffprobe
process per file prints the metadata and every video packet in ffprobe's compact text format: measured
against two processes (metadata as JSON, then packets) and against JSON packets, one compact call is the
fastest (benchmarks/probe_speed.py).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

from .tools import tool

# Bump when what probe() measures changes: cached probes of an older version are measured again.
PROBE_VERSION = 6

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
            "stream=codec_name,width,height,r_frame_rate,avg_frame_rate:stream_tags=creation_time:"
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
    # "packets": times from packet timestamps; "frame rate": the file has none (a raw .h264/.h265
    # elementary stream), so times are packet index / frame rate, and ``warning`` says so
    timing: str = "packets"
    warning: str | None = None
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


def _number(text: str | None) -> float | None:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # None, "", "N/A"
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
    return parse_compact(str(path), run.stdout.decode("utf-8", "replace"), stderr)


def _reason(stderr: list[str], path: Path) -> str:
    """ffprobe's distinct error lines, without the path it prefixes them with."""
    lines = dict.fromkeys(_CONTEXT.sub("", line.replace(f"{path}: ", "")).strip() for line in stderr if line.strip())
    return "; ".join(lines)[:300] or "unreadable"


# The packet fields come in the order -show_entries names them. One regular expression over the whole
# output is several times faster than splitting 15,000 lines field by field (measured).
_PACKET = re.compile(r"^packet\|pts_time=([^|\n]*)\|dts_time=([^|\n]*)\|duration_time=([^|\n]*)\|flags=(.)", re.M)
_SECTION = re.compile(r"^(stream|format)\|(.*)$", re.M)


def parse_compact(path: str, text: str, stderr: list[str] | None = None) -> MediaProbe:
    """A MediaProbe from ffprobe's compact output (packet, stream and format sections)."""
    sections: dict[str, dict[str, str]] = {}
    for name, rest in _SECTION.findall(text):
        sections[name] = dict(kv.partition("=")[::2] for kv in rest.split("|"))
    stream, fmt = sections.get("stream"), sections.get("format", {})
    if stream is None:
        return MediaProbe(path, ok=False, error="no video stream", container=fmt.get("format_name"))
    created = fmt.get("tag:creation_time") or stream.get("tag:creation_time")
    meta = dict(path=path, container=fmt.get("format_name"), codec=stream.get("codec_name"),
                width=_int(stream.get("width")), height=_int(stream.get("height")),
                nominal_fps=_rate(stream.get("r_frame_rate")), creation_time=_parse_time(created))
    packets = [(_number(pts), _number(dts), dur, flag == "K") for pts, dts, dur, flag in _PACKET.findall(text)]
    if packets and all(pts is None and dts is None for pts, dts, _, _ in packets):
        return _without_timestamps(packets, meta)
    if all(dts is not None for _, dts, _, _ in packets):
        # decode timestamps carry the order: B-frames reorder presentation timestamps
        timed = [(dts, pts, dur, key) for pts, dts, dur, key in packets]
    else:
        # some containers (Matroska) leave decode timestamps out: presentation order, where only a
        # repeated timestamp can show (a backwards one is indistinguishable from reordering)
        timed = sorted((pts, pts, dur, key) for pts, _, dur, key in packets if pts is not None)
    if not timed:
        return MediaProbe(ok=False, error="no video packets (truncated or empty file)", **meta)
    # The frame count is the packets read, never the header's: an AVI header counts in other units (a
    # stream copy of H.264 says 80 for 40 frames, XviD one more than it holds). A file that ends early
    # shows as ffprobe's own end-of-data messages.
    ended = _ended_early(stderr or [], Path(path))
    error = f"truncated: {len(packets)} video packets readable ({ended})" if ended else None
    return MediaProbe(ok=ended is None, error=error, **meta, **_timeline(timed))


# what ffprobe says when the data ends before the container says it should
_EARLY_END = ("partial file", "truncat", "unexpected end", "end of file", "invalid nal unit size")


def _ended_early(stderr: list[str], path: Path) -> str | None:
    early = [line for line in stderr if any(signal in line.lower() for signal in _EARLY_END)]
    return _reason(early, path) if early else None


def _without_timestamps(packets: list[tuple[Any, Any, str, bool]], meta: dict[str, Any]) -> MediaProbe:
    """A raw elementary stream: no timestamps at all. Its times can only be packet index / frame rate
    (the packets' stated duration, else the nominal rate); said so in ``warning``."""
    step = _number(packets[0][2]) or (1 / meta["nominal_fps"] if meta.get("nominal_fps") else None)
    if not step:
        return MediaProbe(ok=False, error="no timestamps and no frame rate (raw stream)", **meta)
    timed = [(i * step, i * step, str(step), key) for i, (_, _, _, key) in enumerate(packets)]
    warning = (f"raw stream without timestamps: times are frame index / frame rate ({1 / step:g} fps), "
               "so pauses and dropped frames cannot be seen")
    return MediaProbe(ok=True, timing="frame rate", warning=warning, **meta, **_timeline(timed))


def _timeline(packets: list[tuple[float, Any, str, bool]]) -> dict[str, Any]:
    """Duration, frame rates, GOP and discontinuities from (time, pts, duration, key) in decode order.

    The duration is the sum of the packets' durations, i.e. last decode time - first decode time + the
    last packet's duration: on variable-frame-rate footage it stays right where the presentation span
    shifts with the reorder delay.
    """
    times = [p[0] for p in packets]
    steps = [b - a for a, b in pairwise(times)]
    forward = [s for s in steps if s > 0]
    usual = median(forward) if forward else 0.0
    floor = max(JUMP_FLOOR_S, JUMP_FLOOR_STEPS * usual)
    start = min(p[1] if p[1] is not None else p[0] for p in packets)
    breaks: list[Discontinuity] = []
    regular: list[float] = []
    first = times[0]
    for i, step in enumerate(steps):
        if 0 < step <= usual + floor:
            regular.append(step)
            continue
        at, resume = round(times[i] - first, 6), round(times[i + 1] - first, 6)
        if step <= 0:
            breaks.append(Discontinuity(at, "repeat" if step == 0 else "backwards", round(step, 6), resume))
        else:
            breaks.append(Discontinuity(at, "jump", round(step - usual, 6), resume))
    stated = _number(packets[-1][2])
    # the last packet's own duration, unless it is in other units than the steps (an AVI stream copy
    # states half a frame): then the usual step
    last = stated if stated and (not usual or abs(stated - usual) <= 0.25 * usual) else usual
    duration = max(times) - first + last
    recorded = duration - sum(d.delta_s for d in breaks if d.kind == "jump")  # the frame rate ignores pauses
    low, high = usual * (1 - VFR_RELATIVE), usual * (1 + VFR_RELATIVE)
    odd = sum(1 for s in regular if not low <= s <= high)
    keys = [p[0] for p in packets if p[3]]
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
