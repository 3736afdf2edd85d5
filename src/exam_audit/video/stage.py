"""The media stage of an audit: hash and probe every recording, place it in time, run the shared analysis
pass (one decode per file, a process per file on ``--workers`` cores).

What it measures goes into ``ArchiveData.media`` for the video checks to read:
``media["recordings"]``: list of placed ``Recording``; ``media["analysis"]``: file -> analyser results;
``media["sha256"]``: file -> sha256 (recordings are hashed here, with their probe, in one read).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..archive import ArchiveData, Camera
from ..errors import ExamAuditError
from ..findings import Finding
from ..profile import Profile
from .analysis import analyse_recording
from .media.measure import ProbeCache, measure
from .media.probe import MediaProbe
from .media.sampler import SAMPLING
from .media.tools import tool
from .presence.tracks import presence_intervals
from .timeline.placement import Recording, manifest_of, place

if TYPE_CHECKING:
    from ..audit import AuditOptions

log = logging.getLogger(__name__)

Job = tuple[Path, MediaProbe, Camera | None]


def _probe_cache(options: AuditOptions) -> ProbeCache | None:
    url = options.store_url
    if not url:
        return None
    from ..store import Store  # imported here: the store imports the audit, which imports this lazily

    try:
        return Store(url)
    except ExamAuditError:
        return None  # the CLI reports an unusable store itself; probing goes on without a cache


def media_stage(data: ArchiveData, profile: Profile, options: AuditOptions) -> list[Finding]:
    findings: list[Finding] = []
    archive = data.archive
    say = options.progress or (lambda _msg: None)
    try:
        tool("ffprobe")
        probing = True
    except ExamAuditError as exc:  # ffmpeg missing: every video rule is not run, with the reason
        data.media["unavailable"] = str(exc)
        probing = False
    say(f"hashing and probing {len(archive.recordings)} recording(s)")
    measured = measure(archive.recordings, workers=options.workers,
                       cache=_probe_cache(options) if probing else None, probing=probing)
    data.media["sha256"] = {archive.rel(m.path): m.sha256 for m in measured if m.sha256}
    if not probing:
        return findings
    manifest = manifest_of(data)
    recordings: list[Recording] = []
    jobs: dict[str, Job] = {}
    for m in measured:
        assert m.probe is not None
        rel = archive.rel(m.path)
        recording = place(rel, m.probe, archive.centre.filename_patterns, data.tz, manifest.get(rel), m.sha256)
        recordings.append(recording)
        if m.probe.ok:
            jobs[rel] = (m.path, m.probe, archive.centre.cameras.get(recording.camera or ""))
    data.media["recordings"] = recordings
    data.media["analysis"] = analyse_all(jobs, profile, options.workers, say)
    data.media["presence"] = presence_intervals(recordings, data.media.get("analysis", {}))
    return findings


def analyse_all(jobs: dict[str, Job], profile: Profile, workers: int,
                say: Callable[[str], None] = lambda _msg: None) -> dict[str, dict[str, Any]]:
    """The shared analysis pass of every file, a process per file on up to ``workers`` cores (decoding is
    ffmpeg's work and the analysers' is numpy's: separate processes keep both cores busy). A file whose
    pass fails gets the reason under its sampling report; the others go on."""
    out: dict[str, dict[str, Any]] = {}
    total = len(jobs)
    hours = sum(probe.duration_s or 0.0 for _, probe, _ in jobs.values()) / 3600
    if total:
        say(f"analysing {total} recording(s), {hours:.1f} h of video")
    if workers <= 1 or total <= 1:
        for done, (rel, (path, probe, camera)) in enumerate(jobs.items(), 1):
            out[rel] = _analysed(rel, lambda p=path, r=probe, c=camera: analyse_recording(p, r, profile, c))
            say(f"  [{done}/{total}] {rel}")
        return out
    with ProcessPoolExecutor(max_workers=min(workers, total, os.cpu_count() or 1)) as pool:
        futures = {pool.submit(analyse_recording, path, probe, profile, camera): rel
                   for rel, (path, probe, camera) in jobs.items()}
        for done, future in enumerate(as_completed(futures), 1):
            rel = futures[future]
            out[rel] = _analysed(rel, future.result)
            say(f"  [{done}/{total}] {rel}")
    return {rel: out[rel] for rel in jobs}


def _analysed(rel: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return run()
    except Exception as exc:  # one bad file never stops the audit of the others: say why it was not analysed
        log.warning("%s: content analysis failed: %s", rel, exc)
        return {SAMPLING: {"error": f"{type(exc).__name__}: {exc}", "samples": 0}}
