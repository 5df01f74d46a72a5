"""Scoring a completed instrument, keeping which answers produced each number.

A part's score is its points as a percentage of the most it could score (0–100, two
decimals, half up). Guardianship: the weighted sum of the indicators' scores gives a grade
by the cut-offs; a red-flag answer forces a grade at least as bad as its own (the worst
wins). Needs: each domain's score gives its level by the domain's cut-offs; a red flag
raises its domain to at least its level.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hehu.cases.instruments.model import (
    GRADES,
    GUARDIANSHIP,
    NEED_LEVELS,
    TOP,
    CutOff,
    Instrument,
    Item,
    Part,
    RedFlag,
)
from hehu.policy.engine.model import Text

CENT = Decimal("0.01")


class IncompleteAnswers(ValueError):
    """Scoring needs every item answered; `missing` lists the unanswered items."""

    def __init__(self, missing: list[Item]) -> None:
        super().__init__(", ".join(item.code for item in missing))
        self.missing = missing


@dataclass(frozen=True)
class AnswerProblem:
    item: str
    option: str
    message: Text


@dataclass(frozen=True)
class ItemScore:
    item: Item
    option_code: str
    score: Decimal

    def as_dict(self) -> dict[str, Any]:
        option = self.item.option(self.option_code)
        return {
            "code": self.item.code,
            "label": _text(self.item.label),
            "option": self.option_code,
            "option_label": _text(option.label) if option else {},
            "score": float(self.score),
            "max": float(self.item.max_score),
        }


@dataclass(frozen=True)
class PartScore:
    part: Part
    items: tuple[ItemScore, ...]
    points: Decimal
    max_points: Decimal
    score: Decimal  # 0–100
    outcome: str | None  # needs: the level of this domain
    level_by_score: str | None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.part.code,
            "label": _text(self.part.label),
            "points": float(self.points),
            "max_points": float(self.max_points),
            "score": float(self.score),
            "items": [i.as_dict() for i in self.items],
        }
        if self.part.weight is not None:
            data["weight"] = float(self.part.weight)
        if self.part.support is not None:
            data["support"] = self.part.support
            data["level"] = self.outcome
            data["level_by_score"] = self.level_by_score
        return data


@dataclass(frozen=True)
class Triggered:
    flag: RedFlag
    item: Item

    def as_dict(self) -> dict[str, Any]:
        option = self.item.option(self.flag.option)
        return {
            "item": self.item.code,
            "item_label": _text(self.item.label),
            "option": self.flag.option,
            "option_label": _text(option.label) if option else {},
            "outcome": self.flag.outcome,
            "label": _text(self.flag.label),
        }


@dataclass(frozen=True)
class Scored:
    instrument: Instrument
    parts: tuple[PartScore, ...]
    total: Decimal | None  # guardianship: the weighted score
    grade_by_score: str | None
    grade: str | None  # guardianship: after red flags
    triggered: tuple[Triggered, ...]

    @property
    def needs(self) -> list[dict[str, Any]]:
        """The needs found (level other than none), most pressing first: what a plan
        turns into goals — [{domain, level, support, score}]."""
        found = [p for p in self.parts if p.outcome not in (None, "none")]
        found.sort(key=lambda p: NEED_LEVELS.index(p.outcome or "none"))
        return [
            {
                "domain": p.part.code,
                "level": p.outcome,
                "support": p.part.support,
                "score": float(p.score),
            }
            for p in found
        ]

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "instrument": self.instrument.ref,
            "kind": self.instrument.kind,
            "parts": [p.as_dict() for p in self.parts],
            "triggered": [t.as_dict() for t in self.triggered],
        }
        if self.instrument.kind == GUARDIANSHIP:
            data["total"] = float(self.total or 0)
            data["grade_by_score"] = self.grade_by_score
            data["grade"] = self.grade
        return data


def _text(text: Text) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def answer_problems(instrument: Instrument, answers: dict[str, Any]) -> list[AnswerProblem]:
    """Answers naming an item or option the instrument does not have (None/"" = unanswered)."""
    problems = []
    for code, option in answers.items():
        item = instrument.item(str(code))
        if item is None:
            problems.append(
                AnswerProblem(
                    str(code),
                    str(option),
                    Text(
                        f"量表 {instrument.ref} 没有题目“{code}”",
                        f"the instrument {instrument.ref} has no item '{code}'",
                    ),
                )
            )
        elif option not in (None, "") and item.option(str(option)) is None:
            problems.append(
                AnswerProblem(
                    str(code),
                    str(option),
                    Text(
                        f"题目“{item.label.zh}”没有选项“{option}”",
                        f"the item '{item.label.en}' has no option '{option}'",
                    ),
                )
            )
    return problems


def missing_items(instrument: Instrument, answers: dict[str, Any]) -> list[Item]:
    """The items not answered yet, in the order of the instrument."""
    return [item for item in instrument.items() if answers.get(item.code) in (None, "")]


def _outcome(cut_offs: tuple[CutOff, ...], score: Decimal) -> str | None:
    return next((c.outcome for c in cut_offs if c.holds(score)), None)


def _percent(points: Decimal, most: Decimal) -> Decimal:
    if most <= 0:
        return Decimal(0)
    return (points * TOP / most).quantize(CENT, rounding=ROUND_HALF_UP)


def score(instrument: Instrument, answers: dict[str, Any]) -> Scored:
    """Scores, grade or need levels of a complete set of answers, with their reasons."""
    missing = missing_items(instrument, answers)
    if missing:
        raise IncompleteAnswers(missing)
    if answer_problems(instrument, answers):
        raise ValueError("answers name items or options the instrument does not have")
    triggered = tuple(
        Triggered(flag, item)
        for flag in instrument.red_flags
        if answers.get(flag.item) == flag.option and (item := instrument.item(flag.item))
    )
    parts = []
    for part in instrument.parts:
        items = []
        for item in part.items:
            option = item.option(str(answers[item.code]))
            items.append(
                ItemScore(item, str(answers[item.code]), option.score if option else Decimal(0))
            )
        points = sum((i.score for i in items), Decimal(0))
        most = sum((i.max_score for i in part.items), Decimal(0))
        percent = _percent(points, most)
        by_score = _outcome(part.cut_offs, percent) if part.cut_offs else None
        outcome = by_score
        if by_score is not None:
            forced = [t.flag.outcome for t in triggered if t.flag.item in _codes(part)]
            outcome = _worst([by_score, *forced], NEED_LEVELS)
        parts.append(PartScore(part, tuple(items), points, most, percent, outcome, by_score))
    if instrument.kind != GUARDIANSHIP:
        return Scored(instrument, tuple(parts), None, None, None, triggered)
    total = sum(((p.part.weight or Decimal(0)) * p.score for p in parts), Decimal(0)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    by_grade = _outcome(instrument.cut_offs, total)
    grade = _worst([g for g in [by_grade, *(t.flag.outcome for t in triggered)] if g], GRADES)
    return Scored(instrument, tuple(parts), total, by_grade, grade, triggered)


def _codes(part: Part) -> set[str]:
    return {item.code for item in part.items}


def _worst(outcomes: list[str], order: tuple[str, ...]) -> str:
    """The first of `order` among `outcomes` (grades and levels are listed worst first)."""
    return min(outcomes, key=order.index)
