"""Cycles and order: predicates that call each other, categories that exclude each other.

Predicates may call other predicates and categories may be `excluded_by` others; neither
may go round in a cycle. Categories are put in an order where each comes after those that
exclude it, the file's order otherwise, so that evaluation can run them in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hehu.policy.engine.errors import PolicyProblem
from hehu.policy.engine.load.draft import Where, unknown_category
from hehu.policy.engine.model import Category, Policy


def _find_cycles(graph: Mapping[str, Iterable[str]], order: list[str]) -> list[list[str]]:
    """Each cycle of `graph` once, as a path a → … → a, starting from the earliest node."""
    cycles: list[list[str]] = []
    seen_cycles: set[frozenset[str]] = set()
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycle = path[path.index(node) :]
            if frozenset(cycle) not in seen_cycles:
                seen_cycles.add(frozenset(cycle))
                first = min(cycle, key=order.index)
                start = cycle.index(first)
                rotated = cycle[start:] + cycle[:start]
                cycles.append([*rotated, first])
            return
        if node in done or node not in graph:
            return
        for nxt in sorted(graph[node], key=lambda n: order.index(n) if n in order else -1):
            visit(nxt, [*path, node])
        done.add(node)

    for node in order:
        visit(node, [])
    return cycles


def predicate_cycles(
    calls: dict[str, set[str]], policy: Policy, where: Where
) -> list[PolicyProblem]:
    return _cycle_problems(
        calls,
        list(policy.predicates),
        "predicate",
        ("条件相互引用，形成循环：", "predicates refer to each other in a cycle: "),
        policy,
        where,
    )


def _cycle_problems(
    graph: Mapping[str, Iterable[str]],
    order: list[str],
    kind: str,
    message: tuple[str, str],
    policy: Policy,
    where: Where,
) -> list[PolicyProblem]:
    """A "cycle" problem for each cycle of `graph`, where its first node (of `kind`) is
    defined; `message` (zh, en) is followed by the cycle's path."""
    problems = []
    for cycle in _find_cycles(graph, order):
        path = " → ".join(cycle)
        file, line, column = where.get((kind, cycle[0]), (policy.file, None, None))
        zh, en = message
        problems.append(PolicyProblem("cycle", zh + path, en + path, file, line, column))
    return problems


def order_categories(
    policy: Policy, where: Where, problems: list[PolicyProblem]
) -> tuple[Category, ...]:
    """Categories so that each comes after those that exclude it (file order otherwise)."""
    codes = [c.code for c in policy.categories]
    graph: dict[str, set[str]] = {}
    for category in policy.categories:
        graph[category.code] = set()
        for code in category.excluded_by:
            if code in codes:
                graph[category.code].add(code)
            else:
                key = ("excluded_by", category.code, code)
                problems.append(unknown_category(code, set(codes), where, key, policy))
    problems.extend(
        _cycle_problems(
            graph,
            codes,
            "category",
            ("类别的排除关系形成循环：", "categories exclude each other in a cycle: "),
            policy,
            where,
        )
    )
    placed: list[Category] = []
    remaining = list(policy.categories)
    while remaining:
        done = {c.code for c in placed}
        ready = next((c for c in remaining if graph[c.code] <= done), remaining[0])
        placed.append(ready)
        remaining.remove(ready)
    return tuple(placed)
