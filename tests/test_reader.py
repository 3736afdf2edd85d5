import json

import pytest

from exam_audit.records.tables.reader import TableReadError, decode, read_csv, read_json, read_xlsx

CSV = "session_id,id_number,name\nS1,11010519491231002X,张三\nS1,440524188001010014,李四\n"


def test_utf8(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(CSV.encode("utf-8"))
    table = read_csv(path)
    assert table.encoding == "utf-8" and table.encoding_standard
    assert table.header == ["session_id", "id_number", "name"]
    assert [line for line, _ in table.rows] == [2, 3]
    assert table.rows[0][1][2] == "张三"


def test_utf8_with_bom_is_standard(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(CSV.encode("utf-8-sig"))
    table = read_csv(path)
    assert table.header[0] == "session_id"  # the BOM is not part of the first header
    assert table.encoding_standard


def test_gb18030_is_read_and_flagged(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(CSV.encode("gb18030"))
    table = read_csv(path)
    assert table.encoding == "gb18030" and not table.encoding_standard
    assert table.rows[1][1][2] == "李四"


def test_utf8_is_tried_before_gb18030():
    text = "考场,姓名\n理论考场1,王芳\n"
    data = text.encode("utf-8")
    assert data.decode("gb18030")  # these bytes are also valid GB18030 (as mojibake) …
    assert decode(data).text == text  # … but UTF-8 wins


def test_undecodable_byte_is_reported_with_line_and_offset(tmp_path):
    path = tmp_path / "t.csv"
    data = CSV.encode("utf-8").replace(b"\xe6\x9d\x8e", b"\xe6\x9d\xff")  # 李 broken in line 3
    path.write_bytes(data)
    with pytest.raises(TableReadError) as err:
        read_csv(path)
    u = err.value.undecodable
    assert u.line == 3
    assert data[u.byte_offset] == 0xFF
    assert "line 3" in err.value.problem


def test_byte_undecodable_in_any_encoding(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,\x80\n")
    with pytest.raises(TableReadError) as err:
        read_csv(path)
    assert err.value.undecodable.line == 2 and err.value.undecodable.byte_offset == 6


def test_explicit_encoding(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(CSV.encode("gbk"))
    assert read_csv(path, "gbk").rows[0][1][2] == "张三"


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", "\ufeff".encode()])
def test_empty_file(tmp_path, content):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(TableReadError, match="empty"):
        read_csv(path)


def test_header_only(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("session_id,id_number\n", encoding="utf-8")
    assert read_csv(path).rows == []


def test_multiline_cells_keep_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"two\nlines"\n3,4\n', encoding="utf-8")
    assert [line for line, _ in read_csv(path).rows] == [2, 4]


def test_tab_separated(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\tb\n1\t2\n", encoding="utf-8")
    assert read_csv(path).rows == [(2, ["1", "2"])]


def test_json_rows_know_their_lines(tmp_path):
    path = tmp_path / "t.json"
    rows = [{"a": 1, "b": "x"}, {"a": 2, "c": None}]
    path.write_text("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n", encoding="utf-8")
    table = read_json(path)
    assert table.header == ["a", "b", "c"]
    assert table.rows == [(2, [1, "x", ""]), (3, [2, "", ""])]


def test_json_not_a_list(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(TableReadError, match="list"):
        read_json(path)


def test_xlsx(tmp_path):
    import openpyxl

    path = tmp_path / "t.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["场次编号", "成绩"])
    sheet.append([])
    sheet.append(["S1", 88])
    book.save(path)
    table = read_xlsx(path)
    assert table.header == ["场次编号", "成绩"]
    assert table.rows == [(3, ["S1", 88])]


def test_damaged_xlsx(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(TableReadError, match="XLSX"):
        read_xlsx(path)
