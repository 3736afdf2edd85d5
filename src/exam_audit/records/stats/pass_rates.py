"""stats.pass_rate_outlier: pass rates of sessions and examiners far above the baseline of the same
operation, and the 包过班 signature (a theory session where nearly everyone passes in sittings far shorter
than the centre's usual).

A unit (session, examiner, centre) is tested against the other sittings of the same exam type and
operation: leave-one-out, so a unit never lowers its own bar. The test is one-sided and exact:
P(X ≥ passes) where X is beta-binomial — the unit's sittings passing at a rate that is only known as well
as the baseline's x passes of n sittings tell it, Beta(x + ½, n − x + ½) (Jeffreys) — summed over the
operations a unit's sittings span. With a large baseline this is the exact binomial test; with a small one
it does not mistake the baseline's own chance for a fact. Bonferroni-corrected for the units tested at
that level. Units with fewer sittings than
``pass_rate_min_sittings`` are not tested; a low pass rate is not a sign of collusion and is not reported.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from statistics import median

from ...archive import ArchiveData
from ...findings import Finding, NotRun, check
from ...profile import Profile
from ..crossref import index_of, operation_label
from .betabinomial import beta_binomial_sum_sf

RULE = "stats.pass_rate_outlier"
Group = tuple[str, str]  # (exam_type, operation)
TEST = "exact beta-binomial test against the baseline, one-sided"
TEST_ZH = "基于基线的精确 Beta-二项检验（单侧）"


@dataclass(frozen=True)
class Outcome:
    """One sitting's outcome as the results table records it."""

    session_id: str
    id_number: str
    group: Group
    passed: bool
    examiner: str | None
    minutes: float | None
    table_row: int


@dataclass(frozen=True)
class RateTest:
    passes: int
    sittings: int
    baseline_passes: int
    baseline_sittings: int
    p_value: float

    def evidence(self, tested: int, alpha: float) -> dict[str, object]:
        p_adjusted = min(1.0, self.p_value * tested)
        return {"passes": self.passes, "sittings": self.sittings, "rate": _pct(self.passes, self.sittings),
                "baseline_passes": self.baseline_passes, "baseline_sittings": self.baseline_sittings,
                "baseline_rate": _pct(self.baseline_passes, self.baseline_sittings), "test": TEST,
                "test_zh": TEST_ZH, "p_value": float(f"{self.p_value:.3g}"),
                "p_adjusted": float(f"{p_adjusted:.3g}"), "tested": tested, "alpha": alpha,
                "correction": f"Bonferroni over {tested} units tested",
                "correction_zh": f"Bonferroni 校正（共检验 {tested} 个单位）"}


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "?"


def outcomes(data: ArchiveData, profile: Profile) -> list[Outcome]:
    """Every theory sitting and every practical (its total row) with a pass or fail the table states or
    its score implies."""
    index = index_of(data)
    marks = {"theory": float(profile.threshold("theory_pass_mark")),
             "practical": float(profile.threshold("practical_pass_mark"))}
    out = []
    for sitting in index.sittings():
        row = sitting.total_row if sitting.practical else sitting.theory_row
        kind = "practical" if sitting.practical else "theory"
        if row is None or not sitting.operation:
            continue
        passed = row["passed"] if row["passed"] is not None else (
            row["score"] >= marks[kind] if row["score"] is not None else None)
        if passed is None:
            continue
        took = (row["end"] - row["start"]).total_seconds() / 60 if row["start"] and row["end"] else None
        out.append(Outcome(sitting.session_id, sitting.id_number, (kind, sitting.operation), bool(passed),
                           row["examiner_id"] or None, took, row.line))
    return out


Counts = Mapping[Group, tuple[int, int]]  # group -> (passes, sittings)


def counts_of(outs: list[Outcome]) -> dict[Group, tuple[int, int]]:
    passes: Counter[Group] = Counter()
    sittings: Counter[Group] = Counter()
    for o in outs:
        sittings[o.group] += 1
        passes[o.group] += o.passed
    return {g: (passes[g], sittings[g]) for g in sittings}


def rate_test(own: Counts, everyone: Counts, min_baseline: int) -> RateTest | None:
    """The unit's passes against the others of each group it sat in (leave-one-out); groups whose baseline
    has fewer than ``min_baseline`` sittings are left out. None when nothing is left."""
    groups, passes, sittings, base_passes, base_sittings = [], 0, 0, 0, 0
    for group, (x, n) in own.items():
        bx, bn = everyone.get(group, (0, 0))
        bx, bn = bx - x, bn - n
        if bn < min_baseline:
            continue
        groups.append((n, bx + 0.5, bn - bx + 0.5))
        passes, sittings, base_passes, base_sittings = passes + x, sittings + n, base_passes + bx, base_sittings + bn
    if not groups:
        return None
    return RateTest(passes, sittings, base_passes, base_sittings, beta_binomial_sum_sf(groups, passes))


