"""Snapshots and clips for the findings that point at a moment of a recording.

A finding points at a moment when it names its ``file`` and carries ``media_start_s`` (and usually
``media_end_s``) in its evidence. Snapshots are taken just inside the start, at the middle and just inside the
end of the span, so that each shows the condition the finding is about and not the frame where it stops.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from ..errors import ExamAuditError
from ..findings import Finding

if TYPE_CHECKING:
    from ..video.media.cuts import Clip

log = logging.getLogger(__name__)

SNAPSHOT_DIR = "snapshots"
CLIP_DIR = "clips"
CLIP_PAD_S = 3.0  # context before and after the span, so a viewer sees the change happen
CLIP_MAX_S = 60.0  # a long span is shown by its first minute: the snapshots cover its middle and end


def media_span(finding: Finding) -> tuple[float, float] | None:
    """(start, end) in media seconds of the finding's file, or None when it points at no moment."""
    ev = finding.evidence
    try:
        start = float(ev["media_start_s"])
        end = float(ev.get("media_end_s", start))
    except (KeyError, TypeError, ValueError):
        return None
    if not finding.file:
        return None
    return start, max(start, end)


def snapshot_times(start: float, end: float) -> list[tuple[str, float]]:
    """("start" | "middle" | "end", media seconds): just inside the span, never on its boundary frames."""
    inset = min(0.5, (end - start) * 0.05)
    if end - start < 0.2:
        return [("start", start)]
    return [("start", start + inset), ("middle", (start + end) / 2), ("end", end - inset)]


@dataclass
class FindingMedia:
    snapshots: list[dict[str, Any]] = field(default_factory=list)  # {"at": label, "media_s", "path"}
    clip: dict[str, Any] | None = None  # {"path", "media_start_s", "duration_s", "copied"}
    problem: str | None = None  # why some evidence could not be cut


def _slug(file: str) -> str:
    """A file-name-safe name for ``file``, unique per path (two folders may hold the same file name)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", PurePosixPath(file).stem)[:60] or "recording"
    return f"{stem}_{hashlib.sha1(file.encode('utf-8')).hexdigest()[:6]}"


def cut_media(findings: list[Finding], archive_root: Path, out_dir: Path, clips: bool,
              audited: dict[str, str] | None = None, workers: int | None = None) -> dict[int, FindingMedia]:
    """Snapshots (and clips when asked) for every finding with a media span: finding index -> what was made.

    Files go under ``out_dir``/snapshots and ``out_dir``/clips; the paths recorded are relative to ``out_dir``.
    ``audited`` maps a file to the sha256 the audit saw: a recording changed since then is not cut, since its
    frames would not be what the finding is about. A recording that is gone, changed or cannot be cut gives a
    problem on that finding, never an exception. Each cut is one short ffmpeg run, so they run side by side.
    """
    from ..archive import sha256_file
    from ..video.media.cuts import cut_clip, snapshot  # imported here: table-only reports never need ffmpeg

    snapshots: dict[str, tuple[Path, float]] = {}  # one per (file, moment), shared by findings at that moment
    clip_jobs: dict[int, tuple[Path, float, float, Path]] = {}
    changed: dict[str, bool] = {}
    out: dict[int, FindingMedia] = {}
    for index, finding in enumerate(findings):
        span = media_span(finding)
        if span is None:
            continue
        media = out[index] = FindingMedia()
        source = archive_root / finding.file
        if not source.is_file():
            media.problem = f"{finding.file} not found under {archive_root}"
            continue
        expected = (audited or {}).get(finding.file)
        if expected and finding.file not in changed:
            changed[finding.file] = sha256_file(source) != expected
        if changed.get(finding.file):
            media.problem = f"{finding.file} has changed since the audit (sha256 differs): not cut"
            continue
        slug = _slug(finding.file)
        for label, at in snapshot_times(*span):
            rel = f"{SNAPSHOT_DIR}/{slug}_{round(at * 1000):09d}.jpg"
            snapshots.setdefault(rel, (source, at))
            media.snapshots.append({"at": label, "media_s": round(at, 3), "path": rel})
        if clips:
            start, end = span[0] - CLIP_PAD_S, min(span[1], span[0] + CLIP_MAX_S) + CLIP_PAD_S
            clip_jobs[index] = (source, start, end, out_dir / CLIP_DIR / f"{index + 1:05d}_{slug}")

    def shoot(rel: str) -> Path | ExamAuditError:
        source, at = snapshots[rel]
        try:
            return snapshot(source, at, out_dir / rel)
        except ExamAuditError as exc:
            return exc

    def cut(job: tuple[Path, float, float, Path]) -> Clip | ExamAuditError:
        try:
            return cut_clip(*job)
        except ExamAuditError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
        shot_results = dict(zip(snapshots, pool.map(shoot, snapshots), strict=True))
        clip_results = dict(zip(clip_jobs, pool.map(cut, clip_jobs.values()), strict=True))
    for index, media in out.items():
        problems = {str(shot_results[s["path"]]) for s in media.snapshots
                    if isinstance(shot_results.get(s["path"]), Exception)}
        media.snapshots = [s for s in media.snapshots if not isinstance(shot_results.get(s["path"]), Exception)]
        clip = clip_results.get(index)
        if isinstance(clip, Exception):
            problems.add(str(clip))
        elif clip is not None:
            media.clip = {"path": clip.path.relative_to(out_dir).as_posix(), "media_start_s": round(clip.start_s, 3),
                          "duration_s": round(clip.duration_s, 3), "copied": clip.copied}
        if problems:
            media.problem = "; ".join(sorted(problems))
            log.warning("evidence of finding %d (%s): %s", index + 1, findings[index].rule, media.problem)
    return out
