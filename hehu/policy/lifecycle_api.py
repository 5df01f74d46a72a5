"""The policy lifecycle over the API.

`POST /api/v1/policies/drafts/` takes the YAML itself (Content-Type application/yaml or
text/plain) or JSON `{"source": ..., "file_name"?: ...}`; a text that does not load is
answered 400 with `problems` (file, line, column, message in zh-hans and en) and nothing is
stored. `POST /api/v1/policies/<id>/<version>/review/`, `/approve/`, `/retire/` and
`/return/` move a version along its lifecycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.policy.models import PolicyVersion
from hehu.policy.services.lifecycle import (
    drafts_awaiting,
    jurisdiction_covers,
    policy_approve,
    policy_draft_create,
    policy_retire,
    policy_return_to_draft,
    policy_review,
)
from hehu.registry.serializers import RefusalOutput


class YamlParser(BaseParser):
    """A policy file sent as it is: the body is the YAML text."""

    media_type = "application/yaml"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            return {"source": raw.decode("utf-8")}
        except UnicodeDecodeError as exc:
            raise ValidationFailed({"source": [_("政策文本应为 UTF-8 编码")]}) from exc


class TextYamlParser(YamlParser):
    media_type = "text/yaml"


class PlainTextParser(YamlParser):
    media_type = "text/plain"


# -- shapes -------------------------------------------------------------------------------------
class DraftInput(serializers.Serializer[Any]):
    # "source" is also a Field attribute in the stubs; here it is the policy text.
    source = serializers.CharField(  # type: ignore[assignment]
        trim_whitespace=False, help_text=_("政策文本（YAML）")
    )
    file_name = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)


class CommentInput(serializers.Serializer[Any]):
    comment = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)


class ApproveInput(CommentInput):
    effective_from = serializers.DateField(help_text=_("生效日期 YYYY-MM-DD"))


class RetireInput(CommentInput):
    effective_to = serializers.DateField(help_text=_("最后适用日期 YYYY-MM-DD"))


class ReturnInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=500)


class VersionOutput(serializers.ModelSerializer[PolicyVersion]):
    ref = serializers.CharField(read_only=True)
    created_by: serializers.StringRelatedField[Any] = serializers.StringRelatedField()
    reviewed_by: serializers.StringRelatedField[Any] = serializers.StringRelatedField()
    approved_by: serializers.StringRelatedField[Any] = serializers.StringRelatedField()

    class Meta:
        model = PolicyVersion
        fields = [
            "ref",
            "policy_id",
            "version",
            "jurisdiction",
            "extends",
            "title_zh",
            "title_en",
            "status",
            "effective_from",
            "effective_to",
            "sha256",
            "shipped",
            "created_by",
            "created_at",
            "reviewed_by",
            "reviewed_at",
            "approved_by",
            "approved_at",
        ]


class PolicyProblemOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    file = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    column = serializers.IntegerField(allow_null=True)
    message = serializers.DictField(child=serializers.CharField())


class PolicyRefusalOutput(RefusalOutput):
    problems = PolicyProblemOutput(many=True, required=False)


REFUSALS: dict[int, Any] = {
    400: PolicyRefusalOutput,
    403: PolicyRefusalOutput,
    409: PolicyRefusalOutput,
}


def _valid(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    if not serializer.is_valid():
        errors: dict[str, list[Any]] = {
            k: [str(m) for m in v] for k, v in serializer.errors.items()
        }
        raise ValidationFailed(errors)
    return dict(serializer.validated_data)


def _require_lifecycle_perm(request: Request) -> None:
    """Only those who draft or approve policies handle drafts."""
    if not (
        has_perm(request.user, Perm.DRAFT_POLICY) or has_perm(request.user, Perm.APPROVE_POLICY)
    ):
        raise PermissionRefused(_("您的账号不能办理政策草稿"))


def _version(request: Request, policy_id: str, version: str) -> PolicyVersion:
    """A version the caller may act on; one outside their jurisdiction looks missing."""
    _require_lifecycle_perm(request)
    found = PolicyVersion.objects.filter(policy_id=policy_id, version=version).first()
    if found is None or not jurisdiction_covers(request.user, found.jurisdiction):
        raise Http404
    return found


def _transition_schema(operation_id: str, request: type[serializers.Serializer[Any]]) -> Any:
    """The OpenAPI of one lifecycle step: its input, the version moved on, 404 and refusals."""
    return extend_schema(
        operation_id=operation_id,
        request=request,
        responses={200: VersionOutput, 404: OpenApiResponse(OpenApiTypes.OBJECT), **REFUSALS},
    )


def _take_step(
    request: Request,
    policy_id: str,
    version: str,
    input_class: type[serializers.Serializer[Any]],
    step: Callable[..., PolicyVersion],
    *fields: str,
) -> Response:
    """One lifecycle step: the version (404 when hidden), its valid input, then
    `step(actor=…, version=…, <field>=…)` with the input's `fields`; the version moved on."""
    found = _version(request, policy_id, version)
    data = _valid(input_class(data=request.data))
    done = step(actor=request.user, version=found, **{name: data[name] for name in fields})
    return Response(VersionOutput(done).data)


