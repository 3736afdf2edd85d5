"""The self-check list (自查自改问题清单): one row per finding, with empty columns for the centre to fill in
its rectification measure, deadline and responsible person, as the 2021 campaign asks of exam centres."""

from __future__ import annotations

import csv
from pathlib import Path

from ..findings import Finding
from ..results import ArchiveAudit
from .labels import SEVERITY, item_title, message, rule_title

COLUMNS = {
    "zh": ("序号", "检查项目", "检查项目内容", "问题类型", "规则编号", "严重程度", "考试场次", "涉及对象", "数据位置",
           "发生时间", "问题描述", "整改措施", "整改时限", "责任人"),
    "en": ("No.", "Item", "Checklist item", "Problem", "Rule", "Severity", "Session", "Subject", "Where in the data",
           "Time", "Description", "Rectification measure", "Deadline", "Responsible person"),
}
TO_FILL = 3  # the last three columns are the centre's to fill in
SHEET = {"zh": "问题清单", "en": "Problem list"}


def selfcheck_rows(audit: ArchiveAudit, lang: str) -> list[list[str]]:
    return [_row(n, f, lang) for n, f in enumerate(audit.findings, 1)]


def _row(n: int, f: Finding, lang: str) -> list[str]:
    subject = " ".join(str(x) for x in (f.camera, f.id_number, f.staff_id) if x)
    where = " ".join(str(x) for x in (f.file or f.table, f"#{f.row}" if f.row else None, f.column) if x)
    when = " – ".join(t.strftime("%Y-%m-%d %H:%M:%S") for t in (f.start, f.end) if t)
    return [str(n), f.item, item_title(f.item, lang), rule_title(f.rule, lang), f.rule, SEVERITY[lang][f.severity],
            f.session_id or "", subject, where, when, message(f.message, f.message_zh, lang), "", "", ""]


def write_selfcheck(audit: ArchiveAudit, out_dir: Path, lang: str = "zh") -> list[Path]:
    """selfcheck.xlsx (for the centre to fill in) and the same rows as selfcheck.csv (UTF-8 with BOM)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    rows = selfcheck_rows(audit, lang)
    header = COLUMNS[lang]
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET[lang]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for cell in sheet[1]:
        cell.font = bold
    widths = (6, 8, 30, 28, 26, 8, 16, 24, 24, 34, 60, 30, 12, 12)
    for column, width in zip(sheet.columns, widths, strict=False):
        sheet.column_dimensions[column[0].column_letter].width = width
        for cell in column[1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if column[0].column > len(header) - TO_FILL:
                cell.fill = fill
    sheet.freeze_panes = "A2"
    xlsx = out_dir / "selfcheck.xlsx"
    book.save(xlsx)
    text = out_dir / "selfcheck.csv"
    with text.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return [xlsx, text]
