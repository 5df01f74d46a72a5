"""Reading an instrument file (policies/instruments/*.yaml) with every problem and its line.

The file is read as PyYAML nodes by the policy engine's NodeReader, so that each problem
names file:line:column, in Chinese and English, and reading goes on after a mistake: an
author fixes every problem in one pass. policies/instruments/README.md describes the format.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from yaml.nodes import Node, ScalarNode

from hehu.cases.instruments.model import (
    FORMAT_VERSION,
    GRADES,
    GUARDIANSHIP,
    KINDS,
    NEED_LEVELS,
    NEEDS,
    SUPPORTS,
    TOP,
    CutOff,
    Instrument,
    Item,
    Option,
    Part,
    RedFlag,
)
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.load.nodes import NodeReader
from hehu.policy.engine.model import Text
from hehu.policy.engine.types import NEED_DOMAINS

_CODE = re.compile(r"[a-z][a-z0-9_]*")
_TOP_REQUIRED = ("hehu_instrument", "id", "version", "kind", "effective_from", "title")
_TOP_OPTIONAL = ("effective_to", "sources", "indicators", "domains", "cut_offs", "red_flags")
_ONE = Decimal(1)


class InstrumentErrors(PolicyErrors):
    """An instrument file was rejected; `problems` lists every reason, in file order."""


class _Reader(NodeReader):
    def read(self) -> Instrument | None:
        root = self.compose_root()
        if root is None:
            return None
        top = self.mapping(root, ("评估量表", "the instrument"), _TOP_REQUIRED, _TOP_OPTIONAL)
        if not top:
            return None
        self._format(top)
        kind = self._kind(top)
        start = None
        if "effective_from" in top:
            start = self.date(top["effective_from"][1], ("生效日期", "effective_from"))
        end = None
        if "effective_to" in top:
            end = self.date(top["effective_to"][1], ("失效日期", "effective_to"), optional=True)
        title = self.text(top["title"][1], ("标题", "the title")) if "title" in top else None
        sources: tuple[Text, ...] = ()
        if "sources" in top:
            sources = tuple(
                self.text(node, ("依据", "a source"))
                for node in self.sequence(top["sources"][1], ("依据", "sources"))
            )
        parts = self._parts(root, top, kind)
        cut_offs: tuple[CutOff, ...] = ()
        if kind == GUARDIANSHIP:
            self._weights(root, parts, top)
            if "cut_offs" in top:
                cut_offs = self._cut_offs(top["cut_offs"][1], "grade", GRADES)
            else:
                self.problem(
                    "missing_key",
                    root,
                    "监护评估量表缺少键“cut_offs”（加权得分对应的等级）",
                    "a guardianship instrument needs 'cut_offs' (weighted score to grade)",
                )
        elif kind == NEEDS and "cut_offs" in top:
            self.problem(
                "unknown_key",
                top["cut_offs"][0],
                "需求评估量表的分级写在每个领域的“cut_offs”中",
                "a needs instrument sets 'cut_offs' in each domain",
            )
        red_flags: tuple[RedFlag, ...] = ()
        if "red_flags" in top and kind:
            red_flags = self._red_flags(top["red_flags"][1], parts, kind)
        identifier = self.scalar_text(top["id"][1], ("id", "id")) if "id" in top else None
        version = (
            self.scalar_text(top["version"][1], ("版本", "the version"))
            if "version" in top
            else None
        )
        if self.problems or not (kind and start and title and identifier and version):
            return None
        return Instrument(
            id=identifier,
            version=version,
            kind=kind,
            effective_from=start,
            effective_to=end,
            title=title,
            sources=sources,
            parts=tuple(parts),
            cut_offs=cut_offs,
            red_flags=red_flags,
            file=self.file,
        )

    # -- header ---------------------------------------------------------------------------
    def _format(self, top: dict[str, tuple[Node, Node]]) -> None:
        if "hehu_instrument" not in top:
            return
        node = top["hehu_instrument"][1]
        if self.value(node) != FORMAT_VERSION:
            self.problem(
                "format",
                node,
                f"不支持的文件格式版本，应为 hehu_instrument: {FORMAT_VERSION}",
                f"unsupported format version; write hehu_instrument: {FORMAT_VERSION}",
            )

    def _kind(self, top: dict[str, tuple[Node, Node]]) -> str | None:
        if "kind" not in top:
            return None
        node = top["kind"][1]
        kind = self.scalar_text(node, ("类型", "the kind"))
        if kind not in KINDS:
            self.problem(
                "kind",
                node,
                f"类型应为 needs 或 guardianship，不是“{kind}”",
                f"the kind must be 'needs' or 'guardianship', not '{kind}'",
            )
            return None
        return kind

    # -- parts and items --------------------------------------------------------------------
    def _parts(self, root: Node, top: dict[str, tuple[Node, Node]], kind: str | None) -> list[Part]:
        key, other = (
            ("indicators", "domains") if kind == GUARDIANSHIP else ("domains", "indicators")
        )
        what = ("一级指标", "indicators") if kind == GUARDIANSHIP else ("需求领域", "domains")
        if kind is None:
            return []
        if other in top:
            self.problem(
                "unknown_key",
                top[other][0],
                f"{'监护' if kind == GUARDIANSHIP else '需求'}评估量表应使用“{key}”而不是“{other}”",
                f"a {kind} instrument has '{key}', not '{other}'",
            )
        if key not in top:
            self.problem("missing_key", root, f"量表缺少键“{key}”", f"the instrument needs '{key}'")
            return []
        nodes = self.sequence(top[key][1], what)
        if not nodes:
            self.problem("empty", top[key][1], f"{what[0]}不能为空", f"{what[1]} must not be empty")
        parts: list[Part] = []
        part_codes: set[str] = set()
        item_codes: set[str] = set()
        for node in nodes:
            part = self._part(node, kind, part_codes, item_codes)
            if part is not None:
                parts.append(part)
        return parts

    def _part(
        self, node: Node, kind: str, part_codes: set[str], item_codes: set[str]
    ) -> Part | None:
        if kind == GUARDIANSHIP:
            what = ("一级指标", "an indicator")
            entries = self.mapping(node, what, ("code", "label", "weight", "items"))
        else:
            what = ("需求领域", "a domain")
            entries = self.mapping(node, what, ("code", "label", "support", "cut_offs", "items"))
        if not entries:
            return None
        code = self._code(entries, what, part_codes)
        if code is not None and kind != GUARDIANSHIP and code not in NEED_DOMAINS:
            # The domain becomes a fact of the child (`assessed_needs`): only the facts
            # document's domains can be stored and read by a policy.
            self.problem(
                "domain",
                entries["code"][1],
                f"需求领域“{code}”不在事实文档的领域中（{'、'.join(NEED_DOMAINS)}）",
                f"the domain '{code}' is not one of the facts document's domains "
                f"({', '.join(NEED_DOMAINS)})",
            )
        label = (
            self.text(entries["label"][1], ("名称", "the label")) if "label" in entries else None
        )
        weight = None
        if "weight" in entries:
            weight = self._number(entries["weight"][1], ("权重", "the weight"))
        support = None
        if "support" in entries:
            support = self.scalar_text(entries["support"][1], ("支持类型", "the support"))
            if support not in SUPPORTS:
                self.problem(
                    "support",
                    entries["support"][1],
                    f"支持类型应为 cash、in_kind 或 service，不是“{support}”",
                    f"the support must be cash, in_kind or service, not '{support}'",
                )
        cut_offs: tuple[CutOff, ...] = ()
        if "cut_offs" in entries:
            cut_offs = self._cut_offs(entries["cut_offs"][1], "level", NEED_LEVELS)
        items: list[Item] = []
        if "items" in entries:
            item_nodes = self.sequence(entries["items"][1], ("题目", "items"))
            if not item_nodes:
                self.problem(
                    "empty", entries["items"][1], "题目不能为空", "the items must not be empty"
                )
            for item_node in item_nodes:
                item = self._item(item_node, item_codes)
                if item is not None:
                    items.append(item)
        if code is None or label is None:
            return None
        return Part(code, label, tuple(items), weight, support, cut_offs)

    def _item(self, node: Node, item_codes: set[str]) -> Item | None:
        what = ("题目", "an item")
        entries = self.mapping(node, what, ("code", "label", "options"), ("hint",))
        if not entries:
            return None
        code = self._code(entries, what, item_codes)
        label = self.text(entries["label"][1], ("题目", "the item")) if "label" in entries else None
        hint = self.text(entries["hint"][1], ("说明", "the hint")) if "hint" in entries else None
        options: list[Option] = []
        if "options" in entries:
            option_nodes = self.sequence(entries["options"][1], ("选项", "options"))
            if len(option_nodes) < 2:
                self.problem(
                    "options",
                    entries["options"][1],
                    f"题目“{code}”至少要有两个选项",
                    f"the item '{code}' needs at least two options",
                )
            option_codes: set[str] = set()
            for option_node in option_nodes:
                option = self._option(option_node, option_codes)
                if option is not None:
                    options.append(option)
            if options and max(o.score for o in options) <= 0:
                self.problem(
                    "score",
                    entries["options"][1],
                    f"题目“{code}”至少要有一个选项得分大于 0",
                    f"the item '{code}' needs an option scoring more than 0",
                )
        if code is None or label is None:
            return None
        return Item(code, label, tuple(options), hint)

    def _option(self, node: Node, option_codes: set[str]) -> Option | None:
        what = ("选项", "an option")
        entries = self.mapping(node, what, ("code", "label", "score"))
        if not entries:
            return None
        code = self._code(entries, what, option_codes)
        label = (
            self.text(entries["label"][1], ("选项", "the option")) if "label" in entries else None
        )
        score = None
        if "score" in entries:
            score = self._number(entries["score"][1], ("得分", "the score"))
            if score is not None and score < 0:
                self.problem(
                    "score", entries["score"][1], "得分不能为负数", "a score must not be negative"
                )
        if code is None or label is None or score is None:
            return None
        return Option(code, label, score)

    def _code(
        self, entries: dict[str, tuple[Node, Node]], what: tuple[str, str], seen: set[str]
    ) -> str | None:
        if "code" not in entries:
            return None
        node = entries["code"][1]
        code = self.scalar_text(node, ("代码", "the code"))
        if code is None:
            return None
        if not _CODE.fullmatch(code):
            self.problem(
                "bad_code",
                node,
                f"代码“{code}”只能包含小写字母、数字和下划线，并以字母开头",
                f"the code '{code}' may hold only lower-case letters, digits and '_'",
            )
            return None
        if code in seen:
            self.problem(
                "duplicate",
                node,
                f"{what[0]}代码“{code}”重复",
                f"the code '{code}' of {what[1]} appears twice",
            )
            return None
        seen.add(code)
        return code

    def _number(self, node: Node, what: tuple[str, str]) -> Decimal | None:
        if isinstance(node, ScalarNode) and (
            node.tag.endswith(":int") or node.tag.endswith(":float")
        ):
            try:
                return Decimal(str(node.value))
            except InvalidOperation:
                pass
        self.problem("type", node, f"{what[0]}应是数字", f"{what[1]} must be a number")
        return None

    # -- weights, cut-offs, red flags ---------------------------------------------------------
    def _weights(self, root: Node, parts: list[Part], top: dict[str, tuple[Node, Node]]) -> None:
        weights = [p.weight for p in parts]
        if not parts or any(w is None for w in weights):
            return
        total = sum((w for w in weights if w is not None), Decimal(0))
        if total != _ONE:
            self.problem(
                "weights",
                top["indicators"][1] if "indicators" in top else root,
                f"一级指标的权重之和应为 1，现为 {total}",
                f"the weights of the indicators must sum to 1, not {total}",
            )

    def _cut_offs(self, node: Node, key: str, outcomes: tuple[str, ...]) -> tuple[CutOff, ...]:
        what = ("分级标准", "cut-offs")
        found: list[tuple[CutOff, Node]] = []
        seen: set[str] = set()
        for entry_node in self.sequence(node, what):
            entries = self.mapping(entry_node, ("分级标准", "a cut-off"), (key, "from", "to"))
            if len(entries) < 3:
                continue
            outcome = self.scalar_text(entries[key][1], ("等级", key))
            low = self._number(entries["from"][1], ("下限", "'from'"))
            high = self._number(entries["to"][1], ("上限", "'to'"))
            if outcome not in outcomes:
                self.problem(
                    "unknown_outcome",
                    entries[key][1],
                    f"分级标准中有未知的等级“{outcome}”，应为 {'、'.join(outcomes)} 之一",
                    f"unknown {key} '{outcome}' in a cut-off; use one of {', '.join(outcomes)}",
                )
                continue
            if outcome in seen:
                self.problem(
                    "duplicate",
                    entries[key][1],
                    f"等级“{outcome}”的分级标准重复",
                    f"the cut-off of '{outcome}' appears twice",
                )
                continue
            seen.add(outcome)
            if low is None or high is None:
                continue
            if not (0 <= low < high <= TOP):
                self.problem(
                    "range",
                    entry_node,
                    f"等级“{outcome}”的分数范围应满足 0 ≤ from < to ≤ 100",
                    f"the range of '{outcome}' must satisfy 0 ≤ from < to ≤ 100",
                )
                continue
            found.append((CutOff(outcome, low, high), entry_node))
        self._coverage(node, found)
        return tuple(c for c, _ in found)

    def _coverage(self, node: Node, found: list[tuple[CutOff, Node]]) -> None:
        """Ranges must not overlap and must cover 0–100 without a gap."""
        ordered = sorted(found, key=lambda pair: pair[0].low)
        reach = Decimal(0)
        for cut_off, entry_node in ordered:
            if cut_off.low < reach:
                self.problem(
                    "overlap",
                    entry_node,
                    f"等级“{cut_off.outcome}”的分数范围 {cut_off.low}–{cut_off.high} "
                    f"与其他等级重叠",
                    f"the range {cut_off.low}–{cut_off.high} of '{cut_off.outcome}' overlaps "
                    f"another",
                )
            elif cut_off.low > reach:
                self.problem(
                    "gap",
                    entry_node,
                    f"分数 {reach}–{cut_off.low} 没有对应的等级",
                    f"no cut-off covers the scores {reach}–{cut_off.low}",
                )
            reach = max(reach, cut_off.high)
        if ordered and reach < TOP:
            self.problem(
                "gap",
                node,
                f"分数 {reach}–100 没有对应的等级",
                f"no cut-off covers the scores {reach}–100",
            )

    def _red_flags(self, node: Node, parts: list[Part], kind: str) -> tuple[RedFlag, ...]:
        key, outcomes = ("grade", GRADES) if kind == GUARDIANSHIP else ("level", NEED_LEVELS)
        items = {item.code: item for part in parts for item in part.items}
        flags: list[RedFlag] = []
        for entry_node in self.sequence(node, ("红旗情形", "red flags")):
            entries = self.mapping(
                entry_node, ("红旗情形", "a red flag"), ("item", "option", key, "label")
            )
            if len(entries) < 4:
                continue
            item_code = self.scalar_text(entries["item"][1], ("题目", "the item"))
            option_code = self.scalar_text(entries["option"][1], ("选项", "the option"))
            outcome = self.scalar_text(entries[key][1], ("等级", key))
            label = self.text(entries["label"][1], ("说明", "the label"))
            item = items.get(item_code or "")
            ok = True
            if item is None:
                ok = False
                self.problem(
                    "unknown_item",
                    entries["item"][1],
                    f"红旗情形引用了不存在的题目“{item_code}”",
                    f"a red flag names an unknown item '{item_code}'",
                )
            elif item.option(option_code or "") is None:
                ok = False
                self.problem(
                    "unknown_option",
                    entries["option"][1],
                    f"题目“{item_code}”没有选项“{option_code}”",
                    f"the item '{item_code}' has no option '{option_code}'",
                )
            if outcome not in outcomes:
                ok = False
                self.problem(
                    "unknown_outcome",
                    entries[key][1],
                    f"红旗情形中有未知的等级“{outcome}”，应为 {'、'.join(outcomes)} 之一",
                    f"unknown {key} '{outcome}' in a red flag; use one of {', '.join(outcomes)}",
                )
            if ok and item_code and option_code and outcome:
                flags.append(RedFlag(item_code, option_code, outcome, label))
        return tuple(flags)


def read_instrument_text(text: str, file: str = "<instrument>") -> Instrument:
    """One instrument file; InstrumentErrors lists every problem with its line."""
    reader = _Reader(text, file)
    result = reader.read()
    if reader.problems or result is None:
        raise InstrumentErrors(reader.problems)
    return result


def read_instrument_file(path: Path) -> Instrument:
    return read_instrument_text(path.read_text(encoding="utf-8"), str(path))


def load_instruments(directory: Path) -> list[Instrument]:
    """Every *.yaml in `directory`; every problem of every file, or the instruments."""
    problems: list[PolicyProblem] = []
    found: list[Instrument] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            found.append(read_instrument_file(path))
        except InstrumentErrors as exc:
            problems.extend(exc.problems)
    seen: dict[str, Instrument] = {}
    for instrument in found:
        if instrument.ref in seen:
            problems.append(
                PolicyProblem(
                    "duplicate",
                    f"量表 {instrument.ref} 在 {seen[instrument.ref].file} 中已有定义",
                    f"the instrument {instrument.ref} is also defined in "
                    f"{seen[instrument.ref].file}",
                    instrument.file,
                    1,
                )
            )
        seen[instrument.ref] = instrument
    if problems:
        raise InstrumentErrors(problems)
    return found
