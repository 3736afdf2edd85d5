"""Re-auditing an unchanged recording costs its hash only: its analysis is kept by sha256 and settings.

A file's analysis depends on its bytes (sha256) and on everything the analysers were given: the profile, the
camera's settings in centre.toml (zones, station), the person-detector model, and the analysers' own code
(``ANALYSIS_VERSION``, raised whenever an analyser changes what it measures). Those are hashed into one
settings key; the store keeps each analysis under (sha256, settings key), and the media stage decodes only
the files it has not seen with these settings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from typing import Any, Protocol

from ..archive import Camera
from ..profile import Profile
from ..results import FileAnalysis
from .analysis import AnalyserFactory
from .presence.models import find_model
from .presence.tracks import PresenceTrack

# raise when an analyser changes what it measures: every cached analysis is then made again
ANALYSIS_VERSION = 1

CacheKey = tuple[str, str]  # (sha256 of the file, settings key)


class AnalysisCache(Protocol):
    """Analyses measured earlier (the audit store); the media stage only reads it."""

    def cached_analyses(self, keys: list[CacheKey]) -> dict[CacheKey, dict[str, Any]]: ...


def settings_key(profile: Profile, camera: Camera | None, factories: Sequence[AnalyserFactory]) -> str:
    model = find_model(profile).path
    described = {
        "version": ANALYSIS_VERSION,
        "analysers": [f.name for f in factories],
        "profile": profile.raw,
        "camera": None if camera is None else {"id": camera.id, "room": camera.room, "station": camera.station,
                                               "zones": camera.invigilator_zones, "extra": camera.extra},
        "model": None if model is None else [str(model), model.stat().st_size if model.is_file() else None],
    }
    text = json.dumps(described, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_json(analysis: FileAnalysis) -> dict[str, Any]:
    out = dataclasses.asdict(analysis)
    if analysis.presence is not None:
        out["presence"] = dataclasses.asdict(analysis.presence)
    return out


def from_json(stored: dict[str, Any]) -> FileAnalysis:
    fields = dict(stored)
    presence = fields.pop("presence", None)
    track = None
    if presence is not None:
        track = PresenceTrack(**{k: tuple(v) if isinstance(v, list) else v for k, v in presence.items()})
    return FileAnalysis(**fields, presence=track)
