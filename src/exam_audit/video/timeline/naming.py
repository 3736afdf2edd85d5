"""Reading a recording's time from its file name and folders, by recorder naming conventions.

The conventions are data (``data/naming.toml``): vendor, example, pattern, which groups hold the start,
the end and the camera, local or UTC time, and whether the date sits in a parent folder. centre.toml's
patterns come first and are trusted as the centre wrote them; then every convention of the table is
read, and a start is used only when all readings agree on it. Two conventions that read different
instants make the name ambiguous: no time, and the readings are kept to say so. Never a wrong time.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from importlib import resources
from pathlib import PurePosixPath

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CENTRE = "centre.toml"  # the convention name of a centre.toml pattern
SAME_INSTANT_S = 1.0  # readings closer than this agree (a millisecond suffix is not a disagreement)
EARLIEST_YEAR = 1970


@dataclass(frozen=True)
class Convention:
    id: str
    vendor: str
    example: str
    source: str
    pattern: re.Pattern[str]
    scope: str = "name"  # "name" | "path"
    clock: str = "local"  # "local" | "utc"
    generic: bool = False
    timeless: bool = False


@dataclass(frozen=True)
class Reading:
    """What one convention reads from a name."""

    convention: str
    camera: str | None
    start: datetime
    end: datetime | None
    generic: bool = False


@dataclass(frozen=True)
class NameInfo:
    """What the name says: camera, start and end, and the convention that read them. ``ambiguous``
    holds the readings that disagree when the name gives no start because of them."""

    camera: str | None
    start: datetime | None
    end: datetime | None
    convention: str | None = None
    ambiguous: tuple[Reading, ...] = field(default_factory=tuple)


def load_conventions(text: str | None = None) -> tuple[Convention, ...]:
    """The conventions of ``text`` (TOML), or of the shipped table."""
    if text is None:
        return shipped_conventions()
    out = []
    for c in tomllib.loads(text).get("convention", []):
        out.append(Convention(
            id=c["id"], vendor=c["vendor"], example=c["example"], source=c.get("source", ""),
            pattern=re.compile(c["pattern"], re.IGNORECASE), scope=c.get("scope", "name"),
            clock=c.get("clock", "local"), generic=bool(c.get("generic", False)),
            timeless=bool(c.get("timeless", False))))
    return tuple(out)


@lru_cache(maxsize=1)
def shipped_conventions() -> tuple[Convention, ...]:
    return load_conventions(resources.files("exam_audit.data").joinpath("naming.toml").read_text("utf-8"))


def convention_by_id(convention_id: str | None) -> Convention | None:
    return next((c for c in shipped_conventions() if c.id == convention_id), None)


# -- stamps ------------------------------------------------------------------------------------------

def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def _local(digits: str, tz: tzinfo) -> datetime | None:
    """A 14-digit yyyymmddHHMMSS in ``tz``, or None when it is not a real moment."""
    if len(digits) < 14:
        return None
    try:
        value = datetime.strptime(digits[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return value.replace(tzinfo=tz) if value.year >= EARLIEST_YEAR else None


def parse_stamp(text: str, tz: tzinfo) -> datetime | None:
    """yyyymmddHHMMSS or yyyy-mm-dd_HH-MM-SS (any separators) in the time zone ``tz``."""
    return _local(_digits(text), tz)


def _times(groups: dict[str, str | None], zone: tzinfo) -> tuple[datetime | None, datetime | None]:
    """Start and end from a match's groups (None for a missing or impossible start)."""
    if groups.get("epoch"):
        digits = _digits(groups["epoch"])
        seconds = int(digits) / (1000 if len(digits) > 10 else 1)
        return datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=0), None
    if groups.get("start"):
        start = _local(_digits(groups["start"]), zone)
        return start, _local(_digits(groups.get("end")), zone) if start else None
    date = _digits(groups.get("date"))
    start_time = _digits(groups.get("start_time")) or "".join(
        _digits(groups.get(f"start_{part}")) for part in ("hour", "minute", "second"))
    if len(date) != 8 or len(start_time) != 6:
        return None, None
    start = _local(date + start_time, zone)
    end_time = _digits(groups.get("end_time"))
    end = _local(date + end_time, zone) if start and len(end_time) == 6 else None
    if start and end and end < start:  # a recording that runs past midnight
        end += timedelta(days=1)
    return start, end


# -- matching ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Match:
    convention: str
    generic: bool
    camera: str | None
    start: datetime | None
    end: datetime | None
    start_at: int  # where the start stamp sits in the path text (-1: none)
    end_at: int


