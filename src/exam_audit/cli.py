"""The command line: parse, call the library, print. No audit logic lives here."""

from __future__ import annotations

import logging
import shlex
import sys
from collections import Counter
from pathlib import Path

import click

from . import __version__
from .audit import ArchiveAudit, AuditOptions, audit_archives, file_changes
from .errors import ExamAuditError
from .findings import ITEMS, SEVERITIES, Finding, severity_rank
from .profile import Profile
from .report import FORMATS, ReportOptions, write_reports
from .store import Store, database_url


class Problem(click.ClickException):
    """A usage or I/O problem: one line on stderr, exit status 2 (1 is kept for "findings at --fail-on")."""

    exit_code = 2


def _fail(exc: ExamAuditError) -> click.ClickException:
    return Problem(str(exc))


def _load_profile(path: Path | None) -> Profile:
    try:
        return Profile.load(path)
    except ExamAuditError as exc:
        raise _fail(exc) from None


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(f.strip().lower() for f in value.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise click.BadParameter(f"unknown format {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    return chosen


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="exam-audit")
@click.option("-v", "--verbose", is_flag=True, help="Show debug messages on stderr.")
def main(verbose: bool) -> None:
    """Audit the archives of work-safety exam centres (安全生产考试点).

    Scans exam recordings and exam-system data, and turns what it finds into findings tied to the
    inspection checklist items C1–C7, with evidence.
    """
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@main.command()
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
def audit(archives: tuple[Path, ...], out_dir: Path, db: str | None, profile_path: Path | None,
          formats: str, lang: str, clips: bool, fail_on: str, encoding: str | None, workers: int) -> None:
    """Audit one or more ARCHIVES (folders) and write findings.json, findings.csv and report.html.

    Exit status: 0 no finding at or above --fail-on, 1 there are such findings, 2 usage or I/O errors.
    """
    chosen = _formats(formats)
    profile = _load_profile(profile_path)
    try:
        store = Store(database_url(db))
    except ExamAuditError as exc:
        raise _fail(exc) from None
    def progress(message: str) -> None:
        click.echo(message, err=True)

    options = AuditOptions(profile_path=profile_path, encoding=encoding, workers=workers, store_url=store.url,
                           progress=progress)
    results = audit_archives(list(archives), options, profile, progress if len(archives) > 1 else None)

    command = shlex.join(["exam-audit", *sys.argv[1:]])
    names = _unique_names(results)
    errors = 0
    worst = len(SEVERITIES)
    for result, name in zip(results, names, strict=True):
        if result.error:
            errors += 1
            click.echo(f"error: {result.error}", err=True)
            continue
        result.findings = sorted(
            result.findings + file_changes(result.files, store.previous_files(result.path), profile),
            key=Finding.sort_key)
        store.save(result, command)
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


@main.command()
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file overriding parts of the default standards profile.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def rules(profile_path: Path | None, as_json: bool) -> None:
    """List the rule catalogue: id, checklist item, default severity, titles, thresholds and sources."""
    import json

    profile = _load_profile(profile_path)
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


@main.command()
@click.option("--db", default=None, envvar="EXAM_AUDIT_DB",
              help="SQLAlchemy URL or SQLite file path of the audit store.")
def audits(db: str | None) -> None:
    """List the audits recorded in the store, newest first."""
    try:
        store = Store(database_url(db))
    except ExamAuditError as exc:
        raise _fail(exc) from None
    rows = store.audits()
    if not rows:
        click.echo(f"No audits recorded in {store.location}.")
    for audit_id, path, centre, started, count in rows:
        click.echo(f"#{audit_id:<5} {started or '':<32} {centre or '-':<12} {count:>6} finding(s)  {path}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file, in a list.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True,
              help="Time zone of the times in file names (creation_time tags are UTC).")
def probe(files: tuple[Path, ...], as_json: bool, timezone: str) -> None:
    """Show each recording's timeline: wall-clock span and its source, media duration from packet
    timestamps, codec, resolution, frame rate (variable or not), GOP and timestamp discontinuities."""
    import json
    from zoneinfo import ZoneInfoNotFoundError

    from .video.timeline import describe

    try:
        recordings = describe.probe_files(list(files), timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {timezone!r}; use an IANA name such as Asia/Shanghai",
                                 param_hint="--timezone") from None
    except ExamAuditError as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps([describe.as_json(r) for r in recordings], ensure_ascii=False, indent=2))
        return
    for r in recordings:
        click.echo("\n".join(describe.as_text(r)))


