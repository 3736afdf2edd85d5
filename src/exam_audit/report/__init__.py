"""Reports of an audit: findings.json, CSV, the HTML report, the self-check list, and the evidence package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..results import ArchiveAudit
from .csv_report import write_csv
from .json_report import findings_document, write_json

WRITERS = {"json": write_json, "csv": write_csv}


@dataclass(frozen=True)
class ReportOptions:
    lang: str = "zh"  # "zh" | "en"
    clips: bool = False  # cut a clip for every video finding (the HTML report links to it)
    archive_root: Path | None = None  # where the archive is now, when it moved since the audit


def _html(audit: ArchiveAudit, out_dir: Path, options: ReportOptions) -> list[Path]:
    from .html_report import write_html

    return [write_html(audit, out_dir, options.lang, options.clips, options.archive_root)]


def _selfcheck(audit: ArchiveAudit, out_dir: Path, options: ReportOptions) -> list[Path]:
    from .selfcheck import write_selfcheck

    return write_selfcheck(audit, out_dir, options.lang)


# Formats that depend on the language and the media options.
OPTION_WRITERS = {"html": _html, "selfcheck": _selfcheck}
FORMATS = (*WRITERS, *OPTION_WRITERS)


def write_reports(audit: ArchiveAudit, out_dir: Path, formats: tuple[str, ...],
                  extra: dict[str, Any] | None = None, options: ReportOptions | None = None) -> list[Path]:
    """Write each requested format of ``audit`` into ``out_dir``; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    options = options or ReportOptions()
    written: list[Path] = []
    for fmt in formats:
        if fmt in WRITERS:
            written.append(WRITERS[fmt](audit, out_dir))
        elif fmt in OPTION_WRITERS:
            written.extend(OPTION_WRITERS[fmt](audit, out_dir, options))
    return written


__all__ = ["FORMATS", "WRITERS", "ReportOptions", "findings_document", "write_reports"]
