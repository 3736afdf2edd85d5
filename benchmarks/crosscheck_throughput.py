"""Throughput of the record cross-checks, and of a whole table-only audit, at two archive sizes.

Generates synthetic archives of 50 sessions x 40 candidates (2,000 registrations) and twice that, then
times them in turn (1x, 2x, 1x, 2x, ...) so that each 2x/1x ratio is taken from a pair measured under the
same load, and prints medians: rows per second, and the 2x/1x ratios. A ratio near 2.0 means the cost
grows linearly with the rows (indexes and joins); nested scans would give 4.0. CPU time (this process
only) is printed beside wall time because the machine may be shared.

    python benchmarks/crosscheck_throughput.py [--repeats 7] [--sessions 50] [--candidates 40]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from exam_audit.archive import ArchiveData, open_archive
from exam_audit.audit import audit_archive, load_archive, run_checks
from exam_audit.checks import CHECKS
from exam_audit.fixtures import FixtureSpec, make_archive
from exam_audit.profile import Profile
from exam_audit.results import AuditOptions

FAMILIES = ("plan.", "roster.", "score.", "time.", "practical.", "staff.")
CROSS_CHECKS = [c for c in CHECKS if any(r.startswith(FAMILIES) for r in c.rules)]


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def cross_checks(data: ArchiveData, profile: Profile) -> None:
    data.derived.clear()  # building the indexes is part of the cost measured
    _statuses, findings = run_checks(data, profile, CROSS_CHECKS)
    assert not findings, "a clean archive must give no finding"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--candidates", type=int, default=40)
    args = parser.parse_args()
    profile, options = Profile.load(), AuditOptions()
    with tempfile.TemporaryDirectory() as tmp:
        folders, data, rows = {}, {}, {}
        for factor in (1, 2):
            folders[factor] = Path(tmp) / f"x{factor}"
            make_archive(folders[factor], FixtureSpec(seed=11, sessions=args.sessions * factor,
                                                      candidates_per_session=args.candidates))
            data[factor] = load_archive(open_archive(folders[factor]), profile, options)
            rows[factor] = sum(len(t.records) for t in data[factor].tables.values())
        runs: dict[tuple[str, int], list[tuple[float, float]]] = {}
        for _ in range(args.repeats):
            for factor in (1, 2):
                runs.setdefault(("cross", factor), []).append(timed(lambda f=factor: cross_checks(data[f], profile)))
                runs.setdefault(("whole", factor), []).append(
                    timed(lambda f=factor: audit_archive(folders[f], options, profile)))

    print(f"{'what':<14}{'size':>5}{'rows':>8}{'wall s':>10}{'rows/s':>10}{'cpu s':>10}{'rows/s':>10}")
    for (what, factor), times in runs.items():
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        label = "cross-checks" if what == "cross" else "whole audit"
        print(f"{label:<14}{factor:>4}x{rows[factor]:>8}{wall:>10.4f}{rows[factor] / wall:>10,.0f}"
              f"{cpu:>10.4f}{rows[factor] / cpu:>10,.0f}")
    print(f"2x/1x rows {rows[2] / rows[1]:.2f}; median of paired time ratios (near the rows ratio = linear):")
    for what in ("cross", "whole"):
        pairs = list(zip(runs[(what, 1)], runs[(what, 2)], strict=True))
        wall = statistics.median(b[0] / a[0] for a, b in pairs)
        cpu = statistics.median(b[1] / a[1] for a, b in pairs)
        label = "cross-checks" if what == "cross" else "whole audit"
        print(f"  {label:<14} wall {wall:.2f}  cpu {cpu:.2f}")


if __name__ == "__main__":
    main()
