"""Reading a table file into raw rows: encodings, CSV dialect, XLSX, XLS and JSON, with the line a person sees.

Encoding policy (ARCHIVE_FORMAT.md): an explicit encoding → a BOM → strict UTF-8 over the whole file →
GB18030. GB18030 is never tried before UTF-8 and nothing is ever decoded with replacement characters;
a file that decodes under neither is reported with its line and byte offset and not read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    standard: bool  # UTF-8 with or without BOM


@dataclass(frozen=True)
class Undecodable:
    encoding: str
    line: int
    byte_offset: int
    byte: str


@dataclass
class RawTable:
    """A table as read: header cells and rows of cells, each row with the line a person sees."""

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    encoding: str | None = None
    encoding_standard: bool = True
    # (line, problem) for structural problems: a row longer than the header, bad JSON items
    problems: list[tuple[int, str, str]] = field(default_factory=list)


class TableReadError(Exception):
    """The file cannot be read as a table at all."""

    def __init__(self, problem: str, problem_zh: str, *, undecodable: Undecodable | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_zh = problem_zh
        self.undecodable = undecodable


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, explicit: str | None = None) -> Decoded:
    """Decode ``data`` under the policy; raises TableReadError naming line and byte offset."""
    if explicit:
        try:
            text = data.decode(explicit)
        except LookupError:
            raise TableReadError(f"unknown encoding {explicit!r}", f"未知编码 {explicit!r}") from None
        except UnicodeDecodeError as exc:
            raise _undecodable(data, explicit, exc) from None
        name = codecs.lookup(explicit).name
        return Decoded(text.lstrip("\ufeff"), name, name in ("utf-8", "utf-8-sig"))
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding).lstrip("\ufeff"), encoding, encoding == "utf-8-sig")
            except UnicodeDecodeError as exc:
                raise _undecodable(data, encoding, exc) from None
    try:
        return Decoded(data.decode("utf-8"), "utf-8", True)
    except UnicodeDecodeError as utf8_error:
        if _mostly_utf8(data):
            # Valid UTF-8 multi-byte text with a stray bad byte: a damaged UTF-8 file, not GB18030.
            raise _undecodable(data, "utf-8", utf8_error) from None
    try:
        return Decoded(data.decode("gb18030"), "gb18030", False)
    except UnicodeDecodeError as exc:
        raise _undecodable(data, "gb18030", exc) from None


def _mostly_utf8(data: bytes) -> bool:
    """True when most non-ASCII bytes form valid UTF-8 sequences (so the file is UTF-8, damaged)."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return good >= 4 and bad * 20 <= good


def _undecodable(data: bytes, encoding: str, exc: UnicodeDecodeError) -> TableReadError:
    offset = exc.start
    line = _line_of(data, offset)
    byte = data[offset:offset + 1].hex()
    info = Undecodable(encoding, line, offset, byte)
    return TableReadError(
        f"byte 0x{byte} at line {line}, byte offset {offset} cannot be decoded as UTF-8 or GB18030",
        f"第 {line} 行、字节偏移 {offset} 处的字节 0x{byte} 无法按 UTF-8 或 GB18030 解码",
        undecodable=info,
    )


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, encoding: str | None = None) -> RawTable:
    data = path.read_bytes()
    decoded = decode(data, encoding)
    text = decoded.text
    if not text.strip():
        raise TableReadError("the file is empty (no header row)", "文件为空（无表头）")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    table: RawTable | None = None
    last_line = 0
    try:
        for cells in reader:
            start_line = last_line + 1
            last_line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank line
            if table is None:
                table = RawTable(header=cells, header_line=start_line, encoding=decoded.encoding,
                                 encoding_standard=decoded.standard)
                continue
            table.rows.append((start_line, cells))
    except csv.Error as exc:
        raise TableReadError(f"line {reader.line_num}: not valid CSV ({exc})",
                             f"第 {reader.line_num} 行：CSV 格式错误（{exc}）") from None
    if table is None:
        raise TableReadError("the file is empty (no header row)", "文件为空（无表头）")
    return table


def read_xlsx(path: Path) -> RawTable:
    import openpyxl  # imported here: only archives with XLSX tables pay for it

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise TableReadError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})",
                             "不是可读取的 XLSX 工作簿") from None
    try:
        sheet = workbook.worksheets[0]
        table: RawTable | None = None
        for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else v for v in values]
            if not any(str(c).strip() for c in cells):
                continue
            if table is None:
                table = RawTable(header=[str(c) for c in cells], header_line=index, encoding=None)
                continue
            table.rows.append((index, cells))
    finally:
        workbook.close()
    if table is None:
        raise TableReadError("the first worksheet is empty (no header row)", "第一个工作表为空（无表头）")
    return table


def read_xls(path: Path) -> RawTable:
    """An Excel 97–2003 workbook (xlrd >= 2 reads only .xls): the first sheet, dates as datetimes."""
    import xlrd  # imported here: only archives with XLS tables pay for it

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as exc:  # xlrd raises many kinds for a damaged or mislabelled workbook
        raise TableReadError(f"not a readable Excel 97–2003 (.xls) workbook ({type(exc).__name__}: {exc})",
                             "不是可读取的 Excel 97–2003（.xls）工作簿；请重新导出") from None
    try:
        sheet = book.sheet_by_index(0)
        table: RawTable | None = None
        for index in range(sheet.nrows):
            cells = [_xls_value(cell, book.datemode) for cell in sheet.row(index)]
            if not any(str(c).strip() for c in cells):
                continue
            if table is None:
                table = RawTable(header=[str(c) for c in cells], header_line=index + 1, encoding=None)
                continue
            table.rows.append((index + 1, cells))
    finally:
        book.release_resources()
    if table is None:
        raise TableReadError("the first worksheet is empty (no header row)", "第一个工作表为空（无表头）")
    return table


def _xls_value(cell: Any, datemode: int) -> Any:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return cell.value


def read_json(path: Path, encoding: str | None = None) -> RawTable:
    """A JSON list of objects; each row's line is where its object starts in the file."""
    data = path.read_bytes()
    decoded = decode(data, encoding)
    text = decoded.text
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if pos >= len(text) or text[pos] != "[":
        raise TableReadError("not a JSON list of objects", "不是 JSON 对象列表")
    pos = _skip_ws(text, pos + 1)
    header: list[str] = []
    seen: set[str] = set()
    objects: list[tuple[int, dict[str, Any]]] = []
    problems: list[tuple[int, str, str]] = []
    while pos < len(text) and text[pos] != "]":
        line = text.count("\n", 0, pos) + 1
        try:
            item, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise TableReadError(f"line {exc.lineno}: not valid JSON ({exc.msg})",
                                 f"第 {exc.lineno} 行：JSON 格式错误（{exc.msg}）") from None
        if isinstance(item, dict):
            for key in item:
                if key not in seen:
                    seen.add(key)
                    header.append(key)
            objects.append((line, item))
        else:
            problems.append((line, "item is not an object", "该项不是对象"))
        pos = _skip_ws(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
    rows = [(line, ["" if obj.get(k) is None else obj.get(k) for k in header]) for line, obj in objects]
    return RawTable(header=header, header_line=1, rows=rows, encoding=decoded.encoding,
                    encoding_standard=decoded.standard, problems=problems)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def read_table_file(path: Path, encoding: str | None = None) -> RawTable:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix == ".xls":
        return read_xls(path)
    if suffix == ".json":
        return read_json(path, encoding)
    return read_csv(path, encoding)
