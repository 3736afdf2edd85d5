"""Probe speed: exam-audit's probe against plain `ffprobe -show_packets` on the same file, in the same run.

Generates a 10-minute 1280x720 25 fps H.264 file (about 2 Mbit/s, a keyframe every 2 s) with ffmpeg's
testsrc2 in a temporary folder (or uses --file), then times, turn by turn so that both see the same machine:

  A: exam_audit.video.probe.probe(file)    metadata + every packet's timestamps, parsed
  B: ffprobe -v error -show_packets file   printing every packet, output read by this process

and prints the median of each, the median of the paired ratios A/B, and seconds of video probed per
wall-clock second. Run by hand:  python benchmarks/probe_speed.py [--runs 7] [--file F]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from exam_audit.video.media.probe import probe
from exam_audit.video.media.tools import tool

MINUTES = 10


def make_file(folder: Path) -> Path:
    path = folder / "bench_720p25_10min.mp4"
    subprocess.run([tool("ffmpeg"), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25",
                    "-t", str(MINUTES * 60), "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "2M",
                    "-maxrate", "2M", "-bufsize", "4M", "-g", "50", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def plain_ffprobe(path: Path) -> None:
    subprocess.run([tool("ffprobe"), "-v", "error", "-show_packets", str(path)], capture_output=True, check=True)


def timed(run) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its children) of one call."""
    def cpu() -> float:
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    wall, before = time.perf_counter(), cpu()
    run()
    return time.perf_counter() - wall, cpu() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--file", type=Path, help="probe this file instead of generating one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file or make_file(Path(tmp))
        mb = path.stat().st_size / 1e6
        result = probe(path)
        assert result.ok, result.error
        probe(path)  # warm-up: both then read the file from the page cache
        plain_ffprobe(path)
        pairs = [(timed(lambda: probe(path)), timed(lambda: plain_ffprobe(path))) for _ in range(args.runs)]
    ours, theirs = [a[0] for a, _ in pairs], [b[0] for _, b in pairs]
    ours_cpu, theirs_cpu = [a[1] for a, _ in pairs], [b[1] for _, b in pairs]
    ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
    cpu_ratio = statistics.median(a / b for a, b in zip(ours_cpu, theirs_cpu, strict=True))
    print(f"file: {result.duration_s:.1f} s of {result.codec} {result.width}x{result.height}, "
          f"{result.frames} packets, GOP {result.keyframe_interval_s} s, {mb:.0f} MB")
    print(f"exam-audit probe        median {statistics.median(ours):.3f} s  (min {min(ours):.3f}, max {max(ours):.3f})")
    print(f"ffprobe -show_packets   median {statistics.median(theirs):.3f} s  "
          f"(min {min(theirs):.3f}, max {max(theirs):.3f})")
    print(f"ratio ours / ffprobe    median of {args.runs} paired runs: {ratio:.2f}  (target <= 1.5)")
    print(f"CPU seconds (with ffprobe) median ours {statistics.median(ours_cpu):.3f}, ffprobe "
          f"{statistics.median(theirs_cpu):.3f}, paired ratio {cpu_ratio:.2f}")
    print(f"video probed per wall-clock second: {result.duration_s / statistics.median(ours):.0f} s  "
          f"(target >= 1000); per CPU second: {result.duration_s / statistics.median(ours_cpu):.0f} s")


if __name__ == "__main__":
    main()
