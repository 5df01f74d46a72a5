"""The forms of the case pages: filters, opening, a step, closing, reopening, notes, referrals."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hehu.accounts.models import Department
from hehu.cases.models import Case, CloseReason
from hehu.cases.services.notes import (
    NOTE_MAX,
    organisations_for_case,
)

S = Case.Status


def _text(**attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "form-control", "rows": 3, **attrs})


# -- forms --------------------------------------------------------------------------------------
class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[("", gettext_lazy("全部")), ("open", gettext_lazy("未结案")), *S.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    risk = forms.ChoiceField(
        label=gettext_lazy("风险"),
        required=False,
        choices=[("", gettext_lazy("全部")), *Case.Risk.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    emergency = forms.ChoiceField(
        label=gettext_lazy("紧急"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("yes", gettext_lazy("紧急")),
            ("no", gettext_lazy("非紧急")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    region = forms.RegexField(
        label=gettext_lazy("区划代码"),
        regex=r"^\d{0,12}$",
        required=False,
        max_length=12,
        help_text=gettext_lazy("村（社区）、乡镇或县的区划代码，或其开头几位"),
        error_messages={"invalid": gettext_lazy("区划代码只能是最多 12 位数字。")},
        widget=forms.TextInput(
            attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        emergency = {"yes": True, "no": False}.get(data.get("emergency") or "")
        return {
            "status": data.get("status") or "",
            "risk": data.get("risk") or "",
            "emergency": emergency,
            "region_prefix": data.get("region") or "",
        }


class CaseOpenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("开案理由"),
        max_length=2000,
        help_text=gettext_lazy("写明发现的情况和需要帮助的地方，例如入户时看到的情况。"),
        error_messages={"required": gettext_lazy("请写明开案理由，例如入户发现的情况。")},
        widget=_text(),
    )
    emergency = forms.BooleanField(
        label=gettext_lazy("紧急：儿童现在面临危险（先服务，后评估）"),
        required=False,
        help_text=gettext_lazy("紧急个案直接进入服务实施，首次走访在下一个工作日内。"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    source = forms.ChoiceField(
        label=gettext_lazy("开案来源"),
        choices=[
            (Case.Source.MANUAL.value, gettext_lazy("本人发现，手动开案")),
            (Case.Source.REFERRAL.value, gettext_lazy("部门转介")),
        ],
        initial=Case.Source.MANUAL,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    department = forms.ChoiceField(
        label=gettext_lazy("转介部门"),
        required=False,
        choices=[("", gettext_lazy("（不是转介）")), *Department.choices],
        help_text=gettext_lazy("部门转介时，选择转介儿童的部门。"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    marked_required = ("reason", "source")

    def __init__(self, *args: Any, officer: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if officer:
            # A department officer refers on behalf of their own department, nothing else.
            del self.fields["source"]
            del self.fields["department"]


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=S.choices)
    reason = forms.CharField(required=False, max_length=2000)
    version = forms.IntegerField(min_value=1)


class _Ided(forms.Form):
    """A form on the case page: its field ids carry its name (several forms, one page)."""

    id_prefix = "case"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class CloseForm(_Ided):
    id_prefix = "close"

    reason = forms.ChoiceField(
        label=gettext_lazy("结案原因"),
        choices=[("", gettext_lazy("请选择")), *CloseReason.choices],
        error_messages={"required": gettext_lazy("请选择结案原因。")},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=gettext_lazy("结案说明"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("结案原因为“其他”时必须填写。"),
        widget=_text(rows=2),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ReopenForm(_Ided):
    id_prefix = "reopen"

    reason = forms.CharField(
        label=gettext_lazy("重新开案的理由"),
        max_length=2000,
        error_messages={"required": gettext_lazy("请写明重新开案的理由。")},
        widget=_text(rows=2),
    )


class NoteForm(_Ided):
    id_prefix = "note"

    text = forms.CharField(
        label=gettext_lazy("新的个案记录"),
        max_length=NOTE_MAX,
        error_messages={
            "required": gettext_lazy("请填写个案记录的内容。"),
            "max_length": gettext_lazy("个案记录不能超过 5000 个字，请分成几条记录。"),
        },
        widget=_text(rows=4),
    )


class ReferForm(_Ided):
    id_prefix = "refer"

    organisation = forms.TypedChoiceField(
        label=gettext_lazy("社会组织"),
        coerce=int,
        error_messages={"required": gettext_lazy("请选择要转介的社会组织。")},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    note = forms.CharField(
        label=gettext_lazy("转介说明"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("需要社会组织提供的服务，例如心理支持、学业辅导。"),
        widget=_text(rows=2),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        if isinstance(field, forms.ChoiceField):
            options = [(o.pk, o.name) for o in organisations_for_case(case)]
            field.choices = [("", _("请选择")), *options]


# -- the list -----------------------------------------------------------------------------------
