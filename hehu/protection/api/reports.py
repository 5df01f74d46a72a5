"""Compulsory reports over the API (DOMAIN.md §8).

`POST /api/v1/public/reports/` files a report without an account (throttled: 10 an hour
per address); `POST /api/v1/reports/` files one as the signed-in person (FILE_REPORT).
Send a `client_token` made once per form: a retried submit returns the first report (200).
`GET /api/v1/reports/` is the department's queue, `GET /api/v1/reports/<id>/` one report
(audited); `POST …/accept/`, `…/feedback/`, `…/finding/`, `…/link-child/` act on it and
`POST …/reveal-reporter/` shows who reported, for a reason (audited). No response carries
the reporter's identity except the reveal.

Thin: reports through `access_report_by_id` (404 hidden or missing), the services decide;
refusals are rendered by hehu.api.errors. The shapes are in report_serializers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

from django.db.models import Prefetch, QuerySet
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.protection.api.report_serializers import (
    REFUSALS,
    ReportDetailOutput,
    ReporterOutput,
    ReporterRevealInput,
    ReportFeedbackInput,
    ReportFiledOutput,
    ReportFileInput,
    ReportFindingInput,
    ReportLinkChildInput,
    ReportListOutput,
    ReportReceiptOutput,
)
from hehu.protection.models import Report, ReportRoute
from hehu.protection.report_selectors import (
    access_report_by_id,
    department_acting,
    reports_visible_to,
)
from hehu.protection.services.report_actions import (
    report_accept,
    report_child_link,
    report_feedback_give,
    report_finding_record,
    report_record_view,
    report_reporter_reveal,
)
from hehu.protection.services.reports import CIVIL_AFFAIRS, ReportData, report_file
from hehu.registry.selectors import children_visible_to
from hehu.registry.serializers import RefusalOutput, request_user, validated_input

PUBLIC_RATE = "10/hour"


# -- helpers -----------------------------------------------------------------------------------


def _data(values: dict[str, Any]) -> ReportData:
    return ReportData(
        reporter_kind=values["reporter_kind"],
        region_code=values["region_code"],
        situations=list(values["situations"]),
        observed_on=values["observed_on"],
        account=values["account"],
        anonymous=values["anonymous"],
        reporter_name=values["reporter_name"],
        reporter_unit=values["reporter_unit"],
        reporter_phone=values["reporter_phone"],
        child_id=values["child_id"],
        child_description=values["child_description"],
        child_sex=values["child_sex"],
        child_age=values["child_age"],
        place=values["place"],
        school_matter=values["school_matter"],
        immediate_danger=values["immediate_danger"],
    )


def _receipt(report: Report, *, with_id: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": report.number,
        "received_at": report.received_at,
        "next_steps": _(
            "报告已送达发生地县级公安机关和民政部门（涉及学校的同时送达教育部门）；"
            "公安机关立即受理，3 日内向报告单位反馈。报告人身份严格保密。"
        ),
        "call_110": report.immediate_danger,
    }
    if with_id:
        body["id"] = report.pk
    return body


def _filed(request: Request, *, actor: User | None) -> Response:
    values = validated_input(ReportFileInput(data=request.data))
    report, created = report_file(
        actor=actor, data=_data(values), client_token=values["client_token"]
    )
    output = ReportFiledOutput if actor is not None else ReportReceiptOutput
    return Response(
        output(_receipt(report, with_id=actor is not None)).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )


def _overdue(route: ReportRoute, now: dt.datetime) -> bool:
    return bool(
        route.feedback_due_at is not None
        and route.feedback_at is None
        and now > route.feedback_due_at
    )


def _route_body(route: ReportRoute, now: dt.datetime) -> dict[str, Any]:
    return {
        "department": route.department,
        "region_code": route.region_code,
        "routed_at": route.routed_at,
        "accepted_at": route.accepted_at,
        "feedback_due_at": route.feedback_due_at,
        "feedback_at": route.feedback_at,
        "feedback": route.feedback,
        "overdue": _overdue(route, now),
    }


def _detail_body(report: Report) -> dict[str, Any]:
    now = timezone.now()
    return {
        "id": report.pk,
        "number": report.number,
        "received_at": report.received_at,
        "status": report.status,
        "finding": report.finding,
        "anonymous": report.anonymous,
        "child_id": report.child_id,
        "child_description": report.child_description,
        "child_sex": report.child_sex,
        "child_age": report.child_age,
        "region_code": report.region_code,
        "place": report.place,
        "observed_on": report.observed_on,
        "situations": list(report.situations),
        "account": report.account,
        "school_matter": report.school_matter,
        "immediate_danger": report.immediate_danger,
        "routed_at": report.routed_at,
        "routes": [_route_body(r, now) for r in report.routes.order_by("routed_at", "id")],
    }


def _fresh(report: Report) -> Response:
    return Response(ReportDetailOutput(_detail_body(Report.objects.get(pk=report.pk))).data)


def _acting(request: Request, report_id: int) -> tuple[User, Report]:
    actor = request_user(request)
    report = access_report_by_id(actor, report_id)
    if not has_perm(actor, Perm.ACT_ON_REPORT):
        raise PermissionRefused(_("您的账号没有处理强制报告的权限"))
    return actor, report


# -- endpoints ---------------------------------------------------------------------------------
class PublicReportThrottle(AnonRateThrottle):
    """At most 10 reports an hour from one address, in Django's default cache (a shared
    cache in production, or the limit holds per process only)."""

    scope = "reports"
    rate = PUBLIC_RATE

    def get_ident(self, request: Request) -> str:
        # REMOTE_ADDR only, as hehu.core.middleware.client_ip: DRF's default would trust a
        # client's own X-Forwarded-For, and a new header each time would lift the limit.
        return str(request.META.get("REMOTE_ADDR") or "unknown")


class PublicReportsApi(GenericAPIView[Report]):
    """File a compulsory report without an account (anyone may report, DOMAIN.md §8)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [PublicReportThrottle]
    serializer_class = ReportFileInput

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise exceptions.Throttled(
            wait,
            detail=_(
                "提交过于频繁：同一网络每小时最多提交 10 份报告，请稍后再试；"
                "情况紧急请立即拨打 110。"
            ),
        )

    @extend_schema(
        operation_id="reports_public_file",
        request=ReportFileInput,
        responses={
            200: ReportReceiptOutput,
            201: ReportReceiptOutput,
            400: RefusalOutput,
            429: RefusalOutput,
        },
    )
    def post(self, request: Request) -> Response:
        return _filed(request, actor=None)


