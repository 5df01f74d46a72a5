"""The forms of a cycle's page beyond its actions: the filters above the lines (GET) and
the bank file controls (export the roll, import the bank's results)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hehu.benefits.forms import CycleActionForm
from hehu.benefits.models import PaymentLine


class LineFilter(forms.Form):
    """The filters above a cycle's lines (GET)."""

    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[("", gettext_lazy("全部")), *PaymentLine.Status.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=[("", gettext_lazy("全部")), *PaymentLine.Kind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    back_pay = forms.BooleanField(
        label=gettext_lazy("只看补发（以前月份）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    recovery = forms.BooleanField(
        label=gettext_lazy("只看扣回多发"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


# -- bank files --------------------------------------------------------------------------------
class BankExportForm(CycleActionForm):
    anchor = "hh-bank"
    marked_required = frozenset({"layout", "file_format"})
    service_fields = {"format": "file_format"}

    layout = forms.ChoiceField(
        label=gettext_lazy("银行文件格式"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file_format = forms.ChoiceField(
        label=gettext_lazy("文件类型"),
        choices=[("xlsx", "Excel（xlsx）"), ("csv", "CSV")],
        initial="xlsx",
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, layouts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["layout"].choices = layouts  # type: ignore[attr-defined]


class BankResultsForm(CycleActionForm):
    anchor = "hh-bank"
    marked_required = frozenset({"layout", "file"})
    service_fields = {"lines": "file"}

    layout = forms.ChoiceField(
        label=gettext_lazy("银行文件格式"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    file = forms.FileField(
        label=gettext_lazy("银行回盘文件"),
        help_text=gettext_lazy("银行返回的代发结果文件（csv 或 xlsx），整份导入。"),
        required=False,
        widget=forms.FileInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, layouts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["layout"].choices = layouts  # type: ignore[attr-defined]
        # Distinct ids from the export form's on the same page.
        self.auto_id = "id_results_%s"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("file") is None and "file" not in self.errors:
            self.add_error("file", _("请选择银行回盘文件"))
        return cleaned
