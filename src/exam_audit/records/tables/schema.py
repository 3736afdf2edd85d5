"""The tables of an archive and their columns, per the input contract (ARCHIVE_FORMAT.md).

An alias is declared once per column and holds in every table, as the contract says.
"""

from __future__ import annotations

from dataclasses import dataclass

# canonical column -> header aliases (matched case-insensitively, surrounding blanks ignored)
ALIASES: dict[str, tuple[str, ...]] = {
    "session_id": ("场次编号", "场次号"),
    "plan_id": ("计划编号",),
    "start": ("开始时间", "计划开始时间"),
    "end": ("结束时间", "计划结束时间"),
    "room": ("考场", "考场编号"),
    "exam_type": ("考试类型", "考试科目类型"),
    "operation": ("作业项目", "操作项目", "工种"),
    "capacity": ("容量", "考位数"),
    "id_number": ("身份证号", "证件号码", "身份证号码"),
    "name": ("姓名",),
    "training_org": ("培训机构",),
    "attempt": ("考试次数",),
    "application_date": ("报名日期",),
    "staff_id": ("人员编号", "工号"),
    "role": ("岗位", "角色"),
    "qualification_no": ("资格证号", "考评员证号"),
    "qualified_until": ("有效期至",),
    "affiliation": ("所属单位", "工作单位"),
    "station": ("考位", "工位"),
    "time": ("时间", "发生时间"),
    "event": ("事件", "操作"),
    "detail": ("备注",),
    "subject": ("科目", "考试科目"),
    "score": ("成绩", "分数"),
    "passed": ("是否合格",),
    "examiner_id": ("考评员编号",),
    "mode": ("考试方式",),
    "item": ("抽取试题", "题号"),
    "veto_failed": ("否决项",),
    "trainer_id": ("教员身份证号",),
    "course_start": ("培训开始日期", "开班日期"),
    "course_end": ("培训结束日期", "结业日期"),
    "response": ("作答",),
    "key": ("标准答案",),
    "seconds": ("用时",),
    "file": ("文件", "文件名"),
    "camera": ("摄像头", "通道"),
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False


@dataclass(frozen=True)
class TableSchema:
    name: str
    title_zh: str
    columns: tuple[Column, ...]
    # columns that identify a row; the same key twice is data.duplicate_row
    key: tuple[str, ...] = ()
    # an optional table's absence is no finding: the checks that need it are only listed as not run
    optional: bool = False

    @property
    def file_stem(self) -> str:
        return self.name

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _c(name: str, kind: str, required: bool = False) -> Column:
    return Column(name, kind, required)


_SESSION_COLUMNS = (
    _c("session_id", "text", True),
    _c("start", "datetime", True),
    _c("end", "datetime", True),
    _c("room", "text", True),
    _c("exam_type", "exam_type", True),
    _c("operation", "operation", True),
)

TABLES: dict[str, TableSchema] = {t.name: t for t in (
    TableSchema("plan", "考试计划", (*_SESSION_COLUMNS, _c("plan_id", "text"), _c("capacity", "count")),
                key=("session_id",)),
    TableSchema("sessions", "考场记录", _SESSION_COLUMNS, key=("session_id",)),
    TableSchema("candidates", "考生名单", (
        _c("session_id", "text", True), _c("id_number", "id_number", True), _c("name", "text", True),
        _c("operation", "operation"), _c("training_org", "text"), _c("attempt", "count"),
        _c("application_date", "date"),
    ), key=("session_id", "id_number")),
    TableSchema("staff", "考务人员", (
        _c("staff_id", "text", True), _c("name", "text", True), _c("id_number", "id_number"),
        _c("role", "role", True), _c("qualification_no", "text"), _c("qualified_until", "date"),
        _c("affiliation", "text"),
    ), key=("staff_id",)),
    TableSchema("assignments", "监考考评安排", (
        _c("session_id", "text", True), _c("staff_id", "text", True), _c("role", "role", True),
        _c("station", "text"),
    ), key=("session_id", "staff_id", "role", "station")),
    TableSchema("events", "考试日志", (
        _c("time", "datetime", True), _c("session_id", "text", True), _c("id_number", "id_ref"),
        _c("event", "event", True), _c("station", "text"), _c("detail", "text"),
    )),
    TableSchema("results", "成绩", (
        _c("session_id", "text", True), _c("id_number", "id_ref", True), _c("subject", "subject", True),
        _c("score", "score", True), _c("passed", "bool"), _c("examiner_id", "text"),
        _c("start", "datetime"), _c("end", "datetime"), _c("mode", "mode"), _c("item", "text"),
        _c("veto_failed", "bool"),
    ), key=("session_id", "id_number", "subject")),
    TableSchema("training", "培训记录", (
        _c("training_org", "text", True), _c("id_number", "id_ref", True), _c("trainer_id", "text"),
        _c("course_start", "date"), _c("course_end", "date"),
    ), key=("training_org", "id_number", "course_start")),
    TableSchema("answers", "答题记录", (
        _c("session_id", "text", True), _c("id_number", "id_ref", True), _c("item", "text", True),
        _c("response", "text", True), _c("key", "text"), _c("seconds", "number"),
    ), key=("session_id", "id_number", "item"), optional=True),
    TableSchema("recordings", "录像清单", (
        _c("file", "text", True), _c("camera", "text", True), _c("start", "datetime"),
        _c("session_id", "text"),
    ), key=("file",)),
)}


def header_lookup() -> dict[str, str]:
    """Lower-cased header text -> canonical column, for every canonical name and alias."""
    out: dict[str, str] = {}
    for table in TABLES.values():
        for col in table.columns:
            out[col.name.lower()] = col.name
    for canonical, aliases in ALIASES.items():
        for alias in aliases:
            out[alias.strip().lower()] = canonical
    return out


def headers_for(column: str) -> str:
    """The header names accepted for ``column``, for messages."""
    return ", ".join((column, *ALIASES.get(column, ())))