# -- endpoints ----------------------------------------------------------------------------------
class DraftsApi(APIView):
    """Drafts awaiting review or approval in the caller's jurisdiction; a new draft."""

    parser_classes = [JSONParser, YamlParser, TextYamlParser, PlainTextParser]

    @extend_schema(
        operation_id="policy_drafts_list",
        responses={200: VersionOutput(many=True), 403: PolicyRefusalOutput},
    )
    def get(self, request: Request) -> Response:
        _require_lifecycle_perm(request)
        pending = drafts_awaiting(user=request.user).select_related("approved_by")
        return Response(VersionOutput(pending, many=True).data)

    @extend_schema(
        operation_id="policy_drafts_create",
        request={
            "application/json": DraftInput,
            "application/yaml": OpenApiTypes.STR,
            "text/plain": OpenApiTypes.STR,
        },
        responses={201: VersionOutput, **REFUSALS},
        examples=[
            OpenApiExample(
                "JSON",
                value={"source": "hehu_policy: 1\nid: cn-51\n…", "file_name": "cn-51.yaml"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        data = _valid(DraftInput(data=body))
        version = policy_draft_create(
            actor=request.user, source=data["source"], file_name=data["file_name"]
        )
        return Response(VersionOutput(version).data, status=201)


class ReviewApi(APIView):
    """Review a draft (by someone who did not write it): it goes on for approval."""

    @_transition_schema("policy_review", CommentInput)
    def post(self, request: Request, policy_id: str, version: str) -> Response:
        return _take_step(request, policy_id, version, CommentInput, policy_review, "comment")


class ApproveApi(APIView):
    """Approve a reviewed version; it is in force from `effective_from` on."""

    @_transition_schema("policy_approve", ApproveInput)
    def post(self, request: Request, policy_id: str, version: str) -> Response:
        return _take_step(
            request, policy_id, version, ApproveInput, policy_approve, "effective_from", "comment"
        )


class RetireApi(APIView):
    """Retire an approved version: it applies until `effective_to`, its text stays."""

    @_transition_schema("policy_retire", RetireInput)
    def post(self, request: Request, policy_id: str, version: str) -> Response:
        return _take_step(
            request, policy_id, version, RetireInput, policy_retire, "effective_to", "comment"
        )


class ReturnApi(APIView):
    """Send a draft or reviewed version back to its author, with the reason."""

    @_transition_schema("policy_return_to_draft", ReturnInput)
    def post(self, request: Request, policy_id: str, version: str) -> Response:
        return _take_step(
            request, policy_id, version, ReturnInput, policy_return_to_draft, "reason"
        )
