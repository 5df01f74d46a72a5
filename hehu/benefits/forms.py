"""The forms of the benefit pages: the pages' shape only. The services of
hehu.benefits.services decide what is required and allowed; a refusal is shown next to its
field and in the summary at the top (`RefusalForm`), with every answer kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hehu.benefits.models import Overpayment, PayeeAccount, StopReason
from hehu.benefits.months import parse_month
from hehu.core.forms import RefusalForm

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}
NOTE_MAX = 500


def _radios() -> forms.RadioSelect:
    return forms.RadioSelect(attrs={"class": "form-check-input"})


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DATE,
        error_messages={"invalid": gettext_lazy("请按 年-月-日 填写日期，例如 2026-03-05。")},
        **kwargs,
    )


def _note(label: Any, help_text: Any = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": rows, "maxlength": str(NOTE_MAX)}),
    )


def _version() -> forms.IntegerField:
    return forms.IntegerField(required=False, widget=forms.HiddenInput)


class MonthInput(forms.TextInput):
    """A month as the browser's month picker gives it: 2026-03."""

    input_type = "month"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.date):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class NoEchoInput(forms.TextInput):
    """A text box that never writes its value back into the page: an account number is
    shown only masked (DOMAIN.md §5, PIPL), even in a form re-shown after an error."""

    def format_value(self, value: Any) -> str | None:
        return None


class MonthField(forms.Field):
    widget = MonthInput(attrs={"class": "form-control", "placeholder": "2026-03"})
    default_error_messages = {"invalid": gettext_lazy("请按 年-月 填写月份，例如 2026-03。")}

    def to_python(self, value: Any) -> dt.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, dt.date):
            return value.replace(day=1)
        try:
            return parse_month(str(value))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


