"""Home visits over the API.

`GET /api/v1/cases/<case_id>/visits/` lists a case's visits (newest due first);
`POST` records one — multipart/form-data with `photos` (up to 6 JPEG/PNG/WebP images of at
most 10 MB each) or JSON without photos. Send a `client_token` made once per form: a submit
retried on a weak connection returns the first visit (200) and records nothing twice.
`GET /api/v1/visits/due/` lists the caller's scheduled visits, overdue first.

Thin: the case through `access_case_by_id` (404 hidden or missing), the service decides
what is required and allowed; refusals are rendered by hehu.api.errors.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.cases.access import access_case_by_id
from hehu.cases.models import Visit, VisitPhoto
from hehu.cases.services.visits import (
    MAX_PHOTOS,
    DueVisit,
    visit_by_token,
    visit_due,
    visit_record,
    visit_requires_report,
    visits_scheduled_visible_to,
)
from hehu.core.errors import PermissionRefused
from hehu.registry.serializers import RefusalOutput, request_user, validated_input


def _choices(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices)


# -- shapes ------------------------------------------------------------------------------------
class VisitInput(serializers.Serializer[Any]):
    visited_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("走访日期 YYYY-MM-DD：不晚于今天，不早于开案日期"),
        error_messages={"invalid": _("请按 YYYY-MM-DD 填写走访日期，例如 2026-03-05。")},
    )
    child_seen = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("是否见到儿童本人"),
    )
    not_seen_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("没有见到儿童本人的原因（child_seen 为 false 时必填，不超过 200 字）"),
    )
    living_conditions = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("生活状况：") + _choices(Visit.Conditions.choices),
    )
    safety = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("安全状况：") + _choices(Visit.Safety.choices),
    )
    schooling = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("就学状况：") + _choices(Visit.Schooling.choices),
    )
    health = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("健康状况：") + _choices(Visit.Health.choices),
    )
    support_reached = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("待遇是否到达儿童（不领取或未核实留空）：")
        + _choices(Visit.Support.choices),
    )
    support_note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("待遇核实情况（未全部到达时必填，不超过 300 字）"),
    )
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text=_lazy("走访记录（不超过 5000 字）"),
    )
    client_token = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=64,
        help_text=_lazy("每次填写生成一次的标识：重发同一标识返回第一次的记录，不会重复记录"),
    )


class VisitMultipartInput(VisitInput):
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text=_lazy("照片：最多 %(n)s 张，JPG、PNG 或 WEBP，每张不超过 10MB")
        % {"n": MAX_PHOTOS},
    )


class VisitRuleOutput(serializers.Serializer[Any]):
    zh = serializers.CharField()
    en = serializers.CharField()


class VisitPhotoOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text=_lazy("查看照片（每次查看都会记录）"))

    def get_url(self, photo: VisitPhoto) -> str:
        return reverse(
            "cases:visit_photo",
            kwargs={
                "case_id": photo.visit.case_id,
                "visit_id": photo.visit_id,
                "photo_id": photo.pk,
            },
        )


class VisitOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    status = serializers.CharField(help_text=_choices(Visit.Status.choices))
    due_on = serializers.DateField()
    schedule_reason = VisitRuleOutput(help_text=_lazy("应访日期的依据"))
    visited_on = serializers.DateField(allow_null=True)
    recorded_by = serializers.CharField(
        source="recorded_by.username", allow_null=True, default=None
    )
    recorded_at = serializers.DateTimeField(allow_null=True)
    child_seen = serializers.BooleanField(allow_null=True)
    not_seen_reason = serializers.CharField()
    living_conditions = serializers.CharField()
    safety = serializers.CharField()
    schooling = serializers.CharField()
    health = serializers.CharField()
    support_reached = serializers.CharField()
    support_note = serializers.CharField()
    notes = serializers.CharField()
    photos = VisitPhotoOutput(many=True, source="photos.all")
    requires_report = serializers.SerializerMethodField(
        help_text=_lazy("发现危险或没有见到儿童本人：须立即采取行动（危险时立即报警）")
    )

    @extend_schema_field(serializers.BooleanField())
    def get_requires_report(self, visit: Visit) -> bool:
        return visit_requires_report(visit)


class VisitDueOutput(serializers.Serializer[Any]):
    visit_id = serializers.IntegerField(source="visit.pk")
    case_id = serializers.IntegerField(source="visit.case_id")
    child_id = serializers.IntegerField(source="visit.case.child_id")
    child_name = serializers.CharField(source="visit.case.child.name")
    region_code = serializers.CharField(source="visit.case.region_code")
    risk = serializers.CharField(source="visit.case.risk")
    due_on = serializers.DateField(source="visit.due_on")
    rule = VisitRuleOutput(source="visit.schedule_reason", help_text=_lazy("应访日期的依据"))
    overdue_days = serializers.IntegerField(help_text=_lazy("已逾期天数（未逾期为 0）"))
    days_left = serializers.IntegerField(
        help_text=_lazy("剩余天数；working_days 为 true 时按工作日计")
    )
    working_days = serializers.BooleanField()


class VisitRecordedOutput(serializers.Serializer[Any]):
    visit = VisitOutput()
    next_visit = VisitDueOutput(allow_null=True)
    action = serializers.CharField(
        allow_null=True, help_text=_lazy("须立即采取的行动（危险或没有见到儿童本人时）")
    )


REFUSALS: dict[int, Any] = {
    400: RefusalOutput,
    403: RefusalOutput,
    404: RefusalOutput,
    409: RefusalOutput,
}


def _action(visit: Visit) -> str | None:
    if not visit_requires_report(visit):
        return None
    if visit.safety == Visit.Safety.DANGER:
        return _("立即拨打 110 向公安机关报告，并报告乡镇（街道）儿童督导员和县级民政部门。")
    return _(
        "尽快再次上门确认儿童本人是否安全；如儿童下落不明、无人照料或可能遭受侵害，"
        "立即拨打 110 向公安机关报告。"
    )


# -- endpoints ---------------------------------------------------------------------------------
class CaseVisitsApi(GenericAPIView[Visit]):
    """A case's visits; recording one."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = VisitOutput

    @extend_schema(
        operation_id="cases_visits_list",
        responses={200: VisitOutput(many=True), **REFUSALS},
    )
    def get(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        audit_record(
            actor=request_user(request),
            verb=Verb.CASE_VIEWED,
            object_type="case",
            object_id=case.pk,
            child_id=case.child_id,
            changes={"part": "visits"},
        )
        visits: QuerySet[Visit] = (
            Visit.objects.filter(case=case)
            .select_related("recorded_by")
            .prefetch_related("photos")
            .order_by("-due_on", "-id")
        )
        page = self.paginate_queryset(visits)
        return self.get_paginated_response(VisitOutput(page, many=True).data)

    @extend_schema(
        operation_id="cases_visits_record",
        request={"application/json": VisitInput, "multipart/form-data": VisitMultipartInput},
        responses={200: VisitRecordedOutput, 201: VisitRecordedOutput, **REFUSALS},
    )
    def post(self, request: Request, case_id: int) -> Response:
        case = access_case_by_id(request.user, case_id)
        multipart = request.content_type.startswith("multipart/")
        data = validated_input(
            (VisitMultipartInput if multipart else VisitInput)(data=request.data)
        )
        # A retried submit returns the visit recorded the first time: 200, not 201.
        replayed = visit_by_token(case=case, client_token=data["client_token"]) is not None
        visit = visit_record(
            actor=request_user(request),
            case=case,
            visited_on=data["visited_on"],
            child_seen=data["child_seen"],
            not_seen_reason=data["not_seen_reason"],
            living_conditions=data["living_conditions"],
            safety=data["safety"],
            schooling=data["schooling"],
            health=data["health"],
            notes=data["notes"],
            photos=data.get("photos", []),
            client_token=data["client_token"],
            support_reached=data["support_reached"],
            support_note=data["support_note"],
        )
        scheduled = (
            Visit.objects.filter(case=case, status=Visit.Status.SCHEDULED)
            .select_related("case", "case__child")
            .first()
        )
        body = {
            "visit": Visit.objects.select_related("recorded_by").get(pk=visit.pk),
            "next_visit": visit_due(scheduled, first=False, today=timezone.localdate())
            if scheduled
            else None,
            "action": _action(visit),
        }
        return Response(
            VisitRecordedOutput(body).data,
            status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED,
        )


class VisitsDueApi(GenericAPIView[Visit]):
    """The caller's scheduled visits (their jurisdiction), overdue first then by due date."""

    serializer_class = VisitDueOutput

    @extend_schema(
        operation_id="visits_due",
        responses={200: VisitDueOutput(many=True), 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.VIEW_CASE):
            raise PermissionRefused(_("您的账号不能查看走访。"))
        today = timezone.localdate()
        page = self.paginate_queryset(visits_scheduled_visible_to(user=request.user))
        rows: list[DueVisit] = [
            visit_due(v, first=getattr(v, "first", False), today=today) for v in page or []
        ]
        return self.get_paginated_response(VisitDueOutput(rows, many=True).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/<int:case_id>/visits/", CaseVisitsApi.as_view(), name="case-visits"),
    path("visits/due/", VisitsDueApi.as_view(), name="visits-due"),
]
