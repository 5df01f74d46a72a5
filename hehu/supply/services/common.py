"""Small checks shared by the catalogue, stock and distribution services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import PermissionRefused
from hehu.supply.models import StockMovement, SupplyItem

Errors = dict[str, list[str]]

NAME_MAX = 60
SOURCE_MAX = 200
NOTE_MAX = 1000
REASON_MAX = 500
QUANTITY_MAX = 100_000


def text(value: str | None) -> str:
    return (value or "").strip()


def check_text(errors: Errors, field: str, value: str, label: str, limit: int) -> None:
    """Required text of at most `limit` characters."""
    if not value:
        errors[field] = [_("请填写%s") % label]
    else:
        check_length(errors, field, value, label, limit)


def check_length(errors: Errors, field: str, value: str, label: str, limit: int) -> None:
    if len(value) > limit:
        errors[field] = [_("%(label)s不超过 %(n)d 字") % {"label": label, "n": limit}]


def check_quantity(errors: Errors, field: str, value: int | None, label: str) -> None:
    """A whole number of units above zero."""
    if value is None:
        errors[field] = [_("请填写%s（整数）") % label]
    elif value <= 0:
        errors[field] = [_("%s须大于 0") % label]
    elif value > QUANTITY_MAX:
        errors[field] = [_("%(label)s不超过 %(n)d，请核对") % {"label": label, "n": QUANTITY_MAX}]


def check_date(
    errors: Errors, field: str, value: dt.date | None, label: str, *, not_before: dt.date | None
) -> None:
    """A date that has happened: not after today, not before `not_before`."""
    if value is None:
        errors[field] = [_("请填写%s") % label]
    elif value > timezone.localdate():
        errors[field] = [_("%s不能晚于今天") % label]
    elif not_before is not None and value < not_before:
        errors[field] = [
            _("%(label)s不能早于 %(date)s") % {"label": label, "date": not_before.isoformat()}
        ]


def in_reach(actor: Any, code: str) -> bool:
    """Whether the actor's jurisdiction covers the whole of the region `code` (a prefix)."""
    return any(code.startswith(prefix) for prefix in actor.prefixes)


def require_manager(actor: Any, item: SupplyItem | None = None) -> None:
    """County civil affairs keep the catalogue and the stock of their county."""
    if not has_perm(actor, Perm.MANAGE_SUPPLY):
        raise PermissionRefused(_("实物物资和库存由县级民政部门管理"))
    if item is not None and not in_reach(actor, item.county_code):
        raise PermissionRefused(_("只能管理本县（区）的实物物资"))


def movement_create(
    *,
    actor: Any,
    item: SupplyItem,
    quantity: int,
    kind: str,
    moved_on: dt.date,
    source: str = "",
    note: str = "",
) -> StockMovement:
    """Write one movement and the item's stock with it. The caller holds the item's row
    lock (select_for_update), so the stock read and written here cannot be stale; the
    database's check constraint refuses a stock below zero all the same."""
    movement = StockMovement.objects.create(
        item=item,
        quantity=quantity,
        kind=kind,
        source=source,
        note=note,
        moved_on=moved_on,
        by=actor,
    )
    item.stock += quantity
    item.save(update_fields=["stock"])
    return movement


def locked_item(item: SupplyItem) -> SupplyItem:
    """The item's row, locked until the transaction ends (two officers taking the last
    unit at once: the second waits here and reads the stock the first left)."""
    return SupplyItem.objects.select_for_update().get(pk=item.pk)
