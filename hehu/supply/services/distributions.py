"""Handing in-kind items to a child, and cancelling a record made in error.

County civil affairs (Perm.MANAGE_SUPPLY) and, for the children of their village or
township, directors and supervisors (Perm.WORK_CASE) record what they handed out: the
county's stock goes down by the quantity in the same transaction, under the item's row
lock, so the last unit cannot be handed out twice. A distribution may meet an in-kind item
of the child's approved service plan. Cancelling brings the quantity back into stock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.models import PlanItem, ServicePlan
from hehu.cases.services.plans import support_label
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.models import Child
from hehu.supply.models import Distribution, StockMovement, SupplyItem
from hehu.supply.promises import fits_plan_item
from hehu.supply.services.common import (
    NOTE_MAX,
    REASON_MAX,
    Errors,
    check_date,
    check_length,
    check_quantity,
    check_text,
    in_reach,
    locked_item,
    movement_create,
    text,
)

RECEIVER_MAX = 100


def _require_recorder(actor: Any) -> None:
    if not (has_perm(actor, Perm.MANAGE_SUPPLY) or has_perm(actor, Perm.WORK_CASE)):
        raise PermissionRefused(
            _("实物发放由县级民政部门、乡镇（街道）儿童督导员或村（居）儿童主任登记")
        )


def _require_child(actor: Any, child: Child) -> None:
    """A child outside the actor's jurisdiction is treated as missing (404), never 403;
    a file that is no longer active is refused with what to do."""
    if not has_perm(actor, Perm.VIEW_CHILD) or not in_reach(actor, child.region_id):
        raise Http404
    if child.status == Child.Status.MERGED:
        raise ValidationFailed(
            {"child": [_("这份儿童档案已合并到另一份档案，请在合并后的档案上登记发放")]}
        )
    if child.status != Child.Status.ACTIVE:
        closed = _("这名儿童的档案已销档（%s），不能再登记发放") % child.get_status_display()
        raise ValidationFailed({"child": [closed]})


def _item_problem(child: Child, item: SupplyItem) -> str:
    if item.county_code != child.region_id[:6]:
        return _("请选择儿童所在县（区）的物资：“%s”是其他县（区）的物资") % item.name
    if not item.active:
        return _("“%s”已停用，请选择其他物资") % item.name
    return ""


def _plan_item_of(
    child: Child, item: SupplyItem, plan_item_id: int | None, errors: Errors
) -> PlanItem | None:
    """The in-kind item of the child's approved plan the distribution meets, if one is
    named."""
    if plan_item_id is None:
        return None
    plan_item = (
        PlanItem.objects.select_related("plan", "plan__case").filter(pk=plan_item_id).first()
    )
    if plan_item is None or plan_item.plan.case.child_id != child.pk:
        # Another child's plan is not named: it is treated as missing.
        errors["plan_item"] = [
            _("没有找到这名儿童的这项服务计划事项，请从儿童已批准的服务计划中选择")
        ]
        return None
    plan = plan_item.plan
    if plan.status != ServicePlan.Status.APPROVED:
        errors["plan_item"] = [
            _("服务计划第 %(number)d 号%(status)s，只能对应已批准服务计划中的实物事项")
            % {"number": plan.number, "status": plan.get_status_display()}
        ]
        return None
    label = support_label(plan_item.kind, plan_item.support)
    if plan_item.kind != PlanItem.Kind.IN_KIND:
        errors["plan_item"] = [
            _("计划事项“%(label)s”是%(kind)s支持，不是实物，请选择实物事项")
            % {"label": label, "kind": plan_item.get_kind_display()}
        ]
        return None
    if not fits_plan_item(item, plan_item):
        errors["plan_item"] = [
            _(
                "计划事项是“%(label)s”，所选物资“%(item)s”是%(kind)s。"
                "请选择相符的物资，或不对应计划事项"
            )
            % {"label": label, "item": item.name, "kind": item.get_kind_display()}
        ]
        return None
    return plan_item


def _stock_problem(item: SupplyItem, quantity: int) -> str:
    values = {"name": item.name, "stock": item.stock, "unit": item.unit, "n": quantity}
    if item.stock == 0:
        return _("“%(name)s”已无库存（0 %(unit)s），不能发放。请县级民政部门先登记入库") % values
    return (
        _(
            "“%(name)s”库存只有 %(stock)d %(unit)s，不能发放 %(n)d %(unit)s。"
            "请减少数量，或请县级民政部门先登记入库"
        )
        % values
    )


@transaction.atomic
def distribute(
    *,
    actor: Any,
    child: Child,
    item: SupplyItem,
    quantity: int | None,
    distributed_on: dt.date | None,
    received_by_name: str,
    plan_item_id: int | None = None,
    note: str = "",
) -> Distribution:
    """Record items handed to a child; the county's stock goes down by the quantity."""
    _require_recorder(actor)
    _require_child(actor, child)
    # Two people handing out the last unit at once: the second waits here, then reads the
    # stock the first left.
    locked = locked_item(item)
    errors: Errors = {}
    receiver, note = text(received_by_name), text(note)
    problem = _item_problem(child, locked)
    if problem:
        errors["item"] = [problem]
    check_quantity(errors, "quantity", quantity, _("发放数量"))
    if not problem and "quantity" not in errors and quantity and quantity > locked.stock:
        errors["quantity"] = [_stock_problem(locked, quantity)]
    check_date(errors, "distributed_on", distributed_on, _("发放日期"), not_before=child.birth_date)
    check_text(errors, "received_by_name", receiver, _("签收人（儿童或监护人）姓名"), RECEIVER_MAX)
    check_length(errors, "note", note, _("说明"), NOTE_MAX)
    plan_item = None if problem else _plan_item_of(child, locked, plan_item_id, errors)
    if errors or quantity is None or distributed_on is None:
        raise ValidationFailed(errors)
    movement = movement_create(
        actor=actor,
        item=locked,
        quantity=-quantity,
        kind=StockMovement.Kind.DISTRIBUTION,
        moved_on=distributed_on,
        note=_("发放给儿童（档案编号 %d）") % child.pk,
    )
    distribution = Distribution.objects.create(
        child=child,
        item=locked,
        quantity=quantity,
        distributed_on=distributed_on,
        plan_item=plan_item,
        received_by_name=receiver,
        note=note,
        movement=movement,
        by=actor,
    )
    audit_record(
        actor=actor,
        verb=Verb.SUPPLY_DISTRIBUTED,
        object_type="supply_distribution",
        object_id=distribution.pk,
        child_id=child.pk,
        changes={
            "item": locked.pk,
            "quantity": quantity,
            "distributed_on": distributed_on.isoformat(),
            "plan_item": plan_item.pk if plan_item else None,
            "stock": [locked.stock + quantity, locked.stock],
        },
    )
    return distribution


