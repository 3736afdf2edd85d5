"""The cross-checks against generated archives with ground truth: each defect alone, all of them
together over several seeds, and the shape of what they report."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from exam_audit.audit import audit_archive
from exam_audit.fixtures import DEFECTS, compare, load_truth
from exam_audit.fixtures.registry import combinable, solo
from exam_audit.fixtures.truth import precision_recall
from exam_audit.profile import Profile
from exam_audit.results import AuditOptions

PROFILE = Profile.load()
CROSS_FAMILIES = ("plan.", "roster.", "score.", "time.", "practical.", "staff.")
CROSS_DEFECTS = sorted(name for name, d in DEFECTS.items() if d.rule.startswith(CROSS_FAMILIES) and not d.video)


def audit(folder: Path) -> list[dict]:
    return [f.to_dict() for f in audit_archive(folder, AuditOptions(), PROFILE).findings]


def test_every_cross_rule_can_be_injected():
    rules = {r for r in PROFILE.rules if r.startswith(CROSS_FAMILIES)}
    rules -= {"practical.no_activity", "time.event_unrecorded"}  # video rules
    assert rules <= {DEFECTS[name].rule for name in CROSS_DEFECTS}


@pytest.mark.parametrize("name", CROSS_DEFECTS)
def test_each_defect_alone_is_found_exactly(make_fixture, name):
    folder = make_fixture(defects=(name,), seed=3)
    missed, unexpected = compare(audit(folder), load_truth(folder))
    assert not missed and not unexpected, (missed, [u["message"] for u in unexpected])


@pytest.mark.parametrize(("seed", "sessions"), [(1, 6), (2, 6), (3, 8), (4, 10), (5, 30)])
def test_all_defects_together_recall_and_precision_one(make_fixture, seed, sessions):
    folder = make_fixture(defects=combinable(), seed=seed, sessions=sessions)
    findings = audit(folder)
    truth = load_truth(folder)
    assert precision_recall(findings, truth) == (1.0, 1.0), compare(findings, truth)


def test_solo_defects_still_exact_with_the_cross_checks(make_fixture):
    folder = make_fixture(defects=solo(), seed=2)
    missed, unexpected = compare(audit(folder), load_truth(folder))
    assert not missed and not unexpected, (missed, unexpected)


def test_findings_name_their_rows_and_render_every_placeholder(make_fixture):
    folder = make_fixture(defects=combinable(), seed=6, sessions=8)
    cross = [f for f in audit(folder) if f["rule"].startswith(CROSS_FAMILIES)]
    assert len(cross) == len(CROSS_DEFECTS)
    for f in cross:
        assert not re.search(r"\{\w+\}", f["message"] + f["message_zh"]), f
        assert f["session_id"] and (f["id_number"] or f["staff_id"] or f["table"] in ("sessions", "plan"))
        assert f["table"] and f["row"] and f["file"] == f"{f['table']}.csv"
        rows = f["evidence"]["rows"]
        assert {"table": f["table"], "row": f["row"]} in rows, f
        for ref in rows:  # every row named exists in its table
            lines = (folder / f"{ref['table']}.csv").read_bytes().splitlines()  # any encoding
            assert 2 <= ref["row"] <= len(lines)


def test_finding_row_is_the_line_a_person_sees(make_fixture):
    folder = make_fixture(defects=("theory_overrun",), seed=4)
    [finding] = [f for f in audit(folder) if f["rule"] == "time.theory_overrun"]
    with (folder / "results.csv").open(encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
    assert lines[finding["row"] - 1][1] == finding["id_number"]


def test_rules_command_says_staff_ratios_are_local_policy(cli):
    result = cli("rules", "--json")
    catalogue = {entry["rule"]: entry for entry in json.loads(result.output)}
    thresholds = catalogue["staff.too_few"]["thresholds"]
    assert {t["name"] for t in thresholds} == {"min_invigilators_per_theory_room", "candidates_per_invigilator",
                                                "min_examiners_per_practical_station"}
    assert all(t["local_policy"] and "no national ratio" in t["source"] for t in thresholds)
    text = cli("rules").output
    assert "no national ratio exists" in text


def test_every_cross_rule_has_messages_in_both_languages():
    for rule in PROFILE.rules.values():
        if rule.id.startswith(CROSS_FAMILIES) and rule.id not in ("practical.no_activity", "time.event_unrecorded"):
            assert "{" in rule.message_en and "{" in rule.message_zh, rule.id
            assert not rule.message_en.startswith(rule.title_en), rule.id
