"""The forms of the in-kind supply pages: the pages' shape only; hehu.supply.services
decides what is required and allowed, and a refusal is shown next to its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hehu.cases.models import PlanItem
from hehu.cases.services.plans import support_label
from hehu.core.forms import RefusalForm
from hehu.supply.models import SupplyItem

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}
NUMBER = {"class": "form-control", "inputmode": "numeric"}


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DATE,
        error_messages={"invalid": gettext_lazy("请按 年-月-日 填写日期，例如 2026-03-05。")},
    )


def _whole(label: Any, *, help_text: Any = "", minimum: int = 1) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.NumberInput(attrs={**NUMBER, "min": str(minimum), "step": "1"}),
        error_messages={"invalid": gettext_lazy("请填写整数。")},
    )


def _text(label: Any, limit: int, *, help_text: Any = "", area: bool = False) -> forms.CharField:
    attrs = {**TEXT, "maxlength": str(limit)}
    widget = forms.Textarea(attrs={**attrs, "rows": 2}) if area else forms.TextInput(attrs=attrs)
    return forms.CharField(
        label=label, help_text=help_text, required=False, max_length=limit, widget=widget
    )


class SupplyForm(RefusalForm):
    """A refusal of the services shown next to its field and in the summary."""

    def error_summary(self) -> list[dict[str, str]]:
        # Each field's own id, prefix included (several forms share the stock page).
        summary: list[dict[str, str]] = []
        for name, problems in self.errors.items():
            anchor = self.anchor
            if name != NON_FIELD_ERRORS:
                field = self[name]
                radios = isinstance(field.field.widget, forms.RadioSelect)
                anchor = f"{field.auto_id}_0" if radios else str(field.auto_id)
            summary.extend({"anchor": anchor, "message": str(p)} for p in problems)
        return summary

    def clean(self) -> dict[str, Any]:
        # A count that is not a whole number is the service's to report ("请填写…（整数）").
        cleaned = super().clean()
        for name, field in self.fields.items():
            if type(field) is forms.IntegerField and name in self.errors:
                del self.errors[name]
                cleaned[name] = None
        return cleaned


class ItemForm(SupplyForm):
    marked_required = frozenset({"name", "kind", "unit"})

    name = _text(
        gettext_lazy("物资名称"), 60, help_text=gettext_lazy("例如：轮椅、营养包、学习用品包。")
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类别"),
        choices=SupplyItem.Kind.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    unit = _text(gettext_lazy("单位"), 10, help_text=gettext_lazy("例如：件、盒、套。"))
    unit_value = forms.DecimalField(
        label=gettext_lazy("单价（元，可不填）"),
        help_text=gettext_lazy("用于计算库存金额。"),
        required=False,
        decimal_places=2,
        widget=forms.NumberInput(attrs={**TEXT, "inputmode": "decimal", "step": "0.01"}),
        error_messages={"invalid": gettext_lazy("单价请填写数字（元），例如 35.50。")},
    )
    low_stock_level = _whole(
        gettext_lazy("库存预警线"),
        help_text=gettext_lazy("库存不高于这个数时，库存页会提示补货。"),
        minimum=0,
    )
    code = forms.CharField(
        label=gettext_lazy("物资编码（可不填）"),
        help_text=gettext_lazy("小写英文字母、数字、“-”和“_”，例如 wheelchair；不填时自动编号。"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "40", "autocapitalize": "none"}),
    )
    county_code = _text(
        gettext_lazy("所属县（区）区划代码"), 12, help_text=gettext_lazy("6 位代码，例如 511502。")
    )
    active = forms.BooleanField(
        label=gettext_lazy("在用（停用后不能再发放）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReceiveForm(SupplyForm):
    marked_required = frozenset({"quantity", "source", "received_on"})

    quantity = _whole(gettext_lazy("入库数量"))
    source = _text(
        gettext_lazy("来源"),
        200,
        help_text=gettext_lazy("采购合同号、捐赠单位或上级调拨文号。"),
    )
    received_on = _date(gettext_lazy("入库日期"))
    note = _text(gettext_lazy("说明（可不填）"), 1000, area=True)


class AdjustForm(SupplyForm):
    marked_required = frozenset({"counted", "reason", "counted_on"})

    counted = _whole(
        gettext_lazy("盘点后的实际库存"),
        help_text=gettext_lazy("仓库里实际清点到的数量，不是差额。"),
        minimum=0,
    )
    reason = _text(
        gettext_lazy("调整原因"),
        500,
        help_text=gettext_lazy("例如：受潮损坏 3 盒报废；上次入库少记 2 件。"),
        area=True,
    )
    counted_on = _date(gettext_lazy("盘点日期"))
    expected_stock = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DistributeForm(SupplyForm):
    marked_required = frozenset({"item", "quantity", "distributed_on", "received_by_name"})

    item = forms.ChoiceField(
        label=gettext_lazy("物资"),
        help_text=gettext_lazy("括号内为县里现有库存。"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-lg"}),
    )
    quantity = _whole(gettext_lazy("发放数量"))
    distributed_on = _date(gettext_lazy("发放日期"))
    plan_item = forms.ChoiceField(
        label=gettext_lazy("对应服务计划中的哪一项"),
        help_text=gettext_lazy("儿童已批准的服务计划中有实物事项时，选择这次发放落实的是哪一项。"),
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    received_by_name = _text(
        gettext_lazy("签收人"),
        100,
        help_text=gettext_lazy("签收的儿童本人或监护人的姓名。"),
    )
    note = _text(gettext_lazy("说明（可不填）"), 1000, area=True)

    def __init__(
        self, *args: Any, items: list[SupplyItem], plan_items: list[PlanItem], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        item_choices = [("", _("请选择物资"))]
        for item in items:
            item_choices.append(
                (
                    str(item.pk),
                    _("%(name)s（库存 %(stock)d %(unit)s）")
                    % {"name": item.name, "stock": item.stock, "unit": item.unit},
                )
            )
        self.fields["item"].choices = item_choices  # type: ignore[attr-defined]
        if plan_items:
            plan_choices = [("", _("不对应服务计划事项"))]
            plan_choices.extend((str(p.pk), plan_item_label(p)) for p in plan_items)
            self.fields["plan_item"].choices = plan_choices  # type: ignore[attr-defined]
        else:
            del self.fields["plan_item"]

    def chosen(self, name: str) -> int | None:
        value = str(self.cleaned_data.get(name) or "")
        return int(value) if value.isdigit() else None


def plan_item_label(plan_item: PlanItem) -> str:
    """ "营养品（每月 2 盒，服务计划第 1 号）"."""
    quantity = plan_item.quantity.normalize() if plan_item.quantity is not None else ""
    return _("%(label)s（%(frequency)s %(quantity)s %(unit)s，服务计划第 %(number)d 号）") % {
        "label": support_label(plan_item.kind, plan_item.support),
        "frequency": plan_item.get_frequency_display(),
        "quantity": f"{quantity:f}" if quantity != "" else "",
        "unit": plan_item.unit,
        "number": plan_item.plan.number,
    }


class CancelForm(SupplyForm):
    marked_required = frozenset({"reason"})

    reason = _text(
        gettext_lazy("撤销理由"),
        500,
        help_text=gettext_lazy("例如：登记错了儿童；实际没有发放；重复登记。物资会退回库存。"),
        area=True,
    )
