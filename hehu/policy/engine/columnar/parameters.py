"""Parameters in the compiled form: the values in force on `as_of`, chosen per child by region.

A parameter lowers to the values covering `as_of`, the most specific region first; when
some are regional, each child gets the value of the longest region-code prefix it matches
(a `pl.when` chain). A value that is the same for every child is a constant, which lets
comparisons with the date helpers be folded (see `comparisons`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from hehu.policy.engine import ast
from hehu.policy.engine.columnar.planning import LoweringBase
from hehu.policy.engine.columnar.values import (
    ROOT,
    Lowered,
    NotCompilable,
    ParamRef,
    Value,
    literal,
)


class ParameterLowering(LoweringBase):
    """`params.x`, by region; constants the same for every child."""

    def parameter(self, node: ast.Select) -> ParamRef:
        parameter = self.policy.parameters.get(node.field)
        if parameter is None:
            raise NotCompilable(node, f"unknown parameter '{node.field}'", "未知的参数")
        covering = [v for v in parameter.values if v.covers(self.as_of)]
        covering.sort(key=lambda v: len(v.region), reverse=True)
        return ParamRef(node.field, parameter.type, tuple((v.region, v.value) for v in covering))

    def by_region(self, param: ParamRef, make: Callable[[Any], pl.Expr]) -> Value:
        """A per-child choice among a parameter's values: the longest matching prefix."""
        choice = self.choice(param)
        if choice is None:
            return Value(make(param.choices[0][1]) if param.choices else pl.lit(None), None, "")
        chain: Any = pl
        for k, (_, value) in enumerate(param.choices):
            chain = chain.when(choice.expr == k).then(make(value))
        return Value(chain.otherwise(None), ROOT, "")

    def param_value(self, param: ParamRef, node: ast.Expr) -> Value:
        if param.type.kind == "list":
            raise NotCompilable(
                node, "a list parameter used as a value", "把列表参数当作值使用无法编译"
            )
        kind = param.type.kind
        found = self.by_region(param, lambda value: literal(value, kind))
        return Value(found.expr, found.scope, kind)

    def choice(self, param: ParamRef) -> Value | None:
        """Which of a parameter's values applies to each child (an index into `choices`),
        or None when one value applies everywhere."""
        if not any(region for region, _ in param.choices):
            return None
        region = pl.col("region_code")
        chain: Any = pl
        for k, (prefix, _) in enumerate(param.choices):
            test = region.str.starts_with(prefix).fill_null(False) if prefix else pl.lit(True)
            chain = chain.when(test).then(pl.lit(k, pl.Int64))
        return Value(chain.otherwise(pl.lit(None, pl.Int64)), ROOT, "int")

    def constant(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Any:
        """The value of `node` when it is the same for every child (else None): a literal,
        `as_of`, `date("…")`, or a parameter with no regional value."""
        if isinstance(node, ast.Literal):
            return node.value
        if isinstance(node, ast.Ident) and node.name == "as_of" and "as_of" not in env:
            return self.as_of
        if (
            isinstance(node, ast.Call)
            and node.function == "date"
            and node.target is None
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Literal)
            and isinstance(node.args[0].value, str)
        ):
            return dt.date.fromisoformat(node.args[0].value)
        if (
            isinstance(node, ast.Select)
            and isinstance(node.operand, ast.Ident)
            and node.operand.name == "params"
            and "params" not in env
        ):
            param = self.parameter(node)
            if param.choices and not any(region for region, _ in param.choices):
                return param.choices[0][1]
        return None
