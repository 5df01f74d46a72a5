"""GET /api/v1/coverage-gaps/: children in one's jurisdiction with a need signal and no
category, with the labels of the signals that put them there."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.core.errors import PermissionRefused
from hehu.policy.gaps.selectors import (
    coverage_gaps_visible_to,
    may_see_gaps,
    need_signal_labels,
    stored_classification,
)
from hehu.registry.models import Child
from hehu.registry.serializers import RegistryErrorOutput


class GapOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region_code = serializers.CharField(source="region_id")
    as_of = serializers.DateField(source="classification.as_of")
    policy = serializers.CharField(source="classification.policy_version.ref")
    signals = serializers.SerializerMethodField()

    def get_signals(self, obj: Child) -> list[dict[str, Any]]:
        labels = self.context["labels"]
        return [
            {"code": code, "label": labels[code].as_dict() if code in labels else {}}
            for code in stored_classification(obj).signals
        ]


class GapsQuery(serializers.Serializer[Any]):
    signal = serializers.CharField(required=False, allow_blank=True)
    region = serializers.CharField(required=False, allow_blank=True)


class CoverageGapsApi(GenericAPIView[Child]):
    """Coverage gaps in one's jurisdiction, by region then name; filter by `signal` (a need
    signal's code) and `region` (a region code prefix). Paginated."""

    serializer_class = GapOutput

    def get_queryset(self) -> QuerySet[Child]:
        params = self.request.query_params
        return coverage_gaps_visible_to(
            user=self.request.user,
            signal=params.get("signal", ""),
            region=params.get("region", ""),
        )

    @extend_schema(
        operation_id="coverage_gaps_list",
        parameters=[GapsQuery],
        responses={200: GapOutput(many=True), 400: RegistryErrorOutput, 403: RegistryErrorOutput},
    )
    def get(self, request: Request) -> Response:
        if not may_see_gaps(request.user):
            raise PermissionRefused(_("需求未覆盖名单仅向个案工作人员开放"))
        page = self.paginate_queryset(self.get_queryset())
        children = list(page or [])
        labels = need_signal_labels([stored_classification(c).policy_version for c in children])
        return self.get_paginated_response(
            GapOutput(children, many=True, context={"labels": labels}).data
        )
