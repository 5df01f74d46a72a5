"""An assessment instrument as data: parts (indicators or domains) of items with scored
options, cut-offs from a score to an outcome, and red flags that force one.

Pure Python (no Django): the loader builds these from a YAML file, scoring reads them.
Scores are Decimals so that a boundary (80 is "normal", 79.99 is not) never depends on
floating-point rounding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from hehu.policy.engine.model import Text

FORMAT_VERSION = 1
NEEDS = "needs"
GUARDIANSHIP = "guardianship"
KINDS = (NEEDS, GUARDIANSHIP)

# DB42/T 1969-2023: four grades, worst first.
GRADES = ("absent", "improper", "insufficient", "normal")
GRADE_LABELS = {
    "absent": Text("监护缺失", "guardianship absent"),
    "improper": Text("监护失当", "guardianship improper"),
    "insufficient": Text("监护不足", "guardianship insufficient"),
    "normal": Text("监护正常", "guardianship normal"),
}
# Need levels, most first.
NEED_LEVELS = ("high", "medium", "low", "none")
NEED_LEVEL_LABELS = {
    "high": Text("需求高", "high need"),
    "medium": Text("需求中", "medium need"),
    "low": Text("需求低", "low need"),
    "none": Text("无需求", "no need"),
}
# DOMAIN.md §6: each need maps to a support of one of three kinds.
SUPPORTS = ("cash", "in_kind", "service")
SUPPORT_LABELS = {
    "cash": Text("资金", "cash"),
    "in_kind": Text("实物", "in kind"),
    "service": Text("服务", "service"),
}
TOP = Decimal(100)


@dataclass(frozen=True)
class Option:
    code: str
    label: Text
    score: Decimal


@dataclass(frozen=True)
class Item:
    code: str
    label: Text
    options: tuple[Option, ...]
    hint: Text | None = None

    @property
    def max_score(self) -> Decimal:
        return max((o.score for o in self.options), default=Decimal(0))

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class CutOff:
    """Scores from `low` (included) to `high` (excluded; 100 included) give `outcome`."""

    outcome: str
    low: Decimal
    high: Decimal

    def holds(self, score: Decimal) -> bool:
        return self.low <= score < self.high or (score == self.high == TOP)


@dataclass(frozen=True)
class Part:
    """A first-level indicator (guardianship) or a domain of need (needs)."""

    code: str
    label: Text
    items: tuple[Item, ...]
    weight: Decimal | None = None  # guardianship: share of the weighted score
    support: str | None = None  # needs: cash / in_kind / service
    cut_offs: tuple[CutOff, ...] = ()  # needs: the level of this domain


@dataclass(frozen=True)
class RedFlag:
    """An answer that forces an outcome whatever the score (e.g. a child left alone)."""

    item: str
    option: str
    outcome: str  # a grade (guardianship) or a need level (needs)
    label: Text


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    kind: str
    effective_from: dt.date
    effective_to: dt.date | None
    title: Text
    sources: tuple[Text, ...]
    parts: tuple[Part, ...]
    cut_offs: tuple[CutOff, ...] = ()  # guardianship: weighted score → grade
    red_flags: tuple[RedFlag, ...] = ()
    file: str = "<instrument>"
    _items: dict[str, tuple[Part, Item]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for part in self.parts:
            for item in part.items:
                self._items[item.code] = (part, item)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def items(self) -> list[Item]:
        """Every item, in the order of the file."""
        return [item for part in self.parts for item in part.items]

    def item(self, code: str) -> Item | None:
        found = self._items.get(code)
        return found[1] if found else None

    def part_of(self, code: str) -> Part | None:
        found = self._items.get(code)
        return found[0] if found else None

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)
