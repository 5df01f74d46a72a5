"""Cycles ready for the bank, accounts with leading zeros, and the bank's result files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from hehu.accounts.models import Department, Role, User
from hehu.accounts.tests.factories import make_user
from hehu.benefits.models import PaymentCycle, Transfer
from hehu.benefits.services.bank import export_bank_file, import_bank_results
from hehu.benefits.tests.factories import PaymentCycleFactory, account_fields, make_transfer
from hehu.core.errors import ValidationFailed

OTHER_COUNTY = "511524"
LEADING_ZEROS = "0012345678901234567"
GENERIC_HEADER = "流水号,金额（元）,结果,失败原因,银行流水号"


def approved_cycle(**fields: Any) -> PaymentCycle:
    fields.setdefault("status", PaymentCycle.Status.APPROVED)
    fields.setdefault("approved_at", dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC))
    cycle: PaymentCycle = PaymentCycleFactory(**fields)
    return cycle


def exported_cycle(**fields: Any) -> PaymentCycle:
    fields.setdefault("exported_at", dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC))
    return approved_cycle(status=PaymentCycle.Status.EXPORTED, **fields)


def transfer_to(cycle: PaymentCycle, number: str, **more: Any) -> Transfer:
    """A transfer whose frozen account is `number` (e.g. with leading zeros)."""
    transfer = make_transfer(cycle, **more)
    stored = account_fields(number)
    transfer.account_encrypted = stored["account_encrypted"]
    transfer.account_last4 = stored["account_last4"]
    transfer.save(update_fields=["account_encrypted", "account_last4"])
    return transfer


def generic_results(rows: Sequence[Sequence[object]]) -> bytes:
    """A result file of the generic layout: (reference, amount, result, reason, bank ref)."""
    lines = [GENERIC_HEADER, *(",".join(str(v) for v in row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def paid_row(transfer: Transfer, bank_reference: str = "") -> tuple[str, str, str, str, str]:
    return (transfer.reference, f"{transfer.amount:.2f}", "成功", "", bank_reference)


def failed_row(transfer: Transfer, reason: str = "账户已销户") -> tuple[str, str, str, str, str]:
    return (transfer.reference, f"{transfer.amount:.2f}", "失败", reason, "")


def officer_elsewhere() -> User:
    return make_user(
        Role.COUNTY_CIVIL_AFFAIRS,
        OTHER_COUNTY,
        department=Department.CIVIL_AFFAIRS,
        username="county-elsewhere",
    )


def export(
    actor: Any, cycle: PaymentCycle, layout: str = "generic", file_format: str = "csv"
) -> Any:
    return export_bank_file(actor=actor, cycle=cycle, layout=layout, file_format=file_format)


def import_results(
    actor: Any,
    cycle: PaymentCycle,
    content: bytes,
    layout: str = "generic",
    filename: str = "回盘.csv",
) -> Any:
    return import_bank_results(
        actor=actor, cycle=cycle, filename=filename, content=content, layout=layout
    )


def refusal(call: Callable[[], object]) -> dict[str, list[str]]:
    """The field errors of the ValidationFailed the call raises."""
    with pytest.raises(ValidationFailed) as refused:
        call()
    return {k: [str(m) for m in v] for k, v in refused.value.errors.items()}
