"""The frame sampler: one decode pass per file, shared by every content analyser.

Frames come at ``rate_hz`` samples a second, downscaled in ffmpeg to ``width`` pixels wide (BGR), each with
its media time in seconds from the file's first packet timestamp.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .probe import MediaProbe
from .tools import tool


@dataclass(frozen=True)
class Sample:
    t: float  # media seconds from the start of the file
    frame: np.ndarray  # BGR uint8, H x W x 3


def sample_frames(path: Path, probe: MediaProbe, *, rate_hz: float = 1.0, width: int = 320,
                  keyframes_only: bool = False) -> Iterator[Sample]:
    """Decode ``path`` once and yield samples at ``rate_hz`` on the media-time grid. ``keyframes_only``
    decodes keyframes alone (several times faster): right when keyframes are at least as frequent as
    samples, each sample then shows the latest keyframe."""
    if not probe.ok or not probe.width or not probe.height:
        return
    out_w = min(width, probe.width) // 2 * 2
    out_h = max(2, round(probe.height * out_w / probe.width / 2) * 2)
    cmd = [tool("ffmpeg"), "-v", "error", "-nostdin", *(["-skip_frame", "nokey"] if keyframes_only else []),
           "-i", str(path), "-map", "0:v:0",
           "-vf", f"fps={rate_hz},scale={out_w}:{out_h}", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]
    size = out_w * out_h * 3
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        index = 0
        while True:
            buf = proc.stdout.read(size)
            if len(buf) < size:
                break
            yield Sample(index / rate_hz, np.frombuffer(buf, np.uint8).reshape(out_h, out_w, 3))
            index += 1
