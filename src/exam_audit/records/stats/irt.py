"""Item and option probabilities for the answer-copying test, estimated from the answer sheets themselves.

A constrained nominal response model: the chance of the keyed answer follows the Rasch model,
P(right | θ, b) = 1 / (1 + exp(b − θ)), and a wrong answer falls on each wrong option in the proportion the
group's wrong answers fall on it. Abilities and difficulties are estimated jointly with weak normal
priors (θ ~ N(0, 2²), b ~ N(0, 3²)), so that a perfect sheet gets a large but finite ability instead of
an infinite one — the test would otherwise call every match of two perfect sheets impossible.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

THETA_SD = 2.0
DIFFICULTY_SD = 3.0
ITERATIONS = 60
SMOOTHING = 0.5  # added to every wrong option's count: an option chosen once is not certain


@dataclass(frozen=True)
class Sheet:
    """One candidate's answers in one session: item -> response, both as written (trimmed, upper case)."""

    session_id: str
    id_number: str
    responses: dict[str, str]
    keys: dict[str, str]  # item -> key given in the table (may be empty)
    first_row: int

    @property
    def person(self) -> tuple[str, str]:
        return self.session_id, self.id_number


@dataclass
class ItemModel:
    """What the estimation gives for one group of sheets (a session, or the sessions of one operation)."""

    keys: dict[str, str]  # item -> the keyed answer
    difficulty: dict[str, float]
    ability: dict[tuple[str, str], float]  # (session_id, id_number) -> θ
    wrong_share: dict[str, dict[str, float]]  # item -> wrong response -> share of the wrong answers
    sheets: int

    def p_right(self, person: tuple[str, str], items: Sequence[str]) -> np.ndarray:
        theta = self.ability[person]
        return expit(theta - np.array([self.difficulty[i] for i in items]))


def keys_of(sheets: Sequence[Sheet]) -> dict[str, str]:
    """The key of each item: as the table gives it (the most common key written), else the most common
    response (a paper whose key is not exported is judged by what most candidates answered)."""
    written: dict[str, Counter[str]] = defaultdict(Counter)
    answered: dict[str, Counter[str]] = defaultdict(Counter)
    for sheet in sheets:
        for item, key in sheet.keys.items():
            if key:
                written[item][key] += 1
        for item, response in sheet.responses.items():
            answered[item][response] += 1
    return {item: (written[item] or counts).most_common(1)[0][0] for item, counts in answered.items()}


def fit(sheets: Sequence[Sheet]) -> ItemModel:
    """Abilities, difficulties and wrong-option shares of ``sheets`` (joint MAP, Newton steps)."""
    keys = keys_of(sheets)
    items = sorted(keys)
    column = {item: j for j, item in enumerate(items)}
    right = np.full((len(sheets), len(items)), np.nan)
    wrong: dict[str, Counter[str]] = defaultdict(Counter)
    for i, sheet in enumerate(sheets):
        for item, response in sheet.responses.items():
            right[i, column[item]] = float(response == keys[item])
            if response != keys[item]:
                wrong[item][response] += 1
    theta, b = _rasch(right)
    shares = {}
    for item, counts in wrong.items():
        total = sum(counts.values()) + SMOOTHING * len(counts)
        shares[item] = {response: (n + SMOOTHING) / total for response, n in counts.items()}
    return ItemModel(keys=keys, difficulty={item: float(b[column[item]]) for item in items},
                     ability={s.person: float(t) for s, t in zip(sheets, theta, strict=True)},
                     wrong_share=shares, sheets=len(sheets))


def _rasch(right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    answered = ~np.isnan(right)
    x = np.nan_to_num(right)
    theta = np.zeros(right.shape[0])
    b = np.zeros(right.shape[1])
    for _ in range(ITERATIONS):
        p = expit(theta[:, None] - b[None, :]) * answered
        step = ((x - p) * answered).sum(1) - theta / THETA_SD**2
        theta += np.clip(step / ((p * (1 - p)).sum(1) + 1 / THETA_SD**2), -1, 1)
        p = expit(theta[:, None] - b[None, :]) * answered
        step = -((x - p) * answered).sum(0) - b / DIFFICULTY_SD**2
        b += np.clip(step / ((p * (1 - p)).sum(0) + 1 / DIFFICULTY_SD**2), -1, 1)
    return theta, b
