"""Calls: the date helpers, predicates inlined with their arguments, and methods.

`date`, `age_on`, `add_months`, `months_elapsed` and `in_force` become the column-wise
helpers of `dates`, each result a derived column computed once; a predicate called with
arguments is inlined, its body seeing its arguments only; `size()` and `startsWith()` are
the methods that compile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from hehu.policy.engine import ast
from hehu.policy.engine.columnar.comprehensions import ComprehensionLowering
from hehu.policy.engine.columnar.dates import (
    add_months_expr,
    age_on_expr,
    in_force_expr,
    months_elapsed_expr,
)
from hehu.policy.engine.columnar.parameters import ParameterLowering
from hehu.policy.engine.columnar.values import (
    ListLitRef,
    ListRef,
    Lowered,
    NotCompilable,
    ParamRef,
    StructRef,
    Value,
    is_ancestor,
)


class CallLowering(ComprehensionLowering, ParameterLowering):
    """Helper calls, predicate calls and methods."""

    def call(self, node: ast.Call, env: Mapping[str, Lowered]) -> Lowered:
        if node.target is not None:
            return self.method(node, node.target, env)
        name = node.function
        if name == "size" and len(node.args) == 1:
            return self.size(node.args[0], env, node)
        if name == "date" and len(node.args) == 1:
            arg = node.args[0]
            if isinstance(arg, ast.Literal) and isinstance(arg.value, str):
                return Value(pl.lit(dt.date.fromisoformat(arg.value)), None, "date")
            text = self.value(arg, env)
            return Value(
                text.expr.str.to_date("%Y-%m-%d", strict=False), text.scope, "date", text.depth
            )
        if name in ("age_on", "add_months", "months_elapsed") and len(node.args) == 2:
            values, scope = self.unify([self.value(a, env) for a in node.args], node)
            a, b = values[0].expr, values[1].expr
            depth = max(v.depth for v in values)
            if name == "age_on":
                return self.let(Value(age_on_expr(a, b), scope, "int", depth))
            if name == "add_months":
                return self.let(Value(add_months_expr(a, b), scope, "date", depth))
            return self.let(Value(months_elapsed_expr(a, b), scope, "int", depth))
        if name == "in_force" and len(node.args) == 2:
            return self.let(self.in_force(node, env))
        predicate = self.policy.predicates.get(name)
        if predicate is not None and len(predicate.args) == len(node.args):
            # Inlined: the body sees its arguments only, never the caller's variables.
            bound = {
                arg_name: self.lower(arg, env)
                for (arg_name, _), arg in zip(predicate.args, node.args, strict=True)
            }
            return self.let(self.value(predicate.expr, bound))
        raise NotCompilable(node, f"the function '{name}' cannot be compiled", "该函数无法编译")

    def in_force(self, node: ast.Call, env: Mapping[str, Lowered]) -> Value:
        condition = self.lower(node.args[0], env)
        on = self.value(node.args[1], env)
        if not isinstance(condition, StructRef):
            raise NotCompilable(node, "in_force() needs a condition", "in_force() 需要一个情形")
        if on.scope is not None and not is_ancestor(on.scope, condition.scope):
            raise NotCompilable(
                node,
                "in_force() with a date from an inner list cannot be compiled",
                "in_force() 使用内层列表的日期无法编译",
            )
        on = self.lift(on, condition.scope, node)
        prefix = condition.prefix
        expr = in_force_expr(lambda name: pl.col(f"{prefix}{name}"), on.expr)
        return Value(expr, condition.scope, "bool", on.depth)

    def method(self, node: ast.Call, target: ast.Expr, env: Mapping[str, Lowered]) -> Value:
        if node.function == "size" and not node.args:
            return self.size(target, env, node)
        if node.function == "startsWith" and len(node.args) == 1:
            values, scope = self.unify(
                [self.value(target, env), self.value(node.args[0], env)], node
            )
            expr = values[0].expr.str.starts_with(values[1].expr)
            return Value(expr, scope, "bool", max(v.depth for v in values))
        raise NotCompilable(
            node, f"the method '{node.function}' cannot be compiled", "该方法无法编译"
        )

    def size(self, target: ast.Expr, env: Mapping[str, Lowered], node: ast.Expr) -> Value:
        if isinstance(target, ast.Comprehension) and target.kind == "filter":
            return self.comprehension(target, env, op="count")
        lowered = self.lower(target, env)
        if isinstance(lowered, ListLitRef):
            return Value(pl.lit(len(lowered.items), pl.Int64), None, "int")
        if isinstance(lowered, ParamRef) and lowered.type.kind == "list":
            found = self.by_region(lowered, lambda value: pl.lit(len(value), pl.Int64))
            return Value(found.expr.fill_null(0), found.scope, "int")  # a null list is empty
        if isinstance(lowered, ListRef):
            return self.aggregate(lowered, "count", lambda scope: Value(pl.lit(True), None, "bool"))
        raise NotCompilable(node, "size() of this cannot be compiled", "无法编译此 size()")
