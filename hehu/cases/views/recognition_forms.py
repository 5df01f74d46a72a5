"""The forms of the recognition pages: receiving, each step, the purpose of a print."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from hehu.cases.models import RecognitionApplication

App = RecognitionApplication


def _date() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# -- forms ------------------------------------------------------------------------------------
class Marked(forms.Form):
    """A form whose required fields say so in their label (web/_field.html), its inputs
    styled to fill a phone's width."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.HiddenInput):
                widget.attrs.setdefault("class", "form-control")

    @property
    def marked_required(self) -> set[str]:
        return {name for name, field in self.fields.items() if field.required}


class ReceiveForm(Marked):
    kind = forms.ChoiceField(
        label=gettext_lazy("申请类别"), choices=App.Kind.choices, widget=forms.RadioSelect
    )
    applicant_name = forms.CharField(label=gettext_lazy("申请人姓名"), max_length=100)
    applicant_relation = forms.CharField(
        label=gettext_lazy("申请人与儿童的关系"),
        max_length=50,
        help_text=gettext_lazy("如：祖母、叔叔、村民委员会"),
    )
    applied_on = forms.DateField(label=gettext_lazy("申请日期"), widget=_date())
    accepted_on = forms.DateField(
        label=gettext_lazy("受理日期"),
        widget=_date(),
        help_text=gettext_lazy("乡镇核查期限从受理日期的次日起按工作日计算。"),
    )


class CrossProvinceForm(ReceiveForm):
    id_number = forms.CharField(
        label=gettext_lazy("儿童身份证号码"),
        max_length=18,
        help_text=gettext_lazy("按申请人出示的户口簿填写，用于找到儿童在户籍地的档案。"),
    )
    receiving_township_code = forms.CharField(
        label=gettext_lazy("受理乡镇代码"),
        max_length=12,
        required=False,
        help_text=gettext_lazy("您的账号只管辖一个乡镇时可不填。"),
    )

    field_order = ["id_number", "kind", "applicant_name", "applicant_relation"]


class StepForm(Marked):
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class ForwardForm(StepForm):
    forwarded_on = forms.DateField(label=gettext_lazy("转交日期"), widget=_date())


class VerifyForm(StepForm):
    opinion = forms.ChoiceField(
        label=gettext_lazy("核查意见"), choices=App.Opinion.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("核查说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("比对了哪些部门的数据；有争议时入户核实的情况。"),
    )
    concluded_on = forms.DateField(label=gettext_lazy("核查完成日期"), widget=_date())


class DecideForm(StepForm):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("审核决定"),
        choices=[("yes", gettext_lazy("予以认定")), ("no", gettext_lazy("不予认定"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        label=gettext_lazy("不予认定的理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("不予认定时必须书面说明理由，将写入不予认定决定书。"),
    )
    decided_on = forms.DateField(label=gettext_lazy("决定日期"), widget=_date())


class NotifyForm(StepForm):
    notified_on = forms.DateField(label=gettext_lazy("告知日期"), widget=_date())


class WithdrawForm(StepForm):
    reason = forms.CharField(
        label=gettext_lazy("撤回原因"), widget=forms.Textarea(attrs={"rows": 2})
    )


class PurposeForm(Marked):
    purpose = forms.CharField(
        label=gettext_lazy("打印用途"),
        max_length=200,
        min_length=2,
        help_text=gettext_lazy("如：送达申请人、归档。打印会记入审计记录。"),
    )
