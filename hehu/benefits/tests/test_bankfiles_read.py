"""Reading the bank's result file: rows with their lines, or every problem line by line."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from hehu.benefits.bankfiles import (
    LineProblem,
    ResultsFile,
    ResultsUnreadable,
    load_layouts,
    read_results,
)
from hehu.benefits.catalogue import DEFAULT_DIR

LAYOUTS = load_layouts(DEFAULT_DIR / "bank-layouts")
GENERIC = LAYOUTS["generic"].results
DEMO = LAYOUTS["demo-rcc"].results
HEADER = "流水号,金额（元）,结果,失败原因,银行流水号\n"


def _generic(body: str) -> bytes:
    return (HEADER + body).encode("utf-8-sig")


def _problems(
    layout: object, content: bytes, filename: str = "r.csv"
) -> list[tuple[int | None, str]]:
    with pytest.raises(ResultsUnreadable) as refused:
        read_results(layout, content, filename)  # type: ignore[arg-type]
    return [(p.line, p.code) for p in refused.value.problems]


def test_a_generic_result_file_reads_paid_and_failed_rows() -> None:
    parsed = read_results(GENERIC, _generic("R1,1651.00,成功,,B1\nR2, 400.5 ,失败,账户已销户,B2\n"))

    assert parsed.file_format == "csv"
    first, second = parsed.rows
    assert (first.line, first.reference, first.amount, first.paid) == (
        2,
        "R1",
        Decimal("1651.00"),
        True,
    )
    assert first.bank_reference == "B1"
    assert (second.amount, second.paid, second.reason) == (Decimal("400.50"), False, "账户已销户")


def test_columns_are_found_by_header_in_any_order_and_blank_lines_are_skipped() -> None:
    content = "银行流水号,结果,流水号,失败原因,金额（元）,备注\n\nB1,成功,R1,,1651,x\n".encode(
        "utf-8-sig"
    )

    parsed = read_results(GENERIC, content)

    assert [(r.line, r.reference, r.amount) for r in parsed.rows] == [(3, "R1", Decimal("1651.00"))]


def test_every_bad_line_is_reported_with_its_number() -> None:
    problems = _problems(
        GENERIC,
        _generic(
            "R1,1651.00,成功,,\n"
            ",1,成功,,\n"
            "R3,1x,成功,,\n"
            "R4,1.005,成功,,\n"
            "R5,-3,成功,,\n"
            "R6,1,未知,,\n"
            "R7,1,失败,,\n"
            "R1,1651.00,成功,,\n"
            "R9\n"
        ),
    )

    assert problems == [
        (3, "no_reference"),
        (4, "bad_amount"),
        (5, "bad_amount"),
        (6, "bad_amount"),
        (7, "unknown_result"),
        (8, "no_reason"),
        (9, "duplicate_reference"),
        (10, "short_row"),
    ]


def test_a_duplicate_names_the_first_line() -> None:
    with pytest.raises(ResultsUnreadable) as refused:
        read_results(GENERIC, _generic("R1,1,成功,,\nR1,1,成功,,\n"))

    assert refused.value.problems == [
        LineProblem(3, "duplicate_reference", (("reference", "R1"), ("first", "2")))
    ]


def test_missing_columns_are_named_on_the_header_line() -> None:
    with pytest.raises(ResultsUnreadable) as refused:
        read_results(GENERIC, "流水号,金额（元）,结果\nR1,1,成功\n".encode())

    assert refused.value.problems == [
        LineProblem(1, "missing_columns", (("columns", "失败原因、银行流水号"),))
    ]


def test_a_file_not_in_the_layouts_encoding_is_refused_at_its_line() -> None:
    assert _problems(GENERIC, b"\xef\xbb\xbf" + HEADER.encode() + b"R1,1,\xff\xfe,,\n") == [
        (2, "encoding")
    ]
    assert _problems(DEMO, "汇总".encode("utf-16")) == [(1, "encoding")]


def test_a_utf8_file_with_a_bom_is_read_whatever_the_layouts_encoding() -> None:
    content = "1|100\nR1|100|0000||B1\n".encode("utf-8-sig")

    assert read_results(DEMO, content).rows[0].reference == "R1"


def test_the_demo_layout_reads_fen_codes_and_checks_its_summary() -> None:
    parsed = read_results(
        DEMO, "2|50100\nR1|50000|0000||B1\nR2|100|E012|账户冻结|B2\n".encode("gb18030")
    )

    assert [(r.reference, r.amount, r.paid, r.reason) for r in parsed.rows] == [
        ("R1", Decimal("500.00"), True, ""),
        ("R2", Decimal("1.00"), False, "账户冻结"),
    ]


def test_a_summary_that_does_not_match_the_rows_is_refused() -> None:
    problems = _problems(DEMO, "3|50000\nR1|50000|0000||\nR2|100|E012|冻结|\n".encode("gb18030"))

    assert problems == [(1, "summary_count"), (1, "summary_total")]


def test_a_missing_summary_row_is_reported() -> None:
    problems = _problems(DEMO, "R1|50000|0000||\nR2|100|E012|冻结|\n".encode("gb18030"))

    assert problems == [(1, "summary_bad"), (1, "summary_total")]


def test_an_empty_file_and_a_file_without_rows_are_refused() -> None:
    assert _problems(GENERIC, b"") == [(None, "empty")]
    assert _problems(GENERIC, HEADER.encode("utf-8-sig")) == [(None, "no_rows")]
    assert _problems(DEMO, b"0|0\n") == [(None, "no_rows")]


def test_an_old_xls_file_is_refused() -> None:
    assert _problems(GENERIC, b"\xd0\xcf\x11\xe0rest", "r.xls") == [(None, "xls")]


def test_a_broken_workbook_is_unreadable() -> None:
    assert _problems(GENERIC, b"PK\x03\x04broken", "r.xlsx") == [(None, "unreadable")]


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_file_saved_by_excel_as_xlsx_is_read() -> None:
    content = _xlsx(
        [
            ["流水号", "金额（元）", "结果", "失败原因", "银行流水号"],
            ["511502202603000001", 1651, "成功", None, 9001],
            ["511502202603000002", 400.5, "失败", "户名不符", None],
        ]
    )

    parsed = read_results(GENERIC, content, "回盘.xlsx")

    assert isinstance(parsed, ResultsFile)
    assert parsed.file_format == "xlsx"
    assert [(r.line, r.reference, r.amount, r.paid, r.bank_reference) for r in parsed.rows] == [
        (2, "511502202603000001", Decimal("1651.00"), True, "9001"),
        (3, "511502202603000002", Decimal("400.50"), False, ""),
    ]


def test_an_xlsx_in_fen_with_its_summary_is_read() -> None:
    content = _xlsx([[1, 165100], ["R1", 165100, "0000", None, "B1"]])

    assert read_results(DEMO, content).rows[0].amount == Decimal("1651.00")
