"""Checks of recordings' content (C6): black, frozen, moved camera, recycled footage.

Plain functions of the loaded archive: they read what the media stage measured in each recording
(``data.media.analysis``) and the recycled footage it confirmed frame by frame (``data.media.copies``).

An event becomes a finding only while an exam could be filmed: when the archive says which sessions were
held in the camera's room, events outside every session window are left alone (an NVR records all night,
and a dark room at night is not a covered lens). Without session tables every event is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...archive import ArchiveData
from ...findings import Finding, NotRun, check
from ...profile import Profile
from ...results import FileAnalysis
from ...schedule import Schedule
from ..timeline.placement import Recording

CONTENT_RULES = ("video.black", "video.frozen", "video.scene_change", "video.duplicate_footage")


def analysed(data: ArchiveData) -> Iterator[tuple[Recording, FileAnalysis]]:
    """Each placed recording with its analysis, in the order placed."""
    for rec in data.media.placed:
        if rec.file in data.media.analysis:
            yield rec, data.media.analysis[rec.file]


def not_analysed(data: ArchiveData, rule: str) -> Iterator[NotRun]:
    """A file the sampling pass could not read at all: the rule did not run on it, and says why."""
    for rec, analysis in analysed(data):
        if analysis.undecodable:
            yield NotRun(rule, f"{rec.file}: no frame could be decoded ({analysis.undecodable})")


def locate(schedule: Schedule, rec: Recording, start_s: float, end_s: float) -> tuple[bool, dict[str, Any]]:
    """(reportable, finding fields) for the media span [start_s, end_s] of ``rec``."""
    start, end = rec.wall(start_s), rec.wall(end_s)
    reportable, session = schedule.belongs_to(rec.camera, start, end)
    return reportable, {"file": rec.file, "camera": rec.camera, "start": start, "end": end,
                        "session_id": session.session_id if session else None}


def _media_span(event: dict[str, Any], analysis: FileAnalysis) -> dict[str, Any]:
    sampling = analysis.sampling
    return {"media_start_s": event["start_s"], "media_end_s": event["end_s"],
            "duration_s": round(event["end_s"] - event["start_s"], 3),
            "sampling": sampling.get("mode"), "sample_step_s": sampling.get("step_s")}


def _event_findings(data: ArchiveData, profile: Profile, rule: str, analyser: str,
                    extra: Any = None) -> Iterator[Finding | NotRun]:
    yield from not_analysed(data, rule)
    schedule = Schedule.of(data, profile)
    for rec, analysis in analysed(data):
        result = getattr(analysis, analyser)
        if not result:
            continue
        for event in result.get("events", []):
            reportable, fields = locate(schedule, rec, event["start_s"], event["end_s"])
            if not reportable:
                continue
            evidence = {**_media_span(event, analysis), **(extra(event, result) if extra else {})}
            yield profile.finding(rule, evidence=evidence, **fields)


@check("black footage", ("video.black",), needs_recordings=True)
def black_footage(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    yield from _event_findings(data, profile, "video.black", "black",
                               lambda e, _r: {"dark_ratio": e["dark_ratio"]})


@check("frozen footage", ("video.frozen",), needs_recordings=True)
def frozen_footage(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    yield from _event_findings(data, profile, "video.frozen", "frozen",
                               lambda e, r: {"max_change": e["max_change"], "noise_floor": r["noise_floor"],
                                             "still_below": r["still_below"]})


@check("scene changes", ("video.scene_change",), needs_recordings=True)
def scene_changes(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    yield from _event_findings(data, profile, "video.scene_change", "scene_change",
                               lambda e, _r: {"changed_ratio": e["changed_ratio"],
                                              "changed_pct": round(100 * e["changed_ratio"]),
                                              "tiles_compared": e["tiles_compared"],
                                              "shift_x": e["shift_x"], "shift_y": e["shift_y"],
                                              "shift_pct": round(100 * max(abs(e["shift_x"]),
                                                                           abs(e["shift_y"])))})


@check("recycled footage", ("video.duplicate_footage",), needs_recordings=True)
def duplicate_footage(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """The same footage in two recordings of this archive, or in one of them and a file an earlier audit
    fingerprinted (another archive, or an earlier version of this one), as the media stage confirmed it
    frame by frame. The finding is on the later copy."""
    rule = "video.duplicate_footage"
    yield from not_analysed(data, rule)
    for reason in data.media.copies_not_run:
        yield NotRun(rule, reason)
    schedule = Schedule.of(data, profile)
    for copy in data.media.copies:
        found = copy.match
        reportable, fields = locate(schedule, copy.later, found.b_start_s, found.b_end_s)
        if reportable:
            span = {"start_s": found.b_start_s, "end_s": found.b_end_s}
            evidence = {**_media_span(span, data.media.analysis[copy.later.file]), **copy.evidence}
            yield profile.finding(rule, evidence=evidence, **fields)
