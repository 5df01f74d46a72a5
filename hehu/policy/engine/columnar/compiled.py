"""The compiled policy: its conditions lowered for a date, run over frames, one row per child.

`compile_policy` lowers once to find what cannot be compiled (a policy is never
half-applicable); `CompiledPolicy.run` lowers for the date it is given (cached) and
assembles the classification column-wise: clause masks, membership with exclusions in
dependency order, umbrellas, need-signal bits and gaps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from hehu.policy.engine import ast, model
from hehu.policy.engine.columnar.lowering import Lowering
from hehu.policy.engine.columnar.run import run_steps
from hehu.policy.engine.columnar.values import ROOT, NotCompilable, Step, truth
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.frames import FactsFrames, conform


@dataclass(frozen=True)
class Plan:
    steps: list[Step]
    clauses: dict[str, list[pl.Expr]]  # category code → its clauses as conditions
    umbrella_when: dict[str, pl.Expr]
    signals: list[pl.Expr]


@dataclass
class CompiledPolicy:
    """A policy lowered to Polars; `run` classifies every child of a `FactsFrames`."""

    policy: model.Policy
    _plans: dict[dt.date, Plan] = field(default_factory=dict)

    def plan(self, as_of: dt.date) -> Plan:
        if as_of not in self._plans:
            self._plans = {as_of: lower_policy(self.policy, as_of)}  # one date at a time is usual
        return self._plans[as_of]

    def run(self, frames: FactsFrames, as_of: dt.date) -> pl.DataFrame:
        """One row per child: `id`, `in.<code>`, `mask.<code>`, `umbrella.<code>`,
        `signals`, `gap`."""
        plan = self.plan(as_of)
        children = run_steps(plan.steps, conform(frames))["children"]
        return _classify(self.policy, plan, children)


def compile_policy(policy: model.Policy) -> CompiledPolicy:
    """`policy` compiled for populations; raises `PolicyErrors` ("not_compilable") when a
    condition cannot be lowered, so that a policy is never half-applicable."""
    compiled = CompiledPolicy(policy)
    compiled.plan(policy.effective_from)
    return compiled


def lower_policy(policy: model.Policy, as_of: dt.date) -> Plan:
    """Every condition of `policy` as Polars expressions over `children` for `as_of`."""
    lowering = Lowering(policy, as_of)
    problems: list[PolicyProblem] = []

    def condition(expr: ast.Expr) -> pl.Expr:
        try:
            value = lowering.lift(lowering.value(expr, {}), ROOT, expr)
            return truth(value)
        except NotCompilable as exc:
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
    return Plan(lowering.steps, clauses, umbrella_when, signals)


def _classify(policy: model.Policy, plan: Plan, children: pl.DataFrame) -> pl.DataFrame:
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
