"""Shared derived columns: each distinct computation planned once, whatever uses it.

`LoweringBase` holds what a lowering collects — the `Step`s, named by the computation
they make (identical lowered expressions share one column) — and moves values between
scopes: `lift` brings an outer value into an inner list's frame by row index (a gather),
`unify` brings several values into the innermost of their scopes, and refuses to combine
two unrelated lists (a cross product).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import polars as pl

from hehu.policy.engine import ast, model
from hehu.policy.engine.columnar.values import (
    ROOT,
    Lowered,
    NotCompilable,
    Scope,
    Step,
    StepOp,
    Value,
    is_ancestor,
)


def _expr_key(expr: pl.Expr) -> str:
    return expr.meta.serialize(format="json")


@dataclass
class LoweringBase(ABC):
    """What every part of the lowering shares: the policy and date, the derived columns
    planned so far, and moving values between scopes."""

    policy: model.Policy
    as_of: dt.date
    steps: list[Step] = field(default_factory=list)
    _step_names: dict[tuple[str, ...], str] = field(default_factory=dict)
    _predicates: dict[str, Value] = field(default_factory=dict)

    # The recursion, defined by `lowering.Lowering`: every part of the lowering uses it.
    @abstractmethod
    def lower(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Lowered: ...

    @abstractmethod
    def value(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Value: ...

    @abstractmethod
    def raw_value(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Value: ...

    def step(self, op: StepOp, source: str, target: str, index: str, body: Value) -> str:
        """The name of the derived column (created once per distinct computation)."""
        key = (op, source, target, index, _expr_key(body.expr))
        name = self._step_names.get(key)
        if name is None:
            name = f"_d{len(self.steps)}"
            self._step_names[key] = name
            self.steps.append(Step(name, op, source, target, index, body.expr, body.depth + 1))
        return name

    def derived(self, name: str, scope: Scope, kind: str) -> Value:
        step = self.steps[int(name[2:])]
        return Value(pl.col(name), scope, kind, step.depth)

    def let(self, value: Value) -> Value:
        """`value` as a column of its frame, computed once per distinct expression."""
        if value.scope is None or value.expr.meta.is_column():
            return value
        frame = value.scope.frame
        name = self.step("let", frame, frame, "", value)
        return self.derived(name, value.scope, value.kind)

    def lift(self, value: Value, scope: Scope | None, node: ast.Expr) -> Value:
        """`value` brought into `scope` (an inner scope of value's), row by row."""
        if value.scope is None or scope is None or value.scope is scope:
            return value
        if not is_ancestor(value.scope, scope):
            raise NotCompilable(
                node,
                "a value of an outer list used inside a comprehension over another list "
                "(a cross product) cannot be compiled",
                "在对另一列表的遍历中使用外层列表的值（交叉组合）无法编译",
            )
        if value.scope is ROOT:  # every list frame has `_child`: one gather
            name = self.step("gather", ROOT.frame, scope.frame, "_child", value)
            return replace(self.derived(name, scope, value.kind), enum=value.enum)
        parent = scope.parent
        if parent is None or scope.link is None:  # only the root has no parent
            raise NotCompilable(node, "a value outside any list", "不在任何列表中的值")
        outer = self.lift(value, parent, node)
        name = self.step("gather", parent.frame, scope.frame, scope.link, outer)
        return replace(self.derived(name, scope, value.kind), enum=value.enum)

    def unify(self, values: list[Value], node: ast.Expr) -> tuple[list[Value], Scope | None]:
        """The values brought into the innermost of their scopes."""
        inner: Scope | None = None
        for value in values:
            if value.scope is None:
                continue
            if inner is None or is_ancestor(inner, value.scope):
                inner = value.scope
            elif not is_ancestor(value.scope, inner):
                raise NotCompilable(
                    node,
                    "values of two different lists combined (a cross product) cannot be compiled",
                    "组合两个不同列表的值（交叉组合）无法编译",
                )
        return [self.lift(v, inner, node) for v in values], inner
