"""Reconciling a payment cycle once the bank has answered for every transfer sent, and the
failures the next cycle carries (DOMAIN.md §5; ADR 0009).

A cycle is reconciled when every transfer sent to the bank has its result (paid or
failed). Held transfers were never sent: at reconciliation they and their lines become
failed with the hold's reason, so that, like the bank's failures, the next cycle's roll
carries them (failures_to_carry). A reconciled cycle is closed: no export, no import.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.models import PaymentCycle, PaymentLine, Transfer
from hehu.benefits.services.bank import locked_cycle
from hehu.core.errors import ValidationFailed

LISTED = 20
FEN = Decimal("0.01")


@transaction.atomic
def reconcile_cycle(*, actor: Any, cycle: PaymentCycle) -> PaymentCycle:
    """Close an exported cycle whose transfers all have the bank's result."""
    cycle = locked_cycle(actor, cycle)
    if cycle.status == PaymentCycle.Status.RECONCILED:
        raise ValidationFailed({"cycle": [_("本批次已经对账")]})
    if cycle.status != PaymentCycle.Status.EXPORTED:
        raise ValidationFailed({"cycle": [_("导出银行文件并导入回盘结果后才能对账")]})
    transfers = cycle.transfers.all()
    pending = transfers.filter(status=Transfer.Status.PENDING)
    count = pending.count()
    if count:
        listed = list(pending.order_by("reference").values_list("reference", flat=True)[:LISTED])
        more = _("等") if count > LISTED else ""
        raise ValidationFailed(
            {
                "cycle": [
                    _(
                        "还有 %(count)d 笔明细没有银行回盘结果（%(references)s%(more)s），"
                        "请导入回盘文件后再对账"
                    )
                    % {"count": count, "references": "、".join(listed), "more": more}
                ]
            }
        )
    held = _amount(transfers.filter(status=Transfer.Status.HELD))
    held_count = _release_held(cycle)
    cycle.paid_amount = _amount(transfers.filter(status=Transfer.Status.PAID))
    cycle.failed_amount = _amount(transfers.filter(status=Transfer.Status.FAILED)) - held
    cycle.held_amount = held
    cycle.status = PaymentCycle.Status.RECONCILED
    cycle.reconciled_at = timezone.now()
    cycle.reconciled_by = actor
    cycle.version += 1
    cycle.save(
        update_fields=[
            "paid_amount",
            "failed_amount",
            "held_amount",
            "status",
            "reconciled_at",
            "reconciled_by",
            "version",
        ]
    )
    audit_record(
        actor=actor,
        verb=Verb.CYCLE_RECONCILED,
        object_type="payment_cycle",
        object_id=cycle.pk,
        changes={
            "paid": transfers.filter(status=Transfer.Status.PAID, result_at__isnull=False).count(),
            "failed": transfers.filter(
                status=Transfer.Status.FAILED, result_at__isnull=False
            ).count(),
            "held": held_count,
            "paid_amount": str(cycle.paid_amount),
            "failed_amount": str(cycle.failed_amount),
            "held_amount": str(cycle.held_amount),
        },
    )
    return cycle


def _amount(transfers: QuerySet[Transfer]) -> Decimal:
    total = transfers.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    return Decimal(total).quantize(FEN)


def _release_held(cycle: PaymentCycle) -> int:
    """Held transfers and their lines become failed, with the hold's reason."""
    held = list(cycle.transfers.filter(status=Transfer.Status.HELD).only("id", "hold_reason"))
    for transfer in held:
        transfer.status = Transfer.Status.FAILED
        transfer.failure_reason = (transfer.hold_reason or _("暂缓发放"))[:200]
    Transfer.objects.bulk_update(held, ["status", "failure_reason"], batch_size=1000)
    PaymentLine.objects.filter(cycle=cycle, status=PaymentLine.Status.HELD).update(
        status=PaymentLine.Status.FAILED
    )
    return len(held)


def failures_to_carry(county_code: str, before_month: dt.date) -> QuerySet[PaymentLine]:
    """The failed lines a county's roll for `before_month` must pay again.

    Contract for the roll generation: the monthly and one-off lines of the county's
    reconciled cycles of months before `before_month` (a date, the first day of the month)
    whose status is failed — the bank refused them, or they were held and the cycle was
    reconciled — and that no other line carries yet (no PaymentLine has `carried_from`
    pointing at them, whatever that line's cycle or status). The roll pays each again as a
    new line with `carried_from` set to it (same child, programme, service month, kind and
    amount unless the entitlement changed); since the carrying line then exists, the next
    call no longer returns the original, and if the carrying line fails in turn, it is the
    one returned next time. The roll decides whether the child is still entitled (e.g. a
    hold because the child died is not paid again). Adjustment and recovery lines are not
    carried: adjustments are recomputed, and an overpayment stays open until recovered.
    Ordered by child, service month and programme; nothing is locked.
    """
    carried = PaymentLine.objects.filter(carried_from=OuterRef("pk"))
    return (
        PaymentLine.objects.filter(
            cycle__county_code=county_code,
            cycle__status=PaymentCycle.Status.RECONCILED,
            cycle__month__lt=before_month,
            status=PaymentLine.Status.FAILED,
            kind__in=[PaymentLine.Kind.MONTHLY, PaymentLine.Kind.ONE_OFF],
        )
        .exclude(Exists(carried))
        .order_by("child_id", "service_month", "programme")
    )
