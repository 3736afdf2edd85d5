"""Matching activity fingerprints: the same footage in two recordings, re-encoded or not.

A fingerprint (video/content.py ``FingerprintAnalyser``) lists, for each sample with activity, its media
time and a mask of the grid cells where something moved (bit ``row * cols + col``). Two copies of one
stretch of footage were sampled at different instants (other keyframes after re-encoding), so samples are
gathered into bins of ``duplicate_bin_s`` seconds (the union of their masks). Candidate alignments are
found by voting: every pair of bins with the same mask votes for its time offset. Each well-voted offset
is then verified bin by bin: the matched bins are those whose masks overlap (Jaccard ≥ ``duplicate_cell_overlap_min``)
with a bin at that offset (± one bin). It is a duplicate when at least ``duplicate_min_active_s`` of
activity match, densely, in more pattern changes than chance at other offsets can explain. That only
proposes a copy; video/copies.py confirms it frame by frame before any finding.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...profile import Profile

COMMON_MASK_BINS = 64  # a mask seen in more bins than this (a seated person's fidgeting) casts no votes


Grid = tuple[int, int]  # rows, columns
LEGACY_GRID: Grid = (6, 8)  # the grid of fingerprints kept before the grid was written down with them


@dataclass(frozen=True)
class Fingerprint:
    grid: Grid
    samples: Sequence[Sequence[float]]  # [media seconds, mask], only samples with activity

    def active(self, start_s: float, end_s: float) -> int:
        """The cells active in any sample from ``start_s`` to ``end_s``."""
        out = 0
        for t, mask in self.samples:
            if start_s <= t <= end_s:
                out |= int(mask)
        return out

    @classmethod
    def of(cls, data: Fingerprint | dict[str, Any] | Sequence[Sequence[float]]) -> Fingerprint:
        """From an analyser's result or a stored row; a bare list of samples is the legacy 6x8 form."""
        if isinstance(data, Fingerprint):
            return data
        if isinstance(data, dict):
            rows, cols = data.get("grid") or LEGACY_GRID
            return cls((int(rows), int(cols)), data.get("samples") or [])
        return cls(LEGACY_GRID, data)


@dataclass(frozen=True)
class DuplicateSettings:
    bin_s: float
    min_active_s: float
    overlap_min: float

    @classmethod
    def of(cls, profile: Profile) -> DuplicateSettings:
        return cls(float(profile.threshold("duplicate_bin_s")), float(profile.threshold("duplicate_min_active_s")),
                   float(profile.threshold("duplicate_cell_overlap_min")))

    @property
    def min_bins(self) -> int:
        return max(2, round(self.min_active_s / self.bin_s))


@dataclass(frozen=True)
class Match:
    """Bins ``a_start``…``a_end`` of the first fingerprint repeat ``b_start``…``b_end`` of the second;
    ``offset_s`` is the alignment found (b's media time minus a's), to within a bin."""

    a_start_s: float
    a_end_s: float
    b_start_s: float
    b_end_s: float
    matched_bins: int
    matched_s: float
    offset_s: float = 0.0
    matched_b_s: tuple[float, ...] = ()  # where each matched bin of the second starts (media seconds)


COMMON_CELL_SHARE = 0.5  # a cell active in more than this share of a file's bins carries no timing


