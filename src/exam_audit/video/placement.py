"""Placing a recording in wall-clock time (ARCHIVE_FORMAT.md "How a recording's time is known").

In order of trust: the recordings.csv manifest → the file name → the container's creation_time → unknown.
A recording's end is its start plus its media duration from packet timestamps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import PurePosixPath

from .probe import MediaProbe

# Built-in NVR export names: CH01_20220415083000_20220415093000.mp4, 192.168.1.64_01_20220415083000123.mp4,
# D01_20220415_083000.mp4
DEFAULT_PATTERNS: tuple[str, ...] = (
    r"(?P<camera>CH\d+)_(?P<start>\d{14})_(?P<end>\d{14})",
    r"(?P<camera>\d{1,3}(?:\.\d{1,3}){3}_\d+)_(?P<start>\d{14})\d{0,3}",
    r"(?P<camera>D\d+)_(?P<start>\d{8}_\d{6})",
)


@dataclass(frozen=True)
class NameInfo:
    camera: str | None
    start: datetime | None
    end: datetime | None


def parse_stamp(text: str, tz: tzinfo) -> datetime | None:
    digits = re.sub(r"\D", "", text)
    if len(digits) < 14:
        return None
    try:
        return datetime.strptime(digits[:14], "%Y%m%d%H%M%S").replace(tzinfo=tz)
    except ValueError:
        return None


def parse_name(file: str, patterns: tuple[str, ...], tz: tzinfo) -> NameInfo | None:
    """Camera, start and end from the file name, by the centre's patterns then the built-in ones."""
    stem = PurePosixPath(file).stem
    for pattern in (*patterns, *DEFAULT_PATTERNS):
        m = re.search(pattern, stem)
        if not m:
            continue
        groups = m.groupdict()
        start = parse_stamp(groups["start"], tz) if groups.get("start") else None
        end = parse_stamp(groups["end"], tz) if groups.get("end") else None
        return NameInfo(groups.get("camera"), start, end)
    return None


@dataclass(frozen=True)
class Recording:
    """A probed recording placed in wall-clock time (start is None when nothing says when it was)."""

    file: str  # relative to the archive root
    camera: str | None
    probe: MediaProbe
    start: datetime | None
    start_source: str | None  # "manifest" | "filename" | "creation_time" | None

    @property
    def end(self) -> datetime | None:
        if self.start is None or self.probe.duration_s is None:
            return None
        return self.start + timedelta(seconds=self.probe.duration_s)

    def wall(self, media_s: float) -> datetime | None:
        """Wall-clock time of media time ``media_s`` (seconds from the first packet)."""
        return self.start + timedelta(seconds=media_s) if self.start else None


def place(file: str, probe: MediaProbe, patterns: tuple[str, ...], tz: tzinfo) -> Recording:
    named = parse_name(file, patterns, tz)
    if named and named.start:
        return Recording(file, named.camera, probe, named.start, "filename")
    if probe.creation_time:
        return Recording(file, named.camera if named else None, probe, probe.creation_time.astimezone(tz),
                         "creation_time")
    return Recording(file, named.camera if named else None, probe, None, None)
