"""The parts of a child's file as web forms: the child, the household and its members,
each parent with dated conditions, protection concerns and benefits received.

The forms only parse what was typed (dates, numbers, choices). Every domain rule — the ID
number, regions, dates in order, what each condition needs — is checked by the registry
services, which answer with field paths that `hehu.web.forms.childfile` maps back here.
Fields are therefore optional at this level, so all errors can be shown at once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hehu.registry.models import (
    DisabilityCategory,
    Education,
    GuardianRelation,
    GuardianshipGrade,
    HukouType,
    LivingArrangement,
    NoIdReason,
    Parent,
    ParentCondition,
    ProtectionConcern,
    Sex,
)
from hehu.web.forms import widgets as w

GRADES = [("1", _("一级")), ("2", _("二级")), ("3", _("三级")), ("4", _("四级"))]
YES_NO_UNKNOWN = [("", _("不清楚")), ("yes", _("是")), ("no", _("否"))]

# Benefit programmes a child may already receive (codes of the facts document).
PROGRAMMES = [
    ("dibao_child", _("低保（儿童）")),
    ("tekun", _("特困人员救助供养")),
    ("orphan_allowance", _("孤儿基本生活费")),
    ("de_facto_unattended_allowance", _("事实无人抚养儿童基本生活补贴")),
    ("disabled_living_allowance", _("困难残疾人生活补贴")),
    ("severe_disability_care_allowance", _("重度残疾人护理补贴")),
    ("other", _("其他")),
]

# Which fields of a condition matter for each type (DOMAIN.md §11); the page shows only
# those once a type is chosen (static/hehu/forms.js), and all of them without scripts.
RESTRICTION = ("imprisoned", "compulsory_rehab", "other_restriction")
CONDITION_FIELDS: dict[str, tuple[str, ...]] = {
    "disability_category": ("severe_disability",),
    "disability_grade": ("severe_disability",),
    "illness_name": ("serious_illness",),
    "since": ("severe_disability", "serious_illness", *RESTRICTION),
    "until": ("severe_disability", "serious_illness", *RESTRICTION),
    "term_months": RESTRICTION,
    "police_accepted_on": ("lost_contact",),
    "police_receipt": ("lost_contact",),
    "on": ("guardianship_revoked", "deported"),
    "supports_child": ("deported",),
}


def _to_bool(value: str) -> bool:
    return value == "yes"


def tri_state(value: bool | None) -> str:
    """A nullable boolean as the value of a yes/no/unknown select."""
    if value is None:
        return ""
    return "yes" if value else "no"


def _grade_field(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        required=False,
        choices=w.blank(_("请选择")) + GRADES,
        coerce=int,
        empty_value=None,
        widget=w.select(),
    )


def _yes_no_field(label: Any, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        required=False,
        choices=YES_NO_UNKNOWN,
        coerce=_to_bool,
        empty_value=None,
        help_text=help_text,
        widget=w.select(),
    )


def _choice_field(label: Any, choices: Any, empty: Any = None, **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=w.blank(empty or _("请选择")) + list(choices),
        widget=w.select(),
        **kwargs,
    )


def _text_field(label: Any, max_length: int, **kwargs: Any) -> forms.CharField:
    attrs = kwargs.pop("attrs", {})
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=w.text(**attrs), **kwargs
    )


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=w.date(), **kwargs)


def _money_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        widget=w.number(step="0.01", inputmode="decimal"),
    )


class ChildForm(forms.Form):
    """The child: identity, residence and household registration, schooling, health,
    guardian. `version` and `reason` are used when editing."""

    # Marked "必填" on the page; the registry services enforce them (and say so).
    marked_required = frozenset(
        {
            "name",
            "sex",
            "birth_date",
            "region_code",
            "hukou_region_code",
            "hukou_type",
            "living_arrangement",
            "education",
        }
    )

    # Identity
    name = _text_field(_("姓名"), 100, attrs={"autocomplete": "off"})
    sex = forms.ChoiceField(label=_("性别"), required=False, choices=Sex.choices, widget=w.radios())
    birth_date = _date_field(_("出生日期"))
    id_number = _text_field(
        _("身份证号码"),
        20,
        attrs={"autocomplete": "off", "spellcheck": "false", "class": "form-control hh-id"},
        help_text=_("18位居民身份证号码（户口簿上的号码）。没有号码的儿童请留空并选择原因"),
    )
    no_id_reason = _choice_field(_("无身份证号原因"), NoIdReason.choices)
    # Residence and household registration (户籍)
    region_code = _text_field(
        _("现居住地区划代码"),
        12,
        attrs={"inputmode": "numeric", "list": "hh-villages", "autocomplete": "off"},
        help_text=_("12位村（社区）代码"),
    )
    hukou_region_code = _text_field(
        _("户籍所在地区划代码"),
        12,
        attrs={"inputmode": "numeric", "list": "hh-villages", "autocomplete": "off"},
        help_text=_("12位村（社区）代码"),
    )
    hukou_type = forms.ChoiceField(
        label=_("户口性质"), required=False, choices=HukouType.choices, widget=w.radios()
    )
    living_arrangement = _choice_field(_("居住情况"), LivingArrangement.choices)
    education = _choice_field(_("就学情况"), Education.choices)
    # Disability and illness
    disability_category = _choice_field(_("残疾类别"), DisabilityCategory.choices, _("无残疾"))
    disability_grade = _grade_field(_("残疾等级"))
    disability_certificate = _text_field(_("残疾证号"), 40, attrs={"autocomplete": "off"})
    serious_illness = forms.BooleanField(
        label=_("患有重病（列入当地大病、地方病目录）"), required=False, widget=w.checkbox()
    )
    serious_illness_name = _text_field(_("重病名称"), 100)
    # Guardian
    guardian_name = _text_field(_("监护人姓名"), 100)
    guardian_relation = _choice_field(_("监护人与儿童关系"), GuardianRelation.choices)
    guardian_able_to_care = _yes_no_field(_("监护人有能力照料儿童"))
    guardian_phone = _text_field(
        _("监护人电话"), 20, attrs={"inputmode": "tel", "autocomplete": "off"}
    )
    guardianship_grade = _choice_field(_("监护评估等级"), GuardianshipGrade.choices, _("未评估"))
    external_id = _text_field(
        _("外部编号"), 64, help_text=_("其他系统中的编号，可不填"), attrs={"autocomplete": "off"}
    )
    # Editing only
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = _text_field(_("修改原因"), 500, help_text=_("例如：入户核实后更正；会记入修改记录"))


class HouseholdForm(forms.Form):
    address = _text_field(_("家庭住址"), 200)
    dibao = forms.BooleanField(label=_("低保家庭"), required=False, widget=w.checkbox())
    tekun = forms.BooleanField(label=_("特困供养"), required=False, widget=w.checkbox())
    low_income = forms.BooleanField(label=_("低收入家庭"), required=False, widget=w.checkbox())
    dibao_child_amount = _money_field(_("低保儿童月补助（元）"))
    income_per_capita = _money_field(_("家庭月人均收入（元）"))

    def has_content(self) -> bool:
        data = self.cleaned_data
        return any(data.get(f) not in (None, "", False) for f in self.fields)


class MemberForm(forms.Form):
    name = _text_field(_("姓名"), 100)
    relation = _text_field(
        _("与儿童关系"), 50, help_text=_("例如：祖母、哥哥"), attrs={"list": "hh-relations"}
    )
    birth_date = _date_field(_("出生日期"))
    notes = _text_field(_("备注"), 200)


class ParentForm(forms.Form):
    """One parent; the role (father or mother) is the form's prefix."""

    name = _text_field(_("姓名"), 100)
    vital_status = _choice_field(_("生存状态"), Parent.VitalStatus.choices, _("未填写"))
    migrant_worker = forms.BooleanField(label=_("外出务工"), required=False, widget=w.checkbox())
    phone = _text_field(_("电话"), 20, attrs={"inputmode": "tel", "autocomplete": "off"})

    def has_content(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("name") or data.get("vital_status") or data.get("phone")) or bool(
            data.get("migrant_worker")
        )


