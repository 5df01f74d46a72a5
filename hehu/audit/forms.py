"""The administrator's audit search form (GET): actor, operation, date range, child."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hehu.audit.models import Verb
from hehu.audit.selectors import AuditFilters


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(attrs={"class": "form-control"}, format="%Y-%m-%d")


class AuditSearchForm(forms.Form):
    actor = forms.CharField(
        label=_("操作人账号"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    verb = forms.ChoiceField(
        label=_("操作"),
        choices=[("", _("全部操作")), *Verb.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date_from = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("请按 2025-07-10 的格式填写开始日期")},
    )
    date_to = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("请按 2025-07-10 的格式填写结束日期")},
    )
    child = forms.IntegerField(
        label=_("儿童档案编号"),
        min_value=1,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={
            "invalid": _("儿童档案编号应为正整数"),
            "min_value": _("儿童档案编号应为正整数"),
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data

    def filters(self) -> AuditFilters:
        """The parsed filters; call after is_valid()."""
        data = self.cleaned_data
        return AuditFilters(
            actor=data.get("actor", "").strip(),
            verb=data.get("verb", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            child_id=data.get("child"),
        )
