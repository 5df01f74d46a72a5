"""Shapes of a child's file on the API: nested input parsed into `hehu.registry.data`, and
output of the file, its parts and the registry's refusals.

Input serializers check shape and types only; the registry services check the rules (ID
number, dates, regions, duplicates) and report them at the same paths.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from hehu.accounts.models import User
from hehu.core.errors import ValidationFailed
from hehu.registry.data import (
    ChildData,
    ConcernData,
    ConditionData,
    HouseholdData,
    MemberData,
    ParentData,
    ReceivingData,
)
from hehu.registry.facts.importer import INTERNAL_ID_RE
from hehu.registry.models import (
    Child,
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


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), **kwargs
    )


def _optional_date(**kwargs: Any) -> serializers.DateField:
    return serializers.DateField(required=False, allow_null=True, default=None, **kwargs)


def _blank_choice(choices: Any) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True, default="")


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


# ---- input ------------------------------------------------------------------------------


class ConditionInput(serializers.Serializer[ConditionData]):
    type = serializers.ChoiceField(choices=ParentCondition.Type.choices)
    since = _optional_date()
    until = _optional_date()
    term_months = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None
    )
    disability_category = _blank_choice(DisabilityCategory.choices)
    disability_grade = serializers.IntegerField(
        min_value=1, max_value=4, required=False, allow_null=True, default=None
    )
    illness_name = _text(100)
    police_accepted_on = _optional_date()
    police_receipt = serializers.BooleanField(required=False, default=False)
    on = _optional_date()
    supports_child = serializers.BooleanField(required=False, allow_null=True, default=None)
    evidence_kind = _blank_choice(ParentCondition.Evidence.choices)
    evidence_reference = _text(100)


class ParentInput(serializers.Serializer[ParentData]):
    role = serializers.ChoiceField(choices=Parent.Role.choices)
    name = _text(100)
    vital_status = serializers.ChoiceField(
        choices=Parent.VitalStatus.choices, required=False, default="alive"
    )
    migrant_worker = serializers.BooleanField(required=False, default=False)
    phone = _text(20)
    conditions = ConditionInput(many=True, required=False, default=list)


class MemberInput(serializers.Serializer[MemberData]):
    name = serializers.CharField(max_length=100)
    relation = serializers.CharField(max_length=50)
    birth_date = _optional_date()
    notes = _text(200)


class HouseholdInput(serializers.Serializer[HouseholdData]):
    address = _text(200)
    dibao = serializers.BooleanField(required=False, default=False)
    tekun = serializers.BooleanField(required=False, default=False)
    low_income = serializers.BooleanField(required=False, default=False)
    dibao_child_amount = _money(required=False, allow_null=True, default=None)
    income_per_capita = _money(required=False, allow_null=True, default=None)
    members = MemberInput(many=True, required=False, default=list)


class ConcernInput(serializers.Serializer[ConcernData]):
    type = serializers.ChoiceField(choices=ProtectionConcern.Type.choices)
    substantiated = serializers.BooleanField(required=False, default=False)
    since = _optional_date()


class ReceivingInput(serializers.Serializer[ReceivingData]):
    programme = serializers.CharField(max_length=40)
    monthly_amount = _money()


class ChildInput(serializers.Serializer[ChildData]):
    """A whole file: what registration takes and what an update replaces."""

    name = serializers.CharField(max_length=100)
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_date = serializers.DateField()
    region_code = serializers.CharField(max_length=12, help_text=_("现居住地12位区划代码"))
    hukou_region_code = serializers.CharField(max_length=12, help_text=_("户籍所在地12位区划代码"))
    hukou_type = serializers.ChoiceField(choices=HukouType.choices)
    living_arrangement = serializers.ChoiceField(choices=LivingArrangement.choices)
    education = serializers.ChoiceField(
        choices=Education.choices, required=False, default=Education.NONE
    )
    id_number = serializers.CharField(
        max_length=40,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text=_("居民身份证号码；更新时省略则保留已登记的号码，null 表示删除"),
    )
    no_id_reason = _blank_choice(NoIdReason.choices)
    disability_category = _blank_choice(DisabilityCategory.choices)
    disability_grade = serializers.IntegerField(
        min_value=1, max_value=4, required=False, allow_null=True, default=None
    )
    disability_certificate = _text(40)
    serious_illness = serializers.BooleanField(required=False, default=False)
    serious_illness_name = _text(100)
    guardian_name = _text(100)
    guardian_relation = _blank_choice(GuardianRelation.choices)
    guardian_able_to_care = serializers.BooleanField(required=False, allow_null=True, default=None)
    guardian_phone = _text(20)
    guardianship_grade = _blank_choice(GuardianshipGrade.choices)
    external_id = _text(64)
    household = HouseholdInput(required=False, allow_null=True, default=None)
    parents = ParentInput(many=True, required=False, default=list)
    concerns = ConcernInput(many=True, required=False, default=list)
    receiving = ReceivingInput(many=True, required=False, default=list)

    def validate_external_id(self, value: str) -> str:
        # Facts documents name files without an external id "hehu-<n>"; an external id of
        # that form would make two files answer to one document id.
        if INTERNAL_ID_RE.match(value.strip()):
            raise serializers.ValidationError(_("外部编号不能使用本系统档案编号的格式 hehu-<数字>"))
        return value


def child_data_from(validated: dict[str, Any], *, keep_id_number: bool = False) -> ChildData:
    """ChildData from ChildInput's validated data."""
    values = {
        f.name: validated[f.name] for f in dataclasses.fields(ChildData) if f.name in validated
    }
    household = validated.get("household")
    if household is not None:
        members = [MemberData(**m) for m in household["members"]]
        values["household"] = HouseholdData(**{**household, "members": members})
    values["parents"] = [
        ParentData(**{**p, "conditions": [ConditionData(**c) for c in p["conditions"]]})
        for p in validated.get("parents", [])
    ]
    values["concerns"] = [ConcernData(**c) for c in validated.get("concerns", [])]
    values["receiving"] = [ReceivingData(**r) for r in validated.get("receiving", [])]
    values["id_number"] = validated.get("id_number") or None
    values["keep_id_number"] = keep_id_number
    return ChildData(**values)


