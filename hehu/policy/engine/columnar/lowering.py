"""The lowering of one expression: the walk over its syntax tree, names, fields and `has()`.

`Lowering` puts the parts together: `lower` dispatches on the kind of node to the
operators, calls and comprehensions of the other modules; names resolve to variables of
a comprehension, `as_of`, the child's facts (`father`/`mother` are records) or predicates
without arguments (inlined once, as a derived column).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from hehu.policy.engine import ast
from hehu.policy.engine.columnar.calls import CallLowering
from hehu.policy.engine.columnar.comparisons import ComparisonLowering
from hehu.policy.engine.columnar.values import (
    LIST_FRAMES,
    ROOT,
    ListLitRef,
    ListRef,
    Lowered,
    NotCompilable,
    ParamRef,
    StructRef,
    Value,
    literal,
    plain,
    recorded,
    truth,
)
from hehu.policy.engine.types import STRUCTS


def _literal_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    return "string"


class Lowering(ComparisonLowering, CallLowering):
    """Lowers a policy's expressions for one `as_of`, collecting the derived columns."""

    def value(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Value:
        """The value of `node`, an enum column as text (see `raw_value`)."""
        return plain(self.raw_value(node, env))

    def raw_value(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Value:
        """The value of `node`; an enum column stays a `pl.Enum` (`Value.enum`), which only
        a comparison with a literal of its set may use as it is."""
        lowered = self.lower(node, env)
        if isinstance(lowered, ParamRef):
            return self.param_value(lowered, node)
        if not isinstance(lowered, Value):
            raise NotCompilable(
                node,
                "a list or a record used as a value cannot be compiled",
                "把列表或记录当作值使用无法编译",
            )
        return lowered

    def lower(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Lowered:
        if isinstance(node, ast.Literal):
            kind = _literal_kind(node.value)
            expr = pl.lit(None) if kind == "null" else literal(node.value, kind)
            return Value(expr, None, kind)
        if isinstance(node, ast.ListLit):
            return ListLitRef(tuple(self.value(item, env) for item in node.items))
        if isinstance(node, ast.Ident):
            return self.ident(node, env)
        if isinstance(node, ast.Select):
            return self.select(node, env)
        if isinstance(node, ast.Has):
            return self.has(node, env)
        if isinstance(node, ast.Call):
            return self.call(node, env)
        if isinstance(node, ast.Unary):
            operand = self.value(node.operand, env)
            if node.op == "!":
                return Value(~truth(operand), operand.scope, "bool", operand.depth)
            return Value(-operand.expr, operand.scope, operand.kind, operand.depth)
        if isinstance(node, ast.Binary):
            return self.binary(node, env)
        if isinstance(node, ast.And | ast.Or):
            values, scope = self.unify([self.value(o, env) for o in node.operands], node)
            truths = [truth(v) for v in values]
            combined = pl.all_horizontal(truths) if isinstance(node, ast.And) else None
            if combined is None:
                combined = pl.any_horizontal(truths)
            return Value(combined, scope, "bool", max(v.depth for v in values))
        if isinstance(node, ast.Conditional):
            parts = [self.value(n, env) for n in (node.condition, node.then, node.otherwise)]
            (cond, then, otherwise), scope = self.unify(parts, node)
            kind = then.kind if then.kind != "null" else otherwise.kind
            expr = pl.when(truth(cond)).then(then.expr).otherwise(otherwise.expr)
            return Value(expr, scope, kind, max(v.depth for v in (cond, then, otherwise)))
        if isinstance(node, ast.Comprehension):
            if node.kind == "filter":
                raise NotCompilable(
                    node,
                    "filter() is compiled only under .size()",
                    "filter() 只能在 .size() 下编译",
                )
            return self.comprehension(node, env)
        raise NotCompilable(node, "this construct cannot be compiled", "该结构无法编译")

    def ident(self, node: ast.Ident, env: Mapping[str, Lowered]) -> Lowered:
        name = node.name
        if name in env:
            return env[name]
        if name == "as_of":
            return Value(pl.lit(self.as_of, pl.Date()), None, "date")
        root = STRUCTS["Child"]
        if name in ("father", "mother"):
            return StructRef("Parent", ROOT, f"{name}.", row=f"{name}._row")
        if name in root:
            return self.field(StructRef("Child", ROOT), name, node)
        predicate = self.policy.predicates.get(name)
        if predicate is not None and not predicate.args:
            if name not in self._predicates:
                self._predicates[name] = self.let(self.value(predicate.expr, {}))
            return self._predicates[name]
        raise NotCompilable(node, f"unknown name '{name}'", f"未知的名称“{name}”")

    def field(self, owner: StructRef, name: str, node: ast.Expr) -> Lowered:
        """A field of a struct: a column, a nested struct or a list."""
        typ = STRUCTS[owner.struct].get(name)
        if typ is None:
            raise NotCompilable(node, f"unknown field '{name}'", f"未知的字段“{name}”")
        if typ.kind == "struct" and typ.struct is not None:
            return StructRef(typ.struct, owner.scope, f"{owner.prefix}{name}.")
        if typ.kind == "list":
            struct, frame = LIST_FRAMES[name]
            if owner.struct == "Child":
                return ListRef(struct, frame, owner.scope, "_child")
            # A parent's conditions: by its row in `parents`, which a derived parent holds.
            return ListRef(struct, frame, owner.scope, "_parent", via=owner.row)
        if owner.struct == "Parent" and name == "recorded" and owner.row is None:
            return Value(pl.lit(True), None, "bool")  # an entry of `parents` is recorded
        return Value(pl.col(f"{owner.prefix}{name}"), owner.scope, typ.kind, enum=typ.enum)

    def select(self, node: ast.Select, env: Mapping[str, Lowered]) -> Lowered:
        operand = node.operand
        if isinstance(operand, ast.Ident) and operand.name == "params" and "params" not in env:
            return self.parameter(node)
        owner = self.lower(operand, env)
        if not isinstance(owner, StructRef):
            raise NotCompilable(
                node, "a field of a non-record cannot be compiled", "非记录的字段无法编译"
            )
        return self.field(owner, node.field, node)

    def has(self, node: ast.Has, env: Mapping[str, Lowered]) -> Value:
        owner = self.lower(node.operand, env)
        if not isinstance(owner, StructRef):
            raise NotCompilable(node, "has() of a non-record", "has() 的对象不是记录")
        found = self.field(owner, node.field, node)
        if isinstance(found, Value):
            return Value(found.expr.is_not_null(), found.scope, "bool", found.depth)
        if isinstance(found, StructRef) and found.struct in STRUCTS:
            return recorded(found)
        raise NotCompilable(node, "has() of a list cannot be compiled", "has() 列表无法编译")
