"""Checking a whole policy: every expression type-checked, every reference resolved.

Once a file is read (and an override merged into its base), `finish` checks every
predicate, clause, need signal and umbrella against the parameters and predicates the
policy defines, reports cycles and unknown categories, orders the categories and gives
clauses written as a predicate's name that predicate's label.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from hehu.policy.engine import ast
from hehu.policy.engine.check import RESERVED, Env, check, suggestion
from hehu.policy.engine.errors import PolicyProblem
from hehu.policy.engine.load.draft import Draft, Where, file_of, raise_if, unknown_category
from hehu.policy.engine.load.ordering import order_categories, predicate_cycles
from hehu.policy.engine.model import Category, Clause, Policy, Predicate
from hehu.policy.engine.types import ROOT_STRUCT, STRUCTS


def finish(draft: Draft) -> Policy:
    """Check a draft's expressions and references; the policy with categories in order."""
    problems = list(draft.problems)
    problems.extend(_check_policy(draft.policy, draft.where))
    ordered = order_categories(draft.policy, draft.where, problems)
    raise_if(problems)
    predicates = draft.policy.predicates
    return dataclasses.replace(
        draft.policy, categories=tuple(_labelled(c, predicates) for c in ordered)
    )


def _check_policy(policy: Policy, where: Where) -> list[PolicyProblem]:
    problems: list[PolicyProblem] = []
    env = Env(
        {name: p.type for name, p in policy.parameters.items()},
        {name: p.args for name, p in policy.predicates.items()},
    )
    calls: dict[str, set[str]] = {}
    for name, predicate in policy.predicates.items():
        file = file_of(where, ("predicate", name), policy)
        problems.extend(_name_clash(name, where, policy))
        scoped = env
        for arg, arg_type in predicate.args:
            scoped = scoped.with_variable(arg, arg_type)
        checked = check(
            predicate.expr, scoped, file=file, condition_of=(f"条件“{name}”", f"predicate '{name}'")
        )
        problems.extend(checked.problems)
        calls[name] = checked.predicates_used
    problems.extend(predicate_cycles(calls, policy, where))
    for category in policy.categories:
        file = file_of(where, ("category", category.code), policy)
        for clause in category.clauses:
            if _names_predicate(clause) and clause.id not in policy.predicates:
                problems.append(_not_a_predicate(clause, policy, file))
                continue
            checked = check(
                clause.expr,
                env,
                file=file,
                condition_of=(f"“{category.code}”的条款", f"a clause of '{category.code}'"),
            )
            problems.extend(checked.problems)
    for signal in policy.need_signals:
        file = file_of(where, ("need_signal", signal.code), policy)
        checked = check(
            signal.expr,
            env,
            file=file,
            condition_of=(f"需求信号“{signal.code}”", f"need signal '{signal.code}'"),
        )
        problems.extend(checked.problems)
    codes = {c.code for c in policy.categories}
    for umbrella in policy.umbrellas:
        file = file_of(where, ("umbrella", umbrella.code), policy)
        if umbrella.when is not None:
            checked = check(
                umbrella.when.expr,
                env,
                file=file,
                condition_of=(f"类型“{umbrella.code}”", f"umbrella '{umbrella.code}'"),
            )
            problems.extend(checked.problems)
        for code in umbrella.any_of:
            if code not in codes:
                key = ("umbrella_any_of", umbrella.code, code)
                problems.append(unknown_category(code, codes, where, key, policy))
    return problems


def _names_predicate(clause: Clause) -> bool:
    """Whether the clause was written as a predicate's name (its id is that name)."""
    return isinstance(clause.expr, ast.Ident) and clause.id == clause.expr.name


def _not_a_predicate(clause: Clause, policy: Policy, file: str) -> PolicyProblem:
    name = clause.id
    zh_hint, en_hint = suggestion(name, policy.predicates)
    return PolicyProblem(
        "unknown_name",
        f"没有名为“{name}”的条件（条款写成名称时，必须是已定义的条件）{zh_hint}",
        f"there is no predicate named '{name}' (a clause written as a name must be one){en_hint}",
        file,
        clause.expr.pos.line,
        clause.expr.pos.column,
    )


def _labelled(category: Category, predicates: Mapping[str, Predicate]) -> Category:
    """Clauses written as a predicate's name take that predicate's label."""
    clauses = tuple(
        dataclasses.replace(c, label=predicates[c.id].label)
        if _names_predicate(c) and c.id in predicates
        else c
        for c in category.clauses
    )
    return dataclasses.replace(category, clauses=clauses)


def _name_clash(name: str, where: Where, policy: Policy) -> list[PolicyProblem]:
    """A predicate named like a fact or a helper could never be called."""
    if name not in RESERVED and name not in STRUCTS[ROOT_STRUCT]:
        return []
    file, line, column = where.get(("predicate", name), (policy.file, None, None))
    return [
        PolicyProblem(
            "name_clash",
            f"条件不能命名为“{name}”：这个名称已用于事实或内置函数",
            f"a predicate cannot be named '{name}': the name is taken by a fact or a helper",
            file,
            line,
            column,
        )
    ]
