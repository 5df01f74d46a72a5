"""Enrolments over the API: who is paid under which category, from when to when.

- `GET /api/v1/benefits/candidates/?region=` children of the caller's counties whose
  current classification holds a category some monthly programme pays for, without a
  running enrolment of it (paged; `missing`: the categories to confirm).
- `GET /api/v1/benefits/enrolments-to-review/` running enrolments whose child no longer
  holds the category (paged).
- `POST /api/v1/children/<id>/benefits/enrolments/` {category, confirmed_on, note} confirms
  an entitlement: paid from the month after confirmation.
- `POST /api/v1/children/<id>/benefits/changes/` {reason, changed_on, note, categories}
  records a change: payment stops from the month after it happened (months already paid
  become overpayments).
- `POST /api/v1/benefits/enrolments/<id>/cancel-stop/` {version, note} undoes a stop
  recorded in error (409 when the enrolment changed since the caller read it).

Thin: access helpers (404 whether hidden or missing), the services of
hehu.benefits.services.enrolments decide; refusals are rendered by hehu.api.errors.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from hehu.accounts.permissions import Perm, has_perm
from hehu.benefits.api.shapes import REFUSALS, WITH_CONFLICT, EnrolmentOutput, category_name
from hehu.benefits.models import Enrolment, StopReason
from hehu.benefits.selectors import (
    access_benefit_child_by_id,
    access_enrolment_by_id,
    candidates_to_confirm,
    enrolments_to_review,
    missing_categories,
)
from hehu.benefits.services.enrolments import cancel_stop, enrol, record_change
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.models import Child
from hehu.registry.serializers import RefusalOutput, request_user, validated_input


def _choices(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices)


def _refuse_unless_manager(user: Any) -> None:
    if not has_perm(user, Perm.MANAGE_BENEFITS):
        raise PermissionRefused(_("待遇资格由县级民政部门确认"))


# -- shapes ------------------------------------------------------------------------------------
class BenefitCandidateOutput(serializers.Serializer[Any]):
    child_id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    region_code = serializers.CharField(source="region_id")
    missing = serializers.SerializerMethodField(
        help_text=_lazy("按现行认定属于、但尚未确认待遇资格的类别")
    )

    def get_missing(self, child: Child) -> list[dict[str, Any]]:
        missing: dict[int, list[str]] = self.context.get("missing", {})
        return [{"category": c, "label": category_name(self, c)} for c in missing.get(child.pk, [])]


class EnrolmentReviewOutput(EnrolmentOutput):
    child_name = serializers.CharField(source="child.name")


class EnrolmentInput(serializers.Serializer[Any]):
    category = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_lazy("类别代码，如 orphan")
    )
    confirmed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_lazy("确认日期 YYYY-MM-DD")
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("说明；孤儿、事实无人抚养儿童须写明原认定文号"),
    )


class BenefitChangeInput(serializers.Serializer[Any]):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_lazy("变化：") + _choices(StopReason.choices),
    )
    changed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_lazy("变化发生的日期")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    categories = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text=_lazy("“不再符合条件”和“其他”时停发的类别；不填则停发全部"),
    )


class BenefitChangeOutput(serializers.Serializer[Any]):
    stopped = EnrolmentOutput(many=True)


class CancelStopInput(serializers.Serializer[Any]):
    version = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_lazy("撤销停发的理由")
    )


# -- endpoints ---------------------------------------------------------------------------------
class CandidatesApi(GenericAPIView[Child]):
    serializer_class = BenefitCandidateOutput

    @extend_schema(
        operation_id="benefits_candidates",
        parameters=[OpenApiParameter("region", str, description=str(_lazy("区划代码前缀")))],
        responses={200: BenefitCandidateOutput(many=True), 400: RefusalOutput, 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        _refuse_unless_manager(request.user)
        region = str(request.query_params.get("region", "")).strip()
        if region and not (region.isdigit() and len(region) <= 12):
            raise ValidationFailed({"region": [_("区划代码前缀应为不超过12位的数字")]})
        page = self.paginate_queryset(candidates_to_confirm(user=request.user, region=region))
        rows = list(page or [])
        context = {"missing": missing_categories(rows)}
        return self.get_paginated_response(
            BenefitCandidateOutput(rows, many=True, context=context).data
        )


class ReviewApi(GenericAPIView[Enrolment]):
    serializer_class = EnrolmentReviewOutput

    @extend_schema(
        operation_id="benefits_enrolments_to_review",
        responses={200: EnrolmentReviewOutput(many=True), 403: RefusalOutput},
    )
    def get(self, request: Request) -> Response:
        _refuse_unless_manager(request.user)
        page = self.paginate_queryset(enrolments_to_review(user=request.user))
        return self.get_paginated_response(EnrolmentReviewOutput(page, many=True).data)


class EnrolApi(GenericAPIView[Enrolment]):
    serializer_class = EnrolmentOutput

    @extend_schema(
        operation_id="benefits_enrol",
        request=EnrolmentInput,
        responses={201: EnrolmentOutput, **REFUSALS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_benefit_child_by_id(request.user, child_id)
        data = validated_input(EnrolmentInput(data=request.data))
        enrolment = enrol(actor=request_user(request), child=child, **data)
        return Response(EnrolmentOutput(enrolment).data, status=status.HTTP_201_CREATED)


class ChangeApi(GenericAPIView[Enrolment]):
    serializer_class = BenefitChangeOutput

    @extend_schema(
        operation_id="benefits_record_change",
        request=BenefitChangeInput,
        responses={200: BenefitChangeOutput, **REFUSALS},
    )
    def post(self, request: Request, child_id: int) -> Response:
        child = access_benefit_child_by_id(request.user, child_id)
        data = validated_input(BenefitChangeInput(data=request.data))
        stopped = record_change(
            actor=request_user(request),
            child=child,
            reason=data["reason"],
            changed_on=data["changed_on"],
            note=data["note"],
            categories=data["categories"] or None,
        )
        return Response(BenefitChangeOutput({"stopped": stopped}).data)


class CancelStopApi(GenericAPIView[Enrolment]):
    serializer_class = EnrolmentOutput

    @extend_schema(
        operation_id="benefits_cancel_stop",
        request=CancelStopInput,
        responses={200: EnrolmentOutput, **WITH_CONFLICT},
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = access_enrolment_by_id(request.user, enrolment_id)
        data = validated_input(CancelStopInput(data=request.data))
        done = cancel_stop(
            actor=request_user(request),
            enrolment=enrolment,
            expected_version=data["version"],
            note=data["note"],
        )
        return Response(EnrolmentOutput(done).data)


urlpatterns: list[URLPattern | URLResolver] = [
    path("benefits/candidates/", CandidatesApi.as_view(), name="benefits-candidates"),
    path(
        "benefits/enrolments-to-review/",
        ReviewApi.as_view(),
        name="benefits-enrolments-to-review",
    ),
    path(
        "children/<int:child_id>/benefits/enrolments/",
        EnrolApi.as_view(),
        name="child-benefits-enrolments",
    ),
    path(
        "children/<int:child_id>/benefits/changes/",
        ChangeApi.as_view(),
        name="child-benefits-changes",
    ),
    path(
        "benefits/enrolments/<int:enrolment_id>/cancel-stop/",
        CancelStopApi.as_view(),
        name="benefits-enrolment-cancel-stop",
    ),
]
