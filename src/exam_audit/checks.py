"""The registry of checks: which rules each check produces and which tables it needs.

A check is a plain function ``(ArchiveData, Profile) -> Iterable[Finding | NotRun]``. It never prints
and never touches the database; it reads no file, with one exception: recycled footage proposed by the
fingerprints is confirmed by decoding a few seconds of the two recordings (video/copies.py), because a
critical finding must rest on the pixels, and only the pairs proposed are worth decoding again.
When a table it needs is missing or unreadable, the audit lists its rules as not run, with the reason,
and does not call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .archive import ArchiveData
from .findings import Finding, NotRun
from .profile import Profile
from .records import concurrency, planning, practical, roster, scores, staffing, timing, validation
from .records.stats import pass_rates, similarity
from .video.presence import checks as invigilation
from .video.timeline import checks as timeline

CheckFunction = Callable[[ArchiveData, Profile], Iterable[Finding | NotRun]]


@dataclass(frozen=True)
class Check:
    name: str
    rules: tuple[str, ...]
    run: CheckFunction
    needs: tuple[str, ...] = ()  # tables that must be present and readable
    needs_any: tuple[str, ...] = ()  # at least one of these tables
    needs_recordings: bool = False


CHECKS: list[Check] = [
    Check("duplicate rows", ("data.duplicate_row",), validation.duplicate_rows),
    Check("identity conflicts", ("data.identity_conflict",), validation.identity_conflicts,
          needs_any=("candidates", "staff")),
    Check("candidate ages", ("data.age_ineligible",), validation.age_eligibility,
          needs=("candidates",), needs_any=("sessions", "plan")),
    Check("subject shares", ("data.invalid_value",), validation.subject_shares,
          needs=("results",), needs_any=("sessions", "plan")),
    Check("invigilator presence", (invigilation.ABSENT,), invigilation.invigilator_absence,
          needs_any=("sessions", "plan"), needs_recordings=True),
    Check("headcount on camera", (invigilation.HEADCOUNT,), invigilation.headcount,
          needs=("events",), needs_any=("sessions", "plan"), needs_recordings=True),
    Check("practical station activity", (invigilation.NO_ACTIVITY,), invigilation.practical_activity,
          needs_any=("sessions", "plan"), needs_recordings=True),
]

# Cross-checks of plan, sessions, candidates, results, log, staff and training (records/*.py).
_SESSIONS = ("sessions", "plan")
CHECKS += [
    Check("plan followed", ("plan.unplanned_session", "plan.session_not_held", "plan.deviation"),
          planning.held_against_plan, needs=("plan", "sessions")),
    Check("capacity", ("plan.over_capacity",), planning.over_capacity, needs=("plan", "candidates")),
    Check("session references", ("data.invalid_value",), planning.unknown_sessions, needs_any=_SESSIONS),
    Check("registration", ("roster.result_without_registration",), roster.result_without_registration,
          needs=("results", "candidates")),
    Check("attendance", ("roster.result_without_attendance", "roster.attendance_without_result"),
          roster.attendance, needs=("results", "events")),
    Check("concurrent sessions", ("roster.concurrent_sessions",), concurrency.concurrent_sessions,
          needs=("candidates",), needs_any=_SESSIONS),
    Check("pass flags", ("score.pass_flag_mismatch", "score.veto_ignored"), scores.pass_flags,
          needs=("results",)),
    Check("practical scores", ("score.subjects_incomplete", "score.total_mismatch"), scores.practical_scores,
          needs=("results",), needs_any=_SESSIONS),
    Check("theory before practical", ("score.practical_without_theory",), scores.practical_without_theory,
          needs=("results",), needs_any=_SESSIONS),
    Check("attempts", ("score.attempts_exceeded",), scores.attempts, needs=("candidates",), needs_any=_SESSIONS),
    Check("event times", ("time.event_outside_session",), timing.event_outside_session,
          needs=("events",), needs_any=_SESSIONS),
    Check("event order", ("time.event_order",), timing.event_order, needs=("events",)),
    Check("sitting durations", ("time.theory_overrun", "time.theory_too_fast", "time.practical_too_short"),
          timing.sitting_durations, needs=("results",), needs_any=_SESSIONS),
    Check("oral practicals", ("practical.oral_only",), practical.oral_only, needs=("results",),
          needs_any=_SESSIONS),
    Check("staffing", ("staff.no_invigilator", "staff.no_examiner", "staff.too_few"), staffing.staffing,
          needs=("assignments",), needs_any=_SESSIONS),
    Check("qualifications", ("staff.unqualified",), staffing.qualifications, needs=("assignments", "staff"),
          needs_any=_SESSIONS),
    Check("double booking", ("staff.double_booked",), staffing.double_booked, needs=("assignments",),
          needs_any=_SESSIONS),
    Check("teaching and examining separated", ("staff.trainer_conflict",), staffing.trainer_conflict,
          needs=("assignments", "staff", "candidates"), needs_any=_SESSIONS),
]

# Statistical indications of collusion (records/stats/): evidence for inspection, never proof.
CHECKS += [
    Check("answer copying", (similarity.RULE,), similarity.answer_similarity, needs=("answers",)),
    Check("pass rates", (pass_rates.RULE,), pass_rates.pass_rate_outlier, needs=("results",), needs_any=_SESSIONS),
]

# Recording timelines (video/timeline_checks.py): read what the media stage measured.
CHECKS += [
    Check("recording files", timeline.FILE_RULES, timeline.recording_files, needs_recordings=True),
    Check("session recording coverage", timeline.COVERAGE_RULES, timeline.session_coverage,
          needs_any=("sessions", "plan"), needs_recordings=True),
    Check("recording overlaps", timeline.OVERLAP_RULES, timeline.overlaps, needs_recordings=True),
    Check("log events on video", timeline.EVENT_RULES, timeline.unrecorded_events, needs=("events",),
          needs_any=("sessions", "plan"), needs_recordings=True),
]

# Rules produced while reading the tables themselves (the loader), always run when a table is present.
READING_RULES: tuple[str, ...] = (
    "data.encoding", "data.missing_column", "data.missing_value", "data.nonstandard_value",
    "data.invalid_value", "data.invalid_id_number",
)

# Recordings' content (C6): events measured by the media stage's shared sampling pass.
from .video.content import checks as content_checks  # noqa: E402

CHECKS += [
    Check("black footage", ("video.black",), content_checks.black_footage, needs_recordings=True),
    Check("frozen footage", ("video.frozen",), content_checks.frozen_footage, needs_recordings=True),
    Check("scene changes", ("video.scene_change",), content_checks.scene_changes, needs_recordings=True),
    Check("recycled footage", ("video.duplicate_footage",), content_checks.duplicate_footage,
          needs_recordings=True),
]
