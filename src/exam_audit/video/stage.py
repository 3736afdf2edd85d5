"""The media stage of an audit: hash and probe every recording, place it in time, run the shared analysis
pass (one decode per file, a process per file on ``workers`` cores), and confirm recycled footage.

Everything it measures is returned as one ``MediaResult`` for the checks to read. It reads the audit store
only through two small interfaces, a probe cache and a fingerprint history, and never writes to it: the
probes it measured come back in the result for the one process that saves.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..archive import ArchiveData, Camera
from ..errors import ExamAuditError
from ..profile import Profile
from ..results import FileAnalysis, MediaResult
from .analysis import AnalyserFactory, analyse_recording
from .analysis_cache import AnalysisCache, CacheKey, from_json, settings_key, to_json
from .content.analysers import CONTENT_ANALYSERS
from .content.duplicates import DuplicateSettings, index_masks
from .content.recycled import (
    Fingerprinted,
    FingerprintHistory,
    RecycledFootage,
    find_recycled,
    recycled_from_json,
    recycled_key,
    recycled_to_json,
)
from .media.measure import Measured, ProbeCache, measure
from .media.probe import MediaProbe
from .media.tools import tool
from .presence.analyser import PRESENCE
from .timeline.placement import Recording, manifest_of, place

log = logging.getLogger(__name__)

# every analyser the audit runs on a recording, in one decoding pass
AUDIT_ANALYSERS: tuple[AnalyserFactory, ...] = (*CONTENT_ANALYSERS, PRESENCE)

Job = tuple[Path, MediaProbe, Camera | None]
Progress = Callable[[str], None]


class FileWork(Protocol):
    """Where the work on each file runs: this machine's cores (``LocalWork``) or a cluster (fleet.py)."""

    def measure(self, paths: Sequence[Path], cache: ProbeCache | None, probing: bool) -> list[Measured]: ...

    def analyse(self, jobs: dict[str, Job], profile: Profile, factories: Sequence[AnalyserFactory],
                say: Progress) -> dict[str, FileAnalysis]: ...


@dataclass(frozen=True)
class LocalWork:
    """Hashing and probing on threads (ffprobe is a subprocess), analysis in a process per file."""

    workers: int = 2

    def measure(self, paths: Sequence[Path], cache: ProbeCache | None, probing: bool) -> list[Measured]:
        return measure(paths, workers=self.workers, cache=cache, probing=probing)

    def analyse(self, jobs: dict[str, Job], profile: Profile, factories: Sequence[AnalyserFactory],
                say: Progress) -> dict[str, FileAnalysis]:
        return analyse_all(jobs, profile, factories, self.workers, say)


def media_stage(data: ArchiveData, profile: Profile, *, workers: int = 2, probes: ProbeCache | None = None,
                history: FingerprintHistory | None = None, analyses: AnalysisCache | None = None,
                archive_path: str = "", progress: Progress | None = None, work: FileWork | None = None
                ) -> MediaResult:
    """Measure the recordings of ``data``'s archive (``archive_path``: the folder as the store knows it),
    on ``work`` (default: ``workers`` local cores). Files whose analysis ``analyses`` holds for the same bytes
    and settings are not decoded again."""
    work = work or LocalWork(workers)
    say = progress or (lambda _msg: None)
    archive = data.archive
    media = MediaResult()
    try:
        tool("ffprobe")
        probing = True
    except ExamAuditError as exc:  # ffmpeg missing: every video rule is not run, with the reason
        media.unavailable = str(exc)
        probing = False
    say(f"hashing and probing {len(archive.recordings)} recording(s)")
    measured = work.measure(archive.recordings, probes if probing else None, probing)
    media.sha256 = {archive.rel(m.path): m.sha256 for m in measured if m.sha256}
    media.new_probes = {m.sha256: m.probe.to_dict() for m in measured if m.probe and m.sha256 and not m.cached}
    if not probing:
        return media
    manifest = manifest_of(data.records("recordings"))
    recordings: list[Recording] = []
    jobs: dict[str, Job] = {}
    for m in measured:
        assert m.probe is not None
        rel = archive.rel(m.path)
        recording = place(rel, m.probe, archive.centre.filename_patterns, data.tz, manifest.get(rel), m.sha256)
        recordings.append(recording)
        if m.probe.ok:
            jobs[rel] = (m.path, m.probe, archive.centre.cameras.get(recording.camera or ""))
    media.recordings = recordings
    keys = {rel: (media.sha256.get(rel, ""), settings_key(profile, camera, AUDIT_ANALYSERS))
            for rel, (_path, _probe, camera) in jobs.items()}
    known = _cached(analyses, [k for k in keys.values() if k[0]])
    fresh = work.analyse({rel: job for rel, job in jobs.items() if keys[rel] not in known}, profile,
                         AUDIT_ANALYSERS, say)
    if len(fresh) < len(jobs):
        say(f"{len(jobs) - len(fresh)} recording(s) unchanged since an earlier audit: their analysis is reused")
    media.analysis = {rel: fresh[rel] if rel in fresh else known[keys[rel]] for rel in jobs}
    media.new_analyses = {f"{keys[rel][0]}:{keys[rel][1]}": to_json(a) for rel, a in fresh.items()
                          if keys[rel][0] and not a.sampling.get("error")}
    fingerprinted = [Fingerprinted(r, media.analysis[r.file], archive.root / r.file)
                     for r in recordings if r.file in media.analysis]
    settings = DuplicateSettings.of(profile)
    masks = set().union(*(index_masks(f.analysis.fingerprint, settings.bin_s)
                          for f in fingerprinted if f.analysis.fingerprint))
    earlier = _earlier(history, archive_path, media.sha256, masks, settings.bin_s) if masks else []
    if any(f.analysis.fingerprint for f in fingerprinted):
        say("comparing activity fingerprints for recycled footage")
    key = recycled_key(fingerprinted, earlier, settings)
    recycled = _cached_recycled(history, key, recordings)
    if recycled is None:
        recycled = find_recycled(fingerprinted, earlier, settings)
        media.new_recycled = {key: recycled_to_json(recycled)}
    media.copies, media.copies_not_run = recycled.copies, recycled.not_run
    return media


