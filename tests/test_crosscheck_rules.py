"""Every cross-check rule fires on a minimal bad case and stays silent on the nearest good case.

Each case starts from the generator's clean archive (which gives no finding at all), changes one thing,
and audits the result through the library.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from exam_audit.audit import audit_archive
from exam_audit.fixtures import FixtureSpec
from exam_audit.fixtures.base import build_clean, ts
from exam_audit.fixtures.model import ArchiveModel, Row
from exam_audit.fixtures.writer import write_model
from exam_audit.profile import Profile
from exam_audit.results import ArchiveAudit, AuditOptions

PROFILE = Profile.load()
CROSS_FAMILIES = ("plan.", "roster.", "score.", "time.", "practical.", "staff.")

Mutate = Callable[[ArchiveModel], Any]


@pytest.fixture
def audit_with(tmp_path: Path) -> Callable[..., ArchiveAudit]:
    """audit_with(mutate, seed=1, **spec): audit the clean archive after ``mutate(model)``."""
    counter = iter(range(10_000))

    def run(mutate: Mutate | None = None, seed: int = 1, **spec: Any) -> ArchiveAudit:
        model = build_clean(FixtureSpec(seed=seed, **spec))
        if mutate:
            mutate(model)
        folder = tmp_path / f"archive{next(counter)}"
        folder.mkdir()
        write_model(model, folder)
        return audit_archive(folder, AuditOptions(), PROFILE)

    return run


def rules_of(result: ArchiveAudit) -> list[str]:
    return sorted(f.rule for f in result.findings)


def not_run(result: ArchiveAudit, rule: str) -> list[str]:
    return [c.reason or "" for c in result.checks if c.rule == rule and c.status == "not_run"]


# -- model helpers -----------------------------------------------------------------------------------

def rows(model: ArchiveModel, table: str, **where: Any) -> list[Row]:
    return [r for r in model.tables[table] if all(r.get(k) == v for k, v in where.items())]


def session(model: ArchiveModel, exam_type: str, n: int = 0) -> Row:
    return rows(model, "sessions", exam_type=exam_type)[n]


def practical_person(model: ArchiveModel) -> str:
    return rows(model, "candidates", session_id=session(model, "practical")["session_id"])[0]["id_number"]


def theory_only_person(model: ArchiveModel) -> str:
    practical = {r["id_number"] for r in model.tables["candidates"]
                 if r["session_id"] in {s["session_id"] for s in rows(model, "sessions", exam_type="practical")}}
    return next(r["id_number"] for r in model.tables["candidates"] if r["id_number"] not in practical)


def practical_rows(model: ArchiveModel, id_number: str) -> dict[str, Row]:
    return {r["subject"]: r for r in rows(model, "results", id_number=id_number) if r["subject"] != "theory"}


def theory_row(model: ArchiveModel, id_number: str) -> Row:
    return rows(model, "results", id_number=id_number, subject="theory")[0]


def shift(text: str, minutes: float) -> str:
    return ts(datetime.strptime(text, "%Y-%m-%d %H:%M:%S") + timedelta(minutes=minutes))


def set_practical_minutes(model: ArchiveModel, id_number: str, took: float) -> None:
    """Rescale one practical sitting (total and subjects alike) to last ``took`` minutes."""
    sitting = practical_rows(model, id_number)
    origin = datetime.strptime(sitting["total"]["start"], "%Y-%m-%d %H:%M:%S")
    length = datetime.strptime(sitting["total"]["end"], "%Y-%m-%d %H:%M:%S") - origin
    for row in sitting.values():
        for column in ("start", "end"):
            offset = datetime.strptime(row[column], "%Y-%m-%d %H:%M:%S") - origin
            row[column] = ts(origin + offset * (took * 60 / length.total_seconds()))


def set_operation(model: ArchiveModel, session_id: str, code: str) -> None:
    for table in ("plan", "sessions", "candidates"):
        for r in rows(model, table, session_id=session_id):
            r["operation"] = code


# -- the clean base -----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clean_archive_gives_no_finding(audit_with, seed):
    result = audit_with(seed=seed, sessions=8)
    assert result.findings == []
    ran = {c.rule for c in result.checks if c.status == "run"}
    assert {r for r in PROFILE.rules if r.startswith(CROSS_FAMILIES) and r not in (
        "practical.no_activity", "time.event_unrecorded")} <= ran


# -- plan ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("minutes", "fires"), [(9, False), (11, True), (-11, True)])
def test_plan_deviation_beyond_tolerance_only(audit_with, minutes, fires):
    def mutate(model):
        plan = rows(model, "plan", session_id=session(model, "theory")["session_id"])[0]
        plan["start"] = shift(plan["start"], minutes)
    assert rules_of(audit_with(mutate)) == (["plan.deviation"] if fires else [])


def test_plan_deviation_in_room(audit_with):
    def mutate(model):
        rows(model, "plan", session_id=session(model, "theory")["session_id"])[0]["room"] = "理论考场9"
    result = audit_with(mutate)
    assert rules_of(result) == ["plan.deviation"]
    assert "理论考场9" in result.findings[0].message


@pytest.mark.parametrize(("less", "fires"), [(0, False), (1, True)])
def test_over_capacity(audit_with, less, fires):
    def mutate(model):
        sid = session(model, "theory")["session_id"]
        rows(model, "plan", session_id=sid)[0]["capacity"] = len(rows(model, "candidates", session_id=sid)) - less
    assert rules_of(audit_with(mutate)) == (["plan.over_capacity"] if fires else [])


def test_unplanned_and_not_held(audit_with):
    def mutate(model):
        sid = session(model, "theory")["session_id"]
        model.tables["plan"].remove(rows(model, "plan", session_id=sid)[0])
        model.tables["sessions"].remove(session(model, "theory", 1))
    result = audit_with(mutate)
    assert rules_of(result) == ["plan.session_not_held", "plan.unplanned_session"]
    by_rule = {f.rule: f for f in result.findings}
    assert by_rule["plan.unplanned_session"].table == "sessions"
    assert by_rule["plan.session_not_held"].table == "plan"


# -- roster ---------------------------------------------------------------------------------------------

def test_attendance_not_required_for_an_event_the_system_never_logs(audit_with):
    def mutate(model):
        model.tables["events"] = [e for e in model.tables["events"] if e["event"] != "identity_check"]
    assert rules_of(audit_with(mutate)) == []


def test_result_without_attendance_names_what_is_missing(audit_with):
    def mutate(model):
        person = theory_only_person(model)
        model.tables["events"] = [e for e in model.tables["events"]
                                  if not (e["id_number"] == person and e["event"] == "identity_check")]
    result = audit_with(mutate)
    assert rules_of(result) == ["roster.result_without_attendance"]
    assert "identity_check" in result.findings[0].message
    assert "身份核验" in result.findings[0].message_zh


def test_registered_twice_in_one_session_is_not_concurrent(audit_with):
    def mutate(model):
        model.tables["candidates"].append(dict(model.tables["candidates"][0]))
    assert rules_of(audit_with(mutate)) == ["data.duplicate_row"]


@pytest.mark.parametrize(("offset", "fires"), [(0, True), (120, False)])
def test_concurrent_sessions_overlap_not_touching(audit_with, offset, fires):
    """A second session starting when the first ends does not overlap it."""
    def mutate(model):
        theory = session(model, "theory")
        new = dict(theory, session_id="S-PARALLEL", room="理论考场2",
                   start=shift(theory["start"], offset), end=shift(theory["end"], offset))
        model.tables["sessions"].append(new)
        model.tables["plan"].append(dict(new, plan_id="P", capacity=30))
        for staff in rows(model, "assignments", session_id=theory["session_id"]):
            model.tables["assignments"].append(dict(staff, session_id="S-PARALLEL", staff_id=staff["staff_id"] + "b"))
            original = rows(model, "staff", staff_id=staff["staff_id"])[0]
            model.tables["staff"].append(dict(original, staff_id=staff["staff_id"] + "b"))
        person = theory_only_person(model)
        registration = rows(model, "candidates", id_number=person)[0]
        model.tables["candidates"].append(dict(registration, session_id="S-PARALLEL"))
    result = audit_with(mutate)
    assert rules_of(result) == (["roster.concurrent_sessions"] if fires else [])
    if fires:
        f = result.findings[0]
        assert f.session_id == "S-PARALLEL" and f.table == "candidates"
        assert len(f.evidence["rows"]) == 2


# -- scores ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("score", "passed", "fires"), [(80, "true", False), (79, "true", True),
                                                         (79, "false", False), (80, "false", True)])
def test_theory_pass_flag_against_the_pass_mark(audit_with, score, passed, fires):
    def mutate(model):
        theory_row(model, theory_only_person(model)).update(score=score, passed=passed)
    assert rules_of(audit_with(mutate)) == (["score.pass_flag_mismatch"] if fires else [])


@pytest.mark.parametrize(("passed", "expected"), [("true", ["score.veto_ignored"]), ("false", [])])
def test_failed_veto_item_fails_the_exam_whatever_the_total(audit_with, passed, expected):
    def mutate(model):
        sitting = practical_rows(model, practical_person(model))
        sitting["K2"]["veto_failed"] = "true"
        sitting["total"]["passed"] = passed
    assert rules_of(audit_with(mutate)) == expected


def test_total_mismatch_and_its_good_neighbour(audit_with):
    def bad(model):
        sitting = practical_rows(model, practical_person(model))
        sitting["total"]["score"] = int(sitting["total"]["score"]) - 1
        sitting["total"]["passed"] = "true" if sitting["total"]["score"] >= 80 else "false"

    def good(model):  # a different split between subjects, same sum
        sitting = practical_rows(model, practical_person(model))
        if int(sitting["K2"]["score"]) >= 1 and int(sitting["K1"]["score"]) < 20:
            sitting["K2"]["score"] = int(sitting["K2"]["score"]) - 1
            sitting["K1"]["score"] = int(sitting["K1"]["score"]) + 1
    result = audit_with(bad)
    assert rules_of(result) == ["score.total_mismatch"]
    assert result.findings[0].column == "score" and len(result.findings[0].evidence["rows"]) == 5
    assert rules_of(audit_with(good)) == []


def test_subjects_incomplete_names_the_missing_subject(audit_with):
    def mutate(model):
        model.tables["results"].remove(practical_rows(model, practical_person(model))["K3"])
    result = audit_with(mutate)
    assert rules_of(result) == ["score.subjects_incomplete"]
    assert result.findings[0].evidence["missing"] == "K3"


@pytest.mark.parametrize(("days_before", "fires"), [(330, False), (400, True)])
def test_practical_needs_a_theory_pass_within_twelve_months(audit_with, days_before, fires):
    def mutate(model):
        person = practical_person(model)
        theory = theory_row(model, person)
        sid = theory["session_id"]
        # move the person's theory to an older session of the same operation
        old = dict(rows(model, "sessions", session_id=sid)[0], session_id="S-OLD")
        old["start"], old["end"] = shift(old["start"], -days_before * 1440), shift(old["end"], -days_before * 1440)
        model.tables["sessions"].append(old)
        model.tables["plan"].append(dict(old, plan_id="P", capacity=30))
        for table in ("candidates", "results", "events"):
            for r in rows(model, table, session_id=sid, id_number=person):
                r["session_id"] = "S-OLD"
                for column in ("start", "end", "time"):
                    if r.get(column):
                        r[column] = shift(r[column], -days_before * 1440)
        for staff in rows(model, "assignments", session_id=sid):
            model.tables["assignments"].append(dict(staff, session_id="S-OLD"))
    assert rules_of(audit_with(mutate)) == (["score.practical_without_theory"] if fires else [])


def test_theory_pass_of_another_operation_does_not_count(audit_with):
    def mutate(model):
        person = practical_person(model)
        sid = theory_row(model, person)["session_id"]
        other = "3.2" if rows(model, "sessions", session_id=sid)[0]["operation"] != "3.2" else "2.1"
        set_operation(model, sid, other)
    found = rules_of(audit_with(mutate))
    assert set(found) == {"score.practical_without_theory"}


def test_practical_without_theory_not_run_when_archive_has_no_theory(audit_with):
    def mutate(model):
        model.tables["results"] = [r for r in model.tables["results"] if r["subject"] != "theory"]
        model.tables["events"] = [e for e in model.tables["events"]
                                  if e["session_id"] not in {s["session_id"] for s in rows(model, "sessions",
                                                                                            exam_type="theory")}]
    result = audit_with(mutate)
    assert "score.practical_without_theory" not in rules_of(result)
    assert any("no theory results" in r for r in not_run(result, "score.practical_without_theory"))


@pytest.mark.parametrize(("first_day", "exam_type", "attempt", "fires"), [
    ("2026-05-25", "theory", 2, False),   # 30号令: one make-up allowed
    ("2026-05-25", "theory", 3, True),
    ("2026-06-02", "theory", 3, False),   # 19号令: theory retakes unlimited
    ("2026-06-02", "theory", 9, False),
    ("2026-06-02", "practical", 5, False),  # 19号令: practical up to 5
    ("2026-06-02", "practical", 6, True),
])
def test_attempts_by_the_rules_in_force_on_the_exam_date(audit_with, first_day, exam_type, attempt, fires):
    def mutate(model):
        sid = session(model, exam_type)["session_id"]
        rows(model, "candidates", session_id=sid)[0]["attempt"] = attempt
    from datetime import date
    result = audit_with(mutate, first_day=date.fromisoformat(first_day), sessions=2)
    assert rules_of(result) == (["score.attempts_exceeded"] if fires else [])


# -- times ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("minutes_before", "fires"), [(9, False), (11, True)])
def test_sign_in_before_the_session_within_tolerance(audit_with, minutes_before, fires):
    def mutate(model):
        person = theory_only_person(model)
        sign_in = next(e for e in model.tables["events"] if e["id_number"] == person and e["event"] == "sign_in")
        start = rows(model, "sessions", session_id=sign_in["session_id"])[0]["start"]
        sign_in["time"] = shift(start, -minutes_before)
        identity = next(e for e in model.tables["events"]
                        if e["id_number"] == person and e["event"] == "identity_check")
        identity["time"] = shift(start, -8)
    assert rules_of(audit_with(mutate)) == (["time.event_outside_session"] if fires else [])


def test_event_order(audit_with):
    def swap_sign_in_and_check(model):  # either order is normal
        person = theory_only_person(model)
        sign_in, check = (next(e for e in model.tables["events"] if e["id_number"] == person and e["event"] == k)
                          for k in ("sign_in", "identity_check"))
        sign_in["time"], check["time"] = check["time"], sign_in["time"]

    def submit_equals_start(model):  # the same second is not out of order
        person = theory_only_person(model)
        start, submit = (next(e for e in model.tables["events"] if e["id_number"] == person and e["event"] == k)
                         for k in ("start", "submit"))
        submit["time"] = start["time"]

    def sign_in_after_submit(model):
        person = theory_only_person(model)
        sign_in, submit = (next(e for e in model.tables["events"] if e["id_number"] == person and e["event"] == k)
                           for k in ("sign_in", "submit"))
        sign_in["time"] = shift(submit["time"], 1)

    assert rules_of(audit_with(swap_sign_in_and_check)) == []
    assert "time.event_order" not in rules_of(audit_with(submit_equals_start))
    result = audit_with(sign_in_after_submit)
    assert rules_of(result) == ["time.event_order"]
    assert len(result.findings[0].evidence["rows"]) == 2


@pytest.mark.parametrize(("took", "expected"), [(120, []), (121, ["time.theory_overrun"]),
                                                (15, []), (14, ["time.theory_too_fast"])])
def test_theory_sitting_length(audit_with, took, expected):
    def mutate(model):
        row = theory_row(model, theory_only_person(model))
        row["end"] = shift(row["start"], took)
    assert rules_of(audit_with(mutate)) == expected


@pytest.mark.parametrize(("took", "fires"), [(50, False), (30, False), (29, True)])
def test_practical_too_short_is_below_half_the_standard_time(audit_with, took, fires):
    """A practical of 50 of 60 minutes is not "too short"; under half of it is."""
    def mutate(model):
        person = practical_person(model)
        code = rows(model, "candidates", id_number=person)[0]["operation"]
        set_practical_minutes(model, person, took * PROFILE.operation(code).practical.minutes / 60)
    assert rules_of(audit_with(mutate)) == (["time.practical_too_short"] if fires else [])


# -- oral practicals and unknown standards --------------------------------------------------------------

@pytest.mark.parametrize(("subjects", "fires"), [(("K1",), False), (("K4",), False), (("K2",), True),
                                                 (("K1", "K2", "K3", "K4"), True)])
def test_oral_only(audit_with, subjects, fires):
    """Oral K1/K3/K4 is allowed by the electrical standard; an oral K2 (hands-on) or all-oral is not."""
    def mutate(model):
        sitting = practical_rows(model, practical_person(model))
        for s in subjects:
            sitting[s]["mode"] = "oral"
    assert rules_of(audit_with(mutate)) == (["practical.oral_only"] if fires else [])


def test_operation_without_a_known_standard_gets_no_guessed_weight(audit_with):
    """1.1 高压电工作业: weights and time unknown. The checks needing them are not run for it, with the
    reason; all-oral is still found (it needs no weights)."""
    def mutate(model):
        practical = session(model, "practical")["session_id"]
        theory = f"{practical[:-2]}{int(practical[-2:]) - 1:02d}"
        for sid in (theory, practical):
            set_operation(model, sid, "1.1")
        person = practical_person(model)
        sitting = practical_rows(model, person)
        model.tables["results"].remove(sitting["K4"])  # would be subjects_incomplete if weights were known
        for s in ("K1", "K2", "K3"):
            sitting[s]["mode"] = "oral"
    result = audit_with(mutate)
    assert rules_of(result) == ["practical.oral_only"]
    for rule in ("score.total_mismatch", "score.subjects_incomplete", "time.practical_too_short",
                 "practical.oral_only"):
        reasons = not_run(result, rule)
        assert reasons and all("1.1 高压电工作业" in r for r in reasons), rule
    assert any(c.rule == "score.total_mismatch" and c.status == "run" for c in result.checks)


# -- staff ---------------------------------------------------------------------------------------------

def test_examiner_without_station_covers_every_station(audit_with):
    def mutate(model):
        for a in rows(model, "assignments", role="examiner"):
            a["station"] = ""
    assert rules_of(audit_with(mutate)) == []


def test_practical_without_any_examiner_is_one_finding(audit_with):
    def mutate(model):
        sid = session(model, "practical")["session_id"]
        model.tables["assignments"] = [a for a in model.tables["assignments"]
                                       if not (a["session_id"] == sid and a["role"] == "examiner")]
    assert rules_of(audit_with(mutate)) == ["staff.no_examiner"]


def test_too_few_invigilators_for_many_candidates(audit_with):
    result = audit_with(candidates_per_session=31, sessions=2)  # 31 candidates need 2; 2 are assigned
    assert "staff.too_few" not in rules_of(result)

    def mutate(model):  # 61 candidates need 3
        sid = session(model, "theory")["session_id"]
        first = rows(model, "candidates", session_id=sid)[0]
        for n in range(30):
            model.tables["candidates"].append(dict(first, id_number=f"11010519491231{n:03d}X"[:18]))
    result = audit_with(mutate, candidates_per_session=31, sessions=2)
    assert "staff.too_few" in rules_of(result)
    finding = next(f for f in result.findings if f.rule == "staff.too_few")
    assert "local policy" in finding.message and "no national ratio" in finding.message


@pytest.mark.parametrize(("days", "blank", "fires"), [(0, False, False), (-1, False, True), (30, True, True)])
def test_staff_qualification_on_the_session_date(audit_with, days, blank, fires):
    def mutate(model):
        sid = session(model, "practical")["session_id"]
        examiner = rows(model, "assignments", session_id=sid, role="examiner")[0]["staff_id"]
        staff = rows(model, "staff", staff_id=examiner)[0]
        staff["qualified_until"] = rows(model, "sessions", session_id=sid)[0]["start"][:10]
        if days:
            staff["qualified_until"] = (datetime.fromisoformat(staff["qualified_until"])
                                        + timedelta(days=days)).date().isoformat()
        if blank:
            staff["qualification_no"] = ""
    result = audit_with(mutate)
    assert rules_of(result) == (["staff.unqualified"] if fires else [])


def test_staff_not_in_the_register_is_unqualified(audit_with):
    def mutate(model):
        rows(model, "assignments", role="examiner")[0]["staff_id"] = "NOBODY"
    result = audit_with(mutate)
    assert rules_of(result) == ["staff.unqualified"]
    assert "not in the staff register" in result.findings[0].message


def test_staff_in_back_to_back_sessions_is_not_double_booked(audit_with):
    def mutate(model):  # the morning invigilator also starts the afternoon practical as it is moved up
        theory, practical = session(model, "theory"), session(model, "practical")
        for table in ("plan", "sessions"):
            for r in rows(model, table, session_id=practical["session_id"]):
                r["start"] = theory["end"]
    result = audit_with(mutate)
    assert "staff.double_booked" not in rules_of(result)


@pytest.mark.parametrize(("affiliation_is_org", "fires"), [(False, False), (True, True)])
def test_trainer_conflict_by_affiliation(audit_with, affiliation_is_org, fires):
    def mutate(model):
        sid = session(model, "theory")["session_id"]
        invigilator = rows(model, "assignments", session_id=sid, role="invigilator")[1]["staff_id"]
        org = rows(model, "candidates", session_id=sid)[0]["training_org"]
        staff = rows(model, "staff", staff_id=invigilator)[0]
        staff["affiliation"] = org if affiliation_is_org else org + "（分校）"
    result = audit_with(mutate)
    assert rules_of(result) == (["staff.trainer_conflict"] if fires else [])
    if fires:
        f = result.findings[0]
        assert f.staff_id and f.evidence["count"] >= 1 and "考培未分离" in f.message_zh


def test_sitting_times_from_the_log_when_results_have_none(audit_with):
    def mutate(model):
        person = theory_only_person(model)
        for r in model.tables["results"]:
            r["start"] = r["end"] = ""
        submit = next(e for e in model.tables["events"] if e["id_number"] == person and e["event"] == "submit")
        start = next(e for e in model.tables["events"] if e["id_number"] == person and e["event"] == "start")
        submit["time"] = shift(start["time"], 10)
    result = audit_with(mutate)
    assert rules_of(result) == ["time.theory_too_fast"]
    f = result.findings[0]
    assert f.table == "events" and f.column == "time" and len(f.evidence["rows"]) == 2


def test_sittings_without_any_times_are_reported_not_run(audit_with):
    def mutate(model):
        for r in model.tables["results"]:
            r["start"] = r["end"] = ""
        model.tables["events"] = [e for e in model.tables["events"] if e["event"] not in ("start", "submit")]
    result = audit_with(mutate)
    assert rules_of(result) == []
    assert any("not measured" in r for r in not_run(result, "time.theory_overrun"))


@pytest.mark.parametrize(("table", "column", "rule"), [
    ("staff", "qualification_no", "staff.unqualified"),
    ("candidates", "attempt", "score.attempts_exceeded"),
    ("results", "mode", "practical.oral_only"),
    ("results", "passed", "score.pass_flag_mismatch"),
    ("results", "veto_failed", "score.veto_ignored"),
    ("plan", "capacity", "plan.over_capacity"),
    ("events", "id_number", "roster.result_without_attendance"),
])
def test_an_absent_optional_column_is_not_run_never_a_finding(audit_with, table, column, rule):
    """A blank column must not read as "no qualification" or "no attempt": the rule says it did not run."""
    def mutate(model):
        model.columns[table] = [c for c in model.columns[table] if c != column]
    result = audit_with(mutate)
    assert rules_of(result) == []
    assert any(f"no column {column}" in r for r in not_run(result, rule))


def test_an_invigilator_assigned_as_examiner_is_unqualified(audit_with):
    def mutate(model):
        sid = session(model, "practical")["session_id"]
        examiner = rows(model, "assignments", session_id=sid, role="examiner")[0]
        invigilator = rows(model, "assignments", session_id=session(model, "theory", 1)["session_id"],
                           role="invigilator")[1]
        examiner["staff_id"] = invigilator["staff_id"]
    result = audit_with(mutate)
    assert rules_of(result) == ["staff.unqualified"]
    assert "not examiner" in result.findings[0].message


def test_rows_naming_a_session_nobody_held_or_planned(audit_with):
    def mutate(model):
        for e in model.tables["events"][:3]:
            e["session_id"] = "S-GHOST"
    result = audit_with(mutate)
    [finding] = [f for f in result.findings if f.rule == "data.invalid_value"]
    assert finding.table == "events" and finding.row == 2 and len(finding.evidence["rows"]) == 3
    assert "S-GHOST" in finding.message


def test_a_session_with_no_attendance_log_is_one_finding(audit_with):
    def mutate(model):
        sid = session(model, "theory")["session_id"]
        model.tables["events"] = [e for e in model.tables["events"]
                                  if not (e["session_id"] == sid and e["event"] in ("sign_in", "identity_check"))]
    result = audit_with(mutate)
    assert rules_of(result) == ["roster.result_without_attendance"]
    f = result.findings[0]
    assert f.id_number is None and "All 12 candidates" in f.message and len(f.evidence["rows"]) == 12
