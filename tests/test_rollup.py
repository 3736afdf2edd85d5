"""exam-audit summary: the store rolled up per centre, worst first, as XLSX, CSV and HTML."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook

from exam_audit.report.rollup import centre_rows, safe_cell
from exam_audit.results import AuditTally


def tally(audit_id: int, centre: str, findings: dict, error: str | None = None) -> AuditTally:
    return AuditTally(audit_id, f"/archives/{centre}", centre, f"{centre} 考试点", "2026-05-27T10:00:00+08:00",
                      error, findings, 2)


def test_centres_are_ranked_worst_first_by_their_latest_audit() -> None:
    rows = centre_rows([
        tally(1, "A", {("C6", "critical"): 1}),
        tally(2, "B", {("C6", "high"): 5, ("C5", "medium"): 1}),
        tally(3, "A", {("C6", "low"): 1}),  # A's latest audit: the critical one was rectified
        tally(4, "C", {("C5", "critical"): 1, ("C3", "high"): 1}),
    ])
    assert [(r.centre, r.audits, r.latest.audit_id) for r in rows] == [("C", 1, 4), ("B", 1, 2), ("A", 2, 3)]
    assert rows[0].count(item="C5") == 1 and rows[0].count(severity="high") == 1 and rows[0].count() == 2


def test_formulas_from_an_archive_never_reach_a_spreadsheet_live() -> None:
    assert safe_cell('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert safe_cell("+cmd|' /C calc'!A0").startswith("'") and safe_cell("@SUM(1)").startswith("'")
    assert safe_cell("鞍山\x00考试点") == "鞍山考试点" and safe_cell(3) == 3


def test_the_summary_command_writes_the_three_tables(cli, make_fixture, tmp_path: Path) -> None:
    for seed, defects in ((1, ("underage",)), (2, ())):
        archive = make_fixture(defects, seed=seed)
        assert cli("audit", archive, "--out", tmp_path / f"out{seed}", "--fail-on", "none").exit_code == 0
    result = cli("summary", "--out", tmp_path / "sum", "--since", "2000-01-01")
    assert result.exit_code == 0, result.output
    assert "2 centre(s)" in result.output
    rows = list(csv.reader((tmp_path / "sum" / "summary.csv").open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["序号", "考试点编号", "考试点名称"] and len(rows) == 3
    sheet = load_workbook(tmp_path / "sum" / "summary.xlsx").active
    assert sheet.max_row == 3 and sheet["B1"].value == "考试点编号"
    assert "<table>" in (tmp_path / "sum" / "summary.html").read_text(encoding="utf-8")
    assert cli("summary", "--since", "yesterday").exit_code == 2
