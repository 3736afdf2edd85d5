"""Time of the answer-copying check (stats.answer_similarity) at 50 theory sessions x 40 candidates x
100 items, and at twice the sessions.

The check tests every pair within a session and never across sessions, so its cost should grow linearly
with the number of sessions: a 2x/1x ratio near 2.0. Archives are generated (table-only) and loaded once;
only the check is timed, in turn (1x, 2x, 1x, 2x, ...) so that each ratio comes from a pair measured under
the same load. CPU time of this process is printed beside wall time because the machine may be shared.

    python benchmarks/stats_speed.py [--repeats 3] [--sessions 50] [--candidates 40]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from exam_audit.archive import ArchiveData, open_archive
from exam_audit.audit import load_archive
from exam_audit.fixtures import FixtureSpec, make_archive
from exam_audit.profile import Profile
from exam_audit.records.stats.similarity import answer_similarity
from exam_audit.results import AuditOptions


def loaded(folder: Path, theory_sessions: int, candidates: int, profile: Profile) -> ArchiveData:
    # each exam day is a theory session and a practical one: twice the sessions for the theory count
    make_archive(folder, FixtureSpec(seed=11, sessions=2 * theory_sessions, candidates_per_session=candidates))
    data = load_archive(open_archive(folder), profile, AuditOptions())
    return data


def timed(data: ArchiveData, profile: Profile) -> tuple[float, float, int]:
    data.derived.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    found = list(answer_similarity(data, profile))
    return time.perf_counter() - wall, time.process_time() - cpu, len(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=50, help="theory sessions at 1x")
    parser.add_argument("--candidates", type=int, default=40)
    args = parser.parse_args()
    profile = Profile.load()
    with tempfile.TemporaryDirectory() as tmp:
        sizes = {1: loaded(Path(tmp) / "x1", args.sessions, args.candidates, profile),
                 2: loaded(Path(tmp) / "x2", 2 * args.sessions, args.candidates, profile)}
        walls: dict[int, list[float]] = {1: [], 2: []}
        cpus: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeats):
            for factor, data in sizes.items():
                wall, cpu, _found = timed(data, profile)
                walls[factor].append(wall)
                cpus[factor].append(cpu)
        for factor in (1, 2):
            sheets = len({(r["session_id"], r["id_number"]) for r in sizes[factor].records("answers")})
            print(f"{factor}x: {factor * args.sessions} sessions, {sheets} answer sheets, "
                  f"{len(sizes[factor].records('answers'))} answers: median {statistics.median(walls[factor]):.2f} s "
                  f"wall, {statistics.median(cpus[factor]):.2f} s CPU")
        ratios = [b / a for a, b in zip(walls[1], walls[2], strict=True)]
        cpu_ratios = [b / a for a, b in zip(cpus[1], cpus[2], strict=True)]
        print(f"2x/1x ratio: median {statistics.median(ratios):.2f} wall, {statistics.median(cpu_ratios):.2f} CPU "
              "(2.0 = linear in sessions)")


if __name__ == "__main__":
    main()
