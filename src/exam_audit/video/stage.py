"""The media stage of an audit: probe every recording, place it in time, run the shared analysis pass.

What it measures goes into ``ArchiveData.media`` for the video checks to read:
``media["recordings"]``: list of placed ``Recording``; ``media["analysis"]``: file -> analyser results.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..archive import ArchiveData, Camera
from ..errors import ExamAuditError
from ..findings import Finding
from ..profile import Profile
from .analysis import analyse_recording
from .placement import Recording, place
from .probe import MediaProbe, probe
from .sampler import SAMPLING

if TYPE_CHECKING:
    from ..audit import AuditOptions

log = logging.getLogger(__name__)


def media_stage(data: ArchiveData, profile: Profile, options: AuditOptions) -> list[Finding]:
    findings: list[Finding] = []
    archive = data.archive
    recordings: list[Recording] = []
    jobs: dict[str, tuple[Path, MediaProbe, Camera | None]] = {}
    for path in archive.recordings:
        rel = archive.rel(path)
        try:
            result = probe(path)
        except ExamAuditError as exc:  # ffmpeg missing: every video rule is not run, with the reason
            data.media["unavailable"] = str(exc)
            return findings
        camera_name = None
        recording = place(rel, result, archive.centre.filename_patterns, data.tz)
        camera_name = recording.camera
        recordings.append(recording)
        if not result.ok:
            continue
        jobs[rel] = (path, result, archive.centre.cameras.get(camera_name or ""))
    data.media["analysis"] = analyse_all(jobs, profile, options.workers)
    data.media["recordings"] = recordings
    return findings


def analyse_all(jobs: dict[str, tuple[Path, MediaProbe, Camera | None]], profile: Profile,
                workers: int) -> dict[str, dict[str, Any]]:
    """The shared analysis pass of every file, a process per file on up to ``workers`` cores (decoding is
    ffmpeg's work and the analysers' is numpy's: separate processes keep both cores busy). A file whose
    pass fails gets the reason under its sampling report; the others go on."""
    out: dict[str, dict[str, Any]] = {}
    if workers <= 1 or len(jobs) <= 1:
        for rel, (path, result, camera) in jobs.items():
            out[rel] = _analysed(rel, partial(analyse_recording, path, result, profile, camera))
        return out
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs), os.cpu_count() or 1)) as pool:
        futures = {rel: pool.submit(analyse_recording, path, result, profile, camera)
                   for rel, (path, result, camera) in jobs.items()}
        for rel, future in futures.items():
            out[rel] = _analysed(rel, future.result)
    return out


def _analysed(rel: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return run()
    except Exception as exc:  # one bad file never stops the audit of the others: say why it was not analysed
        log.warning("%s: content analysis failed: %s", rel, exc)
        return {SAMPLING: {"error": f"{type(exc).__name__}: {exc}", "samples": 0}}
