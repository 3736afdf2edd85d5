"""One sampling pass per file, shared by every frame analyser (content checks, presence).

An analyser sees each sample once, in time order, and keeps what it needs; after the pass its
``result()`` is stored under its ``name`` in the file's analysis. Analysers are registered here by
factories that take the profile and the file's camera settings, so the audit builds them all for a file,
decodes the file once, and feeds every one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..archive import Camera
from ..profile import Profile
from .probe import MediaProbe
from .sampler import sample_frames


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
    width: int = 320  # the frame width this analyser wants; the pass decodes at the largest asked for


ANALYSERS: list[AnalyserFactory] = []


def analyse_file(path: Path, probe: MediaProbe, analysers: Iterable[FrameAnalyser], *, rate_hz: float,
                 width: int) -> dict[str, Any]:
    """Decode ``path`` once and feed every analyser; their results by name."""
    analysers = list(analysers)
    if not analysers:
        return {}
    for sample in sample_frames(path, probe, rate_hz=rate_hz, width=width):
        for analyser in analysers:
            analyser.process_frame(sample.t, sample.frame)
    return {a.name: a.result() for a in analysers}


# Built-in analysers append their factories to ANALYSERS when imported (last: they use the interface above).
from . import presence  # noqa: E402,F401
