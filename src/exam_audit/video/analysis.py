"""One sampling pass per file, shared by every frame analyser (content checks, presence).

An analyser sees each sample once, in time order, and keeps what it needs; after the pass its
``result()`` becomes the field of ``FileAnalysis`` named after it. The caller passes the analysers'
factories explicitly (the media stage passes every one; ``exam-audit scan`` the content ones); each factory
takes the profile and the file's camera settings, so one decode of the file feeds all of them. How the
file was sampled (keyframes only or full decode, and why) is kept beside them in ``FileAnalysis.sampling``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..archive import Camera
from ..profile import Profile
from ..results import FileAnalysis
from .media.probe import MediaProbe
from .media.sampler import SamplingPlan, SamplingReport, sample_frames


class FrameAnalyser(Protocol):
    name: str  # a field of FileAnalysis

    def process_frame(self, t: float, frame: np.ndarray) -> None:
        """``t``: media seconds from the file's first packet; ``frame``: BGR uint8."""

    def result(self) -> Any:
        """What the analyser found, after the last frame."""


@dataclass(frozen=True)
class AnalyserFactory:
    name: str
    # builds the analyser for one file; None when it does not apply (e.g. no model installed)
    build: Callable[[Profile, Camera | None, MediaProbe], FrameAnalyser | None]
    # the frame width this analyser wants, or a function of the profile and the file giving it; the pass
    # decodes at the largest width asked for
    width: int | Callable[[Profile, MediaProbe], int] = 320

    def width_for(self, profile: Profile, probe: MediaProbe) -> int:
        return self.width(profile, probe) if callable(self.width) else self.width


def analyse_file(path: Path, probe: MediaProbe, analysers: Iterable[FrameAnalyser], *, rate_hz: float,
                 width: int, keyframe_max_s: float | None = None) -> FileAnalysis:
    """Decode ``path`` once and feed every analyser; their results, and the sampling report."""
    analysers = list(analysers)
    if not analysers:
        return FileAnalysis()
    report = SamplingReport(SamplingPlan("decode", 1.0 / rate_hz, "not started"))
    for sample in sample_frames(path, probe, rate_hz=rate_hz, width=width, keyframe_max_s=keyframe_max_s,
                                report=report):
        for analyser in analysers:
            analyser.process_frame(sample.t, sample.frame)
    return FileAnalysis(sampling=report.to_dict(), **{a.name: a.result() for a in analysers})


def analyse_recording(path: Path, probe: MediaProbe, profile: Profile, camera: Camera | None,
                      factories: Sequence[AnalyserFactory]) -> FileAnalysis:
    """Build the analysers of ``factories`` that apply to this file and run the shared pass at the
    profile's rate. A plain function of picklable values: the audit runs it in a process per file."""
    built = [(f, f.build(profile, camera, probe)) for f in factories]
    analysers = [(f, a) for f, a in built if a is not None]
    if not analysers:
        return FileAnalysis()
    return analyse_file(path, probe, [a for _, a in analysers],
                        rate_hz=float(profile.threshold("sample_rate_hz")),
                        width=max(f.width_for(profile, probe) for f, _ in analysers),
                        keyframe_max_s=float(profile.threshold("sample_keyframe_max_s")))
