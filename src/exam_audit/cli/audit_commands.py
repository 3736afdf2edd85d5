"""The audit commands: audit archives, list the rule catalogue and the stored audits, re-render a stored
audit, make and verify evidence packages."""

from __future__ import annotations

import shlex
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..credentials import redact
from ..errors import ExamAuditError
from ..findings import ITEMS, SEVERITIES, severity_rank
from ..report import ReportOptions, write_reports
from .common import ARCHIVE_OPTION, DB_OPTION, Problem, fail, load_profile, open_store, parse_formats, stored_audit

if TYPE_CHECKING:
    from ..profile import Profile
    from ..results import ArchiveAudit


@click.command()
@click.argument("archives", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("audit-out"),
              show_default=True, help="Folder for the reports (one sub-folder per archive when several).")
@click.option("--db", default=None, help="SQLAlchemy URL or SQLite file path of the audit store "
              "[default: exam-audit.db in the current folder, or $EXAM_AUDIT_DB].", envvar="EXAM_AUDIT_DB")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file overriding parts of the default standards profile.")
@click.option("--format", "formats", default="json,csv,html", show_default=True,
              help="Report formats, comma-separated: json, csv, html (report.html with snapshots), "
              "selfcheck (问题清单 selfcheck.xlsx/.csv for the centre's 自查自改).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of report.html and the self-check list.")
@click.option("--clips", is_flag=True, help="Also cut a short clip of every video finding for report.html.")
@click.option("--fail-on", type=click.Choice([*SEVERITIES, "none"]), default="high", show_default=True,
              help="Exit 1 when a finding has this severity or worse.")
@click.option("--encoding", default=None, help="Read every CSV/JSON table in this encoding (e.g. gb18030) "
              "instead of detecting it.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Processes used for several archives.")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None,
              help="Run the work on each recording on a dask.distributed cluster: its scheduler address "
              "(tcp://host:8786), or 'local' for a cluster of this machine's cores. Every worker must read the "
              "recordings at the same paths. Needs: pip install 'exam-audit[dask]'.")
def audit(archives: tuple[Path, ...], out_dir: Path, db: str | None, profile_path: Path | None,
          formats: str, lang: str, clips: bool, fail_on: str, encoding: str | None, workers: int,
          dask_address: str | None) -> None:
    """Audit one or more ARCHIVES (folders) and write findings.json, findings.csv and report.html.

    Exit status: 0 no finding at or above --fail-on, 1 there are such findings, 2 usage or I/O errors.
    """
    from ..audit import audit_archives
    from ..results import AuditOptions

    chosen = parse_formats(formats)
    profile = load_profile(profile_path)
    store = open_store(db)

    def progress(message: str) -> None:
        click.echo(message, err=True)

    options = AuditOptions(profile_path=profile_path, encoding=encoding, workers=workers, progress=progress)
    command = redact(shlex.join(["exam-audit", *sys.argv[1:]]))
    try:
        results = audit_archives(list(archives), options, profile, store=store, command=command, dask=dask_address,
                                 progress=progress if len(archives) > 1 or dask_address else None)
    except ExamAuditError as exc:
        raise fail(exc) from None

    names = _unique_names(results)
    errors = 0
    worst = len(SEVERITIES)
    for result, name in zip(results, names, strict=True):
        if result.error:
            errors += 1
            click.echo(f"error: {result.error}", err=True)
            continue
        target = out_dir if len(results) == 1 else out_dir / name
        try:
            written = write_reports(result, target, chosen, options=ReportOptions(lang=lang, clips=clips))
        except OSError as exc:
            raise Problem(f"cannot write reports to {target}: {exc.strerror}") from None
        _print_summary(result, profile, written)
        for f in result.findings:
            worst = min(worst, severity_rank(f.severity))
    click.echo(f"Audit store: {store.location}")
    if errors:
        sys.exit(2)
    if fail_on != "none" and worst <= severity_rank(fail_on):
        sys.exit(1)