def bins(samples: Sequence[Sequence[float]], bin_s: float) -> dict[int, int]:
    """bin index -> union of the masks of the samples in it, without the file's busy cells.

    The fingerprint already drops cells active in most *samples*; but someone working in one place (hands
    going up and down at a workbench, a seated candidate fidgeting) moves between a few nearby cells, each
    active in only some samples yet in nearly every bin once a bin's samples are joined. Such cells are
    active in any stretch of the file, so they match at every offset and would make two unrelated
    stretches look alike (or, counted as chance, hide a real copy). Cells active in most bins of the file
    (counted from its first to its last active bin) are removed; bins left empty are dropped.
    """
    out: dict[int, int] = defaultdict(int)
    for t, mask in samples:
        out[int(t // bin_s)] |= int(mask)
    if not out:
        return {}
    span = max(out) - min(out) + 1
    busy = 0
    for cell in range(max(out.values()).bit_length()):
        if sum(1 for m in out.values() if m >> cell & 1) > COMMON_CELL_SHARE * span:
            busy |= 1 << cell
    return {i: m & ~busy for i, m in out.items() if m & ~busy}


def index_masks(fp: Fingerprint | dict[str, Any], bin_s: float) -> set[int]:
    """The activity patterns by which ``fp`` can be matched: a stored fingerprint can only match a new one
    with which it shares at least one (``match`` votes only for bins with the same pattern), so the store
    indexes them and proposes only the fingerprints that share one."""
    return set(bins(Fingerprint.of(fp).samples, bin_s).values())


def _overlap(a: int, b: int) -> float:
    union = (a | b).bit_count()
    return (a & b).bit_count() / union if union else 0.0


def match(a_fp: Fingerprint | dict[str, Any], b_fp: Fingerprint | dict[str, Any],
          settings: DuplicateSettings) -> Match | None:
    """The best alignment of ``b`` against ``a`` with enough matching activity, or None.

    Two different recordings only: within one file, someone pacing the same route matches themselves a
    minute later, and that is not recycled footage. Fingerprints cut on different grids (a future change
    of the analyser against the store) cannot be compared: None.
    """
    fa, fb = Fingerprint.of(a_fp), Fingerprint.of(b_fp)
    if fa.grid != fb.grid:
        return None
    return match_bins(bins(fa.samples, settings.bin_s), bins(fb.samples, settings.bin_s), settings)


def match_bins(a: dict[int, int], b: dict[int, int], settings: DuplicateSettings) -> Match | None:
    """``match`` on fingerprints already gathered into bins (``bins``), for callers that compare one
    fingerprint with many and bin each once."""
    if len(a) < settings.min_bins or len(b) < settings.min_bins:
        return None
    by_mask: dict[int, list[int]] = defaultdict(list)
    for i, mask in b.items():
        by_mask[mask].append(i)
    votes: Counter[int] = Counter()
    for i, mask in a.items():
        partners = by_mask.get(mask, ())
        if len(partners) <= COMMON_MASK_BINS:
            votes.update(j - i for j in partners)
    best: Match | None = None
    for offset, count in votes.most_common(8):
        if count < settings.min_bins // 4:
            continue
        found = _verify(a, b, offset, settings)
        if found and (best is None or found.matched_bins > best.matched_bins):
            best = found
    return best


# Offsets (in bins, either way) at which the same stretch is compared again to learn how often its bins
# match by chance: a person pacing one short route makes few distinct patterns, which line up with any
# other pacing at many offsets. A copy lines up at its own offset far more often than chance allows.
CHANCE_OFFSETS = tuple(d for k in range(5, 65, 3) for d in (-k, k))
CHANCE_P_MAX = 1e-8  # the match must be this improbable by chance (a copy measured ~1e-9 to 1e-33). This
# only proposes a copy: someone pacing slowly changes cells rarely and in step, so two such walks pass it
# now and then (an 8-session generated archive: 1 in 2); copies.py compares the frames before any finding.
MIN_CHANGES = 12  # and rest on at least this many changes of the activity pattern, not a few long runs


def _matches(a: dict[int, int], b: dict[int, int], offset: int, settings: DuplicateSettings,
             lo: int | None = None, hi: int | None = None) -> list[tuple[int, int]]:
    return [(i, j) for i, j, same in _compare(a, b, offset, settings, lo, hi) if same]


def _compare(a: dict[int, int], b: dict[int, int], offset: int, settings: DuplicateSettings,
             lo: int | None = None, hi: int | None = None) -> list[tuple[int, int, bool]]:
    """(bin of a, its best partner in b, whether they match) for the active bins of ``a`` in lo…hi that
    have an active bin of ``b`` at ``offset`` (± one bin) to compare with."""
    out = []
    for i, mask in sorted(a.items()):
        if (lo is not None and i < lo) or (hi is not None and i > hi):
            continue
        partner = max((j for j in (i + offset - 1, i + offset, i + offset + 1) if j in b),
                      key=lambda j: _overlap(mask, b[j]), default=None)
        if partner is not None:
            out.append((i, partner, _overlap(mask, b[partner]) >= settings.overlap_min))
    return out


def _binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * math.log(p)
            + (n - i) * math.log1p(-p) for i in range(k, n + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(x - top) for x in logs))


def _densest_run(a: dict[int, int], hit: set[int]) -> tuple[int, int] | None:
    """The first and last bin of the best-scoring run of ``a``'s active bins, a match scoring +0.4 and a
    miss -0.6 (so any run kept matches in more than 60 % of its bins), or None when nothing matches."""
    best_score = score = 0.0
    start = first = last = None
    for i in sorted(a):
        if score <= 0.0:
            score, start = 0.0, i
        score += 0.4 if i in hit else -0.6
        if score > best_score:
            best_score, first, last = score, start, i
    return None if first is None else (first, last)


def _verify(a: dict[int, int], b: dict[int, int], offset: int, settings: DuplicateSettings) -> Match | None:
    matched = _matches(a, b, offset, settings)
    if len(matched) < settings.min_bins:
        return None
    # Activity that matches only here and there is chance; a copy matches for most of its active bins.
    # The copy is the stretch where matches are densest: someone pacing a short route matches by chance
    # before and after the copy too, and the first-to-last matched span would dilute a 4-minute copy into
    # an hour of chance.
    run = _densest_run(a, {i for i, _ in matched})
    if run is None:
        return None
    matched = [(i, j) for i, j in matched if run[0] <= i <= run[1]]
    if len(matched) < settings.min_bins:
        return None
    first, last = matched[0][0], matched[-1][0]
    active_a = sum(1 for i in a if first <= i <= last)
    # Chance is the match rate where there was something to compare: a bin of ``a`` facing no activity
    # in ``b`` (before its start, past its end, a quiet spell) cannot match at any offset, and counting it
    # as a miss made chance look small next to a short or mostly quiet recording.
    trials = hits = 0
    for d in CHANCE_OFFSETS:
        compared = _compare(a, b, offset + d, settings, first, last)
        trials += len(compared)
        hits += sum(1 for *_, same in compared if same)
    chance = (hits + 1) / (trials + 2)
    # Neighbouring bins are not independent trials: someone standing gives the same mask for a minute.
    # What can match by chance is each change of pattern, so the evidence is counted in changes.
    window = [a[i] for i in sorted(a) if first <= i <= last]
    changes = 1 + sum(1 for x, y in itertools.pairwise(window) if x != y)
    agreeing = round(changes * len(matched) / active_a)
    if changes < MIN_CHANGES or _binomial_tail(agreeing, changes, chance) > CHANCE_P_MAX:
        return None
    size = settings.bin_s
    return Match(a_start_s=first * size, a_end_s=(last + 1) * size, b_start_s=matched[0][1] * size,
                 b_end_s=(matched[-1][1] + 1) * size, matched_bins=len(matched),
                 matched_s=len(matched) * size, offset_s=offset * size,
                 matched_b_s=tuple(j * size for _, j in matched))
