"""One child: a policy, facts and a date → `result.Classification`, explained.

A tree-walking interpreter of the expression tree (`ast`), with CEL's syntax and Hehu's
null rules (docs/policy-language.md, "Missing facts"): a fact nobody recorded is null, a
comparison with null other than `== null`/`!= null` is false, null as a condition is false,
arithmetic with null is null, a field of null is null, and a null list has no elements.

Every named condition — a category clause, a predicate call, a need signal — becomes a
`Trace` with the facts its own expression read (the facts read inside a nested named
predicate go to that predicate's trace) and the named sub-conditions that decided it.
Predicate calls are evaluated once per child and argument, then reused.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from hehu.policy.engine import ast, functions, model
from hehu.policy.engine.errors import PolicyError
from hehu.policy.engine.facts import prepare_facts
from hehu.policy.engine.result import CategoryResult, Classification, Trace
from hehu.policy.engine.types import ROOT_STRUCT, STRUCTS

Traces = tuple[Trace, ...]
Outcome = tuple[Any, Traces]  # a value and the named traces that decided it
Bound = tuple[Any, str | None]  # a variable's value and the fact path it came from
Scope = dict[str, Bound]
Frame = dict[str, Any]  # facts read by the named condition being evaluated, in read order

_ROOT_FIELDS = frozenset(STRUCTS[ROOT_STRUCT])
_IN_FORCE_FIELDS = ("since", "on", "police_accepted_on", "until", "term_months")
_COMPARISONS = frozenset({"<", "<=", ">", ">="})

# The helpers of docs/policy-language.md whose result is shown among a trace's facts.
_HELPERS: dict[str, Callable[..., Any]] = {
    "age_on": functions.age_on,
    "add_months": functions.add_months,
    "months_elapsed": functions.months_elapsed,
    "in_force": functions.in_force,
}


class _Params:
    """The value of the name `params`: only its fields (`params.adult_age`) mean anything."""


_PARAMS = _Params()


def classify(policy: model.Policy, facts: Mapping[str, Any], as_of: dt.date) -> Classification:
    """Classify one child (facts in JSON form) under `policy` as of `as_of`, with reasons."""
    run = _Run(policy, prepare_facts(facts), as_of)
    categories = tuple(run.category(c.code) for c in policy.categories)
    umbrellas = tuple(u.code for u in policy.umbrellas if run.umbrella(u))
    signals = tuple(
        trace
        for trace in (run.named(s.code, s.label, s.expr, {})[0] for s in policy.need_signals)
        if trace.holds
    )
    return Classification(
        facts_id=str(facts.get("id", "")),
        as_of=as_of,
        policy=policy.ref,
        categories=categories,
        umbrellas=umbrellas,
        signals=signals,
    )


class _Run:
    """The evaluation of one policy for one child on one date, with its caches."""

    def __init__(self, policy: model.Policy, facts: dict[str, Any], as_of: dt.date) -> None:
        self.policy = policy
        self.facts = facts
        self.as_of = as_of
        self.params: dict[str, Any] = {}
        self.calls: dict[tuple[Any, ...], tuple[Trace, Any]] = {}
        self.results: dict[str, CategoryResult] = {}
        self.pending: set[str] = set()

    # -- categories, umbrellas, clauses ------------------------------------------------
    def category(self, code: str) -> CategoryResult:
        """A category's result; its excluders are evaluated first, whatever the order."""
        if code in self.results:
            return self.results[code]
        if code in self.pending:
            raise PolicyError(f"categories exclude each other in a cycle through {code!r}")
        self.pending.add(code)
        category = self.policy.category(code)
        clauses = tuple(self.clause(c) for c in category.clauses)
        excluder = None
        if all(c.holds for c in clauses):
            excluder = next((x for x in category.excluded_by if self.category(x).member), None)
        result = CategoryResult(
            code=category.code,
            name=category.name,
            member=excluder is None and all(c.holds for c in clauses),
            clauses=clauses,
            excluded_by=excluder,
        )
        self.results[code] = result
        return result

    def umbrella(self, umbrella: model.Umbrella) -> bool:
        """In any of the umbrella's categories, or its own condition holds."""
        if any(self.category(code).member for code in umbrella.any_of):
            return True
        return umbrella.when is not None and self.clause(umbrella.when).holds

    def clause(self, clause: model.Clause) -> Trace:
        """A clause's trace; a clause that only names a predicate is that predicate's trace."""
        trace, _ = self.named(clause.id, clause.label, clause.expr, {})
        only = trace.because[0] if len(trace.because) == 1 else None
        if only is not None and only.name == clause.id and not trace.facts:
            return Trace(clause.id, clause.label, trace.holds, only.facts, only.because)
        return trace

    def named(
        self, name: str, label: model.Text, expr: ast.Expr, scope: Scope
    ) -> tuple[Trace, Any]:
        """Evaluate a named condition in a frame of its own: its trace and its value."""
        frame: Frame = {}
        value, because = self.eval(expr, scope, frame)
        trace = Trace(name, label, value is True, tuple(frame.items()), _distinct(because))
        return trace, value

    # -- expressions -----------------------------------------------------------------
    def eval(self, node: ast.Expr, scope: Scope, frame: Frame) -> Outcome:
        """The value of `node` and the named traces that decided it."""
        return _EVALUATORS[type(node)](self, node, scope, frame)

    def read(self, node: ast.Expr, scope: Scope, frame: Frame) -> tuple[Any, str | None, Traces]:
        """Evaluate `node`, keeping the fact path of a name or field and recording the read."""
        if not isinstance(node, ast.Ident | ast.Select):
            value, traces = self.eval(node, scope, frame)
            return value, None, traces
        value, path, traces = self.locate(node, scope, frame)
        if path is not None and _is_leaf(value):
            frame.setdefault(path, value)
        return value, path, traces

    def locate(self, node: ast.Expr, scope: Scope, frame: Frame) -> tuple[Any, str | None, Traces]:
        """A name or a chain of fields → its value and fact path, without recording it."""
        if isinstance(node, ast.Ident):
            return self.resolve(node, scope)
        if not isinstance(node, ast.Select):
            value, traces = self.eval(node, scope, frame)
            return value, None, traces
        base, path, traces = self.locate(node.operand, scope, frame)
        if base is _PARAMS:
            return self.param(node.field), f"params.{node.field}", traces
        value = base.get(node.field) if isinstance(base, dict) else None
        return value, (None if path is None else f"{path}.{node.field}"), traces

    def resolve(self, node: ast.Ident, scope: Scope) -> tuple[Any, str | None, Traces]:
        """A bare name: a variable, `as_of`, `params`, a fact, then a predicate."""
        name = node.name
        if name in scope:
            value, path = scope[name]
            return value, path, ()
        if name == "as_of":
            return self.as_of, None, ()
        if name == "params":
            return _PARAMS, None, ()
        if name in _ROOT_FIELDS or name in self.facts:
            return self.facts.get(name), name, ()
        predicate = self.policy.predicates.get(name)
        if predicate is not None and not predicate.args:
            value, traces = self.predicate(predicate, (), scope, {})
            return value, None, traces
        raise PolicyError(f"unknown name {name!r} at {node.pos.line}:{node.pos.column}")

    def param(self, name: str) -> Any:
        """A parameter's value for this child's region on `as_of`."""
        if name not in self.params:
            parameter = self.policy.parameters.get(name)
            if parameter is None:
                raise PolicyError(f"unknown parameter {name!r}")
            self.params[name] = parameter.value_for(self.facts.get("region_code"), self.as_of)
        return self.params[name]

    def predicate(
        self, predicate: model.Predicate, args: tuple[ast.Expr, ...], scope: Scope, frame: Frame
    ) -> Outcome:
        """Call a predicate: the arguments are read here, the body in a trace of its own."""
        bound: list[Bound] = []
        arg_traces: list[Trace] = []
        for arg in args:
            value, path, traces = self.read(arg, scope, frame)
            bound.append((value, path))
            arg_traces.extend(traces)
        key = _call_key(predicate.name, bound)
        cached = self.calls.get(key) if key is not None else None
        if cached is None:
            shown = [
                path if path is not None else render(arg, scope)
                for arg, (_, path) in zip(args, bound, strict=True)
            ]
            name = f"{predicate.name}({', '.join(shown)})" if predicate.args else predicate.name
            inner = {arg_name: b for (arg_name, _), b in zip(predicate.args, bound, strict=True)}
            cached = self.named(name, predicate.label, predicate.expr, inner)
            if key is not None:
                self.calls[key] = cached
        trace, value = cached
        return value, (*arg_traces, trace)


