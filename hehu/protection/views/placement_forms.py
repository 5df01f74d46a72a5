"""The forms of the protection pages (removal, placement, return assessment, end of a
placement, a place of the county register): the pages' shape only; the services of
hehu.protection.services.placements and .facilities decide what is required and allowed, and
a refusal is shown next to its field (`RefusalForm`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hehu.core.forms import RefusalForm as BaseRefusalForm
from hehu.protection.models import CareFacility, Placement
from hehu.protection.models.placement import Ground, RemovingBody
from hehu.protection.services.placements import PlacementInput
from hehu.registry.models import GuardianRelation, LivingArrangement

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}


def _radios() -> forms.RadioSelect:
    return forms.RadioSelect(attrs={"class": "form-check-input"})


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DATE,
        error_messages={"invalid": gettext_lazy("请按 年-月-日 填写日期，例如 2026-03-05。")},
    )


# -- forms: the pages' shape only; the services decide ----------------------------------------
class RefusalForm(BaseRefusalForm):
    """The shared refusal form; a placement's fields arrive as "placement.<name>" when the
    placement is part of a removal, and the services name the records they point to."""

    service_fields = {"report_id": "report", "facility_id": "facility"}

    def field_for(self, service_field: str) -> str:
        return super().field_for(service_field.removeprefix("placement."))


class PlacementFields(RefusalForm):
    marked_required = frozenset({"kind", "guardianship", "started_on"})

    kind = forms.ChoiceField(
        label=gettext_lazy("安置方式"),
        choices=Placement.Kind.choices,
        required=False,
        widget=_radios(),
    )
    guardianship = forms.ChoiceField(
        label=gettext_lazy("监护类型"),
        choices=Placement.Guardianship.choices,
        required=False,
        initial=Placement.Guardianship.TEMPORARY,
        widget=_radios(),
        help_text=gettext_lazy("民政部门临时监护（第九十二条）或长期监护（第九十四条）。"),
    )
    started_on = _date(gettext_lazy("安置日期"))
    facility = forms.ChoiceField(
        label=gettext_lazy("安置场所"),
        required=False,
        help_text=gettext_lazy("家庭寄养或机构收留抚养时必选，括号内为现安置人数和床位。"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    carer_name = forms.CharField(
        label=gettext_lazy("照料人"),
        help_text=gettext_lazy("委托亲属抚养时必填：受委托亲属的姓名。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100"}),
    )
    carer_relation = forms.CharField(
        label=gettext_lazy("与儿童关系"),
        help_text=gettext_lazy("例如：外祖母、姨妈。"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "40"}),
    )
    over_capacity_reason = forms.CharField(
        label=gettext_lazy("超员安置的理由"),
        help_text=gettext_lazy("只在所选场所已满时填写，不少于 10 个字，会记入审计记录。"),
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2, "maxlength": "500"}),
    )

    def __init__(self, *args: Any, facilities: list[CareFacility], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", _("（不选：委托亲属抚养）"))]
        for f in facilities:
            occupied = getattr(f, "occupied", 0)
            full = _("，已满") if occupied >= f.capacity else ""
            choices.append(
                (
                    str(f.pk),
                    _("%(name)s · %(kind)s（%(occupied)d/%(capacity)d%(full)s）")
                    % {
                        "name": f.name,
                        "kind": f.get_kind_display(),
                        "occupied": occupied,
                        "capacity": f.capacity,
                        "full": full,
                    },
                )
            )
        self.fields["facility"].choices = choices  # type: ignore[attr-defined]

    def placement_input(self) -> PlacementInput:
        data = self.cleaned_data
        facility = str(data.get("facility") or "")
        return PlacementInput(
            kind=data.get("kind") or "",
            guardianship=data.get("guardianship") or "",
            started_on=data.get("started_on"),
            facility_id=int(facility) if facility.isdigit() else None,
            carer_name=data.get("carer_name") or "",
            carer_relation=data.get("carer_relation") or "",
            over_capacity_reason=data.get("over_capacity_reason") or "",
        )


class RemovalForm(PlacementFields):
    marked_required = frozenset(
        {"removed_at", "removed_by_body", "removed_by_name", "ground", "circumstances"}
    )

    removed_at = forms.DateTimeField(
        label=gettext_lazy("带离时间"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
        ),
        error_messages={"invalid": gettext_lazy("请按 年-月-日 时:分 填写带离时间。")},
    )
    removed_by_body = forms.ChoiceField(
        label=gettext_lazy("带离单位"),
        choices=RemovingBody.choices,
        required=False,
        widget=_radios(),
    )
    removed_by_name = forms.CharField(
        label=gettext_lazy("带离人员"),
        help_text=gettext_lazy("姓名和职务，例如：李明（派出所民警）。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100"}),
    )
    ground = forms.ChoiceField(
        label=gettext_lazy("临时监护的情形（未成年人保护法第九十二条）"),
        choices=Ground.choices,
        required=False,
        widget=_radios(),
    )
    circumstances = forms.CharField(
        label=gettext_lazy("情况说明"),
        help_text=gettext_lazy("带离的经过和儿童的状况（不超过 5000 字）。只有保护人员能看到。"),
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 4, "maxlength": "5000"}),
    )
    report = forms.CharField(
        label=gettext_lazy("强制报告编号（可选）"),
        help_text=gettext_lazy("由强制报告引起的，填写报告编号，例如 P000123。"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "12"}),
    )
    place_now = forms.BooleanField(
        label=gettext_lazy("同时登记安置"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, may_place: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.may_place = may_place
        if not may_place:
            for name in (*PlacementFields.base_fields, "place_now"):
                del self.fields[name]

    def report_id(self) -> int | None:
        text = (self.cleaned_data.get("report") or "").strip().upper().removeprefix("P")
        if not text:
            return None
        return int(text) if text.isdigit() else 0  # 0: no such report (the service says so)


class AssessmentForm(RefusalForm):
    marked_required = frozenset({"assessed_on", "guardian_can_care", "findings"})

    assessed_on = _date(gettext_lazy("评估日期"))
    guardian_can_care = forms.ChoiceField(
        label=gettext_lazy("评估结论"),
        choices=[
            ("yes", gettext_lazy("监护人能够重新履行监护职责")),
            ("no", gettext_lazy("监护人尚不能重新履行监护职责")),
        ],
        required=False,
        widget=_radios(),
    )
    findings = forms.CharField(
        label=gettext_lazy("评估意见"),
        help_text=gettext_lazy("监护人的状况、家庭环境、儿童本人的意愿（不超过 5000 字）。"),
        required=False,
        widget=forms.Textarea(attrs={**TEXT, "rows": 5, "maxlength": "5000"}),
    )


class EndForm(RefusalForm):
    marked_required = frozenset({"ended_on", "end_reason"})

    ended_on = _date(gettext_lazy("结束日期"))
    end_reason = forms.ChoiceField(
        label=gettext_lazy("结束原因"),
        choices=Placement.EndReason.choices,
        required=False,
        widget=_radios(),
    )
    living_arrangement = forms.ChoiceField(
        label=gettext_lazy("儿童现在的居住情况"),
        help_text=gettext_lazy("返还监护人时必填。"),
        choices=[("", "—"), *LivingArrangement.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    guardian_relation = forms.ChoiceField(
        label=gettext_lazy("监护人与儿童的关系"),
        help_text=gettext_lazy("返还监护人时必填。"),
        choices=[("", "—"), *GuardianRelation.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    guardian_name = forms.CharField(
        label=gettext_lazy("监护人姓名"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class FacilityForm(RefusalForm):
    marked_required = frozenset({"name", "kind", "capacity"})

    name = forms.CharField(
        label=gettext_lazy("名称"),
        help_text=gettext_lazy("寄养家庭写户主姓名，例如：王建国家庭。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**TEXT, "maxlength": "100"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=CareFacility.Kind.choices,
        required=False,
        widget=_radios(),
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("床位（可安置人数）"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={**TEXT, "inputmode": "numeric", "min": "1"}),
        error_messages={"invalid": gettext_lazy("床位数请填写整数。")},
    )
    region_code = forms.CharField(
        label=gettext_lazy("所在县（区）区划代码"),
        help_text=gettext_lazy("6 位县级代码，例如 511502。"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric", "maxlength": "12"}),
    )
    active = forms.BooleanField(
        label=gettext_lazy("在用（停用后不能再安置儿童）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "capacity" in self.errors:
            del self.errors["capacity"]
            cleaned["capacity"] = None
        return cleaned