class ConditionForm(forms.Form):
    """A dated condition Q of a parent (DOMAIN.md §4) with its evidence."""

    type = _choice_field(
        _("情形"),
        ParentCondition.Type.choices,
        _("请选择情形"),
    )
    disability_category = _choice_field(_("残疾类别"), DisabilityCategory.choices)
    disability_grade = _grade_field(_("残疾等级"))
    illness_name = _text_field(_("疾病名称"), 100)
    since = _date_field(_("开始日期"))
    until = _date_field(_("结束日期"), help_text=_("尚未结束的请留空"))
    term_months = forms.IntegerField(
        label=_("判决或决定的期限（月）"),
        required=False,
        min_value=1,
        widget=w.number(inputmode="numeric"),
    )
    police_accepted_on = _date_field(_("公安机关受理报案日期"))
    police_receipt = forms.BooleanField(
        label=_("有公安机关报案回执"), required=False, widget=w.checkbox()
    )
    on = _date_field(_("发生日期"), help_text=_("判决或遣送的日期"))
    supports_child = _yes_no_field(_("是否仍抚养子女"))
    evidence_kind = _choice_field(_("证明材料"), ParentCondition.Evidence.choices)
    evidence_reference = _text_field(_("证明文号"), 100, help_text=_("例如判决书或回执编号"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].widget.attrs["data-hh-condition-type"] = ""
        for name, types in CONDITION_FIELDS.items():
            self.fields[name].widget.attrs["data-hh-types"] = " ".join(types)


class ConcernForm(forms.Form):
    type = _choice_field(_("类型"), ProtectionConcern.Type.choices)
    substantiated = forms.BooleanField(label=_("已核实"), required=False, widget=w.checkbox())
    since = _date_field(_("发生日期"))


class ReceivingForm(forms.Form):
    programme = _choice_field(pgettext_lazy("benefit", "项目"), PROGRAMMES)
    monthly_amount = _money_field(_("月金额（元）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Files imported from elsewhere may carry a programme code this list lacks: keep it.
        current = self.initial.get("programme") or (
            self.data.get(self.add_prefix("programme")) if self.is_bound else None
        )
        field = self.fields["programme"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        if current and current not in dict(PROGRAMMES):
            field.choices = [*w.blank(_("请选择")), *PROGRAMMES, (current, current)]
