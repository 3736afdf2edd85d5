"""findings.json: the stable machine-readable shape of RULES.md "Output"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import __version__
from ..findings import summarise
from ..results import ArchiveAudit


def findings_document(audit: ArchiveAudit) -> dict[str, Any]:
    return {
        "tool": {"name": "exam-audit", "version": audit.tool_version or __version__},
        "audit": {
            "id": audit.audit_id,
            "started_at": audit.started_at.isoformat() if audit.started_at else None,
            "finished_at": audit.finished_at.isoformat() if audit.finished_at else None,
            "error": audit.error,
        },
        "archive": {
            "path": audit.path,
            "centre_id": audit.centre_id,
            "centre_name": audit.centre_name,
            "files": [{"path": f.path, "sha256": f.sha256, "bytes": f.bytes} for f in audit.files],
        },
        "profile": {"name": audit.profile_name, "version": audit.profile_version},
        "checks": [c.to_dict() for c in audit.checks],
        "findings": [f.to_dict() for f in audit.findings],
        "summary": summarise(audit.findings),
        "timeline": audit.timeline,
    }


def write_json(audit: ArchiveAudit, out_dir: Path) -> Path:
    path = out_dir / "findings.json"
    path.write_text(json.dumps(findings_document(audit), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8")
    return path
