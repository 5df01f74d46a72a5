"""Comprehensions over lists: the body on the list's own frame, aggregated back to its owner.

`exists`, `all`, `exists_one` and `filter(…).size()` over a list of records evaluate their
body on the rows of the list's frame (outer values brought in by row index) and aggregate
the truths back to the owner's rows as one step (a scatter at run time, see `run`). A
comprehension over a literal list is unrolled: the body once per item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

import polars as pl

from hehu.policy.engine import ast
from hehu.policy.engine.columnar.planning import LoweringBase
from hehu.policy.engine.columnar.values import (
    ListLitRef,
    ListRef,
    Lowered,
    NotCompilable,
    Scope,
    StepOp,
    StructRef,
    Value,
    truth,
)

# What a comprehension over a parent who is not recorded gives: the list is empty.
_EMPTY: dict[StepOp, object] = {
    "exists": False,
    "all": True,
    "exists_one": False,
    "count": 0,
    "gather": None,
}


class ComprehensionLowering(LoweringBase):
    """Comprehensions over lists of records and over literal lists."""

    def comprehension(
        self,
        node: ast.Comprehension,
        env: Mapping[str, Lowered],
        op: StepOp | None = None,
    ) -> Value:
        lowered = self.lower(node.range, env)
        step_op: StepOp = op or cast(StepOp, node.kind)
        if isinstance(lowered, ListLitRef):
            return self.unrolled(node, lowered, env, step_op)
        if not isinstance(lowered, ListRef):
            raise NotCompilable(
                node, "a comprehension over this list cannot be compiled", "无法编译对此列表的遍历"
            )

        def body(scope: Scope) -> Value:
            element = StructRef(lowered.struct, scope)
            inner = {**env, node.var: element}
            return self.value(node.body, inner)

        return self.aggregate(lowered, step_op, body, node)

    def aggregate(
        self,
        rng: ListRef,
        op: StepOp,
        body: Callable[[Scope], Value],
        node: ast.Expr | None = None,
    ) -> Value:
        """`op` of `body` over the elements of `rng`, as a value of the list's owner."""
        owner = rng.owner
        if rng.via is not None:  # the rows of one parent, reached from the child
            owner = Scope("parents", owner, "_child")
        scope = Scope(rng.frame, owner, rng.link)
        found = body(scope)
        where = node or ast.Literal(ast.Pos(1, 1), None)
        lifted = self.lift(found, scope, where)
        condition = Value(truth(lifted), scope, "bool", lifted.depth)
        name = self.step(op, scope.frame, owner.frame, rng.link, condition)
        kind = "int" if op == "count" else "bool"
        result = self.derived(name, owner, kind)
        if rng.via is None:
            return result
        # From the parent's row back to the child: null when that parent is not recorded.
        picked = self.step("gather", "parents", rng.owner.frame, rng.via, result)
        value = self.derived(picked, rng.owner, kind)
        return Value(value.expr.fill_null(_EMPTY[op]), rng.owner, kind, value.depth)

    def unrolled(
        self, node: ast.Comprehension, items: ListLitRef, env: Mapping[str, Lowered], op: StepOp
    ) -> Value:
        """A comprehension over a literal list: the body once per item."""
        values, scope = self.unify(
            [self.value(node.body, {**env, node.var: item}) for item in items.items], node
        )
        truths = [truth(v).cast(pl.Int64) for v in values]
        count = pl.sum_horizontal(truths) if truths else pl.lit(0, pl.Int64)
        depth = max((v.depth for v in values), default=0)
        if op == "count":
            return Value(count, scope, "int", depth)
        expected = {"exists": count > 0, "all": count == len(truths), "exists_one": count == 1}
        return Value(expected[op], scope, "bool", depth)
