"""Reading bank layouts (policies/benefits/bank-layouts/*.yaml), refusing malformed ones.

A layout is read whole or not at all: every problem is collected with file:line:column, in
Chinese and English (the policy engine's YAML node reader and error type), so that whoever
edits a layout fixes them in one pass — an unknown field or format, a missing column the
bank needs, missing result columns, an unknown encoding, a result value both paid and
failed, two layouts with one code. policies/benefits/bank-layouts/README.md documents the
format.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode

from hehu.benefits.bankfiles.model import (
    ANY_OTHER,
    FIELDS,
    FORMATS,
    POSITIONS,
    REQUIRED_FIELDS,
    REQUIRED_RESULT_COLUMNS,
    RESULT_COLUMNS,
    SUMMARY_CELLS,
    BankLayout,
    Column,
    ResultsLayout,
    SummaryCell,
    SummaryRow,
)
from hehu.policy.engine.check import suggestion
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.load.nodes import NodeReader

FORMAT_VERSION = 1
COMMON_ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "big5")
DEFAULT_NOTE = "{year}年{month}月儿童生活补贴"
DEFAULT_SHEET = "代发明细"
SHEET_MAX = 31
_CODE = re.compile(r"[a-z0-9][a-z0-9-]*")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_TOP_REQUIRED = (
    "hehu_bank_layout",
    "code",
    "label",
    "encoding",
    "delimiter",
    "header",
    "columns",
    "results",
)
_TOP_OPTIONAL = ("summary", "note", "sheet")
_RESULTS_REQUIRED = ("header", "columns", "paid", "failed")
_RESULTS_OPTIONAL = ("encoding", "delimiter", "amount_format", "summary")


def read_layout_text(text: str, file: str = "<layout>", *, named: bool = False) -> BankLayout:
    """One layout file, checked on its own; PolicyErrors lists every problem. `named`: the
    file's name must be its code (as in the layouts directory)."""
    reader = _LayoutReader(text, file)
    reader.named = named
    layout = reader.read()
    if reader.problems or layout is None:
        raise PolicyErrors(sorted(reader.problems, key=lambda p: (p.line or 0, p.column or 0)))
    return layout


def load_layouts(directory: Path) -> dict[str, BankLayout]:
    """Every *.yaml of the directory by code; PolicyErrors lists every problem of every file
    (and two files with one code)."""
    problems: list[PolicyProblem] = []
    layouts: dict[str, BankLayout] = {}
    paths = sorted(directory.glob("*.yaml"))
    for path in paths:
        try:
            layout = read_layout_text(path.read_text(encoding="utf-8"), str(path), named=True)
        except PolicyErrors as exc:
            problems.extend(exc.problems)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                PolicyProblem(
                    "unreadable",
                    f"无法读取文件（应为 UTF-8 文本）：{exc}",
                    f"the file cannot be read (UTF-8 text expected): {exc}",
                    str(path),
                )
            )
            continue
        if layout.code in layouts:
            problems.append(
                PolicyProblem(
                    "duplicate",
                    f"格式代码“{layout.code}”与 {layouts[layout.code].file} 重复",
                    f"the layout code '{layout.code}' is also used by {layouts[layout.code].file}",
                    str(path),
                )
            )
            continue
        layouts[layout.code] = layout
    if not paths:
        problems.append(
            PolicyProblem(
                "empty",
                "目录中没有银行文件格式（*.yaml）",
                "the directory holds no bank layout (*.yaml)",
                str(directory),
            )
        )
    if problems:
        raise PolicyErrors(problems)
    return layouts


