"""Exporting a cycle's bank file, and the files going out and their answers coming back."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.http import Http404
from openpyxl import Workbook, load_workbook

from hehu.audit.models import AuditEntry, Verb
from hehu.benefits.models import PaymentCycle, Transfer
from hehu.benefits.tests.bank_factories import (
    LEADING_ZEROS,
    OTHER_COUNTY,
    approved_cycle,
    export,
    exported_cycle,
    generic_results,
    import_results,
    paid_row,
    refusal,
    transfer_to,
)
from hehu.benefits.tests.factories import make_transfer
from hehu.core.errors import PermissionRefused

pytestmark = pytest.mark.django_db


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# -- export ------------------------------------------------------------------------------------
def test_it_exports_the_pending_transfers_and_marks_the_cycle_exported(county_officer) -> None:
    cycle = approved_cycle()
    first = transfer_to(cycle, LEADING_ZEROS, name="王小明")
    second = make_transfer(cycle, amount=Decimal("400.50"))
    make_transfer(cycle, status=Transfer.Status.HELD)

    exported = export(county_officer, cycle)

    assert exported.filename == "511502-202603-generic.csv"
    assert exported.content_type == "text/csv; charset=utf-8"
    assert (exported.rows, exported.total) == (2, Decimal("2051.50"))
    rows = _csv_rows(exported.content)
    assert [r[0] for r in rows[1:]] == [first.reference, second.reference]
    assert rows[1][1:6] == [LEADING_ZEROS, "张监护", "农村信用社", "1651.00", "王小明"]
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.EXPORTED
    assert cycle.exported_by == county_officer
    assert cycle.exported_at is not None
    entry = AuditEntry.objects.get(verb=Verb.BANK_FILE_EXPORTED)
    assert entry.changes == {
        "filename": "511502-202603-generic.csv",
        "layout": "generic",
        "format": "csv",
        "rows": 2,
        "total": "2051.50",
        "held": 1,
        "first_export": True,
    }
    assert LEADING_ZEROS not in str(entry.changes)


def test_an_xlsx_export_keeps_the_leading_zeros_of_account_numbers(county_officer) -> None:
    cycle = approved_cycle()
    transfer_to(cycle, LEADING_ZEROS)

    exported = export(county_officer, cycle, file_format="xlsx")

    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet["B2"].value == LEADING_ZEROS
    assert sheet["E2"].value == 1651
    assert exported.filename.endswith(".xlsx")


def test_it_may_export_again_until_results_come_in_each_time_audited(county_officer) -> None:
    cycle = approved_cycle()
    make_transfer(cycle)
    export(county_officer, cycle)
    exported_at = PaymentCycle.objects.get().exported_at

    export(county_officer, cycle, layout="demo-rcc", file_format="xlsx")

    assert PaymentCycle.objects.get().exported_at == exported_at
    entries = AuditEntry.objects.filter(verb=Verb.BANK_FILE_EXPORTED).order_by("pk")
    assert [e.changes["first_export"] for e in entries] == [True, False]
    assert entries[1].changes["layout"] == "demo-rcc"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (PaymentCycle.Status.GENERATED, "发放名册审批后才能导出银行文件"),
        (PaymentCycle.Status.SUBMITTED, "发放名册审批后才能导出银行文件"),
        (PaymentCycle.Status.RECONCILED, "本批次已对账，不能再导出银行文件"),
    ],
)
def test_only_an_approved_or_exported_cycle_is_exported(county_officer, status, message) -> None:
    cycle = approved_cycle(status=status)
    make_transfer(cycle)

    errors = refusal(lambda: export(county_officer, cycle))

    assert errors == {"cycle": [message]}
    assert not AuditEntry.objects.filter(verb=Verb.BANK_FILE_EXPORTED).exists()


def test_no_export_once_results_are_imported(county_officer) -> None:
    cycle = exported_cycle()
    transfer = make_transfer(cycle)
    import_results(county_officer, cycle, generic_results([paid_row(transfer)]))

    errors = refusal(lambda: export(county_officer, cycle))

    assert errors["cycle"][0].startswith(
        "本批次已导入银行回盘结果，不能再导出银行文件（以免重复发放）"
    )


def test_a_cycle_with_nothing_to_pay_or_a_transfer_without_account_is_refused(
    county_officer,
) -> None:
    empty = approved_cycle()
    make_transfer(empty, status=Transfer.Status.HELD)
    cycle = approved_cycle(month=empty.month.replace(month=4))
    transfer = make_transfer(cycle)
    Transfer.objects.filter(pk=transfer.pk).update(account_encrypted="", account_last4="")

    assert refusal(lambda: export(county_officer, empty)) == {
        "cycle": ["本批次没有待发放的明细，无需导出银行文件"]
    }
    assert refusal(lambda: export(county_officer, cycle)) == {
        "cycle": [f"1 笔明细没有收款账号（{transfer.reference}），请暂缓发放或补充账号后重新生成"]
    }


def test_an_unknown_layout_or_format_is_refused(county_officer) -> None:
    cycle = approved_cycle()
    make_transfer(cycle)

    layout = refusal(lambda: export(county_officer, cycle, layout="abc"))
    file_format = refusal(lambda: export(county_officer, cycle, file_format="pdf"))

    assert layout["layout"][0].startswith("请选择银行文件格式：demo-rcc（演示：农村信用社")
    assert file_format == {"format": ["文件类型应为 csv 或 xlsx"]}
    assert PaymentCycle.objects.get().status == PaymentCycle.Status.APPROVED


def test_a_cycle_of_another_county_is_not_found_and_stays_untouched(county_officer) -> None:
    cycle = approved_cycle(county_code=OTHER_COUNTY)
    make_transfer(cycle)

    with pytest.raises(Http404):
        export(county_officer, cycle)

    assert PaymentCycle.objects.get().status == PaymentCycle.Status.APPROVED
    assert not AuditEntry.objects.filter(verb=Verb.BANK_FILE_EXPORTED).exists()


def test_only_benefit_managersexport(police_officer, village_director) -> None:
    cycle = approved_cycle()
    make_transfer(cycle)

    with pytest.raises(PermissionRefused):
        export(police_officer, cycle)
    with pytest.raises(Http404):
        export(village_director, cycle)

    assert PaymentCycle.objects.get().status == PaymentCycle.Status.APPROVED


# -- round trips -------------------------------------------------------------------------------
def test_a_gb18030_fen_file_goes_out_and_its_results_come_back(county_officer) -> None:
    cycle = approved_cycle()
    paid = transfer_to(cycle, LEADING_ZEROS, name="欧阳𠮷")
    failed = make_transfer(cycle, amount=Decimal("400.05"))

    exported = export(county_officer, cycle, layout="demo-rcc")

    lines = exported.content.decode("gb18030").split("\r\n")
    assert lines[0] == "2|205105"
    sent = [line.split("|") for line in lines[1:] if line]
    assert sent[0][:4] == [paid.reference, LEADING_ZEROS, "张监护", "165100"]
    answer = [lines[0]] + [
        f"{ref}|{fen}|{'0000' if ref == paid.reference else 'E105'}|"
        f"{'' if ref == paid.reference else '账户冻结'}|BK{i}"
        for i, (ref, _account, _holder, fen, _note) in enumerate(sent)
    ]
    outcome = import_results(
        county_officer, cycle, "\r\n".join(answer).encode("gb18030"), layout="demo-rcc"
    )

    assert (outcome.paid, outcome.failed) == (1, 1)
    failed.refresh_from_db()
    assert (failed.status, failed.failure_reason, failed.bank_reference) == (
        "failed",
        "账户冻结",
        "BK1",
    )


def test_an_xlsx_file_goes_out_and_excels_answer_comes_back(county_officer) -> None:
    cycle = approved_cycle()
    transfer = transfer_to(cycle, LEADING_ZEROS)

    exported = export(county_officer, cycle, file_format="xlsx")

    sent = list(load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True))
    answer = Workbook()
    answer.active.append(["流水号", "金额（元）", "结果", "失败原因", "银行流水号", "收款账号"])
    for row in sent[1:]:
        answer.active.append([row[0], row[4], "成功", None, "B9", row[1]])
    buffer = io.BytesIO()
    answer.save(buffer)
    outcome = import_results(county_officer, cycle, buffer.getvalue(), filename="回盘.xlsx")

    assert outcome.paid == 1
    transfer.refresh_from_db()
    assert (transfer.status, transfer.bank_reference) == ("paid", "B9")
