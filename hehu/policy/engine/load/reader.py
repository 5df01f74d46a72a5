"""The structure of one policy file: the top-level keys, the header, and each section read.

`read` turns a file's text into a `Draft`: a YAML syntax error, an empty file or a wrong
top level leave a placeholder policy and the problems found. The header (id, version,
jurisdiction, `extends`, dates, title) is validated here; each section is read by the
mixins of `parameters` and `definitions`. Nothing is checked against a base yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from hehu.policy.engine.load.definitions import DefinitionReader
from hehu.policy.engine.load.draft import Draft
from hehu.policy.engine.load.parameters import ParameterReader
from hehu.policy.engine.model import NATIONAL, Policy, Text

FORMAT_VERSION = 1
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_EXTENDS = re.compile(r"([a-z0-9][a-z0-9-]*)@([^@\s]+)")
_PROVINCE = re.compile(r"\d{2}")

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


def read_draft(text: str, file: str) -> Draft:
    """Read one file's YAML into a draft (nothing is checked against a base yet)."""
    return Reader(text, file).read()


class Reader(ParameterReader, DefinitionReader):
    """One file's policy, from its top level down, collecting problems as it goes."""

    # -- the file -------------------------------------------------------------------
    def read(self) -> Draft:
        return self.draft(self.compose_root())

    def draft(self, root: Node | None) -> Draft:
        policy = self.policy(root) if root is not None else _placeholder(self.file)
        sha = hashlib.sha256(self.source.encode("utf-8")).hexdigest()
        policy = dataclasses.replace(policy, file=self.file, sha256=sha)
        sections = set()
        if isinstance(root, MappingNode):
            sections = {str(k.value) for k, _ in root.value if isinstance(k, ScalarNode)}
        return Draft(policy, self.where, self.problems, sections)

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
