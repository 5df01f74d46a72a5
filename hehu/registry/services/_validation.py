"""Every domain rule on a child's file, checked at once so the user sees all errors together.

`validate_child` returns the cleaned input (regions resolved, ID number parsed, name keys
computed) or raises ValidationFailed({field_path: [messages]}); paths follow the input
shape, e.g. "parents[1].conditions[0].until", so forms and the API can point at the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.core.errors import ApplicationError, ValidationFailed
from hehu.regions.models import Region
from hehu.regions.selectors import region_get_or_error
from hehu.registry.data import (
    ChildData,
    ConcernData,
    ConditionData,
    HouseholdData,
    ParentData,
    ReceivingData,
)
from hehu.registry.idnumber import IdNumber, InvalidIdNumber, parse_id_number
from hehu.registry.models import (
    Child,
    DisabilityCategory,
    Education,
    GuardianRelation,
    GuardianshipGrade,
    Household,
    HouseholdMember,
    HukouType,
    LivingArrangement,
    NoIdReason,
    Parent,
    ParentCondition,
    ProtectionConcern,
    Receiving,
    Sex,
)
from hehu.registry.names import name_key, name_pinyin

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
# Files without an external id export as "hehu-<pk>" (facts.export.facts_id); an external id
# of that form would make two files answer to one facts document id.
RESERVED_EXTERNAL_ID_RE = re.compile(r"^hehu-\d+$")
# Benefit programme codes, as the facts schema writes them.
PROGRAMME_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
# The date each kind of condition is counted from (DOMAIN.md §4, §11). The facts schema
# requires it, so a file saved without it would export an invalid facts document.
CONDITION_START: dict[str, str] = {
    ParentCondition.Type.IMPRISONED: "since",
    ParentCondition.Type.COMPULSORY_REHAB: "since",
    ParentCondition.Type.OTHER_RESTRICTION: "since",
    ParentCondition.Type.LOST_CONTACT: "police_accepted_on",
    ParentCondition.Type.GUARDIANSHIP_REVOKED: "on",
    ParentCondition.Type.DEPORTED: "on",
}
MAX_TERM_MONTHS = 1200  # the facts schema's bound: a hundred years


@dataclass
class CleanChild:
    """Validated input: the data with strings trimmed, plus what was resolved from it."""

    data: ChildData
    region: Region
    hukou_region: Region
    id_number: IdNumber | None  # a new number typed in; None when absent or kept
    keep_id_number: bool  # keep the number already stored on the file
    name_key: str
    name_pinyin: str


class _Texts(TypedDict):
    disability_certificate: str
    serious_illness_name: str
    guardian_name: str
    guardian_phone: str
    external_id: str


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[Any]] = {}

    def add(self, path: str, message: Any) -> None:
        self.errors.setdefault(path, []).append(message)


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(name)
    return field


def _label(model: type[models.Model], field: str) -> str:
    return str(_field(model, field).verbose_name)


def _max_length(model: type[models.Model], field: str) -> int:
    return int(_field(model, field).max_length or 0)


def _text(
    errors: _Errors,
    path: str,
    value: Any,
    model: type[models.Model],
    field: str,
    *,
    required: bool = False,
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(path, _("%(label)s应为文字") % {"label": _label(model, field)})
        return ""
    value = value.strip()
    if required and not value:
        errors.add(path, _("请填写%(label)s") % {"label": _label(model, field)})
    limit = _max_length(model, field)
    if len(value) > limit:
        errors.add(
            path,
            _("%(label)s不能超过%(limit)d个字") % {"label": _label(model, field), "limit": limit},
        )
    return value


def _choice(
    errors: _Errors,
    path: str,
    value: Any,
    choices: type[models.TextChoices],
    label: str,
    *,
    required: bool,
) -> str:
    if value in (None, ""):
        if required:
            errors.add(path, _("请选择%(label)s") % {"label": label})
        return ""
    if value not in choices.values:
        errors.add(path, _("%(label)s的取值“%(value)s”无效") % {"label": label, "value": value})
    return str(value)


def _past_date(
    errors: _Errors, path: str, value: Any, label: str, today: dt.date, *, required: bool = False
) -> None:
    if value is None:
        if required:
            errors.add(path, _("请填写%(label)s") % {"label": label})
        return
    if not isinstance(value, dt.date):
        errors.add(path, _("%(label)s不是有效日期") % {"label": label})
    elif value > today:
        errors.add(path, _("%(label)s不能晚于今天") % {"label": label})


def _grade(errors: _Errors, path: str, value: Any) -> None:
    if value is not None and (isinstance(value, bool) or value not in (1, 2, 3, 4)):
        errors.add(path, _("残疾等级应为1至4级"))


def _money(errors: _Errors, path: str, value: Any, label: str, *, required: bool) -> None:
    if value is None:
        if required:
            errors.add(path, _("请填写%(label)s") % {"label": label})
        return
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors.add(path, _("%(label)s应为金额") % {"label": label})
        return
    if not amount.is_finite() or amount < 0:
        errors.add(path, _("%(label)s不能为负数") % {"label": label})
    elif amount.as_tuple().exponent < -2 or amount >= Decimal("1e8"):  # type: ignore[operator]
        errors.add(path, _("%(label)s最多保留两位小数，且小于一亿元") % {"label": label})


def _region(errors: _Errors, path: str, code: Any, *, current: str | None) -> Region | None:
    """Resolve a region code; an abolished region is accepted only where the file already
    has it, so a re-organised region never blocks editing an old file."""
    value = code if isinstance(code, str) else ""
    try:
        return region_get_or_error(value, field=path, include_inactive=value == current)
    except ApplicationError as exc:
        errors.add(path, exc.message)
        return None


def validate_child(
    data: ChildData, *, existing: Child | None = None, today: dt.date | None = None
) -> CleanChild:
    """Check a registration or an update; raise ValidationFailed with every field error."""
    today = today or timezone.localdate()
    errors = _Errors()
    name = _text(errors, "name", data.name, Child, "name", required=True)
    sex = _choice(errors, "sex", data.sex, Sex, _label(Child, "sex"), required=True)
    _birth_date(errors, data.birth_date, today)
    id_number, keep = _identity(errors, data, existing, today)
    if id_number is not None and isinstance(data.birth_date, dt.date):
        _agrees_with_id(errors, id_number, data.birth_date, sex)
    region = _region(
        errors, "region_code", data.region_code, current=existing.region_id if existing else None
    )
    hukou_region = _region(
        errors,
        "hukou_region_code",
        data.hukou_region_code,
        current=existing.hukou_region_id if existing else None,
    )
    _child_choices(errors, data)
    texts = _child_texts(errors, data)
    _disability(errors, "", data.disability_category, data.disability_grade)
    if data.household is not None:
        _household(errors, data.household, today)
    _parents(errors, data.parents, today)
    _concerns(errors, data.concerns, today, data.birth_date)
    _receiving(errors, data.receiving)
    if errors.errors or region is None or hukou_region is None:
        raise ValidationFailed(errors.errors)
    clean = dataclasses.replace(
        data,
        **texts,
        name=name,
        id_number=id_number.number if id_number else None,
        no_id_reason="" if (id_number or keep) else data.no_id_reason,
    )
    return CleanChild(
        data=clean,
        region=region,
        hukou_region=hukou_region,
        id_number=id_number,
        keep_id_number=keep,
        name_key=name_key(name),
        name_pinyin=name_pinyin(name),
    )


def _birth_date(errors: _Errors, value: Any, today: dt.date) -> None:
    if not isinstance(value, dt.date):
        errors.add("birth_date", _("请填写有效的出生日期"))
    elif value > today:
        errors.add("birth_date", _("出生日期不能晚于今天"))
    elif value < EARLIEST_BIRTH_DATE:
        errors.add("birth_date", _("出生日期不能早于1900年1月1日"))


def _identity(
    errors: _Errors, data: ChildData, existing: Child | None, today: dt.date
) -> tuple[IdNumber | None, bool]:
    """The ID number typed in (parsed), or whether the stored one is kept."""
    typed = (data.id_number or "").strip()
    if typed:
        try:
            return parse_id_number(typed, today=today), False
        except InvalidIdNumber as exc:
            errors.add("id_number", exc.message)
            return None, False
    keep = bool(data.keep_id_number and existing is not None and existing.id_number_index)
    if not keep:
        label = _label(Child, "no_id_reason")
        if data.no_id_reason in (None, ""):
            errors.add("no_id_reason", _("没有身份证号码时，请选择无身份证号原因"))
        else:
            _choice(errors, "no_id_reason", data.no_id_reason, NoIdReason, label, required=True)
    return None, keep


def _agrees_with_id(errors: _Errors, id_number: IdNumber, birth_date: dt.date, sex: str) -> None:
    if id_number.birth_date != birth_date:
        errors.add(
            "birth_date",
            _("出生日期与身份证号码不一致（身份证号码中为%(date)s），请核对")
            % {"date": id_number.birth_date.isoformat()},
        )
    if sex and sex != id_number.sex:
        errors.add(
            "sex",
            _("性别与身份证号码不一致（身份证号码第17位表示%(sex)s），请核对")
            % {"sex": Sex(id_number.sex).label},
        )


def _child_choices(errors: _Errors, data: ChildData) -> None:
    for field, choices, required in (
        ("hukou_type", HukouType, True),
        ("living_arrangement", LivingArrangement, True),
        ("education", Education, True),
        ("guardian_relation", GuardianRelation, False),
        ("guardianship_grade", GuardianshipGrade, False),
    ):
        value = getattr(data, field)
        _choice(errors, field, value, choices, _label(Child, field), required=required)


def _child_texts(errors: _Errors, data: ChildData) -> _Texts:
    """The child's free-text fields, trimmed."""

    def text(field: str) -> str:
        return _text(errors, field, getattr(data, field), Child, field)

    texts = _Texts(
        disability_certificate=text("disability_certificate"),
        serious_illness_name=text("serious_illness_name"),
        guardian_name=text("guardian_name"),
        guardian_phone=text("guardian_phone"),
        external_id=text("external_id"),
    )
    _external_id(errors, texts["external_id"])
    return texts


