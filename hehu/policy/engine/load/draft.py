"""A file read but not yet checked: the draft, where each of its parts was written.

Every named thing a policy defines (a parameter, a predicate, a category …) is recorded by
key with the file, line and column it was written at, so that a problem found later —
while checking the merged policy, say — is still reported where the policy officer wrote
it. Problems are collected, never raised one at a time: `raise_if` raises them together,
sorted by position.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hehu.policy.engine.check import suggestion
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.model import NATIONAL, Policy

# Where each named thing was written: ("category", code) → (file, line, column).
Key = tuple[str, ...]
Where = dict[Key, tuple[str, int | None, int | None]]


@dataclass
class Draft:
    """One file read: a policy not yet checked, where its parts are, what went wrong."""

    policy: Policy
    where: Where
    problems: list[PolicyProblem]
    sections: set[str] = field(default_factory=set)

    @property
    def is_override(self) -> bool:
        return self.policy.jurisdiction != NATIONAL


def raise_if(problems: list[PolicyProblem]) -> None:
    if problems:
        raise PolicyErrors(sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0)))


def file_of(where: Where, key: Key, policy: Policy) -> str:
    return where.get(key, (policy.file, None, None))[0]


def unknown_category(
    code: str, codes: set[str], where: Where, key: Key, policy: Policy
) -> PolicyProblem:
    file, line, column = where.get(key, (policy.file, None, None))
    zh_hint, en_hint = suggestion(code, codes)
    return PolicyProblem(
        "unknown_category",
        f"未知的类别“{code}”{zh_hint}",
        f"unknown category '{code}'{en_hint}",
        file,
        line,
        column,
    )
