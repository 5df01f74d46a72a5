"""Writing a built roll as one county's cycle: transfers (one per child) and their lines."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from hehu.benefits.models import PayeeAccount, PaymentCycle, PaymentLine, Transfer
from hehu.benefits.roll.build import PlannedLine
from hehu.registry.models import Child

BATCH = 5000
ZERO = Decimal("0.00")


def _accounts(child_ids: list[int]) -> dict[int, PayeeAccount]:
    accounts: dict[int, PayeeAccount] = {}
    for start in range(0, len(child_ids), BATCH):
        for account in PayeeAccount.objects.filter(
            child_id__in=child_ids[start : start + BATCH], active=True
        ).order_by():
            accounts[account.child_id] = account
    return accounts


def _inactive(child_ids: list[int]) -> set[int]:
    inactive: set[int] = set()
    for start in range(0, len(child_ids), BATCH):
        inactive |= set(
            Child.objects.filter(pk__in=child_ids[start : start + BATCH])
            .exclude(status=Child.Status.ACTIVE)
            .values_list("pk", flat=True)
        )
    return inactive


def write_lines(cycle: PaymentCycle, planned: list[PlannedLine]) -> None:
    """Replace the cycle's transfers and lines by `planned` (the cycle is being generated)."""
    PaymentLine.objects.filter(cycle=cycle).delete()
    Transfer.objects.filter(cycle=cycle).delete()
    by_child: dict[int, list[PlannedLine]] = defaultdict(list)
    for line in planned:
        by_child[line.child_id].append(line)
    child_ids = sorted(by_child)
    accounts = _accounts(child_ids)
    inactive = _inactive(child_ids)
    transfers: list[Transfer] = []
    for sequence, child_id in enumerate(child_ids, start=1):
        amount = sum((line.amount for line in by_child[child_id]), ZERO)
        account = accounts.get(child_id)
        hold = ""
        if child_id in inactive:
            hold = _("儿童档案已合并或销档")
        elif account is None:
            hold = _("没有登记收款账户")
        transfers.append(
            Transfer(
                cycle=cycle,
                child_id=child_id,
                reference=f"{cycle.county_code}{cycle.month:%Y%m}{sequence:06d}",
                amount=amount,
                account=account,
                holder_name=account.holder_name if account else "",
                bank_name=account.bank_name if account else "",
                account_encrypted=account.account_encrypted if account else "",
                account_last4=account.account_last4 if account else "",
                status=Transfer.Status.HELD if hold else Transfer.Status.PENDING,
                hold_reason=hold,
            )
        )
    created = Transfer.objects.bulk_create(transfers, batch_size=BATCH)
    lines: list[PaymentLine] = []
    for transfer in created:
        for line in by_child[transfer.child_id]:
            lines.append(
                PaymentLine(
                    cycle=cycle,
                    transfer=transfer,
                    child_id=line.child_id,
                    programme=line.programme,
                    service_month=line.service_month,
                    kind=line.kind,
                    amount=line.amount,
                    standard_amount=line.standard_amount,
                    reasons=line.reasons,
                    grant_id=line.grant_id,
                    overpayment_id=line.overpayment_id,
                    carried_from_id=line.carried_from_id,
                    status=transfer.status,
                )
            )
    PaymentLine.objects.bulk_create(lines, batch_size=BATCH)
    totals(cycle)


def totals(cycle: PaymentCycle) -> None:
    """The cycle's head figures from its transfers."""
    transfers = Transfer.objects.filter(cycle=cycle)
    cycle.children = transfers.count()
    cycle.total_amount = transfers.aggregate(t=Sum("amount"))["t"] or ZERO
    cycle.held_amount = (
        transfers.filter(status=Transfer.Status.HELD).aggregate(t=Sum("amount"))["t"] or ZERO
    )
