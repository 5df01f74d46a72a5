"""The facts a policy trace read, as short phrases a village child director can read.

A trace records the facts it read by path (`mother.conditions[0].police_accepted_on`), the
helper results it computed (`months_elapsed(…, as_of)`) and the parameters it used
(`params.lost_contact_min_months`). Here each becomes a phrase in the active language —
母亲 · 第1项情形 · 公安受理日期：2025年9月27日 — with enum values as the registry's own choice
labels, dates in the local convention and booleans as 是/否. A path this module cannot read
is shown as it is, so nothing the engine records is ever hidden.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hehu.policy.engine.types import ROOT_STRUCT, STRUCTS, Type
from hehu.registry import models as registry

SEPARATOR = " · "

# The label of each field of the facts document, by struct and field name.
FIELD_LABELS: dict[tuple[str, str], Promise] = {
    ("Child", "id"): gettext_lazy("编号"),
    ("Child", "birth_date"): gettext_lazy("出生日期"),
    ("Child", "sex"): gettext_lazy("性别"),
    ("Child", "region_code"): gettext_lazy("居住地区划代码"),
    ("Child", "hukou_region_code"): gettext_lazy("户籍地区划代码"),
    ("Child", "hukou_type"): gettext_lazy("户口性质"),
    ("Child", "in_full_time_education"): gettext_lazy("在学情况"),
    ("Child", "living_arrangement"): gettext_lazy("居住情况"),
    ("Child", "disability"): gettext_lazy("残疾"),
    ("Child", "serious_illness"): gettext_lazy("患重病"),
    ("Child", "serious_illness_name"): gettext_lazy("所患疾病"),
    ("Child", "household"): gettext_lazy("家庭"),
    ("Child", "parents"): gettext_lazy("父母"),
    ("Child", "father"): gettext_lazy("父亲"),
    ("Child", "mother"): gettext_lazy("母亲"),
    ("Child", "guardian"): gettext_lazy("监护人"),
    ("Child", "guardianship_grade"): gettext_lazy("监护状况"),
    ("Child", "protection_concerns"): gettext_lazy("保护问题"),
    ("Child", "assessed_needs"): gettext_lazy("评估需求"),
    ("Child", "receiving"): gettext_lazy("正在享受的保障"),
    ("Disability", "category"): gettext_lazy("残疾类别"),
    ("Disability", "grade"): gettext_lazy("残疾等级"),
    ("Household", "dibao"): gettext_lazy("享受最低生活保障"),
    ("Household", "tekun"): gettext_lazy("享受特困人员救助供养"),
    ("Household", "low_income"): gettext_lazy("低收入家庭"),
    ("Household", "dibao_child_amount"): gettext_lazy("儿童低保金额"),
    ("Household", "income_per_capita"): gettext_lazy("家庭人均收入"),
    ("Parent", "recorded"): gettext_lazy("已登记"),
    ("Parent", "role"): gettext_lazy("身份"),
    ("Parent", "vital_status"): gettext_lazy("生存状态"),
    ("Parent", "migrant_worker"): gettext_lazy("外出务工"),
    ("Parent", "conditions"): gettext_lazy("情形"),
    ("Condition", "type"): gettext_lazy("情形类型"),
    ("Condition", "category"): gettext_lazy("残疾类别"),
    ("Condition", "grade"): gettext_lazy("残疾等级"),
    ("Condition", "illness"): gettext_lazy("所患疾病"),
    ("Condition", "since"): gettext_lazy("开始日期"),
    ("Condition", "until"): gettext_lazy("结束日期"),
    ("Condition", "term_months"): gettext_lazy("期限（月）"),
    ("Condition", "police_accepted_on"): gettext_lazy("公安受理日期"),
    ("Condition", "police_receipt"): gettext_lazy("有公安报案回执"),
    ("Condition", "on"): gettext_lazy("发生日期"),
    ("Condition", "supports_child"): gettext_lazy("仍在抚养儿童"),
    ("Condition", "evidence"): gettext_lazy("证明材料"),
    ("Evidence", "kind"): gettext_lazy("证明材料类型"),
    ("Evidence", "reference"): gettext_lazy("文书编号"),
    ("Guardian", "relation"): gettext_lazy("与儿童的关系"),
    ("Guardian", "able_to_care"): gettext_lazy("有监护能力"),
    ("Concern", "type"): gettext_lazy("问题类型"),
    ("Concern", "substantiated"): gettext_lazy("已核实"),
    ("Concern", "since"): gettext_lazy("发生日期"),
    ("Need", "domain"): gettext_lazy("需求领域"),
    ("Need", "level"): gettext_lazy("需求程度"),
    ("Need", "support"): gettext_lazy("支持方式"),
    ("Need", "assessed_on"): gettext_lazy("评估日期"),
    ("Receiving", "programme"): gettext_lazy("保障项目"),
    ("Receiving", "monthly_amount"): gettext_lazy("每月金额"),
}

# One element of a list field: `conditions[0]` is 第1项情形.
ITEM_LABELS: dict[tuple[str, str], Promise] = {
    ("Child", "parents"): gettext_lazy("父母中第%(n)d人"),
    ("Child", "protection_concerns"): gettext_lazy("第%(n)d项保护问题"),
    ("Child", "assessed_needs"): gettext_lazy("第%(n)d项评估需求"),
    ("Child", "receiving"): gettext_lazy("第%(n)d项保障"),
    ("Parent", "conditions"): gettext_lazy("第%(n)d项情形"),
}

# A date field as the event it dates, for "months elapsed since …".
EVENTS: dict[tuple[str, str], Promise] = {
    ("Child", "birth_date"): gettext_lazy("出生"),
    ("Condition", "since"): gettext_lazy("开始"),
    ("Condition", "until"): gettext_lazy("结束"),
    ("Condition", "police_accepted_on"): gettext_lazy("公安受理"),
    ("Condition", "on"): gettext_lazy("发生"),
    ("Concern", "since"): gettext_lazy("发生"),
    ("Need", "assessed_on"): gettext_lazy("需求评估"),
}

# Enum values as the registry shows them, by struct and field.
CHOICES: dict[tuple[str, str], type[TextChoices]] = {
    ("Child", "sex"): registry.Sex,
    ("Child", "hukou_type"): registry.HukouType,
    ("Child", "in_full_time_education"): registry.Education,
    ("Child", "living_arrangement"): registry.LivingArrangement,
    ("Child", "guardianship_grade"): registry.GuardianshipGrade,
    ("Disability", "category"): registry.DisabilityCategory,
    ("Parent", "role"): registry.Parent.Role,
    ("Parent", "vital_status"): registry.Parent.VitalStatus,
    ("Condition", "type"): registry.ParentCondition.Type,
    ("Condition", "category"): registry.DisabilityCategory,
    ("Evidence", "kind"): registry.ParentCondition.Evidence,
    ("Guardian", "relation"): registry.GuardianRelation,
    ("Concern", "type"): registry.ProtectionConcern.Type,
    ("Need", "domain"): registry.AssessedNeed.Domain,
    ("Need", "level"): registry.AssessedNeed.Level,
    ("Need", "support"): registry.AssessedNeed.Support,
}

_STEP = re.compile(r"^([a-z_][a-z0-9_]*)(?:\[(\d+)\])?$")
_CALL = re.compile(r"^([a-z_]+)\((.*)\)$")


@dataclass(frozen=True)
class _Field:
    """Where a path leads: the words for it, and the struct and field it ends on."""

    words: tuple[str, ...]
    struct: str
    name: str
    type: Type


def fact_phrase(path: str, value: Any, parameter_labels: Mapping[str, str] | None = None) -> str:
    """`path = value` as a phrase in the active language; the raw text when not understood."""
    label = fact_label(path, parameter_labels)
    if label is None:
        return f"{path} = {_plain(value)}"
    return _("%(label)s：%(value)s") % {"label": label, "value": fact_value(path, value)}


def fact_label(path: str, parameter_labels: Mapping[str, str] | None = None) -> str | None:
    """The words for a fact path, a helper call or a parameter; None when not understood."""
    if path.startswith("params."):
        name = path.removeprefix("params.")
        label = (parameter_labels or {}).get(name) or name
        return _("政策参数 %(label)s") % {"label": label}
    call = _CALL.match(path)
    if call is not None:
        return _helper_label(call.group(1), [a.strip() for a in call.group(2).split(",")])
    field = _field(path)
    if field is None:
        return None
    return SEPARATOR.join(field.words)


def fact_value(path: str, value: Any) -> str:
    """A fact's value as shown: choice labels, local dates, 是/否, 未记录 for null."""
    call = _CALL.match(path)
    if call is not None:
        return _value(value, None, is_date=call.group(1) == "add_months")
    field = None if path.startswith("params.") else _field(path)
    if field is None:
        return _value(value, None, is_date=False)
    choices = CHOICES.get((field.struct, field.name))
    elem = field.type.elem if field.type.kind == "list" else field.type
    return _value(value, choices, is_date=elem is not None and elem.kind == "date")


