"""What evaluating a policy for one child returns, and its JSON form.

A `Trace` is one named condition (a category clause, a predicate call, a need signal)
with its outcome, the facts it read directly and the named sub-conditions that decided
it: for a condition that holds, the sub-conditions that made it hold (every operand of an
`&&`, the true operands of an `||`); for one that fails, the ones that made it fail (the
first false operand of an `&&`, every operand of an `||`).

The JSON form is what `hehu classify` prints and `POST /api/v1/classify` returns:
`{"id", "as_of", "policy": "ID@VERSION", "categories": [{"code", "name", "reasons"}],
"not_in": [{"code", "name", "failed"}], "umbrellas", "need_signals", "coverage_gap"}`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from hehu.policy.engine.model import Text


@dataclass(frozen=True)
class Trace:
    name: str  # clause id, predicate name (with its argument, e.g. "meets_q(father)")
    label: Text
    holds: bool
    facts: tuple[tuple[str, Any], ...] = ()  # ("father.vital_status", "dead"), in read order
    because: tuple[Trace, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "clause": self.name,
            "text": self.label.as_dict(),
            "holds": self.holds,
            "facts": {path: _json_value(value) for path, value in self.facts},
            "because": [t.as_dict() for t in self.because],
        }


@dataclass(frozen=True)
class CategoryResult:
    code: str
    name: Text
    member: bool
    clauses: tuple[Trace, ...]  # every clause, in policy order (all are evaluated)
    excluded_by: str | None = None  # a category that took precedence, when all clauses held

    @property
    def clause_mask(self) -> int:
        """Bit i set when clause i held — what population runs store per child."""
        return sum(1 << i for i, clause in enumerate(self.clauses) if clause.holds)

    @property
    def first_failed(self) -> Trace | None:
        return next((c for c in self.clauses if not c.holds), None)


@dataclass(frozen=True)
class Classification:
    facts_id: str
    as_of: dt.date
    policy: str  # "id@version"
    categories: tuple[CategoryResult, ...]
    umbrellas: tuple[str, ...] = ()  # codes of the umbrella types the child falls under
    signals: tuple[Trace, ...] = ()  # need signals that hold

    @property
    def member_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories if c.member)

    @property
    def coverage_gap(self) -> bool:
        """A sign of need, and no category: the child the definition misses."""
        return bool(self.signals) and not self.member_codes

    def as_dict(self) -> dict[str, Any]:
        not_in: list[dict[str, Any]] = []
        for c in self.categories:
            if c.member:
                continue
            failed = c.first_failed
            if failed is not None:
                detail = failed.as_dict()
            else:
                excluder = next(x for x in self.categories if x.code == c.excluded_by)
                detail = {
                    "clause": f"excluded_by:{c.excluded_by}",
                    "text": Text(
                        f"已属于“{excluder.name.zh}”，不再重复认定",
                        f"already in “{excluder.name.en}”, which takes precedence",
                    ).as_dict(),
                    "holds": False,
                    "facts": {},
                    "because": [],
                }
            not_in.append({"code": c.code, "name": c.name.as_dict(), "failed": detail})
        return {
            "id": self.facts_id,
            "as_of": self.as_of.isoformat(),
            "policy": self.policy,
            "categories": [
                {
                    "code": c.code,
                    "name": c.name.as_dict(),
                    "reasons": [t.as_dict() for t in c.clauses],
                }
                for c in self.categories
                if c.member
            ],
            "not_in": not_in,
            "umbrellas": list(self.umbrellas),
            "need_signals": [t.as_dict() for t in self.signals],
            "coverage_gap": self.coverage_gap,
        }


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value
