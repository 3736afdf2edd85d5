"""Each session's timeline as inline SVG: planned and actual windows, each camera's recorded spans and gaps,
invigilator presence, and the session's findings as marks.

Drawn from the audit's stored timeline (timeline.py) and its findings, so a past audit redraws from the
database alone. Nothing is computed here: the cameras, their footage and their gaps are what the schedule and
the coverage check worked out during the audit, so the drawing shows the gaps the findings report, no more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from ..findings import SEVERITIES, Finding
from .labels import SEVERITY

WIDTH = 960
LABEL_W = 170
ROW_H = 22
AXIS_H = 26
COLOURS = {"critical": "#7b0000", "high": "#d62728", "medium": "#ff7f0e", "low": "#bcbd22", "info": "#7f7f7f"}
WORDS = {
    "zh": {"planned": "计划时段", "actual": "实际时段", "camera": "摄像头", "recorded": "有录像", "gap": "无录像",
           "presence": "监考在场", "findings": "问题", "no_window": "本场次没有可用的起止时间，无法绘制时间线。"},
    "en": {"planned": "Planned", "actual": "Held", "camera": "Camera", "recorded": "recorded", "gap": "not recorded",
           "presence": "Invigilator present", "findings": "Findings",
           "no_window": "This session has no usable start and end: no timeline can be drawn."},
}


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _span(pair: Sequence[Any] | None) -> tuple[datetime, datetime] | None:
    if not pair or len(pair) < 2:
        return None
    a, b = _dt(pair[0]), _dt(pair[1])
    return (a, b) if a and b and b > a else None


@dataclass(frozen=True)
class _Scale:
    lo: datetime
    hi: datetime

    def x(self, t: datetime) -> float:
        frac = (t - self.lo) / (self.hi - self.lo)
        return LABEL_W + max(0.0, min(1.0, frac)) * (WIDTH - LABEL_W - 10)


def _hhmm(t: datetime) -> str:
    return t.strftime("%H:%M:%S")


def _bar(scale: _Scale, y: float, a: datetime, b: datetime, colour: str, tip: str, cls: str = "") -> str:
    x1, x2 = scale.x(a), scale.x(b)
    return (f'<rect class="{cls}" x="{x1:.1f}" y="{y + 4:.1f}" width="{max(1.0, x2 - x1):.1f}" height="{ROW_H - 8}" '
            f'fill="{colour}"><title>{escape(tip)} {_hhmm(a)}–{_hhmm(b)}</title></rect>')


def _label(y: float, text: str) -> str:
    return f'<text x="4" y="{y + ROW_H / 2 + 4:.1f}" class="tl-label">{escape(text[:26])}</text>'


def _ticks(scale: _Scale, height: float) -> list[str]:
    total = (scale.hi - scale.lo).total_seconds()
    step = next((s for s in (300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400) if total / s <= 10), 172800)
    first = scale.lo.replace(minute=0, second=0, microsecond=0)
    out, t = [], first
    while t <= scale.hi:
        if t >= scale.lo:
            x = scale.x(t)
            out.append(f'<line x1="{x:.1f}" y1="{AXIS_H - 6}" x2="{x:.1f}" y2="{height:.1f}" class="tl-tick"/>'
                       f'<text x="{x:.1f}" y="{AXIS_H - 10}" text-anchor="middle" class="tl-time">'
                       f'{t.strftime("%H:%M")}</text>')
        t += timedelta(seconds=step)
    return out


def session_svg(session: dict[str, Any], findings: list[tuple[int, Finding]], lang: str) -> str:
    """The SVG of one session; ``findings`` are (index in the audit, finding) of this session."""
    words = WORDS[lang]
    planned, actual = _span(session.get("planned")), _span(session.get("actual"))
    windows = [w for w in (planned, actual) if w]
    if not windows:
        return f'<p class="muted">{escape(words["no_window"])}</p>'
    window = (min(w[0] for w in windows), max(w[1] for w in windows))
    pad = max(timedelta(minutes=5), (window[1] - window[0]) * 0.05)
    scale = _Scale(window[0] - pad, window[1] + pad)


    parts: list[str] = []
    y = AXIS_H
    for key, span, colour in (("planned", planned, "#9ecae1"), ("actual", actual, "#3182bd")):
        parts.append(_label(y, words[key]))
        if span:
            parts.append(_bar(scale, y, *span, colour, words[key]))
        y += ROW_H
    for entry in session.get("cameras", []):
        camera = entry.get("camera") or "?"
        parts.append(_label(y, f"{words['camera']} {camera}"))
        for a, b, *file in entry.get("recorded", []):
            span = _span([a, b])
            if span:
                parts.append(_bar(scale, y, *span, "#31a354", f"{camera} {words['recorded']} {''.join(file)}"))
        for pair in entry.get("gaps", []):
            span = _span(pair)
            if span:
                parts.append(_bar(scale, y, *span, "#e6550d", f"{camera} {words['gap']}", "tl-gap"))
        y += ROW_H
    for entry in session.get("presence", []):
        detector = f" ({entry['detector']})" if entry.get("detector") else ""
        parts.append(_label(y, f"{words['presence']} {entry.get('camera')}"))
        for pair in entry.get("present", []):
            span = _span(pair)
            if span:
                parts.append(_bar(scale, y, *span, "#756bb1", f"{words['presence']}{detector}"))
        y += ROW_H
    parts.append(_label(y, words["findings"]))
    for index, f in findings:
        if not f.start:
            continue
        x = scale.x(f.start)
        if f.end and f.end > f.start:
            parts.append(f'<rect x="{x:.1f}" y="{y + 8}" width="{max(1.0, scale.x(f.end) - x):.1f}" height="6" '
                         f'fill="{COLOURS[f.severity]}" opacity="0.5"/>')
        parts.append(
            f'<a href="#findings" class="tl-mark" data-finding="{index}"><circle cx="{x:.1f}" cy="{y + ROW_H / 2}" '
            f'r="5" fill="{COLOURS.get(f.severity, "#000")}"/><title>{escape(f.rule)} · '
            f'{escape(SEVERITY[lang].get(f.severity, f.severity))} · {_hhmm(f.start)}</title></a>')
    y += ROW_H
    head = (f'<svg class="timeline" viewBox="0 0 {WIDTH} {y + 4:.0f}" width="100%" role="img">')
    return head + "".join(_ticks(scale, y) + parts) + "</svg>"


def legend(lang: str) -> str:
    words = WORDS[lang]
    entries = [("#9ecae1", words["planned"]), ("#3182bd", words["actual"]), ("#31a354", words["recorded"]),
               ("#e6550d", words["gap"]), ("#756bb1", words["presence"])]
    entries += [(COLOURS[s], SEVERITY[lang][s]) for s in SEVERITIES]
    return " ".join(f'<span class="key"><i style="background:{c}"></i>{escape(t)}</span>' for c, t in entries)
