"""stats.answer_similarity: the generalized binomial test for answer copying (van der Linden &
Sotaridona 2006, Journal of Educational and Behavioral Statistics 31(3), 283–304).

For a candidate c suspected of copying from a candidate s, each item i that both answered matches with
probability q_i = P(c gives s's answer | θ_c): P_i(θ_c) when s's answer is right, (1 − P_i(θ_c)) × the
share of that wrong option when it is wrong (irt.py). The number of identical answers M is then a sum of
independent Bernoulli trials; the test's p-value is P(M ≥ observed), computed exactly. An identical wrong
answer has a small q_i, so it weighs far more than an identical right one — two strong candidates who both
answer nearly everything right match where they are expected to.

Pairs are tested only within one session, in both directions; the smaller p-value of a pair is corrected
by Bonferroni for every ordered pair of the session. Item parameters come from the session, or, when it has
fewer than ``similarity_min_session_sheets`` sheets, from all sessions of the same operation in the archive.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ...archive import ArchiveData
from ...findings import Finding, NotRun
from ...profile import Profile
from ..crossref import RecordIndex, index_of, when
from . import ANSWER_SIMILARITY as RULE
from .irt import ItemModel, Sheet, fit, keys_of
from .tails import poisson_binomial_sf

METHOD = "generalized binomial test (van der Linden & Sotaridona 2006)"
METHOD_ZH = "广义二项检验（van der Linden & Sotaridona 2006）"
PAIR_BLOCK = 4096  # ordered pairs computed at once: bounds memory on a session of hundreds


def sheets_of(data: ArchiveData) -> dict[str, list[Sheet]]:
    """session_id -> the answer sheets of its candidates, in table order."""
    responses: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    keys: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    first: dict[tuple[str, str], int] = {}
    for r in data.records("answers"):
        sid, id_number, item, response = r["session_id"], r["id_number"], r["item"], r["response"]
        if not (sid and id_number and item):
            continue
        person = (sid, id_number)
        first.setdefault(person, r.line)
        if response:  # an unanswered item is compared with nothing
            responses[person].setdefault(item, response.strip().upper())
        if r["key"]:
            keys[person].setdefault(item, r["key"].strip().upper())
    out: dict[str, list[Sheet]] = defaultdict(list)
    for person, line in first.items():
        out[person[0]].append(Sheet(person[0], person[1], responses[person], keys[person], line))
    return out


@dataclass(frozen=True)
class PairResult:
    copier: Sheet
    source: Sheet
    items: list[str]  # compared: answered by both
    identical_right: list[str]
    identical_wrong: list[tuple[str, str]]  # (item, the shared wrong response)
    expected: float
    p_value: float
    tests: int


def answer_similarity(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    alpha = float(profile.threshold("similarity_alpha"))
    min_wrong = int(profile.threshold("similarity_min_identical_wrong"))
    min_own = int(profile.threshold("similarity_min_session_sheets"))
    index = index_of(data)
    by_session = sheets_of(data)
    pools = _pools(index, by_session)
    models: dict[str, ItemModel] = {}
    too_small = 0
    for sid, sheets in sorted(by_session.items()):
        if len(sheets) < 2:
            continue
        if len(sheets) >= min_own:
            model, source = fit(sheets), "session"
        else:
            pool = pools.get(sid)
            if pool is None or len(pool[1]) < min_own:
                too_small += 1
                continue
            if pool[0] not in models:
                models[pool[0]] = fit(pool[1])
            model, source = models[pool[0]], pool[0]
        for result in suspicious_pairs(sheets, model, alpha, min_wrong):
            p_adjusted = min(1.0, result.p_value * result.tests)
            yield _finding(profile, index, data, result, p_adjusted, alpha, source, model.sheets)
    if too_small:
        yield NotRun(RULE, f"{too_small} session(s) with fewer than {min_own} answer sheets, even with every "
                           "session of the same operation pooled: item parameters cannot be estimated")


def _pools(index: RecordIndex, by_session: dict[str, list[Sheet]]) -> dict[str, tuple[str, list[Sheet]]]:
    """session -> (pool name, sheets of every session of its operation whose keys agree with the pool's):
    items are taken to be the same questions when their numbers and keys agree."""
    by_operation: dict[str, list[str]] = defaultdict(list)
    for sid, sheets in by_session.items():
        operation = index.operation_of(sid, sheets[0].id_number)
        if operation:
            by_operation[operation].append(sid)
    out = {}
    for operation, sids in by_operation.items():
        keys = keys_of([s for sid in sids for s in by_session[sid]])
        agreeing = [sid for sid in sids
                    if all(keys.get(item) == key for item, key in keys_of(by_session[sid]).items())]
        pooled = [s for sid in agreeing for s in by_session[sid]]
        for sid in agreeing:
            out[sid] = (f"operation {operation}: {len(agreeing)} session(s)", pooled)
    return out


def suspicious_pairs(sheets: list[Sheet], model: ItemModel, alpha: float, min_wrong: int) -> Iterator[PairResult]:
    """The pairs of ``sheets`` whose more suspicious direction is significant after the correction and who
    share at least ``min_wrong`` wrong answers. Every ordered pair is tested at once; only the pairs
    reported are described item by item."""
    items = sorted({i for s in sheets for i in s.responses if i in model.keys})
    n = len(sheets)
    code, wrong_p = _codes(sheets, items, model)
    p_right = np.vstack([model.p_right(s.person, items) for s in sheets])
    copier, source = np.nonzero(~np.eye(n, dtype=bool))
    tests = len(copier)
    p_values = np.empty(tests)
    expected = np.empty(tests)
    shared_wrong = np.empty(tests, dtype=int)
    for lo in range(0, tests, PAIR_BLOCK):
        c, s = copier[lo:lo + PAIR_BLOCK], source[lo:lo + PAIR_BLOCK]
        both = (code[c] >= 0) & (code[s] >= 0)
        same = both & (code[c] == code[s])
        q = np.where(code[s] == 0, p_right[c], (1 - p_right[c]) * wrong_p[s])
        q = np.where(both, q, np.nan)
        expected[lo:lo + len(c)] = np.nansum(q, axis=1)
        shared_wrong[lo:lo + len(c)] = (same & (code[c] > 0)).sum(1)
        p_values[lo:lo + len(c)] = poisson_binomial_sf(q, same.sum(1))
    flagged = np.nonzero((np.minimum(1.0, p_values * tests) <= alpha) & (shared_wrong >= min_wrong))[0]
    best: dict[tuple[int, int], int] = {}
    for k in flagged:
        pair = (min(copier[k], source[k]), max(copier[k], source[k]))
        if pair not in best or p_values[k] < p_values[best[pair]]:
            best[pair] = int(k)
    for k in sorted(best.values(), key=lambda k: p_values[k]):
        c, s = int(copier[k]), int(source[k])
        shared = [j for j in range(len(items)) if code[c, j] >= 0 and code[c, j] == code[s, j]]
        yield PairResult(
            copier=sheets[c], source=sheets[s],
            items=[items[j] for j in range(len(items)) if code[c, j] >= 0 and code[s, j] >= 0],
            identical_right=[items[j] for j in shared if code[c, j] == 0],
            identical_wrong=[(items[j], sheets[c].responses[items[j]]) for j in shared if code[c, j] > 0],
            expected=float(expected[k]), p_value=float(p_values[k]), tests=tests)


def _codes(sheets: list[Sheet], items: list[str], model: ItemModel) -> tuple[np.ndarray, np.ndarray]:
    """Responses as integers (-1 none, 0 the key, 1… wrong options) and, for each, the share of the wrong
    answers on that option (the chance a wrong answer is this one)."""
    code = np.full((len(sheets), len(items)), -1, dtype=int)
    share = np.zeros((len(sheets), len(items)))
    for j, item in enumerate(items):
        options: dict[str, int] = {model.keys[item]: 0}
        shares = model.wrong_share.get(item, {})
        for i, sheet in enumerate(sheets):
            response = sheet.responses.get(item)
            if response is None:
                continue
            code[i, j] = options.setdefault(response, len(options))
            # a wrong option the estimation group never chose (pooled parameters) is given the smallest share
            share[i, j] = shares.get(response, min(shares.values(), default=1.0))
    return code, share


def _finding(profile: Profile, index: RecordIndex, data: ArchiveData, r: PairResult, p_adjusted: float,
             alpha: float, source: str, sheets: int) -> Finding:
    a, b = r.copier, r.source
    neighbours, neighbours_zh, seats = _neighbours(data, index, a, b)
    wrong_text = ", ".join(f"{item}={response}" for item, response in r.identical_wrong)
    table = data.table("answers")
    return profile.finding(
        RULE, session_id=a.session_id, id_number=a.id_number, table="answers",
        file=table.file if table else "answers.csv", row=a.first_row,
        evidence={
            "pair": [a.id_number, b.id_number], "copier": a.id_number, "source": b.id_number,
            "copier_name": index.name_of(a.session_id, a.id_number),
            "source_name": index.name_of(b.session_id, b.id_number),
            "items_compared": len(r.items), "identical": len(r.identical_right) + len(r.identical_wrong),
            "identical_right": len(r.identical_right), "identical_wrong": len(r.identical_wrong),
            "expected_identical": round(r.expected, 1), "method": METHOD, "method_zh": METHOD_ZH,
            "p_value": float(f"{r.p_value:.3g}"), "p_adjusted": float(f"{p_adjusted:.3g}"),
            "correction": f"Bonferroni over {r.tests} ordered pairs of the session",
            "correction_zh": f"Bonferroni 校正（本场次 {r.tests} 个有序考生对）", "alpha": alpha,
            "parameters_from": "this session" if source == "session" else source,
            "parameters_sheets": sheets,
            "identical_wrong_items": [{"item": i, "response": resp} for i, resp in r.identical_wrong],
            "identical_right_items": r.identical_right, "wrong_list": wrong_text,
            "neighbours": neighbours, "neighbours_zh": neighbours_zh, "seats": seats,
            "rows": [{"table": "answers", "row": a.first_row}, {"table": "answers", "row": b.first_row}]})


def _neighbours(data: ArchiveData, index: RecordIndex, a: Sheet, b: Sheet) -> tuple[str, str, dict[str, str]]:
    """Where the two sat and in which order they signed in, when the log says so."""
    signed = sorted((r["time"], r["id_number"]) for r in index.session_events.get(a.session_id, [])
                    if r["event"] == "sign_in" and r["time"] and r["id_number"])
    order = {id_number: rank for rank, (_t, id_number) in enumerate(signed, 1)}
    seats = {}
    for sheet in (a, b):
        station = next((r["station"] for r in index.person_events.get(sheet.person, []) if r["station"]), None)
        if station:
            seats[sheet.id_number] = station
    parts, parts_zh = [], []
    if len(seats) == 2:
        parts.append(f"seats {seats[a.id_number]} and {seats[b.id_number]}")
        parts_zh.append(f"座位 {seats[a.id_number]} 与 {seats[b.id_number]}")
    if a.id_number in order and b.id_number in order:
        ra, rb = order[a.id_number], order[b.id_number]
        times = {id_number: t for t, id_number in signed}
        adjacent = abs(ra - rb) == 1
        parts.append(f"signed in {ordinal(ra)} and {ordinal(rb)} of {len(order)} ({when(times[a.id_number])}, "
                     f"{when(times[b.id_number])}){', one after the other' if adjacent else ''}")
        parts_zh.append(f"签到顺序第 {ra} 与第 {rb} 位（共 {len(order)} 人）{'，前后相邻' if adjacent else ''}")
    return ("; ".join(parts) or "seats and sign-in order not in the log",
            "；".join(parts_zh) or "日志中无座位及签到顺序", seats)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
