"""Snapshot the findings of generated archives, to show that a refactoring changed none of them.

Generates archives with the project's own fixture generator (the demo's sample archive and a few smaller
ones, with and without defects), audits each through the command line exactly as a user would, and keeps
for every finding its rule, file, row, camera, session and start. Run it before and after a change:

    python benchmarks/findings_snapshot.py --save before.json      # on the old code
    python benchmarks/findings_snapshot.py --compare before.json   # on the new code: prints the differences

Exit status 1 when ``--compare`` finds a difference. Run by hand (the video archives take minutes).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# (name, fixtures make arguments): the demo's archive, a clean one, table defects only, a solo defect
ARCHIVES: list[tuple[str, list[str]]] = [
    ("demo", ["--seed", "1", "--defects", "all", "--video", "--sessions", "8", "--candidates", "16"]),
    ("clean-video", ["--seed", "2", "--defects", "", "--video", "--sessions", "8", "--candidates", "12"]),
    ("tables-all", ["--seed", "3", "--defects", "all", "--sessions", "8", "--candidates", "20"]),
    ("tables-clean", ["--seed", "4", "--defects", ""]),
]


def exam_audit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "exam_audit.cli", *args], capture_output=True, text=True,
                          check=False)


def snapshot(work: Path) -> dict[str, list[list[object]]]:
    out: dict[str, list[list[object]]] = {}
    for name, make_args in ARCHIVES:
        archive = work / name
        made = exam_audit("fixtures", "make", str(archive), *make_args)
        if made.returncode != 0:
            sys.exit(f"fixtures make {name} failed: {made.stderr.strip()}")
        done = exam_audit("audit", str(archive), "--out", str(work / f"{name}-out"), "--db",
                          str(work / f"{name}.db"), "--fail-on", "none", "--format", "json")
        if done.returncode != 0:
            sys.exit(f"audit of {name} failed: {done.stderr.strip()}")
        findings = json.loads((work / f"{name}-out" / "findings.json").read_text(encoding="utf-8"))["findings"]
        out[name] = sorted([f["rule"], f["file"] or "", f["row"] or 0, f["camera"] or "", f["session_id"] or "",
                            f["start"] or ""] for f in findings)
        print(f"{name}: {len(findings)} finding(s)", file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the snapshot here")
    group.add_argument("--compare", type=Path, help="compare with a snapshot saved earlier")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        now = snapshot(Path(tmp))
    if args.save:
        args.save.write_text(json.dumps(now, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"saved {sum(map(len, now.values()))} finding keys to {args.save}")
        return 0
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    differences = 0
    for name in sorted(set(before) | set(now)):
        old = {tuple(x) for x in before.get(name, [])}
        new = {tuple(x) for x in now.get(name, [])}
        for key in sorted(old - new, key=str):
            print(f"{name}: gone   {key}")
        for key in sorted(new - old, key=str):
            print(f"{name}: new    {key}")
        differences += len(old ^ new)
        print(f"{name}: {len(new)} finding(s), {len(old ^ new)} difference(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
