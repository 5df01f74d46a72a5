"""Amounts and months as bank files write them: yuan with two decimals or whole fen."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

FEN_PER_YUAN = 100
_YUAN = re.compile(r"\d+(?:\.\d{1,2})?")
_FEN = re.compile(r"\d+")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def amount_text(amount: Decimal, fmt: str) -> str:
    """1651 → "1651.00" (yuan) or "165100" (fen)."""
    if fmt == "fen":
        return str(amount_fen(amount))
    return f"{amount:.2f}"


def amount_fen(amount: Decimal) -> int:
    return int((amount * FEN_PER_YUAN).to_integral_value())


def amount_number(amount: Decimal, fmt: str) -> Decimal | int:
    """The amount as a spreadsheet number: yuan (two decimals) or whole fen."""
    if fmt == "fen":
        return amount_fen(amount)
    return amount.quantize(Decimal("0.01"))


def parse_amount(text: str, fmt: str) -> Decimal | None:
    """A written amount in yuan or fen; None when it is not a non-negative amount of that
    format ("1,651.00" is read; "1651.005", "-3" and "abc" are not)."""
    value = text.strip()
    if _THOUSANDS.fullmatch(value):
        value = value.replace(",", "")
    if fmt == "fen":
        return Decimal(value) / FEN_PER_YUAN if _FEN.fullmatch(value) else None
    return Decimal(value).quantize(Decimal("0.01")) if _YUAN.fullmatch(value) else None


def month_text(month: dt.date, fmt: str) -> str:
    return f"{month:%Y%m}" if fmt == "yyyymm" else f"{month:%Y-%m}"
