"""Checks of recording timelines (C6, C1): readable files, continuous timestamps, agreeing times, the
minimum specification, and coverage of every session by every camera it needs.

Plain functions of ``ArchiveData`` (the recordings the media stage placed, ``data.media.recordings``) and the
profile; sessions and the cameras that film them come from the schedule.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...archive import ArchiveData
from ...findings import Finding, NotRun, check
from ...profile import Profile
from ...schedule import Schedule
from .coverage import Span, internal_gaps, uncovered
from .placement import Recording, by_camera

FILE_RULES = ("video.unreadable", "video.internal_gap", "video.timestamp_mismatch", "video.below_spec",
              "video.time_unknown")
COVERAGE_RULES = ("video.missing", "video.coverage_gap")
OVERLAP_RULES = ("video.overlap",)
EVENT_RULES = ("time.event_unrecorded",)

# this many files of one camera, all off by the same amount, make one systematic mismatch
SYSTEMATIC_MIN_FILES = 3

SOURCE_ZH = {"manifest": "录像清单", "filename": "文件名", "creation_time": "容器创建时间标签",
             "filename end": "文件名结束时间", "start + media duration": "开始时间+媒体时长"}


def clock(t: datetime | None) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S") if t else "?"


def duration_text(seconds: float) -> str:
    h, m, s = _hms(seconds)
    return f"{h} h {m:02d} min {s:02d} s" if h else f"{m} min {s:02d} s" if m else f"{s} s"


def duration_zh(seconds: float) -> str:
    h, m, s = _hms(seconds)
    return f"{h}小时{m:02d}分{s:02d}秒" if h else f"{m}分{s:02d}秒" if m else f"{s}秒"


def _hms(seconds: float) -> tuple[int, int, int]:
    whole = round(abs(seconds))
    return whole // 3600, whole % 3600 // 60, whole % 60


def _durations(seconds: float, key: str = "duration") -> dict[str, object]:
    return {f"{key}_s": round(seconds, 3), key: duration_text(seconds), f"{key}_zh": duration_zh(seconds)}


def _plain(value: float) -> float | int:
    """3 rather than 3.0 in messages."""
    return int(value) if value.is_integer() else value


def _media(recording: Recording, start: datetime, end: datetime) -> dict[str, float]:
    """Media-time span of wall-clock [start, end] inside ``recording`` (seconds from its first packet)."""
    assert recording.start is not None
    return {"media_start_s": round((start - recording.start).total_seconds(), 3),
            "media_end_s": round((end - recording.start).total_seconds(), 3)}


# -- one file at a time ----------------------------------------------------------------------------------

@check("recording files", FILE_RULES, needs_recordings=True)
def recording_files(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """video.unreadable, video.internal_gap, video.timestamp_mismatch, video.below_spec, video.time_unknown."""
    gap_tol = float(profile.threshold("video_gap_tolerance_s"))
    time_tol = float(profile.threshold("video_timestamp_tolerance_s"))
    recordings = data.media.placed
    schedule = Schedule.of(data, profile)
    for r in recordings:
        if not r.probe.ok:
            yield _unreadable(schedule, profile, r)
            continue
        if r.start is None:
            yield profile.finding("video.time_unknown", file=r.file, camera=r.camera,
                                  evidence={**_why_unknown(r), **timing_warning(r), "media_start_s": 0.0,
                                            "media_end_s": r.probe.duration_s})
        yield from _internal_gaps(schedule, profile, r, gap_tol)
    yield from _mismatches(schedule, profile, [r for r in recordings if r.probe.ok], time_tol)
    yield from _below_spec(profile, recordings)


def timing_warning(r: Recording) -> dict[str, str]:
    """A raw stream's times come from its frame rate, not timestamps: every finding about it says so."""
    return {"timing": r.probe.timing, "timing_warning": r.probe.warning} if r.probe.warning else {}


def _why_unknown(r: Recording) -> dict[str, object]:
    """Why nothing places the file: above all a name that two recorder conventions read differently."""
    if r.ambiguous:
        readings = [{"convention": a.convention, "start": clock(a.start)} for a in r.ambiguous]
        told = "; ".join(f"{a['start']} by {a['convention']}" for a in readings)
        return {"why": f"no recordings.csv entry, no creation_time tag, and the file name is ambiguous: it reads as "
                       f"{told}, so neither is used",
                "why_zh": f"录像清单中无记录，容器中无创建时间标签，文件名有歧义：按不同录像机命名规则分别读作 {told}，"
                          "均不采用",
                "readings": readings}
    name = ("the file name is a recorder's file index, not a time" if r.convention else
            "no time in the file name or its folders")
    name_zh = "文件名是录像机的文件序号，不含时间" if r.convention else "文件名及其所在文件夹中无时间"
    return {"why": f"no recordings.csv entry, {name}, no creation_time tag",
            "why_zh": f"录像清单中无记录，{name_zh}，容器中无创建时间标签", "convention": r.convention}


