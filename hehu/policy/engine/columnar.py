"""A policy compiled to Polars expressions, evaluated over a whole population at once.

The expression tree of every clause is lowered to Polars expressions over the frames of
`frames.FactsFrames`; nothing loops over children in Python. Predicates are inlined with
their arguments substituted, and the result of each predicate or helper call is a derived
column of its frame (a `let` step), computed once per run however many clauses use it —
identical lowered expressions share one column. A comprehension over a list
(`parents.exists(p, …)`, `p.conditions.all(c, …)`, `protection_concerns.filter(c, …)
.size()`) evaluates its body on the list's own frame, brings outer values in by row index
(`_child`, `_parent`) and aggregates back with a scatter; each distinct aggregate is
computed once per run. Missing facts follow docs/policy-language.md exactly: a comparison
with null is false, null as a condition is false, `!null` is true, arithmetic with null
is null (tests prove agreement with `evaluate`, the one-child evaluator).

For speed (docs/policy-language.md, "A population: the compiled form"): enum facts are
`pl.Enum` columns compared with literals of their set as such (`Value.enum`, anything else
compares them as text); `age_on`/`months_elapsed` compared with constants become one date
comparison (`_threshold`); short `in` lists are chains of `==`.

The lowering depends on `as_of` (it is a literal, and parameters are resolved for it), so
`compile_policy` lowers once to find what cannot be compiled — a policy is never
half-applicable — and `CompiledPolicy.run` lowers again, cached, for the date it is given.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

import polars as pl

from hehu.policy.engine import ast, functions, model
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.frames import FactsFrames, conform
from hehu.policy.engine.types import STRUCTS, Type

StepOp = Literal["let", "gather", "exists", "all", "exists_one", "count"]

_DTYPES: dict[str, pl.DataType] = {
    "bool": pl.Boolean(),
    "int": pl.Int64(),
    "double": pl.Float64(),
    "string": pl.String(),
    "date": pl.Date(),
}
# The list fields of a struct: (struct of an element, frame holding the elements).
_LIST_FRAMES: dict[str, tuple[str, str]] = {
    "parents": ("Parent", "parents"),
    "protection_concerns": ("Concern", "concerns"),
    "receiving": ("Receiving", "receiving"),
    "conditions": ("Condition", "conditions"),
}


class _NotCompilable(Exception):
    """A construct the compiler cannot lower; becomes a `not_compilable` problem."""

    def __init__(self, node: ast.Expr, en: str, zh: str) -> None:
        super().__init__(en)
        self.node, self.en, self.zh = node, en, zh


# -- what an expression lowers to ---------------------------------------------------------


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


# -- vectorised helpers (functions.py is the reference) -----------------------------------


def _leap(year: pl.Expr) -> pl.Expr:
    return ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)


def _days_in_month(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    return (
        pl.when(month == 2)
        .then(pl.when(_leap(year)).then(29).otherwise(28))
        .when(month.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )


def _clamped_day(day: pl.Expr, year: pl.Expr, month: pl.Expr) -> pl.Expr:
    """`day`, or the last day of year-month when it has no such day (CC art. 202)."""
    last = _days_in_month(year, month)
    return pl.when(day > last).then(last).otherwise(day)


def add_months_expr(date: pl.Expr, months: pl.Expr) -> pl.Expr:
    """functions.add_months, column-wise."""
    index = date.dt.year().cast(pl.Int64) * 12 + date.dt.month().cast(pl.Int64) - 1 + months
    year = index // 12
    month = index % 12 + 1  # floor modulo: right for negative indexes too
    return pl.date(year, month, _clamped_day(date.dt.day().cast(pl.Int64), year, month))


def age_on_expr(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """functions.age_on, column-wise: the Nth birthday of a 29 February child in a common
    year is 28 February."""
    on_year = on.dt.year().cast(pl.Int64)
    b_month, b_day = birth.dt.month().cast(pl.Int64), birth.dt.day().cast(pl.Int64)
    o_month, o_day = on.dt.month().cast(pl.Int64), on.dt.day().cast(pl.Int64)
    day = pl.when((b_month == 2) & (b_day == 29) & ~_leap(on_year)).then(28).otherwise(b_day)
    later = (b_month > o_month) | ((b_month == o_month) & (day > o_day))
    return on_year - birth.dt.year().cast(pl.Int64) - later.cast(pl.Int64)


def months_elapsed_expr(since: pl.Expr, on: pl.Expr) -> pl.Expr:
    """functions.months_elapsed, column-wise."""
    on_year, on_month = on.dt.year().cast(pl.Int64), on.dt.month().cast(pl.Int64)
    months = (on_year - since.dt.year().cast(pl.Int64)) * 12 + (
        on_month - since.dt.month().cast(pl.Int64)
    )
    # add_months(since, months) falls in on's month: comparing the days settles it.
    corresponding = _clamped_day(since.dt.day().cast(pl.Int64), on_year, on_month)
    months = months - (on.dt.day().cast(pl.Int64) <= corresponding).cast(pl.Int64)
    return pl.when(months < 0).then(0).otherwise(months)


def _month_index(date: pl.Expr) -> pl.Expr:
    """Months since year 0 (year * 12 + month - 1): the month arithmetic of add_months."""
    return date.dt.year().cast(pl.Int32) * 12 + date.dt.month().cast(pl.Int32) - 1


def before_term_end(since: pl.Expr, months: pl.Expr, on: pl.Expr) -> pl.Expr:
    """`on < add_months(since, months)`, without building a date.

    The corresponding day falls in month `m = index(since) + months`; `on` is before it when
    `on`'s month is earlier, or when it is that month and `on`'s day is before both `since`'s
    day and the month's last day (a day past the month's end is its last day, CC art. 202).
    """
    on_index = _month_index(on)
    term_index = _month_index(since) + months.cast(pl.Int32)
    on_day = on.dt.day().cast(pl.Int32)
    last = _days_in_month(on.dt.year().cast(pl.Int32), on.dt.month().cast(pl.Int32))
    same_month = (on_index == term_index) & (on_day < since.dt.day().cast(pl.Int32))
    return (on_index < term_index) | (same_month & (on_day < last))


def in_force_expr(column: Callable[[str], pl.Expr], on: pl.Expr) -> pl.Expr:
    """functions.in_force, column-wise; `column(field)` reads a field of the condition.

    The end is `until` (inclusive), else the day before `add_months(since, term_months)`,
    else open. Null when `on` is null (the evaluator's null argument → null result).
    """
    since, term, until = column("since"), column("term_months"), column("until")
    start = pl.coalesce(since, column("on"), column("police_accepted_on"))
    not_ended = (
        pl.when(until.is_not_null())
        .then(on <= until)
        .when(since.is_not_null() & term.is_not_null())
        .then(before_term_end(since, term, on))
        .otherwise(True)
    )
    return (
        pl.when(on.is_null())
        .then(pl.lit(None, pl.Boolean))
        .when(start.is_null())
        .then(False)
        .otherwise((start <= on) & not_ended)
    )


_MONOTONE_HELPERS: dict[str, Callable[[dt.date, dt.date], int]] = {
    "age_on": functions.age_on,
    "months_elapsed": functions.months_elapsed,
}


def _threshold(helper: str, on: dt.date, k: int) -> dt.date | bool | None:
    """The last date `d` with `helper(d, on) >= k` — both helpers fall as `d` grows, so
    `helper(d, on) >= k` exactly when `d <= threshold`. True when every date qualifies,
    None when the threshold lies outside the dates Python can represent (then the caller
    computes the helper instead). Found with the reference functions themselves."""
    function = _MONOTONE_HELPERS[helper]
    if helper == "months_elapsed" and k <= 0:
        return True  # never negative
    day = dt.timedelta(days=1)
    try:
        if helper == "age_on":
            guess = dt.date(on.year - k, on.month, min(on.day, 28))
        else:
            guess = functions.add_months(on, -k)
        for _ in range(100):
            if function(guess, on) >= k:
                break
            guess -= day
        else:
            return None
        for _ in range(100):
            if function(guess + day, on) < k:
                return guess
            guess += day
    except (ValueError, OverflowError):
        return None
    return None


# -- lowering -----------------------------------------------------------------------------

_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}  # `k < x` is `x > k`


def truth(value: Value) -> pl.Expr:
    """A value used as a condition: null is false."""
    if value.kind == "null":
        return pl.lit(False)
    return value.expr.fill_null(False)


def _literal(value: Any, kind: str) -> pl.Expr:
    if value is None:
        return pl.lit(None)
    if kind == "date" and isinstance(value, str):
        value = dt.date.fromisoformat(value)
    if kind == "double":
        value = float(value)
    return pl.lit(value, _DTYPES[kind])


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


def _is_ancestor(outer: Scope, inner: Scope) -> bool:
    scope: Scope | None = inner
    while scope is not None:
        if scope is outer:
            return True
        scope = scope.parent
    return False


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


def _plain(value: Value) -> Value:
    """`value` with an enum column cast to text, for any use other than `enum_equality`."""
    if value.enum is None:
        return value
    return Value(value.expr.cast(pl.String), value.scope, value.kind, value.depth)


def _expr_key(expr: pl.Expr) -> str:
    return expr.meta.serialize(format="json")


@dataclass
class _Lowering:
    """Lowers a policy's expressions for one `as_of`, collecting the derived columns."""

    policy: model.Policy
    as_of: dt.date
    steps: list[Step] = field(default_factory=list)
    _step_names: dict[tuple[str, ...], str] = field(default_factory=dict)
    _predicates: dict[str, Value] = field(default_factory=dict)

    # -- derived columns -----------------------------------------------------------------
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
        if not _is_ancestor(value.scope, scope):
            raise _NotCompilable(
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
            raise _NotCompilable(node, "a value outside any list", "不在任何列表中的值")
        outer = self.lift(value, parent, node)
        name = self.step("gather", parent.frame, scope.frame, scope.link, outer)
        return replace(self.derived(name, scope, value.kind), enum=value.enum)

    def unify(self, values: list[Value], node: ast.Expr) -> tuple[list[Value], Scope | None]:
        """The values brought into the innermost of their scopes."""
        inner: Scope | None = None
        for value in values:
            if value.scope is None:
                continue
            if inner is None or _is_ancestor(inner, value.scope):
                inner = value.scope
            elif not _is_ancestor(value.scope, inner):
                raise _NotCompilable(
                    node,
                    "values of two different lists combined (a cross product) cannot be compiled",
                    "组合两个不同列表的值（交叉组合）无法编译",
                )
        return [self.lift(v, inner, node) for v in values], inner

    # -- expressions ---------------------------------------------------------------------
    def value(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Value:
        """The value of `node`, an enum column as text (see `raw_value`)."""
        return _plain(self.raw_value(node, env))

    def raw_value(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Value:
        """The value of `node`; an enum column stays a `pl.Enum` (`Value.enum`), which only
        a comparison with a literal of its set may use as it is."""
        lowered = self.lower(node, env)
        if isinstance(lowered, ParamRef):
            return self.param_value(lowered, node)
        if not isinstance(lowered, Value):
            raise _NotCompilable(
                node,
                "a list or a record used as a value cannot be compiled",
                "把列表或记录当作值使用无法编译",
            )
        return lowered

    def lower(self, node: ast.Expr, env: Mapping[str, Lowered]) -> Lowered:
        if isinstance(node, ast.Literal):
            kind = _literal_kind(node.value)
            expr = pl.lit(None) if kind == "null" else _literal(node.value, kind)
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
                raise _NotCompilable(
                    node,
                    "filter() is compiled only under .size()",
                    "filter() 只能在 .size() 下编译",
                )
            return self.comprehension(node, env)
        raise _NotCompilable(node, "this construct cannot be compiled", "该结构无法编译")

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
        raise _NotCompilable(node, f"unknown name '{name}'", f"未知的名称“{name}”")

    def field(self, owner: StructRef, name: str, node: ast.Expr) -> Lowered:
        """A field of a struct: a column, a nested struct or a list."""
        typ = STRUCTS[owner.struct].get(name)
        if typ is None:
            raise _NotCompilable(node, f"unknown field '{name}'", f"未知的字段“{name}”")
        if typ.kind == "struct" and typ.struct is not None:
            return StructRef(typ.struct, owner.scope, f"{owner.prefix}{name}.")
        if typ.kind == "list":
            struct, frame = _LIST_FRAMES[name]
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
            raise _NotCompilable(
                node, "a field of a non-record cannot be compiled", "非记录的字段无法编译"
            )
        return self.field(owner, node.field, node)

    def has(self, node: ast.Has, env: Mapping[str, Lowered]) -> Value:
        owner = self.lower(node.operand, env)
        if not isinstance(owner, StructRef):
            raise _NotCompilable(node, "has() of a non-record", "has() 的对象不是记录")
        found = self.field(owner, node.field, node)
        if isinstance(found, Value):
            return Value(found.expr.is_not_null(), found.scope, "bool", found.depth)
        if isinstance(found, StructRef) and found.struct in STRUCTS:
            columns = [
                pl.col(f"{found.prefix}{name}").is_not_null()
                for name, typ in STRUCTS[found.struct].items()
                if typ.kind not in ("struct", "list")
            ]
            return Value(pl.any_horizontal(columns), found.scope, "bool")
        raise _NotCompilable(node, "has() of a list cannot be compiled", "has() 列表无法编译")

    def parameter(self, node: ast.Select) -> ParamRef:
        parameter = self.policy.parameters.get(node.field)
        if parameter is None:
            raise _NotCompilable(node, f"unknown parameter '{node.field}'", "未知的参数")
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
            raise _NotCompilable(
                node, "a list parameter used as a value", "把列表参数当作值使用无法编译"
            )
        kind = param.type.kind
        found = self.by_region(param, lambda value: _literal(value, kind))
        return Value(found.expr, found.scope, kind)

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
        (left, right), scope = self.unify([_plain(v) for v in raw], node)
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
        constant k, as one comparison of `d` with a date found once (see `_threshold`)."""
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
        threshold = _threshold(call.function, on, least)
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
            and node.function in _MONOTONE_HELPERS
            and node.function not in self.policy.predicates
            and len(node.args) == 2
        )

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
            columns = [
                pl.col(f"{lowered.prefix}{name}").is_not_null()
                for name, typ in STRUCTS[lowered.struct].items()
                if typ.kind not in ("struct", "list")
            ]
            return Value(pl.any_horizontal(columns), lowered.scope, "bool")
        raise _NotCompilable(node, "a comparison of a list with null", "列表与 null 比较无法编译")

    def membership(self, node: ast.Binary, env: Mapping[str, Lowered]) -> Value:
        left = self.raw_value(node.left, env)
        right = self.lower(node.right, env)
        if left.enum is not None and not (
            isinstance(right, ParamRef)
            or (isinstance(right, ListLitRef) and self.literal_items(node.right) is not None)
        ):
            left = _plain(left)

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
            dtype = _DTYPES.get(kind)
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
        raise _NotCompilable(node, "'in' needs a list", "“in”需要一个列表")

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

    @staticmethod
    def literal_items(node: ast.Expr) -> list[Any] | None:
        if not isinstance(node, ast.ListLit):
            return None
        if not all(isinstance(item, ast.Literal) for item in node.items):
            return None
        return [cast(ast.Literal, item).value for item in node.items]

    # -- calls ---------------------------------------------------------------------------
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
        raise _NotCompilable(node, f"the function '{name}' cannot be compiled", "该函数无法编译")

    def in_force(self, node: ast.Call, env: Mapping[str, Lowered]) -> Value:
        condition = self.lower(node.args[0], env)
        on = self.value(node.args[1], env)
        if not isinstance(condition, StructRef):
            raise _NotCompilable(node, "in_force() needs a condition", "in_force() 需要一个情形")
        if on.scope is not None and not _is_ancestor(on.scope, condition.scope):
            raise _NotCompilable(
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
        raise _NotCompilable(
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
        raise _NotCompilable(node, "size() of this cannot be compiled", "无法编译此 size()")

    # -- comprehensions ------------------------------------------------------------------
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
            raise _NotCompilable(
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


# What a comprehension over a parent who is not recorded gives: the list is empty.
_EMPTY: dict[StepOp, object] = {
    "exists": False,
    "all": True,
    "exists_one": False,
    "count": 0,
    "gather": None,
}


# -- running ------------------------------------------------------------------------------


def _aggregate(op: StepOp, body: pl.Series, index: pl.Series, rows: int) -> pl.Series:
    """Per target row, `op` over the source rows pointing at it (a scatter, no group loop)."""
    holds = body.fill_null(False)
    if op == "exists":
        return pl.repeat(False, rows, eager=True).scatter(index.filter(holds), True)
    if op == "all":
        return pl.repeat(True, rows, eager=True).scatter(index.filter(~holds), False)
    counted = index.filter(holds).value_counts(name="_n")
    counts = pl.repeat(0, rows, dtype=pl.Int64, eager=True).scatter(
        counted[index.name], counted["_n"].cast(pl.Int64)
    )
    return counts if op == "count" else counts == 1


def run_steps(steps: list[Step], frames: FactsFrames) -> dict[str, pl.DataFrame]:
    """The frames with every derived column added, in dependency order."""
    tables = {
        name: frames.frame(name)
        for name in ("children", "parents", "conditions", "concerns", "receiving")
    }
    by_depth: dict[int, list[Step]] = defaultdict(list)
    for step in steps:
        by_depth[step.depth].append(step)
    for depth in sorted(by_depth):
        by_source: dict[str, list[Step]] = defaultdict(list)
        for step in by_depth[depth]:
            by_source[step.source].append(step)
        added: dict[str, list[pl.Series]] = defaultdict(list)
        for source, group in by_source.items():
            names = [s.name for s in group]
            computed = (
                tables[source]
                .lazy()
                .with_columns([s.expr.alias(s.name) for s in group])
                .select(names)
                .collect()
            )
            for step in group:
                body = computed[step.name]
                into = tables[step.target]
                if step.op == "let":
                    column = body
                elif step.op == "gather":
                    column = body.gather(into[step.index])
                else:
                    column = _aggregate(step.op, body, tables[source][step.index], into.height)
                added[step.target].append(column.alias(step.name))
        for target, columns in added.items():
            tables[target] = tables[target].with_columns(columns)
    return tables


@dataclass(frozen=True)
class _Plan:
    steps: list[Step]
    clauses: dict[str, list[pl.Expr]]  # category code → its clauses as conditions
    umbrella_when: dict[str, pl.Expr]
    signals: list[pl.Expr]


@dataclass
class CompiledPolicy:
    """A policy lowered to Polars; `run` classifies every child of a `FactsFrames`."""

    policy: model.Policy
    _plans: dict[dt.date, _Plan] = field(default_factory=dict)

    def plan(self, as_of: dt.date) -> _Plan:
        if as_of not in self._plans:
            self._plans = {as_of: _lower(self.policy, as_of)}  # one date at a time is usual
        return self._plans[as_of]

    def run(self, frames: FactsFrames, as_of: dt.date) -> pl.DataFrame:
        """One row per child: `id`, `in.<code>`, `mask.<code>`, `umbrella.<code>`,
        `signals`, `gap`."""
        plan = self.plan(as_of)
        children = run_steps(plan.steps, conform(frames))["children"]
        return _classify(self.policy, plan, children)


def _classify(policy: model.Policy, plan: _Plan, children: pl.DataFrame) -> pl.DataFrame:
    """Clauses, masks, exclusions, umbrellas, signals and gaps, column-wise."""
    conditions: dict[str, pl.Expr] = {}
    for code, clauses in plan.clauses.items():
        for i, clause in enumerate(clauses):
            conditions[f"_c.{code}.{i}"] = clause
    for code, when in plan.umbrella_when.items():
        conditions[f"_u.{code}"] = when
    for i, signal in enumerate(plan.signals):
        conditions[f"_s.{i}"] = signal

    def clause_columns(code: str) -> list[pl.Expr]:
        return [pl.col(f"_c.{code}.{i}") for i in range(len(plan.clauses[code]))]

    member: dict[str, pl.Expr] = {}

    def is_member(code: str) -> pl.Expr:
        # Exclusions in dependency order: an excluder's own exclusions count first.
        if code not in member:
            holds = _all(clause_columns(code))
            excluders = policy.category(code).excluded_by
            member[code] = holds & ~_any([is_member(x) for x in excluders])
        return member[code]

    members = {f"in.{c.code}": is_member(c.code) for c in policy.categories}
    masks = {f"mask.{c.code}": _bits(clause_columns(c.code)) for c in policy.categories}
    umbrellas = {
        f"umbrella.{u.code}": _any(
            [pl.col(f"in.{code}") for code in u.any_of]
            + ([pl.col(f"_u.{u.code}")] if u.code in plan.umbrella_when else [])
        )
        for u in policy.umbrellas
    }
    signals = _bits([pl.col(f"_s.{i}") for i in range(len(plan.signals))])
    in_any = _any([pl.col(f"in.{c.code}") for c in policy.categories])
    order = [name for c in policy.categories for name in (f"in.{c.code}", f"mask.{c.code}")]
    return (
        children.lazy()
        .select(pl.col("id"), **conditions)
        .with_columns(**members)
        .select(
            pl.col("id"),
            *[pl.col(name) for name in members],
            *[expr.alias(name) for name, expr in masks.items()],
            *[expr.alias(name) for name, expr in umbrellas.items()],
            signals.alias("signals"),
            in_any.alias("_in_any"),
        )
        .select(
            pl.col("id"),
            *[pl.col(name) for name in order],
            *[pl.col(name) for name in umbrellas],
            pl.col("signals"),
            ((pl.col("signals") != 0) & ~pl.col("_in_any")).alias("gap"),
        )
        .collect()
    )


def _bits(conditions: list[pl.Expr]) -> pl.Expr:
    """Bit i set when conditions[i] holds, as an Int64 (conditions are never null).

    Added up in 32-bit integers when they suffice (twice as fast), then widened."""
    if not conditions:
        return pl.lit(0, pl.Int64)
    dtype = pl.Int32 if len(conditions) < 31 else pl.Int64
    zero = pl.lit(0, dtype)
    bits = [
        pl.when(c).then(pl.lit(1 << i, dtype)).otherwise(zero) for i, c in enumerate(conditions)
    ]
    total = bits[0]
    for bit in bits[1:]:
        total = total + bit
    return total.cast(pl.Int64)


def _all(exprs: list[pl.Expr]) -> pl.Expr:
    return pl.all_horizontal(exprs) if exprs else pl.lit(True)


def _any(exprs: list[pl.Expr]) -> pl.Expr:
    return pl.any_horizontal(exprs) if exprs else pl.lit(False)


def _sum(exprs: list[pl.Expr]) -> pl.Expr:
    return (pl.sum_horizontal(exprs) if exprs else pl.lit(0)).cast(pl.Int64)


def _lower(policy: model.Policy, as_of: dt.date) -> _Plan:
    """Every condition of `policy` as Polars expressions over `children` for `as_of`."""
    lowering = _Lowering(policy, as_of)
    problems: list[PolicyProblem] = []

    def condition(expr: ast.Expr) -> pl.Expr:
        try:
            value = lowering.lift(lowering.value(expr, {}), ROOT, expr)
            return truth(value)
        except _NotCompilable as exc:
            problems.append(
                PolicyProblem(
                    "not_compilable",
                    f"无法编译为列式计算：{exc.zh}",
                    f"cannot be compiled for populations: {exc.en}",
                    policy.file,
                    exc.node.pos.line,
                    exc.node.pos.column,
                )
            )
            return pl.lit(False)

    clauses = {c.code: [condition(k.expr) for k in c.clauses] for c in policy.categories}
    umbrella_when = {u.code: condition(u.when.expr) for u in policy.umbrellas if u.when}
    signals = [condition(s.expr) for s in policy.need_signals]
    if problems:
        raise PolicyErrors(problems)
    return _Plan(lowering.steps, clauses, umbrella_when, signals)


def compile_policy(policy: model.Policy) -> CompiledPolicy:
    """`policy` compiled for populations; raises `PolicyErrors` ("not_compilable") when a
    condition cannot be lowered, so that a policy is never half-applicable."""
    compiled = CompiledPolicy(policy)
    compiled.plan(policy.effective_from)
    return compiled
