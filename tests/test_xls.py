"""Excel 97–2003 (.xls) tables, as many exam systems still export them: audited like their CSV twins;
a title row and a merged group header above the column names are read and reported with the fix."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

xlwt = pytest.importorskip("xlwt", reason="xlwt (a dev dependency) writes the .xls test tables")

TWINS = ("candidates", "results", "sessions")
DEFECTS = ("invalid_score", "lowercase_x", "id_check_character", "underage", "duplicate_candidate")


def write_xls(path: Path, rows: list[list[str]], *, titles: list[str] = (), merged_group: bool = False) -> None:
    """Every cell as text (as the CSV holds it); optional title lines and a merged group header above."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    top = 0
    width = len(rows[0])
    for title in titles:
        sheet.write_merge(top, top, 0, width - 1, title)
        top += 1
    if merged_group:  # 考生信息 over the first two columns, 考试信息 over the rest
        sheet.write_merge(top, top, 0, 1, "考生信息")
        sheet.write_merge(top, top, 2, width - 1, "考试信息")
        top += 1
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(top + r, c, value)
    book.save(str(path))


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.reader(handle) if row]


def comparable(doc: dict) -> list[tuple]:
    """Findings without the file's suffix (the only thing that may differ between twins)."""
    out = []
    for f in doc["findings"]:
        file = (f["file"] or "").removesuffix(".xls").removesuffix(".csv")
        out.append((f["rule"], f["table"], file, f["row"], f["column"], f["id_number"], f["session_id"],
                    f["evidence"].get("value")))
    return sorted(out, key=repr)


def test_an_xls_table_is_audited_like_its_csv_twin(make_fixture, audit_findings, tmp_path: Path):
    archive = make_fixture(DEFECTS, seed=2)
    twin = tmp_path / "xls_twin"
    shutil.copytree(archive, twin)
    for name in TWINS:
        write_xls(twin / f"{name}.xls", csv_rows(twin / f"{name}.csv"))
        (twin / f"{name}.csv").unlink()
    from_csv, from_xls = audit_findings(archive), audit_findings(twin)
    assert {f["rule"] for f in from_csv["findings"]} >= {"data.invalid_value", "data.nonstandard_value",
                                                        "data.invalid_id_number"}
    assert comparable(from_xls) == comparable(from_csv)
    assert {f["path"] for f in from_xls["archive"]["files"]} >= {f"{n}.xls" for n in TWINS}


def test_title_rows_and_a_merged_group_header_are_read_and_reported(make_fixture, audit_findings):
    archive = make_fixture(seed=3)
    rows = csv_rows(archive / "candidates.csv")
    write_xls(archive / "candidates.xls", rows, titles=["鞍山市某考试点考生名单", "导出时间：2026-05-26"],
              merged_group=True)
    (archive / "candidates.csv").unlink()
    doc = audit_findings(archive)
    header = [f for f in doc["findings"] if f["column"] == "(header)"]
    assert len(header) == 1 and header[0]["rule"] == "data.nonstandard_value" and header[0]["row"] == 1
    assert "line 4" in header[0]["message"] and "delete the 3 title line(s)" in header[0]["message"]
    assert [f for f in doc["findings"] if f is not header[0]] == []  # every row read as in the CSV


def test_a_damaged_xls_is_one_finding_naming_the_fix(make_fixture, audit_findings):
    archive = make_fixture(seed=1)
    (archive / "staff.csv").unlink()
    (archive / "staff.xls").write_bytes(b"not a workbook at all")
    doc = audit_findings(archive)
    bad = [f for f in doc["findings"] if f["file"] == "staff.xls"]
    assert len(bad) == 1 and "Excel 97–2003" in bad[0]["message"]
