"""The data family end to end: generated archives with injected defects, audited through the CLI."""

import json

import pytest

from exam_audit.fixtures import compare, load_truth
from exam_audit.fixtures.registry import DEFECTS, combinable, solo

DATA_DEFECTS = tuple(name for name, d in DEFECTS.items() if d.rule.startswith("data."))


def _rules_of(doc):
    return sorted({f["rule"] for f in doc["findings"]})


def _table_findings(doc):
    """Findings about the tables that are there (a minimal archive also lacks tables other checks need)."""
    return [f for f in doc["findings"] if f["rule"] != "data.missing_table"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_archive_has_no_findings(make_fixture, audit_findings, seed):
    doc = audit_findings(make_fixture(seed=seed))
    assert doc["findings"] == []
    statuses = {c["rule"]: c["status"] for c in doc["checks"]}
    assert statuses["data.invalid_id_number"] == "run"
    assert statuses["data.age_ineligible"] == "run"


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_combinable_defect_is_found_and_nothing_else(make_fixture, audit_findings, seed):
    archive = make_fixture(combinable(), seed=seed)
    doc = audit_findings(archive)
    missed, unexpected = compare(doc["findings"], load_truth(archive))
    assert missed == [] and unexpected == []


@pytest.mark.parametrize("seed", [1, 2])
def test_table_destroying_defects_are_found_and_nothing_else(make_fixture, audit_findings, seed):
    archive = make_fixture(solo(), seed=seed)
    doc = audit_findings(archive)
    missed, unexpected = compare(doc["findings"], load_truth(archive))
    assert missed == [] and unexpected == []


@pytest.mark.parametrize("name", DATA_DEFECTS)
def test_each_data_defect_alone(make_fixture, audit_findings, name):
    """Each injector changes exactly what its truth names: alone, it gives exactly its own findings."""
    archive = make_fixture((name,), seed=5)
    doc = audit_findings(archive)
    missed, unexpected = compare(doc["findings"], load_truth(archive))
    assert missed == [] and unexpected == [], name


def test_findings_name_table_row_column_and_value(make_fixture, audit_findings):
    doc = audit_findings(make_fixture(("invalid_score", "nonstandard_datetime"), seed=2))
    by_rule = {f["rule"]: f for f in doc["findings"]}
    invalid = by_rule["data.invalid_value"]
    assert (invalid["table"], invalid["column"], invalid["file"]) == ("results", "score", "results.csv")
    assert invalid["evidence"]["value"] == "优"
    assert "results.csv line" in invalid["message"] and "第" in invalid["message_zh"]
    nonstandard = by_rule["data.nonstandard_value"]
    assert nonstandard["evidence"]["standard"] == "YYYY-MM-DD HH:MM:SS"


def test_undecodable_table_is_not_read_and_its_checks_say_why(make_fixture, audit_findings):
    archive = make_fixture(("undecodable_byte",))
    doc = audit_findings(archive)
    [finding] = doc["findings"]
    assert finding["severity"] == "high"
    assert finding["evidence"]["byte"] == "ff" and finding["evidence"]["line"] == finding["row"]


def test_missing_table_lists_the_checks_not_run(make_fixture, audit_findings):
    doc = audit_findings(make_fixture(("missing_table",)))
    [finding] = [f for f in doc["findings"] if f["rule"] == "data.missing_table"]
    assert finding["table"] == "results"
    for rule in finding["evidence"]["rules"]:
        reasons = [c["reason"] for c in doc["checks"] if c["rule"] == rule and c["status"] == "not_run"]
        assert any("results.csv absent" in r for r in reasons), rule


@pytest.mark.parametrize("fmt", ["xlsx", "json"])
def test_tables_as_xlsx_and_json_read_like_csv(make_fixture, audit_findings, fmt):
    formats = {"results": fmt, "candidates": fmt, "sessions": fmt}
    clean = audit_findings(make_fixture(seed=3, formats=formats))
    assert clean["findings"] == []
    archive = make_fixture(("invalid_score", "duplicate_candidate"), seed=3, formats=formats)
    doc = audit_findings(archive)
    missed, unexpected = compare(doc["findings"], load_truth(archive))
    assert missed == [] and unexpected == []
    assert {f["file"] for f in doc["findings"]} == {f"results.{fmt}", f"candidates.{fmt}"}


def test_gb18030_archive_is_read_correctly(make_fixture, audit_findings):
    archive = make_fixture(seed=4, encodings={t: "gb18030" for t in ("candidates", "staff", "plan")})
    doc = audit_findings(archive)
    assert _rules_of(doc) == ["data.encoding"]
    assert all(f["severity"] == "low" for f in doc["findings"])
    assert len(doc["findings"]) == 3


def test_chinese_headers(tmp_path, audit_findings):
    archive = tmp_path / "centre"
    archive.mkdir()
    (archive / "sessions.csv").write_text(
        "场次编号,开始时间,结束时间,考场,考试类型,作业项目\n"
        "S1,2026-05-26 08:30:00,2026-05-26 10:30:00,理论考场1,理论,低压电工作业\n", encoding="utf-8")
    (archive / "candidates.csv").write_text(
        "场次编号,身份证号码,姓名,考试次数\nS1,11010519491231002X,张三,1\nS1,360426199101010071,李四,1\n",
        encoding="utf-8")
    doc = audit_findings(archive)
    rules = [(f["rule"], f["column"]) for f in _table_findings(doc)]
    # 理论 and a Chinese operation name are readable but nonstandard; the 1949 candidate is too old
    assert sorted(rules) == [("data.age_ineligible", "id_number"), ("data.nonstandard_value", "exam_type"),
                             ("data.nonstandard_value", "operation")]


def test_empty_and_header_only_tables(tmp_path, audit_findings):
    archive = tmp_path / "centre"
    archive.mkdir()
    (archive / "plan.csv").write_bytes(b"")
    (archive / "sessions.csv").write_text("session_id,start,end,room,exam_type,operation\n", encoding="utf-8")
    doc = audit_findings(archive)
    [empty] = _table_findings(doc)
    assert (empty["rule"], empty["file"]) == ("data.invalid_value", "plan.csv")
    assert "empty" in empty["message"]


def test_missing_required_column_and_blank_cells(tmp_path, audit_findings):
    archive = tmp_path / "centre"
    archive.mkdir()
    (archive / "staff.csv").write_text("staff_id,name\nT1,王芳\nT2,\n", encoding="utf-8")
    doc = audit_findings(archive)
    got = sorted((f["rule"], f["column"], f["row"]) for f in _table_findings(doc))
    assert got == [("data.missing_column", "role", 1), ("data.missing_value", "name", 3)]


def test_row_longer_than_header(tmp_path, audit_findings):
    archive = tmp_path / "centre"
    archive.mkdir()
    (archive / "staff.csv").write_text("staff_id,name,role\nT1,王芳,invigilator,extra\n", encoding="utf-8")
    [finding] = _table_findings(audit_findings(archive))
    assert (finding["rule"], finding["row"], finding["evidence"]["value"]) == ("data.invalid_value", 2, "extra")


def test_findings_json_shape(make_fixture, audit_findings):
    doc = audit_findings(make_fixture(("invalid_date",)))
    assert set(doc) >= {"tool", "archive", "profile", "checks", "findings", "summary"}
    assert doc["tool"]["name"] == "exam-audit"
    assert all(len(f["sha256"]) == 64 for f in doc["archive"]["files"])
    [finding] = doc["findings"]
    for key in ("rule", "item", "severity", "session_id", "camera", "id_number", "staff_id", "file", "table",
                "row", "column", "start", "end", "message", "evidence"):
        assert key in finding
    assert doc["summary"] == {"by_item": {"C6": 1}, "by_severity": {"medium": 1}}
    json.dumps(doc)  # serialisable as it is


def test_unreadable_file_is_a_finding_and_the_rest_is_audited(make_fixture, audit_findings, monkeypatch):
    from pathlib import Path

    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "events.csv":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    doc = audit_findings(make_fixture(("invalid_date",)))
    got = sorted((f["rule"], f["file"]) for f in doc["findings"])
    assert got == [("data.invalid_value", "candidates.csv"), ("data.invalid_value", "events.csv")]
    events = next(f for f in doc["findings"] if f["file"] == "events.csv")
    assert "cannot be opened" in events["message"]
