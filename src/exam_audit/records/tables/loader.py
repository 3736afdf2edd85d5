"""Loading one table file: header aliases, value parsing, and the data findings that reading produces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from ...findings import Finding
from ...profile import Profile
from . import idnumber, values
from .reader import RawTable, TableReadError, read_table_file
from .schema import TableSchema, header_lookup, headers_for


@dataclass
class Record:
    """One row: canonical column -> parsed value (None when blank or unreadable)."""

    line: int
    values: dict[str, Any]
    raw: dict[str, Any]
    # columns whose value was read but reported invalid (an ID number failing GB 11643): rules that would
    # derive more from it (the age from its birth date) leave it to that one finding
    flagged: set[str] = field(default_factory=set)

    def __getitem__(self, column: str) -> Any:
        return self.values.get(column)

    def get(self, column: str, default: Any = None) -> Any:
        value = self.values.get(column)
        return default if value is None else value


@dataclass
class Table:
    name: str
    file: str  # path relative to the archive, with forward slashes
    columns: tuple[str, ...] = ()
    records: list[Record] = field(default_factory=list)
    readable: bool = True
    problem: str | None = None  # why the table could not be read, for "not run" reasons

    def has(self, *columns: str) -> bool:
        return self.readable and all(c in self.columns for c in columns)


Parser = Callable[[Any], values.Parsed]

HEADER_SEARCH_ROWS = 5  # how far below a title row the column names are looked for


def parsers(profile: Profile, tz: tzinfo) -> dict[str, Parser]:
    operations = profile.operations()
    return {
        "text": values.parse_text,
        "datetime": lambda cell: values.parse_datetime(cell, tz),
        "date": lambda cell: values.parse_date(cell, tz),
        "exam_type": values.parse_exam_type,
        "operation": values.parse_operation_with({op.name: op.code for op in operations.values()},
                                                 set(operations)),
        "subject": values.parse_subject,
        "mode": values.parse_mode,
        "bool": values.parse_typed_bool,
        "role": values.parse_role,
        "event": values.parse_event,
        "score": values.parse_score,
        "count": values.parse_count,
        "number": values.parse_number,
        "id_number": values.parse_id,
        "id_ref": values.parse_id,
    }


@dataclass
class TableLoader:
    """Reads tables of one archive with one profile, timezone and encoding policy."""

    profile: Profile
    tz: tzinfo
    encoding: str | None = None
    today: date = field(default_factory=date.today)

    def __post_init__(self) -> None:
        self._parsers = parsers(self.profile, self.tz)
        self._headers = header_lookup()

    def load(self, path: Path, rel: str, schema: TableSchema) -> tuple[Table, list[Finding]]:
        findings: list[Finding] = []
        try:
            raw = read_table_file(path, self.encoding)
        except TableReadError as exc:
            variant = "undecodable" if exc.undecodable else None
            evidence: dict[str, Any] = {"problem": exc.problem, "problem_zh": exc.problem_zh}
            row = None
            if exc.undecodable:
                u = exc.undecodable
                evidence.update(encoding_tried=u.encoding, line=u.line, byte_offset=u.byte_offset,
                                byte=u.byte, fix="re-export the file as UTF-8, or pass --encoding")
                row = u.line
                rule = "data.encoding"
            else:
                evidence["fix"] = "re-export the table from the exam system"
                rule = "data.invalid_value"
            findings.append(self.profile.finding(rule, variant=variant, table=schema.name, file=rel,
                                                 row=row, evidence=evidence))
            return Table(schema.name, rel, readable=False, problem=f"{rel} cannot be read"), findings
        except OSError as exc:
            findings.append(self.profile.finding(
                "data.invalid_value", table=schema.name, file=rel,
                evidence={"problem": f"cannot be opened ({exc.strerror})", "problem_zh": "文件无法打开",
                          "value": "", "fix": "check the file's permissions"}))
            return Table(schema.name, rel, readable=False, problem=f"{rel} cannot be opened"), findings

        if raw.encoding and not raw.encoding_standard:
            findings.append(self.profile.finding(
                "data.encoding", table=schema.name, file=rel,
                evidence={"encoding": raw.encoding,
                          "problem": f"encoded as {raw.encoding.upper()}, not UTF-8 (read correctly)",
                          "problem_zh": f"文件编码为 {raw.encoding.upper()}，不是 UTF-8（已正确读取）"}))
        return self._records(raw, rel, schema, findings), findings

    def _positions(self, header: list[Any], schema: TableSchema) -> dict[str, int]:
        positions: dict[str, int] = {}
        for index, cell in enumerate(header):
            canonical = self._headers.get(str(cell).strip().lower())
            if canonical and schema.column(canonical) and canonical not in positions:
                positions[canonical] = index
        return positions

    def _header_below_titles(self, raw: RawTable, rel: str, schema: TableSchema,
                             findings: list[Finding]) -> RawTable:
        """Exported 报表 often put a title (and a merged group header) above the column names: when a row
        just below the first names more of the table's columns, it is the header. Read that way, and
        reported with the fix."""
        first = self._positions(raw.header, schema)
        if all(c in first for c in schema.required):
            return raw
        best = len(first)
        for at, (line, cells) in enumerate(raw.rows[:HEADER_SEARCH_ROWS]):
            found = len(self._positions(cells, schema))
            if found > best and found >= 2:
                titles = [raw.header, *(c for _, c in raw.rows[:at])]
                shown = " / ".join(" ".join(str(c).strip() for c in row if str(c).strip()) for row in titles)
                findings.append(self.profile.finding(
                    "data.nonstandard_value", table=schema.name, file=rel, row=raw.header_line,
                    column="(header)",
                    evidence={"value": shown, "normalised": f"header on line {line}",
                              "standard": f"the column names on the first line: delete the {len(titles)} "
                                          f"title line(s) above line {line}"}))
                return RawTable(header=[str(c) for c in cells], header_line=line, rows=raw.rows[at + 1:],
                                encoding=raw.encoding, encoding_standard=raw.encoding_standard,
                                problems=raw.problems)
        return raw

    def _records(self, raw: RawTable, rel: str, schema: TableSchema, findings: list[Finding]) -> Table:
        raw = self._header_below_titles(raw, rel, schema, findings)
        positions = self._positions(raw.header, schema)
        for column in schema.required:
            if column not in positions:
                findings.append(self.profile.finding(
                    "data.missing_column", table=schema.name, file=rel, row=raw.header_line, column=column,
                    evidence={"aliases": headers_for(column)}))
        for line, problem, problem_zh in raw.problems:
            findings.append(self.profile.finding(
                "data.invalid_value", table=schema.name, file=rel, row=line,
                evidence={"value": "", "problem": problem, "problem_zh": problem_zh}))

        table = Table(schema.name, rel, columns=tuple(positions))
        width = len(raw.header)
        for line, cells in raw.rows:
            extra = [c for c in cells[width:] if str(c).strip()]
            if extra:
                findings.append(self.profile.finding(
                    "data.invalid_value", table=schema.name, file=rel, row=line,
                    evidence={"value": ", ".join(map(str, extra)),
                              "problem": f"the row has {len(cells)} cells but the header {width}",
                              "problem_zh": f"该行有 {len(cells)} 个单元格，表头只有 {width} 个"}))
            record = Record(line=line, values={}, raw={})
            for column, index in positions.items():
                cell = cells[index] if index < len(cells) else ""
                record.raw[column] = cell
                record.values[column] = self._cell(schema, column, cell, line, rel, findings, record.flagged)
            table.records.append(record)
        return table

    def _cell(self, schema: TableSchema, column: str, cell: Any, line: int, rel: str,
              findings: list[Finding], flagged: set[str]) -> Any:
        spec = schema.column(column)
        assert spec is not None
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if spec.required:
                findings.append(self.profile.finding(
                    "data.missing_value", table=schema.name, file=rel, row=line, column=column,
                    evidence={"value": ""}))
            return None
        parsed = self._parsers[spec.kind](cell)
        where = {"table": schema.name, "file": rel, "row": line, "column": column}
        shown = str(cell).strip()
        if parsed.status == values.INVALID:
            findings.append(self.profile.finding(
                "data.invalid_value", **where,
                evidence={"value": shown, "problem": parsed.problem, "problem_zh": parsed.problem_zh}))
            return None
        if parsed.status == values.NONSTANDARD:
            findings.append(self.profile.finding(
                "data.nonstandard_value", **where,
                evidence={"value": shown, "normalised": _shown(parsed.value), "standard": parsed.standard}))
        if spec.kind == "id_number":
            problem = idnumber.validate(parsed.value, today=self.today)
            if problem:
                flagged.add(column)
                findings.append(self.profile.finding(
                    "data.invalid_id_number", **where, id_number=parsed.value,
                    evidence={"value": shown, "problem": problem.en, "problem_zh": problem.zh}))
        return parsed.value


def _shown(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value