def _external_id(errors: _Errors, value: str) -> None:
    """The external id becomes the facts document's id, a string without whitespace."""
    if RESERVED_EXTERNAL_ID_RE.match(value):
        errors.add("external_id", _("外部编号不能使用本系统档案编号的格式 hehu-<数字>"))
    elif any(char.isspace() for char in value):
        label = _label(Child, "external_id")
        errors.add("external_id", _("%(label)s不能包含空格") % {"label": label})


def _disability(errors: _Errors, prefix: str, category: Any, grade: Any) -> None:
    label = _label(Child, "disability_category")
    _choice(
        errors, f"{prefix}disability_category", category, DisabilityCategory, label, required=False
    )
    _grade(errors, f"{prefix}disability_grade", grade)
    if category and grade is None:
        errors.add(f"{prefix}disability_grade", _("填写了残疾类别时，请同时填写残疾等级"))
    if grade is not None and not category:
        errors.add(f"{prefix}disability_category", _("填写了残疾等级时，请同时选择残疾类别"))


def _household(errors: _Errors, household: HouseholdData, today: dt.date) -> None:
    _text(errors, "household.address", household.address, Household, "address")
    for field in ("dibao_child_amount", "income_per_capita"):
        value = getattr(household, field)
        _money(errors, f"household.{field}", value, _label(Household, field), required=False)
    for i, member in enumerate(household.members):
        path = f"household.members[{i}]"
        _text(errors, f"{path}.name", member.name, HouseholdMember, "name", required=True)
        _text(
            errors, f"{path}.relation", member.relation, HouseholdMember, "relation", required=True
        )
        _text(errors, f"{path}.notes", member.notes, HouseholdMember, "notes")
        _past_date(
            errors,
            f"{path}.birth_date",
            member.birth_date,
            _label(HouseholdMember, "birth_date"),
            today,
        )