@check("pass rates", (RULE,), needs=("results",), needs_any=("sessions", "plan"))
def pass_rate_outlier(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    alpha = float(profile.threshold("pass_rate_alpha"))
    min_count = int(profile.threshold("pass_rate_min_sittings"))
    min_baseline = int(profile.threshold("pass_rate_min_baseline"))
    outs = outcomes(data, profile)
    everyone = counts_of(outs)
    by_session: dict[str, list[Outcome]] = defaultdict(list)
    by_examiner: dict[str, list[Outcome]] = defaultdict(list)
    for o in outs:
        by_session[o.session_id].append(o)
        if o.group[0] == "practical" and o.examiner:
            by_examiner[o.examiner].append(o)
    coached = dict(_coached(data, profile, by_session, everyone, min_baseline))
    yield from coached.values()
    skipped = Counter()
    for level, units in (("session", by_session), ("examiner", by_examiner)):
        tests = {}
        for unit, own in units.items():
            test = rate_test(counts_of(own), everyone, min_baseline) if len(own) >= min_count else None
            if test is None:
                skipped[level] += 1
            else:
                tests[unit] = test
        for unit, test in sorted(tests.items()):
            if unit in coached and level == "session":
                continue  # the session's finding is the 包过班 signature, which names this test too
            if test.p_value * len(tests) <= alpha:
                yield _finding(profile, data, level, unit, units[unit], test.evidence(len(tests), alpha))
    if skipped:
        parts = ", ".join(f"{n} {level}(s)" for level, n in skipped.items())
        yield NotRun(RULE, f"{parts} with fewer than {min_count} sittings, or no baseline of "
                           f"{min_baseline} other sittings of the same operation: not tested")


def _coached(data: ArchiveData, profile: Profile, by_session: dict[str, list[Outcome]], everyone: Counts,
             min_baseline: int) -> Iterator[tuple[str, Finding]]:
    """Theory sessions where nearly everyone passed in sittings far shorter than the centre's usual."""
    alpha = float(profile.threshold("pass_rate_alpha"))
    min_count = int(profile.threshold("pass_rate_min_sittings"))
    min_rate = float(profile.threshold("coached_min_pass_rate"))
    max_ratio = float(profile.threshold("coached_max_duration_ratio"))
    timed = {sid: [o.minutes for o in own if o.minutes is not None]
             for sid, own in by_session.items() if own[0].group[0] == "theory"}
    eligible = [sid for sid, minutes in timed.items() if len(minutes) >= min_count]
    for sid in sorted(eligible):
        own = by_session[sid]
        others = [m for other, minutes in timed.items() if other != sid for m in minutes]
        passes = sum(o.passed for o in own)
        if len(others) < min_baseline or passes < min_rate * len(own):
            continue
        usual, typical = median(others), median(timed[sid])
        from scipy.stats import mannwhitneyu  # here: loading scipy costs about a second, needed only now

        p_duration = float(mannwhitneyu(timed[sid], others, alternative="less").pvalue)
        if typical > max_ratio * usual or p_duration * len(eligible) > alpha:
            continue
        test = rate_test(counts_of(own), everyone, min_baseline)
        evidence = test.evidence(len(eligible), alpha) if test else {
            "passes": passes, "sittings": len(own), "rate": _pct(passes, len(own)), "baseline_rate": "?"}
        evidence.update({
            "median_min": round(typical, 1), "usual_min": round(usual, 1), "ratio": round(typical / usual, 2),
            "duration_test": "Mann–Whitney U, one-sided", "p_duration": float(f"{p_duration:.3g}"),
            "usual_sittings": len(others), "min_rate": min_rate, "max_ratio": max_ratio,
            "extra": f" Its theory sittings took a median {typical:.0f} min against the centre's usual "
                     f"{usual:.0f} min (Mann–Whitney U, one-sided, p = {p_duration:.3g}): the signature of a "
                     "pass-guaranteed class (包过班).",
            "extra_zh": f"该场次理论考试用时中位数 {typical:.0f} 分钟，本考试点通常为 {usual:.0f} 分钟"
                        f"（Mann–Whitney U 单侧检验，p = {p_duration:.3g}），符合“包过班”特征。"})
        yield sid, _finding(profile, data, "session", sid, own, evidence, variant="coached")


def _finding(profile: Profile, data: ArchiveData, level: str, unit: str, own: list[Outcome],
             evidence: dict[str, object], variant: str | None = None) -> Finding:
    index = index_of(data)
    group = own[0].group
    operations = sorted({o.group[1] for o in own})
    label = ", ".join(operation_label(profile, op) for op in operations)
    if level == "session":
        kind_zh = "理论" if group[0] == "theory" else "实操"
        desc, desc_zh = f"Session {unit} ({group[0]}, {label})", f"场次 {unit}（{kind_zh}，{label}）"
    else:
        sessions = sorted({o.session_id for o in own})
        desc = f"Examiner {unit} ({len(sessions)} practical session(s), {label})"
        desc_zh = f"考评员 {unit}（{len(sessions)} 个实操场次，{label}）"
    evidence = {"level": level, "unit": unit, "unit_desc": desc, "unit_desc_zh": desc_zh, "operations": operations,
                "extra": "", "extra_zh": "", **evidence,
                "baseline_desc": f"other {group[0]} sittings of the same operation in this archive",
                "baseline_desc_zh": "本档案同一作业项目的其他" + ("理论" if group[0] == "theory" else "实操") + "考试",
                "rows": [{"table": "results", "row": o.table_row} for o in own]}
    return profile.finding(
        RULE, variant=variant, session_id=unit if level == "session" else None,
        staff_id=unit if level == "examiner" else None, table="results", file=index.file("results"),
        row=own[0].table_row, evidence=evidence)
