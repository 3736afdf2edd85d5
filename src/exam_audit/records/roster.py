"""Who was registered, who was there, who has a result: the roster rules (roster.*)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..archive import ArchiveData
from ..findings import Finding, NotRun, check
from ..profile import Profile
from .crossref import Key, RecordIndex, index_of, lacking, refs

ATTENDANCE_EVENTS = ("sign_in", "identity_check")
_ATTENDANCE_ZH = {"sign_in": "签到", "identity_check": "身份核验"}


def _without_attendance(profile: Profile, index: RecordIndex, keys: list[Key], missing: list[str]) -> Finding:
    """One finding for one candidate, or for every candidate of a session whose log lacks attendance."""
    sid, id_number = keys[0]
    rows = [r for key in keys for r in index.results[key]]
    if len(keys) == 1:
        name = index.name_of(sid, id_number)
        who, who_zh = f"Candidate {id_number} {name}".rstrip(), f"考生 {id_number} {name}".rstrip()
    else:
        id_number = None
        who, who_zh = f"All {len(keys)} candidates with results", f"全部 {len(keys)} 名有成绩的考生"
    return profile.finding(
        "roster.result_without_attendance", session_id=sid, id_number=id_number, **index.at("results", rows[0]),
        evidence={"who": who, "who_zh": who_zh, "missing": ", ".join(missing),
                  "missing_zh": "、".join(_ATTENDANCE_ZH[e] for e in missing), "rows": refs("results", rows)})


@check("registration", ("roster.result_without_registration",), needs=("results", "candidates"))
def result_without_registration(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """A result for someone not registered for that session: one finding per candidate and session."""
    index = index_of(data)
    for (sid, id_number), rows in index.results.items():
        if (sid, id_number) in index.registered:
            continue
        yield profile.finding(
            "roster.result_without_registration", session_id=sid, id_number=id_number,
            **index.at("results", rows[0], "id_number"),
            evidence={"result_rows": ", ".join(str(r.line) for r in rows), "rows": refs("results", rows)})


@check("attendance", ("roster.result_without_attendance", "roster.attendance_without_result"),
       needs=("results", "events"))
def attendance(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """roster.result_without_attendance and roster.attendance_without_result, from the event log.

    An attendance event the exam system never logs for anyone (some systems record no identity check)
    is not required of each candidate: its absence says nothing about one person. A session whose log
    holds no attendance event at all gets one finding naming all its candidates, not one per person:
    the cause is the session's log, and the inspector asks for it once."""
    index = index_of(data)
    if reason := lacking(data, "events", "id_number"):
        yield NotRun("roster.result_without_attendance", reason)
        yield NotRun("roster.attendance_without_result", reason)
        return
    logged = {r["event"] for rows in index.person_events.values() for r in rows} & set(ATTENDANCE_EVENTS)
    if logged:
        unlogged: dict[str, list[Key]] = defaultdict(list)  # sessions whose log has no attendance at all
        attended = {sid for (sid, _), rows in index.person_events.items()
                    if any(r["event"] in ATTENDANCE_EVENTS for r in rows)}
        for key in index.results:
            if key[0] not in attended:
                unlogged[key[0]].append(key)
                continue
            seen = {r["event"] for r in index.person_events.get(key, ())}
            missing = [e for e in ATTENDANCE_EVENTS if e in logged and e not in seen]
            if missing:
                yield _without_attendance(profile, index, [key], missing)
        for keys in unlogged.values():
            yield _without_attendance(profile, index, keys, [e for e in ATTENDANCE_EVENTS if e in logged])
    for (sid, id_number), events in index.person_events.items():
        present = [r for r in events if r["event"] in ATTENDANCE_EVENTS]
        if not present or (sid, id_number) in index.results:
            continue
        first = min(present, key=lambda r: r.line)
        yield profile.finding(
            "roster.attendance_without_result", session_id=sid, id_number=id_number,
            start=first["time"], **index.at("events", first),
            evidence={"event": first["event"], "name": index.name_of(sid, id_number),
                      "rows": refs("events", present)})