@main.group()
def fixtures() -> None:
    """Synthetic archives with known, injected defects (for tests, demos and self-checks)."""


@fixtures.command("make")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: same seed, same archive.")
@click.option("--defects", default="",
              help="Comma-separated defects to inject; 'all' is every defect that combines with the others, "
              "'solo' every defect that destroys a table. `exam-audit fixtures defects` lists them.")
@click.option("--sessions", type=click.IntRange(1, 10000), default=6, show_default=True,
              help="Number of exam sessions.")
@click.option("--candidates", type=click.IntRange(1, 100000), default=12, show_default=True,
              help="Candidates per session.")
@click.option("--force", is_flag=True, help="Write into DIRECTORY even if it is not empty.")
@click.option("--video", is_flag=True, help="Also write real recordings of every session (needs ffmpeg); "
              "'all' then includes the video defects.")
def fixtures_make(directory: Path, seed: int, defects: str, sessions: int, candidates: int,
                  force: bool, video: bool) -> None:
    """Write a synthetic archive to DIRECTORY, with ground_truth.json listing every injected defect."""
    from .fixtures import DEFECTS, FixtureSpec, make_archive
    from .fixtures.registry import combinable, solo

    groups = {"all": combinable(video=video), "solo": solo()}
    chosen = tuple(name for d in defects.split(",") if d.strip()
                   for name in groups.get(d.strip(), (d.strip(),)))
    unknown = [d for d in chosen if d not in DEFECTS]
    if unknown:
        raise click.BadParameter(f"unknown defect(s) {', '.join(unknown)}; see `exam-audit fixtures defects`",
                                 param_hint="--defects")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise Problem(f"{directory} is not empty; choose a new folder or pass --force")
    spec = FixtureSpec(seed=seed, defects=chosen, sessions=sessions, candidates_per_session=candidates,
                       video=video)
    try:
        truth = make_archive(directory, spec)
    except (ValueError, OSError, ExamAuditError) as exc:
        raise Problem(f"cannot write the fixture to {directory}: {exc}") from None
    click.echo(f"Wrote a synthetic archive to {directory} ({len(truth)} injected defect(s), "
               f"listed in {directory / 'ground_truth.json'}).")


@fixtures.command("defects")
def fixtures_defects() -> None:
    """List the defects the fixture generator can inject."""
    from .fixtures import DEFECTS

    for name, defect in DEFECTS.items():
        group = "solo" if defect.solo else "video" if defect.video else "all"
        click.echo(f"{name:<28} {group:<5} {defect.rule:<36} {defect.description}")


def _stored_audit(db: str | None, audit_id: int) -> ArchiveAudit:
    try:
        return Store(database_url(db)).load(audit_id)
    except ExamAuditError as exc:
        raise _fail(exc) from None


_DB_OPTION = click.option("--db", default=None, envvar="EXAM_AUDIT_DB",
                          help="SQLAlchemy URL or SQLite file path of the audit store.")
_ARCHIVE_OPTION = click.option(
    "--archive", "archive_root", type=click.Path(file_okay=False, path_type=Path),
    help="Where the archive is now, if it moved since the audit (for snapshots and clips).")


@main.command()
@click.argument("audit_id", type=int)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("audit-out"),
              show_default=True, help="Folder for the reports.")
@click.option("--format", "formats", default="html", show_default=True,
              help="Report formats, comma-separated: json, csv, html, selfcheck.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of report.html and the self-check list.")
