"""report.html: one self-contained file an inspector can open from a USB stick, with no network.

Everything is inline: styles, script, the timelines as SVG and the snapshots as data: URIs (beside the report in
snapshots/ as well). A Content-Security-Policy forbids every network request, so a mistake that would make the
page fetch something fails visibly instead of leaking. Findings are embedded as JSON and drawn a page at a time,
so a report with thousands of findings stays small and quick to filter.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import datetime
from html import escape
from pathlib import Path, PurePosixPath
from typing import Any

from ..findings import ITEMS, SEVERITIES, Finding
from ..results import ArchiveAudit
from .labels import SEVERITY, item_title, message, rule_title
from .media import FindingMedia, cut_media, media_span
from .timeline_svg import legend, session_svg

# Snapshots are embedded while the whole page stays under this many bytes; past it the report links to the
# snapshots/ beside it, so even an audit with thousands of video findings gives a report under 10 MB.
IMAGE_BUDGET = 8_000_000
CSP = ("default-src 'none'; img-src data: 'self'; media-src 'self'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; form-action 'none'; base-uri 'none'")
PAGE_SIZE = 100

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "安全生产考试点档案审计报告", "centre": "考试点", "archive": "档案位置", "audit": "审计编号",
        "audited_at": "审计时间", "period": "考试期间", "tool": "工具版本", "profile": "标准配置",
        "summary": "按检查项目汇总", "item": "检查项目", "total": "合计",
        "clean": "未发现问题：已运行的各项规则均未发现问题。",
        "not_run_note": "有 {n} 条规则未运行或部分运行，原因见本报告末尾，不能视为“通过”。",
        "error": "本档案无法审计：", "sessions": "各考试场次时间线", "session": "场次", "room": "考场",
        "exam_type": "类型", "findings": "问题清单", "rule": "规则", "severity": "严重程度",
        "all": "全部", "search": "搜索", "message": "问题描述", "time": "时间", "subject": "涉及",
        "shown": "显示第 {a}–{b} 条，共 {n} 条（总计 {t} 条）", "prev": "上一页", "next": "下一页",
        "rows": "所依据的数据行", "line": "第 {row} 行", "column": "列",
        "media": "录像时间（秒，自文件首帧起）", "snapshots": "截图", "clip": "视频片段",
        "copied": "（原始数据，未重新编码）",
        "reencoded": "（已重新编码）", "problem": "未能截取", "other_lang": "English",
        "checks": "未运行的规则", "reason": "原因", "noscript": "请启用 JavaScript 以查看和筛选问题清单；"
        "全部问题也见 findings.csv。", "no_findings_here": "没有符合条件的问题。",
        "no_sessions": "档案中没有考试场次记录。", "open": "打开", "tz": "时间均为考试点当地时间",
        "start": "开始", "middle": "中间", "end": "结束", "reset": "清除筛选", "count": "问题 {n} 条",
    },
    "en": {
        "title": "Exam centre archive audit report", "centre": "Centre", "archive": "Archive", "audit": "Audit",
        "audited_at": "Audited at", "period": "Exam period", "tool": "Tool", "profile": "Profile",
        "summary": "Summary by checklist item", "item": "Item", "total": "Total",
        "clean": "No findings: every rule that ran found nothing wrong.",
        "not_run_note": "{n} rule(s) were not run or run only in part (reasons at the end of this report); "
        "they are not \"passed\".",
        "error": "This archive could not be audited: ", "sessions": "Session timelines", "session": "Session",
        "room": "Room", "exam_type": "Type", "findings": "Findings", "rule": "Rule", "severity": "Severity",
        "all": "all", "search": "Search", "message": "Message", "time": "Time", "subject": "Subject",
        "shown": "Showing {a}–{b} of {n} (of {t} in all)", "prev": "Previous", "next": "Next",
        "rows": "Rows it rests on", "line": "line {row}", "column": "column",
        "media": "Media time (s from the file's first frame)", "snapshots": "Snapshots", "clip": "Clip",
        "copied": "(original data, not re-encoded)", "reencoded": "(re-encoded)", "problem": "Could not cut",
        "other_lang": "中文", "checks": "Rules not run", "reason": "Reason",
        "noscript": "Enable JavaScript to see and filter the findings; all of them are also in findings.csv.",
        "no_findings_here": "No finding matches.", "no_sessions": "The archive records no sessions.",
        "open": "open", "tz": "Times are the centre's local time", "start": "start", "middle": "middle",
        "end": "end", "reset": "Clear filters", "count": "{n} finding(s)",
    },
}

STYLE = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","Segoe UI",sans-serif;margin:0 auto;
max-width:1200px;padding:12px 20px;color:#222;font-size:14px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:24px 0 8px;border-bottom:2px solid #3182bd}
h3{font-size:15px;margin:16px 0 4px}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}th{background:#eef3f8}
td.n{text-align:right}.meta td:first-child{width:140px;color:#555}.muted{color:#777}
.clean{font-size:18px;color:#1a7f37;font-weight:bold}.error{color:#b00;font-weight:bold}
.sev{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
.sev-critical{background:#7b0000}.sev-high{background:#d62728}.sev-medium{background:#ff7f0e}
.sev-low{background:#bcbd22}.sev-info{background:#7f7f7f}
.filters select,.filters input{margin:2px 8px 2px 2px;font-size:13px}
#ftable tr.f{cursor:pointer}#ftable tr.f:hover{background:#f5f9ff}tr.detail td{background:#fafafa}
.snap{display:inline-block;margin:4px 8px 4px 0;text-align:center;font-size:12px}.snap img{display:block;
width:240px;border:1px solid #999}.kv td:first-child{width:180px;color:#555}.pager button{margin:0 4px}
svg.timeline{background:#fff;border:1px solid #ddd;margin:4px 0}.tl-label{font-size:11px;fill:#333}
.tl-time{font-size:10px;fill:#666}.tl-tick{stroke:#eee}.tl-mark{cursor:pointer}
.key{margin-right:10px;font-size:12px}.key i{display:inline-block;width:12px;height:10px;margin-right:3px}
"""

