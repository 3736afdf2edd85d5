"""One sampling pass per file, shared by every frame analyser (content checks, presence).

An analyser sees each sample once, in time order, and keeps what it needs; after the pass its
``result()`` is stored under its ``name`` in the file's analysis. Analysers are registered here by
factories that take the profile and the file's camera settings, so the audit builds them all for a file,
decodes the file once, and feeds every one of them. How the file was sampled (keyframes only or full
decode, and why) is stored beside them under ``SAMPLING``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..archive import Camera
from ..profile import Profile
from .media.probe import MediaProbe
from .media.sampler import SAMPLING, SamplingPlan, SamplingReport, sample_frames


class FrameAnalyser(Protocol):
    name: str

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


ANALYSERS: list[AnalyserFactory] = []


def analyse_file(path: Path, probe: MediaProbe, analysers: Iterable[FrameAnalyser], *, rate_hz: float,
                 width: int, keyframe_max_s: float | None = None) -> dict[str, Any]:
    """Decode ``path`` once and feed every analyser; their results by name, and the sampling report."""
    analysers = list(analysers)
    if not analysers:
        return {}
    report = SamplingReport(SamplingPlan("decode", 1.0 / rate_hz, "not started"))
    for sample in sample_frames(path, probe, rate_hz=rate_hz, width=width, keyframe_max_s=keyframe_max_s,
                                report=report):
        for analyser in analysers:
            analyser.process_frame(sample.t, sample.frame)
    return {**{a.name: a.result() for a in analysers}, SAMPLING: report.to_dict()}


def analyse_recording(path: Path, probe: MediaProbe, profile: Profile, camera: Camera | None,
                      names: Iterable[str] | None = None) -> dict[str, Any]:
    """Build the registered analysers that apply to this file (all, or those in ``names``) and run the
    shared pass at the profile's rate. A plain function of picklable values: the audit runs it in a
    process per file."""
    wanted = set(names) if names is not None else None
    built = [(f, f.build(profile, camera, probe)) for f in ANALYSERS if wanted is None or f.name in wanted]
    analysers = [(f, a) for f, a in built if a is not None]
    if not analysers:
        return {}
    return analyse_file(path, probe, [a for _, a in analysers],
                        rate_hz=float(profile.threshold("sample_rate_hz")),
                        width=max(f.width_for(profile, probe) for f, _ in analysers),
                        keyframe_max_s=float(profile.threshold("sample_keyframe_max_s")))


# Importing the analyser modules registers their factories.
from .content import analysers as content  # noqa: E402,F401
from .presence import analyser as presence  # noqa: E402,F401
