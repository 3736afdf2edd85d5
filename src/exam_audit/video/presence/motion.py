"""Presence and activity without a model: background subtraction on small grey frames.

*Occupancy* (the ``motion`` presence detector) compares each sample with the empty room, estimated from
the samples around it in two passes: first the per-pixel *mode* (the empty room looks the same every
time, while the people who visit it differ and move, so a person who stays most of the time still does
not become the room, where a median would make them part of it), then the median of the samples the
first pass found empty — or, when it found none, of the quarter that changed least (a visitor who stood
still as long as the room stood empty can tie with it in the mode). *Activity* (hands-on
work at a practical station) compares each sample with the one before it.

Both match each image's tones to its reference's before differencing (auto-exposure, clouds), and count
only changed regions larger than a minimum share of the frame, after a morphological opening: thin
strokes such as a ticking on-screen clock, and sensor noise, never count. Images are compared in blocks
with numpy, so that a file's hour of samples costs seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ...archive import Polygon
from .zones import zone_mask

ANALYSIS_WIDTH = 160  # pixels: enough for a person in a room, cheap to keep a whole file in memory
_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
_CHUNK = 256  # images compared at once


def prepare(frame: np.ndarray) -> np.ndarray:
    """A BGR frame as a small, slightly blurred grey image (uint8)."""
    h, w = frame.shape[:2]
    width = min(ANALYSIS_WIDTH, w)
    small = cv2.resize(frame, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), (3, 3), 0)


def _histograms(rows: np.ndarray) -> np.ndarray:
    """Grey-level histograms (n, 256) of each row of an (n, pixels) uint8 array."""
    return np.stack([cv2.calcHist([row.reshape(1, -1)], [0], None, [256], [0, 256]).ravel() for row in rows])


def _medians(rows: np.ndarray) -> np.ndarray:
    """Median of each row of an (n, pixels) uint8 array, from its histogram (linear time)."""
    return (_histograms(rows).cumsum(axis=1) < (rows.shape[1] + 1) / 2).sum(axis=1)


def changed_areas(images: np.ndarray, reference: np.ndarray, mask: np.ndarray, level: float,
                  at_least: float = 0.0) -> np.ndarray:
    """For each image (n, h, w), the share of the frame covered by its largest region inside ``mask``
    that differs from ``reference`` (h, w), after matching the image's tones to the reference's (exposure
    changes are not a plain gain: skies saturate, shadows do not). Values below ``at_least`` are only
    upper bounds: enough to decide, cheaper to get."""
    n = len(images)
    flat = images.reshape(n, -1)
    pixels = flat.shape[1]
    ref = reference.reshape(1, -1)
    src = _histograms(flat).cumsum(axis=1) / pixels
    target = _histograms(ref).cumsum(axis=1)[0] / pixels
    luts = np.minimum(np.searchsorted(target, src), 255).astype(np.uint8)
    mapped = np.stack([cv2.LUT(flat[i], luts[i]).ravel() for i in range(n)])
    diff = np.abs(mapped.astype(np.int16) - ref.astype(np.int16)).astype(np.uint8)
    # the threshold rises with the pictures' own noise, estimated robustly over the block (median absolute
    # deviation of every fourth pixel: plenty for a median)
    sample = diff[:, ::4].reshape(1, -1)
    middle = int(_medians(sample)[0])
    noise = 1.4826 * float(_medians(cv2.absdiff(sample, np.full_like(sample, middle)))[0])
    return _largest_regions(diff > max(level, 4.0 * noise), mask, images.shape[1:], at_least)


def _largest_regions(changed: np.ndarray, mask: np.ndarray, shape: tuple[int, ...], at_least: float) -> np.ndarray:
    """Share of the frame covered by the largest region of each row of ``changed`` (n, pixels) inside
    ``mask``, after an opening; rows whose changed share is below ``at_least`` keep that share."""
    changed &= mask.reshape(1, -1)
    pixels = changed.shape[1]
    out = np.count_nonzero(changed, axis=1) / pixels
    rows = np.flatnonzero(out >= max(at_least, 1e-9))
    if not len(rows):
        return out
    # one opening and one labelling for all of them: frames stacked into a tall image, a blank line between
    h, w = shape
    tall = np.zeros((len(rows), h + 1, w), np.uint8)
    tall[:, :h] = changed[rows].reshape(len(rows), h, w)
    opened = cv2.morphologyEx(tall.reshape(-1, w), cv2.MORPH_OPEN, _KERNEL)
    _count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(opened, connectivity=8)
    largest = np.zeros(len(rows))
    np.maximum.at(largest, stats[1:, cv2.CC_STAT_TOP] // (h + 1), stats[1:, cv2.CC_STAT_AREA])
    out[rows] = largest / pixels
    return out


def occupancy(times: list[float], images: list[np.ndarray], zones: Sequence[Polygon], *, level: float = 25.0,
              min_area: float = 0.01, window_s: float = 300.0) -> list[bool]:
    """Whether someone is in the zones at each sample (the whole frame when there are no zones)."""
    if not images:
        return []
    mask = zone_mask(zones, images[0].shape[1], images[0].shape[0])
    step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    half = max(1, round(window_s / 2 / max(step, 1e-6)))
    first = _occupancy_pass(images, mask, None, half, level, min_area)
    return [bool(a >= min_area) for a in _occupancy_pass(images, mask, first, half, level, min_area)]


def _occupancy_pass(images: list[np.ndarray], mask: np.ndarray, earlier: list[float] | None, half: int,
                    level: float, min_area: float) -> list[float]:
    """Changed area of every image against the empty room around it: the mode of all samples (first
    pass), or the median of the samples the first pass found emptiest (second pass)."""
    n = len(images)
    block = max(1, min(_CHUNK, half))  # one background serves the samples of half the window
    out: list[float] = []
    for begin in range(0, n, block):
        centre = min(n - 1, begin + block // 2)
        lo, hi = max(0, centre - half), min(n, centre + half + 1)
        if earlier is None:
            pool = list(range(lo, hi))
            background = _mode([images[i] for i in pool[:: max(1, len(pool) // 32)]])
        else:
            pool = [i for i in range(lo, hi) if earlier[i] < min_area]
            if len(pool) < 5:  # nobody judged absent nearby: the quarter that changed least is the best guess
                pool = sorted(sorted(range(lo, hi), key=earlier.__getitem__)[: max(5, (hi - lo) // 4)])
            pool = pool[:: max(1, len(pool) // 15)]
            background = np.median(np.stack([images[i] for i in pool]), axis=0).astype(np.uint8)
        out += changed_areas(np.stack(images[begin:begin + block]), background, mask, level, min_area).tolist()
    return out


def _mode(frames: list[np.ndarray], bins: int = 32) -> np.ndarray:
    """Per-pixel most frequent value, in bins of 8 grey levels smoothed over neighbouring bins (the empty
    room recurs with the same value; the people who visit it differ and move), after bringing every frame
    to one overall brightness."""
    n, pixels = len(frames), frames[0].size
    levels = _medians(np.stack(frames).reshape(n, pixels)).astype(np.float32)
    target = float(np.median(levels))
    stack = np.stack([cv2.convertScaleAbs(f, alpha=(target + 1.0) / (lv + 1.0)).ravel()
                      for f, lv in zip(frames, levels, strict=True)])
    index = stack >> 3  # 256 grey levels in 32 bins
    counts = np.bincount((index + np.arange(pixels) * bins).ravel(), minlength=pixels * bins).reshape(pixels, bins)
    smoothed = counts.copy()
    smoothed[:, 1:] += counts[:, :-1]
    smoothed[:, :-1] += counts[:, 1:]
    mode = smoothed.argmax(axis=1).astype(np.int16)
    near = np.abs(index.astype(np.int16) - mode[None]) <= 1
    mean = np.where(near, stack, 0).sum(axis=0, dtype=np.uint32) / np.maximum(near.sum(axis=0), 1)
    return mean.reshape(frames[0].shape).astype(np.uint8)


def activity(images: list[np.ndarray], zones: Sequence[Polygon], *, level: float = 25.0,
             min_area: float = 0.002) -> list[float]:
    """How much moved since the previous sample inside the zones (share of the frame; 0 for the first).
    Values below ``min_area`` are only upper bounds. Consecutive samples are compared directly: exposure
    rarely jumps between two samples, and a jump could only hide stillness, never invent it."""
    if not images:
        return []
    mask = zone_mask(zones, images[0].shape[1], images[0].shape[0])
    out = [0.0]
    for begin in range(1, len(images), _CHUNK):
        end = min(len(images), begin + _CHUNK)
        now = np.stack(images[begin:end]).reshape(end - begin, -1)
        before = np.stack(images[begin - 1:end - 1]).reshape(end - begin, -1)
        out += _largest_regions(cv2.absdiff(now, before) > level, mask, images[0].shape, min_area).tolist()
    return out
