"""YAML policy files → validated `model.Policy`, or `PolicyErrors` listing every problem.

The YAML is composed into PyYAML's node tree (not constructed into dicts) so that every
key and value keeps its line and column; each `when` is parsed with its position in the
file, so that a CEL mistake is reported where the policy officer wrote it. A policy is
loaded whole or not at all: problems are collected, sorted by line and raised together.

A provincial override (`extends: id@version`) is merged into its base and the merged
policy is checked as a whole: it names things the base defines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hehu.policy.engine import ast
from hehu.policy.engine.check import RESERVED, Env, Signature, check, suggestion
from hehu.policy.engine.errors import ExpressionSyntaxError, PolicyErrors, PolicyProblem
from hehu.policy.engine.model import (
    NATIONAL,
    Category,
    Clause,
    NeedSignal,
    Parameter,
    ParameterValue,
    Policy,
    Predicate,
    Text,
    Umbrella,
)
from hehu.policy.engine.parse import parse_expression
from hehu.policy.engine.types import (
    ARGUMENT_TYPES,
    PARAMETER_TYPES,
    ROOT_STRUCT,
    STRUCTS,
    Type,
)

FORMAT_VERSION = 1
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXTENDS = re.compile(r"([a-z0-9][a-z0-9-]*)@([^@\s]+)")
_PROVINCE = re.compile(r"\d{2}")
_REGION_LENGTHS = (2, 4, 6, 9, 12)

_TOP_REQUIRED = ("hehu_policy", "id", "version", "jurisdiction", "effective_from", "title")
_TOP_OPTIONAL = (
    "extends",
    "effective_to",
    "sources",
    "parameters",
    "predicates",
    "categories",
    "umbrellas",
    "need_signals",
    "description",
)

# Where each named thing was written: ("category", code) → (file, line, column).
Key = tuple[str, ...]
Where = dict[Key, tuple[str, int | None, int | None]]


_Coded = TypeVar("_Coded", Category, Umbrella, NeedSignal)


class PolicyNotFound(LookupError):
    """No loaded policy matches the id, version, region or date asked for."""


@dataclass
class _Draft:
    """One file read: a policy not yet checked, where its parts are, what went wrong."""

    policy: Policy
    where: Where
    problems: list[PolicyProblem]
    sections: set[str] = field(default_factory=set)

    @property
    def is_override(self) -> bool:
        return self.policy.jurisdiction != NATIONAL


# -- public API ---------------------------------------------------------------------------
def load_policy_text(text: str, *, file: str = "<policy>", base: Policy | None = None) -> Policy:
    """A national policy, or (given its base) a merged provincial override, from YAML text."""
    draft = _read(text, file)
    if draft.is_override and base is None and not draft.problems:
        extends = draft.policy.extends or "?"
        draft.problems.append(
            PolicyProblem(
                "unknown_base",
                f"这是对“{extends}”的覆盖，需要与其基础政策一起加载",
                f"this overrides '{extends}': load it together with its base policy",
                file,
                1,
                1,
            )
        )
    _raise_if(draft.problems)
    if draft.is_override and base is not None:
        return _merge_checked(_draft_of(base), draft)
    return _finish(draft)


def load_policy_text_with_base(text: str, *, file: str = "<policy>", base: Policy) -> Policy:
    """A draft provincial override checked against its base: the merged policy."""
    return load_policy_text(text, file=file, base=base)


def load_policy_file(path: Path | str) -> Policy:
    """A national policy from a file."""
    path = Path(path)
    return load_policy_text(path.read_text(encoding="utf-8"), file=str(path))


def merge_override(base: Policy, override: Policy) -> Policy:
    """`base` with `override`'s parts replacing or adding to its own, checked as a whole."""
    return _merge_checked(_draft_of(base), _draft_of(override))


class PolicySet:
    """Every policy of a directory, overrides merged into their bases."""

    def __init__(self, policies: Iterable[Policy]) -> None:
        self._policies = list(policies)

    def all(self) -> list[Policy]:
        return list(self._policies)

    def get(self, policy_id: str, version: str | None = None) -> Policy:
        """The policy with that id and version (the latest version when None)."""
        matching = [p for p in self._policies if p.id == policy_id]
        if version is not None:
            matching = [p for p in matching if p.version == version]
        if not matching:
            raise PolicyNotFound(f"{policy_id}@{version or 'latest'}")
        return max(matching, key=lambda p: _version_key(p.version))

    def for_region(self, region_code: str | None, on: dt.date) -> Policy:
        """The provincial override in effect on `on` for the code's province, else national."""
        province = (region_code or "")[:2]
        in_effect = [p for p in self._policies if p.in_effect(on)]
        for jurisdiction in (province, NATIONAL):
            candidates = [p for p in in_effect if p.jurisdiction == jurisdiction]
            if candidates:
                return max(candidates, key=lambda p: (p.effective_from, _version_key(p.version)))
        raise PolicyNotFound(f"no policy in effect on {on.isoformat()} for {region_code!r}")


