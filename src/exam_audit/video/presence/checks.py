"""Checks on who is in the room: invigilator absence, headcount, hands-on activity (C5, C4).

Plain functions of the loaded archive and the profile. They read the presence timelines the media stage
measured (``data.media.analysis``) and the sessions of the schedule, which also says which camera films
which session.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from ...archive import ArchiveData
from ...findings import Finding, NotRun, check
from ...profile import Profile
from ...records.sessions import Session
from ...schedule import Schedule
from .coverage import camera_view
from .tracks import CameraTimeline, Moment, camera_timelines

ABSENT = "invigilation.absent"
HEADCOUNT = "invigilation.headcount_low"
NO_ACTIVITY = "practical.no_activity"


def _filmed(data: ArchiveData, profile: Profile, exam_type: str
            ) -> Iterator[tuple[Session, datetime, datetime, CameraTimeline]]:
    """Each session of ``exam_type`` with each camera timeline that films it."""
    schedule = Schedule.of(data, profile)
    timelines = camera_timelines(data.media.placed, data.media.analysis)
    for session in schedule.of_type(exam_type):
        assert session.window is not None
        for _name, timeline in sorted(timelines.items()):
            if schedule.films(timeline.camera, session):
                yield session, *session.window, timeline


def quantile(values: list[int], q: float) -> float:
    """The ``q`` quantile of ``values``, interpolated linearly between the two nearest ranks."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _stretches(moments: list[Moment], step_s: float, wanted: bool) -> Iterator[tuple[list[Moment], datetime]]:
    """Runs of consecutive samples whose ``present`` is ``wanted``, with the time each run ends (the next
    sample, or one step after its last). A break in sampling (no recording) ends a run: unknown is not
    absent."""
    run: list[Moment] = []
    for i, m in enumerate(moments):
        broken = bool(run) and (m.at - run[-1].at).total_seconds() > 3 * step_s
        if run and (broken or m.present is not wanted):
            yield run, (m.at if not broken else run[-1].at + timedelta(seconds=step_s))
            run = []
        if m.present is wanted:
            run.append(m)
        if i == len(moments) - 1 and run:
            yield run, run[-1].at + timedelta(seconds=step_s)


def _detector_evidence(timeline: CameraTimeline) -> dict[str, str]:
    out = {"detector": "/".join(sorted(timeline.detectors))}
    if timeline.notes:
        out["detector_note"] = "; ".join(sorted(timeline.notes))
    return out


def _span_evidence(first: Moment, last_s: float, end_file: str) -> dict[str, object]:
    out: dict[str, object] = {"media_start_s": round(first.media_s, 2), "media_end_s": round(last_s, 2)}
    if end_file != first.file:
        out["end_file"] = end_file
    return out