def _unreadable(schedule: Schedule, profile: Profile, r: Recording) -> Finding:
    claimed_end = r.name_end or r.end
    return profile.finding(
        "video.unreadable", file=r.file, camera=r.camera,
        session_id=r.session_id or schedule.session_at(r.camera, r.start, claimed_end),
        start=r.start, end=claimed_end,
        # no media span: there is no playable moment to show, so the report cuts no snapshot of it
        evidence={"error": r.probe.error or "unreadable"})


def _internal_gaps(schedule: Schedule, profile: Profile, r: Recording, tolerance_s: float) -> Iterator[Finding]:
    kinds_zh = {"jump": "时间戳向前跳跃", "repeat": "时间戳重复", "backwards": "时间戳倒退"}
    for d in internal_gaps(r, tolerance_s):
        start, end = r.wall(d.at_s), r.wall(d.resume_s)
        lo, hi = (start, end) if d.kind == "jump" or start is None or end is None else (end, start)
        yield profile.finding(
            "video.internal_gap", file=r.file, camera=r.camera,
            session_id=r.session_id or schedule.session_at(r.camera, lo, hi), start=lo, end=hi,
            evidence={"kind": d.kind, "kind_zh": kinds_zh[d.kind], "media_start_s": d.at_s,
                      "media_end_s": d.resume_s, "from": clock(lo), "to": clock(hi), **_durations(d.delta_s, "skipped"),
                      "tolerance_s": tolerance_s})


@dataclass(frozen=True)
class _Disagreement:
    recording: Recording
    source_a: str
    value_a: datetime
    source_b: str
    value_b: datetime

    @property
    def seconds(self) -> float:
        return (self.value_b - self.value_a).total_seconds()


def _disagreements(r: Recording, tolerance_s: float) -> list[_Disagreement]:
    """Every source that disagrees with the one the placement used, and a name end that disagrees with
    the named start plus the media duration."""
    out: list[_Disagreement] = []
    if r.start_source and r.start:
        out += [_Disagreement(r, r.start_source, r.start, source, value) for source, value in r.claims.items()
                if source != r.start_source]
    named_start = r.claims.get("filename")
    if r.name_end and named_start and r.probe.duration_s is not None:
        out.append(_Disagreement(r, "filename end", r.name_end, "start + media duration",
                                 named_start + timedelta(seconds=r.probe.duration_s)))
    return [d for d in out if abs(d.seconds) > tolerance_s]


def _mismatches(schedule: Schedule, profile: Profile, recordings: list[Recording],
                tolerance_s: float) -> Iterator[Finding]:
    """video.timestamp_mismatch per file; but when every file of a camera is off by the same amount
    between the same two sources (a recorder that writes local time as UTC, tags stamped at export),
    that is one systematic finding for the camera, not one per file."""
    groups: dict[tuple[str | None, str, str], list[_Disagreement]] = {}
    for r in recordings:
        for d in _disagreements(r, tolerance_s):
            groups.setdefault((r.camera, d.source_a, d.source_b), []).append(d)
    for (camera, source_a, source_b), found in groups.items():
        same_camera = [r for r in recordings if r.camera == camera and r.probe.ok]
        offsets = sorted(d.seconds for d in found)
        systematic = (camera is not None and len(found) >= SYSTEMATIC_MIN_FILES and len(found) == len(same_camera)
                      and offsets[-1] - offsets[0] <= tolerance_s)
        for d in found[:1] if systematic else found:
            r = d.recording
            yield profile.finding(
                "video.timestamp_mismatch", variant="systematic" if systematic else None, file=r.file,
                camera=r.camera, session_id=None if systematic else r.session_id or schedule.session_at(
                    r.camera, r.start, r.end), start=r.start, end=r.end,
                evidence={"source_a": source_a, "source_a_zh": SOURCE_ZH[source_a], "value_a": clock(d.value_a),
                          "source_b": source_b, "source_b_zh": SOURCE_ZH[source_b], "value_b": clock(d.value_b),
                          **_durations(d.seconds, "difference"), "tolerance_s": tolerance_s,
                          "used": r.start_source, "systematic": systematic, "files": len(found),
                          "scope": f"; all {len(found)} files of this camera are off by the same amount"
                          if systematic else "",
                          "scope_zh": f"；该摄像头全部 {len(found)} 个文件偏差相同" if systematic else "",
                          **timing_warning(r), "media_start_s": 0.0, "media_end_s": r.probe.duration_s})


