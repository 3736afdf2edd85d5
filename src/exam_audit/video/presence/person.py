"""The person detector: YOLOX-Nano (COCO, ONNX) through OpenCV's dnn module.

Model contract (shared/models/README.md): BGR 0–255, letterboxed with grey 114, no normalisation; output
``N x 85`` raw, decoded over grids of strides 8, 16 and 32. A person is COCO class 0; score = objectness
× class score. The exported graph accepts any input whose sides are multiples of 32, so the input is
sized to the picture (``input_size``) rather than squeezed into the 416 x 416 the model was exported at:
seated people at the back of a room shrunk to 416 vanish (a 640x352 ceiling camera with 14 seated
students: 1–4 found at 416 and score 0.5, a median 13 at 960x512 and score 0.25; issue 14). Tiling was
measured and not kept: it gained nothing on seated people (README, "Invigilation").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from ...archive import Polygon
from ...errors import ExamAuditError
from .zones import contains

STRIDES = (8, 16, 32)
ALIGN = 32  # the coarsest stride: both input sides must be multiples of it
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


def input_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """The network input for a ``width`` x ``height`` picture: its long side scaled to ``long_side``, the
    aspect kept, each side rounded to a multiple of 32 (640x352 → 960x512, 1280x720 → 960x544)."""
    scale = long_side / max(width, height)
    return (max(ALIGN, round(width * scale / ALIGN) * ALIGN), max(ALIGN, round(height * scale / ALIGN) * ALIGN))


@cache
def _grids(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell offsets and strides of every output row for one input size (built once per size)."""
    cells, strides = [], []
    for stride in STRIDES:
        nx, ny = width // stride, height // stride
        ys, xs = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
        cells.append(np.stack([xs.ravel(), ys.ravel()], axis=1))
        strides.append(np.full((nx * ny, 1), stride))
    return np.concatenate(cells).astype(np.float32), np.concatenate(strides).astype(np.float32)


@dataclass(frozen=True)
class DetectorSettings:
    """How people are counted: stated in the evidence of every headcount finding."""

    confidence: float  # score = objectness × person class score
    nms: float  # IoU above which two boxes are one person
    long_side: int  # the network input's long side for a whole-frame count
    min_height: float = 0.0  # boxes less tall than this share of the frame are not people (clock digits)
    zone_long_side: int = 640  # the presence check's input: a zone crop at native resolution up to this

    def describe(self, width: int, height: int) -> str:
        w, h = input_size(width, height, self.long_side)
        return f"YOLOX-Nano input {w}x{h}, score ≥ {self.confidence:g}, NMS IoU {self.nms:g}"


