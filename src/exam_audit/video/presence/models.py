"""Which person-detector model is used, checked before it is used.

The YOLOX-Nano model ships inside the package (``data/models/yolox_nano.onnx``, Apache-2.0, with its
licence and NOTICE), so a fresh install counts people. Looked for in order: an explicit path
(``--model``), ``$EXAM_AUDIT_MODEL``, the profile's ``[presence] model``, a model the user installed with
``exam-audit models install`` (another YOLOX export, e.g. a larger one), then the shipped one. The shipped
and installed files are checked against their sha256 each time they are read; a path given explicitly is
used as it is, its digest stated.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ...archive import sha256_file
from ...errors import ExamAuditError
from ...profile import Profile

MODEL_FILE = "yolox_nano.onnx"
# YOLOX-Nano COCO, as exported to ONNX (data/models/NOTICE-yolox_nano.txt)
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


def shipped_path() -> Path:
    return Path(str(resources.files("exam_audit") / "data" / "models" / MODEL_FILE))


@dataclass(frozen=True)
class ModelChoice:
    path: Path | None
    source: str  # "--model" | "$EXAM_AUDIT_MODEL" | "profile" | "installed" | "shipped" | "none"
    problem: str | None = None  # why no usable model was found
    sha256: str | None = None  # the digest the file must have (shipped, installed); None: not known


def _digest_file(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


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
    installed = installed_path()
    if installed.is_file():
        recorded = _digest_file(installed)
        digest = recorded.read_text(encoding="utf-8").strip() if recorded.is_file() else MODEL_SHA256
        return ModelChoice(installed, "installed", sha256=digest)
    if shipped_path().is_file():
        return ModelChoice(shipped_path(), "shipped", sha256=MODEL_SHA256)
    return ModelChoice(None, "none", "the shipped model is missing from the package and none is installed "
                                     "(reinstall exam-audit, or run `exam-audit models install FILE`)")


def read_model(choice: ModelChoice) -> bytes:
    """The model's bytes, checked against the digest its source promises (one read: what is checked is
    what is loaded). Raises ExamAuditError naming the file and the fix."""
    if choice.path is None:
        raise ExamAuditError(choice.problem or "no person-detector model", "run `exam-audit models where`")
    data = choice.path.read_bytes()
    if choice.sha256 is not None:
        digest = hashlib.sha256(data).hexdigest()
        if digest != choice.sha256:
            fix = ("reinstall exam-audit (pip install --force-reinstall exam-audit)" if choice.source == "shipped"
                   else "install the model again with `exam-audit models install FILE`")
            raise ExamAuditError(f"{choice.path}: sha256 {digest} is not the expected {choice.sha256} "
                                 "(the file was changed or damaged)", fix)
    return data


def install_model(source: Path) -> Path:
    """Copy a YOLOX COCO model (ONNX) the user supplies where find_model looks, with its sha256 beside it so
    that every later load is checked. The shipped YOLOX-Nano needs no installing; this is for other
    exports. Refuses a file that does not load or does not give YOLOX's COCO output."""
    from .person import DetectorSettings, PersonDetector  # OpenCV only when a model is installed

    if not source.is_file():
        raise ExamAuditError(f"{source}: no such file", f"pass the path of a YOLOX ONNX model such as {MODEL_FILE}")
    PersonDetector(source.read_bytes(), DetectorSettings(0.5, 0.45, 416), where=str(source))
    target = installed_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    shutil.copyfile(source, tmp)
    tmp.replace(target)
    _digest_file(target).write_text(sha256_file(target) + "\n", encoding="utf-8")
    return target