@check("invigilator presence", (ABSENT,), needs_any=("sessions", "plan"), needs_recordings=True)
def invigilator_absence(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """invigilation.absent: nobody in a theory room's invigilator zone for longer than allowed."""
    limit = timedelta(minutes=float(profile.threshold("absence_max_min")))
    for session, start, end, timeline in _filmed(data, profile, "theory"):
        moments = timeline.within(start, end)
        for run, run_end in _stretches(moments, timeline.step_s, wanted=False):
            until = min(run_end, end)
            if until - run[0].at <= limit:
                continue
            last = run[-1]
            end_media = last.media_s + (until - last.at).total_seconds()
            picks = (run[0], run[len(run) // 2], last)
            camera = data.centre.cameras.get(timeline.camera)
            zoned = bool(camera and camera.invigilator_zones)
            yield profile.finding(
                ABSENT, session_id=session.session_id, camera=timeline.camera, file=run[0].file,
                start=run[0].at, end=until,
                evidence={"minutes": round((until - run[0].at).total_seconds() / 60, 1),
                          "threshold_min": round(limit.total_seconds() / 60, 2),
                          "zone": "invigilator zone" if zoned else "whole frame",
                          "zone_zh": "监考区域" if zoned else "整个画面",
                          "start_local": f"{run[0].at:%H:%M:%S}", "end_local": f"{until:%H:%M:%S}",
                          **_span_evidence(run[0], end_media, last.file),
                          "snapshots": [{"file": m.file, "media_s": round(m.media_s, 2)} for m in picks],
                          **_detector_evidence(timeline)})


def _roll(data: ArchiveData, table: str, key: str, wanted: Callable[[dict], bool]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in data.records(table):
        if wanted(r) and r["session_id"] and r[key]:
            out.setdefault(r["session_id"], set()).add(r[key])
    return out


@check("headcount on camera", (HEADCOUNT,), needs=("events",), needs_any=("sessions", "plan"), needs_recordings=True)
def headcount(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """invigilation.headcount_low: a high quantile of the people counted on a theory room's camera over the
    sitting stays below what the camera should see (signed-in candidates in its view, plus the assigned
    invigilators when it sees the whole room). Not run, with the reason, for a camera whose counts cannot
    carry that: motion detector only, a picture too small, too few counts, or centre.toml says so."""
    tolerance = float(profile.threshold("headcount_tolerance"))
    share = float(profile.threshold("headcount_quantile"))
    min_samples = int(profile.threshold("headcount_min_samples"))
    signed = _roll(data, "events", "id_number", lambda r: r["event"] == "sign_in")
    staff = _roll(data, "assignments", "staff_id", lambda r: r["role"] == "invigilator")
    reasons = set()
    for session, start, end, timeline in _filmed(data, profile, "theory"):
        candidates = len(signed.get(session.session_id, ()))
        invigilators = len(staff.get(session.session_id, ()))
        within = timeline.within(start, end)
        if not within:
            continue
        moments = [m for m in within if m.people is not None]
        view = camera_view(data.centre.cameras.get(timeline.camera))
        if isinstance(view, str):
            reasons.add(f"camera {timeline.camera}: {view}")
            continue
        if not moments:
            reasons.add(f"camera {timeline.camera}: " + ("; ".join(sorted(timeline.notes))
                                                         or "the person detector was not used"))
            continue
        if len(moments) < min_samples:
            reasons.add(f"camera {timeline.camera}, session {session.session_id}: {len(moments)} counts, "
                        f"fewer than the {min_samples} a persistent shortfall needs")
            continue
        expected_candidates = view.candidates(candidates)
        if not expected_candidates:
            # no candidate to see: whether the invigilators are there is invigilation.absent's question
            continue
        expected = expected_candidates + (invigilators if view.whole_room else 0)
        counts = [m.people for m in moments if m.people is not None]
        seen = float(quantile(counts, share))
        if seen >= expected * (1 - tolerance):
            continue
        histogram = Counter(counts)
        yield profile.finding(
            HEADCOUNT, session_id=session.session_id, camera=timeline.camera, file=moments[0].file,
            start=moments[0].at, end=min(end, moments[-1].at + timedelta(seconds=timeline.step_s)),
            evidence={"expected": expected, "signed_in": candidates, "candidates_in_view": expected_candidates,
                      "invigilators": invigilators if view.whole_room else 0, "view": view.describe(),
                      "view_zh": view.describe_zh(), "seen": round(seen, 1), "quantile": share,
                      "median_seen": float(quantile(counts, 0.5)), "tolerance": tolerance,
                      "samples": len(counts), "counts": {str(v): histogram[v] for v in sorted(histogram)},
                      "counting": "; ".join(sorted(timeline.counting)),
                      **_span_evidence(moments[0], moments[-1].media_s, moments[-1].file),
                      **_detector_evidence(timeline)})
    for reason in sorted(reasons):
        yield NotRun(HEADCOUNT, f"headcount needs people counts: {reason}")


@check("practical station activity", (NO_ACTIVITY,), needs_any=("sessions", "plan"), needs_recordings=True)
def practical_activity(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """practical.no_activity: a practical room's camera shows no hands-on movement for most of a sitting."""
    min_share = float(profile.threshold("practical_activity_min_share"))
    moved = float(profile.threshold("activity_min_area"))
    for session, start, end, timeline in _filmed(data, profile, "practical"):
        minutes: dict[int, list[Moment]] = {}
        for m in timeline.within(start, end):
            minutes.setdefault(int((m.at - start).total_seconds() // 60), []).append(m)
        if not minutes:
            continue
        active = {k: any(m.activity >= moved for m in ms) for k, ms in minutes.items()}
        share = sum(active.values()) / len(active)
        if share >= min_share:
            continue
        # the longest stretch of still minutes, for the snapshots
        best: list[int] = []
        current: list[int] = []
        for k in sorted(active):
            current = [*current, k] if not active[k] and current and current[-1] == k - 1 else (
                [k] if not active[k] else [])
            if len(current) > len(best):
                best = current
        first, last = minutes[best[0]][0], minutes[best[-1]][-1]
        yield profile.finding(
            NO_ACTIVITY, session_id=session.session_id, camera=timeline.camera, file=first.file,
            start=first.at, end=last.at + timedelta(seconds=timeline.step_s),
            evidence={"active_share": round(share, 3), "min_share": min_share,
                      "still_minutes": len(best), "minutes_seen": len(active),
                      "start_local": f"{first.at:%H:%M:%S}",
                      "end_local": f"{last.at + timedelta(seconds=timeline.step_s):%H:%M:%S}",
                      **_span_evidence(first, last.media_s + timeline.step_s, last.file),
                      "detector": "motion (activity)"})
