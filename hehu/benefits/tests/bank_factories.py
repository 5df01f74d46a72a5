"""Cycles ready for the bank, accounts with leading zeros, and the bank's result files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from hehu.accounts.models import Department, Role, User
from hehu.accounts.tests.factories import make_user
from hehu.benefits.models import PaymentCycle, Transfer
from hehu.benefits.tests.factories import PaymentCycleFactory, account_fields, make_transfer

OTHER_COUNTY = "511524"
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
