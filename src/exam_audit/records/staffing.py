"""Invigilators and examiners: present, enough, qualified, not in two places, not the candidates'
trainers (staff.*, checklist items C2 and C5).

No national ratio of invigilators or examiners exists (DOMAIN.md §2): the numbers staff.too_few uses
are local policy in the profile, and the finding says so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..archive import ArchiveData
from ..findings import Finding, NotRun, check
from ..profile import Profile
from .crossref import RecordIndex, index_of, lacking, overlapping_pairs, ref, when, zh
from .sessions import Session
from .tables.loader import Record


def active_sessions(index: RecordIndex) -> list[Session]:
    """Sessions that took place: those in sessions.csv, or the planned ones when it is absent.

    A planned session never held needs no staff (plan.session_not_held reports it)."""
    sessions = list(index.sessions.values())
    if any(s.held for s in sessions):
        return [s for s in sessions if s.held]
    return sessions


@check("staffing", ("staff.no_invigilator", "staff.no_examiner", "staff.too_few"),
       needs=("assignments",), needs_any=("sessions", "plan"))
def staffing(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """staff.no_invigilator, staff.no_examiner (per session, or per practical station in use) and
    staff.too_few."""
    index = index_of(data)
    min_theory = int(profile.threshold("min_invigilators_per_theory_room"))
    per_invigilator = int(profile.threshold("candidates_per_invigilator"))
    per_station = int(profile.threshold("min_examiners_per_practical_station"))
    for session in active_sessions(index):
        sid = session.session_id
        assigned = index.assignments.get(sid, [])
        candidates = len({r["id_number"] for r in index.registrations.get(sid, [])})
        where = {"session_id": sid, "start": session.start, "end": session.end, "table": session.table,
                 "file": index.file(session.table), "row": session.row}
        invigilators = sorted({r["staff_id"] for r in assigned if r["role"] == "invigilator"})
        if not invigilators:
            yield profile.finding("staff.no_invigilator", **where,
                                  evidence={"candidates": candidates, "rows": [_session_ref(session)]})
        else:
            needed = math.ceil(candidates / per_invigilator) if per_invigilator > 0 else 0
            if session.exam_type == "theory":
                needed = max(needed, min_theory)
            if len(invigilators) < needed:
                yield _too_few(profile, session, where, assigned, "invigilator", "监考员", len(invigilators),
                               needed, candidates, "", "")
        if session.exam_type != "practical":
            continue
        examiners = [r for r in assigned if r["role"] == "examiner"]
        if not examiners:
            yield profile.finding("staff.no_examiner", **where,
                                  evidence={"station": "", "station_zh": "", "candidates": candidates,
                                            "rows": [_session_ref(session)]})
            continue
        floating = {r["staff_id"] for r in examiners if not r["station"]}
        by_station: dict[str, set[str]] = defaultdict(set)
        for r in examiners:
            if r["station"]:
                by_station[r["station"]].add(r["staff_id"])
        in_use = {r["station"] for r in index.session_events.get(sid, []) if r["station"]}
        in_use |= {r["station"] for r in assigned if r["station"]}
        for station in sorted(in_use):
            count = len(by_station.get(station, set()) | floating)
            if count == 0:
                yield profile.finding(
                    "staff.no_examiner", **where,
                    evidence={"station": f" at station {station}", "station_zh": _station_zh(station),
                              "station_name": station, "candidates": candidates,
                              "rows": [_session_ref(session)]})
            elif count < per_station:
                yield _too_few(profile, session, where, assigned, "examiner", "考评员", count, per_station,
                               candidates, f" at station {station}", _station_zh(station))


def _too_few(profile: Profile, session: Session, where: dict[str, Any], assigned: list[Record], role: str,
             role_zh: str, count: int, needed: int, candidates: int, station: str, station_zh: str) -> Finding:
    policy = profile.thresholds()
    names = ("min_invigilators_per_theory_room", "candidates_per_invigilator") if role == "invigilator" \
        else ("min_examiners_per_practical_station",)
    sources = ", ".join(f"{n} = {policy[n].value}" for n in names if n in policy)
    return profile.finding(
        "staff.too_few", variant=role, **where,
        evidence={"role": role, "role_zh": role_zh, "assigned": count, "required": needed,
                  "candidates": candidates, "station": station, "station_zh": station_zh, "policy": sources,
                  "rows": [_session_ref(session),
                           *(ref("assignments", r) for r in assigned if r["role"] == role)]})


@check("qualifications", ("staff.unqualified",), needs=("assignments", "staff"), needs_any=("sessions", "plan"))
def qualifications(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """staff.unqualified: an assigned person missing from the staff register, without a qualification
    number, or whose qualification expired before the session's date."""
    index = index_of(data)
    if reason := lacking(data, "staff", "qualification_no"):
        yield NotRun("staff.unqualified", reason + ": qualification numbers not checked")
    elif reason := lacking(data, "staff", "qualified_until"):
        yield NotRun("staff.unqualified", reason + ": expiry dates not checked")
    numbered = "qualification_no" in data.table("staff").columns
    for session in active_sessions(index):
        day = session.start.date() if session.start else None
        seen: set[str] = set()
        for a in index.assignments.get(session.session_id, []):
            staff_id = a["staff_id"]
            if staff_id in seen:
                continue
            seen.add(staff_id)
            person = index.staff.get(staff_id)
            rows = [ref("assignments", a)]
            if person is None:
                problem, problem_zh = "is not in the staff register", "不在考务人员名册中"
            else:
                rows.append(ref("staff", person))
                until = person["qualified_until"]
                if numbered and not person["qualification_no"]:
                    problem, problem_zh = "has no qualification number", "无资格证号"
                elif a["role"] == "examiner" and person["role"] not in (None, "examiner"):
                    # an examiner's certificate (考评员证) is what qualifies someone to score a practical
                    problem = f"is registered as {person['role']}, not examiner: no examiner qualification"
                    problem_zh = f"在考务人员名册中登记为{zh(person['role'])}，不是考评员，无考评员资格"
                elif until and day and until < day:
                    problem = f"qualification {person['qualification_no']} expired on {until.isoformat()}"
                    problem_zh = f"资格证 {person['qualification_no']} 已于 {until.isoformat()} 到期"
                else:
                    continue
            yield profile.finding(
                "staff.unqualified", session_id=session.session_id, staff_id=staff_id, start=session.start,
                end=session.end, **index.at("assignments", a, "staff_id"),
                evidence={"role": a["role"], "role_zh": zh(a["role"]), "problem": problem, "problem_zh": problem_zh,
                          "session_date": day.isoformat() if day else "?", "rows": rows})


