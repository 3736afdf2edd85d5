"""The media stage of an audit: probe every recording, place it in time, run the shared analysis pass.

What it measures goes into ``ArchiveData.media`` for the video checks to read:
``media["recordings"]``: list of placed ``Recording``; ``media["analysis"]``: file -> analyser results;
``media["sha256"]``: file -> sha256 (recordings are hashed here, with their probe, in one read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..archive import ArchiveData
from ..errors import ExamAuditError
from ..findings import Finding
from ..profile import Profile
from .analysis import ANALYSERS, analyse_file
from .measure import ProbeCache, measure
from .placement import Recording, manifest_of, place
from .tools import tool

if TYPE_CHECKING:
    from ..audit import AuditOptions


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
    try:
        tool("ffprobe")
        probing = True
    except ExamAuditError as exc:  # ffmpeg missing: every video rule is not run, with the reason
        data.media["unavailable"] = str(exc)
        probing = False
    measured = measure(archive.recordings, workers=options.workers,
                       cache=_probe_cache(options) if probing else None, probing=probing)
    data.media["sha256"] = {archive.rel(m.path): m.sha256 for m in measured if m.sha256}
    if not probing:
        return findings
    manifest = manifest_of(data)
    recordings: list[Recording] = []
    for m in measured:
        assert m.probe is not None
        rel = archive.rel(m.path)
        recording = place(rel, m.probe, archive.centre.filename_patterns, data.tz, manifest.get(rel), m.sha256)
        recordings.append(recording)
        if not m.probe.ok:
            continue
        camera = archive.centre.cameras.get(recording.camera or "")
        built = [(f, f.build(profile, camera, m.probe)) for f in ANALYSERS]
        analysers = [(f, a) for f, a in built if a is not None]
        if analysers:
            width = max(f.width for f, _ in analysers)
            data.media.setdefault("analysis", {})[rel] = analyse_file(
                m.path, m.probe, [a for _, a in analysers], rate_hz=float(profile.threshold("sample_rate_hz")),
                width=width)
    data.media["recordings"] = recordings
    return findings
