"""The registry: every check the audit runs, in order. Each check declares, beside its code (``@check``), the
rule ids it yields and the inputs it needs; the audit does not call a check whose inputs are missing, and lists
its rules as not run with the reason, so no check opens with its own "inputs missing" test.

A check is a plain function ``(ArchiveData, Profile) -> Iterable[Finding | NotRun]``: it never prints, never
touches the database and reads no file (the media stage did every decoding it needs).
"""

from __future__ import annotations

from .findings import Check
from .records import concurrency, planning, practical, roster, scores, staffing, timing, validation
from .records.stats import copying, pass_rates
from .video.content import checks as content
from .video.presence import checks as presence
from .video.timeline import checks as timeline

# Rules the audit itself decides: a table a check needs is missing (run_checks), and a file changed since an
# earlier audit of the same folder (the audit, against the store).
AUDIT_RULES: tuple[str, ...] = ("data.missing_table", "data.file_changed")

CHECKS: list[Check] = [fn.check for fn in (
    validation.table_reading,
    validation.duplicate_rows,
    validation.identity_conflicts,
    validation.age_eligibility,
    validation.subject_shares,
    presence.invigilator_absence,
    presence.headcount,
    presence.practical_activity,
    planning.held_against_plan,
    planning.over_capacity,
    planning.unknown_sessions,
    roster.result_without_registration,
    roster.attendance,
    concurrency.concurrent_sessions,
    scores.pass_flags,
    scores.practical_scores,
    scores.practical_without_theory,
    scores.attempts,
    timing.event_outside_session,
    timing.event_order,
    timing.sitting_durations,
    practical.oral_only,
    staffing.staffing,
    staffing.qualifications,
    staffing.double_booked,
    staffing.trainer_conflict,
    copying.answer_similarity,  # statistical indications of collusion: evidence for inspection, never proof
    pass_rates.pass_rate_outlier,
    timeline.recording_files,
    timeline.session_coverage,
    timeline.overlaps,
    timeline.unrecorded_events,
    content.black_footage,
    content.frozen_footage,
    content.scene_changes,
    content.duplicate_footage,
)]
