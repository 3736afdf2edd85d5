"""What one archive leaves for the rules that look across all archives of an audit run.

Candidates sit at several centres: the same person may be registered at two centres at once
(roster.concurrent_sessions), or pass the theory at one centre and sit the practical at another (which
clears score.practical_without_theory). Archives may be audited in worker processes whose loaded tables
are gone afterwards, so each leaves a compact ``ArchiveSummary`` on its result and ``reconcile`` runs in
the main process once every archive is done.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..archive import ArchiveData
from ..findings import CheckStatus, Finding
from ..profile import Profile
from .concurrency import Seat, across_archives, seats_of
from .scores import TheoryPass, covers, theory_passes


@dataclass
class ArchiveSummary:
    seats: list[Seat] = field(default_factory=list)
    theory_passes: list[TheoryPass] = field(default_factory=list)


def summary_of(data: ArchiveData, profile: Profile, statuses: Sequence[CheckStatus]) -> ArchiveSummary:
    """The summary of one audited archive: only what the rules that ran can vouch for."""
    ran = {c.rule for c in statuses if c.status == "run"}
    return ArchiveSummary(
        seats=seats_of(data) if "roster.concurrent_sessions" in ran else [],
        theory_passes=theory_passes(data, profile) if data.table("results") and data.table("results").readable
        else [])


def reconcile(names: Sequence[str], summaries: Sequence[ArchiveSummary], findings: Sequence[list[Finding]],
              profile: Profile) -> list[list[Finding]]:
    """Each archive's findings once the archives of the run have been compared with each other.

    ``names`` identify the archives (the same name twice is the same archive, never compared with
    itself)."""
    added = across_archives([s.seats for s in summaries], names, profile)
    months = int(profile.threshold("theory_pass_valid_months"))
    passes: dict[str, list[tuple[str, TheoryPass]]] = defaultdict(list)
    for name, summary in zip(names, summaries, strict=True):
        for p in summary.theory_passes:
            passes[p.id_number].append((name, p))
    out = []
    for name, own, extra in zip(names, findings, added, strict=True):
        kept = [f for f in own if not _passed_elsewhere(f, name, passes, months)]
        out.append(sorted(kept + extra, key=Finding.sort_key))
    return out


def _passed_elsewhere(finding: Finding, name: str, passes: dict[str, list[tuple[str, TheoryPass]]],
                      months: int) -> bool:
    if finding.rule != "score.practical_without_theory" or not isinstance(finding.start, datetime):
        return False
    operation = finding.evidence.get("operation_code")
    return any(other != name and covers(p, operation, finding.start, months)
               for other, p in passes.get(finding.id_number or "", ()))