def _helper_label(function: str, args: list[str]) -> str | None:
    if len(args) != 2 or args[1] != "as_of":
        return None
    target = _field(args[0])
    if target is None:
        return None
    owner = SEPARATOR.join(target.words[:-1])
    key = (target.struct, target.name)
    if function == "in_force":
        return SEPARATOR.join((*target.words, _("认定日仍在持续")))
    event = str(EVENTS.get(key) or target.words[-1])
    if function == "months_elapsed":
        phrase = _("已满月数（自%(event)s）") % {"event": event}
    elif function == "age_on" and key == ("Child", "birth_date"):
        phrase = _("周岁年龄")
    elif function == "age_on":
        phrase = _("已满周岁（自%(event)s）") % {"event": event}
    else:
        return None
    return SEPARATOR.join((owner, phrase)) if owner else phrase


def _field(path: str) -> _Field | None:
    """Walk the facts types along a path, collecting the words for each step."""
    struct = ROOT_STRUCT
    words: list[str] = []
    steps = path.split(".")
    last: tuple[str, str, Type] | None = None
    for i, step in enumerate(steps):
        match = _STEP.match(step)
        if match is None or struct not in STRUCTS:
            return None
        name, index = match.group(1), match.group(2)
        kind = STRUCTS[struct].get(name)
        label = FIELD_LABELS.get((struct, name))
        if kind is None or label is None:
            return None
        if index is not None:
            item = ITEM_LABELS.get((struct, name))
            if kind.kind != "list" or kind.elem is None or item is None:
                return None
            words.append(str(item) % {"n": int(index) + 1})
            last, kind = (struct, name, kind.elem), kind.elem
        else:
            words.append(str(label))
            last = (struct, name, kind)
        if i < len(steps) - 1:
            if kind.kind != "struct" or kind.struct is None:
                return None
            struct = kind.struct
    if last is None:
        return None
    return _Field(tuple(words), last[0], last[1], last[2])


def _value(value: Any, choices: type[TextChoices] | None, *, is_date: bool) -> str:
    if value is None:
        return _("未记录")
    if value is True or value is False:
        return _("是") if value else _("否")
    if isinstance(value, list):
        if not value:
            return _("无")
        return _("、").join(_value(v, choices, is_date=is_date) for v in value)
    if is_date and isinstance(value, (str, dt.date)):
        return _date(value)
    if choices is not None and isinstance(value, str):
        try:
            return str(choices(value).label)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _date(value: str | dt.date) -> str:
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value
    if (translation.get_language() or "zh-hans").startswith("zh"):
        return formats.date_format(day, "Y年n月j日")
    return day.isoformat()


def _plain(value: Any) -> str:
    """The raw form of a value, as the engine records it (the support staff's view)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)
