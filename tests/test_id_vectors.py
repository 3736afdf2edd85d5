"""Resident ID numbers as people type them, against public test vectors (each source's verdict cited)."""

from __future__ import annotations

from datetime import date

import pytest

from exam_audit.records.tables import idnumber, values

TODAY = date(2026, 6, 1)

# python-stdnum, tests of stdnum.cn.ric (VALID_SSN): valid by stdnum, which checks birth date and check
# character but not the address code. Ours agree except where the first two digits are no province code.
STDNUM_VALID = [
    ("486268198802140611", "province"),  # 48: no province of GB/T 2260 (stdnum skips the address code)
    ("354133198209290022", None),
    ("338720197801060214", None),
    ("387908198001010226", "province"),  # 38
    ("341617198002120424", None),
    ("38064219921117061X", "province"),  # 38
    ("45883019880120031X", None),
]
# python-stdnum: 'It is a bad SSN' must fail
STDNUM_INVALID = ["It is a bad SSN"]
# GB 11643-1999 annex example (also the example of the project's ARCHIVE_FORMAT.md)
STANDARD_EXAMPLE = "11010519491231002X"


def verdict(cell: str) -> tuple[str, str | None, str | None]:
    """(status of the cell, the clean value, the GB 11643 problem or None)."""
    parsed = values.parse_id(cell)
    if parsed.status == values.INVALID:
        return parsed.status, None, parsed.problem
    problem = idnumber.validate(parsed.value, today=TODAY)
    return parsed.status, parsed.value, problem.en if problem else None


@pytest.mark.parametrize(("number", "differs"), STDNUM_VALID)
def test_stdnum_valid_vectors(number: str, differs: str | None):
    status, value, problem = verdict(number)
    assert status == values.STANDARD and value == number
    if differs == "province":
        assert problem is not None and "province code" in problem
    else:
        assert problem is None


@pytest.mark.parametrize("cell", STDNUM_INVALID)
def test_stdnum_invalid_vectors(cell: str):
    assert verdict(cell)[2] is not None


def test_the_standards_example_and_how_people_type_it():
    assert verdict(STANDARD_EXAMPLE) == (values.STANDARD, STANDARD_EXAMPLE, None)
    # full-width digits and letter (an IME in full-width mode): folded, nonstandard, then valid
    assert verdict("１１０１０５１９４９１２３１００２Ｘ") == (values.NONSTANDARD, STANDARD_EXAMPLE, None)
    assert verdict("１１０１０５１９４９１２３１００２ｘ")[1] == STANDARD_EXAMPLE
    # spaces and hyphens inside, as printed on forms
    assert verdict("110105 19491231 002X") == (values.NONSTANDARD, STANDARD_EXAMPLE, None)
    assert verdict("110105-19491231-002X") == (values.NONSTANDARD, STANDARD_EXAMPLE, None)
    assert values.parse_id("110105 19491231 002X").standard.startswith(STANDARD_EXAMPLE)


def test_only_ascii_digits_count():
    arabic_indic = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in STANDARD_EXAMPLE[:17]) + "X"
    _, _, problem = verdict(arabic_indic)
    assert problem is not None and "17 digits" in problem


def test_15_digit_numbers_are_the_pre_1999_form_converted_to_18():
    # 110105491231002 is the 15-digit form of the standard's example (birth 1949-12-31)
    parsed = values.parse_id("110105491231002")
    assert parsed.status == values.NONSTANDARD and parsed.value == STANDARD_EXAMPLE
    assert "15-digit form" in parsed.standard
    assert idnumber.validate(parsed.value, today=TODAY) is None


def test_province_code_and_birth_date_are_checked_once():
    bad_province = "99" + STANDARD_EXAMPLE[2:17]
    assert "province" in idnumber.validate(bad_province + idnumber.check_character(bad_province),
                                           today=TODAY).en
    future = "11010520990101002"
    problem = idnumber.validate(future + idnumber.check_character(future), today=TODAY)
    assert "impossible" in problem.en


def _fold_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def test_full_width_and_15_digit_numbers_join_their_twins_in_other_tables(make_fixture, audit_findings):
    import csv

    archive = make_fixture(seed=4)
    path = archive / "candidates.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index(next(h for h in rows[0] if h in ("id_number", "身份证号", "证件号码", "身份证号码")))
    rows[1][column] = _fold_full_width(rows[1][column])
    old = next(i for i, r in enumerate(rows[2:], 2) if r[column][6:8] == "19")  # born 19xx: has a 15-digit form
    rows[old][column] = rows[old][column][:6] + rows[old][column][8:17]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    doc = audit_findings(archive)
    assert sorted((f["rule"], f["row"]) for f in doc["findings"]) == [
        ("data.nonstandard_value", 2), ("data.nonstandard_value", old + 1)]


def test_a_birth_date_in_2099_is_one_finding_not_two(make_fixture, audit_findings):
    import csv

    archive = make_fixture(seed=4)
    path = archive / "candidates.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    column = next(i for i, h in enumerate(rows[0]) if h in ("id_number", "身份证号", "证件号码", "身份证号码"))
    first17 = rows[1][column][:6] + "2099" + rows[1][column][10:17]
    new = first17 + idnumber.check_character(first17)
    for table in archive.glob("*.csv"):  # the same person everywhere: only the number is wrong
        text = table.read_text(encoding="utf-8-sig")
        table.write_text(text.replace(rows[1][column], new), encoding="utf-8")
    doc = audit_findings(archive)
    about = [f["rule"] for f in doc["findings"] if f["id_number"] == new or f["evidence"].get("value") == new]
    # one finding per row that holds it (the person sits two sessions), none derived from its birth date
    assert about and set(about) == {"data.invalid_id_number"}