def _unique_names(results: list[ArchiveAudit]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for r in results:
        base = r.centre_id or r.name
        seen[base] += 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


def _print_summary(result: ArchiveAudit, profile: Profile, written: list[Path]) -> None:
    centre = " ".join(x for x in (result.centre_id, result.centre_name) if x)
    click.echo(f"Archive {result.path}" + (f" — centre {centre}" if centre else "")
               + f" — audit #{result.audit_id}")
    by_item: dict[str, Counter[str]] = {item: Counter() for item in ITEMS}
    for f in result.findings:
        by_item[f.item][f.severity] += 1
    for item in ITEMS:
        counts = by_item[item]
        total = sum(counts.values())
        detail = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
        title = profile.items[item]["en"]
        click.echo(f"  {item} {title:<62} {total:>5}" + (f"  ({detail})" if detail else ""))
    not_run = sorted({c.rule for c in result.checks if c.status == "not_run"})
    if not_run:
        click.echo(f"  {len(not_run)} rule(s) not run or run in part; reasons under \"checks\" in findings.json")
    click.echo(f"  {len(result.findings)} finding(s). Reports: " + ", ".join(str(p) for p in written))


@click.command()
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file overriding parts of the default standards profile.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def rules(profile_path: Path | None, as_json: bool) -> None:
    """List the rule catalogue: id, checklist item, default severity, titles, thresholds and sources."""
    import json

    profile = load_profile(profile_path)
    thresholds = profile.thresholds()
    catalogue = []
    for rule in profile.rules.values():
        used = [t for t in thresholds.values() if rule.id in t.rules]
        catalogue.append({
            "rule": rule.id, "item": rule.item, "severity": profile.severity(rule.id),
            "title_en": rule.title_en, "title_zh": rule.title_zh,
            "thresholds": [{"name": t.name, "value": t.value, "unit": t.unit, "source": t.source,
                            "local_policy": t.local_policy} for t in used],
        })
    if as_json:
        click.echo(json.dumps(catalogue, ensure_ascii=False, indent=2))
        return
    for entry in catalogue:
        click.echo(f"{entry['rule']:<36} {entry['item']}  {entry['severity']:<8} "
                   f"{entry['title_en']} / {entry['title_zh']}")
        for t in entry["thresholds"]:
            policy = " (local policy)" if t["local_policy"] else ""
            click.echo(f"{'':<40}{t['name']} = {t['value']} {t['unit']}{policy} — {t['source']}")


@click.command()
@click.option("--db", default=None, envvar="EXAM_AUDIT_DB",
              help="SQLAlchemy URL or SQLite file path of the audit store.")
def audits(db: str | None) -> None:
    """List the audits recorded in the store, newest first."""
    store = open_store(db)
    rows = store.audits()
    if not rows:
        click.echo(f"No audits recorded in {store.location}.")
    for audit_id, path, centre, started, count in rows:
        click.echo(f"#{audit_id:<5} {started or '':<32} {centre or '-':<12} {count:>6} finding(s)  {path}")


@click.command()
@click.argument("audit_id", type=int)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("audit-out"),
              show_default=True, help="Folder for the reports.")
@click.option("--format", "formats", default="html", show_default=True,
              help="Report formats, comma-separated: json, csv, html, selfcheck.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of report.html and the self-check list.")
@click.option("--clips", is_flag=True, help="Also cut a short clip of every video finding.")
@ARCHIVE_OPTION
@DB_OPTION
def report(audit_id: int, out_dir: Path, formats: str, lang: str, clips: bool, archive_root: Path | None,
           db: str | None) -> None:
    """Re-render the reports of a past audit (AUDIT_ID from `exam-audit audits`) from the store alone."""
    result = stored_audit(db, audit_id)
    try:
        written = write_reports(result, out_dir, parse_formats(formats),
                                options=ReportOptions(lang=lang, clips=clips, archive_root=archive_root))
    except OSError as exc:
        raise Problem(f"cannot write reports to {out_dir}: {exc.strerror}") from None
    click.echo(f"Audit #{audit_id}: {len(result.findings)} finding(s). Reports: "
               + ", ".join(str(p) for p in written))


