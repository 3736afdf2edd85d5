"""How fast evidence is cut from a recording, against the usual alternatives, side by side in one run.

Snapshots: exam-audit's ffmpeg input seek vs OpenCV seeking (CAP_PROP_POS_MSEC, as many Python video tools do)
vs ffmpeg output seek (decode from the start). Clips: stream copy vs re-encoding the same span.
Run by hand: ``python benchmarks/bench_evidence.py [--minutes 10] [--repeats 5]``. Prints medians and ratios;
the machine's absolute times mean little, the ratios are the point.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from exam_audit.video.media.cuts import cut_clip, snapshot
from exam_audit.video.media.tools import tool


def make_recording(path: Path, minutes: float) -> None:
    """An NVR-like file: 640x360 at 25 fps, a keyframe every 2 s, a moving test pattern."""
    subprocess.run([tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=640x360:rate=25:duration={minutes * 60}", "-g", "50", "-c:v", "libx264",
                    "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)], check=True)


def opencv_snapshot(path: Path, at_s: float, out: Path) -> None:
    cap = cv2.VideoCapture(str(path))
    cap.set(cv2.CAP_PROP_POS_MSEC, at_s * 1000)
    ok, frame = cap.read()
    cap.release()
    if ok:
        cv2.imwrite(str(out), cv2.resize(frame, (320, 180)))


def output_seek_snapshot(path: Path, at_s: float, out: Path) -> None:
    subprocess.run([tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-i", str(path), "-ss", f"{at_s:.3f}",
                    "-frames:v", "1", "-vf", "scale=320:-2", str(out)], check=True)


def timed(fn: Callable[[], object], repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--vfr", type=Path, help="a variable-frame-rate recording (e.g. ../shared/media/"
                        "dvrscan_traffic_camera_vfr.mp4): compare each method's frame with the exact one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video = folder / "recording.mp4"
        make_recording(video, args.minutes)
        duration = args.minutes * 60
        moments = [duration * f for f in (0.1, 0.37, 0.5, 0.73, 0.95)]

        def ours() -> None:
            for i, t in enumerate(moments):
                snapshot(video, t, folder / f"ours{i}.jpg")

        def opencv() -> None:
            for i, t in enumerate(moments):
                opencv_snapshot(video, t, folder / f"cv{i}.jpg")

        def output_seek() -> None:
            for i, t in enumerate(moments[:2]):  # decoding from the start is slow: two moments only
                output_seek_snapshot(video, t, folder / f"slow{i}.jpg")

        a = timed(ours, args.repeats) / len(moments)
        b = timed(opencv, args.repeats) / len(moments)
        c = timed(output_seek, max(1, args.repeats // 2)) / 2
        same = [float(np.abs(cv2.imread(str(folder / f"ours{i}.jpg"), 0).astype(float)
                             - cv2.imread(str(folder / f"slow{i}.jpg"), 0).astype(float)).mean()) for i in range(2)]
        print(f"{args.minutes:g}-minute 640x360 H.264, GOP 2 s; median seconds per snapshot:")
        print(f"  exam-audit (ffmpeg input seek) {a:.3f}")
        print(f"  OpenCV CAP_PROP_POS_MSEC       {b:.3f}  ratio {b / a:.1f}x")
        print(f"  ffmpeg output seek (decode all) {c:.3f}  ratio {c / a:.1f}x")
        print(f"  same frame as the exact decode: mean |difference| {max(same):.2f} grey levels")

        span = (duration * 0.5, duration * 0.5 + 60)
        copy = timed(lambda: cut_clip(video, *span, folder / "copy"), args.repeats)
        began = time.perf_counter()
        subprocess.run([tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-ss", f"{span[0]:.3f}", "-i", str(video),
                        "-t", "60", "-c:v", "libx264", "-preset", "veryfast", "-an", str(folder / "enc.mp4")],
                       check=True)
        encode = time.perf_counter() - began
        print(f"60 s clip: stream copy {copy:.3f} s, re-encode {encode:.3f} s, ratio {encode / copy:.1f}x")
        if args.vfr:
            compare_on_vfr(args.vfr, folder)


def compare_on_vfr(video: Path, folder: Path) -> None:
    """Mean grey-level difference from the frame decoded exactly by timestamp (same size, both JPEG)."""
    def grey(path: Path) -> np.ndarray:
        return cv2.resize(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), (320, 180)).astype(float)

    for at in (20.0, 30.0):
        snapshot(video, at, folder / "v_ours.jpg")
        opencv_snapshot(video, at, folder / "v_cv.jpg")
        output_seek_snapshot(video, at, folder / "v_exact.jpg")
        exact = grey(folder / "v_exact.jpg")
        print(f"VFR {video.name} at {at:g} s: |difference| from the exact frame: exam-audit "
              f"{np.abs(grey(folder / 'v_ours.jpg') - exact).mean():.2f}, OpenCV "
              f"{np.abs(grey(folder / 'v_cv.jpg') - exact).mean():.2f} grey levels")


if __name__ == "__main__":
    main()
