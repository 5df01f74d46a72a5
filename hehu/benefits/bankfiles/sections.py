"""The parts of a bank layout read alike in the export and in the result file (encodings,
delimiters, formats, summary rows), and the result file's section (回盘): which column
holds what, which values mean paid or failed."""

from __future__ import annotations

import codecs

from yaml.nodes import MappingNode, Node, ScalarNode

from hehu.benefits.bankfiles.model import (
    ANY_OTHER,
    FORMATS,
    POSITIONS,
    REQUIRED_RESULT_COLUMNS,
    RESULT_COLUMNS,
    SUMMARY_CELLS,
    ResultsLayout,
    SummaryCell,
    SummaryRow,
)
from hehu.policy.engine.check import suggestion
from hehu.policy.engine.load.nodes import NodeReader

COMMON_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5")
_RESULTS_REQUIRED = ("header", "columns", "paid", "failed")
_RESULTS_OPTIONAL = ("encoding", "delimiter", "amount_format", "summary")


class SectionReader(NodeReader):
    """The parts a layout shares with its result file: encodings, delimiters, formats,
    summary rows; and the result file itself."""

    # -- shared values ---------------------------------------------------------------------
    def encoding(self, node: Node) -> str:
        name = self.scalar_text(node, ("encoding（字符编码）", "the encoding")) or ""
        try:
            found = codecs.lookup(name).name
            "0".encode(found)
        except LookupError:
            zh_hint, en_hint = suggestion(name.lower(), COMMON_ENCODINGS)
            self.problem(
                "unknown_encoding",
                node,
                f"未知的字符编码“{name}”{zh_hint}（常用：{'、'.join(COMMON_ENCODINGS)}）",
                f"unknown encoding '{name}'{en_hint} (common: {', '.join(COMMON_ENCODINGS)})",
            )
            return "utf-8"
        return found

    def delimiter(self, node: Node) -> str:
        value = self.scalar_text(node, ("delimiter（分隔符）", "the delimiter")) or ","
        if len(value) != 1 or value in '"\r\n':
            self.problem(
                "delimiter",
                node,
                f'分隔符应是一个字符（如 ","、"|" 或 "\\t"），不是“{value}”',
                f'the delimiter must be one character (e.g. ",", "|" or "\\t"), not {value!r}',
            )
            return ","
        return value

    def boolean(self, node: Node, what: tuple[str, str]) -> bool:
        value = self.value(node)
        if not isinstance(value, bool):
            self.problem(
                "type", node, f"{what[0]}应是 true 或 false", f"{what[1]} must be true or false"
            )
            return False
        return value

    def field_format(self, field: str, node: Node | None) -> str:
        allowed = FORMATS.get(field, ())
        if node is None:
            return allowed[0] if allowed else ""
        fmt = self.scalar_text(node, ("format", "format")) or ""
        if not allowed:
            self.problem(
                "format",
                node,
                f"字段“{field}”按文本写出，不能指定格式",
                f"the field '{field}' is written as text and takes no format",
            )
            return ""
        if fmt not in allowed:
            self.problem(
                "format",
                node,
                f"字段“{field}”的格式应为 {' 或 '.join(allowed)}，不是“{fmt}”",
                f"the format of '{field}' must be {' or '.join(allowed)}, not '{fmt}'",
            )
            return allowed[0]
        return fmt

    # -- summary rows ---------------------------------------------------------------------
    def summary(self, node: Node, *, export: bool) -> SummaryRow | None:
        if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return None
        what = ("summary（汇总行）", "the summary row")
        entries = self.mapping(node, what, ("position", "cells"))
        if len(entries) < len(("position", "cells")):
            return None
        position_node = entries["position"][1]
        position = self.scalar_text(position_node, ("position", "position")) or "?"
        if position not in POSITIONS:
            self.problem(
                "position",
                position_node,
                f"汇总行位置应为 first（首行）或 last（末行），不是“{position}”",
                f"the summary row's position must be first or last, not '{position}'",
            )
        cells = tuple(
            cell
            for item in self.sequence(entries["cells"][1], ("cells", "the cells"))
            if (cell := self.summary_cell(item)) is not None
        )
        if not export and not {"count", "total"} & {c.field for c in cells}:
            self.problem(
                "summary",
                entries["cells"][1],
                "回盘汇总行应包含 count（笔数）或 total（总金额）",
                "the result file's summary row must hold count or total",
            )
        return SummaryRow(position=position, cells=cells)

    def summary_cell(self, node: Node) -> SummaryCell | None:
        if isinstance(node, MappingNode):
            entries = self.mapping(node, ("汇总行的单元格", "a summary cell"), ("text",))
            if "text" not in entries:
                return None
            return SummaryCell("text", self.string(entries["text"][1], ("text", "text")) or "")
        name = self.scalar_text(node, ("汇总行的单元格", "a summary cell")) or "?"
        allowed = [c for c in SUMMARY_CELLS if c != "text"]
        if name not in allowed:
            zh_hint, en_hint = suggestion(name, allowed)
            self.problem(
                "unknown_field",
                node,
                f"汇总行中未知的单元格“{name}”{zh_hint}（可用：{'、'.join(allowed)}，"
                f"或 {{text: 文字}}）",
                f"unknown summary cell '{name}'{en_hint} (known: {', '.join(allowed)}, "
                f"or {{text: ...}})",
            )
            return None
        return SummaryCell(name)

    # -- the result file --------------------------------------------------------------------
    def results(
        self, node: Node, encoding: str, delimiter: str, amount_format: str
    ) -> ResultsLayout:
        what = ("results（回盘格式）", "the results layout")
        entries = self.mapping(node, what, _RESULTS_REQUIRED, _RESULTS_OPTIONAL)

        def get(key: str) -> Node | None:
            return entries[key][1] if key in entries else None

        header = self.boolean(n, ("header", "header")) if (n := get("header")) else False
        paid = self.values(n, "paid") if (n := get("paid")) else frozenset()
        failed = self.failed_values(n, paid) if (n := get("failed")) else frozenset()
        if (n := get("amount_format")) is not None:
            amount_format = self.field_format("amount", n)
        return ResultsLayout(
            encoding=self.encoding(n) if (n := get("encoding")) else encoding,
            delimiter=self.delimiter(n) if (n := get("delimiter")) else delimiter,
            header=header,
            columns=self.result_columns(n, header) if (n := get("columns")) else {},
            amount_format=amount_format,
            paid=paid,
            failed=failed,
            summary=self.summary(n, export=False) if (n := get("summary")) else None,
        )

    def result_columns(self, node: Node, header: bool) -> dict[str, str | int]:
        what = ("回盘列（results.columns）", "the result columns")
        entries = self.mapping(
            node,
            what,
            REQUIRED_RESULT_COLUMNS,
            tuple(c for c in RESULT_COLUMNS if c not in REQUIRED_RESULT_COLUMNS),
        )
        columns: dict[str, str | int] = {}
        for role, (_, value_node) in entries.items():
            value = self.value(value_node)
            if isinstance(value, int) and not isinstance(value, bool):
                if value < 1:
                    self.problem(
                        "position",
                        value_node,
                        "列序号从 1 开始（1 表示第一列）",
                        "column positions start at 1 (the first column)",
                    )
                    continue
                columns[role] = value
            elif isinstance(value, str) and value.strip():
                if not header:
                    self.problem(
                        "position",
                        value_node,
                        f"回盘文件没有标题行，“{role}”应写列序号（1 表示第一列）",
                        f"the result file has no header row: give '{role}' a column position "
                        f"(1 = the first column)",
                    )
                    continue
                columns[role] = value.strip()
            else:
                self.problem(
                    "type",
                    value_node,
                    f"“{role}”应是列标题或列序号",
                    f"'{role}' must be a column header or position",
                )
        return columns

    def values(self, node: Node, role: str) -> frozenset[str]:
        what = (f"{role} 的取值", f"the {role} values")
        items = [node] if isinstance(node, ScalarNode) else self.sequence(node, what)
        found = frozenset(text.strip() for item in items if (text := self.scalar_text(item, what)))
        if not found:
            self.problem(
                "missing_value",
                node,
                f"请列出表示{'成功' if role == 'paid' else '失败'}的回盘结果值",
                f"list the result values that mean {role}",
            )
        return found

    def failed_values(self, node: Node, paid: frozenset[str]) -> frozenset[str] | None:
        if isinstance(node, ScalarNode) and node.value == ANY_OTHER:
            return None
        failed = self.values(node, "failed")
        if both := sorted(paid & failed):
            self.problem(
                "result_value",
                node,
                f"结果值 {'、'.join(both)} 不能既表示成功又表示失败",
                f"the result values {', '.join(both)} cannot mean both paid and failed",
            )
        return failed
