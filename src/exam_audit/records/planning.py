"""Was the exam plan followed (checklist item C3)? Sessions held against sessions planned, and capacity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from ..archive import ArchiveData
from ..findings import Finding, NotRun, check
from ..profile import Profile
from .crossref import index_of, lacking, minutes, ref, when
from .tables.loader import Record


@check("plan followed", ("plan.unplanned_session", "plan.session_not_held", "plan.deviation"),
       needs=("plan", "sessions"))
def held_against_plan(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """plan.unplanned_session, plan.session_not_held and plan.deviation."""
    index = index_of(data)
    planned = _first_rows(data.records("plan"))
    held = _first_rows(data.records("sessions"))
    tolerance = timedelta(minutes=float(profile.threshold("time_tolerance_min")))
    for sid, session in held.items():
        plan = planned.get(sid)
        if plan is None:
            yield profile.finding(
                "plan.unplanned_session", session_id=sid, start=session["start"], end=session["end"],
                **index.at("sessions", session),
                evidence={"held": f"{when(session['start'])}–{when(session['end'])}, {session['room'] or '?'}",
                          "rows": [ref("sessions", session)]})
            continue
        differences, differences_zh = [], []
        for column, label_zh in (("start", "开始时间"), ("end", "结束时间")):
            actual, intended = session[column], plan[column]
            if actual and intended and abs(actual - intended) > tolerance:
                shift = minutes(intended, actual)
                differences.append(f"{column} {when(actual)} instead of {when(intended)} ({shift:+g} min)")
                differences_zh.append(f"{label_zh}为 {when(actual)}，计划为 {when(intended)}（{shift:+g} 分钟）")
        if session["room"] and plan["room"] and _norm(session["room"]) != _norm(plan["room"]):
            differences.append(f"room {session['room']} instead of {plan['room']}")
            differences_zh.append(f"考场为 {session['room']}，计划为 {plan['room']}")
        if differences:
            yield profile.finding(
                "plan.deviation", session_id=sid, start=session["start"], end=session["end"],
                **index.at("sessions", session),
                evidence={"differences": "; ".join(differences), "differences_zh": "；".join(differences_zh),
                          "tolerance_min": profile.threshold("time_tolerance_min"),
                          "plan_row": plan.line, "plan_file": index.file("plan"),
                          "rows": [ref("sessions", session),
                                   ref("plan", plan)]})
    for sid, plan in planned.items():
        if sid not in held:
            yield profile.finding(
                "plan.session_not_held", session_id=sid, start=plan["start"], end=plan["end"],
                **index.at("plan", plan),
                evidence={"planned": f"{when(plan['start'])}–{when(plan['end'])}, {plan['room'] or '?'}",
                          "rows": [ref("plan", plan)]})


@check("capacity", ("plan.over_capacity",), needs=("plan", "candidates"))
def over_capacity(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """plan.over_capacity: more distinct candidates registered than the plan's capacity."""
    index = index_of(data)
    if reason := lacking(data, "plan", "capacity"):
        yield NotRun("plan.over_capacity", reason)
        return
    for sid, plan in _first_rows(data.records("plan")).items():
        capacity = plan["capacity"]
        registrations = index.registrations.get(sid, [])
        people = {r["id_number"] for r in registrations}
        if capacity is None or len(people) <= capacity:
            continue
        yield profile.finding(
            "plan.over_capacity", session_id=sid, start=plan["start"], end=plan["end"],
            **index.at("plan", plan, "capacity"),
            evidence={"registered": len(people), "capacity": capacity,
                      "rows": [ref("plan", plan),
                               *(ref("candidates", r) for r in registrations)]})


@check("session references", ("data.invalid_value",), needs_any=("sessions", "plan"))
def unknown_sessions(data: ArchiveData, profile: Profile) -> Iterator[Finding]:
    """data.invalid_value for a session_id that rows of candidates, assignments, events or results name
    but neither sessions.csv nor plan.csv holds: one finding per table and session, at its first row."""
    index = index_of(data)
    for table in ("candidates", "assignments", "events", "results"):
        unknown: dict[str, list[Record]] = {}
        for r in data.records(table):
            sid = r["session_id"]
            if sid and sid not in index.sessions:
                unknown.setdefault(sid, []).append(r)
        for sid, records in unknown.items():
            yield profile.finding(
                "data.invalid_value", session_id=sid, **index.at(table, records[0], "session_id"),
                evidence={"value": sid,
                          "problem": f"no such session in sessions.csv or plan.csv ({len(records)} row(s) name it)",
                          "problem_zh": f"考场记录和考试计划中均无此场次（共 {len(records)} 行引用）",
                          "rows": [ref(table, r) for r in records]})


def _first_rows(records: list[Record]) -> dict[str, Record]:
    """session_id -> its first row; a repeated id is data.duplicate_row, reported elsewhere."""
    out: dict[str, Record] = {}
    for r in records:
        if r["session_id"]:
            out.setdefault(r["session_id"], r)
    return out


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower()
