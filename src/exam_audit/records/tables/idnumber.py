"""GB 11643-1999 resident identity numbers: format, birth date and check character."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FORMAT = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class IdProblem:
    en: str
    zh: str


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def birth_date(id_number: str) -> date | None:
    """The birth date an 18-character number encodes, or None when it is not a real date."""
    try:
        return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def sex(id_number: str) -> str:
    """'male' for an odd sequence number, 'female' for even (GB 11643)."""
    return "male" if int(id_number[16]) % 2 else "female"


def validate(id_number: str, *, today: date) -> IdProblem | None:
    """None when ``id_number`` (upper-cased) is a valid GB 11643 number, else what is wrong."""
    if not _FORMAT.match(id_number):
        return IdProblem(
            f"must be 17 digits and a check digit or X, got {len(id_number)} characters",
            f"应为 17 位数字加 1 位校验码（数字或 X），实为 {len(id_number)} 位",
        )
    born = birth_date(id_number)
    if born is None:
        return IdProblem(f"birth date {id_number[6:14]} is not a real date",
                         f"出生日期 {id_number[6:14]} 不存在")
    if born > today:  # an old birth date is valid here; the age rule judges it
        return IdProblem(f"birth date {born.isoformat()} is impossible",
                         f"出生日期 {born.isoformat()} 不合理")
    expected = check_character(id_number[:17])
    if id_number[17] != expected:
        return IdProblem(f"check character is {id_number[17]}, should be {expected}",
                         f"校验码为 {id_number[17]}，应为 {expected}")
    return None
