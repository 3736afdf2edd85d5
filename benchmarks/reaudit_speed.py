"""A second audit of an unchanged archive against the first, side by side: the analysis cache at work.

Generates an archive with recordings (the fixture generator: --sessions 8 gives about 10 h of 160x90 video),
audits it from the command line into a fresh store, then audits it again with the same store, and again
into a fresh store (a first audit once more, so that machine load drifts hit both kinds alike). Prints each
wall time, the hours of video, and the ratio second / first (the issue's aim: at most 0.10).

    python benchmarks/reaudit_speed.py [--sessions 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(*args: str) -> float:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "exam_audit.cli", *args], capture_output=True, text=True,
                          check=False)
    if done.returncode not in (0, 1):
        sys.exit(f"exam-audit {' '.join(args)} failed: {done.stderr.strip()}")
    return time.perf_counter() - began


def video_hours(archive: Path) -> float:
    import json

    out = subprocess.run([sys.executable, "-m", "exam_audit.cli", "probe", "--json",
                          *map(str, sorted((archive / "recordings").rglob("*.mp4")))],
                         capture_output=True, text=True, check=True).stdout
    return sum(r["probe"].get("duration_s") or 0 for r in json.loads(out)) / 3600


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive = root / "archive"
        print(f"generating an archive of {args.sessions} sessions with recordings …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "exam_audit.cli", "fixtures", "make", str(archive), "--seed", "1",
                        "--video", "--sessions", str(args.sessions), "--candidates", "12"], check=True,
                       capture_output=True)
        hours = video_hours(archive)
        first, second = [], []
        for i in range(args.rounds):
            db = root / f"store{i}.db"
            first.append(run("audit", str(archive), "--out", str(root / "out"), "--db", str(db), "--format", "json"))
            second.append(run("audit", str(archive), "--out", str(root / "out"), "--db", str(db), "--format", "json"))
    a, b = statistics.median(first), statistics.median(second)
    print(f"archive: {hours:.1f} h of video in {args.sessions} sessions; {args.rounds} round(s)")
    print(f"first audit (fresh store)       median {a:7.1f} s  ({hours * 3600 / a:,.0f} s of video per second)")
    print(f"second audit (same store)       median {b:7.1f} s")
    print(f"ratio second / first: {b / a:.3f}  (aim: at most 0.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
