"""Importing the bank's result file: all or nothing, line by line, idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from hehu.audit.models import AuditEntry, Verb
from hehu.benefits.models import Overpayment, PaymentCycle, PaymentLine, Transfer
from hehu.benefits.services.bank.common import LINES_SHOWN
from hehu.benefits.tests.bank_factories import (
    OTHER_COUNTY,
    approved_cycle,
    exported_cycle,
    failed_row,
    generic_results,
    import_results,
    officer_elsewhere,
    paid_row,
    refusal,
)
from hehu.benefits.tests.factories import make_transfer
from hehu.core.errors import PermissionRefused

pytestmark = pytest.mark.django_db


# -- import ------------------------------------------------------------------------------------
def test_it_records_paid_and_failed_results_on_transfers_and_lines(county_officer) -> None:
    cycle = exported_cycle()
    paid = make_transfer(cycle)
    failed = make_transfer(cycle, amount=Decimal("400.00"))

    outcome = import_results(
        county_officer, cycle, generic_results([paid_row(paid, "B001"), failed_row(failed)])
    )

    assert (outcome.rows, outcome.paid, outcome.failed, outcome.already_recorded) == (2, 1, 1, 0)
    assert (outcome.paid_amount, outcome.failed_amount) == (Decimal("1651.00"), Decimal("400.00"))
    paid.refresh_from_db()
    failed.refresh_from_db()
    assert (paid.status, paid.bank_reference, paid.failure_reason) == ("paid", "B001", "")
    assert (failed.status, failed.failure_reason) == ("failed", "账户已销户")
    assert paid.result_at is not None
    assert failed.result_at is not None
    assert set(PaymentLine.objects.filter(transfer=paid).values_list("status", flat=True)) == {
        "paid"
    }
    assert set(PaymentLine.objects.filter(transfer=failed).values_list("status", flat=True)) == {
        "failed"
    }
    entry = AuditEntry.objects.get(verb=Verb.BANK_RESULTS_IMPORTED)
    assert entry.changes["paid"] == 1
    assert entry.changes["failed_amount"] == "400.00"
    assert entry.changes["filename"] == "回盘.csv"


def test_importing_the_same_file_again_changes_nothing(county_officer) -> None:
    cycle = exported_cycle()
    paid = make_transfer(cycle)
    failed = make_transfer(cycle)
    content = generic_results([paid_row(paid, "B1"), failed_row(failed)])
    import_results(county_officer, cycle, content)
    before = list(Transfer.objects.values_list("status", "result_at", "bank_reference"))

    again = import_results(county_officer, cycle, content)

    assert (again.paid, again.failed, again.already_recorded) == (0, 0, 2)
    assert list(Transfer.objects.values_list("status", "result_at", "bank_reference")) == before


def test_results_may_come_in_several_files(county_officer) -> None:
    cycle = exported_cycle()
    first, second = make_transfer(cycle), make_transfer(cycle)

    import_results(county_officer, cycle, generic_results([paid_row(first)]))
    outcome = import_results(county_officer, cycle, generic_results([paid_row(second)]))

    assert outcome.paid == 1
    assert set(Transfer.objects.values_list("status", flat=True)) == {"paid"}


def test_one_bad_line_refuses_the_whole_file_and_nothing_is_applied(county_officer) -> None:
    cycle = exported_cycle()
    good, bad = make_transfer(cycle), make_transfer(cycle)
    content = generic_results(
        [
            paid_row(good),
            (bad.reference, "1600.00", "成功", "", ""),
            ("XYZ", "1.00", "成功", "", ""),
        ]
    )

    errors = refusal(lambda: import_results(county_officer, cycle, content, filename="march.csv"))

    assert errors == {
        "file": ["回盘文件“march.csv”有 2 处问题，未导入任何结果；请改正后重新导入整个文件"],
        "lines": [
            f"第 3 行：流水号 {bad.reference} 的金额 1600.00 元与应发金额 1651.00 元不一致",
            "第 4 行：流水号 XYZ 不是本批次的明细，请核对回盘文件",
        ],
    }
    assert set(Transfer.objects.values_list("status", flat=True)) == {"pending"}
    assert set(PaymentLine.objects.values_list("status", flat=True)) == {"pending"}
    assert not AuditEntry.objects.filter(verb=Verb.BANK_RESULTS_IMPORTED).exists()


def test_a_reference_of_another_cycle_is_named(county_officer) -> None:
    cycle = exported_cycle()
    make_transfer(cycle)
    february = exported_cycle(month=cycle.month.replace(month=2))
    theirs = make_transfer(february)
    elsewhere = make_transfer(exported_cycle(county_code=OTHER_COUNTY))

    errors = refusal(
        lambda: import_results(
            county_officer, cycle, generic_results([paid_row(theirs), paid_row(elsewhere)])
        )
    )

    assert errors["lines"] == [
        f"第 2 行：流水号 {theirs.reference} 不属于本批次，而属于 511502-202602 批次，"
        "请核对回盘文件",
        f"第 3 行：流水号 {elsewhere.reference} 不是本批次的明细，请核对回盘文件",
    ]


def test_a_held_transfer_and_a_changed_result_are_refused(county_officer) -> None:
    cycle = exported_cycle()
    held = make_transfer(cycle, status=Transfer.Status.HELD)
    paid, failed = make_transfer(cycle), make_transfer(cycle)
    import_results(county_officer, cycle, generic_results([paid_row(paid), failed_row(failed)]))

    errors = refusal(
        lambda: import_results(
            county_officer,
            cycle,
            generic_results([paid_row(held), failed_row(paid), paid_row(failed)]),
        )
    )

    assert errors["lines"] == [
        f"第 2 行：流水号 {held.reference} 已暂缓发放，不在银行文件中",
        f"第 3 行：流水号 {paid.reference} 已记录为发放成功，不能改为失败",
        f"第 4 行：流水号 {failed.reference} 已记录为发放失败，不能改为成功；请核实后联系银行",
    ]
    paid.refresh_from_db()
    assert paid.status == Transfer.Status.PAID


def test_the_readers_problems_are_reported_line_by_line(county_officer) -> None:
    cycle = exported_cycle()
    transfer = make_transfer(cycle)
    content = generic_results(
        [paid_row(transfer), paid_row(transfer), (transfer.reference, "x", "好", "", "")]
    )

    errors = refusal(lambda: import_results(county_officer, cycle, content))

    assert errors["lines"] == [
        f"第 3 行：流水号 {transfer.reference} 与第 2 行重复",
        "第 4 行：金额“x”无法识别，应为以元计、最多两位小数的金额",
        "第 4 行：未知的结果“好”，应为 失败、成功",
    ]
    assert Transfer.objects.get().status == Transfer.Status.PENDING


def test_the_demo_layouts_summary_must_add_up(county_officer) -> None:
    cycle = exported_cycle()
    transfer = make_transfer(cycle)
    content = f"2|165100\n{transfer.reference}|165100|0000||B1\n".encode("gb18030")

    errors = refusal(lambda: import_results(county_officer, cycle, content, layout="demo-rcc"))

    assert errors["lines"] == ["第 1 行：汇总行笔数为 2，明细实有 1 笔"]


def test_a_long_list_of_problems_is_cut_with_the_count(county_officer) -> None:
    cycle = exported_cycle()
    make_transfer(cycle)
    rows = [(f"X{i}", "1.00", "成功", "", "") for i in range(LINES_SHOWN + 5)]

    errors = refusal(lambda: import_results(county_officer, cycle, generic_results(rows)))

    assert len(errors["lines"]) == LINES_SHOWN + 1
    assert errors["lines"][-1] == "……另有 5 处问题未列出"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (PaymentCycle.Status.APPROVED, "本批次尚未导出银行文件，没有可导入的回盘结果"),
        (PaymentCycle.Status.RECONCILED, "本批次已对账，不能再导入回盘结果"),
    ],
)
def test_results_only_for_an_exported_cycle(county_officer, status, message) -> None:
    cycle = approved_cycle(status=status)
    transfer = make_transfer(cycle)

    errors = refusal(
        lambda: import_results(county_officer, cycle, generic_results([paid_row(transfer)]))
    )

    assert errors == {"cycle": [message]}
    assert Transfer.objects.get().status == Transfer.Status.PENDING


def test_results_of_another_county_or_without_the_right_are_refused(
    county_officer, police_officer
) -> None:
    theirs = exported_cycle(county_code=OTHER_COUNTY)
    transfer = make_transfer(theirs)
    ours = exported_cycle()
    mine = make_transfer(ours)

    with pytest.raises(Http404):
        import_results(county_officer, theirs, generic_results([paid_row(transfer)]))
    with pytest.raises(PermissionRefused):
        import_results(police_officer, ours, generic_results([paid_row(mine)]))

    assert set(Transfer.objects.values_list("status", flat=True)) == {"pending"}
    assert not AuditEntry.objects.filter(verb=Verb.BANK_RESULTS_IMPORTED).exists()


def test_a_county_officer_elsewhere_imports_their_own_cycle() -> None:
    theirs = exported_cycle(county_code=OTHER_COUNTY)
    transfer = make_transfer(theirs)

    outcome = import_results(officer_elsewhere(), theirs, generic_results([paid_row(transfer)]))

    assert outcome.paid == 1


# -- recovery of overpayments ------------------------------------------------------------------
def _with_recovery(
    cycle: PaymentCycle, overpayment_amount: str, deducted: str
) -> tuple[Transfer, Overpayment]:
    due = Decimal("1651.00") - Decimal(deducted)
    transfer = make_transfer(cycle, amount=due)
    overpayment = Overpayment.objects.create(
        child=transfer.child,
        county_code=cycle.county_code,
        programme="de_facto_unattended",
        service_month=cycle.month.replace(month=1),
        amount=Decimal(overpayment_amount),
        reason="儿童已被收养，停发登记晚于发放",
        detected_on=cycle.month,
    )
    PaymentLine.objects.filter(transfer=transfer).update(amount=Decimal("1651.00"))
    PaymentLine.objects.create(
        cycle=cycle,
        transfer=transfer,
        child=transfer.child,
        programme="de_facto_unattended",
        service_month=cycle.month,
        kind=PaymentLine.Kind.RECOVERY,
        amount=-Decimal(deducted),
        overpayment=overpayment,
        status=PaymentLine.Status.PENDING,
    )
    return transfer, overpayment


def test_a_paid_transfer_recovers_its_overpayments(county_officer) -> None:
    cycle = exported_cycle()
    whole, whole_debt = _with_recovery(cycle, "200.00", "200.00")
    part, part_debt = _with_recovery(cycle, "500.00", "200.00")
    unpaid, unpaid_debt = _with_recovery(cycle, "200.00", "200.00")

    import_results(
        county_officer,
        cycle,
        generic_results([paid_row(whole), paid_row(part), failed_row(unpaid)]),
    )

    for debt in (whole_debt, part_debt, unpaid_debt):
        debt.refresh_from_db()
    assert (whole_debt.recovered_amount, whole_debt.status) == (Decimal("200.00"), "recovered")
    assert (part_debt.recovered_amount, part_debt.status) == (Decimal("200.00"), "open")
    assert (unpaid_debt.recovered_amount, unpaid_debt.status) == (Decimal("0.00"), "open")
    entry = AuditEntry.objects.get(verb=Verb.BANK_RESULTS_IMPORTED)
    assert entry.changes["overpayments_recovered"] == {
        str(whole_debt.pk): "200.00",
        str(part_debt.pk): "200.00",
    }


def test_a_recovery_beyond_what_is_outstanding_refuses_the_file(county_officer) -> None:
    cycle = exported_cycle()
    transfer, debt = _with_recovery(cycle, "100.00", "200.00")

    errors = refusal(
        lambda: import_results(county_officer, cycle, generic_results([paid_row(transfer)]))
    )

    assert errors["lines"] == [
        f"第 2 行：扣回金额 200.00 元超过多发记录 #{debt.pk} 待追回的 100.00 元，请核对名册"
    ]
    assert Transfer.objects.get().status == Transfer.Status.PENDING
