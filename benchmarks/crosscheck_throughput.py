"""Throughput of the record cross-checks, and of a whole table-only audit, at two archive sizes.

Generates synthetic archives of 50 sessions x 40 candidates (2,000 registrations) and twice that, audits
each several times and prints rows per second and the 2x/1x time ratios side by side: about 2.0 means
the cost grows linearly with rows (indexes and joins), 4.0 would mean nested scans.

    python benchmarks/crosscheck_throughput.py [--repeats 5] [--sessions 50] [--candidates 40]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from exam_audit.archive import open_archive
from exam_audit.audit import AuditOptions, audit_archive, load_archive, run_checks
from exam_audit.checks import CHECKS
from exam_audit.fixtures import FixtureSpec, make_archive
from exam_audit.profile import Profile

FAMILIES = ("plan.", "roster.", "score.", "time.", "practical.", "staff.")
CROSS_CHECKS = [c for c in CHECKS if any(r.startswith(FAMILIES) for r in c.rules)]


def measure(folder: Path, profile: Profile, repeats: int) -> dict[str, float]:
    options = AuditOptions()
    data, _ = load_archive(open_archive(folder), profile, options)
    rows = sum(len(t.records) for t in data.tables.values())
    cross, whole = [], []
    for _ in range(repeats):
        data.derived.clear()  # the indexes are part of the cost measured
        t0 = time.perf_counter()
        _statuses, findings = run_checks(data, profile, CROSS_CHECKS)
        cross.append(time.perf_counter() - t0)
        assert not findings, "a clean archive must give no finding"
        t0 = time.perf_counter()
        audit_archive(folder, options, profile)
        whole.append(time.perf_counter() - t0)
    return {"rows": rows, "cross": statistics.median(cross), "whole": statistics.median(whole)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--candidates", type=int, default=40)
    args = parser.parse_args()
    profile = Profile.load()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for factor in (1, 2):
            folder = Path(tmp) / f"x{factor}"
            make_archive(folder, FixtureSpec(seed=11, sessions=args.sessions * factor,
                                             candidates_per_session=args.candidates))
            results[factor] = measure(folder, profile, args.repeats)
    print(f"{'size':<6}{'rows':>8}{'cross-checks s':>16}{'rows/s':>12}{'whole audit s':>16}{'rows/s':>12}")
    for factor, r in results.items():
        label = f"{factor}x"
        print(f"{label:<6}{r['rows']:>8}{r['cross']:>16.4f}{r['rows'] / r['cross']:>12,.0f}"
              f"{r['whole']:>16.4f}{r['rows'] / r['whole']:>12,.0f}")
    one, two = results[1], results[2]
    print(f"2x/1x: rows {two['rows'] / one['rows']:.2f}, cross-check time {two['cross'] / one['cross']:.2f}, "
          f"whole-audit time {two['whole'] / one['whole']:.2f} (about the rows ratio = linear)")


if __name__ == "__main__":
    main()