@click.option("--clips", is_flag=True, help="Also cut a short clip of every video finding.")
@_ARCHIVE_OPTION
@_DB_OPTION
def report(audit_id: int, out_dir: Path, formats: str, lang: str, clips: bool, archive_root: Path | None,
           db: str | None) -> None:
    """Re-render the reports of a past audit (AUDIT_ID from `exam-audit audits`) from the store alone."""
    result = _stored_audit(db, audit_id)
    try:
        written = write_reports(result, out_dir, _formats(formats),
                                options=ReportOptions(lang=lang, clips=clips, archive_root=archive_root))
    except OSError as exc:
        raise Problem(f"cannot write reports to {out_dir}: {exc.strerror}") from None
    click.echo(f"Audit #{audit_id}: {len(result.findings)} finding(s). Reports: "
               + ", ".join(str(p) for p in written))


@main.command()
@click.argument("audit_id", type=int)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .zip to write.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of report.html and the self-check list.")
@click.option("--clips/--no-clips", default=True, show_default=True, help="Cut a clip of every video finding.")
@_ARCHIVE_OPTION
@_DB_OPTION
def evidence(audit_id: int, out_file: Path, lang: str, clips: bool, archive_root: Path | None,
             db: str | None) -> None:
    """Write the evidence package of AUDIT_ID: reports, snapshots, clips and a MANIFEST of sha256 hashes."""
    from .report.package import build_package

    result = _stored_audit(db, audit_id)
    command = shlex.join(["exam-audit", *sys.argv[1:]])
    try:
        digest = build_package(result, out_file, ReportOptions(lang=lang, clips=clips, archive_root=archive_root),
                               command)
    except OSError as exc:
        raise Problem(f"cannot write {out_file}: {exc.strerror}") from None
    click.echo(f"Evidence package of audit #{audit_id}: {out_file}")
    click.echo(f"sha256 {digest}  (note it down: it proves later that this is the package you made)")


@main.command()
@click.argument("package", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.argument("archive", required=False, type=click.Path(file_okay=False, path_type=Path))
def verify(package: Path, archive: Path | None) -> None:
    """Check an evidence PACKAGE (and the ARCHIVE it came from) against its MANIFEST.

    Exit status: 0 unchanged, 1 something changed (each file named), 2 the package cannot be read.
    """
    from .report.package import verify_package

    try:
        result = verify_package(package, archive)
    except ExamAuditError as exc:
        raise _fail(exc) from None
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


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file overriding parts of the default standards profile (thresholds, sample rate).")
@click.option("--json", "as_json", is_flag=True, help="Print the scan as JSON (one object per file).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Processes used for several files.")
def scan(files: tuple[Path, ...], profile_path: Path | None, as_json: bool, workers: int) -> None:
    """Scan recordings FILES for black, frozen, moved-camera and recycled footage, with times.

    Times are media seconds from each file's first packet, and wall-clock times when the file name or
    its creation_time says when it starts. Exit status: 0 scanned, 2 a file could not be read.
    """
    import json

    from .video.content.scan import scan_files

    profile = _load_profile(profile_path)
    try:
        scans = scan_files(list(files), profile, workers)
    except ExamAuditError as exc:
        raise _fail(exc) from None
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in scans], ensure_ascii=False, indent=2))
    for s in scans:
        if s.error:
            click.echo(f"error: {s.file}: {s.error}", err=True)
        elif not as_json:
            _print_scan(s.to_dict())
    if any(s.error for s in scans):
        sys.exit(2)


def _print_scan(d: dict) -> None:
    sampling = d["sampling"]
    click.echo(f"{d['file']}  {d['duration_s']:.1f} s  {d['size']} {d['codec']}"
               + (f"  starts {d['start']} ({d['start_source']})" if d["start"] else ""))
    click.echo(f"  sampled: {sampling.get('mode')}, {sampling.get('samples')} samples — {sampling.get('reason')}")
    if not d["events"]:
        click.echo("  no content events")
    for e in d["events"]:
        when = f"  {e['start']}" if e.get("start") else ""
        detail = {k: v for k, v in e.items() if k not in ("kind", "start_s", "end_s", "duration_s", "start", "end")}
        click.echo(f"  {e['kind']:<13} {e['start_s']:>9.1f}–{e['end_s']:<9.1f} s ({e['duration_s']:.1f} s){when}  "
                   + ", ".join(f"{k}={v}" for k, v in detail.items()))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--zone", "zones", multiple=True, metavar="X,Y;X,Y;…",
              help="Zone polygon in normalised coordinates (0..1); repeat for several. Default: whole frame.")
