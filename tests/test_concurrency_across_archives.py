"""roster.concurrent_sessions across the archives of one audit run (candidates sit at several centres)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from exam_audit.fixtures import FixtureSpec
from exam_audit.fixtures.base import build_clean
from exam_audit.fixtures.writer import write_model
from exam_audit.profile import Profile
from exam_audit.records.concurrency import Seat, across_archives

TZ = timezone(timedelta(hours=8))
PROFILE = Profile.load()


def seat(id_number: str, session_id: str, start_h: int, end_h: int, row: int = 2) -> Seat:
    day = datetime(2026, 5, 26, tzinfo=TZ)
    return Seat(id_number, session_id, day + timedelta(hours=start_h), day + timedelta(hours=end_h),
                "candidates.csv", row)


def test_across_archives_reports_each_side_in_its_own_archive():
    a = [seat("P1", "A-01", 8, 10), seat("P2", "A-01", 8, 10, 3)]
    b = [seat("P1", "B-07", 9, 11, 5), seat("P2", "B-07", 10, 12, 6)]  # P2 only touches: no overlap
    found = across_archives([a, b], ["/a", "/b"], PROFILE)
    assert [(f.session_id, f.id_number, f.row, f.evidence["other_archive"]) for f in found[0]] == [
        ("A-01", "P1", 2, "/b")]
    assert [(f.session_id, f.id_number, f.row, f.evidence["other_archive"]) for f in found[1]] == [
        ("B-07", "P1", 5, "/a")]
    assert "/a" in found[1][0].message and "档案 /a" in found[1][0].message_zh


def test_the_same_archive_twice_is_not_a_conflict():
    a = [seat("P1", "A-01", 8, 10)]
    assert across_archives([a, a], ["/a", "/a"], PROFILE) == [[], []]


def _single_sitters(folder: Path) -> list[dict[str, str]]:
    with (folder / "candidates.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["id_number"]] = counts.get(r["id_number"], 0) + 1
    return [r for r in rows if counts[r["id_number"]] == 1 and r["session_id"].endswith("-01")]


def test_cli_finds_a_candidate_sitting_at_two_centres_at_once(make_fixture, cli, tmp_path):
    first, second = make_fixture(seed=1), make_fixture(seed=2)
    person = _single_sitters(first)[0]
    replaced = _single_sitters(second)[0]
    for path in second.glob("*.csv"):  # the same person registered at the second centre, same morning
        text = path.read_text(encoding="utf-8-sig")
        text = text.replace(replaced["id_number"], person["id_number"]).replace(replaced["name"], person["name"])
        path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = cli("audit", first, second, "--out", out, "--workers", "2")
    assert result.exit_code == 1, result.output
    for centre, other in (("FX-001", second), ("FX-002", first)):
        findings = json.loads((out / centre / "findings.json").read_text(encoding="utf-8"))["findings"]
        assert [(f["rule"], f["id_number"]) for f in findings] == [
            ("roster.concurrent_sessions", person["id_number"])]
        assert findings[0]["evidence"]["other_archive"] == str(other.resolve())


def test_a_theory_pass_at_another_centre_clears_practical_without_theory(make_fixture, cli, tmp_path):
    """The person who failed the theory here passed it at another centre the day before."""
    first = make_fixture(defects=("practical_without_theory",), seed=1)
    [truth] = json.loads((first / "ground_truth.json").read_text(encoding="utf-8"))["findings"]
    operation = next(r for r in build_clean(FixtureSpec(seed=1)).tables["sessions"]
                     if r["session_id"] == truth["session_id"])["operation"]
    model = next(m for seed in range(2, 50)
                 if (m := build_clean(FixtureSpec(seed=seed, first_day=date(2026, 5, 25))))
                 .tables["sessions"][0]["operation"] == operation)
    theory_id = model.tables["sessions"][0]["session_id"]
    practical = {r["id_number"] for r in model.tables["candidates"] if r["session_id"] != theory_id}
    stand_in = next(r["id_number"] for r in model.tables["candidates"]
                    if r["session_id"] == theory_id and r["id_number"] not in practical)
    for table in ("candidates", "events", "results", "training"):
        for r in model.tables[table]:
            if r.get("id_number") == stand_in:
                r["id_number"] = truth["id_number"]
                if r.get("subject") == "theory":
                    r.update(score=90, passed="true")
    second = tmp_path / "second"
    second.mkdir()
    write_model(model, second)

    alone = tmp_path / "alone"
    cli("audit", first, "--out", alone)
    findings = json.loads((alone / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert [f["rule"] for f in findings] == ["score.practical_without_theory"]
    together = tmp_path / "together"
    cli("audit", first, second, "--out", together, "--workers", "2")
    for centre in ("FX-001", model.centre["id"]):
        findings = json.loads((together / centre / "findings.json").read_text(encoding="utf-8"))["findings"]
        assert findings == [], centre
