"""Where the person-detector model is, and installing a copy the user supplies (never downloaded).

Looked for in order: an explicit path (``--model``), ``$EXAM_AUDIT_MODEL``, the profile's
``[presence] model``, then the per-user data folder that ``exam-audit models install`` fills
(``$EXAM_AUDIT_DATA``, else ``$XDG_DATA_HOME/exam-audit``, ``%LOCALAPPDATA%\\exam-audit`` on Windows,
``~/.local/share/exam-audit``).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ...archive import sha256_file
from ...errors import ExamAuditError
from ...profile import Profile

MODEL_FILE = "yolox_nano.onnx"
# YOLOX-Nano COCO, as exported to ONNX (shared/models/README.md)
MODEL_SHA256 = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14"
MODEL_ENV = "EXAM_AUDIT_MODEL"


def data_dir() -> Path:
    if os.environ.get("EXAM_AUDIT_DATA"):
        return Path(os.environ["EXAM_AUDIT_DATA"])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "exam-audit"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "exam-audit"


def installed_path() -> Path:
    return data_dir() / "models" / MODEL_FILE


@dataclass(frozen=True)
class ModelChoice:
    path: Path | None
    source: str  # "--model" | "$EXAM_AUDIT_MODEL" | "profile" | "installed" | "none"
    problem: str | None = None  # why no usable model was found


def find_model(profile: Profile, explicit: Path | None = None) -> ModelChoice:
    configured = str(profile.raw.get("presence", {}).get("model", "") or "")
    candidates = ((explicit, "--model"), (os.environ.get(MODEL_ENV), f"${MODEL_ENV}"),
                  (configured or None, "profile [presence] model"))
    for value, source in candidates:
        if value:
            path = Path(value).expanduser()
            if path.is_file():
                return ModelChoice(path, source)
            # a path the user named that is not there is an error to show, not a reason to look elsewhere
            return ModelChoice(None, source, f"{source} names {path}, which does not exist")
    if installed_path().is_file():
        return ModelChoice(installed_path(), "installed")
    return ModelChoice(None, "none", "no person-detector model installed "
                                     "(run `exam-audit models install yolox_nano.onnx`)")


def install_model(source: Path) -> Path:
    """Check ``source``'s sha256 against the known model and copy it where find_model looks."""
    if not source.is_file():
        raise ExamAuditError(f"{source}: no such file", f"pass the path of {MODEL_FILE}")
    digest = sha256_file(source)
    if digest != MODEL_SHA256:
        raise ExamAuditError(f"{source}: sha256 {digest} is not the known {MODEL_FILE} ({MODEL_SHA256})",
                             "use the YOLOX-Nano COCO model exported to ONNX (3,660,092 bytes)")
    target = installed_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    shutil.copyfile(source, tmp)
    tmp.replace(target)
    return target
