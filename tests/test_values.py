from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from exam_audit.records.tables import values
from exam_audit.records.tables.idnumber import birth_date, check_character, sex, validate

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 26)


@pytest.mark.parametrize("text", ["2022-04-15 08:30:00", "2022-04-15T08:30:00", "2022-04-15T08:30:00+08:00"])
def test_standard_datetimes(text):
    parsed = values.parse_datetime(text, TZ)
    assert parsed.status == values.STANDARD
    assert parsed.value == datetime(2022, 4, 15, 8, 30, tzinfo=TZ)


def test_datetime_offset_is_kept():
    parsed = values.parse_datetime("2022-04-15T00:30:00+00:00", TZ)
    assert parsed.value == datetime(2022, 4, 15, 8, 30, tzinfo=TZ)


@pytest.mark.parametrize("text", ["2022/4/15 8:30", "2022/04/15 08:30:00", "2022年4月15日 8:30", "44666.3541666667"])
def test_nonstandard_but_readable_datetimes(text):
    parsed = values.parse_datetime(text, TZ)
    assert parsed.status == values.NONSTANDARD, text
    assert parsed.value.date() == date(2022, 4, 15)
    assert (parsed.value.hour, parsed.value.minute) == (8, 30)


@pytest.mark.parametrize("text", ["2022-13-45 08:00:00", "2022/2/30 8:00", "yesterday", "12"])
def test_unreadable_datetimes(text):
    assert values.parse_datetime(text, TZ).status == values.INVALID


@pytest.mark.parametrize("text,status", [("2022-04-15", values.STANDARD), ("2022/4/15", values.NONSTANDARD),
                                         ("20220415", values.NONSTANDARD), ("2022年4月15日", values.NONSTANDARD),
                                         ("2022-02-30", values.INVALID), ("15.04.2022", values.INVALID)])
def test_dates(text, status):
    parsed = values.parse_date(text, TZ)
    assert parsed.status == status
    if status != values.INVALID:
        assert parsed.value == date(2022, 4, 15)


@pytest.mark.parametrize("text,value,status", [
    ("theory", "theory", values.STANDARD), ("实操", "practical", values.NONSTANDARD),
    ("安全生产知识", "theory", values.NONSTANDARD), ("written", None, values.INVALID)])
def test_exam_type(text, value, status):
    parsed = values.parse_exam_type(text)
    assert (parsed.value, parsed.status) == (value, status)


@pytest.mark.parametrize("text,value,status", [
    ("true", True, values.STANDARD), ("false", False, values.STANDARD), ("合格", True, values.NONSTANDARD),
    ("否", False, values.NONSTANDARD), ("1", True, values.NONSTANDARD), ("TRUE", True, values.NONSTANDARD),
    ("maybe", None, values.INVALID)])
def test_passed(text, value, status):
    parsed = values.parse_typed_bool(text)
    assert (parsed.value, parsed.status) == (value, status)


def test_subjects_and_modes():
    assert values.parse_subject("总分").value == "total"
    assert values.parse_subject("k1").status == values.NONSTANDARD
    assert values.parse_subject("K1").status == values.STANDARD
    assert values.parse_mode("口述").value == "oral"
    assert values.parse_mode("oral").status == values.STANDARD


@pytest.mark.parametrize("cell,ok", [("0", True), ("100", True), ("85.5", True), (92, True), ("101", False),
                                     ("-1", False), ("优", False), ("nan", False)])
def test_scores(cell, ok):
    assert (values.parse_score(cell).status == values.STANDARD) is ok


def test_operation_codes_and_names():
    parse = values.parse_operation_with({"低压电工作业": "1.2"}, {"1.2"})
    assert parse("1.2").status == values.STANDARD
    assert parse("5.3").status == values.STANDARD  # a catalogue-shaped code the profile has no name for
    named = parse("低压电工作业")
    assert (named.value, named.status) == ("1.2", values.NONSTANDARD)
    assert parse("低压电工").value == "1.2"
    assert parse("厨师").status == values.INVALID
    assert parse(1.2).value == "1.2"  # typed as a number in XLSX


def test_id_number_cells():
    assert values.parse_id("11010519491231002x").status == values.NONSTANDARD
    assert values.parse_id("11010519491231002x").value == "11010519491231002X"
    assert values.parse_id("11010519491231002X").status == values.STANDARD
    assert values.parse_id(4.40524188001010e17).status == values.INVALID  # Excel ate the digits


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "360426199101010071",
                                    "44011320141005001X", "412723199010050012"])
def test_valid_id_numbers(number):
    assert validate(number, today=TODAY) is None


@pytest.mark.parametrize("number,why", [("36042619910102009X", "check"), ("110105194912310021", "check"),
                                        ("360426199113010079", "not a real date"), ("3604261991010100", "17 digits"),
                                        ("36042619910101007A", "17 digits")])
def test_invalid_id_numbers(number, why):
    problem = validate(number, today=TODAY)
    assert problem is not None and why in problem.en


def test_id_number_birth_date_in_the_future_is_impossible():
    first17 = "11010520300101001"
    assert "impossible" in validate(first17 + check_character(first17), today=TODAY).en


def test_id_number_parts():
    assert birth_date("11010519491231002X") == date(1949, 12, 31)
    assert sex("11010519491231002X") == "female"
    assert sex("440524188001010014") == "male"