SCRIPT = r"""
(function(){
var D=JSON.parse(document.getElementById('report-data').textContent),W=D.words,F=D.findings,page=0,only=null;
function $(id){return document.getElementById(id)}
function esc(s){return String(s==null?'':s).replace(/[&<>"']/g,function(c){
 return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]})}
function fill(id,values,label){var s=$(id);values.forEach(function(v){var o=document.createElement('option');
 o.value=v[0];o.textContent=v[1];s.appendChild(o)});s.onchange=function(){page=0;only=null;draw()}}
fill('f-item',D.options.item);fill('f-severity',D.options.severity);fill('f-session',D.options.session);
fill('f-rule',D.options.rule);
$('f-text').oninput=function(){page=0;only=null;draw()};
var KEYS={item:'f-item',severity:'f-severity',session:'f-session',rule:'f-rule',q:'f-text'};
// the filters live in the address (#severity=high&session=…): a filtered view can be bookmarked or sent
location.hash.replace(/^#/,'').split('&').forEach(function(kv){var p=kv.split('='),k=decodeURIComponent(p[0]),
 v=decodeURIComponent(p.slice(1).join('=')||'');if(KEYS[k])$(KEYS[k]).value=v;if(k==='finding')only=(+v)-1});
function remember(){var h=[];for(var k in KEYS){var v=$(KEYS[k]).value;if(v)h.push(k+'='+encodeURIComponent(v))}
 if(only!==null)h.push('finding='+(only+1));try{history.replaceState(null,'','#'+h.join('&'))}catch(e){}}
$('f-reset').onclick=function(){['f-item','f-severity','f-session','f-rule'].forEach(function(i){$(i).value=''});
 $('f-text').value='';only=null;page=0;draw()};
function chosen(){var it=$('f-item').value,sv=$('f-severity').value,se=$('f-session').value,ru=$('f-rule').value,
 tx=$('f-text').value.toLowerCase();return F.filter(function(f){if(only!==null)return f.i===only;
 return (!it||f.item===it)&&(!sv||f.severity===sv)&&(!se||f.session===se)&&(!ru||f.rule===ru)&&
 (!tx||f.search.indexOf(tx)>=0)})}
function detail(f){var h='<table class="kv">';
 if(f.rows.length)h+='<tr><td>'+esc(W.rows)+'</td><td>'+f.rows.map(esc).join('<br>')+'</td></tr>';
 if(f.time)h+='<tr><td>'+esc(W.time)+'</td><td>'+esc(f.time)+'</td></tr>';
 if(f.media)h+='<tr><td>'+esc(W.media)+'</td><td>'+esc(f.media)+'</td></tr>';
 f.evidence.forEach(function(kv){h+='<tr><td>'+esc(kv[0])+'</td><td>'+esc(kv[1])+'</td></tr>'});
 h+='<tr><td>'+esc(W.other_lang)+'</td><td>'+esc(f.other)+'</td></tr>';
 if(f.snaps.length){h+='<tr><td>'+esc(W.snapshots)+'</td><td>';f.snaps.forEach(function(s){
  var src=D.images[s.path]||s.path;h+='<a class="snap" href="'+esc(s.path)+'"><img alt="'+esc(s.label)+'" src="'
  +esc(src)+'">'+esc(s.label)+' '+esc(s.media_s)+' s</a>'});h+='</td></tr>'}
 if(f.clip)h+='<tr><td>'+esc(W.clip)+'</td><td><a href="'+esc(f.clip.path)+'">'+esc(f.clip.path)+'</a> '
  +esc(f.clip.note)+'</td></tr>';
 if(f.problem)h+='<tr><td>'+esc(W.problem)+'</td><td>'+esc(f.problem)+'</td></tr>';
 return h+'</table>'}
function draw(){remember();var rows=chosen(),n=rows.length,pages=Math.max(1,Math.ceil(n/D.page)),h='';
 if(page>=pages)page=pages-1;var a=page*D.page,b=Math.min(n,a+D.page);
 rows.slice(a,b).forEach(function(f){h+='<tr class="f" data-i="'+f.i+'"><td class="n">'+(f.i+1)+'</td><td>'
  +esc(f.item)+'</td><td><span class="sev sev-'+f.severity+'">'+esc(f.sev)+'</span></td><td>'+esc(f.title)
  +'<br><small class="muted">'+esc(f.rule)+'</small></td><td>'+esc(f.session)+'</td><td>'+esc(f.subject)
  +'</td><td>'+esc(f.time)+'</td><td>'+esc(f.msg)+'</td></tr>'});
 if(!n)h='<tr><td colspan="8">'+esc(W.no_findings_here)+'</td></tr>';
 $('ftbody').innerHTML=h;$('f-count').textContent=W.shown.replace('{a}',n?a+1:0).replace('{b}',b)
  .replace('{n}',n).replace('{t}',F.length);$('f-prev').disabled=page<=0;$('f-next').disabled=page>=pages-1;
 if((only!==null||n===1)&&n)toggle($('ftbody').firstChild)}
function toggle(tr){var next=tr.nextSibling;if(next&&next.className==='detail'){next.remove();return}
 var f=F[+tr.getAttribute('data-i')],d=document.createElement('tr');d.className='detail';
 d.innerHTML='<td></td><td colspan="7">'+detail(f)+'</td>';tr.after(d)}
$('ftbody').onclick=function(e){var tr=e.target.closest('tr.f');if(tr&&!e.target.closest('a'))toggle(tr)};
$('f-prev').onclick=function(){page--;draw()};$('f-next').onclick=function(){page++;draw()};
document.querySelectorAll('.tl-mark').forEach(function(m){m.addEventListener('click',function(){
 only=+m.getAttribute('data-finding');page=0;draw()})});
draw();})();
"""


