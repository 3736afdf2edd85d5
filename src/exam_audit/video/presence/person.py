"""The person detector: YOLOX-Nano (COCO, ONNX) through OpenCV's dnn module.

Model contract (shared/models/README.md): input 1x3x416x416 float32, BGR 0–255, letterboxed with grey
114, no normalisation; output 1x3549x85 raw, decoded over grids of strides 8, 16 and 32. A person is
COCO class 0; score = objectness × class score. Wide frames are cut into overlapping tiles so that small
people in a wide hall are not shrunk below what the model can see.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ...archive import Polygon
from ...errors import ExamAuditError
from .zones import contains

INPUT = 416
STRIDES = (8, 16, 32)
PERSON = 0


@dataclass(frozen=True)
class Box:
    """A detected person in frame pixels."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def foot(self) -> tuple[float, float]:
        """Where the person stands: the middle of the box's bottom edge."""
        return (self.x0 + self.x1) / 2, self.y1


def _grids() -> tuple[np.ndarray, np.ndarray]:
    cells, strides = [], []
    for stride in STRIDES:
        n = INPUT // stride
        ys, xs = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        cells.append(np.stack([xs.ravel(), ys.ravel()], axis=1))
        strides.append(np.full((n * n, 1), stride))
    return np.concatenate(cells).astype(np.float32), np.concatenate(strides).astype(np.float32)


class PersonDetector:
    """Finds people in BGR frames. Raises ExamAuditError when the model cannot be loaded."""

    name = "person"

    def __init__(self, model: Path, *, confidence: float = 0.5, nms: float = 0.45,
                 tile_aspect: float = 2.0) -> None:
        try:
            self.net = cv2.dnn.readNetFromONNX(str(model))
        except cv2.error as exc:
            raise ExamAuditError(f"{model}: not a loadable ONNX model ({str(exc).strip().splitlines()[-1]})",
                                 "install the YOLOX-Nano model with `exam-audit models install FILE`") from None
        self.confidence = confidence
        self.nms = nms
        self.tile_aspect = tile_aspect  # frames wider than this (w/h) are cut into tiles
        self.cells, self.strides = _grids()

    def detect(self, frame: np.ndarray) -> list[Box]:
        h, w = frame.shape[:2]
        boxes: list[Box] = []
        for x_off, tile in self._tiles(frame):
            boxes += [Box(b.x0 + x_off, b.y0, b.x1 + x_off, b.y1, b.score) for b in self._detect_tile(tile)]
        if not boxes:
            return []
        if len(boxes) > 1:  # people on a tile seam are found twice
            rects = [[b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0] for b in boxes]
            keep = cv2.dnn.NMSBoxes(rects, [b.score for b in boxes], self.confidence, self.nms)
            boxes = [boxes[i] for i in np.asarray(keep).ravel()]
        return [Box(max(0.0, b.x0), max(0.0, b.y0), min(float(w), b.x1), min(float(h), b.y1), b.score)
                for b in boxes]

    def tile_count(self, width: int, height: int) -> int:
        return math.ceil(width / height / self.tile_aspect - 1e-9) if width > height * self.tile_aspect else 1

    def input_width(self, width: int, height: int) -> int:
        """The frame width worth decoding: each tile is shrunk to the network's input anyway, so decoding
        more only costs time (a tenth more for the tiles' overlap)."""
        longest_tile_side = max(width / self.tile_count(width, height), height)
        return min(width, math.ceil(width * INPUT / longest_tile_side * 1.1))

    def _tiles(self, frame: np.ndarray) -> list[tuple[int, np.ndarray]]:
        h, w = frame.shape[:2]
        n = self.tile_count(w, h)
        if n == 1:
            return [(0, frame)]
        # square-ish tiles overlapping by a tenth of the height, so nobody is cut in half
        tile_w = min(w, math.ceil((w + (n - 1) * h // 10) / n))
        step = (w - tile_w) / (n - 1)
        return [(round(i * step), frame[:, round(i * step):round(i * step) + tile_w]) for i in range(n)]

    def _detect_tile(self, tile: np.ndarray) -> list[Box]:
        h, w = tile.shape[:2]
        scale = min(INPUT / w, INPUT / h)
        resized = cv2.resize(tile, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_LINEAR)
        canvas = np.full((INPUT, INPUT, 3), 114, np.uint8)
        canvas[:resized.shape[0], :resized.shape[1]] = resized
        blob = canvas.transpose(2, 0, 1)[np.newaxis].astype(np.float32)
        self.net.setInput(blob)
        out = self.net.forward().reshape(-1, 85)
        scores = out[:, 4] * out[:, 5 + PERSON]
        chosen = scores >= self.confidence
        if not chosen.any():
            return []
        rows, cells, strides = out[chosen], self.cells[chosen], self.strides[chosen]
        centre = (rows[:, 0:2] + cells) * strides / scale
        size = np.exp(rows[:, 2:4]) * strides / scale
        x0y0 = centre - size / 2
        rects = np.concatenate([x0y0, size], axis=1)
        keep = np.asarray(cv2.dnn.NMSBoxes(rects.tolist(), scores[chosen].tolist(), self.confidence,
                                           self.nms)).ravel()
        return [Box(float(rects[i, 0]), float(rects[i, 1]), float(rects[i, 0] + rects[i, 2]),
                    float(rects[i, 1] + rects[i, 3]), float(scores[chosen][i])) for i in keep]


class PersonPresence:
    """Counts people per sample: in the whole frame, and standing (foot point) in the zones."""

    name = "person"

    def __init__(self, detector: PersonDetector, zones: Sequence[Polygon]) -> None:
        self.detector = detector
        self.zones = tuple(zones)
        self.people: list[int] = []
        self.in_zone: list[int] = []

    def process_frame(self, t: float, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        boxes = self.detector.detect(frame)
        self.people.append(len(boxes))
        self.in_zone.append(sum(contains(self.zones, b.foot[0] / w, min(b.foot[1] / h, 1.0)) for b in boxes))

    def occupied(self) -> list[bool]:
        return [n > 0 for n in self.in_zone]
