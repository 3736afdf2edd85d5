"""Scores against the pass marks, the practical standards and the rules in force (score.*)."""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from ..archive import ArchiveData
from ..findings import Finding, NotRun, check
from ..profile import Profile
from .crossref import index_of, lacking, num, operation_label, ref, refs, standard_or_count, when, zh

_SCORE_EPSILON = 0.01  # scores are written with at most two decimals


@check("pass flags", ("score.pass_flag_mismatch", "score.veto_ignored"), needs=("results",))
def pass_flags(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """score.pass_flag_mismatch and score.veto_ignored.

    A failed veto item fails a practical whatever its total (DOMAIN.md §3): an exam marked passed despite
    one is veto_ignored, not a pass-flag mismatch."""
    index = index_of(data)
    if reason := lacking(data, "results", "passed"):
        yield NotRun("score.pass_flag_mismatch", reason)
        yield NotRun("score.veto_ignored", reason)
        return
    if reason := lacking(data, "results", "veto_failed"):
        yield NotRun("score.veto_ignored", reason)
    theory_mark = float(profile.threshold("theory_pass_mark"))
    practical_mark = float(profile.threshold("practical_pass_mark"))
    for sitting in index.sittings():
        vetoes = [r for r in sitting.rows if r["veto_failed"] is True]
        for row in sitting.rows:
            subject, score, passed = row["subject"], row["score"], row["passed"]
            if subject not in ("theory", "total") or passed is None:
                continue
            if subject == "total" and vetoes and passed:
                yield profile.finding(
                    "score.veto_ignored", session_id=sitting.session_id, id_number=sitting.id_number,
                    **index.at("results", row, "passed"),
                    evidence={"veto_subjects": ", ".join(str(v["subject"]) for v in vetoes),
                              "score": num(score), "rows": refs("results", [row, *vetoes])})
                continue
            if score is None:
                continue  # an unreadable score is data.invalid_value
            mark = theory_mark if subject == "theory" else practical_mark
            expected = score >= mark and not (subject == "total" and vetoes)
            if passed != expected:
                yield profile.finding(
                    "score.pass_flag_mismatch", session_id=sitting.session_id, id_number=sitting.id_number,
                    **index.at("results", row, "passed"),
                    evidence={"subject": subject, "subject_zh": "理论" if subject == "theory" else "实操总分",
                              "score": num(score), "pass_mark": num(mark),
                              "passed": "true" if passed else "false", "passed_zh": _verdict_zh(passed),
                              "expected": "true" if expected else "false", "expected_zh": _verdict_zh(expected),
                              "rows": refs("results", [row, *vetoes])})


@check("practical scores", ("score.subjects_incomplete", "score.total_mismatch"),
       needs=("results",), needs_any=("sessions", "plan"))
def practical_scores(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """score.subjects_incomplete and score.total_mismatch, against the operation's practical standard.

    Operations whose standard is not in the profile are skipped with a not-run note: a weight is never
    guessed."""
    index = index_of(data)
    unknown: Counter[str] = Counter()
    for sitting in index.sittings():
        if not sitting.practical:
            continue
        operation = standard_or_count(profile, sitting.operation, unknown)
        if operation is None:
            continue
        assert operation.practical is not None
        weights = operation.practical.weights
        subjects = sitting.subjects()
        total = sitting.total_row
        primary = total or sitting.rows[0]
        missing = [s for s in sorted(weights) if s not in subjects]
        if missing:
            yield profile.finding(
                "score.subjects_incomplete", session_id=sitting.session_id, id_number=sitting.id_number,
                **index.at("results", primary, "subject"),
                evidence={"missing": ", ".join(missing), "operation": operation_label(profile, operation.code),
                          "required": ", ".join(sorted(weights)), "rows": refs("results", sitting.rows)})
            continue
        scores = [subjects[s]["score"] for s in sorted(weights)]
        if total is None or total["score"] is None or any(s is None for s in scores):
            continue
        added = sum(scores)
        if abs(added - total["score"]) > _SCORE_EPSILON:
            parts = " + ".join(f"{s} {num(subjects[s]['score'])}/{num(weights[s])}" for s in sorted(weights))
            yield profile.finding(
                "score.total_mismatch", session_id=sitting.session_id, id_number=sitting.id_number,
                **index.at("results", total, "score"),
                evidence={"total": num(total["score"]), "sum": num(round(added, 2)), "parts": parts,
                          "operation": operation_label(profile, operation.code),
                          "rows": refs("results", [total, *(subjects[s] for s in sorted(weights))])})
    for code, count in sorted(unknown.items()):
        reason = (f"{count} practical sitting(s) of {operation_label(profile, code)} not checked: "
                  "the profile has no weights for its practical standard")
        yield NotRun("score.subjects_incomplete", reason)
        yield NotRun("score.total_mismatch", reason)


@dataclass(frozen=True)
class TheoryPass:
    """A theory exam passed: who, for which operation, and when its session began."""

    id_number: str
    operation: str | None
    at: datetime


def theory_passes(data: ArchiveData, profile: Profile) -> list[TheoryPass]:
    """Every theory pass of the archive, judged by the score against the pass mark (the flag only when
    the score is unreadable: a wrong flag is score.pass_flag_mismatch, not a missing pass)."""
    mark = float(profile.threshold("theory_pass_mark"))
    out = []
    for s in index_of(data).sittings():
        row = s.theory_row
        if row is None or s.practical or not s.session or not s.session.start:
            continue
        if (row["score"] >= mark) if row["score"] is not None else row["passed"] is True:
            out.append(TheoryPass(s.id_number, s.operation, s.session.start))
    return out


def covers(theory: TheoryPass, operation: str | None, begins: datetime, months: int) -> bool:
    """Whether ``theory`` allows a practical of ``operation`` beginning at ``begins``: same operation,
    passed before it and no more than ``months`` calendar months earlier."""
    same = theory.operation is None or operation is None or theory.operation == operation
    return same and theory.at <= begins and theory.at.date() >= _months_before(begins.date(), months)


@check("theory before practical", ("score.practical_without_theory",),
       needs=("results",), needs_any=("sessions", "plan"))
def practical_without_theory(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """A practical sat with no theory pass of the same operation within the previous 12 months.

    When several archives are audited together, a pass recorded at another centre of the run clears the
    finding afterwards (see records/run_summary.py)."""
    index = index_of(data)
    sittings = index.sittings()
    months = int(profile.threshold("theory_pass_valid_months"))
    if not any(s.theory_row is not None and not s.practical for s in sittings):
        yield NotRun("score.practical_without_theory",
                     "the archive holds no theory results: theory passes may be recorded at another centre")
        return
    passes: dict[str, list[TheoryPass]] = defaultdict(list)
    for p in theory_passes(data, profile):
        passes[p.id_number].append(p)
    for s in sittings:
        if not s.practical or not s.session or not s.session.start:
            continue
        begins = s.session.start
        if any(covers(p, s.operation, begins, months) for p in passes.get(s.id_number, ())):
            continue
        previous = sorted(p.at for p in passes.get(s.id_number, ()))
        row = s.total_row or s.rows[0]
        yield profile.finding(
            "score.practical_without_theory", session_id=s.session_id, id_number=s.id_number,
            start=s.session.start, **index.at("results", row),
            evidence={"operation": operation_label(profile, s.operation), "operation_code": s.operation,
                      "since": _months_before(begins.date(), months).isoformat(), "months": months,
                      "theory_passes": ", ".join(when(t) for t in previous) or "none",
                      "theory_passes_zh": "、".join(when(t) for t in previous) or "无",
                      "rows": refs("results", s.rows)})


@check("attempts", ("score.attempts_exceeded",), needs=("candidates",), needs_any=("sessions", "plan"))
def attempts(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """score.attempts_exceeded: a registration's attempt number above what the rules in force on the
    exam date allow for its exam type (before 2026-06-01: one make-up; from then on: theory unlimited,
    practical up to 5)."""
    index = index_of(data)
    if reason := lacking(data, "candidates", "attempt"):
        yield NotRun("score.attempts_exceeded", reason)
        return
    undated = 0
    for sid, registrations in index.registrations.items():
        session = index.sessions.get(sid)
        if session is None or session.start is None or session.exam_type is None:
            undated += sum(1 for r in registrations if r["attempt"])
            continue
        regime = profile.regime_on(session.start.date())
        for r in registrations:
            attempt = r["attempt"]
            if not attempt:
                continue
            if regime is None:
                undated += 1
                continue
            limit = regime.attempts_max(session.exam_type)
            if limit is not None and attempt > limit:
                yield profile.finding(
                    "score.attempts_exceeded", session_id=sid, id_number=r["id_number"], start=session.start,
                    **index.at("candidates", r, "attempt"),
                    evidence={"attempt": attempt, "limit": limit, "exam_type": session.exam_type,
                              "exam_type_zh": zh(session.exam_type),
                              "regime": regime.name, "regime_source": regime.source,
                              "exam_date": session.start.date().isoformat(),
                              "rows": [ref("candidates", r)]})
    if undated:
        yield NotRun("score.attempts_exceeded",
                     f"{undated} registration(s) not checked: their session's date or exam type is unknown, "
                     "or no rules in the profile cover that date")


def _verdict_zh(passed: bool) -> str:
    return "合格" if passed else "不合格"


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))
