"""Cell values: standard, nonstandard-but-readable, unreadable (ARCHIVE_FORMAT.md "Value formats").

Each parser takes the cell as read (a string from CSV, or a typed value from XLSX/JSON) and returns a
``Parsed``: the normalised value and, when the cell was not in the standard form, why.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from . import idnumber

STANDARD = "standard"
NONSTANDARD = "nonstandard"
INVALID = "invalid"


@dataclass(frozen=True)
class Parsed:
    value: Any
    status: str = STANDARD
    standard: str = ""  # the standard form, for messages
    problem: str = ""
    problem_zh: str = ""


def _invalid(problem: str, problem_zh: str, standard: str = "") -> Parsed:
    return Parsed(None, INVALID, standard, problem, problem_zh)


# -- dates and times ---------------------------------------------------------------------------------

_DT_STANDARD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})([+-]\d{2}:\d{2}|Z)?$")
_DT_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DT_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")
_DT_NO_SECONDS = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")
_D_STANDARD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_D_OTHER = (
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
)
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)
DATETIME_STANDARD = "YYYY-MM-DD HH:MM:SS"
DATE_STANDARD = "YYYY-MM-DD"


def _build_datetime(parts: tuple[str | None, ...], tz: tzinfo) -> datetime | None:
    y, mo, d, h, mi, s = (int(p) if p else 0 for p in parts[:6])
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=tz)
    except ValueError:
        return None


def parse_datetime(cell: Any, tz: tzinfo) -> Parsed:
    if isinstance(cell, datetime):  # a typed XLSX cell
        return Parsed(cell if cell.tzinfo else cell.replace(tzinfo=tz))
    if isinstance(cell, date):
        return Parsed(datetime.combine(cell, time(), tzinfo=tz), NONSTANDARD, DATETIME_STANDARD)
    text = str(cell).strip()
    for pattern in (_DT_STANDARD, _DT_SLASH, _DT_CN, _DT_NO_SECONDS):
        m = pattern.match(text)
        if not m:
            continue
        value = _build_datetime(m.groups(), tz)
        if value is None:
            return _invalid(f"{text} is not a real date and time", f"{text} 不是有效的日期时间",
                            DATETIME_STANDARD)
        if pattern is not _DT_STANDARD:
            return Parsed(value, NONSTANDARD, DATETIME_STANDARD)
        if m.group(7):  # an explicit offset wins over the centre's timezone
            value = datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))
        return Parsed(value)
    if _SERIAL.match(text) or isinstance(cell, (int, float)):
        try:
            serial = float(text)
        except ValueError:
            serial = math.nan
        if 20000 <= serial <= 80000:  # 1954 … 2119: anything else is not a plausible exam date
            value = (_EXCEL_EPOCH + timedelta(days=serial)).replace(tzinfo=tz)
            return Parsed(value.replace(microsecond=0), NONSTANDARD, DATETIME_STANDARD)
    return _invalid(f"not a date and time; write {DATETIME_STANDARD}",
                    f"不是日期时间，应为 {DATETIME_STANDARD}", DATETIME_STANDARD)


def parse_date(cell: Any, tz: tzinfo) -> Parsed:
    if isinstance(cell, datetime):
        return Parsed(cell.date(), STANDARD if cell.time() == time() else NONSTANDARD, DATE_STANDARD)
    if isinstance(cell, date):
        return Parsed(cell)
    text = str(cell).strip()
    m = _D_STANDARD.match(text)
    patterns = (_D_STANDARD, *_D_OTHER)
    for pattern in patterns:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                value = date(y, mo, d)
            except ValueError:
                return _invalid(f"{text} is not a real date", f"{text} 不是有效日期", DATE_STANDARD)
            status = STANDARD if pattern is _D_STANDARD else NONSTANDARD
            return Parsed(value, status, DATE_STANDARD)
    as_datetime = parse_datetime(cell, tz)
    if as_datetime.status != INVALID:
        return Parsed(as_datetime.value.date(), NONSTANDARD, DATE_STANDARD)
    return _invalid(f"not a date; write {DATE_STANDARD}", f"不是日期，应为 {DATE_STANDARD}", DATE_STANDARD)


# -- codes -------------------------------------------------------------------------------------------

def _code_parser(standard: dict[str, str], synonyms: dict[str, str], what: str, what_zh: str,
                 *, quiet_synonyms: bool = False) -> Callable[[Any], Parsed]:
    """A parser for a closed vocabulary: exact standard codes, readable synonyms, anything else invalid.

    ``quiet_synonyms`` accepts the synonyms as standard (the contract lists them as equivalents)."""
    lowered = {k.lower(): v for k, v in synonyms.items()}
    form = " / ".join(standard)

    def parse(cell: Any) -> Parsed:
        text = str(cell).strip()
        if text in standard:
            return Parsed(standard[text], STANDARD, form)
        key = text.lower()
        if key in lowered or key in {k.lower() for k in standard}:
            value = lowered[key] if key in lowered else next(v for k, v in standard.items() if k.lower() == key)
            return Parsed(value, STANDARD if quiet_synonyms else NONSTANDARD, form)
        return _invalid(f"unknown {what}; use {form}", f"未知的{what_zh}，应为 {form}", form)

    return parse


parse_exam_type = _code_parser(
    {"theory": "theory", "practical": "practical"},
    {"理论": "theory", "实操": "practical", "安全生产知识": "theory", "实际操作": "practical",
     "理论考试": "theory", "实操考试": "practical", "实际操作考试": "practical"},
    "exam type", "考试类型")

parse_subject = _code_parser(
    {"theory": "theory", "K1": "K1", "K2": "K2", "K3": "K3", "K4": "K4", "total": "total"},
    {"理论": "theory", "总分": "total", "实操总分": "total", "科目一": "K1", "科目二": "K2",
     "科目三": "K3", "科目四": "K4"},
    "subject", "科目")

parse_mode = _code_parser(
    {"hands_on": "hands_on", "simulation": "simulation", "oral": "oral"},
    {"实际操作": "hands_on", "仿真模拟操作": "simulation", "口述": "oral", "实操": "hands_on",
     "仿真": "simulation", "模拟操作": "simulation", "仿真模拟": "simulation", "口试": "oral",
     "问答": "oral"},
    "exam mode", "考试方式")

parse_bool = _code_parser(
    {"true": True, "false": False},
    {"是": True, "否": False, "合格": True, "不合格": False, "1": True, "0": False, "y": True,
     "n": False, "yes": True, "no": False},
    "yes/no value", "是否值")

parse_role = _code_parser(
    {"invigilator": "invigilator", "examiner": "examiner", "admin": "admin"},
    {"监考员": "invigilator", "考评员": "examiner", "系统管理员": "admin", "监考": "invigilator",
     "考评": "examiner", "管理员": "admin", "监考人员": "invigilator"},
    "role", "岗位", quiet_synonyms=True)

EVENTS = {"签到": "sign_in", "身份核验": "identity_check", "开始答题": "start", "交卷": "submit",
          "离场": "leave", "开考": "session_open", "结束": "session_close"}


def parse_event(cell: Any) -> Parsed:
    """Known events are normalised; others are kept as they are (the contract says so)."""
    text = str(cell).strip()
    return Parsed(EVENTS.get(text, text))


def parse_typed_bool(cell: Any) -> Parsed:
    if isinstance(cell, bool):
        return Parsed(cell)
    return parse_bool(cell)


# -- numbers -----------------------------------------------------------------------------------------

def _number(cell: Any) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        return float(cell) if math.isfinite(cell) else None
    try:
        value = float(str(cell).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_score(cell: Any) -> Parsed:
    value = _number(cell)
    if value is None:
        return _invalid("not a number; write a score from 0 to 100", "不是数字，成绩应为 0–100 的数",
                        "0–100")
    if not 0 <= value <= 100:
        return _invalid("outside 0–100", "超出 0–100 范围", "0–100")
    return Parsed(value)


def parse_count(cell: Any) -> Parsed:
    value = _number(cell)
    if value is None or value < 0 or value != int(value):
        return _invalid("not a whole number", "不是非负整数", "0, 1, 2 …")
    return Parsed(int(value))


def parse_number(cell: Any) -> Parsed:
    value = _number(cell)
    if value is None or value < 0:
        return _invalid("not a non-negative number", "不是非负数", "a number")
    return Parsed(value)


def parse_text(cell: Any) -> Parsed:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # an XLSX number cell holding a code such as a session id
    return Parsed(str(cell).strip())


ID_STANDARD = "18 characters: ASCII digits, check character X in upper case"
_ID_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc]")  # spaces and any dash people type


def parse_id(cell: Any) -> Parsed:
    """A resident ID number as people type it: full-width digits and letters are folded (NFKC), spaces and
    hyphens dropped, x upper-cased, a 15-digit pre-1999 number converted to 18; each readable but
    nonstandard, with the clean value. Anything else is kept as typed for the ID rule to judge."""
    if isinstance(cell, float) or (isinstance(cell, int) and not isinstance(cell, bool)):
        # Excel stores an 18-digit number as a float and loses the last digits.
        return _invalid("stored as a number, digits may be lost; store the column as text",
                        "以数字格式存储，末位可能丢失，应以文本格式存储", "18 characters")
    text = str(cell).strip()
    clean = _ID_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    upgraded = idnumber.upgrade(clean)
    if upgraded:
        return Parsed(upgraded, NONSTANDARD, f"{upgraded}, the 18-character number of GB 11643-1999 (this is "
                      "the 15-digit form of before 1999)")
    if clean == text:
        return Parsed(text)
    if clean == text.upper():
        return Parsed(clean, NONSTANDARD, "check character X in upper case")
    return Parsed(clean, NONSTANDARD, f"{clean} ({ID_STANDARD})")


def parse_operation_with(catalogue_names: dict[str, str],
                         known_codes: set[str]) -> Callable[[Any], Parsed]:
    """Operation: a catalogue code ``x.y`` (standard) or its Chinese name (nonstandard)."""
    code_shape = re.compile(r"^(\d{1,2})\.(\d{1,2})$")

    def parse(cell: Any) -> Parsed:
        if isinstance(cell, float):
            cell = f"{cell:g}"  # 1.2 typed as a number in XLSX
        text = str(cell).strip()
        if text in known_codes:
            return Parsed(text)
        m = code_shape.match(text)
        if m and 1 <= int(m.group(1)) <= 11:
            return Parsed(text)  # a code of the catalogue's shape whose name this profile lacks
        name = text if text in catalogue_names else (text + "作业" if text + "作业" in catalogue_names else "")
        if name:
            return Parsed(catalogue_names[name], NONSTANDARD, f"catalogue code {catalogue_names[name]}")
        return _invalid("not an operation of the catalogue; use its code such as 1.2",
                        "不是特种作业目录中的作业项目，应使用目录代码，如 1.2", "catalogue code x.y")

    return parse
