"""The shapes of the in-kind supply API (inputs and outputs); the endpoints are in
hehu.supply.api.items and hehu.supply.api.distributions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _lazy
from rest_framework import serializers

from hehu.cases.models import PlanItem
from hehu.cases.services.plans import support_label
from hehu.registry.serializers import RefusalOutput
from hehu.supply.models import SupplyItem
from hehu.supply.promises import Promise

REFUSALS: dict[int, Any] = {400: RefusalOutput, 403: RefusalOutput, 404: RefusalOutput}


def choices(values: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in values)


def text(help_text: Any) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False, help_text=help_text
    )


def number(help_text: Any) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=help_text
    )


def day(help_text: Any) -> serializers.DateField:
    return serializers.DateField(required=False, allow_null=True, default=None, help_text=help_text)


def money(help_text: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text=help_text,
    )


# -- the catalogue and stock ----------------------------------------------------------------
class SupplyItemInput(serializers.Serializer[Any]):
    name = text(_lazy("名称，例如 轮椅、营养包、学习用品包（不超过 60 字）"))
    kind = text(_lazy("类别：") + choices(SupplyItem.Kind.choices))
    unit = text(_lazy("单位，例如 件、盒、套"))
    code = text(_lazy("物资编码（小写英文字母、数字、-、_）；不填时按类别编号"))
    county_code = text(_lazy("所属县（区）6 位区划代码；只管辖一个县时可不填"))
    unit_value = money(_lazy("单价（元，可不填；用于库存金额）"))
    low_stock_level = serializers.IntegerField(
        required=False, default=5, help_text=_lazy("库存预警线：库存不高于此数时提示补货")
    )
    active = serializers.BooleanField(required=False, default=True)


class SupplyItemPatchInput(serializers.Serializer[Any]):
    """Only the fields sent change; `version` is the one read (409 when it moved)."""

    name = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    kind = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    unit_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    low_stock_level = serializers.IntegerField(required=False, allow_null=True)
    active = serializers.BooleanField(required=False)
    version = serializers.IntegerField(help_text=_lazy("读取时的版本号：其他人已修改时返回 409"))


class SupplyItemOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    county_code = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    unit = serializers.CharField()
    unit_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    stock = serializers.IntegerField(help_text=_lazy("库存（各出入库记录之和）"))
    stock_value = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text=_lazy("库存金额（元）")
    )
    low_stock_level = serializers.IntegerField()
    low = serializers.BooleanField(source="is_low", help_text=_lazy("库存不高于预警线"))
    active = serializers.BooleanField()
    version = serializers.IntegerField()


class SupplyReceiptInput(serializers.Serializer[Any]):
    quantity = number(_lazy("入库数量（正整数）"))
    # "source" is also a Field property in the stubs; here it is where the stock came from.
    source = text(_lazy("来源：采购合同号、捐赠单位或上级调拨文号"))  # type: ignore[assignment]
    received_on = day(_lazy("入库日期 YYYY-MM-DD（默认今天）"))
    note = text(_lazy("说明"))


class SupplyAdjustmentInput(serializers.Serializer[Any]):
    counted = number(_lazy("盘点后的实际库存（不小于 0）"))
    reason = text(_lazy("调整原因，例如 受潮损坏报废、盘点差错"))
    counted_on = day(_lazy("盘点日期 YYYY-MM-DD（默认今天）"))
    expected_stock = number(_lazy("盘点时看到的账面库存：其间有变动时返回 409"))


class SupplyMovementOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    item_id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    quantity = serializers.IntegerField(help_text=_lazy("入库为正，出库为负"))
    source = serializers.CharField()  # type: ignore[assignment]
    note = serializers.CharField()
    moved_on = serializers.DateField()
    by = serializers.CharField()
    created_at = serializers.DateTimeField()
    stock = serializers.IntegerField(source="item.stock", help_text=_lazy("此后的库存"))


# -- distributions ----------------------------------------------------------------------------
class SupplyDistributionInput(serializers.Serializer[Any]):
    child_id = serializers.IntegerField(help_text=_lazy("儿童档案编号"))
    item_id = number(_lazy("物资编号（儿童所在县的物资）"))
    quantity = number(_lazy("发放数量（正整数，不超过库存）"))
    distributed_on = day(_lazy("发放日期 YYYY-MM-DD"))
    received_by_name = text(_lazy("签收人（儿童或监护人）姓名"))
    plan_item_id = number(_lazy("对应的服务计划实物事项编号（可不填）"))
    note = text(_lazy("说明"))


class SupplyCancelInput(serializers.Serializer[Any]):
    reason = text(_lazy("撤销理由，例如 登记错误、实际未发放"))


class SupplyItemBrief(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()


class SupplyDistributionOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    child_id = serializers.IntegerField()
    item = SupplyItemBrief()
    quantity = serializers.IntegerField()
    distributed_on = serializers.DateField()
    plan_item_id = serializers.IntegerField(allow_null=True)
    received_by_name = serializers.CharField()
    note = serializers.CharField()
    by = serializers.CharField()
    created_at = serializers.DateTimeField()
    cancelled = serializers.BooleanField()
    cancel_reason = serializers.CharField()
    cancelled_at = serializers.DateTimeField(allow_null=True)


class SupplyPromiseOutput(serializers.Serializer[Any]):
    plan_item_id = serializers.IntegerField(source="plan_item.pk")
    plan_number = serializers.IntegerField(source="plan_item.plan.number")
    support = serializers.CharField(source="plan_item.support")
    support_label = serializers.SerializerMethodField()
    description = serializers.CharField(source="plan_item.description")
    quantity = serializers.DecimalField(
        source="plan_item.quantity", max_digits=10, decimal_places=2, allow_null=True
    )
    unit = serializers.CharField(source="plan_item.unit")
    frequency = serializers.CharField(source="plan_item.frequency")
    frequency_label = serializers.CharField(source="plan_item.get_frequency_display")
    starts_on = serializers.DateField(source="plan_item.starts_on")
    ends_on = serializers.DateField(source="plan_item.ends_on", allow_null=True)
    occurrences = serializers.IntegerField(help_text=_lazy("到今天为止应发放的次数"))
    promised = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text=_lazy("到今天为止应发放的数量")
    )
    promised_total = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text=_lazy("整个计划期应发放")
    )
    distributed = serializers.IntegerField(help_text=_lazy("已发放（不含已撤销）"))
    shortfall = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.CharField(help_text=_lazy("not_due 未到期；reached 已到位；short 不足"))

    def get_support_label(self, promise: Promise) -> str:
        return support_label(PlanItem.Kind.IN_KIND, promise.plan_item.support)


class SupplyChildOutput(serializers.Serializer[Any]):
    child_id = serializers.IntegerField()
    promises = SupplyPromiseOutput(
        many=True, help_text=_lazy("已批准服务计划中的实物事项：应发放与已发放")
    )
    distributions = SupplyDistributionOutput(many=True)