@check("double booking", ("staff.double_booked",), needs=("assignments",), needs_any=("sessions", "plan"))
def double_booked(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """staff.double_booked: one person assigned to two sessions whose times overlap. The later
    assignment carries the finding."""
    index = index_of(data)
    by_staff: dict[str, dict[str, tuple[Session, Record]]] = defaultdict(dict)
    for session in active_sessions(index):
        if session.window is None:
            continue
        for a in index.assignments.get(session.session_id, []):
            by_staff[a["staff_id"]].setdefault(session.session_id, (session, a))
    for staff_id, bookings in by_staff.items():
        if len(bookings) < 2:
            continue
        entries = sorted(bookings.values(), key=lambda e: e[1].line)
        for (first, first_row), (second, second_row) in overlapping_pairs(entries, lambda e: e[0].window):
            yield profile.finding(
                "staff.double_booked", session_id=second.session_id, staff_id=staff_id, start=second.start,
                end=second.end, **index.at("assignments", second_row, "staff_id"),
                evidence={"window": f"{when(second.start)}–{when(second.end)}",
                          "other_session": first.session_id,
                          "other_window": f"{when(first.start)}–{when(first.end)}",
                          "rows": [ref("assignments", second_row),
                                   ref("assignments", first_row)]})


@check("teaching and examining separated", ("staff.trainer_conflict",),
       needs=("assignments", "staff", "candidates"), needs_any=("sessions", "plan"))
def trainer_conflict(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """staff.trainer_conflict (考教分离): a person invigilating or examining a session with candidates they
    trained (training.csv trainer_id is their staff id or ID number), or employed by a candidate's
    training organisation. One finding per session and staff member, naming the candidates."""
    index = index_of(data)
    training = data.table("training")
    if training is None or not training.readable:
        yield NotRun("staff.trainer_conflict",
                     "training.csv absent or unreadable: only affiliations against the candidates' "
                     "training organisations were checked, not who trained whom")
    for table, column in (("staff", "affiliation"), ("training", "trainer_id")):
        if reason := lacking(data, table, column):
            yield NotRun("staff.trainer_conflict", reason + ": that part of the separation was not checked")
    for session in active_sessions(index):
        sid = session.session_id
        trained_by: dict[str, list[tuple[str, Record]]] = defaultdict(list)  # trainer -> (candidate, row)
        from_org: dict[str, list[tuple[str, str, Record]]] = defaultdict(list)  # org -> (candidate, table, row)
        for reg in index.registrations.get(sid, []):
            id_number = reg["id_number"]
            if reg["training_org"]:
                from_org[_norm(reg["training_org"])].append((id_number, "candidates", reg))
            for course in index.training.get(id_number, []):
                if course["trainer_id"]:
                    trained_by[_norm(course["trainer_id"])].append((id_number, course))
                if course["training_org"]:
                    from_org[_norm(course["training_org"])].append((id_number, "training", course))
        if not trained_by and not from_org:
            continue
        seen: set[str] = set()
        for a in index.assignments.get(sid, []):
            staff_id = a["staff_id"]
            if staff_id in seen:
                continue
            seen.add(staff_id)
            person = index.staff.get(staff_id)
            keys = {_norm(staff_id)}
            if person is not None and person["id_number"]:
                keys.add(_norm(person["id_number"]))
            trained = [(c, row) for k in sorted(keys) for c, row in trained_by.get(k, [])]
            affiliation = _norm(person["affiliation"]) if person is not None and person["affiliation"] else ""
            employed = from_org.get(affiliation, []) if affiliation else []
            if not trained and not employed:
                continue
            people = sorted({c for c, _ in trained} | {c for c, _, _ in employed})
            reasons, reasons_zh = [], []
            if trained:
                reasons.append(f"trained {', '.join(sorted({c for c, _ in trained}))}")
                reasons_zh.append(f"曾培训考生 {'、'.join(sorted({c for c, _ in trained}))}")
            if employed:
                reasons.append(f"works for {person['affiliation']}, the training organisation of "
                               f"{', '.join(sorted({c for c, _, _ in employed}))}")
                reasons_zh.append(f"任职于 {person['affiliation']}，即考生 "
                                  f"{'、'.join(sorted({c for c, _, _ in employed}))} 的培训机构")
            rows = [ref("assignments", a)]
            if person is not None:
                rows.append(ref("staff", person))
            rows += [ref("training", row) for _, row in trained]
            rows += [ref(table, row) for _, table, row in employed]
            yield profile.finding(
                "staff.trainer_conflict", session_id=sid, staff_id=staff_id,
                id_number=people[0] if len(people) == 1 else None, start=session.start, end=session.end,
                **index.at("assignments", a, "staff_id"),
                evidence={"role": a["role"], "role_zh": zh(a["role"]), "candidates": ", ".join(people),
                          "count": len(people), "reason": "; ".join(reasons), "reason_zh": "；".join(reasons_zh),
                          "rows": rows})


def _station_zh(station: str) -> str:
    return f"（{station}）" if "工位" in station else f"（工位 {station}）"


def _session_ref(session: Session) -> dict[str, Any]:
    return {"table": session.table, "row": session.row}


def _norm(text: Any) -> str:
    return "".join(str(text).split()).lower()
