"""Hashing and probing every recording of an archive, on every core, with a cache keyed by sha256.

Each file is hashed and then probed at once by the same worker, so ffprobe reads it from the page cache
the hash has just filled: one read from disk per file. A file whose sha256 the cache knows (from any
earlier audit, of any archive) is not probed again: re-auditing unchanged recordings costs the hash only.
New probes are returned (``Measured.cached`` False) for the process that saves the audit to store.
ffprobe runs as a subprocess, so threads are enough to keep both cores busy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ...archive import sha256_file
from .probe import PROBE_VERSION, MediaProbe, probe

log = logging.getLogger(__name__)


class ProbeCache(Protocol):
    """Probes measured earlier, by sha256 (the audit store); this module only reads it."""

    def cached_probes(self, digests: list[str], version: int) -> dict[str, dict]: ...


@dataclass(frozen=True)
class Measured:
    path: Path
    sha256: str  # "" when the file could not be read at all
    probe: MediaProbe | None  # None when probing was not possible (ffprobe missing)
    cached: bool = False


def measure(paths: Sequence[Path], *, workers: int = 2, cache: ProbeCache | None = None,
            probing: bool = True) -> list[Measured]:
    """Hash (and, when ``probing``, probe) every file in ``paths``; results in the same order."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda path: measure_one(path, cache, probing), paths))


def measure_one(path: Path, cache: ProbeCache | None = None, probing: bool = True) -> Measured:
    """Hash one file and, when ``probing``, probe it unless ``cache`` knows its sha256."""
    try:
        digest = sha256_file(path)
    except OSError as exc:
        failed = MediaProbe(str(path), ok=False, error=f"cannot be read ({exc.strerror})")
        return Measured(path, "", failed if probing else None)
    if not probing:
        return Measured(path, digest, None)
    known = _lookup(cache, digest)
    if known is not None:
        return Measured(path, digest, replace(known, path=str(path)), cached=True)
    try:
        return Measured(path, digest, probe(path))
    except Exception as exc:  # a defect in exam-audit must not stop the audit of the other files
        log.exception("probing %s failed", path)
        return Measured(path, digest, MediaProbe(str(path), ok=False,
                                                 error=f"exam-audit could not probe it ({type(exc).__name__})"))


def _lookup(cache: ProbeCache | None, digest: str) -> MediaProbe | None:
    if cache is None:
        return None
    try:
        found = cache.cached_probes([digest], PROBE_VERSION).get(digest)
        return MediaProbe.from_dict(found) if found else None
    except Exception as exc:  # a broken or locked cache means probing again, not a failed audit
        log.warning("probe cache not read: %s", exc)
        return None
