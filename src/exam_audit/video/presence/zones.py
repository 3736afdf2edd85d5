"""Zones of a camera's picture: polygons in normalised coordinates (0..1, x right, y down).

No zone means the whole frame. Zones come from centre.toml (``invigilator_zones``, ``station_zones``) or
from the command line as ``x,y;x,y;x,y``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from ...archive import Polygon
from ...errors import ExamAuditError

WHOLE_FRAME: Polygon = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))


def parse_zone(text: str) -> Polygon:
    """``"0,0;1,0;1,0.4;0,0.4"`` → a polygon; raises ExamAuditError naming the fix."""
    try:
        points = tuple((float(x), float(y)) for x, y in (p.split(",") for p in text.split(";") if p.strip()))
    except ValueError:
        raise ExamAuditError(f"zone {text!r} is not a list of x,y points",
                             "write it as x,y;x,y;x,y with x and y between 0 and 1") from None
    return _checked(points, f"zone {text!r}")


def zones_from(spec: Any, where: str) -> tuple[Polygon, ...]:
    """Polygons from a centre.toml value (a list of lists of [x, y])."""
    try:
        polygons = tuple(tuple((float(x), float(y)) for x, y in zone) for zone in spec or ())
    except (TypeError, ValueError):
        raise ExamAuditError(f"{where} must be a list of polygons of [x, y] pairs",
                             "write e.g. [[[0.0, 0.0], [1.0, 0.0], [1.0, 0.4], [0.0, 0.4]]]") from None
    return tuple(_checked(p, where) for p in polygons)


def _checked(points: Polygon, where: str) -> Polygon:
    if len(points) < 3:
        raise ExamAuditError(f"{where} has fewer than 3 points", "give at least three x,y points")
    if any(not (0.0 <= v <= 1.0) for point in points for v in point):
        raise ExamAuditError(f"{where} has a point outside 0..1",
                             "zones use normalised coordinates: 0..1 of the frame's width and height")
    return points


def zone_mask(zones: Sequence[Polygon], width: int, height: int) -> np.ndarray:
    """Boolean mask (height x width) of the union of ``zones``; the whole frame when there are none."""
    mask = np.zeros((height, width), np.uint8)
    for polygon in zones or (WHOLE_FRAME,):
        points = np.array([[round(x * (width - 1)), round(y * (height - 1))] for x, y in polygon], np.int32)
        cv2.fillPoly(mask, [points], 1)
    return mask.astype(bool)


def contains(zones: Sequence[Polygon], x: float, y: float) -> bool:
    """Whether the normalised point (x, y) lies in any of ``zones`` (the whole frame when none)."""
    if not zones:
        return True
    return any(cv2.pointPolygonTest(np.array(p, np.float32), (x, y), False) >= 0 for p in zones)
