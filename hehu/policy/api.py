"""The policy engine over the API: classify facts documents (nothing stored), read policies.

`POST /api/v1/classify` answers exactly as `hehu classify` does, per document: the
classification, or `{"id", "error"}` for a document that is invalid. A well-formed request
is answered 200 even when some of its documents are invalid; a malformed request (not an
object, `documents` not a list, a bad date, an unknown policy) is refused with 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import ApplicationError, PermissionRefused, ValidationFailed
from hehu.policy.engine.errors import PolicyError
from hehu.policy.policies import (
    Catalogue,
    facts_classify,
    policy_by_ref,
    policy_for,
    stored_catalogue,
)
from hehu.policy.selectors import category_events_for_child, policy_versions
from hehu.policy.serializers import (
    ClassificationOutput,
    ClassifyEnvelope,
    ClassifyQuery,
    ClassifyResultsOutput,
    PolicyDetailOutput,
    PolicySummaryOutput,
)
from hehu.policy.services import child_classification_explained, child_reclassify
from hehu.registry.access import access_child_by_id
from hehu.registry.models import Child
from hehu.registry.serializers import RegistryErrorOutput, validated_input
from hehu.registry.services import child_record_view

ERRORS: dict[int, Any] = {400: RegistryErrorOutput, 403: RegistryErrorOutput}


def _require(request: Request, perm: Perm, message: str) -> None:
    if not has_perm(request.user, perm):
        raise PermissionRefused(message)


EXAMPLE_DOCUMENT = {
    "id": "ext-001",
    "birth_date": "2015-03-02",
    "sex": "female",
    "region_code": "511502100201",
    "parents": [
        {"role": "father", "vital_status": "dead"},
        {
            "role": "mother",
            "vital_status": "alive",
            "conditions": [{"type": "imprisoned", "since": "2024-03-01", "term_months": 36}],
        },
    ],
}


class ClassifyApi(APIView):
    """Classify facts documents (DOMAIN.md §11) with the policy in effect; nothing is stored.

    The body is either one facts document — answered with one classification — or
    `{"documents": [...], "as_of"?, "policy"?}` — answered with `{"results": [...]}`, one
    per document in order. `as_of` and `policy` may also be given in the query string.
    Each answer is the classification (categories with the clauses and facts that decided,
    categories not entered with the first clause that failed), or
    `{"id", "error": {"code", "message", "problems": [{"path", "message"}]}}`.
    """

    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="classify",
        parameters=[ClassifyQuery],
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="ClassifyResponse",
                    serializers=[ClassificationOutput, ClassifyResultsOutput],
                    resource_type_field_name=None,
                ),
                description=_("一份文档：其认定结果；documents：{results: [...]}"),
            ),
            **ERRORS,
        },
        examples=[
            OpenApiExample("one document", value=EXAMPLE_DOCUMENT, request_only=True),
            OpenApiExample(
                "several documents",
                value={"documents": [EXAMPLE_DOCUMENT], "as_of": "2026-03-01"},
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        _require(request, Perm.CLASSIFY_FACTS, _("您的账号不能使用事实文档认定"))
        body = request.data
        if not isinstance(body, dict):
            raise ValidationFailed({"non_field_errors": [_("请求体应为 JSON 对象")]})
        query = validated_input(ClassifyQuery(data=request.query_params))
        if "documents" in body:
            envelope = validated_input(ClassifyEnvelope(data=body))
            catalogue = stored_catalogue()
            as_of, ref = self._options({**query, **envelope}, catalogue)
            results = [
                facts_classify(d, as_of=as_of, policy_ref=ref, catalogue=catalogue)
                for d in envelope["documents"]
            ]
            return Response({"results": results})
        catalogue = stored_catalogue()
        as_of, ref = self._options(query, catalogue)
        return Response(facts_classify(body, as_of=as_of, policy_ref=ref, catalogue=catalogue))

    @staticmethod
    def _options(options: dict[str, Any], catalogue: Catalogue) -> tuple[dt.date, str | None]:
        as_of: dt.date = options.get("as_of") or timezone.localdate()
        ref: str | None = options.get("policy") or None
        if ref:
            # an unknown policy refuses the whole request
            policy_for(ref, None, as_of, catalogue)
        return as_of, ref


def _statuses() -> dict[str, str]:
    return {v.ref: v.status for v in policy_versions()}


class PolicyListApi(APIView):
    """The policies Hehu knows: id, version, jurisdiction, effective period, lifecycle
    status and whether in effect today, and their categories."""

    @extend_schema(
        operation_id="policies_list",
        responses={200: PolicySummaryOutput(many=True), 403: RegistryErrorOutput},
    )
    def get(self, request: Request) -> Response:
        _require(request, Perm.VIEW_POLICY, _("您的账号不能查看政策"))
        everything = stored_catalogue().every.all()
        policies = sorted(everything, key=lambda p: (p.id, p.effective_from, p.version))
        context = {"today": timezone.localdate(), "statuses": _statuses()}
        return Response(PolicySummaryOutput(policies, many=True, context=context).data)


class PolicyDetailApi(APIView):
    """One policy version: categories with their clauses (labels and CEL), parameters with
    their values by region and period, predicates, umbrella types and need signals."""

    @extend_schema(
        operation_id="policies_retrieve",
        responses={
            200: PolicyDetailOutput,
            403: RegistryErrorOutput,
            404: OpenApiResponse(OpenApiTypes.OBJECT),
        },
    )
    def get(self, request: Request, policy_id: str, version: str) -> Response:
        _require(request, Perm.VIEW_POLICY, _("您的账号不能查看政策"))
        policy = policy_by_ref(policy_id, version, stored_catalogue())
        context = {"today": timezone.localdate(), "statuses": _statuses()}
        return Response(PolicyDetailOutput(policy, context=context).data)


class ChildCategoryEventOutput(serializers.Serializer[Any]):
    category = serializers.CharField()
    kind = serializers.CharField(help_text="entered, exited")
    on = serializers.DateField()
    policy = serializers.CharField(source="policy_version.ref")
    recorded_at = serializers.DateTimeField()


class ChildClassificationOutput(serializers.Serializer[Any]):
    child = serializers.IntegerField(source="child_id")
    policy = serializers.CharField(source="policy_version.ref")
    as_of = serializers.DateField()
    computed_at = serializers.DateTimeField()
    computed_by = serializers.CharField(
        source="source", help_text="child_change, population, manual"
    )
    categories = serializers.ListField(child=serializers.CharField())
    umbrellas = serializers.ListField(child=serializers.CharField())
    signals = serializers.ListField(child=serializers.CharField())
    coverage_gap = serializers.BooleanField()
    explanation = serializers.JSONField(
        allow_null=True,
        help_text=_(
            "与 POST /api/v1/classify 的结果相同：每个类别的理由，以及其他类别首个不成立的条件"
        ),
    )
    events = ChildCategoryEventOutput(many=True)


CHILD_ERRORS: dict[int, Any] = {
    403: RegistryErrorOutput,
    404: OpenApiResponse(OpenApiTypes.OBJECT),
    400: RegistryErrorOutput,
}
RECENT_EVENTS = 50


class ChildClassificationApi(APIView):
    """A registered child's stored classification: its categories under the policy in force,
    why (the explanation), and its latest category entries and exits. Reading it is a view
    of the child's file (audited); POST classifies the child again now (EDIT_CHILD)."""

    @extend_schema(
        operation_id="children_classification_retrieve",
        responses={200: ChildClassificationOutput, **CHILD_ERRORS},
    )
    def get(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        child_record_view(actor=request.user, child=child)  # type: ignore[arg-type]
        return _classification(child)

    @extend_schema(
        operation_id="children_classification_recompute",
        request=None,
        responses={200: ChildClassificationOutput, **CHILD_ERRORS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        _require(request, Perm.EDIT_CHILD, _("您的账号不能重新认定儿童"))
        try:
            child_reclassify(actor=request.user, child=child)
        except PolicyError as exc:
            raise ApplicationError(str(exc)) from exc
        return _classification(child)


def _classification(child: Child) -> Response:
    explained = child_classification_explained(child)
    if explained is None:
        raise Http404
    stored, explanation = explained
    stored.explanation = explanation  # type: ignore[attr-defined]
    stored.events = list(  # type: ignore[attr-defined]
        category_events_for_child(child).select_related("policy_version")[:RECENT_EVENTS]
    )
    return Response(ChildClassificationOutput(stored).data)
