"""GB 11643-1999 resident identity numbers: format, province, birth date and check character; and the
pre-1999 15-digit form (GB 11643-1989), converted to 18 digits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_FORMAT = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII digits only: \d and int() accept any script's digits
_OLD_FORMAT = re.compile(r"^[0-9]{15}$")

# The address code starts with a province-level code of GB/T 2260 (first two digits); 83 is the code the
# residence permits of Taiwan residents carry (State Council 2018), 81/82 those of Hong Kong and Macau.
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})


@dataclass(frozen=True)
class IdProblem:
    en: str
    zh: str


def check_character(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def upgrade(old: str) -> str | None:
    """The 18-character form of a 15-digit number (birth year 19yy, check character added), or None."""
    if not _OLD_FORMAT.match(old):
        return None
    first17 = old[:6] + "19" + old[6:]
    return first17 + check_character(first17)


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
    if id_number[:2] not in PROVINCES:
        return IdProblem(f"address code {id_number[:6]} starts with {id_number[:2]}, not a province code of "
                         "GB/T 2260", f"地址码 {id_number[:6]} 的前两位 {id_number[:2]} 不是 GB/T 2260 的省级代码")
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
