"""`exam-audit probe`: each file's timeline, for a person (text) or a script (JSON).

A file given on its own is placed by its name (the built-in NVR patterns) or its creation_time tag, in
the given time zone; inside an archive the audit also uses recordings.csv and centre.toml.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..media.measure import measure
from .checks import clock, duration_text
from .naming import CENTRE, convention_by_id
from .placement import Recording, place

SOURCE_TEXT = {"manifest": "recordings.csv", "filename": "file name", "creation_time": "creation_time tag"}


def probe_files(paths: Sequence[Path], timezone: str = "Asia/Shanghai", workers: int = 2) -> list[Recording]:
    """Probe and place each file (in the given order)."""
    tz = ZoneInfo(timezone)
    return [place(str(m.path), m.probe, (), tz, sha256=m.sha256) for m in measure(paths, workers=workers)
            if m.probe is not None]


def as_json(r: Recording) -> dict[str, Any]:
    return {
        "file": r.file, "sha256": r.sha256, "camera": r.camera,
        "start": r.start.isoformat() if r.start else None, "end": r.end.isoformat() if r.end else None,
        "start_source": r.start_source, "claims": {k: v.isoformat() for k, v in r.claims.items()},
        "name_end": r.name_end.isoformat() if r.name_end else None,
        "convention": r.convention, "convention_vendor": convention_text(r.convention),
        "ambiguous": [{"convention": a.convention, "start": a.start.isoformat()} for a in r.ambiguous],
        "probe": r.probe.to_dict(),
    }


def convention_text(convention_id: str | None) -> str | None:
    """The vendor a convention names (or centre.toml for a centre pattern)."""
    if convention_id == CENTRE:
        return "a filename_patterns entry of centre.toml"
    found = convention_by_id(convention_id)
    return found.vendor if found else None


def name_lines(r: Recording) -> list[str]:
    """What the file name said, and by which convention (or why it said nothing)."""
    if r.ambiguous:
        readings = "; ".join(f"{clock(a.start)} by {a.convention}" for a in r.ambiguous)
        return [f"  file name   ambiguous, not used: {readings}"]
    if r.convention and "filename" in r.claims:
        return [f"  file name   read by {r.convention} ({convention_text(r.convention)})"]
    if r.convention:
        return [f"  file name   no time: {convention_text(r.convention)}"]
    return ["  file name   no time in the name or its folders"]


def as_text(r: Recording) -> list[str]:
    p = r.probe
    lines = [r.file]
    if not p.ok:
        lines.append(f"  UNREADABLE: {p.error}")
        if p.duration_s is None:
            return lines
    if r.start:
        source = SOURCE_TEXT[r.start_source or ""]
        lines.append(f"  wall clock  {clock(r.start)} → {clock(r.end)}  (start from the {source})")
    else:
        lines.append("  wall clock  unknown: no usable time in the file name and no creation_time tag")
    lines += name_lines(r)
    for source, value in r.claims.items():
        if source != r.start_source:
            lines.append(f"              the {SOURCE_TEXT[source]} says {clock(value)}")
    if r.name_end and r.end:
        lines.append(f"              the file name ends at {clock(r.name_end)}")
    rate = f"{p.mean_fps:.3g} fps" if p.mean_fps else "? fps"
    if p.vfr:
        rate += f" variable ({p.min_fps:g}–{p.max_fps:g} fps)"
    gop = f"GOP {p.keyframe_interval_s:.3g} s" if p.keyframe_interval_s else "one keyframe"
    if p.max_keyframe_interval_s and p.keyframe_interval_s and p.max_keyframe_interval_s > 1.5 * p.keyframe_interval_s:
        gop += f" (longest {p.max_keyframe_interval_s:.3g} s)"
    lines.append(f"  media       {duration_text(p.duration_s or 0)} ({p.duration_s:.3f} s from packet timestamps), "
                 f"{p.frames} frames")
    lines.append(f"  video       {p.codec} {p.width}x{p.height}, {rate}, {gop}, container {p.container}")
    if p.warning:
        lines.append(f"  timestamps  NONE: {p.warning}")
    elif not p.discontinuities:
        lines.append("  timestamps  continuous")
    for d in p.discontinuities:
        what = {"jump": f"jump forward {duration_text(d.delta_s)}", "repeat": "repeated timestamp",
                "backwards": f"backwards {abs(d.delta_s):.3f} s"}[d.kind]
        wall = f" (wall clock {clock(r.wall(d.at_s))})" if r.start else ""
        lines.append(f"  timestamps  {what} at media {d.at_s:.3f} s → {d.resume_s:.3f} s{wall}")
    return lines