def child_data_as_input(data: ChildData) -> dict[str, Any]:
    """The input a file's current data would be sent as (for PATCH: the fields not sent)."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    raw = plain(dataclasses.asdict(data))
    for key in ("id_number", "keep_id_number"):
        raw.pop(key)
    return dict(raw)


# ---- output -----------------------------------------------------------------------------


class ConditionOutput(serializers.Serializer[ParentCondition]):
    id = serializers.IntegerField()
    # Plain text: the enum is documented once, on the input (one name per choice set).
    type = serializers.CharField()
    type_display = serializers.CharField(source="get_type_display")
    since = serializers.DateField(allow_null=True)
    until = serializers.DateField(allow_null=True)
    term_months = serializers.IntegerField(allow_null=True)
    disability_category = serializers.CharField()
    disability_grade = serializers.IntegerField(allow_null=True)
    illness_name = serializers.CharField()
    police_accepted_on = serializers.DateField(allow_null=True)
    police_receipt = serializers.BooleanField()
    on = serializers.DateField(allow_null=True)
    supports_child = serializers.BooleanField(allow_null=True)
    evidence_kind = serializers.CharField()
    evidence_reference = serializers.CharField()


class ParentOutput(serializers.Serializer[Parent]):
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=Parent.Role.choices)
    name = serializers.CharField()
    vital_status = serializers.ChoiceField(choices=Parent.VitalStatus.choices)
    migrant_worker = serializers.BooleanField()
    phone = serializers.CharField()
    conditions = ConditionOutput(many=True)


class MemberOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    relation = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    notes = serializers.CharField()


class HouseholdOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    address = serializers.CharField()
    dibao = serializers.BooleanField()
    tekun = serializers.BooleanField()
    low_income = serializers.BooleanField()
    dibao_child_amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    income_per_capita = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    members = MemberOutput(many=True)


class ConcernOutput(serializers.Serializer[ProtectionConcern]):
    id = serializers.IntegerField()
    type = serializers.CharField()
    substantiated = serializers.BooleanField()
    since = serializers.DateField(allow_null=True)


class AssessedNeedOutput(serializers.Serializer[Any]):
    """A need found by the latest submitted needs assessment (read-only here)."""

    domain = serializers.CharField()
    level = serializers.CharField()
    support = serializers.CharField()
    assessed_on = serializers.DateField()


class ReceivingOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    programme = serializers.CharField()
    monthly_amount = serializers.DecimalField(max_digits=10, decimal_places=2)


class ChildDetailOutput(serializers.Serializer[Child]):
    """A whole file. The ID number is masked; `reveal-id` shows it, for a stated reason."""

    id = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_date = serializers.DateField()
    id_number_masked = serializers.CharField()
    no_id_reason = serializers.CharField()
    region_code = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    hukou_region_code = serializers.CharField(source="hukou_region_id")
    hukou_region_name = serializers.CharField(source="hukou_region.name")
    hukou_type = serializers.ChoiceField(choices=HukouType.choices)
    education = serializers.ChoiceField(choices=Education.choices)
    living_arrangement = serializers.ChoiceField(choices=LivingArrangement.choices)
    disability_category = serializers.CharField()
    disability_grade = serializers.IntegerField(allow_null=True)
    disability_certificate = serializers.CharField()
    serious_illness = serializers.BooleanField()
    serious_illness_name = serializers.CharField()
    guardian_name = serializers.CharField()
    guardian_relation = serializers.CharField()
    guardian_able_to_care = serializers.BooleanField(allow_null=True)
    guardian_phone = serializers.CharField()
    guardianship_grade = serializers.CharField()
    external_id = serializers.CharField()
    household = HouseholdOutput(allow_null=True)
    parents = ParentOutput(many=True)
    concerns = ConcernOutput(
        many=True,
        allow_null=True,
        help_text="null for a caller whose role may not learn of protection matters",
    )
    assessed_needs = AssessedNeedOutput(many=True)
    receiving = ReceivingOutput(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CandidateOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sex = serializers.CharField()
    birth_date = serializers.DateField()
    region_code = serializers.CharField()
    id_number_masked = serializers.CharField()


# The API's error shape (hehu/api/errors.py) with the registry's extra fields.
RegistryErrorOutput = inline_serializer(
    "RegistryError",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "field": serializers.CharField(required=False),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text=_("按字段路径列出的错误，例如 parents[1].conditions[0].until"),
        ),
        "existing_child_id": serializers.IntegerField(
            required=False, help_text=_("duplicate_id_number：已登记档案的编号（仅当您可查看时）")
        ),
        "candidates": CandidateOutput(
            many=True, required=False, help_text=_("likely_duplicates：疑似重复的档案")
        ),
    },
)


class RefusalOutput(serializers.Serializer[Any]):
    """The API's refusal (hehu/api/errors.py): a code, a message, the field it concerns and
    every field's errors by path ("items[2].amount"). Apps add their own extra fields by
    subclassing it."""

    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(required=False)
    # "errors" is also a Serializer property in the stubs; here it is the field errors.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


def request_user(request: Request) -> User:
    """The signed-in user of an API request (the views require authentication)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


def validated_input(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    """The serializer's validated data, or ValidationFailed with every field error by path
    (the one refusal shape of the API, hehu/api/errors.py)."""
    if not serializer.is_valid():
        raise ValidationFailed(flatten_errors(serializer.errors))
    return dict(serializer.validated_data)


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"parents[1].conditions[0].since": [messages]}, the
    paths the registry services use."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if str(key).isdigit():
                path = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                path = prefix or "non_field_errors"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for k, v in flatten_errors(value, path).items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(detail, list) and any(isinstance(v, dict | list) for v in detail):
        for i, value in enumerate(detail):
            for k, v in flatten_errors(value, f"{prefix}[{i}]").items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        flat[prefix] = [str(v) for v in detail]
    else:
        flat[prefix] = [str(detail)]
    return flat