def may_cancel(actor: Any, distribution: Distribution) -> bool:
    """County civil affairs of the item's county, or the person who recorded it."""
    if has_perm(actor, Perm.MANAGE_SUPPLY) and in_reach(actor, distribution.item.county_code):
        return True
    return distribution.by_id == actor.pk and has_perm(actor, Perm.WORK_CASE)


@transaction.atomic
def cancel_distribution(*, actor: Any, distribution: Distribution, reason: str) -> Distribution:
    """Cancel a distribution recorded in error (nothing was handed over, or it was given
    back); the quantity returns to stock."""
    if not may_cancel(actor, distribution):
        raise PermissionRefused(_("发放记录只能由登记人本人或县级民政部门撤销"))
    locked = Distribution.objects.select_for_update().select_related("item").get(pk=distribution.pk)
    if locked.cancelled:
        when = timezone.localdate(locked.cancelled_at) if locked.cancelled_at else None
        raise ValidationFailed(
            {"distribution": [_("这条发放记录已于 %s 撤销") % (when.isoformat() if when else "")]}
        )
    reason = text(reason)
    errors: Errors = {}
    check_text(errors, "reason", reason, _("撤销理由"), REASON_MAX)
    if errors:
        raise ValidationFailed(errors)
    item = locked_item(locked.item)
    movement = movement_create(
        actor=actor,
        item=item,
        quantity=locked.quantity,
        kind=StockMovement.Kind.RETURN,
        moved_on=timezone.localdate(),
        note=reason,
    )
    locked.cancelled = True
    locked.cancel_reason = reason
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = actor
    locked.return_movement = movement
    locked.save(
        update_fields=[
            "cancelled",
            "cancel_reason",
            "cancelled_at",
            "cancelled_by",
            "return_movement",
        ]
    )
    audit_record(
        actor=actor,
        verb=Verb.DISTRIBUTION_CANCELLED,
        object_type="supply_distribution",
        object_id=locked.pk,
        child_id=locked.child_id,
        changes={
            "item": item.pk,
            "quantity": locked.quantity,
            "stock": [item.stock - locked.quantity, item.stock],
        },
        reason=reason,
    )
    return locked