# -- one function per kind of node ----------------------------------------------------
def _literal(run: _Run, node: ast.Literal, scope: Scope, frame: Frame) -> Outcome:
    return node.value, ()


def _list(run: _Run, node: ast.ListLit, scope: Scope, frame: Frame) -> Outcome:
    values: list[Any] = []
    traces: list[Trace] = []
    for item in node.items:
        value, item_traces = run.eval(item, scope, frame)
        values.append(value)
        traces.extend(item_traces)
    return values, tuple(traces)


def _name(run: _Run, node: ast.Ident | ast.Select, scope: Scope, frame: Frame) -> Outcome:
    value, _, traces = run.read(node, scope, frame)
    return value, traces


def _has(run: _Run, node: ast.Has, scope: Scope, frame: Frame) -> Outcome:
    value, path, traces = run.read(ast.Select(node.pos, node.operand, node.field), scope, frame)
    return value is not None, traces


def _unary(run: _Run, node: ast.Unary, scope: Scope, frame: Frame) -> Outcome:
    # `!a` is decided by what decided `a`: the traces pass through unchanged.
    value, traces = run.eval(node.operand, scope, frame)
    if node.op == "!":
        return value is not True, traces
    return (None if value is None else -value), traces


def _and(run: _Run, node: ast.And, scope: Scope, frame: Frame) -> Outcome:
    decided: list[Trace] = []
    for operand in node.operands:
        value, traces = run.eval(operand, scope, frame)
        if value is not True:
            return False, traces  # the first failing operand decides; the rest is not read
        decided.extend(traces)
    return True, tuple(decided)


