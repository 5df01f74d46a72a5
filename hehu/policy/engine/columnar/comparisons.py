"""Operators: comparisons, arithmetic, `in`, equality with null and of enum columns.

Each follows the evaluator exactly: a comparison with null is false, `==` treats null as
equal to null only, integers divide toward zero (null when dividing by zero). For speed,
`age_on`/`months_elapsed` compared with constants become one date comparison, enum
columns are compared as `pl.Enum` with literals of their set, and short `in` lists are
chains of `==`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

import polars as pl

from hehu.policy.engine import ast
from hehu.policy.engine.columnar.dates import MONOTONE_HELPERS, date_threshold
from hehu.policy.engine.columnar.parameters import ParameterLowering
from hehu.policy.engine.columnar.values import (
    DTYPES,
    ListLitRef,
    Lowered,
    NotCompilable,
    ParamRef,
    StructRef,
    Value,
    plain,
    recorded,
)

_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}  # `k < x` is `x > k`


def _is_null(node: ast.Expr) -> bool:
    return isinstance(node, ast.Literal) and node.value is None


def _divide(op: str, a: pl.Expr, b: pl.Expr, both_int: bool) -> pl.Expr:
    """CEL's `/` and `%` as the evaluator has them: integers truncate toward zero and give
    null when dividing by zero; doubles follow IEEE (fmod for `%`)."""
    if both_int:
        quotient = (a.abs() // b.abs()) * (a.sign() * b.sign())
        result = quotient if op == "/" else a - b * quotient
        return pl.when(b == 0).then(pl.lit(None, pl.Int64)).otherwise(result)
    a, b = a.cast(pl.Float64), b.cast(pl.Float64)
    if op == "/":
        return a / b
    remainder = a.abs() % b.abs()
    return pl.when(a < 0).then(-remainder).otherwise(remainder)


_FEW = 8  # up to this many values, `x in [...]` is a chain of `==` (hashing costs more)


def _one_of(subject: pl.Expr, items: list[Any], dtype: pl.DataType) -> pl.Expr:
    """`subject` equals one of `items` (never null; false for a null subject)."""
    if not items:
        return pl.lit(False)
    found = subject == pl.lit(items[0], dtype)
    for item in items[1:]:
        found = found | (subject == pl.lit(item, dtype))
    return found.fill_null(False)


class ComparisonLowering(ParameterLowering):
    """Binary operators, `in`, and whether a value or a record is recorded."""

    def binary(self, node: ast.Binary, env: Mapping[str, Lowered]) -> Value:
        if node.op == "in":
            return self.membership(node, env)
        if node.op in _FLIPPED:
            compared = self.helper_comparison(node, env)
            if compared is not None:
                return compared
        if node.op in ("==", "!=") and _is_null(node.left) != _is_null(node.right):
            # `x == null`: whether x is recorded — also for a record (`disability == null`).
            other = self.lower(node.right if _is_null(node.left) else node.left, env)
            present = self.presence(other, node)
            expr = present.expr if node.op == "!=" else ~present.expr
            return Value(expr, present.scope, "bool", present.depth)
        raw = [self.raw_value(node.left, env), self.raw_value(node.right, env)]
        if node.op in ("==", "!="):
            equality = self.enum_equality(node, env, raw[0], raw[1])
            if equality is not None:
                return equality
        (left, right), scope = self.unify([plain(v) for v in raw], node)
        depth = max(left.depth, right.depth)
        a, b = left.expr, right.expr
        if node.op == "==":  # the evaluator's `==`: null equals null only
            return Value(a.eq_missing(b), scope, "bool", depth)
        if node.op == "!=":
            return Value(a.ne_missing(b), scope, "bool", depth)
        if node.op in ("<", "<=", ">", ">="):
            compare = {"<": a.__lt__, "<=": a.__le__, ">": a.__gt__, ">=": a.__ge__}[node.op]
            return Value(compare(b).fill_null(False), scope, "bool", depth)
        both_int = left.kind == "int" and right.kind == "int"
        kind = "int" if both_int else "double"
        if node.op == "+":
            return Value(a + b, scope, left.kind if left.kind == right.kind else kind, depth)
        if node.op == "-":
            return Value(a - b, scope, kind, depth)
        if node.op == "*":
            return Value(a * b, scope, kind, depth)
        return Value(_divide(node.op, a, b, both_int), scope, kind, depth)

    def helper_comparison(self, node: ast.Binary, env: Mapping[str, Lowered]) -> Value | None:
        """`age_on(d, D) < k`, `months_elapsed(d, D) >= k`… with a constant date D and a
        constant k, as one comparison of `d` with a date found once (see `dates.date_threshold`)."""
        op: str = node.op
        call, other = node.left, node.right
        if not self.monotone_call(call):
            op, call, other = _FLIPPED[op], node.right, node.left
        if not (isinstance(call, ast.Call) and self.monotone_call(call)):
            return None
        k, on = self.constant(other, env), self.constant(call.args[1], env)
        if not isinstance(k, int) or isinstance(k, bool) or not isinstance(on, dt.date):
            return None
        # helper >= k, or helper >= k + 1 for `>`; `<` and `<=` are their negations.
        least = k + 1 if op in (">", "<=") else k
        threshold = date_threshold(call.function, on, least)
        if threshold is None:
            return None
        date = self.value(call.args[0], env)
        if threshold is True:
            reached = date.expr.is_not_null()
        else:
            reached = (date.expr <= pl.lit(threshold, pl.Date)).fill_null(False)
        if op in ("<", "<="):
            reached = date.expr.is_not_null() & ~reached
        return Value(reached, date.scope, "bool", date.depth)

    def monotone_call(self, node: ast.Expr) -> bool:
        return (
            isinstance(node, ast.Call)
            and node.target is None
            and node.function in MONOTONE_HELPERS
            and node.function not in self.policy.predicates
            and len(node.args) == 2
        )

    def enum_equality(
        self, node: ast.Binary, env: Mapping[str, Lowered], left: Value, right: Value
    ) -> Value | None:
        """`==`/`!=` of an enum column with a constant string, or with a column of the same
        enum, compared as `pl.Enum` (small integers); None for any other comparison."""
        if left.enum is None:
            left, right = right, left
            constant = self.constant(node.left, env)
        else:
            constant = self.constant(node.right, env)
        if left.enum is None:
            return None
        if right.enum == left.enum:
            (a, b), scope = self.unify([left, right], node)
            expr = a.expr.eq_missing(b.expr) if node.op == "==" else a.expr.ne_missing(b.expr)
            return Value(expr, scope, "bool", max(a.depth, b.depth))
        if not isinstance(constant, str):
            return None
        if constant not in left.enum:  # never equal, not even to a null
            return Value(pl.lit(node.op == "!="), None, "bool")
        literal = pl.lit(constant, pl.Enum(list(left.enum)))
        expr = left.expr.eq_missing(literal) if node.op == "==" else left.expr.ne_missing(literal)
        return Value(expr, left.scope, "bool", left.depth)

    def presence(self, lowered: Lowered, node: ast.Expr) -> Value:
        """Whether a value (or a record) is recorded."""
        if isinstance(lowered, ParamRef):
            lowered = self.param_value(lowered, node)
        if isinstance(lowered, Value):
            return Value(lowered.expr.is_not_null(), lowered.scope, "bool", lowered.depth)
        if isinstance(lowered, StructRef):
            if lowered.struct in ("Parent", "Child") or not lowered.prefix:
                return Value(pl.lit(True), None, "bool")  # father, mother, list elements
            return recorded(lowered)
        raise NotCompilable(node, "a comparison of a list with null", "列表与 null 比较无法编译")

    def membership(self, node: ast.Binary, env: Mapping[str, Lowered]) -> Value:
        left = self.raw_value(node.left, env)
        right = self.lower(node.right, env)
        if left.enum is not None and not (
            isinstance(right, ParamRef)
            or (isinstance(right, ListLitRef) and self.literal_items(node.right) is not None)
        ):
            left = plain(left)

        def is_in(values: Any) -> pl.Expr:
            # Python's `in` compares 1 == 1.0: an int meets a list of doubles as a double.
            items = [v for v in values if v is not None]
            subject, kind = left.expr, left.kind
            if kind == "null":
                return pl.lit(False)
            if left.enum is not None:  # a value outside the enum matches nothing
                enum = pl.Enum(list(left.enum))
                known = [v for v in left.enum if v in items]
                return _one_of(subject, known, enum)
            if kind == "int" and any(isinstance(v, float) for v in items):
                subject, kind = subject.cast(pl.Float64), "double"
            if kind == "double":
                items = [float(v) for v in items]
            if kind == "date":
                items = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in items]
            dtype = DTYPES.get(kind)
            if dtype is not None and len(set(items)) <= _FEW:
                return _one_of(subject, list(dict.fromkeys(items)), dtype)
            series = pl.Series(items, dtype=dtype)
            return subject.is_in(series.implode()).fill_null(False)

        if isinstance(right, ParamRef) and right.type.kind == "list":
            choice = self.choice(right)
            if choice is None:
                values = right.choices[0][1] if right.choices else []
                return Value(is_in(values), left.scope, "bool", left.depth)
            (left, index), scope = self.unify([left, choice], node)
            chain: Any = pl.when(index.expr == 0).then(is_in(right.choices[0][1]))
            for k, (_, values) in enumerate(right.choices[1:], start=1):
                chain = chain.when(index.expr == k).then(is_in(values))
            depth = max(left.depth, index.depth)
            return Value(chain.otherwise(False), scope, "bool", depth)
        if isinstance(right, ListLitRef):
            literal_items = self.literal_items(node.right)
            if literal_items is not None:
                return Value(is_in(literal_items), left.scope, "bool", left.depth)
            values, scope = self.unify([left, *right.items], node)
            checks = [(values[0].expr == v.expr).fill_null(False) for v in values[1:]]
            return Value(
                pl.any_horizontal(checks) if checks else pl.lit(False),
                scope,
                "bool",
                max(v.depth for v in values),
            )
        raise NotCompilable(node, "'in' needs a list", "“in”需要一个列表")

    @staticmethod
    def literal_items(node: ast.Expr) -> list[Any] | None:
        if not isinstance(node, ast.ListLit):
            return None
        if not all(isinstance(item, ast.Literal) for item in node.items):
            return None
        return [cast(ast.Literal, item).value for item in node.items]