def _local(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _time_text(f: Finding) -> str:
    if f.start and f.end and f.end != f.start:
        end = f.end.strftime("%H:%M:%S") if f.end.date() == f.start.date() else _local(f.end)
        return f"{_local(f.start)} – {end}"
    return _local(f.start)


def _rows_text(f: Finding, words: dict[str, str], table_files: dict[str, str]) -> list[str]:
    """The rows a finding rests on: its own table/row/column, then evidence["rows"], each named by the file a
    person opens (results.xlsx, not "results") and the line number shown there."""
    out = []
    primary = {"table": f.table, "file": f.file if f.row else None, "row": f.row, "column": f.column}
    extra = f.evidence.get("rows") if isinstance(f.evidence.get("rows"), list) else []
    for entry in [primary, *extra]:
        if not isinstance(entry, dict) or not (entry.get("table") or entry.get("file")):
            continue
        text = str(entry.get("file") or table_files.get(entry["table"], entry["table"]))
        if entry.get("row"):
            text += " " + words["line"].format(row=entry["row"])
        if entry.get("column"):
            text += f", {words['column']} {entry['column']}"
        out.append(text)
    return out


def _value_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# shown in their own lines, or already inside the message
SHOWN_ELSEWHERE = {"rows", "media_start_s", "media_end_s", "detail", "detail_zh"}


def _finding_data(index: int, f: Finding, media: FindingMedia | None, lang: str, words: dict[str, str],
                  table_files: dict[str, str]) -> dict[str, Any]:
    other = "en" if lang == "zh" else "zh"
    subject = " · ".join(str(x) for x in (f.camera, f.id_number, f.staff_id, f.file) if x)
    span = media_span(f)
    data = {
        "i": index, "rule": f.rule, "item": f.item, "severity": f.severity, "sev": SEVERITY[lang][f.severity],
        "title": rule_title(f.rule, lang), "session": f.session_id or "", "subject": subject,
        "time": _time_text(f), "msg": message(f.message, f.message_zh, lang),
        "other": message(f.message, f.message_zh, other),
        "rows": _rows_text(f, words, table_files),
        "media": f"{span[0]:.1f} – {span[1]:.1f} s" if span else "",
        "evidence": [[k, _value_text(v)] for k, v in f.evidence.items() if k not in SHOWN_ELSEWHERE],
        "snaps": [], "clip": None, "problem": None,
    }
    if media:
        data["snaps"] = [{**s, "label": words[s["at"]]} for s in media.snapshots]
        if media.clip:
            data["clip"] = {"path": media.clip["path"],
                            "note": words["copied"] if media.clip["copied"] else words["reencoded"]}
        data["problem"] = media.problem
    data["search"] = " ".join(str(x) for x in (f.rule, data["title"], data["msg"], subject, f.session_id or "",
                                                f.table or "", f.column or "")).lower()
    return data


def _images(media: dict[int, FindingMedia], out_dir: Path, budget: int) -> dict[str, str]:
    images: dict[str, str] = {}
    used = 0
    for entry in media.values():
        for snap in entry.snapshots:
            path = snap["path"]
            if path in images:
                continue
            raw = (out_dir / path).read_bytes()
            used += len(raw) * 4 // 3
            if used > budget:
                return images
            images[path] = "data:image/jpeg;base64," + base64.b64encode(raw).decode("ascii")
    return images


def _script_json(value: Any) -> str:
    """JSON safe inside <script>: no "</script>" or "<!--" can end the element early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _period(audit: ArchiveAudit) -> str:
    days = sorted(w[i][:10] for s in audit.timeline.get("sessions", [])
                  for w in (s.get("planned"), s.get("actual")) if w for i in (0, 1))
    return f"{days[0]} – {days[-1]}" if days else ""


def _summary(audit: ArchiveAudit, lang: str, words: dict[str, str]) -> str:
    counts = Counter((f.item, f.severity) for f in audit.findings)
    head = "".join(f"<th>{escape(SEVERITY[lang][s])}</th>" for s in SEVERITIES)
    rows = []
    for item in ITEMS:
        cells = "".join(f'<td class="n">{counts[item, s] or ""}</td>' for s in SEVERITIES)
        total = sum(counts[item, s] for s in SEVERITIES)
        rows.append(f"<tr><td>{item}</td><td>{escape(item_title(item, lang))}</td>{cells}"
                    f'<td class="n"><b>{total}</b></td></tr>')
    return (f'<table id="summary"><tr><th>{words["item"]}</th><th></th>{head}<th>{words["total"]}</th></tr>'
            + "".join(rows) + "</table>")


def _findings_by_session(audit: ArchiveAudit) -> dict[str, list[tuple[int, Finding]]]:
    """(index, finding) per session: by its session_id, or, for a finding of a camera that names no session, by
    its time falling in the window of a session that camera films (as the audit's schedule decided)."""
    windows = []
    for s in audit.timeline.get("sessions", []):
        spans = [w for w in (s.get("planned"), s.get("actual")) if w]
        if spans:
            windows.append((s["id"], {c.get("camera") for c in s.get("cameras", [])},
                            min(datetime.fromisoformat(w[0]) for w in spans),
                            max(datetime.fromisoformat(w[1]) for w in spans)))
    out: dict[str, list[tuple[int, Finding]]] = {}
    for index, f in enumerate(audit.findings):
        if f.session_id:
            out.setdefault(f.session_id, []).append((index, f))
        elif f.start and f.camera:
            for sid, cameras, lo, hi in windows:
                if lo <= f.start <= hi and f.camera in cameras:
                    out.setdefault(sid, []).append((index, f))
    return out


def _sessions(audit: ArchiveAudit, lang: str, words: dict[str, str]) -> str:
    sessions = audit.timeline.get("sessions", [])
    if not sessions:
        return f'<p class="muted">{words["no_sessions"]}</p>'
    by_session = _findings_by_session(audit)
    parts = [f'<p class="muted">{legend(lang)}</p>']
    for s in sessions:
        found = by_session.get(s["id"], [])
        count = words["count"].format(n=len(found))
        parts.append(f'<h3>{words["session"]} {escape(s["id"])} · {words["room"]} {escape(s.get("room") or "")} · '
                     f'{words["exam_type"]} {escape(s.get("exam_type") or "")} · {count}</h3>')
        parts.append(session_svg(s, found, lang))
    return "".join(parts)


def render_html(audit: ArchiveAudit, media: dict[int, FindingMedia], lang: str, out_dir: Path) -> str:
    words = WORDS[lang]
    table_files = {PurePosixPath(f.path).stem: f.path for f in audit.files if f.kind == "table"}
    findings = [_finding_data(i, f, media.get(i), lang, words, table_files) for i, f in enumerate(audit.findings)]
    options = {
        "item": [["", f'{words["item"]}: {words["all"]}']] + [[i, f"{i} {item_title(i, lang)}"] for i in ITEMS
                                                             if any(f.item == i for f in audit.findings)],
        "severity": [["", f'{words["severity"]}: {words["all"]}']] + [
            [s, SEVERITY[lang][s]] for s in SEVERITIES if any(f.severity == s for f in audit.findings)],
        "session": [["", f'{words["session"]}: {words["all"]}']] + [
            [s, s] for s in sorted({f.session_id for f in audit.findings if f.session_id})],
        "rule": [["", f'{words["rule"]}: {words["all"]}']] + [
            [r, f"{rule_title(r, lang)} ({r})"] for r in sorted({f.rule for f in audit.findings})],
    }
    data = {"words": words, "findings": findings, "options": options, "page": PAGE_SIZE, "images": {}}
    centre = " ".join(x for x in (audit.centre_id, audit.centre_name) if x)
    audited = _local(audit.started_at)
    meta = [(words["centre"], centre), (words["archive"], audit.path), (words["period"], _period(audit)),
            (words["audit"], f"#{audit.audit_id}" if audit.audit_id else ""), (words["audited_at"], audited),
            (words["tool"], f"exam-audit {audit.tool_version}"),
            (words["profile"], f"{audit.profile_name} {audit.profile_version}")]
    not_run = [c for c in audit.checks if c.status == "not_run"]
    if audit.error:
        verdict = f'<p class="error">{words["error"]}{escape(audit.error)}</p>'
    elif not audit.findings:
        verdict = f'<p class="clean">{words["clean"]}</p>'
    else:
        verdict = ""
    if not_run:
        verdict += f'<p>{escape(words["not_run_note"].format(n=len({c.rule for c in not_run})))}</p>'
    checks = "".join(f"<tr><td>{escape(c.rule)}</td><td>{escape(rule_title(c.rule, lang))}</td>"
                     f"<td>{escape(c.reason or '')}</td></tr>" for c in not_run)
    filters = "".join(f'<select id="f-{k}"></select>' for k in ("item", "severity", "session", "rule"))
    html_lang = "zh-CN" if lang == "zh" else "en"
    page = f"""<!DOCTYPE html>
<html lang="{html_lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(words["title"])} {escape(centre)}</title><style>{STYLE}</style></head><body>
<h1>{escape(words["title"])}</h1>
<table class="meta">{"".join(f"<tr><td>{k}</td><td>{escape(v)}</td></tr>" for k, v in meta)}</table>
<p class="muted">{words["tz"]}</p>
<h2>{words["summary"]}</h2>{verdict}{_summary(audit, lang, words)}
<h2>{words["sessions"]}</h2>{_sessions(audit, lang, words)}
<h2 id="findings">{words["findings"]} ({len(audit.findings)})</h2>
<div class="filters">{filters}<input id="f-text" type="search" placeholder="{words["search"]}">
<button id="f-reset" type="button">{words["reset"]}</button></div>
<p class="pager"><button id="f-prev" type="button">{words["prev"]}</button><span id="f-count"></span>
<button id="f-next" type="button">{words["next"]}</button></p>
<noscript><p class="error">{words["noscript"]}</p></noscript>
<table id="ftable"><thead><tr><th>#</th><th>{words["item"]}</th><th>{words["severity"]}</th><th>{words["rule"]}</th>
<th>{words["session"]}</th><th>{words["subject"]}</th><th>{words["time"]}</th><th>{words["message"]}</th></tr></thead>
<tbody id="ftbody"></tbody></table>
<h2>{words["checks"]} ({len(not_run)})</h2>
<details><summary>{words["open"]}</summary><table><tr><th>{words["rule"]}</th><th></th><th>{words["reason"]}</th>
</tr>{checks}</table></details>
<script type="application/json" id="report-data">{{data}}</script>
<script>{SCRIPT}</script>
</body></html>
"""
    without_images = len(page.encode("utf-8")) + len(_script_json(data).encode("utf-8"))
    data["images"] = _images(media, out_dir, IMAGE_BUDGET - without_images)
    head, _, tail = page.rpartition("{data}")  # the last one: user text comes before it, the script after
    return head + _script_json(data) + tail


def write_html(audit: ArchiveAudit, out_dir: Path, lang: str = "zh", clips: bool = False,
               archive_root: Path | None = None) -> Path:
    """Cut the snapshots (and clips) the findings need, then write ``out_dir``/report.html."""
    root = archive_root or Path(audit.path)
    audited = {f.path: f.sha256 for f in audit.files if f.sha256}
    media = (cut_media(audit.findings, root, out_dir, clips, audited)
             if any(media_span(f) for f in audit.findings) else {})
    path = out_dir / "report.html"
    path.write_text(render_html(audit, media, lang, out_dir), encoding="utf-8")
    return path