def _or(run: _Run, node: ast.Or, scope: Scope, frame: Frame) -> Outcome:
    # Every operand is read: a holding `||` is explained by all its true operands.
    true_ones: list[Trace] = []
    every: list[Trace] = []
    holds = False
    for operand in node.operands:
        value, traces = run.eval(operand, scope, frame)
        every.extend(traces)
        if value is True:
            holds = True
            true_ones.extend(traces)
    return (True, tuple(true_ones)) if holds else (False, tuple(every))


def _conditional(run: _Run, node: ast.Conditional, scope: Scope, frame: Frame) -> Outcome:
    condition, condition_traces = run.eval(node.condition, scope, frame)
    branch = node.then if condition is True else node.otherwise
    value, branch_traces = run.eval(branch, scope, frame)
    return value, condition_traces + branch_traces


def _binary(run: _Run, node: ast.Binary, scope: Scope, frame: Frame) -> Outcome:
    left, left_traces = run.eval(node.left, scope, frame)
    right, right_traces = run.eval(node.right, scope, frame)
    return _apply(node, left, right), left_traces + right_traces


def _apply(node: ast.Binary, left: Any, right: Any) -> Any:
    """A binary operator under the null rules."""
    op = node.op
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "in":
        return left is not None and right is not None and left in right
    if left is None or right is None:
        return False if op in _COMPARISONS else None
    try:
        if op in _COMPARISONS:
            return _compare(op, left, right)
        return _arithmetic(op, left, right)
    except TypeError as exc:
        where = f"{node.pos.line}:{node.pos.column}"
        raise PolicyError(f"cannot apply {op} to {left!r} and {right!r} at {where}") from exc


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if _both_int(left, right):
        if right == 0:
            return None  # CEL raises; a rule must not hold because of it, so: null
        quotient = _truncating_division(left, right)
        return quotient if op == "/" else left - right * quotient
    if right == 0:
        if op == "%" or left == 0 or math.isnan(left):
            return math.nan
        return math.copysign(math.inf, left) * math.copysign(1.0, right)
    return left / right if op == "/" else math.fmod(left, right)


def _both_int(left: Any, right: Any) -> bool:
    return type(left) is int and type(right) is int


def _truncating_division(left: int, right: int) -> int:
    """Integer division rounding toward zero, as CEL does (Python's `//` floors)."""
    quotient = abs(left) // abs(right)
    return quotient if (left < 0) == (right < 0) else -quotient


def _comprehension(run: _Run, node: ast.Comprehension, scope: Scope, frame: Frame) -> Outcome:
    items, path, range_traces = run.read(node.range, scope, frame)
    held: list[Trace] = []
    every: list[Trace] = []
    matching: list[Any] = []
    for index, item in enumerate(items or ()):  # a null list has no elements
        inner = {**scope, node.var: (item, None if path is None else f"{path}[{index}]")}
        value, traces = run.eval(node.body, inner, frame)
        if value is True:
            held.extend(traces)
            matching.append(item)
        elif node.kind == "all":
            return False, range_traces + traces  # the first failing element decides
        every.extend(traces)
    if node.kind == "filter":
        return matching, range_traces + tuple(held)
    if node.kind == "all":
        return True, range_traces + tuple(every)
    holds = len(matching) == 1 if node.kind == "exists_one" else bool(matching)
    return holds, range_traces + (tuple(held) if holds or matching else tuple(every))


def _call(run: _Run, node: ast.Call, scope: Scope, frame: Frame) -> Outcome:
    if node.target is None:
        predicate = run.policy.predicates.get(node.function)
        if predicate is not None:
            return run.predicate(predicate, node.args, scope, frame)
    operands = ((node.target,) if node.target is not None else ()) + node.args
    values: list[Any] = []
    traces: list[Trace] = []
    for operand in operands:
        value, path, operand_traces = run.read(operand, scope, frame)
        if node.function == "in_force" and path is not None and isinstance(value, dict):
            _read_dates(value, path, frame)
        values.append(value)
        traces.extend(operand_traces)
    return _builtin(node, values, scope, frame), tuple(traces)


