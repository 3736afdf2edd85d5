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
from .report import write_reports
from .store import Store, database_url

FORMATS = ("json", "csv")


def _fail(exc: ExamAuditError) -> click.ClickException:
    return click.ClickException(str(exc))


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
@click.option("--format", "formats", default="json,csv", show_default=True,
              help="Report formats, comma-separated: json, csv.")
@click.option("--fail-on", type=click.Choice([*SEVERITIES, "none"]), default="high", show_default=True,
              help="Exit 1 when a finding has this severity or worse.")
@click.option("--encoding", default=None, help="Read every CSV/JSON table in this encoding (e.g. gb18030) "
              "instead of detecting it.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Processes used for several archives.")
def audit(archives: tuple[Path, ...], out_dir: Path, db: str | None, profile_path: Path | None,
          formats: str, fail_on: str, encoding: str | None, workers: int) -> None:
    """Audit one or more ARCHIVES (folders) and write findings.json and findings.csv.

    Exit status: 0 no finding at or above --fail-on, 1 there are such findings, 2 usage or I/O errors.
    """
    chosen = _formats(formats)
    profile = _load_profile(profile_path)
    try:
        store = Store(database_url(db))
    except ExamAuditError as exc:
        raise _fail(exc) from None
    options = AuditOptions(profile_path=profile_path, encoding=encoding, workers=workers)
    progress = (lambda msg: click.echo(msg, err=True)) if len(archives) > 1 else None
    results = audit_archives(list(archives), options, profile, progress)

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
            written = write_reports(result, target, chosen)
        except OSError as exc:
            raise click.ClickException(f"cannot write reports to {target}: {exc.strerror}") from None
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
def fixtures_make(directory: Path, seed: int, defects: str, sessions: int, candidates: int,
                  force: bool) -> None:
    """Write a synthetic archive to DIRECTORY, with ground_truth.json listing every injected defect."""
    from .fixtures import DEFECTS, FixtureSpec, make_archive
    from .fixtures.registry import combinable, solo

    groups = {"all": combinable(), "solo": solo()}
    chosen = tuple(name for d in defects.split(",") if d.strip()
                   for name in groups.get(d.strip(), (d.strip(),)))
    unknown = [d for d in chosen if d not in DEFECTS]
    if unknown:
        raise click.BadParameter(f"unknown defect(s) {', '.join(unknown)}; see `exam-audit fixtures defects`",
                                 param_hint="--defects")
    if directory.exists() and any(directory.iterdir()) and not force:
        raise click.ClickException(f"{directory} is not empty; choose a new folder or pass --force")
    spec = FixtureSpec(seed=seed, defects=chosen, sessions=sessions, candidates_per_session=candidates)
    try:
        truth = make_archive(directory, spec)
    except (ValueError, OSError) as exc:
        raise click.ClickException(f"cannot write the fixture to {directory}: {exc}") from None
    click.echo(f"Wrote a synthetic archive to {directory} ({len(truth)} injected defect(s), "
               f"listed in {directory / 'ground_truth.json'}).")


@fixtures.command("defects")
def fixtures_defects() -> None:
    """List the defects the fixture generator can inject."""
    from .fixtures import DEFECTS

    for name, defect in DEFECTS.items():
        group = "solo" if defect.solo else "all"
        click.echo(f"{name:<28} {group:<5} {defect.rule:<36} {defect.description}")


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--zone", "zones", multiple=True, metavar="X,Y;X,Y;…",
              help="Zone polygon in normalised coordinates (0..1); repeat for several. Default: whole frame.")
@click.option("--detector", type=click.Choice(["auto", "person", "motion"]), default=None,
              help="Presence detector [default: the profile's, auto = person when a model is found].")
@click.option("--model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Person-detector model (yolox_nano.onnx) [default: $EXAM_AUDIT_MODEL, the profile, "
              "or the installed one].")
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

    from .video.presence import presence_of_file
    from .video.zones import parse_zone

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
    """The person-detector model (YOLOX-Nano, ONNX): install a copy you supply, see where it is looked for."""


@models.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def models_install(file: Path) -> None:
    """Check FILE's sha256 against the known yolox_nano.onnx and copy it where exam-audit looks."""
    from .video.models import install_model

    try:
        target = install_model(file)
    except ExamAuditError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise click.ClickException(f"cannot install the model: {exc}") from None
    click.echo(f"Installed {file.name} (sha256 verified) to {target}")


@models.command("where")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file overriding parts of the default standards profile.")
def models_where(profile_path: Path | None) -> None:
    """Say which person-detector model the audit would use, and why."""
    from .video.models import find_model, installed_path

    choice = find_model(_load_profile(profile_path))
    if choice.path:
        click.echo(f"{choice.path} (from {choice.source})")
    else:
        click.echo(f"none: {choice.problem}. Install location: {installed_path()}")


if __name__ == "__main__":  # pragma: no cover
    main()
