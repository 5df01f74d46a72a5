"""Shapes of the policy API: a classify request, a classification, and a policy read-out."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hehu.policy.engine.model import Text
from hehu.policy.policies import policy_status

TEXT_SCHEMA = {
    "type": "object",
    "properties": {"zh-hans": {"type": "string"}, "en": {"type": "string"}},
    "required": ["zh-hans", "en"],
}


@extend_schema_field(TEXT_SCHEMA)
class TextField(serializers.Field):  # type: ignore[type-arg]
    """A phrase in both languages: {"zh-hans": ..., "en": ...}."""

    def to_representation(self, value: Text) -> dict[str, str]:
        return value.as_dict()


@extend_schema_field({"type": "string", "nullable": True})
class TypeField(serializers.Field):  # type: ignore[type-arg]
    def to_representation(self, value: object) -> str:
        return str(value)


# ---- classify -------------------------------------------------------------------------------


class ClassifyQuery(serializers.Serializer[Any]):
    as_of = serializers.DateField(
        required=False, help_text=_("认定日期 YYYY-MM-DD（默认：今天，北京时间）")
    )
    policy = serializers.CharField(
        required=False,
        max_length=100,
        help_text=_("政策编号（取最新版本）或 编号@版本；默认按儿童所在区划取当日有效的政策"),
    )


MAX_DOCUMENTS = 1000


class ClassifyEnvelope(ClassifyQuery):
    documents = serializers.ListField(
        child=serializers.JSONField(),
        max_length=MAX_DOCUMENTS,
        help_text=_("事实文档（facts 1.0），最多 1000 份"),
    )


class TraceOutput(serializers.Serializer[Any]):
    clause = serializers.CharField(help_text=_("条款编号或谓词名"))
    text = serializers.JSONField(help_text=_('{"zh-hans": …, "en": …}'))
    holds = serializers.BooleanField()
    facts = serializers.JSONField(help_text=_("该条款读取的事实：路径 → 值"))
    because = serializers.JSONField(help_text=_("决定结果的下级条件（同一结构）"))


class CategoryInOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.JSONField()
    reasons = TraceOutput(many=True)


class CategoryNotInOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.JSONField()
    failed = TraceOutput()


class FactsProblemOutput(serializers.Serializer[Any]):
    path = serializers.CharField(help_text=_("字段路径，如 parents[1].conditions[0].since"))
    message = serializers.CharField()


class DocumentErrorOutput(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="invalid_facts, no_policy")
    message = serializers.CharField()
    problems = FactsProblemOutput(many=True)


class ClassificationOutput(serializers.Serializer[Any]):
    """One document's answer: its classification, or `error` (then only `id` and `error`)."""

    id = serializers.CharField(allow_null=True)
    as_of = serializers.DateField(required=False)
    policy = serializers.CharField(required=False, help_text="ID@VERSION")
    categories = CategoryInOutput(many=True, required=False)
    not_in = CategoryNotInOutput(many=True, required=False)
    umbrellas = serializers.ListField(child=serializers.CharField(), required=False)
    need_signals = TraceOutput(many=True, required=False)
    coverage_gap = serializers.BooleanField(required=False)
    error = DocumentErrorOutput(required=False)


class ClassifyResultsOutput(serializers.Serializer[Any]):
    results = ClassificationOutput(many=True)


# ---- policies ------------------------------------------------------------------------------


class CategoryBriefOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = TextField()


class PolicySummaryOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    version = serializers.CharField()
    ref = serializers.CharField(help_text="ID@VERSION")
    jurisdiction = serializers.CharField(help_text=_("national 或省级区划代码（两位）"))
    extends = serializers.CharField(allow_null=True)
    title = TextField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    status = serializers.SerializerMethodField(help_text=_("草稿、已审核、已批准、已停用"))
    timing = serializers.SerializerMethodField(help_text="in_effect, scheduled, ended")
    categories = CategoryBriefOutput(many=True)

    def get_status(self, policy: Any) -> str:
        statuses: dict[str, str] = self.context.get("statuses", {})
        return statuses.get(policy.ref, "approved")

    def get_timing(self, policy: Any) -> str:
        return policy_status(policy, self.context["today"])


class ParameterValueOutput(serializers.Serializer[Any]):
    value = serializers.JSONField()
    region = serializers.CharField(help_text=_("区划代码前缀；空 = 全部"))
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)


class ParameterOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    type = TypeField()
    label = TextField()  # type: ignore[assignment]
    values = ParameterValueOutput(many=True)


class PredicateOutput(serializers.Serializer[Any]):
    name = serializers.CharField()
    label = TextField()  # type: ignore[assignment]
    args = serializers.SerializerMethodField()
    source = serializers.CharField(help_text=_("CEL 表达式"))  # type: ignore[assignment]

    def get_args(self, predicate: Any) -> list[dict[str, str]]:
        return [{"name": name, "type": str(type_)} for name, type_ in predicate.args]


class ClauseOutput(serializers.Serializer[Any]):
    id = serializers.CharField()
    label = TextField()  # type: ignore[assignment]
    source = serializers.CharField(help_text=_("CEL 表达式"))  # type: ignore[assignment]


class CategoryOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = TextField()
    description = TextField(allow_null=True)
    excluded_by = serializers.ListField(child=serializers.CharField())
    clauses = ClauseOutput(many=True)


class UmbrellaOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = TextField()
    any_of = serializers.ListField(child=serializers.CharField())
    when = ClauseOutput(allow_null=True)


class NeedSignalOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = TextField()  # type: ignore[assignment]
    source = serializers.CharField()  # type: ignore[assignment]


class PolicyDetailOutput(PolicySummaryOutput):
    sources = serializers.ListField(child=serializers.CharField())
    sha256 = serializers.CharField()
    categories = CategoryOutput(many=True)  # type: ignore[assignment]
    parameters = serializers.SerializerMethodField()
    predicates = serializers.SerializerMethodField()
    umbrellas = UmbrellaOutput(many=True)
    need_signals = NeedSignalOutput(many=True)

    @extend_schema_field(ParameterOutput(many=True))
    def get_parameters(self, policy: Any) -> Any:
        return ParameterOutput(list(policy.parameters.values()), many=True).data

    @extend_schema_field(PredicateOutput(many=True))
    def get_predicates(self, policy: Any) -> Any:
        return PredicateOutput(list(policy.predicates.values()), many=True).data
