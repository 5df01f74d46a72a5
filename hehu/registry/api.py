"""The registry over the API (/api/v1/children/, /api/v1/facts/).

Thin: parse with an input serializer, open the file through `access_child_by_id` (404 for
a hidden file exactly as for a missing one), call a selector or a service, render with an
output serializer. Rules, jurisdiction checks and the audit are the services', the same
as for the web pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import AuditEntry
from hehu.core.dates import age_on
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.access import access_child_by_id
from hehu.registry.facts import (
    FACTS_PREFETCH,
    child_export_facts,
    child_to_data,
    child_to_facts,
    facts_import,
    facts_schema,
)
from hehu.registry.models import (
    Child,
    DisabilityCategory,
    HouseholdMember,
    LivingArrangement,
)
from hehu.registry.selectors import (
    LIST_ROW_FIELDS,
    child_history,
    children_search,
    history_changes_for,
    sees_protection,
)
from hehu.registry.serializers import (
    ChildDetailOutput,
    ChildInput,
    RegistryErrorOutput,
    child_data_as_input,
    child_data_from,
    flatten_errors,
    request_user,
)
from hehu.registry.services import (
    attachment_add,
    child_record_view,
    child_register,
    child_reveal_id_number,
    child_update,
    children_merge,
)

ERRORS: dict[int, Any] = {
    400: RegistryErrorOutput,
    403: RegistryErrorOutput,
    404: RegistryErrorOutput,
    409: RegistryErrorOutput,
}


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ValidationFailed({"non_field_errors": [_("请求体应为 JSON 对象")]})
    return dict(request.data)


def _valid(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    """Validated data, or every error at its path (parents[1].conditions[0].since)."""
    if not serializer.is_valid():
        raise ValidationFailed(flatten_errors(serializer.errors))
    return dict(serializer.validated_data)


def _child_url(child: Child) -> str:
    return reverse("api:child", kwargs={"child_id": child.pk})


def _file(child: Child) -> Child:
    """The child with every part of the file loaded, in a fixed number of queries."""
    prefetch_related_objects(
        [child],
        "region",
        "hukou_region",
        "household",
        Prefetch("household__members", queryset=HouseholdMember.objects.order_by("pk")),
        *FACTS_PREFETCH,
    )
    return child


def _detail(child: Child, user: Any, *, status_code: int = 200, **headers: str) -> Response:
    data = dict(ChildDetailOutput(_file(child)).data)
    if not sees_protection(user):
        # MPL art. 103: whether a child is in a protection matter is not for every role
        # that may read the file.
        data["concerns"] = None
    return Response(data, status=status_code, headers=headers or None)


# ---- the list, search and registration ---------------------------------------------------


class ChildSearchQuery(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("姓名（含拼音）或身份证号码")
    )
    region = serializers.RegexField(
        r"^\d{0,12}$", required=False, allow_blank=True, help_text=_("区划代码前缀")
    )
    age_min = serializers.IntegerField(required=False, min_value=0, help_text=_("最小周岁"))
    age_max = serializers.IntegerField(required=False, min_value=0, help_text=_("最大周岁"))
    living_arrangement = serializers.ChoiceField(
        choices=LivingArrangement.choices, required=False, allow_blank=True
    )
    disability = serializers.ChoiceField(
        choices=[("any", _("有残疾")), ("none", _("无残疾")), *DisabilityCategory.choices],
        required=False,
        allow_blank=True,
    )


class ChildListOutput(serializers.Serializer[Any]):
    """A row of the list: only what finding a child needs; the ID number's last four."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    sex = serializers.CharField()
    birth_date = serializers.DateField()
    age = serializers.SerializerMethodField()
    region_code = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    living_arrangement = serializers.CharField()
    disability_category = serializers.CharField()
    id_number_masked = serializers.CharField()
    version = serializers.IntegerField()

    def get_age(self, child: Child) -> int:
        return age_on(child.birth_date, self.context["today"])


class ChildRegisterInput(ChildInput):
    confirm_not_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("已核对疑似重复的档案，确认不是同一儿童"),
    )


