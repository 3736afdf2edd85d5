"""The evidence package: a zip another person can open and check without trusting the one who made it.

It holds the reports (report.html, findings.json, findings.csv, the self-check list), the snapshots and clips,
and a MANIFEST (JSON) naming the tool and profile versions, the command, the time, the sha256 of every input
file as the audit saw it and of every file in the package. MANIFEST.sha256 seals the MANIFEST itself, in the
format of ``sha256sum``, so that a change to any byte of any member is detected. ``verify`` recomputes all of it,
and, given the archive, says which of its files changed, vanished or appeared since the audit.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..archive import open_archive, sha256_file
from ..errors import ExamAuditError
from ..results import ArchiveAudit
from . import ReportOptions, write_reports

MANIFEST = "MANIFEST"
SEAL = "MANIFEST.sha256"
PACKAGE_FORMATS = ("html", "json", "csv", "selfcheck")
FORMAT_NAME = "exam-audit evidence package 1"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_package(audit: ArchiveAudit, zip_path: Path, options: ReportOptions, command: str) -> str:
    """Write the evidence package of ``audit`` to ``zip_path``; its sha256 (to note down beside the decision)."""
    with tempfile.TemporaryDirectory(prefix="exam-audit-evidence-") as tmp:
        work = Path(tmp)
        write_reports(audit, work, PACKAGE_FORMATS, options=options)
        produced = sorted(p for p in work.rglob("*") if p.is_file())
        outputs = [{"path": p.relative_to(work).as_posix(), "sha256": sha256_file(p), "bytes": p.stat().st_size}
                   for p in produced]
        manifest = {
            "format": FORMAT_NAME,
            "tool": {"name": "exam-audit", "version": __version__, "audit_version": audit.tool_version},
            "profile": {"name": audit.profile_name, "version": audit.profile_version},
            "command": command,
            "created_at": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
            "audit": {"id": audit.audit_id, "command": audit.command,
                      "started_at": audit.started_at.isoformat() if audit.started_at else None,
                      "finished_at": audit.finished_at.isoformat() if audit.finished_at else None},
            "archive": {"path": audit.path, "centre_id": audit.centre_id, "centre_name": audit.centre_name},
            "inputs": [{"path": f.path, "sha256": f.sha256, "bytes": f.bytes, "kind": f.kind} for f in audit.files],
            "outputs": outputs,
        }
        body = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        partial = zip_path.with_name(zip_path.name + ".partial")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, body)
            zf.writestr(SEAL, f"{_sha256(body)}  {MANIFEST}\n")
            for path, entry in zip(produced, outputs, strict=True):
                # JPEG and video do not deflate: store them, and save the time
                kind = zipfile.ZIP_STORED if path.suffix.lower() in {".jpg", ".mp4", ".mkv"} else zipfile.ZIP_DEFLATED
                zf.write(path, entry["path"], compress_type=kind)
        os.replace(partial, zip_path)
    return sha256_file(zip_path)


@dataclass(frozen=True)
class Check:
    scope: str  # "package" | "archive"
    path: str
    status: str  # "ok" | "changed" | "missing" | "added" | "unreadable"
    detail: str = ""


@dataclass
class Verification:
    manifest: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status == "ok" for c in self.checks)

    def problems(self, scope: str | None = None) -> list[Check]:
        return [c for c in self.checks if c.status != "ok" and (scope is None or c.scope == scope)]


def _member(zf: zipfile.ZipFile, name: str) -> bytes | None:
    """The member's bytes, or None when the zip cannot give them intact (zip's own CRC check included)."""
    try:
        return zf.read(name)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return None


def verify_package(zip_path: Path, archive: Path | None = None) -> Verification:
    """Recompute every hash of the package (and of the archive, when given) against its MANIFEST."""
    try:
        zf = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ExamAuditError(f"{zip_path}: not a readable zip ({exc})",
                             "pass the .zip written by `exam-audit evidence`; a damaged zip cannot be verified",
                             ) from None
    result = Verification()
    with zf:
        body, seal = _member(zf, MANIFEST), _member(zf, SEAL)
        if body is None:
            result.checks.append(Check("package", MANIFEST, "missing" if MANIFEST not in zf.namelist()
                                       else "unreadable", "the package's list of files and hashes"))
            return result
        sealed = (seal or b"").decode("utf-8", "replace").split()
        if seal is None or not sealed or sealed[0] != _sha256(body):
            result.checks.append(Check("package", MANIFEST, "changed",
                                       f"its sha256 does not match {SEAL}: the MANIFEST or its seal was altered"))
        else:
            result.checks.append(Check("package", MANIFEST, "ok"))
        try:
            result.manifest = json.loads(body.decode("utf-8"))
            outputs = result.manifest["outputs"]
            inputs = result.manifest["inputs"]
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
            result.checks.append(Check("package", MANIFEST, "unreadable", "not the JSON an evidence package has"))
            return result
        listed = set()
        names = zf.namelist()
        for entry in outputs:
            name = entry["path"]
            listed.add(name)
            data = _member(zf, name) if name in names else None
            if name not in names:
                result.checks.append(Check("package", name, "missing"))
            elif data is None:
                result.checks.append(Check("package", name, "unreadable", "damaged inside the zip"))
            elif _sha256(data) != entry["sha256"]:
                result.checks.append(Check("package", name, "changed",
                                           f"sha256 {_sha256(data)[:16]}…, MANIFEST says {entry['sha256'][:16]}…"))
            else:
                result.checks.append(Check("package", name, "ok"))
        for name in names:
            if name not in listed and name not in (MANIFEST, SEAL) and not name.endswith("/"):
                result.checks.append(Check("package", name, "added", "not listed in the MANIFEST"))
    if archive is not None:
        result.checks.extend(_verify_archive(Path(archive), inputs))
    return result


def _verify_archive(root: Path, inputs: list[dict[str, Any]]) -> list[Check]:
    if not root.is_dir():
        raise ExamAuditError(f"{root}: no such archive folder", "pass the folder the audit was run on")
    checks = []
    seen = set()
    for entry in inputs:
        path = entry["path"]
        seen.add(path)
        target = root / path
        if not target.is_file():
            checks.append(Check("archive", path, "missing"))
            continue
        try:
            digest = sha256_file(target)
        except OSError as exc:
            checks.append(Check("archive", path, "unreadable", exc.strerror or str(exc)))
            continue
        if digest != entry["sha256"]:
            checks.append(Check("archive", path, "changed",
                                f"sha256 {digest[:16]}…, audited as {str(entry['sha256'])[:16]}…"))
        else:
            checks.append(Check("archive", path, "ok"))
    try:
        now = open_archive(root).files
    except ExamAuditError:
        now = []
    checks.extend(Check("archive", f.path, "added", "not in the audited archive") for f in now if f.path not in seen)
    return checks