def _parents(errors: _Errors, parents: list[ParentData], today: dt.date) -> None:
    seen: set[str] = set()
    for i, parent in enumerate(parents):
        path = f"parents[{i}]"
        role = _choice(
            errors, f"{path}.role", parent.role, Parent.Role, _label(Parent, "role"), required=True
        )
        if role in seen:
            errors.add(
                f"{path}.role",
                _("%(role)s只能登记一次") % {"role": Parent.Role(role).label},
            )
        seen.add(role)
        _choice(
            errors,
            f"{path}.vital_status",
            parent.vital_status,
            Parent.VitalStatus,
            _label(Parent, "vital_status"),
            required=True,
        )
        _text(errors, f"{path}.name", parent.name, Parent, "name")
        _text(errors, f"{path}.phone", parent.phone, Parent, "phone")
        for j, condition in enumerate(parent.conditions):
            _condition(errors, f"{path}.conditions[{j}]", condition, today)


def _condition(errors: _Errors, path: str, c: ConditionData, today: dt.date) -> None:
    model = ParentCondition
    kind = _choice(errors, f"{path}.type", c.type, model.Type, _label(model, "type"), required=True)
    for field in ("since", "police_accepted_on", "on"):
        _past_date(errors, f"{path}.{field}", getattr(c, field), _label(model, field), today)
    _condition_start(errors, path, c, kind)
    _condition_until(errors, path, c, kind)
    if c.term_months is not None and (
        isinstance(c.term_months, bool) or not isinstance(c.term_months, int) or c.term_months < 1
    ):
        errors.add(f"{path}.term_months", _("期限（月）应为正整数"))
    elif c.term_months is not None and c.term_months > MAX_TERM_MONTHS:
        errors.add(
            f"{path}.term_months",
            _("%(label)s不能超过%(limit)d个月")
            % {"label": _label(model, "term_months"), "limit": MAX_TERM_MONTHS},
        )
    if kind == model.Type.SEVERE_DISABILITY:
        if not c.disability_category:
            errors.add(f"{path}.disability_category", _("重残情形须选择残疾类别"))
        if c.disability_grade is None:
            errors.add(f"{path}.disability_grade", _("重残情形须填写残疾等级"))
    _choice(
        errors,
        f"{path}.disability_category",
        c.disability_category,
        DisabilityCategory,
        _label(model, "disability_category"),
        required=False,
    )
    _grade(errors, f"{path}.disability_grade", c.disability_grade)
    _choice(
        errors,
        f"{path}.evidence_kind",
        c.evidence_kind,
        model.Evidence,
        _label(model, "evidence_kind"),
        required=False,
    )
    _text(errors, f"{path}.evidence_reference", c.evidence_reference, model, "evidence_reference")
    _text(errors, f"{path}.illness_name", c.illness_name, model, "illness_name")


