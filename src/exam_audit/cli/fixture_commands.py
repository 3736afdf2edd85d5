"""The fixture generator's commands: synthetic archives with known, injected defects."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ExamAuditError
from .common import Problem


@click.group()
def fixtures() -> None:
    """Synthetic archives with known, injected defects (for tests, demos and self-checks)."""


@fixtures.command("make")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: same seed, same archive.")
@click.option("--defects", default="",
              help="Comma-separated defects to inject; 'all' is every defect that combines with the others "
              "(the statistics ones only from 16 sessions x 30 candidates), 'solo' every defect that destroys a "
              "table, 'stats' the statistics ones. `exam-audit fixtures defects` lists them.")
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
    from ..fixtures import DEFECTS, FixtureSpec, make_archive
    from ..fixtures.registry import STATS_MIN_CANDIDATES, STATS_MIN_SESSIONS, combinable, solo, stats_only

    large = sessions >= STATS_MIN_SESSIONS and candidates >= STATS_MIN_CANDIDATES
    groups = {"all": combinable(video=video, stats=large), "solo": solo(), "stats": stats_only()}
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
    from ..fixtures import DEFECTS

    for name, defect in DEFECTS.items():
        group = "solo" if defect.solo else "video" if defect.video else "all"
        click.echo(f"{name:<28} {group:<5} {defect.rule:<36} {defect.description}")
