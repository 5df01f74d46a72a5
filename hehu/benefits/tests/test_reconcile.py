"""Reconciling a cycle once every transfer sent has the bank's result, and the failures the
next roll carries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from hehu.audit.models import AuditEntry, Verb
from hehu.benefits.models import PaymentCycle, PaymentLine, Transfer
from hehu.benefits.services.bank import export_bank_file, import_bank_results
from hehu.benefits.services.reconcile import failures_to_carry, reconcile_cycle
from hehu.benefits.tests.bank_factories import (
    OTHER_COUNTY,
    approved_cycle,
    exported_cycle,
    failed_row,
    generic_results,
    paid_row,
)
from hehu.benefits.tests.factories import make_transfer
from hehu.core.errors import PermissionRefused, ValidationFailed

pytestmark = pytest.mark.django_db

APRIL = dt.date(2026, 4, 1)


def _results(actor, cycle, rows) -> None:
    import_bank_results(
        actor=actor, cycle=cycle, filename="r.csv", content=generic_results(rows), layout="generic"
    )


def _refusal(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        call()
    return {k: [str(m) for m in v] for k, v in refused.value.errors.items()}


def _hold(cycle: PaymentCycle, reason: str) -> Transfer:
    transfer = make_transfer(cycle, status=Transfer.Status.HELD, amount=Decimal("300.00"))
    Transfer.objects.filter(pk=transfer.pk).update(hold_reason=reason)
    return transfer


def test_it_reconciles_with_the_amounts_and_fails_the_held_transfers(county_officer) -> None:
    cycle = exported_cycle()
    paid = make_transfer(cycle)
    failed = make_transfer(cycle, amount=Decimal("400.00"))
    held = _hold(cycle, "未完成本期探访核实")
    _results(county_officer, cycle, [paid_row(paid), failed_row(failed)])

    reconciled = reconcile_cycle(actor=county_officer, cycle=cycle)

    assert reconciled.status == PaymentCycle.Status.RECONCILED
    assert reconciled.reconciled_by == county_officer
    assert (reconciled.paid_amount, reconciled.failed_amount, reconciled.held_amount) == (
        Decimal("1651.00"),
        Decimal("400.00"),
        Decimal("300.00"),
    )
    held.refresh_from_db()
    assert (held.status, held.failure_reason) == ("failed", "未完成本期探访核实")
    assert set(PaymentLine.objects.filter(transfer=held).values_list("status", flat=True)) == {
        "failed"
    }
    entry = AuditEntry.objects.get(verb=Verb.CYCLE_RECONCILED)
    assert entry.changes == {
        "paid": 1,
        "failed": 1,
        "held": 1,
        "paid_amount": "1651.00",
        "failed_amount": "400.00",
        "held_amount": "300.00",
    }


def test_a_hold_without_a_reason_fails_as_held(county_officer) -> None:
    cycle = exported_cycle()
    paid = make_transfer(cycle)
    held = make_transfer(cycle, status=Transfer.Status.HELD)
    _results(county_officer, cycle, [paid_row(paid)])

    reconcile_cycle(actor=county_officer, cycle=cycle)

    held.refresh_from_db()
    assert held.failure_reason == "暂缓发放"


def test_it_refuses_while_transfers_wait_for_the_bank_listing_them(county_officer) -> None:
    cycle = exported_cycle()
    waiting = [make_transfer(cycle) for _ in range(22)]
    _results(county_officer, cycle, [paid_row(waiting[0])])

    errors = _refusal(lambda: reconcile_cycle(actor=county_officer, cycle=cycle))

    listed = "、".join(t.reference for t in waiting[1:21])
    assert errors == {
        "cycle": [f"还有 21 笔明细没有银行回盘结果（{listed}等），请导入回盘文件后再对账"]
    }
    cycle.refresh_from_db()
    assert cycle.status == PaymentCycle.Status.EXPORTED
    assert not AuditEntry.objects.filter(verb=Verb.CYCLE_RECONCILED).exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (PaymentCycle.Status.APPROVED, "导出银行文件并导入回盘结果后才能对账"),
        (PaymentCycle.Status.RECONCILED, "本批次已经对账"),
    ],
)
def test_only_an_exported_cycle_is_reconciled(county_officer, status, message) -> None:
    cycle = approved_cycle(status=status)

    assert _refusal(lambda: reconcile_cycle(actor=county_officer, cycle=cycle)) == {
        "cycle": [message]
    }


def test_a_reconciled_cycle_refuses_imports_and_exports(county_officer) -> None:
    cycle = exported_cycle()
    transfer = make_transfer(cycle)
    _results(county_officer, cycle, [paid_row(transfer)])
    reconcile_cycle(actor=county_officer, cycle=cycle)

    imported = _refusal(lambda: _results(county_officer, cycle, [paid_row(transfer)]))
    exported = _refusal(
        lambda: export_bank_file(
            actor=county_officer, cycle=cycle, layout="generic", file_format="csv"
        )
    )

    assert imported == {"cycle": ["本批次已对账，不能再导入回盘结果"]}
    assert exported == {"cycle": ["本批次已对账，不能再导出银行文件"]}


def test_only_the_county_reconciles_its_cycles(county_officer, police_officer) -> None:
    theirs = exported_cycle(county_code=OTHER_COUNTY)
    ours = exported_cycle()

    with pytest.raises(Http404):
        reconcile_cycle(actor=county_officer, cycle=theirs)
    with pytest.raises(PermissionRefused):
        reconcile_cycle(actor=police_officer, cycle=ours)

    assert set(PaymentCycle.objects.values_list("status", flat=True)) == {"exported"}


# -- failures to carry -------------------------------------------------------------------------
def _reconciled_march(actor) -> tuple[Transfer, Transfer, Transfer]:
    cycle = exported_cycle()
    paid, failed = make_transfer(cycle), make_transfer(cycle)
    held = _hold(cycle, "账户待核实")
    _results(actor, cycle, [paid_row(paid), failed_row(failed)])
    reconcile_cycle(actor=actor, cycle=cycle)
    return paid, failed, held


def test_failed_and_held_lines_of_reconciled_cycles_are_carried(county_officer) -> None:
    paid, failed, held = _reconciled_march(county_officer)

    lines = failures_to_carry("511502", APRIL)

    assert {line.transfer_id for line in lines} == {failed.pk, held.pk}
    assert paid.pk not in {line.transfer_id for line in lines}
    assert failures_to_carry("511502", dt.date(2026, 3, 1)).count() == 0
    assert failures_to_carry(OTHER_COUNTY, APRIL).count() == 0


def test_a_carried_line_is_not_carried_twice_but_its_own_failure_is(county_officer) -> None:
    _paid, failed, _held = _reconciled_march(county_officer)
    original = PaymentLine.objects.get(transfer=failed)
    april = approved_cycle(month=APRIL)
    carrier = make_transfer(april)
    line = PaymentLine.objects.get(transfer=carrier)
    line.carried_from = original
    line.save(update_fields=["carried_from"])

    remaining = list(failures_to_carry("511502", dt.date(2026, 5, 1)))

    assert original not in remaining
    assert line not in remaining  # April is not reconciled yet
    PaymentLine.objects.filter(pk=line.pk).update(status=PaymentLine.Status.FAILED)
    PaymentCycle.objects.filter(pk=april.pk).update(status=PaymentCycle.Status.RECONCILED)
    assert line in list(failures_to_carry("511502", dt.date(2026, 5, 1)))


def test_recovery_and_adjustment_lines_are_not_carried(county_officer) -> None:
    _paid, failed, _held = _reconciled_march(county_officer)
    PaymentLine.objects.filter(transfer=failed).update(kind=PaymentLine.Kind.ADJUSTMENT)

    assert failed.pk not in {line.transfer_id for line in failures_to_carry("511502", APRIL)}


def test_failures_of_a_cycle_not_yet_reconciled_are_not_carried(county_officer) -> None:
    cycle = exported_cycle()
    failed = make_transfer(cycle)
    _results(county_officer, cycle, [failed_row(failed)])

    assert failures_to_carry("511502", APRIL).count() == 0
