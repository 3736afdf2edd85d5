"""Audits of many centres on a dask.distributed cluster (``exam-audit audit … --dask ADDRESS|local``).

The work on each recording — hash and probe, then the one decoding pass — is a task of its own, so a
cluster's cores share the recordings of all archives; each archive's tables, checks and copy confirmation
run in the client, a few archives at a time. Every worker must read the recordings at the same path as the
client (a shared folder or mounted storage), and reach the store's database for its probe cache. Only the
client writes to the store, one transaction per archive, after the rules across archives have run: the
findings are the same as a local run's. A task that fails becomes that file's "not analysed" reason, and
an archive that fails, that archive's error — never a silent skip.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ExamAuditError
from .profile import Profile
from .results import ArchiveAudit, FileAnalysis
from .store import Store
from .video.analysis import AnalyserFactory, analyse_recording
from .video.media.measure import Measured, ProbeCache, measure_one
from .video.stage import Job, analysed

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
ARCHIVES_AT_ONCE = 4  # archives coordinated by the client at once; their recordings all go to the cluster

_READERS: dict[str, Store | None] = {}


def _reader(url: str | None) -> Store | None:
    """The store, read-only, once per worker process (its schema exists: the client made it)."""
    if not url:
        return None
    if url not in _READERS:
        try:
            _READERS[url] = Store(url, create=False)
        except ExamAuditError as exc:  # the cache only saves time: probing goes on without it
            log.warning("audit store not read on a worker: %s", exc)
            _READERS[url] = None
    return _READERS[url]


def _measure_task(path: Path, store_url: str | None, probing: bool) -> Measured:
    return measure_one(path, _reader(store_url), probing)


@dataclass
class DaskWork:
    """The per-file work of the media stage as tasks on a dask cluster (see video/stage.py ``FileWork``)."""

    client: Any  # distributed.Client
    store_url: str | None = None
    say: Progress = field(default=lambda _msg: None)

    def measure(self, paths: Sequence[Path], cache: ProbeCache | None, probing: bool) -> list[Measured]:
        futures = [self.client.submit(_measure_task, path, self.store_url, probing, pure=False) for path in paths]
        out = []
        for path, future in zip(paths, futures, strict=True):
            try:
                out.append(future.result())
            except Exception as exc:  # the task itself failed (a lost worker): say so for that file
                out.append(Measured(path, "", None if not probing else _failed_probe(path, exc)))
        return out

    def analyse(self, jobs: dict[str, Job], profile: Profile, factories: Sequence[AnalyserFactory],
                say: Progress) -> dict[str, FileAnalysis]:
        from distributed import as_completed

        futures = {self.client.submit(analyse_recording, path, probe, profile, camera, tuple(factories),
                                      pure=False): rel for rel, (path, probe, camera) in jobs.items()}
        out: dict[str, FileAnalysis] = {}
        for done, future in enumerate(as_completed(futures), 1):
            rel = futures[future]
            out[rel] = analysed(rel, future.result)
            say(f"  [{done}/{len(jobs)}] {rel}")
        return {rel: out[rel] for rel in jobs}


def _failed_probe(path: Path, exc: BaseException) -> Any:
    from .video.media.probe import MediaProbe

    return MediaProbe(str(path), ok=False, error=f"the cluster could not measure it ({type(exc).__name__}: {exc})")


def connect(address: str) -> Any:
    """A client of the cluster at ``address``, or of a local cluster sized to this machine (``local``)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExamAuditError("--dask needs dask.distributed, which is not installed",
                             "pip install 'exam-audit[dask]'") from None
    if address == "local":
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster)
    try:
        return Client(address, timeout="20s")
    except OSError as exc:
        raise ExamAuditError(f"no dask scheduler answers at {address} ({exc})",
                             "start one (dask scheduler), or pass --dask local") from None


def audit_on_cluster(paths: Sequence[str | Path], audit_one: Callable[[str | Path, DaskWork], ArchiveAudit],
                     client: Any, store_url: str | None, say: Progress) -> list[ArchiveAudit]:
    """Each archive coordinated by the client (``audit_one``), its recordings' work on the cluster; results
    in the order of ``paths``."""
    work = DaskWork(client, store_url)

    def one(path: str | Path) -> ArchiveAudit:
        try:
            return audit_one(path, work)
        except Exception as exc:  # a defect or a lost cluster: this archive's error, the others go on
            log.exception("auditing %s on the cluster failed", path)
            return ArchiveAudit(path=str(path), error=f"the audit failed on the cluster ({type(exc).__name__}: {exc})")

    with ThreadPoolExecutor(max_workers=max(1, min(ARCHIVES_AT_ONCE, len(paths)))) as pool:
        futures = [pool.submit(one, p) for p in paths]
        results = []
        for i, future in enumerate(futures, 1):
            results.append(future.result())
            say(f"[{i}/{len(paths)}] audited {paths[i - 1]}")
    return results
