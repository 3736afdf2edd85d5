"""The commands on loose recordings: probe timelines, scan content, show presence; the person-detector model."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import ExamAuditError
from .common import Problem, fail, load_profile


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file, in a list.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True,
              help="Time zone of the times in file names (creation_time tags are UTC).")
def probe(files: tuple[Path, ...], as_json: bool, timezone: str) -> None:
    """Show each recording's timeline: wall-clock span and its source, media duration from packet
    timestamps, codec, resolution, frame rate (variable or not), GOP and timestamp discontinuities."""
    import json
    from zoneinfo import ZoneInfoNotFoundError

    from ..video.timeline import describe

    try:
        recordings = describe.probe_files(list(files), timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {timezone!r}; use an IANA name such as Asia/Shanghai",
                                 param_hint="--timezone") from None
    except ExamAuditError as exc:
        raise fail(exc) from None
    if as_json:
        click.echo(json.dumps([describe.as_json(r) for r in recordings], ensure_ascii=False, indent=2))
        return
    for r in recordings:
        click.echo("\n".join(describe.as_text(r)))


@click.command()
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

    from ..video.content.scan import scan_files

    profile = load_profile(profile_path)
    try:
        scans = scan_files(list(files), profile, workers)
    except ExamAuditError as exc:
        raise fail(exc) from None
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


@click.command()
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

    from ..video.presence.analyser import presence_of_file
    from ..video.presence.zones import parse_zone

    profile = load_profile(profile_path)
    try:
        polygons = [parse_zone(z) for z in zones]
        probe, track = presence_of_file(file, profile, detector=detector, model=model, zones=polygons,
                                        rate_hz=rate)
    except ExamAuditError as exc:
        raise fail(exc) from None
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


@click.group()
def models() -> None:
    """The person-detector model: YOLOX-Nano ships with exam-audit; install another YOLOX export, or see
    which one is used."""


@models.command("install")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def models_install(file: Path) -> None:
    """Install another YOLOX COCO model (ONNX) FILE for the person detector, instead of the shipped
    YOLOX-Nano: it must load and give YOLOX's output; its sha256 is kept and checked at every load."""
    from ..video.presence.models import install_model

    try:
        target = install_model(file)
    except ExamAuditError as exc:
        raise fail(exc) from None
    except OSError as exc:
        raise Problem(f"cannot install the model: {exc}") from None
    click.echo(f"Installed {file.name} to {target} (its sha256 is checked at every load)")


@models.command("where")
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file overriding parts of the default standards profile.")
def models_where(profile_path: Path | None) -> None:
    """Say which person-detector model the audit would use, and why."""
    from ..video.presence.models import find_model, installed_path

    choice = find_model(load_profile(profile_path))
    if choice.path:
        checked = f", sha256 {choice.sha256} checked at load" if choice.sha256 else ""
        click.echo(f"{choice.path} (from {choice.source}{checked})")
    else:
        click.echo(f"none: {choice.problem}. Install location: {installed_path()}")
