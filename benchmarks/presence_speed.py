"""Presence throughput: seconds of video per wall-clock second, person detector, one process.

Writes (once, into --workdir) a 10-minute 1280x720 25 fps H.264 recording of a CCTV-like scene (grey
room, sensor noise, a figure walking; GOP 2 s), then, in the same run, side by side:

* ``exam-audit presence``'s library call with the person detector at 0.5 samples/s;
* ffmpeg alone decoding the same samples (keyframes only: the floor any sampler pays);
* ffmpeg alone decoding every frame at the same output rate (what sampling without keyframe skipping pays).

Run by hand:  python benchmarks/presence_speed.py --model PATH/yolox_nano.onnx [--repeat 3]
Timings on a shared machine are noisy: read the medians and the ratios.
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
from exam_audit.video.media.tools import tool
from exam_audit.video.presence.analyser import presence_of_file

DURATION_S = 600
RATE_HZ = 0.5


def make_recording(path: Path) -> None:
    scene = ("color=c=0x8c8c8c:s=1280x720:r=25,"
             "drawbox=x=0:y=330:w=1280:h=390:color=0x5a6470:t=fill,"
             "drawbox=x='560+400*sin(t/9)':y=150:w=70:h=230:color=0x2d2823:t=fill,"
             "noise=alls=5:allf=t")
    subprocess.run([tool("ffmpeg"), "-v", "error", "-y", "-f", "lavfi", "-i", scene, "-t", str(DURATION_S),
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-g", "50", "-pix_fmt", "yuv420p",
                    str(path)], check=True)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def ffmpeg_decode(path: Path, keyframes_only: bool) -> None:
    skip = ["-skip_frame", "nokey"] if keyframes_only else []
    subprocess.run([tool("ffmpeg"), "-v", "error", "-nostdin", *skip, "-i", str(path), "-vf",
                    f"fps={RATE_HZ}", "-f", "rawvideo", "-pix_fmt", "bgr24", "-y", "/dev/null"], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="yolox_nano.onnx")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "exam-audit-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    video = args.workdir / "presence_720p_10min.mp4"
    if not video.exists():
        print(f"writing {video} …", file=sys.stderr)
        make_recording(video)
    profile = Profile.load()
    runs: dict[str, list[float]] = {"presence (person, 0.5/s)": [], "ffmpeg keyframes only": [],
                                    "ffmpeg every frame": []}
    samples = 0
    for _ in range(args.repeat):  # interleaved, so that load changes hit every contender alike
        def presence() -> None:
            nonlocal samples
            _probe, track = presence_of_file(video, profile, detector="person", model=args.model,
                                             rate_hz=RATE_HZ)
            samples = len(track.times)

        runs["presence (person, 0.5/s)"].append(timed(presence))
        runs["ffmpeg keyframes only"].append(timed(lambda: ffmpeg_decode(video, True)))
        runs["ffmpeg every frame"].append(timed(lambda: ffmpeg_decode(video, False)))
    ours = statistics.median(runs["presence (person, 0.5/s)"])
    print(f"{video.name}: {DURATION_S} s of 1280x720 25 fps video, {samples} samples, {args.repeat} runs")
    for name, values in runs.items():
        med = statistics.median(values)
        print(f"  {name:<26} median {med:6.2f} s  = {DURATION_S / med:7.1f} s of video per second"
              f"  (presence / this: {ours / med:5.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
