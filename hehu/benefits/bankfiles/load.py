"""Reading bank layouts (policies/benefits/bank-layouts/*.yaml), refusing malformed ones.

A layout is read whole or not at all: every problem is collected with file:line:column, in
Chinese and English (the policy engine's YAML node reader and error type), so that whoever
edits a layout fixes them in one pass — an unknown field or format, a missing column the
bank needs, missing result columns, an unknown encoding, a result value both paid and
failed, two layouts with one code. policies/benefits/bank-layouts/README.md documents the
format.
"""

from __future__ import annotations

import re
from pathlib import Path

from yaml.nodes import Node

from hehu.benefits.bankfiles.model import (
    FIELDS,
    REQUIRED_FIELDS,
    BankLayout,
    Column,
)
from hehu.benefits.bankfiles.sections import SectionReader
from hehu.policy.engine.check import suggestion
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem

FORMAT_VERSION = 1
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


class _LayoutReader(SectionReader):
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