class ReportsApi(GenericAPIView[Report]):
    """The reports routed to the caller's department (newest first); filing one as oneself."""

    serializer_class = ReportListOutput

    @extend_schema(
        operation_id="reports_list",
        parameters=[
            OpenApiParameter(
                "show", str, enum=["all", "todo"], description="all=全部；todo=本部门待受理"
            )
        ],
        responses={200: ReportListOutput(many=True), 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        actor = request_user(request)
        if not has_perm(actor, Perm.VIEW_REPORTS):
            raise PermissionRefused(_("您的账号不能查看强制报告"))
        department = department_acting(actor)
        queryset: QuerySet[Report] = reports_visible_to(user=actor)
        if request.query_params.get("show") == "todo":
            waiting = queryset.filter(
                routes__department=department, routes__accepted_at__isnull=True
            )
            if department == CIVIL_AFFAIRS:
                waiting = waiting | queryset.filter(routed_at__isnull=True)
            queryset = waiting.distinct()
        queryset = queryset.prefetch_related(
            Prefetch(
                "routes",
                queryset=ReportRoute.objects.filter(department=department),
                to_attr="mine",
            )
        ).order_by("-received_at", "-id")
        page = self.paginate_queryset(queryset) or []
        now = timezone.now()
        rows = [
            {
                "id": r.pk,
                "number": r.number,
                "received_at": r.received_at,
                "situations": list(r.situations),
                "county_code": r.region_code[:6].ljust(12, "0"),
                "registered_child": r.child_id is not None,
                "immediate_danger": r.immediate_danger,
                "status": r.status,
                "my_route": _route_body(r.mine[0], now) if r.mine else None,
            }
            for r in page
        ]
        return self.get_paginated_response(ReportListOutput(rows, many=True).data)

    @extend_schema(
        operation_id="reports_file",
        request=ReportFileInput,
        responses={200: ReportFiledOutput, 201: ReportFiledOutput, **REFUSALS},
    )
    def post(self, request: Request) -> Response:
        actor = request_user(request)
        if not has_perm(actor, Perm.FILE_REPORT):
            raise PermissionRefused(
                _("您的账号不能以此身份提交报告，请使用公开的报告接口 /api/v1/public/reports/")
            )
        return _filed(request, actor=actor)


class ReportDetailApi(GenericAPIView[Report]):
    """One report (audited): everything reported except the reporter."""

    serializer_class = ReportDetailOutput

    @extend_schema(operation_id="reports_detail", responses={200: ReportDetailOutput, **REFUSALS})
    def get(self, request: Request, report_id: int) -> Response:
        actor = request_user(request)
        report = access_report_by_id(actor, report_id)
        report_record_view(actor=actor, report=report)
        return Response(ReportDetailOutput(_detail_body(report)).data)


class ReportAcceptApi(GenericAPIView[Report]):
    """The caller's department accepts the report (police: at once)."""

    serializer_class = ReportDetailOutput

    @extend_schema(
        operation_id="reports_accept", request=None, responses={200: ReportDetailOutput, **REFUSALS}
    )
    def post(self, request: Request, report_id: int) -> Response:
        actor, report = _acting(request, report_id)
        report_accept(actor=actor, report=report)
        return _fresh(report)


class ReportFeedbackApi(GenericAPIView[Report]):
    """Police feedback to the reporting unit (due within 3 days of the report)."""

    serializer_class = ReportFeedbackInput

    @extend_schema(
        operation_id="reports_feedback",
        request=ReportFeedbackInput,
        responses={200: ReportDetailOutput, **REFUSALS},
    )
    def post(self, request: Request, report_id: int) -> Response:
        actor, report = _acting(request, report_id)
        values = validated_input(ReportFeedbackInput(data=request.data))
        report_feedback_give(actor=actor, report=report, feedback=values["feedback"])
        return _fresh(report)


class ReportFindingApi(GenericAPIView[Report]):
    """Police or civil affairs record whether the harm is substantiated."""

    serializer_class = ReportFindingInput

    @extend_schema(
        operation_id="reports_finding",
        request=ReportFindingInput,
        responses={200: ReportDetailOutput, **REFUSALS},
    )
    def post(self, request: Request, report_id: int) -> Response:
        actor, report = _acting(request, report_id)
        values = validated_input(ReportFindingInput(data=request.data))
        report_finding_record(actor=actor, report=report, finding=values["finding"])
        return _fresh(report)


class ReportLinkChildApi(GenericAPIView[Report]):
    """Name the registered child the report described."""

    serializer_class = ReportLinkChildInput

    @extend_schema(
        operation_id="reports_link_child",
        request=ReportLinkChildInput,
        responses={200: ReportDetailOutput, **REFUSALS},
    )
    def post(self, request: Request, report_id: int) -> Response:
        actor, report = _acting(request, report_id)
        values = validated_input(ReportLinkChildInput(data=request.data))
        child = children_visible_to(user=actor).filter(pk=values["child_id"]).first()
        if child is None:
            raise ValidationFailed({"child_id": [_("找不到该儿童档案，或它不在您的管辖范围内")]})
        report_child_link(actor=actor, report=report, child=child)
        return _fresh(report)


class ReporterRevealApi(GenericAPIView[Report]):
    """Who reported, for a stated reason (audited; police and civil affairs acting on it)."""

    serializer_class = ReporterRevealInput

    @extend_schema(
        operation_id="reports_reveal_reporter",
        request=ReporterRevealInput,
        responses={200: ReporterOutput, **REFUSALS},
    )
    def post(self, request: Request, report_id: int) -> Response:
        actor = request_user(request)
        report = access_report_by_id(actor, report_id)
        values = validated_input(ReporterRevealInput(data=request.data))
        reporter = report_reporter_reveal(actor=actor, report=report, reason=values["reason"])
        response = Response(
            ReporterOutput(
                {
                    "anonymous": reporter.anonymous,
                    "kind": reporter.kind,
                    "name": reporter.name,
                    "unit": reporter.unit,
                    "phone": reporter.phone,
                }
            ).data
        )
        # The identity is shown once: never kept by a browser or proxy cache.
        response["Cache-Control"] = "no-store"
        return response


urlpatterns: list[URLPattern | URLResolver] = [
    path("public/reports/", PublicReportsApi.as_view(), name="reports-public"),
    path("reports/", ReportsApi.as_view(), name="reports"),
    path("reports/<int:report_id>/", ReportDetailApi.as_view(), name="report"),
    path("reports/<int:report_id>/accept/", ReportAcceptApi.as_view(), name="report-accept"),
    path("reports/<int:report_id>/feedback/", ReportFeedbackApi.as_view(), name="report-feedback"),
    path("reports/<int:report_id>/finding/", ReportFindingApi.as_view(), name="report-finding"),
    path(
        "reports/<int:report_id>/link-child/",
        ReportLinkChildApi.as_view(),
        name="report-link-child",
    ),
    path(
        "reports/<int:report_id>/reveal-reporter/",
        ReporterRevealApi.as_view(),
        name="report-reveal-reporter",
    ),
]
