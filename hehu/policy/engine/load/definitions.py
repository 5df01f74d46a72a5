"""The conditions of a policy: predicates, categories and their clauses, umbrellas, need signals.

Each definition is read into its `model` counterpart with the line it was written on; a
clause written as a bare name stands for the predicate of that name (its label is taken
from the predicate once the policy is checked). Codes must be unique within their section.
"""

from __future__ import annotations

from yaml.nodes import Node, ScalarNode, SequenceNode

from hehu.policy.engine import ast
from hehu.policy.engine.check import Signature
from hehu.policy.engine.load.nodes import NodeReader
from hehu.policy.engine.model import Category, Clause, NeedSignal, Predicate, Text, Umbrella
from hehu.policy.engine.types import ARGUMENT_TYPES, Type


class DefinitionReader(NodeReader):
    """Reads the predicates, categories, umbrellas and need signals of a policy file."""

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
            if not self.new_code(code, code_node, codes, ("类别", "category")):
                continue
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
            if not self.new_code(code, code_node, codes, ("需求信号", "need signal")):
                continue
            self.mark(("need_signal", code), code_node)
            what = (f"需求信号“{code}”", f"the need signal '{code}'")
            label = self.text(entries["label"][1], what)
            parsed = self.expression(entries["when"][1], what)
            if parsed is None:
                continue
            expr, source = parsed
            found.append(NeedSignal(code, label, expr, source, code_node.start_mark.line + 1))
        return tuple(found)

    def new_code(self, code: str, node: Node, codes: set[str], what: tuple[str, str]) -> bool:
        """Whether `code` is new to its section (then it is added to `codes`); a second
        definition is reported."""
        if code in codes:
            self.problem(
                "duplicate",
                node,
                f"{what[0]}“{code}”重复定义",
                f"the {what[1]} '{code}' is defined twice",
            )
            return False
        codes.add(code)
        return True
