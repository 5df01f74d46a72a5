"""The expression tree of the policy language (a subset of CEL).

`parse.parse_expression` builds these nodes from CEL text. They are plain, immutable
and positioned: every node knows the line and column (1-based, in the policy *file*) where
it starts, so that the checker, the evaluator and the compiler can all point at the text.

Names are not resolved here: an `Ident` may be a fact (`birth_date`), a comprehension or
predicate variable (`p`), a predicate without arguments (`is_minor`), `as_of` or `params`.
`check` resolves them against a policy; `evaluate` and `columnar` resolve them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as TypingLiteral

BinaryOp = TypingLiteral["==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"]
UnaryOp = TypingLiteral["!", "-"]
ComprehensionKind = TypingLiteral["exists", "all", "exists_one", "filter"]


@dataclass(frozen=True)
class Pos:
    line: int  # 1-based line in the policy file (or in the expression text when standalone)
    column: int  # 1-based column


@dataclass(frozen=True, eq=False)
class Expr:
    pos: Pos


@dataclass(frozen=True, eq=False)
class Literal(Expr):
    value: bool | int | float | str | None


@dataclass(frozen=True, eq=False)
class ListLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Ident(Expr):
    name: str


@dataclass(frozen=True, eq=False)
class Select(Expr):
    """`operand.field`: a field of a struct (`father.vital_status`, `params.adult_age`)."""

    operand: Expr
    field: str


@dataclass(frozen=True, eq=False)
class Has(Expr):
    """CEL's `has(operand.field)`: true when the field is present (not null)."""

    operand: Expr
    field: str


@dataclass(frozen=True, eq=False)
class Call(Expr):
    """`function(args)` or, with a target, `target.function(args)` (e.g. `xs.size()`).

    A call of a named predicate (`meets_q(father)`) is a `Call` too; so is a builtin
    (`age_on(birth_date, as_of)`, `date("2025-01-01")`, `region_code.startsWith("51")`).
    """

    function: str
    args: tuple[Expr, ...]
    target: Expr | None = None


@dataclass(frozen=True, eq=False)
class Unary(Expr):
    op: UnaryOp
    operand: Expr


@dataclass(frozen=True, eq=False)
class Binary(Expr):
    op: BinaryOp
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class And(Expr):
    """`a && b && …`, flattened: the operands in source order."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Or(Expr):
    """`a || b || …`, flattened: the operands in source order."""

    operands: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Conditional(Expr):
    """`condition ? then : otherwise`."""

    condition: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, eq=False)
class Comprehension(Expr):
    """CEL's macros over a list: `range.exists(var, body)`, `.all`, `.exists_one`, `.filter`.

    `filter` yields a list; the language allows it only under `.size()` (a count).
    """

    kind: ComprehensionKind
    range: Expr
    var: str
    body: Expr


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `node`, in source order."""
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, Select | Has):
        return (node.operand,)
    if isinstance(node, Call):
        return ((node.target,) if node.target is not None else ()) + node.args
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, And | Or):
        return node.operands
    if isinstance(node, Conditional):
        return (node.condition, node.then, node.otherwise)
    if isinstance(node, Comprehension):
        return (node.range, node.body)
    return ()


def walk(node: Expr) -> list[Expr]:
    """`node` and all its descendants, depth first, in source order."""
    found = [node]
    for child in children(node):
        found.extend(walk(child))
    return found
