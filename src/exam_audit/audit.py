"""Running the checks over one archive, or many in parallel, and recording each audit in the store.

The flow reads in one direction: archive → tables and recordings → checks → findings → store → reports.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import __version__
from .archive import Archive, ArchiveData, ArchiveFile, hash_files, open_archive
from .checks import CHECKS, READING_RULES, Check
from .consequences import fold
from .errors import ExamAuditError
from .findings import CheckStatus, Finding, NotRun
from .profile import Profile
from .records.run_summary import ArchiveSummary, reconcile, summary_of
from .records.tables.loader import TableLoader
from .records.tables.schema import TABLES
from .timeline import build_timeline

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class AuditOptions:
    profile_path: Path | None = None
    encoding: str | None = None
    today: date = field(default_factory=date.today)
    workers: int = 2
    store_url: str | None = None  # the audit store, where the media stage caches probes by sha256
    # where long work reports what it is doing (the CLI prints it); never sent to worker processes
    progress: Callable[[str], None] | None = field(default=None, compare=False)


@dataclass
class ArchiveAudit:
    """The outcome of auditing one archive."""

    path: str
    centre_id: str | None = None
    centre_name: str | None = None
    files: list[ArchiveFile] = field(default_factory=list)
    checks: list[CheckStatus] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the archive could not be audited at all
    started_at: datetime | None = None
    finished_at: datetime | None = None
    audit_id: int | None = None  # set by the store
    profile_name: str = ""
    profile_version: str = ""
    tool_version: str = __version__
    # what the rules across archives need (who sat where and when, theory passes), see run_summary.py
    summary: ArchiveSummary = field(default_factory=ArchiveSummary)
    command: str | None = None  # the command line that ran the audit, when known
    # sessions, recordings and presence as JSON (timeline.py), so reports redraw from the store alone
    timeline: dict[str, Any] = field(default_factory=dict)
    # activity fingerprints of the recordings (file -> fingerprint), saved by the store for later audits
    fingerprints: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return Path(self.path).name or self.path


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


def load_archive(archive: Archive, profile: Profile, options: AuditOptions) -> tuple[ArchiveData, list[Finding]]:
    """Read every table of ``archive``: the loaded data and the findings that reading produced."""
    findings: list[Finding] = []
    tz, tz_problem = centre_timezone(archive, profile)
    if tz_problem:
        findings.append(tz_problem)
    for file, problem, problem_zh in archive.problems:
        findings.append(profile.finding("data.invalid_value", file=file,
                                        evidence={"value": "", "problem": problem, "problem_zh": problem_zh}))
    loader = TableLoader(profile, tz, options.encoding, options.today)
    data = ArchiveData(archive=archive, tz=tz)
    for name, path in archive.tables.items():
        table, table_findings = loader.load(path, archive.rel(path), TABLES[name])
        data.tables[name] = table
        findings.extend(table_findings)
    return data, findings


def _unmet(check: Check, data: ArchiveData) -> tuple[str, list[str]] | None:
    """Why ``check`` cannot run on ``data`` and which absent tables are to blame, or None."""
    absent: list[str] = []
    reasons: list[str] = []
    for name in check.needs:
        table = data.table(name)
        if table is None:
            if not TABLES[name].optional:
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
    if check.needs_recordings and not data.archive.recordings:
        reasons.append("no recordings under recordings/")
    elif check.needs_recordings and data.media.get("unavailable"):
        reasons.append(data.media["unavailable"])  # e.g. ffprobe missing: nothing was measured
    return ("; ".join(reasons), absent) if reasons else None


def run_checks(data: ArchiveData, profile: Profile,
               checks: Sequence[Check] = CHECKS) -> tuple[list[CheckStatus], list[Finding]]:
    """Run every check that can run; the status of every rule in the catalogue, and the findings."""
    findings: list[Finding] = []
    ran: set[str] = set()
    not_run: dict[str, list[str]] = defaultdict(list)  # rule -> "check: reason" for each check that could not run
    partial: list[CheckStatus] = []
    blocked_by_table: dict[str, list[str]] = defaultdict(list)
    if data.tables:
        ran.update(READING_RULES)
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
                else:
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
    implemented = {rule for check in checks for rule in check.rules} | set(READING_RULES)
    implemented |= {"data.missing_table", "data.file_changed"}
    for rule in profile.rules:
        reasons = "; ".join(sorted(set(not_run.get(rule, ()))))
        if rule in ran:
            statuses.append(CheckStatus(rule, "run"))
            if reasons:  # run in part: another check producing this rule could not run
                statuses.append(CheckStatus(rule, "not_run", f"in part: {reasons}"))
        elif rule == "data.file_changed":
            continue  # decided by the audit against the store, not by a check
        elif reasons:
            statuses.append(CheckStatus(rule, "not_run", reasons))
        elif rule in implemented:
            statuses.append(CheckStatus(rule, "not_run", "no tables in the archive"))
        else:
            statuses.append(CheckStatus(rule, "not_run", f"not implemented in exam-audit {__version__}"))
    statuses.extend(partial)
    return statuses, findings


def audit_archive(path: str | Path, options: AuditOptions, profile: Profile | None = None) -> ArchiveAudit:
    """Audit one archive. Never raises for a bad archive: the error is recorded in the result."""
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
    data, findings = load_archive(archive, profile, options)
    if archive.recordings:
        from .video.stage import media_stage  # imported here: table-only audits never load OpenCV

        findings.extend(media_stage(data, profile, options))
        digests = data.media.get("sha256", {})
        result.files = [replace(f, sha256=digests.get(f.path, f.sha256)) for f in result.files]
        _fingerprints(data, result, options)
    statuses, check_findings = run_checks(data, profile)
    result.checks = statuses
    result.summary = summary_of(data, profile, statuses)
    result.timeline = build_timeline(data)
    result.findings = sorted(fold(findings + check_findings), key=Finding.sort_key)
    result.finished_at = _now()
    return result


def _fingerprints(data: ArchiveData, result: ArchiveAudit, options: AuditOptions) -> None:
    """Keep this audit's recording fingerprints for the store, and give the checks the earlier ones."""
    for file, analysis in data.media.get("analysis", {}).items():
        if (analysis.get("fingerprint") or {}).get("samples"):
            result.fingerprints[file] = analysis["fingerprint"]
    if options.store_url:
        from .store import Store  # the store imports this module

        data.media["earlier_fingerprints"] = Store(options.store_url).earlier_fingerprints(
            result.path, {f.path: f.sha256 for f in result.files if f.sha256})


