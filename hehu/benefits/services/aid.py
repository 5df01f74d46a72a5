"""One-off aid (education, medical, rehabilitation, temporary assistance): decided per case
by the county, paid in the cycle of its month."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.benefits.catalogue import standards
from hehu.benefits.models import AidGrant, PaymentLine
from hehu.benefits.months import month_of
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.models import Child

AMOUNT_MAX = Decimal("100000")
REASON_MIN, REASON_MAX = 5, 500


def one_off_programmes() -> dict[str, str]:
    """Code → Chinese label of the one-off aid programmes."""
    return {
        code: p.label.zh for code, p in standards().programmes.items() if p.kind == "one_off_aid"
    }


def _amount(value: Any, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors["amount"] = [_("请填写金额（元），例如 500 或 500.50")]
        return None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        errors["amount"] = [_("金额应大于 0，最多两位小数")]
        return None
    if amount > AMOUNT_MAX:
        errors["amount"] = [
            _("单次救助金额不超过 %s 元；更大的金额请分次决定并写明理由") % AMOUNT_MAX
        ]
        return None
    return amount


@transaction.atomic
def grant_aid(
    *,
    actor: Any,
    child: Child,
    programme: str,
    amount: Any,
    reason: str,
    decided_on: dt.date | None,
    pay_month: dt.date | None = None,
) -> AidGrant:
    if not has_perm(actor, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("临时性救助由县级民政部门决定"))
    if not any(child.region_id.startswith(p) for p in actor.prefixes):
        raise PermissionRefused(_("该儿童档案不在您的管辖范围内"))
    errors: dict[str, list[str]] = {}
    if programme not in one_off_programmes():
        errors["programme"] = [_("请选择救助项目")]
    value = _amount(amount, errors)
    reason = (reason or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        errors["reason"] = [
            _("请写明救助理由（%(a)d 到 %(b)d 字）") % {"a": REASON_MIN, "b": REASON_MAX}
        ]
    today = timezone.localdate()
    if decided_on is None:
        errors["decided_on"] = [_("请填写决定日期")]
    elif decided_on > today:
        errors["decided_on"] = [_("决定日期不能晚于今天")]
    month = month_of(pay_month or today)
    if month < month_of(decided_on or today):
        errors["pay_month"] = [_("发放月份不能早于决定日期所在月份")]
    if child.status != Child.Status.ACTIVE:
        errors["child"] = [_("该儿童档案已合并或销档")]
    if errors or value is None or decided_on is None:
        raise ValidationFailed(errors)
    grant = AidGrant.objects.create(
        child=child,
        programme=programme,
        county_code=child.region_id[:6],
        amount=value,
        pay_month=month,
        reason=reason,
        decided_on=decided_on,
        decided_by=actor,
    )
    audit_record(
        actor=actor,
        verb=Verb.AID_GRANTED,
        object_type="aid_grant",
        object_id=grant.pk,
        child_id=child.pk,
        changes={"programme": programme, "amount": str(value), "pay_month": f"{month:%Y-%m}"},
        reason=reason,
    )
    return grant


@transaction.atomic
def cancel_aid(*, actor: Any, grant: AidGrant, reason: str) -> AidGrant:
    if not has_perm(actor, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("临时性救助由县级民政部门决定"))
    if not any(grant.county_code.startswith(p) for p in actor.prefixes):
        raise PermissionRefused(_("只能撤销本辖区的救助决定"))
    locked = AidGrant.objects.select_for_update().get(pk=grant.pk)
    if locked.cancelled:
        return locked
    if (
        PaymentLine.objects.filter(grant=locked)
        .exclude(status=PaymentLine.Status.FAILED)
        .filter(cycle__status__in=["approved", "exported", "reconciled"])
        .exists()
    ):
        raise ValidationFailed({"grant": [_("该救助已列入已审批的名册，不能撤销")]})
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationFailed({"reason": [_("请写明撤销理由（至少 %d 个字）") % REASON_MIN]})
    locked.cancelled = True
    locked.save(update_fields=["cancelled", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.AID_CANCELLED,
        object_type="aid_grant",
        object_id=locked.pk,
        child_id=locked.child_id,
        changes={"cancelled": [False, True]},
        reason=reason,
    )
    return locked