# -- the desk ----------------------------------------------------------------------------------
class GenerateForm(RefusalForm):
    anchor = "hh-generate"
    marked_required = frozenset({"month", "region"})
    service_fields = {"region_prefix": "region"}

    month = MonthField(label=gettext_lazy("发放月份"), required=False)
    region = forms.ChoiceField(
        label=gettext_lazy("县（区）"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]
        if len(regions) == 1:
            self.fields["region"].widget = forms.HiddenInput()
            self.initial.setdefault("region", regions[0][0])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("month") is None and "month" not in self.errors:
            self.add_error("month", _("请选择发放月份，例如 2026-03"))
        if not cleaned.get("region"):
            self.add_error("region", _("请选择要生成名册的县（区）"))
        return cleaned


class ConfirmCandidatesForm(RefusalForm):
    """Confirm several children's categories at once, with one date."""

    anchor = "hh-candidates"
    anchors = {"picks": "hh-picks"}
    marked_required = frozenset({"picks", "confirmed_on"})

    picks = forms.MultipleChoiceField(
        label=gettext_lazy("要确认的儿童和类别"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    confirmed_on = _date(
        gettext_lazy("确认日期"), help_text=gettext_lazy("从确认日期的次月起发放。")
    )
    note = _note(
        gettext_lazy("说明（可选）"),
        gettext_lazy("孤儿、事实无人抚养儿童须写明原认定文号。"),
        rows=2,
    )

    def __init__(self, *args: Any, picks: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["picks"].choices = picks  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.is_bound and not self.posted_picks():
            self.add_error("picks", _("请勾选要确认待遇资格的儿童和类别"))
        if (
            self.is_bound
            and cleaned.get("confirmed_on") is None
            and "confirmed_on" not in self.errors
        ):
            self.add_error("confirmed_on", _("请填写确认日期"))
        return cleaned

    def posted_picks(self) -> list[str]:
        data: Any = self.data
        return [str(v) for v in data.getlist("picks")] if hasattr(data, "getlist") else []

    def chosen(self) -> list[tuple[int, str]]:
        """The (child id, category) pairs ticked, as posted (the page lists only its own)."""
        out = []
        for value in self.posted_picks():
            child, _sep, category = str(value).partition(":")
            if child.isdigit() and category:
                out.append((int(child), category))
        return out


class SettleForm(RefusalForm):
    marked_required = frozenset({"outcome", "note"})

    outcome = forms.ChoiceField(
        label=gettext_lazy("处理结果"),
        choices=[
            (Overpayment.Status.RECOVERED, gettext_lazy("监护人已退回多发金额")),
            (Overpayment.Status.WAIVED, gettext_lazy("核销（无法追回，须写明理由）")),
        ],
        required=False,
        widget=_radios(),
    )
    note = _note(
        gettext_lazy("处理说明"),
        gettext_lazy("例如：退回日期和收据号，或核销的理由和批准文号（至少 5 个字）。"),
    )
    version = _version()


# -- a cycle -----------------------------------------------------------------------------------
class CycleActionForm(RefusalForm):
    anchor = "hh-actions"

    version = _version()


class ReturnForm(CycleActionForm):
    marked_required = frozenset({"reason"})

    reason = _note(
        gettext_lazy("退回理由"),
        gettext_lazy("告诉经办人要核对或更正什么（至少 5 个字）。"),
    )


# -- a child's benefits ------------------------------------------------------------------------
class EnrolForm(RefusalForm):
    marked_required = frozenset({"category", "confirmed_on"})

    category = forms.ChoiceField(label=gettext_lazy("待遇类别"), required=False, widget=_radios())
    confirmed_on = _date(
        gettext_lazy("确认日期"), help_text=gettext_lazy("从确认日期的次月起发放。")
    )
    note = _note(
        gettext_lazy("说明"),
        gettext_lazy("孤儿、事实无人抚养儿童在 Hehu 启用前已认定的，写明原认定文号。"),
    )

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories  # type: ignore[attr-defined]


class ChangeForm(RefusalForm):
    marked_required = frozenset({"reason", "changed_on"})

    reason = forms.ChoiceField(
        label=gettext_lazy("发生了什么变化"),
        choices=StopReason.choices,
        required=False,
        widget=_radios(),
        help_text=gettext_lazy(
            "死亡、年满十八周岁、被收养、户籍迁出停发全部待遇；父母恢复监护抚养能力停发事实无人抚养儿童补贴。"
        ),
    )
    changed_on = _date(
        gettext_lazy("变化发生的日期"),
        help_text=gettext_lazy("从这一日期的次月起停发；已发放的月份记为多发待追回。"),
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("停发哪些待遇"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy("“不再符合条件”和“其他”时勾选；不勾选则停发全部。"),
    )
    note = _note(gettext_lazy("说明"), gettext_lazy("“不再符合条件”和“其他”时必须写明具体原因。"))

    def __init__(self, *args: Any, running: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = running  # type: ignore[attr-defined]


class CancelStopForm(RefusalForm):
    marked_required = frozenset({"note"})

    note = _note(gettext_lazy("撤销停发的理由"), gettext_lazy("例如：停发登记错误，儿童仍健在。"))
    version = _version()


class AccountForm(RefusalForm):
    marked_required = frozenset({"holder_kind", "holder_name", "bank_name", "account_number"})

    holder_kind = forms.ChoiceField(
        label=gettext_lazy("账户类型"),
        choices=PayeeAccount.Holder.choices,
        required=False,
        widget=_radios(),
    )
    holder_name = forms.CharField(
        label=gettext_lazy("户名"),
        help_text=gettext_lazy("与银行开户名一致。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100", "autocomplete": "off"}),
    )
    bank_name = forms.CharField(
        label=gettext_lazy("开户银行"),
        help_text=gettext_lazy("例如：宜宾市农村信用社翠屏支行。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100"}),
    )
    account_number = forms.CharField(
        label=gettext_lazy("银行账号"),
        help_text=gettext_lazy(
            "12 到 30 位数字，可以有空格。保存后只显示后四位；为保护账户信息，"
            "页面出错时账号不会显示回来，请重新输入。"
        ),
        required=False,
        max_length=40,
        widget=NoEchoInput(
            attrs={**TEXT, "inputmode": "numeric", "autocomplete": "off", "maxlength": "40"}
        ),
    )
    version = _version()


class AidForm(RefusalForm):
    marked_required = frozenset({"programme", "amount", "reason", "decided_on"})

    programme = forms.ChoiceField(
        label=gettext_lazy("救助项目"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    amount = forms.CharField(
        label=gettext_lazy("金额（元）"),
        help_text=gettext_lazy("例如 500 或 500.50。"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "decimal", "maxlength": "20"}),
    )
    reason = _note(gettext_lazy("救助理由"), gettext_lazy("5 到 500 字，写明困难情况和依据。"))
    decided_on = _date(gettext_lazy("决定日期"))
    pay_month = MonthField(
        label=gettext_lazy("发放月份"),
        required=False,
        help_text=gettext_lazy("不填则在本月名册中发放。"),
    )

    def __init__(self, *args: Any, programmes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "—"), *programmes]  # type: ignore[attr-defined]


class AidCancelForm(RefusalForm):
    marked_required = frozenset({"reason"})

    reason = _note(gettext_lazy("撤销理由"), gettext_lazy("至少 5 个字。"))
