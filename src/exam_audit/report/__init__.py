"""Reports of an audit: findings.json, CSV, and the summary printed on the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..audit import ArchiveAudit
from .csv_report import write_csv
from .json_report import findings_document, write_json

WRITERS = {"json": write_json, "csv": write_csv}


def write_reports(audit: ArchiveAudit, out_dir: Path, formats: tuple[str, ...],
                  extra: dict[str, Any] | None = None) -> list[Path]:
    """Write each requested format of ``audit`` into ``out_dir``; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [WRITERS[fmt](audit, out_dir) for fmt in formats if fmt in WRITERS]


__all__ = ["WRITERS", "findings_document", "write_reports"]
