"""The resident identity number (GB 11643-1999, DOMAIN.md §3).

Six-digit address code, `YYYYMMDD` birth date, three-digit sequence (odd for men, even for
women) and an ISO 7064 MOD 11-2 check character. The address code is where the number was
issued and may have been abolished since, so only its province prefix is checked: a number
is never refused because its county code is no longer current.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hehu.core.errors import ApplicationError

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"

# Provinces, autonomous regions, municipalities, Taiwan (71), Hong Kong (81), Macao (82).
PROVINCE_CODES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46]
    + [50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82]
)

_SHAPE = re.compile(r"^\d{17}[\dX]$")
_LOOKS_LIKE = re.compile(r"^\d{17}[\dXx]$")


class InvalidIdNumber(ApplicationError):
    """The ID number cannot be right; `reason` says which part is wrong."""

    code = "invalid_id_number"

    def __init__(self, message: object, *, reason: str) -> None:
        super().__init__(message, field="id_number", reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "male" | "female", as Sex in the registry models
    province_code: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def masked(self) -> str:
        return f"***{self.last4}"


def normalise_id_number(value: str) -> str:
    """Full-width digits and letters to ASCII, spaces removed, a lower-case x upper-cased."""
    text = unicodedata.normalize("NFKC", value)
    return "".join(text.split()).upper()


def looks_like_id_number(value: str) -> bool:
    return bool(_LOOKS_LIKE.match(normalise_id_number(value)))


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate and split an 18-character resident ID number, or raise InvalidIdNumber."""
    number = normalise_id_number(value)
    if not _SHAPE.match(number):
        raise InvalidIdNumber(
            _("身份证号码应为18位：前17位是数字，最后一位是数字或X"), reason="format"
        )
    if int(number[:2]) not in PROVINCE_CODES:
        raise InvalidIdNumber(
            _("身份证号码前两位不是有效的省级行政区划代码，请核对"), reason="province"
        )
    try:
        birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            _("身份证号码中的出生日期（第7至14位）不是有效日期，请核对"), reason="date"
        ) from None
    if birth_date > (today or timezone.localdate()):
        raise InvalidIdNumber(
            _("身份证号码中的出生日期（第7至14位）晚于今天，请核对"), reason="future_date"
        )
    if check_character(number[:17]) != number[17]:
        raise InvalidIdNumber(_("身份证号码校验位不正确，请核对最后一位"), reason="check")
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return IdNumber(number=number, birth_date=birth_date, sex=sex, province_code=number[:2])
