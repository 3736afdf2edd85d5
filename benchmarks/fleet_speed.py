"""Archives per hour: the local process pool against a local dask cluster, on the same archives, in turn.

Generates ``--archives`` archives with recordings (the fixture generator, two sessions each), then audits
all of them from the command line, alternately with ``--workers 2`` (one process per archive) and with
``--dask local`` (a cluster of this machine's cores, one task per recording), each into a fresh store.
Prints the median wall time of each, archives per hour, and the ratio cluster / pool. On one machine the
cluster can only spread the recordings more evenly; its point is that the same command scales out.

    python benchmarks/fleet_speed.py [--archives 4] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def audit(archives: list[Path], out: Path, db: Path, *extra: str) -> float:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "exam_audit.cli", "audit", *map(str, archives), "--out", str(out),
                           "--db", str(db), "--format", "json", "--fail-on", "none", *extra],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"audit failed: {done.stderr.strip()[-500:]}")
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archives", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archives = [root / f"centre{i}" for i in range(args.archives)]
        for i, folder in enumerate(archives):
            subprocess.run([sys.executable, "-m", "exam_audit.cli", "fixtures", "make", str(folder), "--seed",
                            str(i + 1), "--video", "--sessions", "2", "--candidates", "8"], check=True,
                           capture_output=True)
        pool, cluster = [], []
        for r in range(args.rounds):
            pool.append(audit(archives, root / "pool", root / f"pool{r}.db", "--workers", "2"))
            cluster.append(audit(archives, root / "dask", root / f"dask{r}.db", "--dask", "local"))
    a, b = statistics.median(pool), statistics.median(cluster)
    print(f"{args.archives} archives with recordings, {args.rounds} round(s), medians:")
    print(f"  local pool (--workers 2)   {a:7.1f} s  = {3600 * args.archives / a:6.0f} archives per hour")
    print(f"  local cluster (--dask)     {b:7.1f} s  = {3600 * args.archives / b:6.0f} archives per hour")
    print(f"  ratio cluster / pool: {b / a:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
