"""Programmes and their standards: what a benefit file defines, once loaded and checked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath

from hehu.policy.engine import ast
from hehu.policy.engine.model import Text

KINDS = ("monthly_allowance", "supplement", "one_off_aid")
RULES = ("top_up", "highest_only", "independent")


@dataclass(frozen=True)
class Stacking:
    """How a programme combines with others, as data for the entitlement slice.

    top_up: only the difference over lower support already received is paid;
    highest_only: of several such allowances only the highest is paid (就高不就低);
    independent: paid on top of anything else; `exclusive_with`: never paid together.
    """

    rule: str
    exclusive_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class Formula:
    """A standard computed from other programmes' standards and parameters (`params.x`)."""

    source: str
    expr: ast.Expr
    programmes: tuple[str, ...]  # the programmes it reads, in source order
    parameters: tuple[str, ...]  # the parameters it reads, in source order


@dataclass(frozen=True)
class StandardValue:
    """One standard of a programme for a region subtree and a period.

    Exactly one of `amount` and `formula` is meaningful; `amount` None with no formula
    means "decided per case". `region` is a code prefix ("" = everywhere); the period is
    inclusive, None = open. As with parameters, the longest region covering the date wins.
    """

    amount: Decimal | None
    formula: Formula | None
    region: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    file: str
    line: int

    def covers(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


@dataclass(frozen=True)
class Programme:
    code: str
    label: Text
    kind: str
    categories: tuple[str, ...]
    stacking: Stacking
    values: tuple[StandardValue, ...]
    file: str
    line: int


@dataclass(frozen=True)
class Standard:
    """A programme's standard for a region and month, with where it came from.

    `amount` is rounded to the fen; None when the amount is decided per case.
    `inputs` are the values a formula read (programmes by code, parameters as `params.x`).
    """

    programme: str
    region_code: str
    month: dt.date
    amount: Decimal | None
    file: str
    line: int
    region: str  # the region prefix of the value used ("" = national)
    formula: str | None
    inputs: tuple[tuple[str, Decimal | None], ...]

    def explanation(self) -> Text:
        where_zh = f"地区 {self.region} 的标准" if self.region else "全国标准"
        where_en = (
            f"the standard of region {self.region}" if self.region else "the national standard"
        )
        # The file's name only: the reason is shown to officers (and kept on a roll's lines),
        # and the server's directories are none of their business.
        at = f"{PurePath(self.file).name}:{self.line}"
        if self.formula is None and self.amount is None:
            return Text(
                f"{where_zh}按个案确定金额（{at}）",
                f"{where_en}: the amount is decided case by case ({at})",
            )
        if self.formula is None:
            return Text(
                f"{where_zh}：{self.amount} 元（{at}）",
                f"{where_en}: {self.amount} yuan ({at})",
            )
        read = ", ".join(f"{name} = {value}" for name, value in self.inputs)
        return Text(
            f"{where_zh}：按公式 {self.formula} 计算（{read}），得 {self.amount} 元（{at}）",
            f"{where_en}: the formula {self.formula} with {read} gives {self.amount} yuan ({at})",
        )
