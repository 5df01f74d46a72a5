"""Overpayments: money paid for months the child was no longer entitled to.

A change recorded late (a death reported three months after) leaves months already paid by
approved cycles. Each such month and programme becomes an Overpayment for the difference
between what was paid and what the child is entitled to now. Open overpayments are
deducted from the child's later payments by the roll (never below zero), or settled here:
repaid by the guardian, or waived by the county with a reason.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.child_entitlements import entitlements_of
from hehu.benefits.models import Overpayment, PaymentCycle, PaymentLine
from hehu.benefits.months import label
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.registry.models import Child

ZERO = Decimal("0.00")
FROZEN = (
    PaymentCycle.Status.APPROVED,
    PaymentCycle.Status.EXPORTED,
    PaymentCycle.Status.RECONCILED,
)
NOTE_MIN = 5


def overpayments_after_change(
    *, actor: Any, child: Child, since: Any, reason: str
) -> list[Overpayment]:
    """Compare what frozen cycles paid (or are paying) the child for months from `since`
    with what the child is entitled to now; record each excess once."""
    lines = (
        PaymentLine.objects.filter(
            child=child,
            service_month__gte=since,
            kind__in=[PaymentLine.Kind.MONTHLY, PaymentLine.Kind.ADJUSTMENT],
            status__in=[PaymentLine.Status.PENDING, PaymentLine.Status.PAID],
            cycle__status__in=FROZEN,
        )
        .select_related("cycle")
        .order_by("service_month", "programme", "pk")
    )
    paid: dict[tuple[str, Any], Decimal] = defaultdict(lambda: ZERO)
    first: dict[tuple[str, Any], PaymentLine] = {}
    for line in lines:
        key = (line.programme, line.service_month)
        paid[key] += line.amount
        first.setdefault(key, line)
    enrolments = list(child.benefit_enrolments.all())
    recorded = []
    today = timezone.localdate()
    for (programme, month), amount in sorted(paid.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        due = {
            e.programme: e.monthly_amount for e in entitlements_of(child, month, enrolments).paid
        }
        known = sum(
            (
                o.amount
                for o in Overpayment.objects.filter(
                    child=child, programme=programme, service_month=month
                ).exclude(status=Overpayment.Status.CANCELLED)
            ),
            ZERO,
        )
        excess = amount - due.get(programme, ZERO) - known
        if excess <= 0:
            continue
        debt = Overpayment.objects.create(
            child=child,
            county_code=first[(programme, month)].cycle.county_code,
            programme=programme,
            service_month=month,
            amount=excess,
            reason=_("%(reason)s后仍发放了 %(month)s 的待遇")
            % {"reason": reason, "month": label(month)},
            line=first[(programme, month)],
            detected_on=today,
        )
        audit_record(
            actor=actor,
            verb=Verb.OVERPAYMENT_DETECTED,
            object_type="overpayment",
            object_id=debt.pk,
            child_id=child.pk,
            changes={"programme": programme, "month": label(month), "amount": str(excess)},
        )
        recorded.append(debt)
    return recorded


@transaction.atomic
def settle_overpayment(
    *,
    actor: Any,
    overpayment: Overpayment,
    outcome: str,
    note: str,
    expected_version: int | None,
) -> Overpayment:
    """Record that the guardian repaid the rest (`recovered`) or the county waived it
    (`waived`, e.g. the family cannot repay; a reason is required)."""
    if not has_perm(actor, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("多发待遇由县级民政部门处理"))
    if not any(overpayment.county_code.startswith(p) for p in actor.prefixes):
        raise PermissionRefused(_("只能处理本辖区的多发待遇"))
    locked = Overpayment.objects.select_for_update().get(pk=overpayment.pk)
    if expected_version is None or locked.version != expected_version:
        raise ConcurrentEdit(_("该多发记录已被其他人处理，请刷新页面后再操作。"))
    if locked.status != Overpayment.Status.OPEN:
        raise ValidationFailed(
            {"outcome": [_("该多发记录已处理（%s）") % locked.get_status_display()]}
        )
    note = (note or "").strip()
    if outcome not in (Overpayment.Status.RECOVERED, Overpayment.Status.WAIVED):
        raise ValidationFailed({"outcome": [_("请选择：已退回或核销")]})
    if len(note) < NOTE_MIN:
        raise ValidationFailed({"note": [_("请写明处理情况（至少 %d 个字）") % NOTE_MIN]})
    if PaymentLine.objects.filter(
        overpayment=locked, status__in=[PaymentLine.Status.PENDING, PaymentLine.Status.HELD]
    ).exists():
        raise ValidationFailed(
            {"outcome": [_("本记录正在某期名册中扣回，请待该期名册对账后再处理")]}
        )
    before = locked.status
    if outcome == Overpayment.Status.RECOVERED:
        locked.recovered_amount = locked.amount
    locked.status = outcome
    locked.closed_note = note
    locked.version += 1
    locked.save()
    audit_record(
        actor=actor,
        verb=Verb.OVERPAYMENT_SETTLED,
        object_type="overpayment",
        object_id=locked.pk,
        child_id=locked.child_id,
        changes={"status": [before, outcome], "amount": str(locked.amount)},
        reason=note,
    )
    return locked