def load_policy_set(directory: Path | str) -> PolicySet:
    """Load every *.yaml of `directory`; overrides are merged into the bases they name."""
    drafts = [
        _read(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(Path(directory).glob("*.yaml"))
    ]
    problems: list[PolicyProblem] = []
    bases: dict[str, tuple[Policy, _Draft]] = {}
    loaded: list[Policy] = []
    for draft in sorted(drafts, key=lambda d: d.is_override):
        problems.extend(draft.problems)
        if draft.problems:
            continue
        ref = draft.policy.ref
        if ref in bases or any(p.ref == ref for p in loaded):
            problems.append(_duplicate_ref(draft))
            continue
        try:
            if draft.is_override:
                found = bases.get(draft.policy.extends or "")
                if found is None:
                    problems.append(_unknown_base(draft, bases))
                    continue
                loaded.append(_merge_checked(found[1], draft))
            else:
                policy = _finish(draft)
                bases[ref] = (policy, dataclasses.replace(draft, policy=policy))
                loaded.append(policy)
        except PolicyErrors as errors:
            problems.extend(errors.problems)
    _raise_if(problems)
    return PolicySet(loaded)


# -- checking a whole policy --------------------------------------------------------------
def _finish(draft: _Draft) -> Policy:
    """Check a draft's expressions and references; the policy with categories in order."""
    problems = list(draft.problems)
    problems.extend(_check_policy(draft.policy, draft.where))
    ordered = _order_categories(draft.policy, draft.where, problems)
    _raise_if(problems)
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
        file = _file_of(where, ("predicate", name), policy)
        problems.extend(_name_clash(name, where, policy))
        scoped = env
        for arg, arg_type in predicate.args:
            scoped = scoped.with_variable(arg, arg_type)
        checked = check(
            predicate.expr, scoped, file=file, condition_of=(f"条件“{name}”", f"predicate '{name}'")
        )
        problems.extend(checked.problems)
        calls[name] = checked.predicates_used
    problems.extend(_predicate_cycles(calls, policy, where))
    for category in policy.categories:
        file = _file_of(where, ("category", category.code), policy)
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
        file = _file_of(where, ("need_signal", signal.code), policy)
        checked = check(
            signal.expr,
            env,
            file=file,
            condition_of=(f"需求信号“{signal.code}”", f"need signal '{signal.code}'"),
        )
        problems.extend(checked.problems)
    codes = {c.code for c in policy.categories}
    for umbrella in policy.umbrellas:
        file = _file_of(where, ("umbrella", umbrella.code), policy)
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
                problems.append(_unknown_category(code, codes, where, key, policy))
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


def _predicate_cycles(
    calls: dict[str, set[str]], policy: Policy, where: Where
) -> list[PolicyProblem]:
    problems = []
    for cycle in _find_cycles(calls, list(policy.predicates)):
        path = " → ".join(cycle)
        file, line, column = where.get(("predicate", cycle[0]), (policy.file, None, None))
        problems.append(
            PolicyProblem(
                "cycle",
                f"条件相互引用，形成循环：{path}",
                f"predicates refer to each other in a cycle: {path}",
                file,
                line,
                column,
            )
        )
    return problems


def _order_categories(
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
                problems.append(_unknown_category(code, set(codes), where, key, policy))
    for cycle in _find_cycles(graph, codes):
        path = " → ".join(cycle)
        file, line, column = where.get(("category", cycle[0]), (policy.file, None, None))
        problems.append(
            PolicyProblem(
                "cycle",
                f"类别的排除关系形成循环：{path}",
                f"categories exclude each other in a cycle: {path}",
                file,
                line,
                column,
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


def _unknown_category(
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


# -- overrides ----------------------------------------------------------------------------
def _draft_of(policy: Policy) -> _Draft:
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
    return _Draft(policy, where, [], sections)


def _merge_checked(base: _Draft, override: _Draft) -> Policy:
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
    _raise_if(problems)
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
    return _finish(_Draft(merged, where, []))


def _replace_by_code(base: tuple[_Coded, ...], override: tuple[_Coded, ...]) -> tuple[_Coded, ...]:
    """`base` with same-coded items replaced in place and new ones appended."""
    new: dict[str, _Coded] = {item.code: item for item in override}
    merged: list[_Coded] = [new.pop(item.code, item) for item in base]
    return tuple(merged + list(new.values()))


def _duplicate_ref(draft: _Draft) -> PolicyProblem:
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


def _unknown_base(draft: _Draft, bases: Mapping[str, object]) -> PolicyProblem:
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


# -- helpers --------------------------------------------------------------------------------
def _raise_if(problems: list[PolicyProblem]) -> None:
    if problems:
        raise PolicyErrors(sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0)))


def _file_of(where: Where, key: Key, policy: Policy) -> str:
    return where.get(key, (policy.file, None, None))[0]


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Natural order of versions: "2026.10" after "2026.9"."""
    return tuple(
        (int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"[.\-]", version)
    )


def _read(text: str, file: str) -> _Draft:
    """Read one file's YAML into a draft (nothing is checked against a base yet)."""
    return _Reader(text, file).read()


class _Reader:
    """Walks the YAML node tree of one file, collecting problems as it goes."""

    def __init__(self, text: str, file: str) -> None:
        self.source = text
        self.file = file
        self.problems: list[PolicyProblem] = []
        self.where: Where = {}
        self.constructor = SafeConstructor()

    # -- problems and positions -----------------------------------------------------
    def problem(self, code: str, node: Node | None, zh: str, en: str) -> None:
        line, column = self.position(node)
        self.problems.append(PolicyProblem(code, zh, en, self.file, line, column))

    def position(self, node: Node | None) -> tuple[int | None, int | None]:
        if node is None:
            return None, None
        return node.start_mark.line + 1, node.start_mark.column + 1

    def mark(self, key: Key, node: Node) -> None:
        self.where[key] = (self.file, *self.position(node))

    # -- shapes ---------------------------------------------------------------------
    def mapping(
        self,
        node: Node,
        what: tuple[str, str],
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> dict[str, tuple[Node, Node]]:
        """The entries of a mapping by key; unknown, duplicate and missing keys reported."""
        if not isinstance(node, MappingNode):
            self.problem(
                "shape", node, f"{what[0]}应是“键: 值”的映射", f"{what[1]} must be a mapping"
            )
            return {}
        entries: dict[str, tuple[Node, Node]] = {}
        allowed = (*required, *optional)
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if key in entries:
                self.problem(
                    "duplicate", key_node, f"键“{key}”重复出现", f"the key '{key}' appears twice"
                )
                continue
            if key not in allowed:
                zh_hint, en_hint = suggestion(key, allowed)
                self.problem(
                    "unknown_key",
                    key_node,
                    f"{what[0]}中有未知的键“{key}”{zh_hint}",
                    f"unknown key '{key}' in {what[1]}{en_hint}",
                )
                continue
            entries[key] = (key_node, value_node)
        for key in required:
            if key not in entries:
                self.problem(
                    "missing_key",
                    node,
                    f"{what[0]}缺少键“{key}”",
                    f"{what[1]} is missing the key '{key}'",
                )
        return entries

    def named_entries(self, node: Node, what: tuple[str, str]) -> list[tuple[str, Node, Node]]:
        """A mapping whose keys are names the policy defines (parameters, predicates)."""
        if not isinstance(node, MappingNode):
            self.problem(
                "shape", node, f"{what[0]}应是“名称: 定义”的映射", f"{what[1]} must be a mapping"
            )
            return []
        found: list[tuple[str, Node, Node]] = []
        names: set[str] = set()
        for key_node, value_node in node.value:
            name = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            if not _NAME.fullmatch(name):
                self.problem(
                    "bad_name",
                    key_node,
                    f"名称“{name}”只能包含字母、数字和下划线",
                    f"the name '{name}' may contain only letters, digits and '_'",
                )
                continue
            if name in names:
                self.problem(
                    "duplicate", key_node, f"“{name}”重复定义", f"'{name}' is defined twice"
                )
                continue
            names.add(name)
            found.append((name, key_node, value_node))
        return found

    def sequence(self, node: Node, what: tuple[str, str]) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.problem("shape", node, f"{what[0]}应是列表", f"{what[1]} must be a list")
            return []
        return list(node.value)

    def value(self, node: Node) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError) as exc:
            self.problem(
                "yaml", node, f"无法读取的值：{exc}", f"a value that cannot be read: {exc}"
            )
            return None

    def scalar_text(self, node: Node, what: tuple[str, str]) -> str | None:
        """A scalar's text as written (so `version: 2026.1` is "2026.1")."""
        if not isinstance(node, ScalarNode) or node.tag.endswith(":null"):
            self.problem("shape", node, f"{what[0]}应是一个值", f"{what[1]} must be a single value")
            return None
        return str(node.value)

    def string(self, node: Node, what: tuple[str, str]) -> str | None:
        if isinstance(node, ScalarNode) and node.tag.endswith(":str"):
            return str(node.value)
        self.problem("type", node, f"{what[0]}应是文本", f"{what[1]} must be text")
        return None

    def text(self, node: Node, what: tuple[str, str]) -> Text:
        """A phrase in both languages: {zh: …, en: …}."""
        entries = self.mapping(node, what, ("zh", "en"))
        parts = {k: self.string(v, what) or "" for k, (_, v) in entries.items()}
        return Text(parts.get("zh", ""), parts.get("en", ""))

    def date(self, node: Node, what: tuple[str, str], *, optional: bool = False) -> dt.date | None:
        if optional and isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return None
        value = self.value(node)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                value = None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        self.problem(
            "type",
            node,
            f"{what[0]}应是日期（YYYY-MM-DD）",
            f"{what[1]} must be a date (YYYY-MM-DD)",
        )
        return None

    def codes(self, node: Node, what: tuple[str, str], key: Key) -> tuple[str, ...]:
        found = []
        for item in self.sequence(node, what):
            code = self.string(item, what)
            if code is not None:
                self.mark((*key, code), item)
                found.append(code)
        return tuple(found)

    # -- expressions ----------------------------------------------------------------
    def expression(self, node: Node, what: tuple[str, str]) -> tuple[ast.Expr, str] | None:
        """Parse a `when`, with positions in the file; None when it does not parse."""
        if not isinstance(node, ScalarNode):
            self.problem(
                "shape", node, f"{what[0]}应是条件表达式", f"{what[1]} must be a condition"
            )
            return None
        source = self.scalar_text(node, what)
        if source is None:
            return None
        text, line, column = self.located_source(node)
        try:
            return parse_expression(text, line=line, column=column), source
        except ExpressionSyntaxError as exc:
            self.problems.append(
                PolicyProblem(
                    "syntax", exc.message_zh, exc.message_en, self.file, exc.line, exc.column
                )
            )
            return None

    def located_source(self, node: ScalarNode) -> tuple[str, int, int]:
        """Text to parse and where it starts, so that parse positions are file positions.

        Lines after the first are whole lines of the file (indentation included: CEL
        ignores it), so their columns need no shifting.
        """
        start, end = node.start_mark, node.end_mark
        raw = self.source[start.index : end.index]
        style = node.style
        if style in ("|", ">"):
            # The text starts on the line after the indicator, at the block's indentation.
            body = raw.split("\n", 1)[1] if "\n" in raw else ""
            return body, start.line + 2, 1
        if style in ("'", '"'):
            inner = raw[1:-1]
            escaped = "''" in inner if style == "'" else "\\" in inner
            if not escaped:
                return inner, start.line + 1, start.column + 2
            # Escapes shift columns; the value's own text is right to within a few columns.
            return str(node.value), start.line + 1, start.column + 2
        return raw, start.line + 1, start.column + 1

    # -- the file -------------------------------------------------------------------
    def read(self) -> _Draft:
        try:
            root = yaml.compose(self.source, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            column = mark.column + 1 if mark else None
            reason = exc.problem or str(exc)
            lines = self.source.splitlines()
            near = lines[line - 1].strip() if line and line <= len(lines) else ""
            self.problems.append(
                PolicyProblem(
                    "yaml",
                    f"YAML 格式错误（“{near}”附近）：{reason}",
                    f"YAML syntax error near '{near}': {reason}",
                    self.file,
                    line,
                    column,
                )
            )
            return self.draft(None)
        except yaml.YAMLError as exc:
            self.problems.append(
                PolicyProblem(
                    "yaml", f"YAML 格式错误：{exc}", f"YAML syntax error: {exc}", self.file, 1, 1
                )
            )
            return self.draft(None)
        if root is None:
            self.problems.append(
                PolicyProblem("yaml", "文件是空的", "the file is empty", self.file, 1, 1)
            )
            return self.draft(None)
        return self.draft(root)

    def draft(self, root: Node | None) -> _Draft:
        policy = self.policy(root) if root is not None else _placeholder(self.file)
        sha = hashlib.sha256(self.source.encode("utf-8")).hexdigest()
        policy = dataclasses.replace(policy, file=self.file, sha256=sha)
        sections = set()
        if isinstance(root, MappingNode):
            sections = {str(k.value) for k, _ in root.value if isinstance(k, ScalarNode)}
        return _Draft(policy, self.where, self.problems, sections)

    def policy(self, root: Node) -> Policy:
        top = self.mapping(root, ("政策文件", "the policy file"), _TOP_REQUIRED, _TOP_OPTIONAL)

        def get(key: str) -> Node | None:
            return top[key][1] if key in top else None

        header = self.header(top, get)
        jurisdiction = header["jurisdiction"]
        override = jurisdiction != NATIONAL
        if not override and "categories" not in top and top:
            self.problem(
                "missing_key",
                root,
                "全国政策缺少键“categories”",
                "a national policy is missing the key 'categories'",
            )
        node = get("parameters")
        parameters = (
            self.parameters(node, header, province=jurisdiction if override else None)
            if node
            else {}
        )
        node = get("predicates")
        predicates = self.predicates(node) if node else {}
        node = get("categories")
        categories = self.categories(node, predicates) if node else ()
        node = get("umbrellas")
        umbrellas = self.umbrellas(node) if node else ()
        node = get("need_signals")
        signals = self.need_signals(node) if node else ()
        node = get("sources")
        sources = tuple(self.codes(node, ("来源", "sources"), ("source",))) if node else ()
        node = get("description")
        if node is not None and not (isinstance(node, ScalarNode) and node.tag.endswith(":str")):
            self.text(node, ("说明", "the description"))
        return Policy(
            id=header["id"],
            version=header["version"],
            jurisdiction=jurisdiction,
            title=header["title"],
            effective_from=header["effective_from"],
            effective_to=header["effective_to"],
            parameters=parameters,
            predicates=predicates,
            categories=categories,
            umbrellas=umbrellas,
            need_signals=signals,
            extends=header["extends"],
            sources=sources,
        )

    def header(
        self, top: dict[str, tuple[Node, Node]], get: Callable[[str], Node | None]
    ) -> dict[str, Any]:
        """id, version, jurisdiction, extends, dates and title (placeholders when wrong)."""
        header: dict[str, Any] = {
            "id": "?",
            "version": "?",
            "jurisdiction": NATIONAL,
            "extends": None,
            "effective_from": dt.date.min,
            "effective_to": None,
            "title": Text("", ""),
        }
        if (node := get("hehu_policy")) is not None and self.value(node) != FORMAT_VERSION:
            self.problem(
                "format",
                node,
                f"不支持的文件格式版本，应为 hehu_policy: {FORMAT_VERSION}",
                f"unsupported format version; write hehu_policy: {FORMAT_VERSION}",
            )
        if (node := get("id")) is not None:
            value = self.scalar_text(node, ("id", "id"))
            if value is not None and not _ID.fullmatch(value):
                self.problem(
                    "bad_name",
                    node,
                    f"id“{value}”只能包含小写字母、数字和“-”",
                    f"the id '{value}' may contain only lowercase letters, digits and '-'",
                )
            header["id"] = value or "?"
        if (node := get("version")) is not None:
            header["version"] = self.scalar_text(node, ("版本", "the version")) or "?"
            self.mark(("version",), node)
        if (node := get("jurisdiction")) is not None:
            value = self.scalar_text(node, ("适用范围", "the jurisdiction"))
            if value is not None and value != NATIONAL and not _PROVINCE.fullmatch(value):
                self.problem(
                    "jurisdiction",
                    node,
                    f'适用范围应为 national 或两位省级代码（如 "51"），不是“{value}”',
                    f"the jurisdiction must be 'national' or a 2-digit province code "
                    f"(e.g. \"51\"), not '{value}'",
                )
            header["jurisdiction"] = value or NATIONAL
        node = get("extends")
        extends = None
        if node is not None and not (isinstance(node, ScalarNode) and node.tag.endswith(":null")):
            extends = self.scalar_text(node, ("extends", "extends"))
            self.mark(("extends",), node)
            if extends is not None and not _EXTENDS.fullmatch(extends):
                self.problem(
                    "extends",
                    node,
                    f"extends 应写成“id@版本”，例如 cn-national@2026.1，不是“{extends}”",
                    f"extends must be 'id@version', e.g. cn-national@2026.1, not '{extends}'",
                )
        header["extends"] = extends
        if header["jurisdiction"] == NATIONAL and extends is not None and node is not None:
            self.problem(
                "extends",
                node,
                "全国政策不能基于其他政策（extends 应为 null）",
                "a national policy extends nothing (write extends: null)",
            )
        if header["jurisdiction"] != NATIONAL and extends is None:
            self.problem(
                "extends",
                node if node is not None else top["jurisdiction"][1],
                "省级覆盖政策必须写明基础政策：extends: id@版本",
                "a provincial override must name its base: extends: id@version",
            )
        if (node := get("effective_from")) is not None:
            header["effective_from"] = (
                self.date(node, ("生效日期", "effective_from")) or dt.date.min
            )
        if (node := get("effective_to")) is not None:
            end = self.date(node, ("失效日期", "effective_to"), optional=True)
            header["effective_to"] = end
            if end is not None and end < header["effective_from"]:
                self.problem(
                    "period",
                    node,
                    "失效日期早于生效日期",
                    "effective_to is before effective_from",
                )
        if (node := get("title")) is not None:
            header["title"] = self.text(node, ("标题", "the title"))
        return header

    # -- parameters -----------------------------------------------------------------
    def parameters(
        self, node: Node, header: dict[str, Any], *, province: str | None
    ) -> dict[str, Parameter]:
        found: dict[str, Parameter] = {}
        for name, key_node, value_node in self.named_entries(node, ("参数", "parameters")):
            self.mark(("parameter", name), key_node)
            what = (f"参数“{name}”", f"the parameter '{name}'")
            entries = self.mapping(value_node, what, ("type", "label", "values"))
            if len(entries) < 3:
                continue
            type_name = self.scalar_text(entries["type"][1], what) or ""
            declared = PARAMETER_TYPES.get(type_name)
            if declared is None:
                allowed = ", ".join(PARAMETER_TYPES)
                self.problem(
                    "type",
                    entries["type"][1],
                    f"{what[0]}的类型“{type_name}”未知（可用：{allowed}）",
                    f"{what[1]} has an unknown type '{type_name}' (use one of: {allowed})",
                )
                continue
            label = self.text(entries["label"][1], what)
            reported = len(self.problems)
            values = self.parameter_values(name, declared, entries["values"][1], province)
            if len(self.problems) == reported:
                # Periods are judged only over values that were read: a dropped value
                # would show up again as a gap.
                self.parameter_periods(name, values, header, key_node)
            found[name] = Parameter(
                name, declared, label, tuple(v for v, _ in values), key_node.start_mark.line + 1
            )
        return found

    def parameter_values(
        self, name: str, declared: Type, node: Node, province: str | None
    ) -> list[tuple[ParameterValue, Node]]:
        what = (f"参数“{name}”的取值", f"the values of '{name}'")
        values: list[tuple[ParameterValue, Node]] = []
        for item in self.sequence(node, what):
            entries = self.mapping(item, what, ("value",), ("region", "from", "to"))
            if "value" not in entries:
                continue
            value_node = entries["value"][1]
            value = self.value(value_node)
            if not _value_fits(value, declared):
                self.problem(
                    "type",
                    value_node,
                    f"参数“{name}”的值应是 {declared}，这里是“{value_node.value}”",
                    f"a value of '{name}' must be a {declared}, not '{value_node.value}'",
                )
                continue
            if declared.kind == "double":
                value = float(value)
            region = ""
            if "region" in entries:
                scoped = self.region(name, entries["region"][1], province)
                if scoped is None:
                    continue
                region = scoped
            start = (
                self.date(entries["from"][1], what, optional=True) if "from" in entries else None
            )
            end = self.date(entries["to"][1], what, optional=True) if "to" in entries else None
            if start and end and end < start:
                self.problem(
                    "period",
                    entries["to"][1],
                    f"参数“{name}”的取值结束日期早于开始日期",
                    f"a value of '{name}' ends before it starts",
                )
                continue
            values.append((ParameterValue(value, region, start, end), item))
        return values

    def region(self, name: str, node: Node, province: str | None) -> str | None:
        region = self.scalar_text(node, (f"参数“{name}”的地区", f"the region of '{name}'"))
        if region is None:
            return None
        if not (region.isdigit() and len(region) in _REGION_LENGTHS):
            self.problem(
                "region",
                node,
                f"参数“{name}”的地区“{region}”应是 2、4、6、9 或 12 位数字的区划代码",
                f"the region '{region}' of '{name}' must be a code of 2, 4, 6, 9 or 12 digits",
            )
            return None
        if province is not None and not region.startswith(province):
            self.problem(
                "region",
                node,
                f"参数“{name}”的地区“{region}”不在本省（{province}）范围内",
                f"the region '{region}' of '{name}' lies outside province {province}",
            )
            return None
        return region

    def parameter_periods(
        self,
        name: str,
        values: list[tuple[ParameterValue, Node]],
        header: dict[str, Any],
        key_node: Node,
    ) -> None:
        """Values of one region must not overlap; unscoped ones must cover the policy."""
        lo, hi = dt.date.min, dt.date.max
        by_region: dict[str, list[tuple[ParameterValue, Node]]] = {}
        for value, item in values:
            by_region.setdefault(value.region, []).append((value, item))
        for region, scoped in by_region.items():
            ordered = sorted(scoped, key=lambda v: v[0].valid_from or lo)
            for (before, _), (after, item) in zip(ordered, ordered[1:], strict=False):
                if (after.valid_from or lo) <= (before.valid_to or hi):
                    where = f"地区 {region}" if region else "全国"
                    where_en = f"region {region}" if region else "everywhere"
                    self.problem(
                        "overlap",
                        item,
                        f"参数“{name}”在{where}有两个时间重叠的取值",
                        f"the parameter '{name}' has two values for {where_en} "
                        "whose periods overlap",
                    )
        gap = _first_uncovered(
            [v for v, _ in by_region.get("", [])], header["effective_from"], header["effective_to"]
        )
        if gap is not None:
            self.problem(
                "uncovered",
                key_node,
                f"参数“{name}”在 {gap.isoformat()} 没有全国通用的取值（政策有效期内每天都要有）",
                f"the parameter '{name}' has no unscoped value on {gap.isoformat()}, "
                "a date within the policy's effective period",
            )

    # -- predicates and conditions --------------------------------------------------
    def predicates(self, node: Node) -> dict[str, Predicate]:
        found: dict[str, Predicate] = {}
        for name, key_node, value_node in self.named_entries(node, ("条件", "predicates")):
            self.mark(("predicate", name), key_node)
            what = (f"条件“{name}”", f"the predicate '{name}'")
            entries = self.mapping(value_node, what, ("label", "when"), ("args",))
            args: Signature = ()
            if "args" in entries:
                args = self.arguments(name, entries["args"][1])
            if "label" not in entries or "when" not in entries:
                continue
            label = self.text(entries["label"][1], what)
            parsed = self.expression(entries["when"][1], what)
            if parsed is None:
                continue
            expr, source = parsed
            found[name] = Predicate(name, label, expr, args, source, key_node.start_mark.line + 1)
        return found

    def arguments(self, name: str, node: Node) -> Signature:
        args: list[tuple[str, Type]] = []
        for arg, _, type_node in self.named_entries(
            node, (f"“{name}”的参数", f"arguments of '{name}'")
        ):
            type_name = self.scalar_text(type_node, ("参数类型", "an argument type")) or ""
            if type_name not in ARGUMENT_TYPES:
                allowed = ", ".join(ARGUMENT_TYPES)
                self.problem(
                    "type",
                    type_node,
                    f"条件“{name}”的参数“{arg}”类型“{type_name}”未知（可用：{allowed}）",
                    f"the argument '{arg}' of '{name}' has an unknown type '{type_name}' "
                    f"(use one of: {allowed})",
                )
                continue
            args.append((arg, ARGUMENT_TYPES[type_name]))
        return tuple(args)

    def categories(self, node: Node, predicates: dict[str, Predicate]) -> tuple[Category, ...]:
        found: list[Category] = []
        codes: set[str] = set()
        for item in self.sequence(node, ("类别", "categories")):
            what = ("类别", "a category")
            entries = self.mapping(
                item, what, ("code", "name", "clauses"), ("excluded_by", "description")
            )
            if "code" not in entries:
                continue
            code_node = entries["code"][1]
            code = self.string(code_node, what)
            if code is None:
                continue
            if code in codes:
                self.problem(
                    "duplicate",
                    code_node,
                    f"类别“{code}”重复定义",
                    f"the category '{code}' is defined twice",
                )
                continue
            codes.add(code)
            self.mark(("category", code), code_node)
            what = (f"类别“{code}”", f"the category '{code}'")
            name = self.text(entries["name"][1], what) if "name" in entries else Text("", "")
            clauses = (
                self.clauses(code, entries["clauses"][1], predicates)
                if "clauses" in entries
                else ()
            )
            excluded_by: tuple[str, ...] = ()
            if "excluded_by" in entries:
                excluded_by = self.codes(entries["excluded_by"][1], what, ("excluded_by", code))
            description = None
            if "description" in entries:
                description = self.text(entries["description"][1], what)
            found.append(
                Category(
                    code, name, clauses, excluded_by, description, code_node.start_mark.line + 1
                )
            )
        return tuple(found)

    def clauses(
        self, code: str, node: Node, predicates: dict[str, Predicate]
    ) -> tuple[Clause, ...]:
        found: list[Clause] = []
        items = self.sequence(node, (f"类别“{code}”的条款", f"the clauses of '{code}'"))
        if not items and isinstance(node, SequenceNode):
            self.problem(
                "shape",
                node,
                f"类别“{code}”至少需要一个条款",
                f"the category '{code}' needs a clause",
            )
        for number, item in enumerate(items, start=1):
            what = (f"类别“{code}”的第 {number} 个条款", f"clause {number} of '{code}'")
            line, column = self.position(item)
            if isinstance(item, ScalarNode):
                name = self.string(item, what)
                if name is None:
                    continue
                pos = ast.Pos(line or 1, column or 1)
                known = predicates.get(name)
                label = known.label if known else Text(name, name)
                found.append(Clause(name, label, ast.Ident(pos, name), name, line))
                continue
            entries = self.mapping(item, what, ("label", "when"))
            if len(entries) < 2:
                continue
            label = self.text(entries["label"][1], what)
            parsed = self.expression(entries["when"][1], what)
            if parsed is not None:
                expr, source = parsed
                found.append(Clause(f"{code}.{number}", label, expr, source, line))
        return tuple(found)

    def umbrellas(self, node: Node) -> tuple[Umbrella, ...]:
        found: list[Umbrella] = []
        for item in self.sequence(node, ("类型", "umbrellas")):
            entries = self.mapping(
                item, ("类型", "an umbrella"), ("code", "name", "any_of"), ("when",)
            )
            if not {"code", "name", "any_of"} <= entries.keys():
                continue
            code = self.string(entries["code"][1], ("类型代码", "the umbrella's code"))
            if code is None:
                continue
            self.mark(("umbrella", code), entries["code"][1])
            what = (f"类型“{code}”", f"the umbrella '{code}'")
            name = self.text(entries["name"][1], what)
            any_of = self.codes(entries["any_of"][1], what, ("umbrella_any_of", code))
            when = None
            if "when" in entries:
                parsed = self.expression(entries["when"][1], what)
                if parsed is None:
                    continue
                expr, source = parsed
                line = entries["when"][1].start_mark.line + 1
                when = Clause(f"{code}.when", name, expr, source, line)
            found.append(Umbrella(code, name, any_of, when))
        return tuple(found)

    def need_signals(self, node: Node) -> tuple[NeedSignal, ...]:
        found: list[NeedSignal] = []
        codes: set[str] = set()
        for item in self.sequence(node, ("需求信号", "need_signals")):
            entries = self.mapping(item, ("需求信号", "a need signal"), ("code", "label", "when"))
            if len(entries) < 3:
                continue
            code_node = entries["code"][1]
            code = self.string(code_node, ("信号代码", "the signal's code"))
            if code is None:
                continue
            if code in codes:
                self.problem(
                    "duplicate",
                    code_node,
                    f"需求信号“{code}”重复定义",
                    f"the need signal '{code}' is defined twice",
                )
                continue
            codes.add(code)
            self.mark(("need_signal", code), code_node)
            what = (f"需求信号“{code}”", f"the need signal '{code}'")
            label = self.text(entries["label"][1], what)
            parsed = self.expression(entries["when"][1], what)
            if parsed is None:
                continue
            expr, source = parsed
            found.append(NeedSignal(code, label, expr, source, code_node.start_mark.line + 1))
        return tuple(found)


def _value_fits(value: Any, declared: Type) -> bool:
    """Whether a YAML value may be a parameter value of the declared type."""
    kind = declared.kind
    if kind == "list":
        return isinstance(value, list) and all(
            _value_fits(v, declared.elem) for v in value if declared.elem is not None
        )
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "double":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "date":
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return False


def _first_uncovered(
    values: list[ParameterValue], start: dt.date, end: dt.date | None
) -> dt.date | None:
    """The first date in [start, end] (end None = open) no value covers, if any."""
    cursor = start
    while True:
        covering = [v for v in values if v.covers(cursor)]
        if not covering:
            return cursor
        if any(v.valid_to is None for v in covering):
            return None
        reach = max(v.valid_to for v in covering if v.valid_to is not None)
        if reach >= (end or dt.date.max) or reach == dt.date.max:
            return None
        cursor = reach + dt.timedelta(days=1)


def _placeholder(file: str) -> Policy:
    """An empty policy standing in for a file that could not be read at all."""
    return Policy(
        id="?",
        version="?",
        jurisdiction=NATIONAL,
        title=Text("", ""),
        effective_from=dt.date.min,
        effective_to=None,
        parameters={},
        predicates={},
        categories=(),
        file=file,
    )