def _condition_start(errors: _Errors, path: str, c: ConditionData, kind: str) -> None:
    """The date the condition is counted from must be given (DOMAIN.md §11)."""
    field = CONDITION_START.get(kind)
    if field is None or getattr(c, field) is not None:
        return
    if kind == ParentCondition.Type.LOST_CONTACT:
        message = _("失联情形须填写公安机关受理报案的日期")
    else:
        message = _("%(type)s情形须填写%(label)s") % {
            "type": ParentCondition.Type(kind).label,
            "label": _label(ParentCondition, field),
        }
    errors.add(f"{path}.{field}", message)


def _condition_until(errors: _Errors, path: str, c: ConditionData, kind: str) -> None:
    """A condition ends no earlier than it starts: than `since` (a database constraint) and
    than the date its kind is counted from (a check of the facts document)."""
    if c.until is None:
        return
    if not isinstance(c.until, dt.date):
        errors.add(f"{path}.until", _("结束日期不是有效日期"))
        return
    if isinstance(c.since, dt.date) and c.until < c.since:
        errors.add(f"{path}.until", _("结束日期不能早于开始日期"))
        return
    field = CONDITION_START.get(kind, "since")
    start = getattr(c, field)
    if field != "since" and isinstance(start, dt.date) and c.until < start:
        errors.add(
            f"{path}.until",
            _("结束日期不能早于%(label)s") % {"label": _label(ParentCondition, field)},
        )


def _concerns(
    errors: _Errors, concerns: list[ConcernData], today: dt.date, birth_date: Any
) -> None:
    for i, concern in enumerate(concerns):
        path = f"concerns[{i}]"
        _choice(
            errors,
            f"{path}.type",
            concern.type,
            ProtectionConcern.Type,
            _label(ProtectionConcern, "type"),
            required=True,
        )
        _past_date(
            errors, f"{path}.since", concern.since, _label(ProtectionConcern, "since"), today
        )
        since = concern.since
        if isinstance(since, dt.date) and isinstance(birth_date, dt.date) and since < birth_date:
            errors.add(f"{path}.since", _("发生日期不能早于儿童的出生日期"))


def _receiving(errors: _Errors, receiving: list[ReceivingData]) -> None:
    for i, item in enumerate(receiving):
        path = f"receiving[{i}]"
        programme = _text(
            errors, f"{path}.programme", item.programme, Receiving, "programme", required=True
        )
        if programme and not PROGRAMME_CODE_RE.match(programme):
            errors.add(
                f"{path}.programme",
                _("%(label)s应为项目代码：以小写字母开头，只用小写字母、数字和下划线")
                % {"label": _label(Receiving, "programme")},
            )
        _money(
            errors,
            f"{path}.monthly_amount",
            item.monthly_amount,
            _label(Receiving, "monthly_amount"),
            required=True,
        )