def _audit_in_worker(path: str, options: AuditOptions) -> ArchiveAudit:
    return audit_archive(path, options)


def audit_archives(paths: Sequence[str | Path], options: AuditOptions, profile: Profile,
                   progress: Progress | None = None) -> list[ArchiveAudit]:
    """Audit several archives, one process per archive on up to ``options.workers`` cores."""
    say = progress or (lambda _msg: None)
    total = len(paths)
    if total == 1 or options.workers <= 1:
        out = []
        for i, path in enumerate(paths, 1):
            say(f"[{i}/{total}] auditing {path}")
            out.append(audit_archive(path, options, profile))
        return add_cross_archive_findings(out, profile)
    results: list[ArchiveAudit | None] = [None] * total
    workers = min(options.workers, total, os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        quiet = replace(options, progress=None)  # a callback does not cross into worker processes
        futures = {pool.submit(_audit_in_worker, str(p), quiet): i for i, p in enumerate(paths)}
        for done, future in enumerate(as_completed(futures), 1):
            i = futures[future]
            results[i] = future.result()
            say(f"[{done}/{total}] audited {paths[i]}")
    return add_cross_archive_findings([r for r in results if r is not None], profile)


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


@dataclass(frozen=True)
class PreviousFile:
    sha256: str
    audit_id: int
    audited_at: str


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
