"""stats.answer_similarity, as the registry sees it: the check runs the generalized binomial test of
similarity.py, which needs numpy, imported only when an archive has answer sheets."""

from __future__ import annotations

from collections.abc import Iterator

from ...archive import ArchiveData
from ...findings import Finding, NotRun, check
from ...profile import Profile
from . import ANSWER_SIMILARITY as RULE


@check("answer copying", (RULE,), needs=("answers",))
def answer_similarity(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    from .similarity import answer_similarity as copiers  # numpy: loaded only for archives with answers.csv

    yield from copiers(data, profile)