class ChildListApi(GenericAPIView[Child]):
    """Children in the user's jurisdiction; registering a child."""

    parser_classes = [JSONParser]
    serializer_class = ChildListOutput

    def get_queryset(self) -> QuerySet[Child]:
        params = _valid(ChildSearchQuery(data=self.request.query_params))
        try:
            queryset = children_search(
                user=self.request.user,
                q=params.get("q", ""),
                region_prefix=params.get("region", ""),
                age_min=params.get("age_min"),
                age_max=params.get("age_max"),
                living_arrangement=params.get("living_arrangement", ""),
                disability=params.get("disability", ""),
            )
        except ValidationFailed as exc:
            renamed = {"region" if k == "region_prefix" else k: v for k, v in exc.errors.items()}
            raise ValidationFailed(renamed) from exc
        return queryset.select_related("region").only(*LIST_ROW_FIELDS)

    @extend_schema(
        operation_id="children_list",
        parameters=[ChildSearchQuery],
        responses={
            200: ChildListOutput(many=True),
            400: RegistryErrorOutput,
            403: RegistryErrorOutput,
        },
    )
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.VIEW_CHILD):
            raise PermissionRefused(_("您的账号不能查看儿童档案"))
        page = self.paginate_queryset(self.get_queryset())
        out = ChildListOutput(page, many=True, context={"today": timezone.localdate()})
        return self.get_paginated_response(out.data)

    @extend_schema(
        operation_id="children_register",
        request=ChildRegisterInput,
        responses={201: ChildDetailOutput, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = _valid(ChildRegisterInput(data=request.data))
        child = child_register(
            actor=request_user(request),
            data=child_data_from(data),
            confirm_not_duplicate=data["confirm_not_duplicate"],
        )
        return _detail(child, request.user, status_code=201, Location=_child_url(child))


# ---- one file -------------------------------------------------------------------------------


class ChildUpdateInput(ChildInput):
    version = serializers.IntegerField(min_value=1, help_text=_("打开档案时的版本号"))
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text=_("修改理由")
    )


class ChildDetailApi(APIView):
    """One child's file: read (recorded in the audit log), replace (PUT) or change (PATCH).

    An update names the `version` it was based on; if someone saved the file since, it is
    refused with 409 concurrent_edit and nothing is overwritten. PATCH changes only the
    top-level fields sent (a list sent replaces the whole list). Without `id_number` the
    stored number is kept; without `household` (or with null) the household is kept.
    """

    parser_classes = [JSONParser]

    @extend_schema(operation_id="children_retrieve", responses={200: ChildDetailOutput, **ERRORS})
    def get(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        child_record_view(actor=request_user(request), child=child)
        return _detail(child, request.user)

    @extend_schema(
        operation_id="children_update",
        request=ChildUpdateInput,
        responses={200: ChildDetailOutput, **ERRORS},
    )
    def put(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        return self._update(request, child, _body(request))

    @extend_schema(
        operation_id="children_partial_update",
        request=ChildUpdateInput(partial=True),
        responses={200: ChildDetailOutput, **ERRORS},
    )
    def patch(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        current = child_data_as_input(child_to_data(child))
        return self._update(request, child, {**current, **_body(request)})

    def _update(self, request: Request, child: Child, payload: dict[str, Any]) -> Response:
        data = _valid(ChildUpdateInput(data=payload))
        keep_id_number = "id_number" not in request.data
        updated = child_update(
            actor=request_user(request),
            child=child,
            data=child_data_from(data, keep_id_number=keep_id_number),
            expected_version=data["version"],
            reason=data["reason"],
        )
        return _detail(updated, request.user)


class MergeInput(serializers.Serializer[Any]):
    duplicate_id = serializers.IntegerField(help_text=_("要并入本档案的重复档案编号"))
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ChildMergeApi(APIView):
    """Fold a duplicate file into this one; nothing of either is lost."""

    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="children_merge",
        request=MergeInput,
        responses={200: ChildDetailOutput, **ERRORS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        survivor = access_child_by_id(request.user, child_id)
        data = _valid(MergeInput(data=request.data))
        try:
            duplicate = access_child_by_id(request.user, data["duplicate_id"])
        except Http404:
            # The same answer whether the file is hidden or missing.
            message = _("没有找到这份档案，或它不在您的管辖范围内")
            raise ValidationFailed({"duplicate_id": [message]}) from None
        child = children_merge(
            actor=request_user(request),
            survivor=survivor,
            duplicate=duplicate,
            reason=data["reason"],
        )
        return _detail(child, request.user)


class RevealInput(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("查看完整身份证号码的理由（记入审计日志）"),
    )


class RevealOutput(serializers.Serializer[Any]):
    id_number = serializers.CharField()


class ChildRevealIdApi(APIView):
    """The full ID number, for a stated reason that goes into the audit log."""

    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="children_reveal_id",
        request=RevealInput,
        responses={200: RevealOutput, **ERRORS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        data = _valid(RevealInput(data=request.data))
        number = child_reveal_id_number(
            actor=request_user(request), child=child, reason=data["reason"]
        )
        # Shown once: never kept by a browser or a proxy.
        return Response({"id_number": number}, headers={"Cache-Control": "no-store"})


class HistoryOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    actor_name = serializers.CharField(source="actor.full_name", allow_null=True, default=None)
    verb = serializers.CharField()
    verb_display = serializers.CharField(source="get_verb_display")
    child_id = serializers.IntegerField(allow_null=True)
    changes = serializers.JSONField(help_text=_("字段路径 → [原值, 新值]；身份证号码已遮蔽"))
    reason = serializers.CharField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        user = self.context.get("user")
        if user is not None:
            data["changes"] = history_changes_for(user, data["changes"])
        return data


class ChildHistoryApi(GenericAPIView[AuditEntry]):
    """Who created, changed or merged the file, when, and what changed — newest first."""

    serializer_class = HistoryOutput

    @extend_schema(
        operation_id="children_history", responses={200: HistoryOutput(many=True), **ERRORS}
    )
    def get(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        # The history shows the file's values (old → new): reading it is a view of the file.
        child_record_view(actor=request_user(request), child=child)
        page = self.paginate_queryset(child_history(child=child, user=request.user))
        output = HistoryOutput(page, many=True, context={"user": request.user})
        return self.get_paginated_response(output.data)


class AttachmentInput(serializers.Serializer[Any]):
    file = serializers.FileField(help_text=_("PDF、JPG、PNG、HEIC 或 WEBP，不超过 10MB"))
    title = serializers.CharField(max_length=200)
    kind = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class AttachmentOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    uploaded_by = serializers.CharField(
        source="uploaded_by.username", allow_null=True, default=None
    )


class ChildAttachmentsApi(APIView):
    """Documents attached to the file (certificates, judgments, police receipts)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="children_attachments_list",
        responses={200: AttachmentOutput(many=True), **ERRORS},
    )
    def get(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        attachments = child.attachments.select_related("uploaded_by").order_by("-uploaded_at")
        return Response(AttachmentOutput(attachments, many=True).data)

    @extend_schema(
        operation_id="children_attachments_create",
        request={"multipart/form-data": AttachmentInput},
        responses={201: AttachmentOutput, **ERRORS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        data = _valid(AttachmentInput(data=request.data))
        attachment = attachment_add(
            actor=request_user(request),
            child=child,
            file=data["file"],
            title=data["title"],
            kind=data["kind"],
        )
        return Response(AttachmentOutput(attachment).data, status=status.HTTP_201_CREATED)


# ---- facts ---------------------------------------------------------------------------------

FACTS_DOCUMENT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="事实文档（facts 1.0），其 JSON Schema 见 GET /api/v1/facts/schema/",
)


class ChildFactsApi(APIView):
    """The child's facts document (DOMAIN.md §11); every export is recorded."""

    @extend_schema(operation_id="children_facts", responses={200: FACTS_DOCUMENT, **ERRORS})
    def get(self, request: Request, child_id: int) -> Response:
        child = access_child_by_id(request.user, child_id)
        return Response(child_export_facts(actor=request_user(request), child=child))


class FactsImportOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text=_("档案编号"))
    created = serializers.BooleanField(help_text=_("true：新登记；false：更新了已有档案"))
    version = serializers.IntegerField()
    facts = serializers.JSONField(help_text=_("导入后档案的事实文档"))


class FactsImportApi(APIView):
    """Register or update a file from a facts document in an import envelope:
    {"facts": {...}, "child": {"name", "id_number"?, "no_id_reason"?, "version"?},
    "confirm_not_duplicate"?}. A document whose `id` is known in your jurisdiction updates
    that file; otherwise a new file is registered. Invalid documents are refused whole, with
    every error at its path, and nothing is saved."""

    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="facts_import",
        request=OpenApiTypes.OBJECT,
        responses={200: FactsImportOutput, 201: FactsImportOutput, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        child, created = facts_import(actor=request_user(request), doc=request.data)
        child = Child.objects.get(pk=child.pk)  # a fresh copy: the service wrote its parts
        body = {
            "id": child.pk,
            "created": created,
            "version": child.version,
            "facts": child_to_facts(child),
        }
        if created:
            return Response(
                body, status=status.HTTP_201_CREATED, headers={"Location": _child_url(child)}
            )
        return Response(body)


class FactsSchemaApi(APIView):
    """The JSON Schema (draft 2020-12) of the facts document, version 1.0."""

    @extend_schema(operation_id="facts_schema", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(facts_schema())
