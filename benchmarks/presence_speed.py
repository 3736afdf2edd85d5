"""Presence throughput: seconds of video per wall-clock second, person detector, one process.

Writes (once, into --workdir) a 10-minute (--seconds) 1280x720 25 fps H.264 recording of a CCTV-like scene (grey
room, sensor noise, a figure walking; GOP 2 s), then, in the same run, side by side:

* the audit's presence pass as the profile sets it: the invigilator zone (top 45 %) checked at the
  profile's sample rate (``sample_rate_hz``, what absence needs) with a crop at native resolution, and a
  whole-frame count at the 960 input every ``headcount_every_s`` (what headcount needs);
* each of those two alone, per sample, on the same decoded frames (the detector only, no decoding);
* ffmpeg alone decoding the same samples (keyframes only: the floor any sampler pays), and decoding every
  frame at the same output rate (what sampling without keyframe skipping pays).

Run by hand:  python benchmarks/presence_speed.py [--model PATH] [--repeat 3]   (default: the shipped model)
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
from exam_audit.video.media.probe import probe
from exam_audit.video.media.sampler import sample_frames
from exam_audit.video.media.tools import tool
from exam_audit.video.presence.analyser import PresenceSettings, presence_of_file
from exam_audit.video.presence.models import ModelChoice, find_model, read_model
from exam_audit.video.presence.person import PersonDetector, zone_region
from exam_audit.video.presence.zones import parse_zone

DURATION_S = 600
ZONE = parse_zone("0,0;1,0;1,0.45;0,0.45")


def make_recording(path: Path, seconds: int) -> None:
    scene = ("color=c=0x8c8c8c:s=1280x720:r=25,"
             "drawbox=x=0:y=330:w=1280:h=390:color=0x5a6470:t=fill,"
             "drawbox=x='560+400*sin(t/9)':y=150:w=70:h=230:color=0x2d2823:t=fill,"
             "noise=alls=5:allf=t")
    subprocess.run([tool("ffmpeg"), "-v", "error", "-y", "-f", "lavfi", "-i", scene, "-t", str(seconds),
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-g", "50", "-pix_fmt", "yuv420p",
                    str(path)], check=True)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def ffmpeg_decode(path: Path, keyframes_only: bool, rate_hz: float) -> None:
    skip = ["-skip_frame", "nokey"] if keyframes_only else []
    subprocess.run([tool("ffmpeg"), "-v", "error", "-nostdin", *skip, "-i", str(path), "-vf",
                    f"fps={rate_hz},scale=960:-2", "-f", "rawvideo", "-pix_fmt", "bgr24", "-y", "/dev/null"],
                   check=True)


def per_sample_ms(video: Path, detector: PersonDetector, frames: int = 30) -> tuple[float, float, str]:
    """Median milliseconds of one zone check and one whole-frame count, on the same decoded frames."""
    result = probe(video)
    width = PresenceSettings.of(Profile.load()).decode_width(result)
    samples = [s.frame for s, _ in zip(sample_frames(video, result, rate_hz=0.2, width=width), range(frames),
                                       strict=False)]
    h, w = samples[0].shape[:2]
    region = zone_region((ZONE,), w, h)
    assert region is not None
    zone, count = [], []
    for frame in samples:
        zone.append(timed(lambda f=frame: detector.detect_region(f, region)))
        count.append(timed(lambda f=frame: detector.detect(f)))
    return (1000 * statistics.median(zone), 1000 * statistics.median(count),
            f"{w}x{h} frames, zone crop {region[2] - region[0]}x{region[3] - region[1]}, "
            + detector.settings.describe(w, h))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="a YOLOX ONNX model [default: the shipped one]")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=DURATION_S, help="length of the generated recording")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "exam-audit-bench")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    video = args.workdir / f"presence_720p_{args.seconds}s.mp4"
    if not video.exists():
        print(f"writing {video} …", file=sys.stderr)
        make_recording(video, args.seconds)
    profile = Profile.load()
    settings = PresenceSettings.of(profile)
    rate = float(profile.threshold("sample_rate_hz"))
    choice = find_model(profile, args.model)
    if args.model is not None:
        choice = ModelChoice(args.model, "--model")
    detector = PersonDetector(read_model(choice), settings.person)
    ours = f"presence (zone {rate:g}/s + count every {settings.count_every_s:g} s)"
    runs: dict[str, list[float]] = {ours: [], "ffmpeg keyframes only": [], "ffmpeg every frame": []}
    samples = counts = 0
    for _ in range(args.repeat):  # interleaved, so that load changes hit every contender alike
        def presence() -> None:
            nonlocal samples, counts
            _probe, track = presence_of_file(video, profile, detector="person", model=choice.path, zones=[ZONE],
                                             rate_hz=rate)
            samples = len(track.times)
            counts = sum(n is not None for n in track.people or ())

        runs[ours].append(timed(presence))
        runs["ffmpeg keyframes only"].append(timed(lambda: ffmpeg_decode(video, True, rate)))
        runs["ffmpeg every frame"].append(timed(lambda: ffmpeg_decode(video, False, rate)))
    zone_ms, count_ms, what = per_sample_ms(video, detector)
    mine = statistics.median(runs[ours])
    print(f"{video.name}: {args.seconds} s of 1280x720 25 fps video, {samples} samples of which {counts} counted, "
          f"{args.repeat} runs; model from {choice.source}")
    for name, values in runs.items():
        med = statistics.median(values)
        print(f"  {name:<44} median {med:6.2f} s  = {args.seconds / med:7.1f} s of video per second"
              f"  (presence / this: {mine / med:5.2f})")
    print(f"  per sample ({what}):")
    print(f"    zone check (absence, every sample)  {zone_ms:6.1f} ms  x {samples - counts} samples"
          f" = {zone_ms * (samples - counts) / 1000:6.2f} s")
    print(f"    whole-frame count (headcount)       {count_ms:6.1f} ms  x {counts} samples"
          f" = {count_ms * counts / 1000:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
