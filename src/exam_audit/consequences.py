"""One cause, one finding: findings that only repeat another finding's cause are folded into it.

A check that knows its own cascade folds it itself (the log events of one stretch without footage are one
time.event_unrecorded, video/timeline/checks.py). This module folds the cascades that cross stages:
an ID number whose birth date is impossible (found by the table loader) is also an age below the minimum
(found by the age check); the inspector reads one finding, on the ID number, with the age folded in.
The folded findings stay in the cause's evidence (``folded``: how many; ``folded_findings``: which).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from .findings import Finding

# consequence rule -> the rule of its cause, found on the same table, row and column
CASCADES = {"data.age_ineligible": "data.invalid_id_number"}


def fold(findings: list[Finding]) -> list[Finding]:
    def place(f: Finding) -> tuple:
        return f.table, f.file, f.row, f.column, f.id_number

    causes = {(f.rule, place(f)) for f in findings if f.rule in CASCADES.values()}
    folded: dict[tuple, list[Finding]] = defaultdict(list)
    kept = []
    for f in findings:
        cause = CASCADES.get(f.rule)
        if cause and (cause, place(f)) in causes:
            folded[(cause, place(f))].append(f)
        else:
            kept.append(f)
    out = []
    for f in kept:
        extra = folded.get((f.rule, place(f)))
        if extra:
            evidence = {**f.evidence, "folded": f.evidence.get("folded", 0) + len(extra),
                        "folded_findings": [{"rule": x.rule, "message": x.message, "message_zh": x.message_zh}
                                            for x in extra]}
            f = replace(f, evidence=evidence)
        out.append(f)
    return out
