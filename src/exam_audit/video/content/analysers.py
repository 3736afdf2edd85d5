"""Content analysers: black picture, frozen picture, abrupt change of view, activity fingerprints.

Each is a small class behind the ``FrameAnalyser`` interface (``process_frame(t, frame)``, ``result()``),
fed by the shared sampling pass (video/analysis.py). They work on a grey picture at most ``WORK_WIDTH``
pixels wide: enough to see a covered lens, a stopped clock or a moved camera, and cheap at one sample a
second. Thresholds come from the profile (``ContentSettings``); every event carries its media-time span
``start_s``/``end_s`` (seconds from the file's first packet) and what was measured.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from ...archive import Camera
from ...profile import Profile
from ..analysis import AnalyserFactory
from ..media.probe import MediaProbe

WORK_WIDTH = 160  # pixels: the grey picture every content analyser works on
CHANGE_GRID = (6, 8)  # rows, columns of the tiles whose change decides stillness
SCENE_SIZE = (96, 54)  # the picture the scene-change analyser compares, and its tile grid:
SCENE_GRID = (6, 8)
FINGERPRINT_SIZE = (32, 18)  # the picture the activity fingerprint is cut from, and its cells (4x3 pixels);
# a mask is an integer of rows*cols bits. A finer grid was tried (12x16): someone pacing slowly then
# changes cells more often, and two people pacing the same front of a room matched by chance for longer.
FINGERPRINT_GRID = (6, 8)


@dataclass(frozen=True)
class ContentSettings:
    """The profile's content thresholds (data/profile.toml, all local policy)."""

    black_min_s: float
    black_luma_max: float
    black_pixel_ratio: float
    frozen_min_s: float
    frozen_noise_factor: float
    frozen_identical_max: float
    scene_window_s: float
    scene_tile_corr_max: float
    scene_changed_ratio: float
    scene_texture_min: float
    scene_shift_min: float
    scene_shift_response_min: float
    fingerprint_pixel_delta: float

    @classmethod
    def of(cls, profile: Profile) -> ContentSettings:
        return cls(**{name: float(profile.threshold(name)) for name in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


_last_grey: list[tuple[np.ndarray, np.ndarray]] = []  # (frame, its grey): every analyser sees the same frame


def level(grey: np.ndarray) -> np.ndarray:
    """A grey picture scaled to a mean of 128: a lighting change (lamps, exposure) is not activity."""
    return grey * (128.0 / max(float(grey.mean()), 1.0))


def work_grey(frame: np.ndarray) -> np.ndarray:
    """The frame as grey float32, at most ``WORK_WIDTH`` wide (area-averaged); computed once per frame."""
    if _last_grey and _last_grey[0][0] is frame:
        return _last_grey[0][1]
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    h, w = grey.shape
    if w > WORK_WIDTH:
        grey = cv2.resize(grey, (WORK_WIDTH, max(2, round(h * WORK_WIDTH / w))), interpolation=cv2.INTER_AREA)
    grey = grey.astype(np.float32)
    grey.flags.writeable = False  # shared between analysers
    _last_grey[:] = [(frame, grey)]
    return grey


def dark_ratio(grey: np.ndarray, settings: ContentSettings) -> float:
    """Share of the picture darker than ``black_luma_max``. A covered lens still shows the on-screen
    clock, so black is "almost every pixel dark" rather than "every pixel dark" (as ffmpeg's blackdetect)."""
    return float(np.count_nonzero(grey <= settings.black_luma_max)) / grey.size


def is_black(grey: np.ndarray, settings: ContentSettings) -> bool:
    return dark_ratio(grey, settings) >= settings.black_pixel_ratio


def tile_means(values: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Mean of ``values`` over a rows x cols grid of tiles (the picture cropped to a multiple of the grid)."""
    rows, cols = grid
    h, w = values.shape[0] // rows * rows, values.shape[1] // cols * cols
    return values[:h, :w].reshape(rows, h // rows, cols, w // cols).mean(axis=(1, 3))


class BlackAnalyser:
    """``video.black``: almost every pixel dark for at least ``black_min_s`` (no signal, covered lens).

    A black stretch runs from its first black sample to the first sample that is not black (or the last
    sample of the file)."""

    name = "black"

    def __init__(self, settings: ContentSettings) -> None:
        self.settings = settings
        self.events: list[dict[str, Any]] = []
        self.run: list[tuple[float, float]] = []  # (t, dark ratio) of the current black stretch
        self.last_t: float | None = None

    def process_frame(self, t: float, frame: np.ndarray) -> None:
        ratio = dark_ratio(work_grey(frame), self.settings)
        if ratio >= self.settings.black_pixel_ratio:
            self.run.append((t, ratio))
        else:
            self._close(t)
        self.last_t = t

    def _close(self, end: float) -> None:
        if self.run and end - self.run[0][0] >= self.settings.black_min_s:
            start = self.run[0][0]
            self.events.append({"start_s": start, "end_s": end, "duration_s": round(end - start, 3),
                                "samples": len(self.run), "dark_ratio": round(min(r for _, r in self.run), 4)})
        self.run = []

    def result(self) -> dict[str, Any]:
        if self.run and self.last_t is not None:
            self._close(self.last_t)
        return {"events": self.events}


class FrozenAnalyser:
    """``video.frozen``: the picture stiller than this camera can be while live, for ``frozen_min_s``.

    A live camera is never still: sensor noise changes every picture, and an on-screen clock changes its
    corner every second. The change between two samples is measured per tile and the largest tile counts,
    so a ticking clock alone keeps a picture live (it vetoes a freeze). The camera's noise floor is the
    25th percentile of that change over the file's samples that are not identical; a step is still when
    its change is below ``frozen_noise_factor`` times the floor, or below ``frozen_identical_max`` (the
    same picture re-encoded). Black samples are left to the black analyser.
    """

    name = "frozen"

    def __init__(self, settings: ContentSettings) -> None:
        self.settings = settings
        self.prev: tuple[float, np.ndarray, bool] | None = None
        self.steps: list[tuple[float, float, float]] = []  # previous t, t, largest tile change

    def process_frame(self, t: float, frame: np.ndarray) -> None:
        raw = work_grey(frame)
        black = is_black(raw, self.settings)
        # with the lighting level removed: a room whose lights are dimmed shows the same sensor noise, only
        # darker, and must not look stiller than the camera's floor (a repeated picture stays unchanged)
        grey = level(raw)
        if self.prev is not None:
            t0, g0, black0 = self.prev
            change = -1.0 if (black or black0) else float(tile_means(np.abs(grey - g0), CHANGE_GRID).max())
            self.steps.append((t0, t, change))
        self.prev = (t, grey, black)

    def noise_floor(self) -> float | None:
        live = [c for _, _, c in self.steps if c > self.settings.frozen_identical_max]
        return float(np.percentile(live, 25)) if live else None

    def result(self) -> dict[str, Any]:
        floor = self.noise_floor()
        limit = max(self.settings.frozen_identical_max, (floor or 0.0) * self.settings.frozen_noise_factor)
        # a still run may bridge one step that changed less than a live camera does: an encoder hiccup
        # (a keyframe re-encoded at another quantiser) inside a frozen stretch, not a moment of life
        steps = [*self.steps, (0.0, 0.0, -1.0)]  # a sentinel closes the last run
        still = [0.0 <= c < limit for _, _, c in steps]
        events: list[dict[str, Any]] = []
        run: list[tuple[float, float, float]] = []
        for i, step in enumerate(steps):
            hiccup = (run and floor is not None and 0.0 <= step[2] < floor and i + 1 < len(steps)
                      and still[i + 1])
            if still[i] or hiccup:
                run.append(step)
                continue
            if run and run[-1][1] - run[0][0] >= self.settings.frozen_min_s:
                events.append({"start_s": run[0][0], "end_s": run[-1][1],
                               "duration_s": round(run[-1][1] - run[0][0], 3), "samples": len(run) + 1,
                               "max_change": round(max(c for _, _, c in run), 3)})
            run = []
        return {"events": events, "noise_floor": None if floor is None else round(floor, 3),
                "still_below": round(limit, 3)}


class SceneChangeAnalyser:
    """``video.scene_change``: the view before and after a moment differs in structure, and stays so.

    Samples are gathered in blocks of half ``scene_window_s``; each block's background is the per-pixel
    median of its samples (people passing through vanish from a median). At every block boundary the two
    blocks before (one window) are compared with the two blocks after, tile by tile, with zero-mean
    normalised correlation, which ignores brightness and contrast: lights switching on or an exposure
    swing leave it near 1. Only tiles with texture on both sides are compared (a black or flat tile
    carries no structure). The view changed when most compared tiles decorrelated, for a whole window.
    """

    name = "scene_change"
    MIN_BLOCK = 2  # samples a block needs to stand for its stretch of time

    def __init__(self, settings: ContentSettings) -> None:
        self.settings = settings
        self.block_s = settings.scene_window_s / 2
        self.current: list[tuple[float, np.ndarray]] = []
        # closed blocks: (first t, last t, background or None when too few samples)
        self.blocks: deque[tuple[float, float, np.ndarray | None]] = deque(maxlen=4)
        self.candidates: list[dict[str, Any]] = []

    def process_frame(self, t: float, frame: np.ndarray) -> None:
        if self.current and t // self.block_s != self.current[0][0] // self.block_s:
            self._close_block()
        self.current.append((t, cv2.resize(work_grey(frame), SCENE_SIZE, interpolation=cv2.INTER_AREA)))

    def _close_block(self) -> None:
        times = [t for t, _ in self.current]
        background = (np.median(np.stack([g for _, g in self.current]), axis=0)
                      if len(self.current) >= self.MIN_BLOCK else None)
        self.blocks.append((times[0], times[-1], background))
        self.current = []
        if len(self.blocks) == 4 and all(b[2] is not None for b in self.blocks):
            self._evaluate()

    def _evaluate(self) -> None:
        b = list(self.blocks)
        before = (b[0][2] + b[1][2]) / 2  # type: ignore[operator]
        after = (b[2][2] + b[3][2]) / 2  # type: ignore[operator]
        compared, changed = self._compare(before, after)
        rows, cols = SCENE_GRID
        if compared < rows * cols // 4:  # one side is mostly flat (black, covered): nothing to compare
            return
        shift_x, shift_y = self._shift(before, after)
        replaced = changed / compared >= self.settings.scene_changed_ratio
        moved = (max(abs(shift_x), abs(shift_y)) >= self.settings.scene_shift_min
                 and self._shift_explains(before, after, shift_x, shift_y))
        if replaced or moved:
            self.candidates.append({"start_s": b[1][1], "end_s": b[2][0],
                                    "changed_ratio": round(changed / compared, 3),
                                    "tiles_compared": compared, "shift_x": round(shift_x, 3),
                                    "shift_y": round(shift_y, 3)})

    def _shift(self, before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
        """How far the whole view moved (fractions of width and height), by phase correlation: a turned
        camera shows the same room displaced, which tile correlation alone can miss when the room repeats
        itself (rows of identical desks). (0, 0) unless the displacement is unambiguous."""
        h, w = before.shape
        (dx, dy), response = cv2.phaseCorrelate(before.astype(np.float32), after.astype(np.float32),
                                                cv2.createHanningWindow((w, h), cv2.CV_32F))
        if response < self.settings.scene_shift_response_min:
            return 0.0, 0.0
        return dx / w, dy / h

    def _shift_explains(self, before: np.ndarray, after: np.ndarray, shift_x: float, shift_y: float) -> bool:
        """Whether the view displaced by the shift matches ``after`` better than the view as it was. A
        turned camera displaces everything; someone who stood in one place and then in another displaces
        only themselves, and phase correlation can lock onto them in a plain room (seen on generated
        archives: a 5 % "shift" while 89 % of the tiles had not changed)."""
        h, w = before.shape
        moved = cv2.warpAffine(before.astype(np.float32), np.float32([[1, 0, shift_x * w], [0, 1, shift_y * h]]),
                               (w, h), borderMode=cv2.BORDER_REPLICATE)
        textured, corr = self._tiles(before, after)
        moved_textured, moved_corr = self._tiles(moved, after)
        both = textured & moved_textured
        return bool(both.any()) and float(moved_corr[both].mean()) > float(corr[both].mean())

    def _tiles(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per tile: whether both sides have texture, and their zero-mean normalised correlation."""
        rows, cols = SCENE_GRID
        h, w = a.shape[0] // rows, a.shape[1] // cols
        ta = a[:h * rows, :w * cols].reshape(rows, h, cols, w).transpose(0, 2, 1, 3).reshape(rows * cols, -1)
        tb = b[:h * rows, :w * cols].reshape(rows, h, cols, w).transpose(0, 2, 1, 3).reshape(rows * cols, -1)
        da, db = ta - ta.mean(axis=1, keepdims=True), tb - tb.mean(axis=1, keepdims=True)
        sa, sb = da.std(axis=1), db.std(axis=1)
        textured = (sa >= self.settings.scene_texture_min) & (sb >= self.settings.scene_texture_min)
        return textured, (da * db).mean(axis=1) / np.maximum(sa * sb, 1e-6)

    def _compare(self, a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
        textured, corr = self._tiles(a, b)
        return int(textured.sum()), int((textured & (corr < self.settings.scene_tile_corr_max)).sum())

    def result(self) -> dict[str, Any]:
        """One event per run of consecutive changed boundaries: the boundary where most tiles changed."""
        if self.current:
            self._close_block()
        events: list[dict[str, Any]] = []
        for cand in self.candidates:
            last = events[-1] if events else None
            if last is not None and cand["start_s"] <= last["_run_end"] + self.settings.scene_window_s:
                last["_run_end"] = cand["end_s"]
                if _strength(cand) > _strength(last):
                    last.update({k: v for k, v in cand.items()})
                continue
            events.append({**cand, "_run_end": cand["end_s"]})
        for e in events:
            del e["_run_end"]
        return {"events": events}


def _strength(candidate: dict[str, Any]) -> float:
    return max(candidate["changed_ratio"], abs(candidate["shift_x"]), abs(candidate["shift_y"]))


class FingerprintAnalyser:
    """Activity fingerprint for ``video.duplicate_footage``: where something moved, sample by sample.

    Each sample is a small grey picture divided by its mean (so a lighting change is not activity). The
    file's background is the per-pixel median of its samples; a cell of the 6x8 grid is active in a sample
    when a third of its pixels differ from the background by ``fingerprint_pixel_delta``. Cells active in
    most samples (an on-screen clock, a flickering lamp) say nothing about this footage and are dropped.
    Only samples with activity are kept: an empty static room leaves an empty fingerprint, so two days of
    the same empty room can never match; recycled footage of an exam brings its people along.
    """

    name = "fingerprint"

    def __init__(self, settings: ContentSettings) -> None:
        self.settings = settings
        self.times: list[float] = []
        self.pictures: list[np.ndarray] = []

    def process_frame(self, t: float, frame: np.ndarray) -> None:
        small = cv2.resize(work_grey(frame), FINGERPRINT_SIZE, interpolation=cv2.INTER_AREA)
        small = level(small)
        self.times.append(t)
        self.pictures.append(np.clip(small, 0, 255).astype(np.uint8))

    def result(self) -> dict[str, Any]:
        if len(self.pictures) < 3:
            return {"grid": list(FINGERPRINT_GRID), "samples": [], "span_s": 0.0}
        stack = np.stack(self.pictures).astype(np.int16)
        moved = np.abs(stack - np.median(stack, axis=0)) >= self.settings.fingerprint_pixel_delta
        rows, cols = FINGERPRINT_GRID
        n, h, w = moved.shape
        cells = moved[:, :h // rows * rows, :w // cols * cols].reshape(
            n, rows, h // rows, cols, w // cols).mean(axis=(2, 4)) >= 1 / 3
        cells &= ~(cells.mean(axis=0) > 0.5)  # always-active cells: clocks, flicker
        # most of the picture changed at once: the view itself changed (see scene_change), not activity
        cells[cells.sum(axis=(1, 2)) > rows * cols // 2] = False
        # cell r*cols + c is bit r*cols + c of the sample's mask
        packed = np.packbits(cells.reshape(n, rows * cols), axis=1, bitorder="little")
        masks = [int.from_bytes(row.tobytes(), "little") for row in packed]
        samples = [[round(t, 3), int(m)] for t, m in zip(self.times, masks, strict=True) if m]
        return {"grid": [rows, cols], "samples": samples, "span_s": round(self.times[-1] - self.times[0], 3)}


@dataclass(frozen=True)
class _Build:
    """Builds one content analyser from the profile; a class, not a closure, so the factory crosses into the
    worker processes that analyse each file."""

    analyser: type

    def __call__(self, profile: Profile, camera: Camera | None, probe: MediaProbe) -> Any:
        return self.analyser(ContentSettings.of(profile))


def _factory(name: str, cls: type) -> AnalyserFactory:
    return AnalyserFactory(name, _Build(cls), width=WORK_WIDTH)


CONTENT_ANALYSERS: tuple[AnalyserFactory, ...] = (
    _factory(BlackAnalyser.name, BlackAnalyser),
    _factory(FrozenAnalyser.name, FrozenAnalyser),
    _factory(SceneChangeAnalyser.name, SceneChangeAnalyser),
    _factory(FingerprintAnalyser.name, FingerprintAnalyser),
)