def _below_spec(profile: Profile, recordings: list[Recording]) -> Iterator[Finding]:
    """One finding per camera (a camera is what is below specification), naming its first such file."""
    min_height = float(profile.threshold("video_min_height"))
    min_fps = float(profile.threshold("video_min_fps"))
    for camera, group in sorted(by_camera(r for r in recordings if r.probe.ok).items(),
                                key=lambda kv: kv[0] or ""):
        keys = [camera] if camera is not None else [r.file for r in group]
        for key in keys:
            files = group if camera is not None else [r for r in group if r.file == key]
            low = [r for r in files if (r.probe.height or 0) < min_height
                   or (r.probe.mean_fps or 0) < min_fps * 0.99]  # 1 % for timestamp rounding
            if not low:
                continue
            first = low[0]
            yield profile.finding(
                "video.below_spec", file=first.file, camera=camera, start=first.start, end=first.end,
                evidence={"camera_label": camera or "unknown camera", "camera_label_zh": camera or "未知摄像头",
                          "width": first.probe.width, "height": first.probe.height,
                          "fps": round(first.probe.mean_fps or 0, 2), "min_height": _plain(min_height),
                          "min_fps": _plain(min_fps), "files_below": len(low), "files": len(files),
                          **timing_warning(first),
                          "media_start_s": 0.0, "media_end_s": first.probe.duration_s})


# -- sessions and cameras --------------------------------------------------------------------------------