def _read_dates(condition: dict[str, Any], path: str, frame: Frame) -> None:
    """Record the recorded fields `in_force` reads, so that its result can be checked."""
    for key in _IN_FORCE_FIELDS:
        if condition.get(key) is not None:
            frame.setdefault(f"{path}.{key}", condition[key])


def _builtin(node: ast.Call, values: list[Any], scope: Scope, frame: Frame) -> Any:
    """A builtin function: a null argument gives null, except that a null list is empty."""
    function = node.function
    if function == "size" and len(values) == 1:
        return 0 if values[0] is None else len(values[0])
    helper = _HELPERS.get(function)
    if helper is not None and node.target is None:
        result = None if None in values else helper(*values)
        frame.setdefault(render(node, scope), result)
        return result
    if None in values:
        return None
    if function == "date" and node.target is None and len(values) == 1:
        try:
            return dt.date.fromisoformat(values[0])
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"date() needs YYYY-MM-DD, not {values[0]!r}") from exc
    if function == "startsWith" and node.target is not None and len(values) == 2:
        return str(values[0]).startswith(str(values[1]))
    where = f"{node.pos.line}:{node.pos.column}"
    raise PolicyError(f"unknown function {function!r} with {len(values)} operands at {where}")


_EVALUATORS: dict[type[ast.Expr], Callable[[_Run, Any, Scope, Frame], Outcome]] = {
    ast.Literal: _literal,
    ast.ListLit: _list,
    ast.Ident: _name,
    ast.Select: _name,
    ast.Has: _has,
    ast.Call: _call,
    ast.Unary: _unary,
    ast.Binary: _binary,
    ast.And: _and,
    ast.Or: _or,
    ast.Conditional: _conditional,
    ast.Comprehension: _comprehension,
}


# -- helpers --------------------------------------------------------------------------
def _is_leaf(value: Any) -> bool:
    """A value shown among a trace's facts: not a struct, not a list of structs."""
    if isinstance(value, dict):
        return False
    return not (isinstance(value, list) and any(isinstance(v, dict) for v in value))


def _distinct(traces: Traces) -> Traces:
    """`traces` without repeats: a reused predicate call is explained once."""
    if len(traces) < 2:
        return traces
    return tuple({id(t): t for t in traces}.values())


def _call_key(name: str, bound: list[Bound]) -> tuple[Any, ...] | None:
    """What identifies a predicate call within one run, or None when it cannot be reused."""
    key: list[Any] = [name]
    for value, path in bound:
        if path is not None:
            key.append(("fact", path))
        elif value is None or isinstance(value, bool | int | float | str | dt.date):
            key.append(("value", type(value).__name__, value))
        else:
            return None
    return tuple(key)


def render(node: ast.Expr, scope: Scope | None = None) -> str:
    """Source-like text of `node`; a variable bound to a fact is shown by its path."""
    scope = scope or {}
    if isinstance(node, ast.Literal):
        return _render_literal(node.value)
    if isinstance(node, ast.ListLit):
        return "[" + ", ".join(render(i, scope) for i in node.items) + "]"
    if isinstance(node, ast.Ident):
        bound = scope.get(node.name)
        return bound[1] if bound is not None and bound[1] is not None else node.name
    if isinstance(node, ast.Select):
        return f"{render(node.operand, scope)}.{node.field}"
    if isinstance(node, ast.Has):
        return f"has({render(node.operand, scope)}.{node.field})"
    if isinstance(node, ast.Call):
        args = ", ".join(render(a, scope) for a in node.args)
        if node.target is not None:
            return f"{_wrap(node.target, scope)}.{node.function}({args})"
        return f"{node.function}({args})"
    if isinstance(node, ast.Unary):
        return f"{node.op}{_wrap(node.operand, scope)}"
    if isinstance(node, ast.Binary):
        return f"{_wrap(node.left, scope)} {node.op} {_wrap(node.right, scope)}"
    if isinstance(node, ast.And | ast.Or):
        joiner = " && " if isinstance(node, ast.And) else " || "
        return joiner.join(_wrap(o, scope) for o in node.operands)
    if isinstance(node, ast.Conditional):
        parts = (node.condition, node.then, node.otherwise)
        condition, then, otherwise = (_wrap(p, scope) for p in parts)
        return f"{condition} ? {then} : {otherwise}"
    if isinstance(node, ast.Comprehension):
        inner: Scope = {**scope, node.var: (None, None)}
        body = render(node.body, inner)
        return f"{_wrap(node.range, scope)}.{node.kind}({node.var}, {body})"
    return f"<{type(node).__name__}>"


def _wrap(node: ast.Expr, scope: Scope) -> str:
    """`node` rendered, in parentheses when it is an operation of its own."""
    text = render(node, scope)
    compound = ast.Binary | ast.And | ast.Or | ast.Conditional | ast.Unary
    return f"({text})" if isinstance(node, compound) else text


def _render_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)