class _LayoutReader(NodeReader):
    named = False

    def read(self) -> BankLayout | None:
        root = self.compose_root()
        if root is None:
            return None
        top = self.mapping(root, ("银行文件格式", "the bank layout"), _TOP_REQUIRED, _TOP_OPTIONAL)
        if any(key not in top for key in _TOP_REQUIRED):
            return None

        def node(key: str) -> Node:
            return top[key][1]

        if self.value(node("hehu_bank_layout")) != FORMAT_VERSION:
            self.problem(
                "format",
                node("hehu_bank_layout"),
                f"不支持的文件格式版本，应为 hehu_bank_layout: {FORMAT_VERSION}",
                f"unsupported format version; write hehu_bank_layout: {FORMAT_VERSION}",
            )
        code = self.code(node("code"))
        encoding = self.encoding(node("encoding"))
        delimiter = self.delimiter(node("delimiter"))
        header = self.boolean(node("header"), ("header（是否写标题行）", "header"))
        columns = self.columns(node("columns"), header)
        summary = self.summary(node("summary"), export=True) if "summary" in top else None
        amount_formats = [c.format for c in columns if c.field == "amount"]
        results = self.results(
            node("results"), encoding, delimiter, amount_formats[0] if amount_formats else "yuan"
        )
        layout = BankLayout(
            code=code,
            label=self.text(node("label"), ("名称", "the label")),
            encoding=encoding,
            delimiter=delimiter,
            header=header,
            columns=columns,
            summary=summary,
            note=self.note(node("note")) if "note" in top else DEFAULT_NOTE,
            sheet=self.sheet(node("sheet")) if "sheet" in top else DEFAULT_SHEET,
            results=results,
            file=self.file,
        )
        self.encodable(layout, node("encoding"))
        return layout

    def encodable(self, layout: BankLayout, node: Node) -> None:
        """The layout's own texts (headers, summary texts, the note) must be writable in its
        encoding."""
        texts = [c.header for c in layout.columns] + [layout.note]
        if layout.summary is not None:
            texts += [c.text for c in layout.summary.cells]
        for text in texts:
            try:
                text.encode(layout.encoding)
            except UnicodeEncodeError:
                self.problem(
                    "unencodable",
                    node,
                    f"“{text}”无法用编码 {layout.encoding} 写出",
                    f"'{text}' cannot be written in the encoding {layout.encoding}",
                )

    # -- the header ---------------------------------------------------------------------
    def code(self, node: Node) -> str:
        code = self.scalar_text(node, ("code", "code")) or "?"
        if not _CODE.fullmatch(code):
            self.problem(
                "bad_name",
                node,
                f"格式代码“{code}”只能包含小写字母、数字和“-”",
                f"the layout code '{code}' may contain only lowercase letters, digits and '-'",
            )
        stem = Path(self.file).stem
        if self.named and stem != code:
            self.problem(
                "file_name",
                node,
                f"格式代码“{code}”应与文件名一致（{code}.yaml），不是 {stem}.yaml",
                f"the layout code '{code}' must match the file name ({code}.yaml), not {stem}.yaml",
            )
        return code

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

    def note(self, node: Node) -> str:
        note = self.string(node, ("note（摘要）", "the note")) or DEFAULT_NOTE
        try:
            note.format(year="2026", month="03", county="511502")
        except (KeyError, IndexError, ValueError) as exc:
            self.problem(
                "note",
                node,
                f"摘要只能使用 {{year}}、{{month}}、{{county}}：{exc}",
                f"the note may use only {{year}}, {{month}} and {{county}}: {exc}",
            )
            return DEFAULT_NOTE
        return note

    def sheet(self, node: Node) -> str:
        name = self.string(node, ("sheet（工作表名）", "the sheet name")) or DEFAULT_SHEET
        if len(name) > SHEET_MAX or _SHEET_FORBIDDEN.search(name) or not name.strip():
            self.problem(
                "sheet",
                node,
                f"工作表名不超过 {SHEET_MAX} 个字符，且不含 [ ] : * ? / \\",
                f"a sheet name has at most {SHEET_MAX} characters and none of [ ] : * ? / \\",
            )
            return DEFAULT_SHEET
        return name

    # -- the export columns ---------------------------------------------------------------
    def columns(self, node: Node, header: bool) -> tuple[Column, ...]:
        found: list[Column] = []
        headers: set[str] = set()
        items = self.sequence(node, ("columns（导出列）", "the columns"))
        for item in items:
            column = self.column(item, header)
            if column is None:
                continue
            if column.header and column.header in headers:
                self.problem(
                    "duplicate",
                    item,
                    f"列标题“{column.header}”重复",
                    f"the column header '{column.header}' appears twice",
                )
            headers.add(column.header)
            found.append(column)
        missing = [f for f in REQUIRED_FIELDS if f not in {c.field for c in found}]
        if items and missing:
            self.problem(
                "missing_column",
                node,
                f"银行文件缺少必需的列：{'、'.join(missing)}",
                f"the bank file is missing required columns: {', '.join(missing)}",
            )
        return tuple(found)

    def column(self, node: Node, header: bool) -> Column | None:
        what = ("导出列", "a column")
        entries = self.mapping(node, what, ("field",), ("header", "format"))
        if "field" not in entries:
            return None
        field_node = entries["field"][1]
        field = self.scalar_text(field_node, ("field", "field")) or "?"
        if field not in FIELDS:
            zh_hint, en_hint = suggestion(field, FIELDS)
            self.problem(
                "unknown_field",
                field_node,
                f"未知的字段“{field}”{zh_hint}（可用：{'、'.join(FIELDS)}）",
                f"unknown field '{field}'{en_hint} (known: {', '.join(FIELDS)})",
            )
            return None
        title = ""
        if "header" in entries:
            title = self.string(entries["header"][1], ("列标题", "the header")) or ""
        elif header:
            self.problem(
                "missing_key",
                node,
                f"写标题行时，列“{field}”需要 header（列标题）",
                f"with a header row, the column '{field}' needs a header",
            )
        fmt = self.field_format(field, entries["format"][1] if "format" in entries else None)
        return Column(header=title, field=field, format=fmt)

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
