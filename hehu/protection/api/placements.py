"""Removals, placements, return assessments and the county placement register over the API.

- `GET /api/v1/facilities/` the caller's county register with occupancy and free places;
  `POST` adds a place; `PUT /api/v1/facilities/<id>/` changes one (send `version`: a
  concurrent edit is refused with 409).
- `POST /api/v1/children/<id>/protection/removals/` records an emergency removal, with an
  optional `placement` object (civil affairs place the child in the same call).
- `POST /api/v1/children/<id>/protection/placements/` places the child.
- `POST /api/v1/placements/<id>/return-assessments/` records the assessment before a return;
  `POST /api/v1/placements/<id>/end/` ends a placement.
- `GET /api/v1/children/<id>/protection/` the child's protection record (audited).

Thin: access helpers (404 whether hidden or missing), the services decide; refusals are
rendered by hehu.api.errors.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import PermissionRefused
from hehu.protection.models import CareFacility, Placement, Removal, ReturnAssessment
from hehu.protection.models.placement import Ground, RemovingBody
from hehu.protection.selectors import (
    access_facility_by_id,
    access_placement_by_id,
    access_protection_child_by_id,
    facilities_visible_to,
    protection_record_of,
    with_occupancy,
)
from hehu.protection.services.facilities import facility_create, facility_update
from hehu.protection.services.placements import (
    PlacementInput,
    placement_end,
    placement_number,
    placement_start,
    removal_number,
    removal_record,
    return_assessment_record,
)
from hehu.registry.models import GuardianRelation, LivingArrangement
from hehu.registry.serializers import RefusalOutput, request_user, validated_input


def _choices(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices)


# -- shapes ------------------------------------------------------------------------------------
REFUSALS: dict[int, Any] = {
    400: RefusalOutput,
    403: RefusalOutput,
    404: RefusalOutput,
}


def _text(help_text: Any, *, required: bool = False) -> serializers.CharField:
    return serializers.CharField(
        required=required, allow_blank=True, default="", trim_whitespace=False, help_text=help_text
    )


class FacilityInput(serializers.Serializer[Any]):
    name = _text(_lazy("名称（不超过 100 字，本县内不重名）"))
    kind = _text(_lazy("类型：") + _choices(CareFacility.Kind.choices))
    capacity = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_lazy("床位（可安置人数）")
    )
    region_code = _text(_lazy("所在县（区）区划代码，6 或 12 位；只管辖一个县时可不填"))


class FacilityUpdateInput(serializers.Serializer[Any]):
    name = _text(_lazy("名称"))
    kind = _text(_lazy("类型：") + _choices(CareFacility.Kind.choices))
    capacity = serializers.IntegerField(required=False, allow_null=True, default=None)
    active = serializers.BooleanField(default=True, help_text=_lazy("在用（停用后不能再安置）"))
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("读取时的版本号：其他人已修改时返回 409"),
    )


class FacilityOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    region_code = serializers.CharField()
    capacity = serializers.IntegerField()
    occupied = serializers.IntegerField(help_text=_lazy("现安置人数（尚未结束的安置）"))
    free = serializers.SerializerMethodField(help_text=_lazy("空余床位"))
    active = serializers.BooleanField()
    version = serializers.IntegerField()

    def get_free(self, facility: CareFacility) -> int:
        return max(facility.capacity - getattr(facility, "occupied", 0), 0)


class PlacementFacilityOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")


class PlacementInputShape(serializers.Serializer[Any]):
    kind = _text(_lazy("安置方式：") + _choices(Placement.Kind.choices))
    guardianship = serializers.CharField(
        required=False,
        default=Placement.Guardianship.TEMPORARY,
        help_text=_lazy("监护类型：") + _choices(Placement.Guardianship.choices),
    )
    started_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_lazy("安置日期 YYYY-MM-DD")
    )
    facility_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("安置场所编号（家庭寄养、机构收留抚养时必填）"),
    )
    carer_name = _text(_lazy("照料人（委托亲属抚养时必填）"))
    carer_relation = _text(_lazy("照料人与儿童关系（委托亲属抚养时必填）"))
    over_capacity_reason = _text(_lazy("场所已满时超员安置的理由（不少于 10 个字）"))


class RemovalInput(serializers.Serializer[Any]):
    removed_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text=_lazy("带离时间（ISO 8601）")
    )
    removed_by_body = _text(_lazy("带离单位：") + _choices(RemovingBody.choices))
    removed_by_name = _text(_lazy("带离人员"))
    ground = _text(_lazy("临时监护的情形（未成年人保护法第九十二条）：") + _choices(Ground.choices))
    circumstances = _text(_lazy("情况说明（不超过 5000 字）"))
    report_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_lazy("强制报告编号（可选）")
    )
    placement = PlacementInputShape(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("同时安置（仅县级民政部门）；错误以 placement.<字段> 返回"),
    )


class AssessmentInput(serializers.Serializer[Any]):
    assessed_on = serializers.DateField(required=False, allow_null=True, default=None)
    guardian_can_care = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_lazy("监护人能否重新履行监护职责"),
    )
    findings = _text(_lazy("评估意见（不超过 5000 字）"))


class PlacementEndInput(serializers.Serializer[Any]):
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)
    end_reason = _text(_lazy("结束原因：") + _choices(Placement.EndReason.choices))
    living_arrangement = _text(
        _lazy("儿童现在的居住情况（返还监护人时必填）：") + _choices(LivingArrangement.choices)
    )
    guardian_relation = _text(
        _lazy("监护人与儿童关系（返还监护人时必填）：") + _choices(GuardianRelation.choices)
    )
    guardian_name = _text(_lazy("监护人姓名"))
    version = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReturnAssessmentOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    assessed_on = serializers.DateField()
    guardian_can_care = serializers.BooleanField()
    findings = serializers.CharField()
    assessed_by = serializers.CharField()


class PlacementOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.SerializerMethodField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    guardianship = serializers.CharField()
    facility = PlacementFacilityOutput(allow_null=True)
    carer_name = serializers.CharField()
    carer_relation = serializers.CharField()
    started_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)
    end_reason = serializers.CharField()
    over_capacity_reason = serializers.CharField()
    removal_id = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField()
    return_assessments = ReturnAssessmentOutput(many=True, source="return_assessments.all")

    def get_number(self, placement: Placement) -> str:
        return placement_number(placement)


class RemovalOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.SerializerMethodField()
    removed_at = serializers.DateTimeField()
    removed_by_body = serializers.CharField()
    removed_by_name = serializers.CharField()
    ground = serializers.CharField()
    ground_label = serializers.CharField(source="get_ground_display")
    circumstances = serializers.CharField()
    report_id = serializers.IntegerField(allow_null=True)
    recorded_at = serializers.DateTimeField()

    def get_number(self, removal: Removal) -> str:
        return removal_number(removal)


class RemovalRecordedOutput(serializers.Serializer[Any]):
    removal = RemovalOutput()
    placement = PlacementOutput(allow_null=True)


class ChildProtectionOutput(serializers.Serializer[Any]):
    child_id = serializers.IntegerField()
    current = PlacementOutput(allow_null=True, help_text=_lazy("儿童现在的安置（没有时为 null）"))
    removals = RemovalOutput(many=True)
    placements = PlacementOutput(many=True)


def _placement(pk: int) -> Placement:
    return (
        Placement.objects.select_related("facility")
        .prefetch_related("return_assessments__assessed_by")
        .get(pk=pk)
    )


def _facility_out(pk: int) -> CareFacility:
    return with_occupancy(CareFacility.objects.filter(pk=pk)).get()


# -- endpoints ---------------------------------------------------------------------------------
class FacilitiesApi(GenericAPIView[CareFacility]):
    """The county placement register."""

    serializer_class = FacilityOutput

    @extend_schema(
        operation_id="protection_facilities_list",
        responses={200: FacilityOutput(many=True), 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        if not has_perm(request.user, Perm.MANAGE_PLACEMENTS):
            raise PermissionRefused(_("安置场所登记由县级民政部门管理"))
        page = self.paginate_queryset(facilities_visible_to(request.user))
        return self.get_paginated_response(FacilityOutput(page, many=True).data)

    @extend_schema(
        operation_id="protection_facilities_create",
        request=FacilityInput,
        responses={201: FacilityOutput, **REFUSALS},
    )
    def post(self, request: Request) -> Response:
        data = validated_input(FacilityInput(data=request.data))
        facility = facility_create(actor=request_user(request), **data)
        return Response(
            FacilityOutput(_facility_out(facility.pk)).data, status=status.HTTP_201_CREATED
        )


class FacilityApi(GenericAPIView[CareFacility]):
    serializer_class = FacilityOutput

    @extend_schema(
        operation_id="protection_facilities_update",
        request=FacilityUpdateInput,
        responses={200: FacilityOutput, 409: RefusalOutput, **REFUSALS},
    )
    def put(self, request: Request, facility_id: int) -> Response:
        facility = access_facility_by_id(request.user, facility_id)
        data = validated_input(FacilityUpdateInput(data=request.data))
        version = data.pop("version")
        facility_update(
            actor=request_user(request), facility=facility, expected_version=version, **data
        )
        return Response(FacilityOutput(_facility_out(facility.pk)).data)


class RemovalsApi(GenericAPIView[Removal]):
    serializer_class = RemovalRecordedOutput

    @extend_schema(
        operation_id="protection_removals_record",
        request=RemovalInput,
        responses={201: RemovalRecordedOutput, **REFUSALS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_protection_child_by_id(request.user, child_id)
        data = validated_input(RemovalInput(data=request.data))
        placement = data.pop("placement")
        removal = removal_record(
            actor=request_user(request),
            child=child,
            placement=PlacementInput(**placement) if placement else None,
            **data,
        )
        placed = removal.placements.first()
        body = {"removal": removal, "placement": _placement(placed.pk) if placed else None}
        return Response(RemovalRecordedOutput(body).data, status=status.HTTP_201_CREATED)


class PlacementsApi(GenericAPIView[Placement]):
    serializer_class = PlacementOutput

    @extend_schema(
        operation_id="protection_placements_start",
        request=PlacementInputShape,
        responses={201: PlacementOutput, **REFUSALS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_protection_child_by_id(request.user, child_id)
        data = validated_input(PlacementInputShape(data=request.data))
        placement = placement_start(
            actor=request_user(request), child=child, data=PlacementInput(**data)
        )
        return Response(
            PlacementOutput(_placement(placement.pk)).data, status=status.HTTP_201_CREATED
        )


class PlacementEndApi(GenericAPIView[Placement]):
    serializer_class = PlacementOutput

    @extend_schema(
        operation_id="protection_placements_end",
        request=PlacementEndInput,
        responses={200: PlacementOutput, 409: RefusalOutput, **REFUSALS},
    )
    def post(self, request: Request, placement_id: int) -> Response:
        placement = access_placement_by_id(request.user, placement_id)
        data = validated_input(PlacementEndInput(data=request.data))
        version = data.pop("version")
        placement_end(
            actor=request_user(request), placement=placement, expected_version=version, **data
        )
        return Response(PlacementOutput(_placement(placement.pk)).data)


class ReturnAssessmentsApi(GenericAPIView[ReturnAssessment]):
    serializer_class = ReturnAssessmentOutput

    @extend_schema(
        operation_id="protection_return_assessments_record",
        request=AssessmentInput,
        responses={201: ReturnAssessmentOutput, **REFUSALS},
    )
    def post(self, request: Request, placement_id: int) -> Response:
        placement = access_placement_by_id(request.user, placement_id)
        data = validated_input(AssessmentInput(data=request.data))
        assessment = return_assessment_record(
            actor=request_user(request), placement=placement, **data
        )
        return Response(ReturnAssessmentOutput(assessment).data, status=status.HTTP_201_CREATED)


class ChildProtectionApi(GenericAPIView[Placement]):
    serializer_class = ChildProtectionOutput

    @extend_schema(
        operation_id="protection_child_record",
        responses={200: ChildProtectionOutput, 404: RefusalOutput},
    )
    def get(self, request: Request, child_id: int) -> Response:
        child = access_protection_child_by_id(request.user, child_id)
        record = protection_record_of(child)
        audit_record(
            actor=request_user(request),
            verb=Verb.PROTECTION_VIEWED,
            object_type="child",
            object_id=child.pk,
            child_id=child.pk,
            changes={"part": "protection", "api": True},
        )
        body = {
            "child_id": child.pk,
            "current": record.current,
            "removals": record.removals,
            "placements": record.placements,
        }
        response = Response(ChildProtectionOutput(body).data)
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns: list[URLPattern | URLResolver] = [
    path("facilities/", FacilitiesApi.as_view(), name="protection-facilities"),
    path("facilities/<int:facility_id>/", FacilityApi.as_view(), name="protection-facility"),
    path(
        "children/<int:child_id>/protection/",
        ChildProtectionApi.as_view(),
        name="child-protection",
    ),
    path(
        "children/<int:child_id>/protection/removals/",
        RemovalsApi.as_view(),
        name="child-protection-removals",
    ),
    path(
        "children/<int:child_id>/protection/placements/",
        PlacementsApi.as_view(),
        name="child-protection-placements",
    ),
    path(
        "placements/<int:placement_id>/return-assessments/",
        ReturnAssessmentsApi.as_view(),
        name="placement-return-assessments",
    ),
    path("placements/<int:placement_id>/end/", PlacementEndApi.as_view(), name="placement-end"),
]