class PersonDetector:
    """Finds people in BGR frames. Raises ExamAuditError when the model cannot be loaded."""

    name = "person"

    def __init__(self, model: bytes, settings: DetectorSettings, *, where: str = "model") -> None:
        self.settings = settings
        self._model = np.frombuffer(model, np.uint8)
        self._nets: dict[tuple[int, int], cv2.dnn.Net] = {}
        # fail now, not at the first frame: the model loads and gives YOLOX's COCO rows (4 box, 1 object, 80 classes)
        probe = self._net((ALIGN * 13, ALIGN * 13), where)
        probe.setInput(np.full((1, 3, ALIGN * 13, ALIGN * 13), 114, np.float32))
        try:
            columns = probe.forward().shape[-1]
        except cv2.error:
            columns = 0
        if columns != 85:
            raise ExamAuditError(f"{where}: not a YOLOX COCO model (its output is not 85 values per box)",
                                 "use a YOLOX ONNX export such as yolox_nano.onnx")

    def _net(self, size: tuple[int, int], where: str = "model") -> cv2.dnn.Net:
        # one network per input size: reshaping a single one back and forth costs more than the copy
        if size not in self._nets:
            try:
                self._nets[size] = cv2.dnn.readNetFromONNX(self._model)
            except cv2.error as exc:
                raise ExamAuditError(f"{where}: not a loadable ONNX model ({str(exc).strip().splitlines()[-1]})",
                                     "use the YOLOX-Nano model (`exam-audit models where` shows which one "
                                     "is used)") from None
        return self._nets[size]

    def detect(self, frame: np.ndarray, long_side: int | None = None) -> list[Box]:
        """People in ``frame``, the network input's long side ``long_side`` (default: the settings')."""
        h, w = frame.shape[:2]
        return self._tall(self._detect(frame, input_size(w, h, long_side or self.settings.long_side)), h)

    def detect_region(self, frame: np.ndarray, region: tuple[int, int, int, int]) -> list[Box]:
        """People in the ``region`` (x0, y0, x1, y1 pixels) of ``frame``, at the region's native resolution
        when it is small (up to ``zone_long_side``; a larger one is scaled down to it), in frame pixels."""
        x0, y0, x1, y1 = region
        crop = frame[y0:y1, x0:x1]
        size = input_size(crop.shape[1], crop.shape[0], min(max(crop.shape[:2]), self.settings.zone_long_side))
        return [Box(b.x0 + x0, b.y0 + y0, b.x1 + x0, b.y1 + y0, b.score)
                for b in self._tall(self._detect(crop, size), frame.shape[0])]

    def _tall(self, boxes: list[Box], frame_height: int) -> list[Box]:
        return [b for b in boxes if b.y1 - b.y0 >= self.settings.min_height * frame_height]

    def _detect(self, frame: np.ndarray, size: tuple[int, int]) -> list[Box]:
        h, w = frame.shape[:2]
        scale = min(size[0] / w, size[1] / h)
        resized = cv2.resize(frame, (max(1, round(w * scale)), max(1, round(h * scale))),
                             interpolation=cv2.INTER_LINEAR)
        canvas = np.full((size[1], size[0], 3), 114, np.uint8)
        canvas[:resized.shape[0], :resized.shape[1]] = resized
        net = self._net(size)
        net.setInput(canvas.transpose(2, 0, 1)[np.newaxis].astype(np.float32))
        out = net.forward().reshape(-1, 85)
        scores = out[:, 4] * out[:, 5 + PERSON]
        chosen = scores >= self.settings.confidence
        if not chosen.any():
            return []
        cells, strides = _grids(*size)
        rows, cells, strides = out[chosen], cells[chosen], strides[chosen]
        centre = (rows[:, 0:2] + cells) * strides / scale
        extent = np.exp(rows[:, 2:4]) * strides / scale
        rects = np.concatenate([centre - extent / 2, extent], axis=1)
        keep = np.asarray(cv2.dnn.NMSBoxes(rects.tolist(), scores[chosen].tolist(), self.settings.confidence,
                                           self.settings.nms)).ravel()
        return [Box(max(0.0, float(rects[i, 0])), max(0.0, float(rects[i, 1])),
                    min(float(w), float(rects[i, 0] + rects[i, 2])), min(float(h), float(rects[i, 1] + rects[i, 3])),
                    float(scores[chosen][i])) for i in keep]


def zone_region(zones: Sequence[Polygon], width: int, height: int, margin: float = 0.1
                ) -> tuple[int, int, int, int] | None:
    """The pixel rectangle around ``zones``, grown by ``margin`` of the frame on every side (a person whose
    feet are in the zone has a head above it); None when it would be (nearly) the whole frame anyway."""
    if not zones:
        return None
    xs = [x for polygon in zones for x, _ in polygon]
    ys = [y for polygon in zones for _, y in polygon]
    # a standing person is about a third of the picture tall in a room camera: room above the zone for heads
    box = (max(0.0, min(xs) - margin), max(0.0, min(ys) - 3 * margin), min(1.0, max(xs) + margin),
           min(1.0, max(ys) + margin))
    if (box[2] - box[0]) * (box[3] - box[1]) > 0.8:
        return None
    return (int(box[0] * width), int(box[1] * height), int(np.ceil(box[2] * width)), int(np.ceil(box[3] * height)))


class PersonPresence:
    """Presence in the zones at every sample (a crop of the zones at native resolution, cheap), and a
    whole-frame people count at high resolution every ``count_every_s`` seconds (what headcount needs;
    None: never, the picture is too small to count in)."""

    name = "person"

    def __init__(self, detector: PersonDetector, zones: Sequence[Polygon], count_every_s: float | None) -> None:
        self.detector = detector
        self.zones = tuple(zones)
        self.count_every_s = count_every_s
        self.people: list[int | None] = []  # None: not a counting sample
        self.in_zone: list[int] = []
        self.frame_size: tuple[int, int] | None = None
        self._next_count: float | None = None

    def process_frame(self, t: float, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        self.frame_size = (w, h)
        counting = self.count_every_s is not None and (self._next_count is None or t >= self._next_count - 1e-6)
        if counting and self.count_every_s is not None:
            self._next_count = t + self.count_every_s
            boxes = self.detector.detect(frame)
            self.people.append(len(boxes))
        else:
            region = zone_region(self.zones, w, h)
            boxes = self.detector.detect_region(frame, region or (0, 0, w, h))
            self.people.append(None)
        self.in_zone.append(sum(contains(self.zones, b.foot[0] / w, min(b.foot[1] / h, 1.0)) for b in boxes))

    def occupied(self) -> list[bool]:
        return [n > 0 for n in self.in_zone]

    def setting(self) -> str | None:
        """The counting setting, for the evidence (None when nothing was counted)."""
        if self.frame_size is None or self.count_every_s is None:
            return None
        return f"{self.detector.settings.describe(*self.frame_size)}, a count every {self.count_every_s:g} s"
