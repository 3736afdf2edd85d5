"""Statistical indications (stats.*): the answer-copying test and the pass-rate tests on minimal bad and
nearest good cases, recall on generated archives with injected copiers, lenient examiners and 包过班
sessions, and the false-positive count on clean archives (printed, not only asserted). Table-only
archives, and only the statistics checks run on them, to stay fast."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from exam_audit.archive import open_archive
from exam_audit.audit import audit_archive, load_archive, run_checks
from exam_audit.checks import CHECKS
from exam_audit.fixtures import FixtureSpec, load_truth, make_archive
from exam_audit.fixtures.base import build_clean
from exam_audit.fixtures.people import id_number
from exam_audit.fixtures.registry import STATS_MIN_CANDIDATES, STATS_MIN_SESSIONS, stats_only
from exam_audit.fixtures.stats_defects import recurring_examiner
from exam_audit.fixtures.truth import compare
from exam_audit.fixtures.writer import write_model
from exam_audit.profile import Profile
from exam_audit.records.stats.irt import Sheet, fit
from exam_audit.records.stats.pass_rates import rate_test
from exam_audit.records.stats.similarity import suspicious_pairs
from exam_audit.records.stats.tails import poisson_binomial_sf
from exam_audit.results import AuditOptions

PROFILE = Profile.load()
STATS_CHECKS = [c for c in CHECKS if any(r.startswith("stats.") for r in c.rules)]
CLEAN_SEEDS = range(1, 21)


def stats_findings(folder: Path) -> list[dict]:
    data = load_archive(open_archive(folder), PROFILE, AuditOptions())
    _statuses, findings = run_checks(data, PROFILE, STATS_CHECKS)
    return [f.to_dict() for f in findings if f.rule.startswith("stats.")]


# -- the tail and the test on hand-made sheets ------------------------------------------------------------

def test_poisson_binomial_tail_is_exact():
    p = np.array([[0.5, 0.5, 0.5], [0.1, 0.9, np.nan]])
    assert poisson_binomial_sf(p, np.array([2, 2])) == pytest.approx([0.5, 0.09])
    assert poisson_binomial_sf(p, np.array([0, 3])) == pytest.approx([1.0, 0.0])


def synthetic_sheets(rng: np.random.Generator, n: int = 40, items: int = 100) -> list[Sheet]:
    """Rasch sheets: 70 true/false and 30 single-choice items, keys 对 and A."""
    theta, b = rng.normal(0, 1, n), rng.normal(-1, 1, items)
    right = rng.random((n, items)) < 1 / (1 + np.exp(b[None, :] - theta[:, None]))
    keys = {f"{j:03d}": "对" if j < 70 else "A" for j in range(items)}
    sheets = []
    for i in range(n):
        responses = {}
        for j, item in enumerate(keys):
            wrong = "错" if j < 70 else str(rng.choice(["B", "C", "D"], p=[0.6, 0.3, 0.1]))
            responses[item] = keys[item] if right[i, j] else wrong
        sheets.append(Sheet("S1", f"P{i:02d}", responses, keys, 2 + i * items))
    return sheets


def flagged(sheets: list[Sheet]) -> set[frozenset[str]]:
    return {frozenset((r.copier.id_number, r.source.id_number))
            for r in suspicious_pairs(sheets, fit(sheets), alpha=0.001, min_wrong=3)}


def test_a_copier_is_found_with_the_counts_and_the_items():
    rng = np.random.default_rng(7)
    sheets = synthetic_sheets(rng)
    # a source of middling ability, so that there are wrong answers to copy
    source = next(s for s in sheets if 20 <= sum(r != s.keys[i] for i, r in s.responses.items()) <= 35)
    copier = next(s for s in sheets if s is not source)
    copied = rng.choice(sorted(source.responses), size=60, replace=False)
    copier.responses.update({item: source.responses[item] for item in copied})
    assert flagged(sheets) == {frozenset((source.id_number, copier.id_number))}
    (result,) = suspicious_pairs(sheets, fit(sheets), alpha=0.001, min_wrong=3)
    same = [i for i in copier.responses if copier.responses[i] == source.responses[i]]
    assert len(result.identical_right) + len(result.identical_wrong) == len(same)
    assert all(source.responses[i] == r != source.keys[i] for i, r in result.identical_wrong)


def test_two_strong_candidates_with_identical_right_sheets_are_not_a_finding():
    rng = np.random.default_rng(8)
    sheets = synthetic_sheets(rng)
    keys = sheets[0].keys
    for i in (5, 6):  # all right but one, the same one
        sheets[i].responses.update(keys)
        sheets[i].responses["069"] = "错"
    assert flagged(sheets) == set()


# -- pass rates ---------------------------------------------------------------------------------------------

def test_an_examiner_who_passes_everyone_is_far_from_the_baseline_and_one_who_fails_some_is_not():
    everyone = {("practical", "1.2"): (24 + 15, 24 + 25)}
    lenient = rate_test({("practical", "1.2"): (24, 24)}, everyone, 10)
    assert lenient is not None and lenient.p_value < 0.001  # beta-binomial: 2.5e-4 (the binomial says 5e-6)
    everyone = {("practical", "1.2"): (15 + 15, 24 + 25)}
    fair = rate_test({("practical", "1.2"): (15, 24)}, everyone, 10)
    assert fair is not None and fair.p_value > 0.1
    assert rate_test({("practical", "1.2"): (5, 5)}, {("practical", "1.2"): (8, 10)}, 10) is None  # baseline of 5


# -- generated archives -------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_injected_copiers_examiners_and_sessions_are_all_found(tmp_path: Path, seed: int, capsys):
    folder = tmp_path / "archive"
    make_archive(folder, FixtureSpec(seed=seed, defects=stats_only(), sessions=STATS_MIN_SESSIONS,
                                     candidates_per_session=STATS_MIN_CANDIDATES))
    findings, truth = stats_findings(folder), load_truth(folder)
    missed, unexpected = compare(findings, truth)
    with capsys.disabled():
        print(f"\nseed {seed}: {len(truth) - len(missed)}/{len(truth)} injected found, {len(unexpected)} unexpected")
    assert not missed and not unexpected, (missed, [u["message"] for u in unexpected])
    (copier,) = [f for f in findings if f["rule"] == "stats.answer_similarity"]
    (entry,) = [t for t in truth if t["rule"] == "stats.answer_similarity"]
    assert sorted(copier["evidence"]["pair"]) == entry["pair"]
    assert copier["evidence"]["identical_wrong"] >= 3 and copier["evidence"]["p_adjusted"] <= 0.001
    (coached,) = [f for f in findings if f["session_id"] and f["rule"] == "stats.pass_rate_outlier"]
    assert coached["severity"] == "medium" and "包过班" in coached["message"]
    for f in findings:
        assert "{" not in f["message"] + f["message_zh"], f


def test_clean_archives_give_no_stats_finding_over_20_seeds(tmp_path: Path, capsys):
    """Clean archives with strong candidates (near-identical right sheets) and one examiner who works
    every practical session and passes the usual share: no stats finding may appear."""
    false_positives = []
    for seed in CLEAN_SEEDS:
        model = build_clean(FixtureSpec(seed=seed, sessions=8, candidates_per_session=STATS_MIN_CANDIDATES))
        recurring_examiner(model)
        folder = tmp_path / f"clean{seed}"
        folder.mkdir()
        write_model(model, folder)
        false_positives += stats_findings(folder)
    with capsys.disabled():
        print(f"\nclean archives: {len(CLEAN_SEEDS)} seeds, {len(false_positives)} stats false positive(s)")
    assert false_positives == [], [f["message"] for f in false_positives]


def test_an_impossible_birth_date_is_one_finding_not_also_an_age(tmp_path: Path):
    model = build_clean(FixtureSpec(seed=5))
    row = next(r for r in model.tables["candidates"])
    old = row["id_number"]
    new = id_number(model.rng, date(2026, 9, 1), True)  # born after the audit day below
    for table in ("candidates", "results", "events", "training", "answers"):
        for r in model.tables[table]:
            if r.get("id_number") == old:
                r["id_number"] = new
    folder = tmp_path / "archive"
    folder.mkdir()
    write_model(model, folder)
    found = audit_archive(folder, AuditOptions(today=date(2026, 7, 1)), PROFILE).findings
    mine = [f for f in found if f.id_number == new and f.table == "candidates" and f.row == 2]
    assert [f.rule for f in mine] == ["data.invalid_id_number"], [f.message for f in mine]
    # the loader flags the number, so the age check leaves it alone: one cause, one finding
    assert not [f for f in found if f.rule == "data.age_ineligible" and f.id_number == new]