def _texts(file: str) -> tuple[str, str, int]:
    """The path without its suffix (forward slashes), the name without its suffix, and where the name
    starts inside the path."""
    path = PurePosixPath(file.replace("\\", "/"))
    stem = path.stem
    text = (path.parent / stem).as_posix() if str(path.parent) != "." else stem
    return text, stem, len(text) - len(stem)


def _matches(pattern: re.Pattern[str], text: str, offset: int, zone: tzinfo, convention: str,
             generic: bool = False) -> Iterator[_Match]:
    """Every place ``pattern`` matches ``text``, overlapping ones too (so that an impossible stamp
    lets the search go on to the next place)."""
    pos = 0
    while pos <= len(text):
        m = pattern.search(text, pos)
        if not m:
            return
        groups = m.groupdict()
        start, end = _times(groups, zone)
        span_of = next((g for g in ("start", "date", "epoch", "start_hour") if groups.get(g)), None)
        yield _Match(convention, generic, groups.get("camera"), start, end,
                     offset + m.start(span_of) if span_of else -1,
                     offset + m.start("end") if groups.get("end") else -1)
        pos = m.start() + 1


def _zone(convention: Convention, tz: tzinfo) -> tzinfo:
    return timezone.utc if convention.clock == "utc" else tz


def _all_matches(file: str, conventions: Iterable[Convention], tz: tzinfo) -> tuple[list[_Match], list[str]]:
    text, stem, name_at = _texts(file)
    found: list[_Match] = []
    timeless: list[str] = []
    for c in conventions:
        target, offset = (text, 0) if c.scope == "path" else (stem, name_at)
        if c.timeless:
            if c.pattern.search(target):
                timeless.append(c.id)
            continue
        found += _matches(c.pattern, target, offset, _zone(c, tz), c.id, c.generic)
    return found, timeless


def _readings(found: list[_Match], tz: tzinfo) -> list[Reading]:
    """Readings with a real start, never one whose start any convention reads as an end."""
    ends = {m.end_at for m in found if m.end_at >= 0}
    out: list[Reading] = []
    for m in found:
        if m.start is None or m.start_at in ends:
            continue
        out.append(Reading(m.convention, m.camera, m.start.astimezone(tz),
                           m.end.astimezone(tz) if m.end else None, m.generic))
    return out


def _agreeing(readings: list[Reading]) -> bool:
    first = readings[0].start
    return all(abs((r.start - first).total_seconds()) < SAME_INSTANT_S for r in readings)


def _distinct(readings: list[Reading]) -> tuple[Reading, ...]:
    """One reading per convention (its first), for saying what disagrees."""
    seen: dict[str, Reading] = {}
    for r in readings:
        seen.setdefault(r.convention, r)
    return tuple(seen.values())


def _centre(file: str, patterns: tuple[str, ...], tz: tzinfo) -> NameInfo | None:
    """The first centre.toml pattern that reads a start from the name (or else from the path)."""
    text, stem, name_at = _texts(file)
    for raw in patterns:
        pattern = re.compile(raw, re.IGNORECASE)
        for target, offset in ((stem, name_at), (text, 0)):
            for m in _matches(pattern, target, offset, tz, CENTRE):
                if m.start is not None:
                    return NameInfo(m.camera, m.start, m.end, CENTRE)
    return None


def parse_name(file: str, patterns: tuple[str, ...], tz: tzinfo,
               conventions: tuple[Convention, ...] | None = None) -> NameInfo | None:
    """Camera, start and end from the name and folders of ``file``: centre.toml's patterns first, then
    the conventions (vendor ones, then generic ones). None when nothing in the name reads as a time;
    a NameInfo without a start when the name is ambiguous or known to carry no time."""
    centre = _centre(file, patterns, tz)
    if centre:
        return centre
    found, timeless = _all_matches(file, conventions if conventions is not None else shipped_conventions(), tz)
    readings = _readings(found, tz)
    for tier in ([r for r in readings if not r.generic], readings):
        if not tier:
            continue
        if not _agreeing(tier):
            cameras = {r.camera for r in tier if r.camera}
            return NameInfo(cameras.pop() if len(cameras) == 1 else None, None, None, None, _distinct(tier))
        first = tier[0]
        camera = first.camera or next((r.camera for r in tier if r.camera), None)
        end = first.end or next((r.end for r in tier if r.end), None)
        return NameInfo(camera, first.start, end, first.convention)
    if timeless:
        return NameInfo(None, None, None, timeless[0])
    return None
