"""The county's catalogue of in-kind items and its stock (county civil affairs,
Perm.MANAGE_SUPPLY): adding and changing an item, receiving stock, and correcting the
stock after a count. Every change is a movement of the ledger, audited."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ConcurrentEdit, ValidationFailed
from hehu.supply.models import StockMovement, SupplyItem
from hehu.supply.services.common import (
    NAME_MAX,
    NOTE_MAX,
    QUANTITY_MAX,
    REASON_MAX,
    SOURCE_MAX,
    Errors,
    check_date,
    check_length,
    check_quantity,
    check_text,
    in_reach,
    locked_item,
    movement_create,
    require_manager,
    text,
)

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
UNIT_MAX = 10
VALUE_MAX = Decimal("9999999.99")
CENT = Decimal("0.01")


def _county(actor: Any, county_code: str, errors: Errors) -> str:
    """The six-digit county the item belongs to (default: the actor's only county)."""
    code = text(county_code)
    if not code:
        counties = [p for p in actor.prefixes if len(p) == 6]
        if len(counties) == 1:
            return counties[0]
        errors["county_code"] = [_("请填写物资所属县（区）的 6 位区划代码")]
        return ""
    if len(code) == 12 and code.endswith("000000"):
        code = code[:6]
    if len(code) != 6 or not code.isdigit() or code.endswith("00"):
        errors["county_code"] = [_("县（区）区划代码应为 6 位数字，例如 511502：%s") % code]
        return ""
    if not in_reach(actor, code):
        errors["county_code"] = [_("只能登记本县（区）的实物物资")]
        return ""
    return code


def _next_code(county: str, kind: str) -> str:
    """A code for an item entered without one: its kind and a number (`nutrition-3`)."""
    taken = set(
        SupplyItem.objects.filter(county_code=county, code__startswith=f"{kind}-").values_list(
            "code", flat=True
        )
    )
    number = len(taken) + 1
    while f"{kind}-{number}" in taken:
        number += 1
    return f"{kind}-{number}"


def _item_errors(
    errors: Errors,
    *,
    name: str,
    kind: str,
    unit: str,
    unit_value: Decimal | None,
    low_stock_level: int | None,
) -> None:
    check_text(errors, "name", name, _("物资名称"), NAME_MAX)
    if kind not in SupplyItem.Kind.values:
        errors["kind"] = [_("请选择类别：康复辅具、营养品、学习用品、生活用品或其他")]
    check_text(errors, "unit", unit, _("单位（例如 件、盒、套）"), UNIT_MAX)
    if unit_value is not None:
        if unit_value < 0:
            errors["unit_value"] = [_("单价不能小于 0")]
        elif unit_value != unit_value.quantize(CENT):
            errors["unit_value"] = [_("单价最多保留两位小数（元）")]
        elif unit_value > VALUE_MAX:
            errors["unit_value"] = [_("单价过大，请核对（单位：元）")]
    if low_stock_level is None or not 0 <= low_stock_level <= QUANTITY_MAX:
        errors["low_stock_level"] = [_("库存预警线应为 0 到 %d 之间的整数") % QUANTITY_MAX]


def _audit(
    actor: Any, verb: Verb, item: SupplyItem, changes: dict[str, Any], reason: str = ""
) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        object_type="supply_item",
        object_id=item.pk,
        changes=changes,
        reason=reason[:REASON_MAX],
    )


def _value(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@transaction.atomic
def item_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    unit: str,
    code: str = "",
    county_code: str = "",
    unit_value: Decimal | None = None,
    low_stock_level: int | None = 5,
    active: bool = True,
) -> SupplyItem:
    """Add an item to the county's catalogue (stock 0 until received)."""
    require_manager(actor)
    errors: Errors = {}
    name, unit, code = text(name), text(unit), text(code).lower()
    county = _county(actor, county_code, errors)
    _item_errors(
        errors,
        name=name,
        kind=kind,
        unit=unit,
        unit_value=unit_value,
        low_stock_level=low_stock_level,
    )
    if code and not CODE_RE.match(code):
        errors["code"] = [
            _("物资编码只能用小写英文字母、数字、“-”和“_”，不超过 40 个字符，例如 wheelchair")
        ]
    elif code and county and SupplyItem.objects.filter(county_code=county, code=code).exists():
        errors["code"] = [_("本县（区）已有编码为“%s”的物资，请换一个编码") % code]
    if errors or low_stock_level is None:
        raise ValidationFailed(errors)
    item = SupplyItem.objects.create(
        county_code=county,
        code=code or _next_code(county, kind),
        name=name,
        kind=kind,
        unit=unit,
        unit_value=unit_value,
        low_stock_level=low_stock_level,
        active=bool(active),
    )
    _audit(
        actor,
        Verb.SUPPLY_ITEM_SAVED,
        item,
        {
            "created": True,
            "county": county,
            "code": item.code,
            "name": name,
            "kind": kind,
            "unit": unit,
            "unit_value": _value(unit_value),
        },
    )
    return item