@click.option("--detector", type=click.Choice(["auto", "person", "motion"]), default=None,
              help="Presence detector [default: the profile's, auto = person when a model is found].")
@click.option("--model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Person-detector model (a YOLOX ONNX export) [default: $EXAM_AUDIT_MODEL, the profile, "
              "an installed one, or the shipped YOLOX-Nano].")
@click.option("--rate", type=click.FloatRange(0.01, 30), default=2.0, show_default=True,
              help="Samples per second.")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file overriding parts of the default standards profile.")
@click.option("--json", "as_json", is_flag=True, help="Print intervals and per-sample counts as JSON.")
def presence(file: Path, zones: tuple[str, ...], detector: str | None, model: Path | None, rate: float,
             profile_path: Path | None, as_json: bool) -> None:
    """Show when someone is present in a zone of one video FILE: the present/absent intervals and the
    per-sample counts, for tuning zones before an audit."""
    import json

    from .video.presence.analyser import presence_of_file
    from .video.presence.zones import parse_zone

    profile = _load_profile(profile_path)
    try:
        polygons = [parse_zone(z) for z in zones]
        probe, track = presence_of_file(file, profile, detector=detector, model=model, zones=polygons,
                                        rate_hz=rate)
    except ExamAuditError as exc:
        raise _fail(exc) from None
    report = {"file": str(file), "width": probe.width, "height": probe.height, "duration_s": probe.duration_s,
              "rate_hz": rate, "zones": [list(map(list, p)) for p in polygons], **track.to_dict()}
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"{file} — {probe.width}x{probe.height}, {probe.duration_s:.1f} s — detector: {track.detector}"
               f" — {rate:g} samples/s — zone: {'; '.join(zones) or 'whole frame'}")
    if track.note:
        click.echo(f"  note: {track.note}")
    for row in report["intervals"]:
        click.echo(f"  {row['state']:<8} {row['start_s']:>9.1f} s – {row['end_s']:>9.1f} s"
                   f"  ({row['duration_s']:.1f} s)")
    click.echo("  t (s)   people  in zone  present")
    for row in report["samples"]:
        people = "-" if row["people"] is None else row["people"]
        in_zone = "-" if row["in_zone"] is None else row["in_zone"]
        click.echo(f"  {row['t']:>7.1f} {people!s:>6} {in_zone!s:>8}  {'yes' if row['present'] else 'no'}")


@main.group()
def models() -> None:
    """The person-detector model: YOLOX-Nano ships with exam-audit; install another YOLOX export, or see
    which one is used."""


@models.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def models_install(file: Path) -> None:
    """Install another YOLOX COCO model (ONNX) FILE for the person detector, instead of the shipped
    YOLOX-Nano: it must load and give YOLOX's output; its sha256 is kept and checked at every load."""
    from .video.presence.models import install_model

    try:
        target = install_model(file)
    except ExamAuditError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise Problem(f"cannot install the model: {exc}") from None
    click.echo(f"Installed {file.name} to {target} (its sha256 is checked at every load)")


@models.command("where")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file overriding parts of the default standards profile.")
def models_where(profile_path: Path | None) -> None:
    """Say which person-detector model the audit would use, and why."""
    from .video.presence.models import find_model, installed_path

    choice = find_model(_load_profile(profile_path))
    if choice.path:
        checked = f", sha256 {choice.sha256} checked at load" if choice.sha256 else ""
        click.echo(f"{choice.path} (from {choice.source}{checked})")
    else:
        click.echo(f"none: {choice.problem}. Install location: {installed_path()}")


if __name__ == "__main__":  # pragma: no cover
    main()