def _cached(cache: AnalysisCache | None, keys: list[CacheKey]) -> dict[CacheKey, FileAnalysis]:
    if cache is None or not keys:
        return {}
    try:
        return {key: from_json(stored) for key, stored in cache.cached_analyses(keys).items()}
    except Exception as exc:  # the cache only saves time: an audit never fails for it
        log.warning("analyses of earlier audits not read: %s", exc)
        return {}


def _cached_recycled(history: FingerprintHistory | None, key: str, recordings: list[Recording]
                     ) -> RecycledFootage | None:
    if history is None:
        return None
    try:
        stored = history.cached_recycled(key)
        return recycled_from_json(stored, recordings) if stored else None
    except Exception as exc:  # the cache only saves time: an audit never fails for it
        log.warning("copies found by earlier audits not read: %s", exc)
        return None


def _earlier(history: FingerprintHistory | None, archive_path: str, files: dict[str, str], masks: set[int],
             bin_s: float) -> list[dict]:
    if history is None:
        return []
    try:
        return history.earlier_fingerprints(archive_path, files, masks, bin_s)
    except Exception as exc:  # the history only widens the search: an audit never fails for it
        log.warning("fingerprints of earlier audits not read: %s", exc)
        return []


def analyse_all(jobs: dict[str, Job], profile: Profile, factories: Sequence[AnalyserFactory], workers: int,
                say: Progress = lambda _msg: None) -> dict[str, FileAnalysis]:
    """The shared analysis pass of every file, a process per file on up to ``workers`` cores (decoding is
    ffmpeg's work and the analysers' is numpy's: separate processes keep both cores busy). A file whose
    pass fails gets the reason in its sampling report; the others go on."""
    out: dict[str, FileAnalysis] = {}
    total = len(jobs)
    hours = sum(probe.duration_s or 0.0 for _, probe, _ in jobs.values()) / 3600
    if total:
        say(f"analysing {total} recording(s), {hours:.1f} h of video")
    if workers <= 1 or total <= 1:
        for done, (rel, (path, probe, camera)) in enumerate(jobs.items(), 1):
            out[rel] = analysed(rel, lambda p=path, r=probe, c=camera: analyse_recording(p, r, profile, c,
                                                                                          factories))
            say(f"  [{done}/{total}] {rel}")
        return out
    with ProcessPoolExecutor(max_workers=min(workers, total, os.cpu_count() or 1)) as pool:
        futures = {pool.submit(analyse_recording, path, probe, profile, camera, factories): rel
                   for rel, (path, probe, camera) in jobs.items()}
        for done, future in enumerate(as_completed(futures), 1):
            rel = futures[future]
            out[rel] = analysed(rel, future.result)
            say(f"  [{done}/{total}] {rel}")
    return {rel: out[rel] for rel in jobs}


def analysed(rel: str, run: Callable[[], FileAnalysis]) -> FileAnalysis:
    try:
        return run()
    except Exception as exc:  # one bad file never stops the audit of the others: say why it was not analysed
        log.warning("%s: content analysis failed: %s", rel, exc)
        return FileAnalysis(sampling={"error": f"{type(exc).__name__}: {exc}", "samples": 0})