@transaction.atomic
def item_update(
    *,
    actor: Any,
    item: SupplyItem,
    name: str,
    kind: str,
    unit: str,
    unit_value: Decimal | None,
    low_stock_level: int | None,
    active: bool,
    expected_version: int | None,
) -> SupplyItem:
    """Change an item of the catalogue (not its stock, not its code); refused when someone
    else saved it meanwhile."""
    require_manager(actor, item)
    locked = locked_item(item)
    if expected_version is None or locked.version != expected_version:
        raise ConcurrentEdit(
            _(
                "“%(name)s”已被其他人修改（现为第 %(now)s 版），您的修改没有保存。"
                "请刷新页面，看过最新内容后再修改。"
            )
            % {"name": locked.name, "now": locked.version}
        )
    errors: Errors = {}
    name, unit = text(name), text(unit)
    _item_errors(
        errors,
        name=name,
        kind=kind,
        unit=unit,
        unit_value=unit_value,
        low_stock_level=low_stock_level,
    )
    if errors:
        raise ValidationFailed(errors)
    after: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "unit": unit,
        "unit_value": unit_value,
        "low_stock_level": low_stock_level,
        "active": bool(active),
    }
    changed = {key: value for key, value in after.items() if getattr(locked, key) != value}
    if not changed:
        return locked
    changes = {
        key: [_value(getattr(locked, key)), _value(value)]
        if key == "unit_value"
        else [getattr(locked, key), value]
        for key, value in changed.items()
    }
    for key, value in changed.items():
        setattr(locked, key, value)
    locked.version += 1
    locked.save(update_fields=[*changed, "version"])
    _audit(actor, Verb.SUPPLY_ITEM_SAVED, locked, changes)
    return locked


@transaction.atomic
def stock_receive(
    *,
    actor: Any,
    item: SupplyItem,
    quantity: int | None,
    source: str,
    received_on: dt.date | None = None,
    note: str = "",
) -> StockMovement:
    """Receive stock (a purchase, a donation, an allocation from above) into the county's
    store."""
    require_manager(actor, item)
    received_on = received_on or timezone.localdate()
    errors: Errors = {}
    source, note = text(source), text(note)
    check_quantity(errors, "quantity", quantity, _("入库数量"))
    check_text(errors, "source", source, _("来源（例如 采购合同号、捐赠单位）"), SOURCE_MAX)
    check_length(errors, "note", note, _("说明"), NOTE_MAX)
    check_date(errors, "received_on", received_on, _("入库日期"), not_before=None)
    if errors or quantity is None:
        raise ValidationFailed(errors)
    locked = locked_item(item)
    movement = movement_create(
        actor=actor,
        item=locked,
        quantity=quantity,
        kind=StockMovement.Kind.RECEIPT,
        moved_on=received_on,
        source=source,
        note=note,
    )
    _audit(
        actor,
        Verb.STOCK_RECEIVED,
        locked,
        {
            "movement": movement.pk,
            "quantity": quantity,
            "received_on": received_on.isoformat(),
            "source": source,
            "stock": [locked.stock - quantity, locked.stock],
        },
    )
    return movement


@transaction.atomic
def stock_adjust(
    *,
    actor: Any,
    item: SupplyItem,
    counted: int | None,
    reason: str,
    counted_on: dt.date | None = None,
    expected_stock: int | None = None,
) -> StockMovement:
    """Set the stock to what was counted in the store (damaged, lost or found items), with
    the reason. `expected_stock` is the stock the officer saw: when it moved meanwhile (a
    distribution was recorded), the count is refused rather than applied to the wrong
    figure."""
    require_manager(actor, item)
    counted_on = counted_on or timezone.localdate()
    errors: Errors = {}
    reason = text(reason)
    if counted is None:
        errors["counted"] = [_("请填写盘点后的实际库存（整数）")]
    elif counted < 0:
        errors["counted"] = [_("实际库存不能小于 0")]
    elif counted > QUANTITY_MAX:
        errors["counted"] = [_("实际库存不超过 %d，请核对") % QUANTITY_MAX]
    check_text(errors, "reason", reason, _("调整原因（例如 损坏报废、盘点差错）"), REASON_MAX)
    check_date(errors, "counted_on", counted_on, _("盘点日期"), not_before=None)
    if errors or counted is None:
        raise ValidationFailed(errors)
    locked = locked_item(item)
    values = {"name": locked.name, "stock": locked.stock, "unit": locked.unit}
    if expected_stock is not None and expected_stock != locked.stock:
        raise ConcurrentEdit(
            _(
                "“%(name)s”的库存在您盘点期间已变动，现为 %(stock)d %(unit)s，调整没有保存。"
                "请核对后重新填写实际库存。"
            )
            % values
        )
    if counted == locked.stock:
        raise ValidationFailed(
            {"counted": [_("“%(name)s”账面库存已是 %(stock)d %(unit)s，无需调整") % values]}
        )
    before = locked.stock
    movement = movement_create(
        actor=actor,
        item=locked,
        quantity=counted - before,
        kind=StockMovement.Kind.ADJUSTMENT,
        moved_on=counted_on,
        note=reason,
    )
    _audit(
        actor,
        Verb.STOCK_ADJUSTED,
        locked,
        {
            "movement": movement.pk,
            "quantity": counted - before,
            "counted_on": counted_on.isoformat(),
            "stock": [before, counted],
        },
        reason=reason,
    )
    return movement