@check("session recording coverage", COVERAGE_RULES, needs_any=("sessions", "plan"), needs_recordings=True)
def session_coverage(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """video.missing and video.coverage_gap for every audited session and camera it needs."""
    tol = float(profile.threshold("video_gap_tolerance_s"))
    recordings = data.media.placed
    schedule = Schedule.of(data, profile)
    spans = schedule.spans
    for session in schedule.sessions:
        window = session.window
        assert window is not None
        cameras, configured = schedule.cameras_for(session)
        if not cameras:
            yield _missing(profile, session.session_id, session.room, None, window, recordings, configured)
            continue
        for camera in cameras:
            own = spans.get(camera, [])
            if not any(s.start < window[1] and s.end > window[0] for s in own):
                yield _missing(profile, session.session_id, session.room, camera, window,
                               [r for r in recordings if r.camera == camera], configured)
                continue
            for start, end, before, after in uncovered(window, own, tol):
                yield _gap(profile, session.session_id, camera, start, end, before, after,
                           [r for r in recordings if r.camera == camera])


def _claimed(recordings: Iterable[Recording], start: datetime, end: datetime) -> list[str]:
    """Files that claim part of [start, end] by their name or tag but cannot be used."""
    out = []
    for r in recordings:
        claimed_end = r.name_end or r.end
        if not r.usable and r.start and claimed_end and r.start < end and claimed_end > start:
            out.append(r.file)
    return out


def _missing(profile: Profile, session_id: str, room: str | None, camera: str | None,
             window: tuple[datetime, datetime], recordings: list[Recording], configured: bool) -> Finding:
    unusable = _claimed(recordings, *window)
    return profile.finding(
        "video.missing", session_id=session_id, camera=camera, start=window[0], end=window[1],
        evidence={"room": room or "", "camera_label": camera or "any camera", "camera_label_zh": camera or "任何摄像头",
                  "cameras_from": "centre.toml" if configured else "time", "unusable_files": unusable,
                  "window_start": clock(window[0]), "window_end": clock(window[1])})


def _gap(profile: Profile, session_id: str, camera: str, start: datetime, end: datetime,
         before: Span | None, after: Span | None, recordings: list[Recording]) -> Finding:
    anchor = before or after
    assert anchor is not None
    media = _media(anchor.recording, start, start) if before else _media(anchor.recording, end, end)
    seconds = (end - start).total_seconds()
    return profile.finding(
        "video.coverage_gap", session_id=session_id, camera=camera, file=anchor.recording.file,
        start=start, end=end,
        evidence={"gap_start": clock(start), "gap_end": clock(end), **_durations(seconds),
                  "file_before": before.recording.file if before else None,
                  "file_after": after.recording.file if after else None,
                  "unusable_files": _claimed(recordings, start, end), **media})


@check("recording overlaps", OVERLAP_RULES, needs_recordings=True)
def overlaps(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """video.overlap: two files of one camera claiming the same wall-clock time beyond the tolerance."""
    tol = float(profile.threshold("video_gap_tolerance_s"))
    schedule = Schedule.of(data, profile)
    for camera, group in sorted(by_camera(data.media.placed).items(), key=lambda kv: kv[0] or ""):
        if camera is None:
            continue  # files of unknown cameras may be different cameras: never compared
        latest: Recording | None = None
        for r in group:
            if not r.usable or r.start is None or r.end is None:
                continue
            if latest is not None and latest.end is not None:
                end = min(latest.end, r.end)
                seconds = (end - r.start).total_seconds()
                if seconds > tol:
                    yield profile.finding(
                        "video.overlap", file=r.file, camera=camera,
                        session_id=schedule.session_at(camera, r.start, end), start=r.start, end=end,
                        evidence={"other_file": latest.file, "from": clock(r.start), "to": clock(end),
                                  **_durations(seconds), **_media(r, r.start, end),
                                  "other_media_start_s": round((r.start - latest.start).total_seconds(), 3)
                                  if latest.start else None})
            if latest is None or (latest.end is not None and r.end > latest.end):
                latest = r


def _merged(spans: list[Span]) -> tuple[list[datetime], list[datetime]]:
    """Start and end times of the union of ``spans``, in order (for bisection)."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    for span in sorted(spans, key=lambda s: s.start):
        if ends and span.start <= ends[-1]:
            ends[-1] = max(ends[-1], span.end)
        else:
            starts.append(span.start)
            ends.append(span.end)
    return starts, ends


@check("log events on video", EVENT_RULES, needs=("events",), needs_any=("sessions", "plan"), needs_recordings=True)
def unrecorded_events(data: ArchiveData, profile: Profile) -> Iterator[Finding | NotRun]:
    """time.event_unrecorded: log events inside their session's window when no camera of the session's room
    has footage. The events of one stretch without footage (a coverage gap, a missing or unreadable file)
    are one finding spanning that stretch, listing them: one missing hour is one problem, not one per event.
    Sessions with no recording at all are reported once, as video.missing, not per event."""
    schedule = Schedule.of(data, profile)
    spans = schedule.spans
    sessions = {s.session_id: s for s in schedule.sessions}
    table = data.table("events")
    file = table.file if table else "events.csv"
    footage: dict[str, tuple[list[str], list[datetime], list[datetime]]] = {}  # per session, worked out once
    stretches: dict[tuple[str, int], list] = {}  # (session, index of the footage before it) -> its events
    for r in data.records("events"):
        session = sessions.get(r["session_id"] or "")
        when = r["time"]
        if session is None or when is None or session.window is None:
            continue
        if not (session.window[0] <= when <= session.window[1]):
            continue  # events outside the session are time.event_outside_session's concern
        if session.session_id not in footage:
            cameras, _ = schedule.cameras_for(session)
            starts, ends = _merged([s for c in cameras for s in spans.get(c, [])
                                    if s.start < session.window[1] and s.end > session.window[0]])
            footage[session.session_id] = (cameras, starts, ends)
        cameras, starts, ends = footage[session.session_id]
        if not starts:
            continue  # no footage of the session at all: reported once, as video.missing
        i = bisect_right(starts, when) - 1
        if i >= 0 and when <= ends[i]:
            continue
        stretches.setdefault((session.session_id, i), []).append(r)
    for (sid, i), events in stretches.items():
        session = sessions[sid]
        assert session.window is not None
        cameras, starts, ends = footage[sid]
        lo = max(ends[i], session.window[0]) if i >= 0 else session.window[0]
        hi = min(starts[i + 1], session.window[1]) if i + 1 < len(starts) else session.window[1]
        yield _unrecorded(profile, session.room or "", cameras, file, sid, lo, hi, events)


def _unrecorded(profile: Profile, room: str, cameras: list[str], file: str, session_id: str, lo: datetime,
                hi: datetime, events: list) -> Finding:
    events = sorted(events, key=lambda r: (r["time"], r.line))
    first = events[0]
    people = {r["id_number"] for r in events if r["id_number"]}
    listed = [{"time": clock(r["time"]), "event": r["event"], "id_number": r["id_number"] or None, "row": r.line}
              for r in events]
    lines = ", ".join(str(r.line) for r in events)
    return profile.finding(
        "time.event_unrecorded", session_id=session_id, id_number=people.pop() if len(people) == 1 else None,
        table="events", file=file, row=first.line, start=lo, end=hi,
        evidence={"event": first["event"], "time": clock(first["time"]), "room": room, "cameras": ", ".join(cameras),
                  "gap_start": clock(lo), "gap_end": clock(hi), **_durations((hi - lo).total_seconds()),
                  "count": len(events), "folded": len(events) - 1, "events": listed, "lines": lines,
                  "events_desc": ", ".join(f"{r['event']} {clock(r['time'])[11:]}" for r in events),
                  "rows": [{"table": "events", "row": r.line} for r in events]})
