"""Provincial overrides: merged into the national policy they extend, checked as a whole.

An override (`extends: id@version`) replaces the base's parameters and predicates by name
and its categories, umbrellas and need signals by code (new ones are appended); the
merged policy is then checked whole, since it may name things only the base defines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TypeVar

from hehu.policy.engine.check import suggestion
from hehu.policy.engine.errors import PolicyProblem
from hehu.policy.engine.load.checking import finish
from hehu.policy.engine.load.draft import Draft, Where, raise_if
from hehu.policy.engine.model import Category, NeedSignal, Policy, Umbrella

_Coded = TypeVar("_Coded", Category, Umbrella, NeedSignal)


def merge_override(base: Policy, override: Policy) -> Policy:
    """`base` with `override`'s parts replacing or adding to its own, checked as a whole."""
    return merge_checked(draft_of(base), draft_of(override))


def draft_of(policy: Policy) -> Draft:
    """A loaded policy as a draft; positions are known to the line only."""
    where: Where = {}
    for name, parameter in policy.parameters.items():
        where[("parameter", name)] = (policy.file, parameter.line, None)
    for name, predicate in policy.predicates.items():
        where[("predicate", name)] = (policy.file, predicate.line, None)
    for category in policy.categories:
        where[("category", category.code)] = (policy.file, category.line, None)
    for signal in policy.need_signals:
        where[("need_signal", signal.code)] = (policy.file, signal.line, None)
    for umbrella in policy.umbrellas:
        line = umbrella.when.line if umbrella.when else None
        where[("umbrella", umbrella.code)] = (policy.file, line, None)
    sections = {"parameters", "predicates", "categories", "umbrellas", "need_signals"}
    return Draft(policy, where, [], sections)


def merge_checked(base: Draft, override: Draft) -> Policy:
    """Merge an override into its base and check the result."""
    problems = list(override.problems)
    over = override.policy
    if over.extends != base.policy.ref:
        problems.append(
            PolicyProblem(
                "unknown_base",
                f"覆盖政策基于“{over.extends}”，而不是“{base.policy.ref}”",
                f"the override extends '{over.extends}', not '{base.policy.ref}'",
                over.file,
                *override.where.get(("extends",), (over.file, None, None))[1:],
            )
        )
    raise_if(problems)
    merged = dataclasses.replace(
        over,
        parameters={**base.policy.parameters, **over.parameters},
        predicates={**base.policy.predicates, **over.predicates},
        categories=_replace_by_code(base.policy.categories, over.categories),
        umbrellas=_replace_by_code(base.policy.umbrellas, over.umbrellas),
        need_signals=_replace_by_code(base.policy.need_signals, over.need_signals),
        sources=over.sources or base.policy.sources,
    )
    where = {**base.where, **override.where}
    return finish(Draft(merged, where, []))


def _replace_by_code(base: tuple[_Coded, ...], override: tuple[_Coded, ...]) -> tuple[_Coded, ...]:
    """`base` with same-coded items replaced in place and new ones appended."""
    new: dict[str, _Coded] = {item.code: item for item in override}
    merged: list[_Coded] = [new.pop(item.code, item) for item in base]
    return tuple(merged + list(new.values()))


def duplicate_ref(draft: Draft) -> PolicyProblem:
    file, line, column = draft.where.get(("version",), (draft.policy.file, None, None))
    ref = draft.policy.ref
    return PolicyProblem(
        "duplicate",
        f"政策“{ref}”已由另一个文件定义",
        f"the policy '{ref}' is already defined by another file",
        file,
        line,
        column,
    )


def unknown_base(draft: Draft, bases: Mapping[str, object]) -> PolicyProblem:
    file, line, column = draft.where.get(("extends",), (draft.policy.file, None, None))
    extends = draft.policy.extends or ""
    zh_hint, en_hint = suggestion(extends, bases)
    return PolicyProblem(
        "unknown_base",
        f"找不到基础政策“{extends}”{zh_hint}",
        f"the base policy '{extends}' was not found{en_hint}",
        file,
        line,
        column,
    )
