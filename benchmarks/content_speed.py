"""Content pass throughput against the usual peer approach, on the same file in the same run.

Generates a 10-minute 1280x720 25 fps H.264 file (about 2 Mbit/s, a keyframe every 2 s, like an NVR export)
in a temporary folder, then times, alternately and several times:

- ours: probe + the shared sampling pass + the black, frozen, scene-change and fingerprint analysers
  (``exam_audit.video.analysis.analyse_recording``), in this one process (plus its ffmpeg child);
- peer: ``ffmpeg -i FILE -vf blackdetect,freezedetect -an -f null -``.

Prints the median times, the ratio peer / ours, and seconds of video per wall-clock second.

    python benchmarks/content_speed.py [--rounds 5] [--minutes 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from exam_audit.profile import Profile
from exam_audit.results import FileAnalysis
from exam_audit.video.analysis import analyse_recording
from exam_audit.video.content.analysers import CONTENT_ANALYSERS
from exam_audit.video.media.probe import probe
from exam_audit.video.media.tools import tool


def make_clip(path: Path, minutes: float) -> None:
    subprocess.run([
        tool("ffmpeg"), "-v", "error", "-y", "-f", "lavfi",
        "-i", f"testsrc2=size=1280x720:rate=25:duration={minutes * 60:g}",
        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "2M", "-maxrate", "2M", "-bufsize", "4M",
        "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-pix_fmt", "yuv420p", str(path)], check=True)


def ours(path: Path, profile: Profile) -> FileAnalysis:
    return analyse_recording(path, probe(path), profile, None, CONTENT_ANALYSERS)


def peer(path: Path) -> None:
    subprocess.run([tool("ffmpeg"), "-hide_banner", "-nostats", "-v", "error", "-i", str(path),
                    "-vf", "blackdetect,freezedetect", "-an", "-f", "null", "-"], check=True)


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    profile = Profile.load()
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "nvr_720p25_gop2s.mp4"
        print(f"generating {args.minutes:g} min 1280x720 25 fps H.264, 2 Mbit/s, keyframe every 2 s …",
              file=sys.stderr)
        make_clip(clip, args.minutes)
        duration = probe(clip).duration_s or args.minutes * 60
        result = ours(clip, profile)  # warm the caches for both
        peer(clip)
        mine, theirs = [], []
        for _ in range(args.rounds):
            mine.append(timed(lambda: ours(clip, profile)))
            theirs.append(timed(lambda: peer(clip)))
    m, t = statistics.median(mine), statistics.median(theirs)
    sampling = result.sampling
    print(f"file: {duration:.0f} s of video; ours sampled {sampling['samples']} frames ({sampling['mode']}: "
          f"{sampling['reason']})")
    print(f"ours (probe + sampling + 4 analysers): median {m:.2f} s over {args.rounds} rounds "
          f"→ {duration / m:.0f} s of video per second")
    print(f"peer (ffmpeg blackdetect,freezedetect): median {t:.2f} s → {duration / t:.0f} s of video per second")
    print(f"ratio peer / ours: {t / m:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
