"""Fund-use anomalies over the API: county civil affairs who handle benefits only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.anomalies.service import resolve_anomaly
from hehu.benefits.models import Anomaly
from hehu.benefits.report_api.common import REFUSALS, both, money
from hehu.benefits.reports.supervision import (
    ALL,
    access_anomaly_by_id,
    anomaly_detail,
    anomaly_kind_counts,
    anomaly_list,
)
from hehu.core.errors import PermissionRefused
from hehu.registry.serializers import RefusalOutput, request_user, validated_input


class AnomalyCycleOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    month = serializers.DateField()
    status = serializers.CharField()


class AnomalyOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="A000123")
    kind = serializers.CharField()
    kind_label = serializers.SerializerMethodField(help_text=_lazy("异常类型（zh-hans、en）"))
    status = serializers.CharField(help_text=_lazy("open、explained 或 confirmed"))
    status_label = serializers.CharField(source="get_status_display")
    county_code = serializers.CharField()
    cycle = AnomalyCycleOutput(allow_null=True)
    child_id = serializers.IntegerField(allow_null=True)
    child_name = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField(help_text=_lazy("发现的情况（zh-hans、en）"))
    found_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_by = serializers.SerializerMethodField()
    resolution = serializers.CharField()
    version = serializers.IntegerField(help_text=_lazy("处理时传回此版本号"))

    def get_kind_label(self, anomaly: Anomaly) -> dict[str, str]:
        return both(Anomaly.Kind(anomaly.kind).label)

    def get_child_name(self, anomaly: Anomaly) -> str | None:
        return anomaly.child.name if anomaly.child is not None else None

    def get_evidence(self, anomaly: Anomaly) -> dict[str, str]:
        return both(anomaly.evidence)

    def get_resolved_by(self, anomaly: Anomaly) -> str | None:
        return str(anomaly.resolved_by) if anomaly.resolved_by is not None else None


class NamedChildOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text=_lazy("不在调用者辖区、也不由本县发放的儿童为空"))
    file_visible = serializers.BooleanField()


class AnomalyTransferOutput(serializers.Serializer[Any]):
    amount = money()
    status = serializers.CharField()
    hold_reason = serializers.CharField()


class AnomalyDetailOutput(AnomalyOutput):
    facts = serializers.DictField(help_text=_lazy("筛查依据的数据"))
    children = NamedChildOutput(many=True)
    transfer = AnomalyTransferOutput(allow_null=True, help_text=_lazy("儿童在该名册中的发放"))


class KindCountOutput(serializers.Serializer[Any]):
    kind = serializers.CharField()
    name = serializers.CharField(source="label", help_text=_lazy("异常类型（调用者的语言）"))
    count = serializers.IntegerField()


class ResolveInput(serializers.Serializer[Any]):
    outcome = serializers.CharField(
        help_text=_lazy("explained（核实无误）或 confirmed（确认异常）")
    )
    note = serializers.CharField(
        allow_blank=True, help_text=_lazy("核查情况和处理结果（至少 5 个字）")
    )
    version = serializers.IntegerField(allow_null=True, required=False, default=None)


def _refuse_unless_manager(request: Request) -> None:
    if not has_perm(request.user, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("资金发放异常由县级民政部门核查处理"))


def _status(request: Request) -> str:
    return str(request.query_params.get("status", "")) or Anomaly.Status.OPEN


def _detail(request: Request, anomaly: Anomaly) -> dict[str, Any]:
    detail = anomaly_detail(user=request.user, anomaly=anomaly)
    data: dict[str, Any] = dict(AnomalyOutput(anomaly).data)
    data["facts"] = detail.facts
    data["children"] = NamedChildOutput(detail.children, many=True).data
    data["transfer"] = AnomalyTransferOutput(detail.transfer).data if detail.transfer else None
    return data


class AnomaliesApi(GenericAPIView[Anomaly]):
    serializer_class = AnomalyOutput

    @extend_schema(
        operation_id="benefits_anomalies_list",
        parameters=[
            OpenApiParameter("kind", str, enum=Anomaly.Kind.values),
            OpenApiParameter("status", str, enum=[*Anomaly.Status.values, ALL]),
            OpenApiParameter("county", str, description=str(_lazy("县（区）代码（6位）"))),
        ],
        responses={200: AnomalyOutput(many=True), 400: RefusalOutput, 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        _refuse_unless_manager(request)
        anomalies = anomaly_list(
            user=request.user,
            kind=str(request.query_params.get("kind", "")),
            status=_status(request),
            county=str(request.query_params.get("county", "")),
        )
        page = self.paginate_queryset(anomalies.select_related("resolved_by"))
        return self.get_paginated_response(AnomalyOutput(page, many=True).data)


class AnomalyKindsApi(GenericAPIView[Anomaly]):
    serializer_class = KindCountOutput

    @extend_schema(
        operation_id="benefits_anomalies_kinds",
        parameters=[OpenApiParameter("status", str, enum=[*Anomaly.Status.values, ALL])],
        responses={200: KindCountOutput(many=True), 400: RefusalOutput, 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        _refuse_unless_manager(request)
        counts = anomaly_kind_counts(user=request.user, status=_status(request))
        return Response(KindCountOutput(counts, many=True).data)


class AnomalyApi(GenericAPIView[Anomaly]):
    serializer_class = AnomalyDetailOutput

    @extend_schema(
        operation_id="benefits_anomalies_detail",
        responses={200: AnomalyDetailOutput, 404: RefusalOutput},
    )
    def get(self, request: Request, anomaly_id: int) -> Response:
        return Response(_detail(request, access_anomaly_by_id(request.user, anomaly_id)))


class ResolveApi(GenericAPIView[Anomaly]):
    serializer_class = AnomalyDetailOutput

    @extend_schema(
        operation_id="benefits_anomalies_resolve",
        request=ResolveInput,
        responses={200: AnomalyDetailOutput, 409: RefusalOutput, **REFUSALS},
    )
    def post(self, request: Request, anomaly_id: int) -> Response:
        anomaly = access_anomaly_by_id(request.user, anomaly_id)
        data = validated_input(ResolveInput(data=request.data))
        resolve_anomaly(
            actor=request_user(request),
            anomaly=anomaly,
            outcome=data["outcome"],
            note=data["note"],
            expected_version=data["version"],
        )
        return Response(_detail(request, access_anomaly_by_id(request.user, anomaly_id)))
