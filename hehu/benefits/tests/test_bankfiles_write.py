"""Writing bank files: columns in the layout's order, amounts in yuan or fen, the summary row,
CSV in the layout's encoding, XLSX with numbers as numbers and text as text."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from hehu.benefits.bankfiles import (
    Batch,
    Payment,
    UnencodableText,
    load_layouts,
    read_layout_text,
    write_bank_file,
)
from hehu.benefits.bankfiles.xlsx import column_letter
from hehu.benefits.catalogue import DEFAULT_DIR

LAYOUTS = load_layouts(DEFAULT_DIR / "bank-layouts")
BATCH = Batch("511502", dt.date(2026, 3, 1))
PAYMENTS = [
    Payment(
        "511502202603000001", "0062170000000000001", "张监护", "信用社", Decimal("1651.00"), "王一"
    ),
    Payment(
        "511502202603000002", "6217000000000000002", "李,监护", "农商行", Decimal("400.5"), "王二"
    ),
]


def test_a_generic_csv_has_a_bom_the_header_and_the_rows_in_order() -> None:
    content = write_bank_file(LAYOUTS["generic"], BATCH, PAYMENTS, "csv")

    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").split("\r\n")
    assert (
        lines[0] == "流水号,收款账号,户名,开户银行,金额（元）,儿童姓名,县（区）代码,发放月份,摘要"
    )
    assert lines[1] == (
        "511502202603000001,0062170000000000001,张监护,信用社,1651.00,王一,511502,2026-03,"
        "2026年03月儿童生活补贴"
    )
    assert lines[2].startswith('511502202603000002,6217000000000000002,"李,监护",农商行,400.50,')
    assert lines[3] == ""


def test_the_demo_layout_writes_gb18030_fen_and_the_summary_first() -> None:
    content = write_bank_file(LAYOUTS["demo-rcc"], BATCH, PAYMENTS, "csv")

    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    lines = content.decode("gb18030").split("\r\n")
    assert lines[0] == "2|205150"
    assert lines[1] == "511502202603000001|0062170000000000001|张监护|165100|202603困境儿童补贴"
    assert lines[2] == "511502202603000002|6217000000000000002|李,监护|40050|202603困境儿童补贴"


def test_a_summary_row_last_with_text_and_the_cycle() -> None:
    layout = read_layout_text(
        (DEFAULT_DIR / "bank-layouts" / "generic.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "note: ",
            "summary: {position: last, cells: [{text: 合计}, count, total, county_code, month]}"
            "\nnote: ",
        )
    )

    lines = write_bank_file(layout, BATCH, PAYMENTS, "csv").decode("utf-8-sig").split("\r\n")

    assert lines[-2] == "合计,2,2051.50,511502,2026-03"


def test_an_xlsx_keeps_leading_zeros_as_text_and_amounts_as_numbers() -> None:
    content = write_bank_file(LAYOUTS["generic"], BATCH, PAYMENTS, "xlsx")

    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "代发明细"
    assert rows[0][:5] == ("流水号", "收款账号", "户名", "开户银行", "金额（元）")
    assert rows[1][:6] == (
        "511502202603000001",
        "0062170000000000001",
        "张监护",
        "信用社",
        1651,
        "王一",
    )
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].number_format == "@"
    assert sheet["E3"].value == pytest.approx(400.5)
    assert sheet["E3"].number_format == "0.00"


def test_an_xlsx_in_fen_writes_whole_numbers_and_its_summary() -> None:
    content = write_bank_file(LAYOUTS["demo-rcc"], BATCH, PAYMENTS, "xlsx")

    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0] == (2, 205150, None, None, None)
    assert rows[1][3] == 165100


def test_a_name_the_encoding_cannot_write_names_its_transfer() -> None:
    layout = read_layout_text(
        (DEFAULT_DIR / "bank-layouts" / "generic.yaml")
        .read_text(encoding="utf-8")
        .replace("encoding: utf-8-sig", "encoding: gbk")
    )
    payments = [*PAYMENTS, PAYMENTS[0]._replace(reference="R3", holder_name="王𠮷")]

    with pytest.raises(UnencodableText) as refused:
        write_bank_file(layout, BATCH, payments, "csv")

    assert (refused.value.reference, refused.value.text) == ("R3", "王𠮷")


def test_text_is_escaped_and_control_characters_dropped_in_xlsx() -> None:
    payments = [PAYMENTS[0]._replace(holder_name="A&B <C>\x07")]

    content = write_bank_file(LAYOUTS["generic"], BATCH, payments, "xlsx")

    assert load_workbook(io.BytesIO(content)).active["C2"].value == "A&B <C>"


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_column_letters(index: int, letters: str) -> None:
    assert column_letter(index) == letters
