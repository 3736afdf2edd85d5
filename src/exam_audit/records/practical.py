"""practical.oral_only: a practical exam replaced by questions and answers (checklist item C4)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ..archive import ArchiveData
from ..findings import Finding, NotRun, check
from ..profile import Profile
from .crossref import index_of, lacking, operation_label, refs, standard_or_count


@check("oral practicals", ("practical.oral_only",), needs=("results",), needs_any=("sessions", "plan"))
def oral_only(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """Every subject of a practical examined orally, a hands-on subject of the standard examined orally,
    or an oral subject where the standard allows no oral mode (危化 processes: hands-on and simulation).

    "Every subject oral" needs no standard, so it is checked for every operation; the other two need
    the operation's practical standard and are skipped, with a note, when the profile lacks it."""
    index = index_of(data)
    if reason := lacking(data, "results", "mode"):
        yield NotRun("practical.oral_only", reason)
        return
    unknown: Counter[str] = Counter()
    for sitting in index.sittings():
        subjects = sitting.subjects()
        if not sitting.practical or not subjects:
            continue
        operation = standard_or_count(profile, sitting.operation, unknown)
        oral = [r for r in subjects.values() if r["mode"] == "oral"]
        if not oral:
            continue
        all_oral = len(oral) == len(subjects)
        wrong: list[str] = []
        if operation is not None:
            assert operation.practical is not None
            standard = operation.practical
            wrong = [str(r["subject"]) for r in oral
                     if r["subject"] in standard.hands_on or "oral" not in standard.modes]
        if not all_oral and not wrong:
            continue
        primary = next((r for r in oral if r["subject"] in wrong), oral[0])
        how = ("every subject examined orally" if all_oral
               else f"{', '.join(wrong)} examined orally, which the standard requires hands-on")
        how_zh = ("全部科目均以口述方式考核" if all_oral
                  else f"{'、'.join(wrong)} 以口述方式考核，而考试标准要求实际操作")
        yield profile.finding(
            "practical.oral_only", session_id=sitting.session_id, id_number=sitting.id_number,
            **index.at("results", primary, "mode"),
            evidence={"how": how, "how_zh": how_zh, "oral_subjects": ", ".join(sorted(str(r["subject"]) for r in oral)),
                      "operation": operation_label(profile, sitting.operation),
                      "rows": refs("results", sorted(oral, key=lambda r: r.line))})
    for code, count in sorted(unknown.items()):
        yield NotRun("practical.oral_only",
                     f"{count} practical sitting(s) of {operation_label(profile, code)} checked only for "
                     "'every subject oral': the profile lacks its practical standard's hands-on subjects")
