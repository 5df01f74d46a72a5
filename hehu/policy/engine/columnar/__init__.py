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
comparison (`dates.date_threshold`); short `in` lists are chains of `==`.

The lowering depends on `as_of` (it is a literal, and parameters are resolved for it), so
`compile_policy` lowers once to find what cannot be compiled — a policy is never
half-applicable — and `CompiledPolicy.run` lowers again, cached, for the date it is given.

The modules, in the order an expression goes through them: `values` (what it lowers
to), `lowering` (the walk over the tree) with `comparisons`, `calls`, `parameters` and
`comprehensions`, all planning their derived columns through `planning`; the date
helpers are `dates`; `run` adds the derived columns to the frames and `compiled` puts it
all together.
"""

from hehu.policy.engine.columnar.compiled import CompiledPolicy, compile_policy
from hehu.policy.engine.columnar.dates import (
    add_months_expr,
    age_on_expr,
    in_force_expr,
    months_elapsed_expr,
)
from hehu.policy.engine.columnar.dates import date_threshold as _threshold
from hehu.policy.engine.columnar.run import run_steps

__all__ = [
    "CompiledPolicy",
    "_threshold",
    "add_months_expr",
    "age_on_expr",
    "compile_policy",
    "in_force_expr",
    "months_elapsed_expr",
    "run_steps",
]
