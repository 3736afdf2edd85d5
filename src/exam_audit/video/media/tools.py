"""Finding ffmpeg and ffprobe, with an install hint when they are missing."""

from __future__ import annotations

import os
import shutil
from functools import cache

from ...errors import ToolMissingError

INSTALL_HINT = ("install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; Windows: winget install ffmpeg; "
                "macOS: brew install ffmpeg), or set EXAM_AUDIT_FFMPEG / EXAM_AUDIT_FFPROBE to the programs")


@cache
def tool(name: str) -> str:
    """Path of ``ffmpeg`` or ``ffprobe``: $EXAM_AUDIT_FFMPEG / $EXAM_AUDIT_FFPROBE, else the PATH."""
    override = os.environ.get(f"EXAM_AUDIT_{name.upper()}")
    found = override or shutil.which(name)
    if not found:
        raise ToolMissingError(f"{name} was not found", INSTALL_HINT)
    return found
