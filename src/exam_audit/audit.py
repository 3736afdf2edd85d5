"""Running an audit: read an archive, measure its recordings, run the checks, compare it with its earlier audit,
and record it in the store — for one archive, or many in parallel.

The flow reads in one direction: archive → tables and recordings → media stage → checks → findings → store →
reports. The store is opened once per run by the caller and handed down as the small interfaces a stage
needs (a probe cache, a fingerprint history); only the process that called ``audit_archives`` writes to it.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import __version__
from .archive import Archive, ArchiveData, hash_files, open_archive
from .checks import AUDIT_RULES, CHECKS
from .errors import ExamAuditError
from .findings import Check, CheckStatus, Finding, NotRun
from .profile import Profile
from .records.run_summary import reconcile, summary_of
from .records.tables.loader import TableLoader
from .records.tables.schema import TABLES
from .results import ArchiveAudit, ArchiveFile, AuditOptions, PreviousFile
from .timeline import build_timeline

if TYPE_CHECKING:
    from .store import Store
    from .video.analysis_cache import AnalysisCache
    from .video.content.recycled import FingerprintHistory
    from .video.media.measure import ProbeCache
    from .video.stage import FileWork

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _now() -> datetime:
    return datetime.now(timezone.utc).astimezone()


def centre_timezone(archive: Archive, profile: Profile) -> tuple[ZoneInfo, Finding | None]:
    name = archive.centre.timezone or profile.timezone_name
    try:
        return ZoneInfo(name), None
    except (ZoneInfoNotFoundError, ValueError):
        fallback = profile.timezone_name
        return ZoneInfo(fallback), profile.finding(
            "data.invalid_value", file="centre.toml", column="timezone",
            evidence={"value": name, "problem": f"unknown timezone; {fallback} used",
                      "problem_zh": f"未知时区，已使用 {fallback}"})


def load_archive(archive: Archive, profile: Profile, options: AuditOptions) -> ArchiveData:
    """Read every table of ``archive``; what reading found is kept in ``data.reading`` for its check."""
    data = ArchiveData(archive=archive, tz=None)
    tz, tz_problem = centre_timezone(archive, profile)
    data.tz = tz
    if tz_problem:
        data.reading.append(tz_problem)
    for file, problem, problem_zh in archive.problems:
        data.reading.append(profile.finding("data.invalid_value", file=file,
                                            evidence={"value": "", "problem": problem, "problem_zh": problem_zh}))
    loader = TableLoader(profile, tz, options.encoding, options.today)
    for name, path in archive.tables.items():
        table, table_findings = loader.load(path, archive.rel(path), TABLES[name])
        data.tables[name] = table
        data.reading.extend(table_findings)
    return data


def _unmet(check: Check, data: ArchiveData) -> tuple[str, list[str]] | None:
    """Why ``check`` cannot run on ``data`` and which absent tables are to blame, or None."""
    absent: list[str] = []
    reasons: list[str] = []
    if check.needs_tables and not data.tables:
        reasons.append("no tables in the archive")
    for name in check.needs:
        table = data.table(name)
        if table is None:
            if not TABLES[name].optional:  # an optional table (answers.csv) is no missing-table finding
                absent.append(name)
            reasons.append(f"{name}.csv absent")
        elif not table.readable:
            reasons.append(table.problem or f"{table.file} unreadable")
        else:
            missing = [c for c in TABLES[name].required if c not in table.columns]
            if missing:
                reasons.append(f"{table.file} lacks column(s) {', '.join(missing)}")
    if check.needs_any and not any(data.table(n) and data.table(n).readable for n in check.needs_any):
        absent.extend(n for n in check.needs_any if data.table(n) is None)
        reasons.append(" and ".join(f"{n}.csv" for n in check.needs_any) + " absent or unreadable")
    if check.needs_recordings:
        if not data.archive.recordings:
            reasons.append("no recordings under recordings/")
        elif data.media.unavailable:
            reasons.append(data.media.unavailable)  # e.g. ffprobe missing: nothing was measured
        elif data.media.recordings is None:
            reasons.append("recordings were not probed")
    return ("; ".join(reasons), absent) if reasons else None


def run_checks(data: ArchiveData, profile: Profile,
               checks: Sequence[Check] = CHECKS) -> tuple[list[CheckStatus], list[Finding]]:
    """Run every check that can run; the status of every rule in the catalogue, and the findings."""
    findings: list[Finding] = []
    ran: set[str] = set()
    not_run: dict[str, list[str]] = defaultdict(list)  # rule -> "check: reason" for each check that could not run
    partial: list[CheckStatus] = []
    blocked_by_table: dict[str, list[str]] = defaultdict(list)
    for check in checks:
        unmet = _unmet(check, data)
        if unmet:
            reason, absent = unmet
            for rule in check.rules:
                not_run[rule].append(f"{check.name}: {reason}")
            for name in absent:
                blocked_by_table[name].extend(check.rules)
            continue
        try:
            for item in check.run(data, profile):
                if isinstance(item, NotRun):
                    partial.append(CheckStatus(item.rule, "not_run", item.reason))
                    continue
                if item.rule not in check.rules:  # a defect of exam-audit: the test of the registry catches it
                    log.error("check %r yielded %s, which it does not declare", check.name, item.rule)
                findings.append(item)
        except Exception as exc:  # a defect in one check must not stop the others: say so, visibly
            log.exception("check %r failed", check.name)
            for rule in check.rules:
                not_run[rule].append(f"{check.name}: failed with {type(exc).__name__}: {exc}")
            continue
        ran.update(check.rules)

    for name, rules in sorted(blocked_by_table.items()):
        unique = sorted(set(rules))
        findings.append(profile.finding(
            "data.missing_table", table=name, file=f"{name}.csv",
            evidence={"checks_not_run": ", ".join(unique), "rules": unique,
                      "title_zh": TABLES[name].title_zh}))
    ran.add("data.missing_table")  # decided for every table a check needs, found missing or not

    statuses: list[CheckStatus] = []
    implemented = {rule for check in checks for rule in check.rules} | set(AUDIT_RULES)
    for rule in profile.rules:
        reasons = "; ".join(sorted(set(not_run.get(rule, ()))))
        if rule in ran:
            statuses.append(CheckStatus(rule, "run"))
            if reasons:  # run in part: another check producing this rule could not run
                statuses.append(CheckStatus(rule, "not_run", f"in part: {reasons}"))
        elif rule == "data.file_changed":
            continue  # decided by the audit against the store, after the checks
        elif reasons:
            statuses.append(CheckStatus(rule, "not_run", reasons))
        elif rule not in implemented:
            statuses.append(CheckStatus(rule, "not_run", f"not implemented in exam-audit {__version__}"))
    statuses.extend(partial)
    return statuses, findings


def audit_archive(path: str | Path, options: AuditOptions, profile: Profile | None = None, *,
                  probes: ProbeCache | None = None, history: FingerprintHistory | None = None,
                  analyses: AnalysisCache | None = None, work: FileWork | None = None) -> ArchiveAudit:
    """Audit one archive, without the store's part (tamper evidence, saving: ``audit_archives``). Never
    raises for a bad archive: the error is recorded in the result."""
    profile = profile or Profile.load(options.profile_path)
    result = ArchiveAudit(path=str(path), started_at=_now(), profile_name=profile.name,
                          profile_version=profile.version)
    try:
        archive = open_archive(Path(path))
    except ExamAuditError as exc:
        result.error = str(exc)
        result.finished_at = _now()
        return result
    result.centre_id, result.centre_name = archive.centre.id, archive.centre.name
    # recordings are hashed by the media stage, together with their probe (one read per file)
    result.files = hash_files(archive, workers=options.workers,
                              skip=frozenset({"recording"}) if archive.recordings else frozenset())
    data = load_archive(archive, profile, options)
    if archive.recordings:
        from .video.stage import media_stage  # imported here: table-only audits never load OpenCV or numpy

        data.media = media_stage(data, profile, workers=options.workers, probes=probes, history=history,
                                 analyses=analyses, archive_path=result.path, progress=options.progress,
                                 work=work)
        digests = data.media.sha256
        result.files = [replace(f, sha256=digests.get(f.path, f.sha256)) for f in result.files]
        result.new_probes, result.new_analyses = data.media.new_probes, data.media.new_analyses
        result.new_recycled = data.media.new_recycled
        result.fingerprints = {file: a.fingerprint for file, a in data.media.analysis.items()
                               if a.fingerprint and a.fingerprint.get("samples")}
        result.fingerprint_bin_s = float(profile.threshold("duplicate_bin_s"))
    statuses, findings = run_checks(data, profile)
    result.checks = statuses
    result.summary = summary_of(data, profile, statuses)
    result.timeline = build_timeline(data, profile)
    result.findings = sorted(findings, key=Finding.sort_key)
    result.finished_at = _now()
    return result


_WORKER_STORE: dict[str, Store] = {}


def _audit_in_worker(path: str, options: AuditOptions, store_url: str | None) -> ArchiveAudit:
    """One archive in a worker process: the store is read there (its schema exists), never written."""
    reader = None
    if store_url:
        from .store import Store

        try:
            reader = _WORKER_STORE.get(store_url)
            if reader is None:  # once per worker process, however many archives it audits
                reader = _WORKER_STORE[store_url] = Store(store_url, create=False)
        except ExamAuditError as exc:  # the caches only save time: the audit goes on without them
            log.warning("audit store not read in a worker: %s", exc)
    return audit_archive(path, options, probes=reader, history=reader, analyses=reader)


def audit_archives(paths: Sequence[str | Path], options: AuditOptions, profile: Profile, *,
                   store: Store | None = None, command: str | None = None, dask: str | None = None,
                   progress: Progress | None = None) -> list[ArchiveAudit]:
    """Audit several archives, one process per archive on up to ``options.workers`` cores, or with their
    recordings' work on the dask cluster at ``dask`` (``"local"``: one sized to this machine); then the
    rules across archives, and, with a ``store``, each archive's comparison with its previous audit
    (data.file_changed) and its record in the store (``audit_id``)."""
    say = progress or (lambda _msg: None)
    total = len(paths)
    if dask:
        from . import fleet

        client = fleet.connect(dask)
        try:
            quiet = replace(options, progress=None)
            results = fleet.audit_on_cluster(
                paths, lambda path, work: audit_archive(path, quiet, profile, probes=store, history=store,
                                                        analyses=store, work=work),
                client, store.url if store else None, say)
        finally:
            client.close()
            if client.cluster is not None:
                client.cluster.close()
    elif total == 1 or options.workers <= 1:
        results = []
        for i, path in enumerate(paths, 1):
            say(f"[{i}/{total}] auditing {path}")
            results.append(audit_archive(path, options, profile, probes=store, history=store, analyses=store))
    else:
        done_results: list[ArchiveAudit | None] = [None] * total
        workers = min(options.workers, total, os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            quiet = replace(options, progress=None)  # a callback does not cross into worker processes
            url = store.url if store else None
            futures = {pool.submit(_audit_in_worker, str(p), quiet, url): i for i, p in enumerate(paths)}
            for done, future in enumerate(as_completed(futures), 1):
                i = futures[future]
                done_results[i] = future.result()
                say(f"[{done}/{total}] audited {paths[i]}")
        results = [r for r in done_results if r is not None]
    results = add_cross_archive_findings(results, profile)
    for result in results:
        if result.error:
            continue
        if store is not None:
            record(result, store, profile, command)
        else:
            result.checks.append(CheckStatus("data.file_changed", "not_run", "no audit store to compare with"))
    return results


def record(result: ArchiveAudit, store: Store, profile: Profile, command: str | None = None) -> None:
    """Compare ``result`` with the previous audit of the same folder (data.file_changed) and save it."""
    changed = file_changes(result.files, store.previous_files(result.path), profile)
    result.findings = sorted(result.findings + changed, key=Finding.sort_key)
    result.checks.append(CheckStatus("data.file_changed", "run"))
    store.save(result, command)


def add_cross_archive_findings(results: list[ArchiveAudit], profile: Profile) -> list[ArchiveAudit]:
    """Rules that compare the archives of one run (a candidate at two centres at once, a theory passed at
    another centre), run in the main process from each archive's compact summary."""
    if len(results) < 2:
        return results
    names = [str(Path(r.path).resolve()) for r in results]
    reconciled = reconcile(names, [r.summary for r in results], [r.findings for r in results], profile)
    for result, findings in zip(results, reconciled, strict=True):
        result.findings = findings
    return results


def file_changes(files: Iterable[ArchiveFile], previous: dict[str, PreviousFile],
                 profile: Profile) -> list[Finding]:
    """data.file_changed for every file whose sha256 differs from the one an earlier audit recorded."""
    out = []
    seen = set()
    for f in files:
        seen.add(f.path)
        before = previous.get(f.path)
        if before and f.sha256 and before.sha256 != f.sha256:
            out.append(_changed(profile, f.path, f.sha256, before))
    for path, before in sorted(previous.items()):
        if path not in seen:  # a file an earlier audit saw has gone: the strongest change of all
            out.append(_changed(profile, path, "(file removed)", before))
    return out


def _changed(profile: Profile, path: str, sha256: str, before: PreviousFile) -> Finding:
    return profile.finding(
        "data.file_changed", file=path,
        evidence={"sha256": sha256, "previous_sha256": before.sha256,
                  "previous_audit": before.audit_id, "previous_time": before.audited_at})
