"""How much of a theory room a camera sees, for headcount: from the camera's keys in centre.toml.

No key: the camera sees the whole room, every signed-in candidate and the assigned invigilators.
``seats = 20``: it sees 20 seats, and candidates are seated there first (seat numbers in the camera's
view come first), so it should see up to 20 of them. ``room_share = 0.5``: it sees about half the room,
candidates spread evenly, so it should see half of them. With either key invigilators are not expected
(they walk about, in and out of a partial view). ``headcount = false``: the camera's view cannot carry a
count (a door camera, a view blocked by monitors); headcount is not run on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...archive import Camera


@dataclass(frozen=True)
class CameraView:
    seats: int | None = None
    share: float | None = None

    @property
    def whole_room(self) -> bool:
        return self.seats is None and self.share is None

    def candidates(self, signed_in: int) -> int:
        """The signed-in candidates this camera should see."""
        if self.seats is not None:
            return min(signed_in, self.seats)
        if self.share is not None:
            return math.floor(signed_in * self.share)
        return signed_in

    def describe(self) -> str:
        if self.seats is not None:
            return f"{self.seats} seats in view (centre.toml seats)"
        if self.share is not None:
            return f"{self.share:g} of the room in view (centre.toml room_share)"
        return "the whole room"

    def describe_zh(self) -> str:
        if self.seats is not None:
            return f"画面覆盖 {self.seats} 个座位（centre.toml seats）"
        if self.share is not None:
            return f"画面覆盖考场的 {self.share:g}（centre.toml room_share）"
        return "画面覆盖整个考场"


def camera_view(camera: Camera | None) -> CameraView | str:
    """The camera's view, or why it cannot support a count (a bad key is named with its fix)."""
    extra = camera.extra if camera else {}
    where = f"centre.toml camera {camera.id if camera else '?'}"
    if extra.get("headcount") is False:
        return f"{where} says headcount = false (its view cannot carry a count)"
    seats, share = extra.get("seats"), extra.get("room_share")
    if seats is not None and share is not None:
        return f"{where} gives both seats and room_share; keep one"
    if seats is not None:
        if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
            return f"{where}: seats must be a whole number of seats in view, e.g. seats = 20 (got {seats!r})"
        return CameraView(seats=seats)
    if share is not None:
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            return (f"{where}: room_share must be a fraction above 0 and at most 1, e.g. room_share = 0.5 "
                    f"(got {share!r})")
        return CameraView(share=float(share))
    return CameraView()
