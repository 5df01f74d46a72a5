"""What an expression lowers to: scopes, values and references, and the derived-column steps.

A `Value` is a Polars expression over the frame of its `Scope` (or a constant); a name
that is not a scalar lowers to a reference — a record (`StructRef`), a list of records
(`ListRef`), a literal list (`ListLitRef`) or a parameter (`ParamRef`) — that the
expression using it turns into columns. A `Step` is a derived column the run adds to a
frame. A construct the compiler cannot lower raises `NotCompilable`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from hehu.policy.engine import ast
from hehu.policy.engine.types import STRUCTS, Type

StepOp = Literal["let", "gather", "exists", "all", "exists_one", "count"]


DTYPES: dict[str, pl.DataType] = {
    "bool": pl.Boolean(),
    "int": pl.Int64(),
    "double": pl.Float64(),
    "string": pl.String(),
    "date": pl.Date(),
}


# The list fields of a struct: (struct of an element, frame holding the elements).
LIST_FRAMES: dict[str, tuple[str, str]] = {
    "parents": ("Parent", "parents"),
    "protection_concerns": ("Concern", "concerns"),
    "assessed_needs": ("Need", "needs"),
    "receiving": ("Receiving", "receiving"),
    "conditions": ("Condition", "conditions"),
}


class NotCompilable(Exception):
    """A construct the compiler cannot lower; becomes a `not_compilable` problem."""

    def __init__(self, node: ast.Expr, en: str, zh: str) -> None:
        super().__init__(en)
        self.node, self.en, self.zh = node, en, zh


@dataclass(eq=False)
class Scope:
    """Where a value lives: a frame, and how its rows map to the rows of the outer scope.

    Compared by identity: two comprehensions over the same list are different scopes, and
    a value of one cannot be used inside the other (that would be a cross product).
    """

    frame: str
    parent: Scope | None = None
    link: str | None = None  # column of `frame`: the row of `parent.frame` it belongs to


ROOT = Scope("children")


@dataclass(frozen=True)
class Value:
    """A scalar: a Polars expression over `scope.frame` (scope None: a constant)."""

    expr: pl.Expr
    scope: Scope | None
    kind: str  # a types.Kind
    depth: int = 0  # 1 + the deepest derived column it reads (0: base columns only)
    enum: tuple[str, ...] | None = None  # a column of this closed set of strings (pl.Enum)


@dataclass(frozen=True)
class StructRef:
    """A struct-valued name: its scalar fields are columns `prefix + field` of scope.frame."""

    struct: str
    scope: Scope
    prefix: str = ""
    row: str | None = None  # a Parent outside `parents`: the column with its row there


@dataclass(frozen=True)
class ListRef:
    """A list of structs: the rows of `frame` whose `link` is the owner's row."""

    struct: str
    frame: str
    owner: Scope
    link: str
    via: str | None = None  # `father.conditions`: the owner's column holding the parent row


@dataclass(frozen=True)
class ListLitRef:
    items: tuple[Value, ...]


@dataclass(frozen=True)
class ParamRef:
    """`params.x`: the values covering `as_of`, most specific region prefix first."""

    name: str
    type: Type
    choices: tuple[tuple[str, Any], ...]


Lowered = Value | StructRef | ListRef | ListLitRef | ParamRef


@dataclass(frozen=True)
class Step:
    """A derived column: `expr` evaluated on `source`, moved into `target` by `op`.

    `gather`: target[index] are rows of source (nullable: a parent not recorded).
    aggregates: source[index] are rows of target; the body's truth is counted per row.
    `let`: `expr` materialised as a column of its own frame (source is target), so that a
    predicate called from many places is computed once.
    """

    name: str
    op: StepOp
    source: str
    target: str
    index: str
    expr: pl.Expr
    depth: int


def truth(value: Value) -> pl.Expr:
    """A value used as a condition: null is false."""
    if value.kind == "null":
        return pl.lit(False)
    return value.expr.fill_null(False)


def literal(value: Any, kind: str) -> pl.Expr:
    if value is None:
        return pl.lit(None)
    if kind == "date" and isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if kind == "double":
        value = float(value)
    return pl.lit(value, DTYPES[kind])


def plain(value: Value) -> Value:
    """`value` with an enum column cast to text, for any use other than `enum_equality`."""
    if value.enum is None:
        return value
    return Value(value.expr.cast(pl.String), value.scope, value.kind, value.depth)


def is_ancestor(outer: Scope, inner: Scope) -> bool:
    scope: Scope | None = inner
    while scope is not None:
        if scope is outer:
            return True
        scope = scope.parent
    return False


def recorded(record: StructRef) -> Value:
    """Whether a nested record (`disability`…) is recorded: any of its scalar fields is."""
    columns = [
        pl.col(f"{record.prefix}{name}").is_not_null()
        for name, typ in STRUCTS[record.struct].items()
        if typ.kind not in ("struct", "list")
    ]
    return Value(pl.any_horizontal(columns), record.scope, "bool")
