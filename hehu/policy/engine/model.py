"""A loaded policy: what `load` builds from a YAML file, and what the evaluators run.

Everything here is immutable and already validated: names resolve, types check, there is
no cycle among predicates or exclusions. `Policy.effective_for(province)` merges a
provincial override into its national base (see docs/policy-language.md, "Overrides").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from hehu.policy.engine import ast
from hehu.policy.engine.types import Type

NATIONAL = "national"


@dataclass(frozen=True)
class Text:
    """A phrase in both languages of the UI."""

    zh: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh

    def as_dict(self) -> dict[str, str]:
        return {"zh-hans": self.zh, "en": self.en}


@dataclass(frozen=True)
class ParameterValue:
    """One value of a parameter, for a region subtree and a period (both optional).

    `region` is a code prefix ("" = everywhere); `valid_from`/`valid_to` are inclusive,
    None = open. The most specific region whose period covers the date wins.
    """

    value: Any
    region: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def covers(self, on: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


@dataclass(frozen=True)
class Parameter:
    name: str
    type: Type
    label: Text
    values: tuple[ParameterValue, ...]
    line: int | None = None

    def value_for(self, region_code: str | None, on: dt.date) -> Any:
        """The value for a child in `region_code` on `on` (None when nothing covers it)."""
        best: ParameterValue | None = None
        for candidate in self.values:
            if not candidate.covers(on):
                continue
            if candidate.region and not (region_code or "").startswith(candidate.region):
                continue
            if best is None or len(candidate.region) > len(best.region):
                best = candidate
        return None if best is None else best.value


@dataclass(frozen=True)
class Predicate:
    """A named, reusable condition; with `args` it is called like a function."""

    name: str
    label: Text
    expr: ast.Expr
    args: tuple[tuple[str, Type], ...] = ()
    source: str = ""  # the CEL text, for display
    line: int | None = None


@dataclass(frozen=True)
class Clause:
    """One condition of a category; the explanation names each clause that decided.

    A clause written as a predicate's name takes that predicate's label.
    """

    id: str  # "<category>.<n>" (1-based) or the predicate's name
    label: Text
    expr: ast.Expr
    source: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Category:
    code: str
    name: Text
    clauses: tuple[Clause, ...]  # all must hold
    excluded_by: tuple[str, ...] = ()  # codes of categories that take precedence
    description: Text | None = None
    line: int | None = None


@dataclass(frozen=True)
class Umbrella:
    """A derived type (36号): any of the listed categories, or an extra condition."""

    code: str
    name: Text
    any_of: tuple[str, ...]
    when: Clause | None = None


@dataclass(frozen=True)
class NeedSignal:
    """A sign of need: a child showing one and in no category is a coverage gap."""

    code: str
    label: Text
    expr: ast.Expr
    source: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    jurisdiction: str  # NATIONAL or a 2-digit province code
    title: Text
    effective_from: dt.date
    effective_to: dt.date | None
    parameters: dict[str, Parameter]
    predicates: dict[str, Predicate]
    categories: tuple[Category, ...]  # in evaluation order: exclusions come first
    umbrellas: tuple[Umbrella, ...] = ()
    need_signals: tuple[NeedSignal, ...] = ()
    extends: str | None = None  # "id@version" of the base, for a provincial override
    file: str = "<policy>"
    sha256: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def category(self, code: str) -> Category:
        for category in self.categories:
            if category.code == code:
                return category
        raise KeyError(code)

    def in_effect(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)
