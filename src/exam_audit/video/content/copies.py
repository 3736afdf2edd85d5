"""Confirming recycled footage frame by frame, before the critical finding is made.

Activity fingerprints (duplicates.py) propose a copy: bins of coarse cells that line up. They cannot prove
one. Someone pacing the front of a room lights the same few cells on any day, and two such walks meet by
chance for minutes on end (measured on generated archives: chance runs as long as a 3-minute copy). A copy
repeats the *pixels*: the change between two moments of the later file is the change between the same two
moments of the earlier one, wherever the people are, re-encoding or not. Two recordings whose people
merely stand in the same cells do not change the same way pixel for pixel.

So at a few instants ``t`` spread over the bins of the later file that the fingerprints matched, the change
``D = F(t + gap) - F(t)`` of its small grey picture is correlated with every change over the same gap of
the earlier file around the aligned instant (a fingerprint aligns to a bin, not to a frame; the search
finds the frame). Only the cells where the later file's fingerprint saw activity around the instant are
compared, and only instants where they changed: everything else is the room, and an on-screen clock
(too small for the fingerprint's cells, visible here) ticks the same way in every recording of a
camera, so a search over a few seconds always finds the same tick. The copy is confirmed when most
instants correlate strongly at one offset; the figures go into the finding's evidence.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..media.probe import MediaProbe
from ..media.sampler import sample_frames
from .analysers import level
from .duplicates import Fingerprint, Match

WIDTH = 128  # pixels: people's outlines at CCTV distance, cheap to decode a few seconds of
GAP_S = 2.0  # the change compared is over this long: long enough for someone walking to move
INSTANTS = 10  # instants tried, spread evenly over the matched bins; the usable ones are compared
CHANGE_MIN = 2.0  # grey levels (std of D): below this the later file did not change at the instant
CORRELATION_MIN = 0.6  # an instant agrees when some change of the earlier file correlates this well
AGREEING_RUN = 5  # and the copy is confirmed when this many compared instants in a row agree. On generated
# archives a copy agreed at every instant inside it (runs of 6 to 10; the instants past its end fail); one
# synthetic figure pacing two recordings met itself by chance at up to 3 instants in a row, 5 of 9 in all
DECODE_RATE_HZ = 30.0  # the earlier file around each instant is decoded at up to this rate


@dataclass(frozen=True)
class Confirmation:
    confirmed: bool
    instants: int  # instants where the later file changed and could be compared
    agreeing: int  # of which the earlier file showed the same change
    correlations: tuple[float, ...]  # at each compared instant, the correlation at the agreed offset
    offset_s: float  # the agreed offset: later media time minus earlier media time

    def evidence(self) -> dict[str, object]:
        return {"frames_compared": self.instants, "frames_agreeing": self.agreeing,
                "frame_correlations": [round(c, 2) for c in self.correlations],
                "frame_offset_s": round(self.offset_s, 3)}


@dataclass(frozen=True)
class Footage:
    """One side of a proposed copy: the file, its probe and its fingerprint."""

    path: Path
    probe: MediaProbe
    fingerprint: Fingerprint


def _cells(shape: tuple[int, ...], grid: tuple[int, int], mask: int) -> np.ndarray:
    """1.0 on the picture's pixels inside the cells of ``mask`` (on ``grid``), 0.0 elsewhere."""
    keep = np.zeros(shape[:2], np.float32)
    rows, cols = grid
    h, w = shape[:2]
    for cell in range(rows * cols):
        if mask >> cell & 1:
            r, c = divmod(cell, cols)
            keep[r * h // rows:(r + 1) * h // rows, c * w // cols:(c + 1) * w // cols] = 1.0
    return keep


def _frames(path: Path, probe: MediaProbe, start_s: float, duration_s: float) -> list[tuple[float, np.ndarray]]:
    out = []
    for sample in sample_frames(path, probe, rate_hz=DECODE_RATE_HZ, width=WIDTH, start_s=start_s,
                                duration_s=duration_s):
        out.append((sample.t, level(cv2.cvtColor(sample.frame, cv2.COLOR_BGR2GRAY).astype(np.float32))))
    return out


def _changes(frames: list[tuple[float, np.ndarray]], gap_s: float) -> list[tuple[float, np.ndarray]]:
    """(t, F(t') - F(t)) for each frame, t' the first frame at least ``gap_s`` later."""
    out = []
    j = 0
    for i, (t, picture) in enumerate(frames):
        j = max(j, i + 1)
        while j < len(frames) and frames[j][0] < t + gap_s - 1e-3:
            j += 1
        if j == len(frames):
            break
        out.append((t, frames[j][1] - picture))
    return out


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    norm = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum()) / norm if norm else 0.0


def _frame_interval(probe: MediaProbe) -> float:
    fps = probe.mean_fps or probe.nominal_fps or 0.0
    return 1.0 / fps if fps > 0 else 0.04


def confirm(earlier: Footage, later: Footage, found: Match, slack_s: float) -> Confirmation:
    """Compare the frames of ``later`` over the matched stretch with ``earlier`` at the aligned times,
    searching ``slack_s`` either way for the frame-exact alignment.

    A copy lines up at one offset, to the frame, at every instant; people who happen to stand and walk in
    the same places line up now at one offset, now at another (each instant finds its own coincidence
    among the frames searched). So the offset is agreed first (the median of each instant's best), and
    each instant is then judged at that offset alone.
    """
    bins = found.matched_b_s or (found.b_start_s,)
    # per compared instant: (offset of each earlier frame, its correlation)
    scored: list[list[tuple[float, float]]] = []
    for t in sorted({bins[int(len(bins) * (k + 0.5) / INSTANTS)] for k in range(INSTANTS)}):
        active = later.fingerprint.active(t - slack_s / 2, t + GAP_S + slack_s / 2)
        mine = _changes(_frames(later.path, later.probe, t, GAP_S + 0.5), GAP_S) if active else []
        if not mine:
            continue
        t_b, change = mine[0]
        keep = _cells(change.shape, later.fingerprint.grid, active)
        change = change * keep
        if float(change.std()) < CHANGE_MIN:
            continue
        theirs = _changes(_frames(earlier.path, earlier.probe, t_b - found.offset_s - slack_s,
                                  2 * slack_s + GAP_S + 0.5), GAP_S)
        size = (change.shape[1], change.shape[0])  # another resolution, once scaled, is the same picture
        scored.append([(t_b - t_a, _correlation(change, keep * (d if d.shape == change.shape
                                                                 else cv2.resize(d, size))))
                       for t_a, d in theirs])
    if len(scored) < AGREEING_RUN:
        return Confirmation(False, len(scored), 0, (), 0.0)  # too little change to confirm anything
    offset = float(np.median([max(s, key=lambda x: x[1])[0] for s in scored if s]) if any(scored) else 0.0)
    tolerance = 0.6 * max(_frame_interval(earlier.probe), _frame_interval(later.probe)) + 0.02
    at_offset = tuple(max((c for o, c in s if abs(o - offset) <= tolerance), default=0.0) for s in scored)
    agrees = [c >= CORRELATION_MIN for c in at_offset]
    longest = max((len(list(run)) for same, run in itertools.groupby(agrees) if same), default=0)
    return Confirmation(longest >= AGREEING_RUN, len(scored), sum(agrees), at_offset, offset)
