"""The forms of the compulsory report pages (DOMAIN.md §8): the report form with its
region picker (county, then village or community), and the forms of one report's page
(feedback, finding, the registered child, the reason to see who reported).

The pages' shape only: the services decide what is required and allowed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hehu.core.errors import ApplicationError, ValidationFailed
from hehu.protection.models import Report, ReporterKind, Situation
from hehu.protection.services.reports import ReportData
from hehu.regions.models import Region
from hehu.regions.selectors import region_labels
from hehu.registry.selectors import children_visible_to

CHILD_OPTIONS_MAX = 300
VILLAGE_OPTIONS_MAX = 2000

SEX_CHOICES = [
    ("female", gettext_lazy("女")),
    ("male", gettext_lazy("男")),
    ("", gettext_lazy("不清楚")),
]


# -- the report form -------------------------------------------------------------------------
class SituationsWidget(forms.CheckboxSelectMultiple):
    # Rendered by the page itself (report_situations.html): one line per situation.
    use_fieldset = True


class ReportForm(forms.Form):
    """The page's shape only: the service decides what is required (the web and the API
    refuse the same things with the same words)."""

    marked_required = frozenset({"reporter_kind", "region_code", "observed_on", "situations"})
    field_order = [
        "reporter_kind",
        "anonymous",
        "reporter_name",
        "reporter_unit",
        "reporter_phone",
        "child_id",
        "child_description",
        "child_sex",
        "child_age",
        "county",
        "region_code",
        "place",
        "observed_on",
        "situations",
        "school_matter",
        "immediate_danger",
        "account",
    ]

    reporter_kind = forms.ChoiceField(
        label=gettext_lazy("您是"),
        choices=[("", gettext_lazy("请选择")), *ReporterKind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=gettext_lazy(
            "学校、医院、旅店、村（居）委会等单位及其工作人员发现以下情形，应当立即报告。"
        ),
    )
    anonymous = forms.BooleanField(
        label=gettext_lazy("匿名报告（仅限“其他单位或个人”）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    reporter_name = forms.CharField(
        label=gettext_lazy("报告人姓名"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "name"}),
    )
    reporter_unit = forms.CharField(
        label=gettext_lazy("单位名称"),
        help_text=gettext_lazy("例如：翠屏区第一小学。个人报告可不填。"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "organization"}),
    )
    reporter_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        help_text=gettext_lazy(
            "报告人身份严格保密（《未成年人保护法》《关于建立侵害未成年人案件强制报告制度的"
            "意见》），只有处理报告的公安机关和民政部门因工作需要才能查看，每次查看都有记录。"
        ),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"class": "form-control", "inputmode": "tel", "autocomplete": "tel"}
        ),
    )
    child_id = forms.TypedChoiceField(
        label=gettext_lazy("已登记的儿童（可不选）"),
        help_text=gettext_lazy("儿童在您负责的名册中时可直接选择；否则请在下面描述儿童。"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    child_description = forms.CharField(
        label=gettext_lazy("儿童是谁"),
        help_text=gettext_lazy("姓名或称呼，或者怎样认出他/她：外貌、衣着、就读学校和班级等。"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2, "maxlength": "500"}),
    )
    child_sex = forms.ChoiceField(
        label=gettext_lazy("性别"),
        choices=SEX_CHOICES,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    child_age = forms.IntegerField(
        label=gettext_lazy("大约几岁"),
        required=False,
        widget=forms.NumberInput(
            attrs={"class": "form-control", "inputmode": "numeric", "min": "0", "max": "17"}
        ),
        error_messages={"invalid": gettext_lazy("年龄请填写整数（岁），例如 9")},
    )
    county = forms.CharField(
        label=gettext_lazy("县（市、区）"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    region_code = forms.CharField(
        label=gettext_lazy("村（社区）"),
        help_text=gettext_lazy("发现儿童的地方所在的村或社区。"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    place = forms.CharField(
        label=gettext_lazy("具体地点"),
        help_text=gettext_lazy("例如：学校医务室、某小区某栋、某宾馆。"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    observed_on = forms.DateField(
        label=gettext_lazy("发现日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请按 年-月-日 填写发现日期，例如 2026-03-05。")},
    )
    situations = forms.MultipleChoiceField(
        label=gettext_lazy("发现的情形（可多选）"),
        choices=Situation.choices,
        required=False,
        widget=SituationsWidget(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": gettext_lazy("情形不正确：%(value)s")},
    )
    school_matter = forms.BooleanField(
        label=gettext_lazy("事情与学校、幼儿园或托育、培训机构有关"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    immediate_danger = forms.BooleanField(
        label=gettext_lazy("儿童现在正面临危险"),
        help_text=gettext_lazy("情况紧急请立即拨打 110"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    account = forms.CharField(
        label=gettext_lazy("看到或听到了什么"),
        help_text=gettext_lazy(
            "什么时候、在哪里、看到了什么伤情或情况、儿童说了什么（不超过 4000 字）。"
        ),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 5, "maxlength": "4000"}),
    )
    client_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        today = timezone.localdate().isoformat()
        self.fields["observed_on"].widget.attrs["max"] = today
        self._children(user)
        self._regions()

    def _children(self, user: Any) -> None:
        """A signed-in reporter may name a child of their register; the others describe."""
        if user is None:
            del self.fields["child_id"]
            return
        visible = children_visible_to(user=user)
        rows = list(visible.order_by("name", "pk").values_list("pk", "name")[:CHILD_OPTIONS_MAX])
        wanted = self.data.get("child_id") if self.is_bound else self.initial.get("child_id")
        if wanted and str(wanted).isdigit() and all(str(pk) != str(wanted) for pk, _n in rows):
            rows += list(visible.filter(pk=int(wanted)).values_list("pk", "name"))
        choices: list[tuple[Any, Any]] = [("", _("未登记或不清楚（在下面描述）"))]
        choices += [(pk, name) for pk, name in rows]
        field: Any = self.fields["child_id"]
        field.choices = choices

    def _regions(self) -> None:
        counties = counties_with_villages()
        county = self._value("county") or self._value("region_code")[:6]
        if not county and len(counties) == 1:
            county = counties[0][0]
        county = county[:6]
        self.county_chosen = county
        self.fields["county"].widget.choices = [("", _("请选择县（市、区）")), *counties]
        self.fields["county"].initial = county
        villages = villages_of_county(county) if county else []
        self.fields["region_code"].widget.choices = [
            ("", _("请选择村（社区）") if county else _("请先选择县（市、区）")),
            *villages,
        ]

    def _value(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(name) or "").strip()
        return str(self.initial.get(name) or "").strip()

    def add_refusal(self, exc: ApplicationError) -> None:
        problems = exc.errors if isinstance(exc, ValidationFailed) else {exc.field: [exc.message]}
        self.add_problems(problems)

    def add_problems(self, problems: dict[Any, list[Any]]) -> None:
        for name, messages_ in problems.items():
            shown = name in self.fields and name != "client_token"
            if shown and name in self.errors:
                continue  # the form already said what is wrong with this field
            for problem in messages_:
                self.add_error(name if shown else None, str(problem))

    def error_summary(self) -> list[dict[str, str]]:
        """Each error with the id of its field (the summary at the top links to them)."""
        summary: list[dict[str, str]] = []
        order = [NON_FIELD_ERRORS, *self.fields]
        for name, problems in sorted(self.errors.items(), key=lambda e: order.index(e[0])):
            if name == NON_FIELD_ERRORS:
                anchor = "hh-report-form"
            elif isinstance(self.fields[name].widget, forms.RadioSelect | SituationsWidget):
                anchor = f"id_{name}_0"
            else:
                anchor = f"id_{name}"
            summary.extend({"anchor": anchor, "message": str(p)} for p in problems)
        return summary

    def report_data(self) -> ReportData:
        """What the form says, as the service reads it (unparsed values left empty)."""
        data = getattr(self, "cleaned_data", {})

        def text(name: str) -> str:
            return str(data.get(name) or "")

        return ReportData(
            reporter_kind=text("reporter_kind"),
            region_code=text("region_code"),
            situations=list(data.get("situations") or []),
            observed_on=data.get("observed_on"),
            account=text("account"),
            anonymous=bool(data.get("anonymous")),
            reporter_name=text("reporter_name"),
            reporter_unit=text("reporter_unit"),
            reporter_phone=text("reporter_phone"),
            child_id=data.get("child_id"),
            child_description=text("child_description"),
            child_sex=text("child_sex"),
            child_age=data.get("child_age"),
            place=text("place"),
            school_matter=bool(data.get("school_matter")),
            immediate_danger=bool(data.get("immediate_danger")),
        )


def counties_with_villages() -> list[tuple[str, str]]:
    """(6-digit prefix, full name) of the counties whose villages are loaded."""
    prefixes = sorted(
        set(
            Region.objects.filter(level=Region.Level.VILLAGE, active=True)
            .annotate(county=Substr("code", 1, 6))
            .values_list("county", flat=True)
            .distinct()
        )
    )
    labels = region_labels([p.ljust(12, "0") for p in prefixes])
    return [(p, labels.get(p.ljust(12, "0"), p)) for p in prefixes]


def villages_of_county(county: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The county's villages and communities grouped by township (a select's optgroups)."""
    if len(county) != 6 or not county.isdigit():
        return []
    rows = list(
        Region.objects.filter(
            code__startswith=county, level=Region.Level.VILLAGE, active=True
        ).values_list("code", "name")[:VILLAGE_OPTIONS_MAX]
    )
    townships = dict(
        Region.objects.filter(code__in={code[:9].ljust(12, "0") for code, _n in rows}).values_list(
            "code", "name"
        )
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name in rows:
        township = townships.get(code[:9].ljust(12, "0"), code[:9])
        groups.setdefault(township, []).append((code, name))
    return list(groups.items())


# -- the forms of one report's page ----------------------------------------------------------
class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=gettext_lazy("向报告单位反馈的处理情况"),
        help_text=gettext_lazy("例如：已立案侦查，儿童已由亲属临时照料。不要写报告人身份。"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3, "maxlength": "2000"}),
    )


class FindingForm(forms.Form):
    finding = forms.ChoiceField(
        label=gettext_lazy("核查结论"),
        choices=[
            (Report.Finding.SUBSTANTIATED, gettext_lazy("情况属实")),
            (Report.Finding.NOT_SUBSTANTIATED, gettext_lazy("未发现侵害")),
        ],
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class LinkChildForm(forms.Form):
    child_id = forms.IntegerField(
        label=gettext_lazy("儿童档案编号"),
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
        error_messages={"invalid": gettext_lazy("档案编号应为数字")},
    )


class ReporterRevealForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("查看理由"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("例如：向报告单位反馈处理情况。理由会记入审计记录。"),
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
