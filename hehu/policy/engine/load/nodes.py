"""The YAML node tree of one file, read with positions: the shapes every section shares.

`NodeReader` walks PyYAML's composed nodes (not constructed dicts) so that every key and
value keeps its line and column. It reads the shapes the format is built of — mappings
with known keys, named entries, lists, scalars, bilingual texts, dates, lists of codes —
and parses a `when` with its position in the file, so that a CEL mistake is reported
where it was written. Each mistake is recorded as a problem and reading goes on.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hehu.policy.engine import ast
from hehu.policy.engine.check import suggestion
from hehu.policy.engine.errors import ExpressionSyntaxError, PolicyProblem
from hehu.policy.engine.load.draft import Key, Where
from hehu.policy.engine.model import Text
from hehu.policy.engine.parse import parse_expression

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class NodeReader:
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

    def compose_root(self) -> Node | None:
        """The file's root node; None (with the problem recorded) when the YAML is broken
        or the file is empty."""
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
            return None
        except yaml.YAMLError as exc:
            self.problems.append(
                PolicyProblem(
                    "yaml", f"YAML 格式错误：{exc}", f"YAML syntax error: {exc}", self.file, 1, 1
                )
            )
            return None
        if root is None:
            self.problems.append(
                PolicyProblem("yaml", "文件是空的", "the file is empty", self.file, 1, 1)
            )
        return root

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
