"""The roll-up across centres (``exam-audit summary``): one row per exam centre, worst first, from the store.

Each centre is counted by its latest audit in the period (earlier ones only add to "audits"), with its
findings by checklist item C1–C7 and by severity, and the rules that could not run — so that a county bureau
can forward the table with its campaign statistics, and see first the centres whose findings include one
that alone supports a suspension proposal (critical).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..findings import ITEMS, SEVERITIES
from ..results import AuditTally
from .labels import SEVERITY, item_title

FORMATS = ("xlsx", "csv", "html")
WORDS = {
    "zh": {"no": "序号", "centre": "考试点编号", "name": "考试点名称", "audits": "审计次数", "latest": "最近审计",
           "when": "审计时间", "total": "问题合计", "not_run": "未运行规则", "advice": "处理建议",
           "sheet": "专项整治统计",
           "title": "考试点审计汇总", "suspend": "存在严重问题，可作为暂停考试资格建议的依据", "rectify": "限期整改",
           "error": "无法审计："},
    "en": {"no": "No.", "centre": "Centre id", "name": "Centre", "audits": "Audits", "latest": "Latest audit",
           "when": "Audited at", "total": "Findings", "not_run": "Rules not run", "advice": "Advice",
           "sheet": "Campaign statistics", "title": "Exam-centre audit roll-up",
           "suspend": "critical findings: grounds for a suspension proposal", "rectify": "rectify by a deadline",
           "error": "could not be audited: "},
}


def safe_cell(value: object) -> object:
    """A spreadsheet cell that cannot run as a formula (OWASP CSV injection): text starting with = + - @ or
    a tab/CR gets a leading apostrophe; control characters are dropped."""
    if not isinstance(value, str):
        return value
    text = "".join(ch for ch in value if ch >= " " or ch in "\t")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(frozen=True)
class CentreRow:
    centre: str
    name: str
    audits: int
    latest: AuditTally

    def count(self, item: str | None = None, severity: str | None = None) -> int:
        return sum(n for (i, s), n in self.latest.findings.items()
                   if (item is None or i == item) and (severity is None or s == severity))

    def worst_first(self) -> tuple[int, ...]:
        return (*(-self.count(severity=s) for s in SEVERITIES), -self.count())


def centre_rows(tallies: Sequence[AuditTally]) -> list[CentreRow]:
    """One row per centre (its id, else the archive folder), worst first."""
    by_centre: dict[str, list[AuditTally]] = {}
    for t in tallies:
        by_centre.setdefault(t.centre_id or t.archive_path, []).append(t)
    rows = [CentreRow(key, group[-1].centre_name or "", len(group), group[-1]) for key, group in by_centre.items()]
    return sorted(rows, key=lambda r: (r.worst_first(), r.centre))


def table(rows: Sequence[CentreRow], lang: str) -> tuple[list[str], list[list[object]]]:
    w = WORDS[lang]
    header = [w["no"], w["centre"], w["name"], w["audits"], w["latest"], w["when"],
              *(f"{i} {item_title(i, lang)}" for i in ITEMS), *(SEVERITY[lang][s] for s in SEVERITIES),
              w["total"], w["not_run"], w["advice"]]
    body: list[list[object]] = []
    for n, r in enumerate(rows, 1):
        t = r.latest
        advice = (w["error"] + (t.error or "")) if t.error else w["suspend"] if r.count(severity="critical") \
            else w["rectify"] if r.count(severity="high") else ""
        body.append([n, r.centre, r.name, r.audits, f"#{t.audit_id}", t.started_at or "",
                     *(r.count(item=i) for i in ITEMS), *(r.count(severity=s) for s in SEVERITIES), r.count(),
                     t.rules_not_run, advice])
    return header, body


def write_rollup(rows: Sequence[CentreRow], out_dir: Path, formats: Sequence[str], lang: str = "zh") -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    header, body = table(rows, lang)
    written = []
    if "xlsx" in formats:
        written.append(_xlsx(out_dir / "summary.xlsx", header, body, WORDS[lang]["sheet"]))
    if "csv" in formats:
        path = out_dir / "summary.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:  # BOM: Excel on a Chinese Windows
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows([[safe_cell(v) for v in row] for row in body])
        written.append(path)
    if "html" in formats:
        path = out_dir / "summary.html"
        cells = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in body)
        path.write_text(f'<!doctype html><meta charset="utf-8"><title>{WORDS[lang]["title"]}</title>'
                        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}"
                        "table{border-collapse:collapse}</style>"
                        f"<h1>{WORDS[lang]['title']}</h1><table><tr>"
                        + "".join(f"<th>{escape(h)}</th>" for h in header) + f"</tr>{cells}</table>",
                        encoding="utf-8")
        written.append(path)
    return written


def _xlsx(path: Path, header: list[str], body: list[list[object]], title: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in body:
        sheet.append([safe_cell(v) if isinstance(v, str) else v for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    book.save(path)
    return path
