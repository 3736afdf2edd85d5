"""The media stage of an audit: probe every recording, place it in time, run the shared analysis pass.

What it measures goes into ``ArchiveData.media`` for the video checks to read:
``media["recordings"]``: list of placed ``Recording``; ``media["analysis"]``: file -> analyser results.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..archive import ArchiveData
from ..errors import ExamAuditError
from ..findings import Finding
from ..profile import Profile
from .analysis import ANALYSERS, analyse_file
from .placement import Recording, place
from .probe import probe
from .tracks import presence_intervals

if TYPE_CHECKING:
    from ..audit import AuditOptions


def media_stage(data: ArchiveData, profile: Profile, options: AuditOptions) -> list[Finding]:
    findings: list[Finding] = []
    archive = data.archive
    recordings: list[Recording] = []
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
        camera = archive.centre.cameras.get(camera_name or "")
        built = [(f, f.build(profile, camera, result)) for f in ANALYSERS]
        analysers = [(f, a) for f, a in built if a is not None]
        if analysers:
            width = max(f.width for f, _ in analysers)
            data.media.setdefault("analysis", {})[rel] = analyse_file(
                path, result, [a for _, a in analysers], rate_hz=float(profile.threshold("sample_rate_hz")),
                width=width)
    data.media["recordings"] = recordings
    data.media["presence"] = presence_intervals(recordings, data.media.get("analysis", {}))
    return findings