@click.command()
@click.argument("audit_id", type=int)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .zip to write.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of report.html and the self-check list.")
@click.option("--clips/--no-clips", default=True, show_default=True, help="Cut a clip of every video finding.")
@ARCHIVE_OPTION
@DB_OPTION
def evidence(audit_id: int, out_file: Path, lang: str, clips: bool, archive_root: Path | None,
             db: str | None) -> None:
    """Write the evidence package of AUDIT_ID: reports, snapshots, clips and a MANIFEST of sha256 hashes."""
    from ..report.package import build_package

    result = stored_audit(db, audit_id)
    command = redact(shlex.join(["exam-audit", *sys.argv[1:]]))
    try:
        digest = build_package(result, out_file, ReportOptions(lang=lang, clips=clips, archive_root=archive_root),
                               command)
    except OSError as exc:
        raise Problem(f"cannot write {out_file}: {exc.strerror}") from None
    click.echo(f"Evidence package of audit #{audit_id}: {out_file}")
    click.echo(f"sha256 {digest}  (note it down: it proves later that this is the package you made)")


@click.command()
@click.argument("package", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("archive", required=False, type=click.Path(file_okay=False, path_type=Path))
def verify(package: Path, archive: Path | None) -> None:
    """Check an evidence PACKAGE (and the ARCHIVE it came from) against its MANIFEST.

    Exit status: 0 unchanged, 1 something changed (each file named), 2 the package cannot be read.
    """
    from ..report.package import verify_package

    try:
        result = verify_package(package, archive)
    except ExamAuditError as exc:
        raise fail(exc) from None
    for scope in ("package", "archive"):
        checks = [c for c in result.checks if c.scope == scope]
        if not checks:
            continue
        problems = result.problems(scope)
        click.echo(f"{scope}: {len(checks) - len(problems)} of {len(checks)} file(s) unchanged"
                   + ("" if problems else " — OK"))
        for c in problems:
            click.echo(f"  {c.status.upper():<10} {c.path}" + (f" — {c.detail}" if c.detail else ""))
    audit = result.manifest.get("audit", {})
    click.echo(f"Audit #{audit.get('id')} of {result.manifest.get('archive', {}).get('path')}, "
               f"package made {result.manifest.get('created_at')}: " + ("VERIFIED" if result.ok else "CHANGED"))
    if not result.ok:
        sys.exit(1)


@click.command()
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Only audits started on or after this date.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("summary-out"),
              show_default=True, help="Folder for summary.xlsx / summary.csv / summary.html.")
@click.option("--format", "formats", default="xlsx,csv,html", show_default=True,
              help="Comma-separated: xlsx, csv, html.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the tables.")
@DB_OPTION
def summary(since: str | None, out_dir: Path, formats: str, lang: str, db: str | None) -> None:
    """Roll up the store across centres: per centre, its latest audit's findings by checklist item and
    severity and the rules not run, worst centres first (the campaign's statistics table)."""
    from datetime import date

    from ..report.rollup import FORMATS as ROLLUP_FORMATS
    from ..report.rollup import centre_rows, write_rollup

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in ROLLUP_FORMATS]
    if unknown:
        raise click.BadParameter(f"unknown format {', '.join(unknown)}; choose from {', '.join(ROLLUP_FORMATS)}")
    if since:
        try:
            date.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(f"{since!r} is not a date YYYY-MM-DD", param_hint="--since") from None
    rows = centre_rows(open_store(db).tallies(since))
    try:
        written = write_rollup(rows, out_dir, chosen, lang)
    except OSError as exc:
        raise Problem(f"cannot write the summary to {out_dir}: {exc.strerror}") from None
    for r in rows:
        worst = ", ".join(f"{r.count(severity=s)} {s}" for s in SEVERITIES if r.count(severity=s))
        click.echo(f"{r.centre:<16} {r.name[:24]:<24} audit #{r.latest.audit_id:<5} {r.count():>5} finding(s)"
                   + (f"  ({worst})" if worst else "") + (f"  error: {r.latest.error}" if r.latest.error else ""))
    click.echo(f"{len(rows)} centre(s). Tables: " + ", ".join(str(p) for p in written))
