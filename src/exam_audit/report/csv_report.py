"""findings.csv: one finding a row, UTF-8 with BOM so that Excel on a Chinese Windows opens it right."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from ..results import ArchiveAudit

COLUMNS = ("rule", "item", "severity", "session_id", "camera", "id_number", "staff_id", "file", "table",
           "row", "column", "start", "end", "message", "message_zh", "evidence")


def write_csv(audit: ArchiveAudit, out_dir: Path) -> Path:
    path = out_dir / "findings.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for finding in audit.findings:
            d = finding.to_dict()
            d["evidence"] = json.dumps(d["evidence"], ensure_ascii=False, sort_keys=True)
            writer.writerow(["" if d[c] is None else d[c] for c in COLUMNS])
    return path
