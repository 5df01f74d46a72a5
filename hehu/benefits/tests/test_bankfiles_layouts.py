"""Bank layouts as data: the shipped ones load; a malformed one is refused with file:line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from hehu.benefits.bankfiles import load_layouts, read_layout_text
from hehu.benefits.catalogue import DEFAULT_DIR
from hehu.policy.engine.errors import PolicyErrors

LAYOUT_DIR = DEFAULT_DIR / "bank-layouts"

GOOD = """\
hehu_bank_layout: 1
code: good
label: {zh: 测试, en: test}
encoding: utf-8
delimiter: ","
header: true
columns:
  - {header: 流水号, field: reference}
  - {header: 账号, field: account_number}
  - {header: 户名, field: holder_name}
  - {header: 金额, field: amount}
results:
  header: true
  columns: {reference: 流水号, amount: 金额, result: 结果, reason: 原因}
  paid: [S]
  failed: [F]
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(PolicyErrors) as refused:
        read_layout_text(text, "layout.yaml")
    return [str(p) for p in refused.value.problems]


def test_the_shipped_layouts_load() -> None:
    layouts = load_layouts(LAYOUT_DIR)

    assert set(layouts) == {"generic", "demo-rcc"}
    generic, demo = layouts["generic"], layouts["demo-rcc"]
    assert (generic.encoding, generic.header, generic.summary) == ("utf-8-sig", True, None)
    assert generic.results.paid == {"成功"}
    assert (demo.encoding, demo.delimiter, demo.header) == ("gb18030", "|", False)
    assert [c.format for c in demo.columns if c.field == "amount"] == ["fen"]
    assert demo.summary is not None
    assert demo.summary.position == "first"
    assert demo.results.failed is None  # any code but 0000 is a failure
    assert demo.results.columns["reference"] == 1


def test_the_demo_layout_says_it_is_invented() -> None:
    text = (LAYOUT_DIR / "demo-rcc.yaml").read_text(encoding="utf-8")

    assert "DEMO" in text
    assert "INVENTED" in text


def test_a_good_layout_reads_with_defaults() -> None:
    layout = read_layout_text(GOOD)

    assert layout.columns[3].format == "yuan"
    assert layout.results.amount_format == "yuan"
    assert layout.results.encoding == "utf-8"
    assert layout.note == "{year}年{month}月儿童生活补贴"


def test_an_unknown_field_is_named_with_its_line_and_a_suggestion() -> None:
    problems = _problems(GOOD.replace("field: holder_name", "field: holder"))

    assert problems[0].startswith("layout.yaml:8:3: 银行文件缺少必需的列：holder_name")
    assert problems[1].startswith("layout.yaml:10:25: 未知的字段“holder”，是否应为“holder_name”")


def test_an_unknown_encoding_is_refused() -> None:
    problems = _problems(GOOD.replace("encoding: utf-8", "encoding: gb180300"))

    assert problems == [
        "layout.yaml:4:11: 未知的字符编码“gb180300”，是否应为“gb18030”？"
        "（常用：utf-8、utf-8-sig、gb18030、gbk、gb2312、big5） / unknown encoding 'gb180300'; "
        "did you mean 'gb18030'? (common: utf-8, utf-8-sig, gb18030, gbk, gb2312, big5)"
    ]


def test_a_text_encoding_is_needed_not_any_codec() -> None:
    problems = _problems(GOOD.replace("encoding: utf-8", "encoding: base64"))

    assert "未知的字符编码“base64”" in problems[0]


def test_missing_result_columns_are_named() -> None:
    problems = _problems(GOOD.replace(", reason: 原因", ""))

    assert problems == [
        "layout.yaml:14:12: 回盘列（results.columns）缺少键“reason” / "
        "the result columns is missing the key 'reason'"
    ]


def test_result_columns_by_header_need_a_header_row() -> None:
    problems = _problems(
        GOOD.replace("  header: true\n  columns: {", "  header: false\n  columns: {")
    )

    assert len(problems) == 4
    assert "回盘文件没有标题行，“reference”应写列序号" in problems[0]


def test_a_value_both_paid_and_failed_is_refused() -> None:
    problems = _problems(GOOD.replace("failed: [F]", "failed: [F, S]"))

    assert problems == [
        "layout.yaml:16:11: 结果值 S 不能既表示成功又表示失败 / "
        "the result values S cannot mean both paid and failed"
    ]


def test_a_format_the_field_does_not_take_is_refused() -> None:
    problems = _problems(GOOD.replace("field: amount}", "field: amount, format: cents}"))
    text_format = _problems(GOOD.replace("field: reference}", "field: reference, format: fen}"))

    assert "字段“amount”的格式应为 yuan 或 fen，不是“cents”" in problems[0]
    assert "字段“reference”按文本写出，不能指定格式" in text_format[0]


def test_unknown_keys_summary_cells_and_positions_are_refused() -> None:
    problems = _problems(
        GOOD.replace("header: true\ncolumns", "header: true\nfooter: 1\ncolumns")
        + "summary: {position: middle, cells: [count, sum]}\n"
    )

    assert any("银行文件格式中有未知的键“footer”" in p for p in problems)
    assert any("汇总行位置应为 first（首行）或 last（末行），不是“middle”" in p for p in problems)
    assert any("汇总行中未知的单元格“sum”" in p for p in problems)


def test_headers_the_encoding_cannot_write_are_refused() -> None:
    problems = _problems(GOOD.replace("encoding: utf-8", "encoding: ascii"))

    assert any("“流水号”无法用编码 ascii 写出" in p for p in problems)


def test_a_code_must_match_its_file_name(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(GOOD, encoding="utf-8")

    with pytest.raises(PolicyErrors) as refused:
        load_layouts(tmp_path)

    assert "格式代码“good”应与文件名一致（good.yaml），不是 other.yaml" in str(refused.value)


def test_a_broken_yaml_file_is_refused_with_its_line(tmp_path: Path) -> None:
    problems = _problems("code: [\n")

    assert problems[0].startswith("layout.yaml:2:1: YAML 格式错误")


def test_check_bank_layouts_says_ok() -> None:
    out = StringIO()

    call_command("check_bank_layouts", stdout=out, stderr=StringIO())

    assert out.getvalue().startswith("OK：2 种银行文件格式（demo-rcc, generic）")


def test_check_bank_layouts_prints_each_problem_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(
        GOOD.replace("field: amount}", "field: amountt}"), encoding="utf-8"
    )
    err = StringIO()

    with pytest.raises(SystemExit) as exited:
        call_command("check_bank_layouts", str(tmp_path), "--en", stdout=StringIO(), stderr=err)

    assert exited.value.code == 2
    assert f"{tmp_path / 'good.yaml'}:11:25: unknown field 'amountt'; did you mean 'amount'?" in (
        err.getvalue()
    )
