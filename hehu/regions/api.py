"""Read-only regions API. Region codes are public statistical codes: any signed-in user
may read them; no jurisdiction applies."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.regions.errors import UnknownRegion
from hehu.regions.models import Region
from hehu.regions.selectors import region_get_or_error, region_path, regions_list

_LEVELS = "、".join(Region.Level.values)


class RegionOutput(serializers.Serializer[Region]):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Region.Level.choices)
    level_display = serializers.CharField(source="get_level_display")
    parent_code = serializers.CharField(source="parent_id", allow_null=True)
    urban_rural = serializers.CharField(allow_blank=True)
    source_year = serializers.IntegerField()
    is_demo = serializers.BooleanField()
    active = serializers.BooleanField()


class RegionBriefOutput(serializers.Serializer[Region]):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Region.Level.choices)


class RegionDetailOutput(RegionOutput):
    path = RegionBriefOutput(many=True, help_text=gettext_lazy("从省级到本级的完整路径"))


class RegionListApi(generics.ListAPIView[Region]):
    """Regions under a parent and/or at a level; the provinces when neither is given."""

    serializer_class = RegionOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("parent", str, description="上级区划代码（12位）"),
            OpenApiParameter("level", str, enum=Region.Level.values, description="层级"),
        ],
        responses=RegionOutput(many=True),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Region]:
        params = self.request.query_params
        level = params.get("level") or None
        if level is not None and level not in Region.Level.values:
            raise ValidationError(
                {"level": [_("层级必须是以下之一：%(levels)s") % {"levels": _LEVELS}]}
            )
        parent = params.get("parent")
        if parent is not None:
            parent = region_get_or_error(parent, field="parent", include_inactive=True).code
        return regions_list(parent_code=parent, level=level)


class RegionDetailApi(generics.GenericAPIView[Region]):
    """One region with its path from the province down."""

    serializer_class = RegionDetailOutput

    @extend_schema(responses=RegionDetailOutput)
    def get(self, request: Request, code: str) -> Response:
        try:
            region = region_get_or_error(code, field="code", include_inactive=True)
        except UnknownRegion:
            raise NotFound from None
        region.path = region_path(region.code)  # type: ignore[attr-defined]
        return Response(RegionDetailOutput(region).data)
